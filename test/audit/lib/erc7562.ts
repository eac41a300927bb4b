/**
 * An ERC-7562 (validation scope rules) checker over a `debug_traceTransaction` struct-log trace, for the rules a
 * Leash account can break: banned opcodes (OP-011, OP-080), GAS not followed by a call (OP-012), CREATE/CREATE2
 * (OP-031), EXTCODE* and *CALL on an address without code (OP-041, precompiles excepted), calls into the
 * EntryPoint other than paying it (OP-054), and storage (SLOAD/SSTORE/TLOAD/TSTORE) outside the account's own
 * storage (STO-010/STO-021 for an unstaked account: associated storage in other contracts is not modelled, so
 * any foreign slot is reported). Frames running the EntryPoint's own code are trusted and not checked.
 *
 * The trace must be of the validation phase alone (e.g. a transaction from the EntryPoint to
 * `validateUserOp`), so every opcode in it is validation code.
 */

export type StructLog = { op: string; depth: number; stack?: string[]; pc: number };
export type Violation = { rule: string; op: string; address: string; detail: string };

const BANNED = new Set([
  "GASPRICE",
  "GASLIMIT",
  "DIFFICULTY",
  "PREVRANDAO",
  "TIMESTAMP",
  "BASEFEE",
  "BLOCKHASH",
  "NUMBER",
  "ORIGIN",
  "COINBASE",
  "SELFDESTRUCT",
  "BLOBHASH",
  "BLOBBASEFEE",
  "INVALID",
]);
const BALANCE_OPS = new Set(["BALANCE", "SELFBALANCE"]);
const CALLS = new Set(["CALL", "CALLCODE", "DELEGATECALL", "STATICCALL"]);
const EXTCODE = new Set(["EXTCODESIZE", "EXTCODEHASH", "EXTCODECOPY"]);
const STORAGE = new Set(["SLOAD", "SSTORE", "TLOAD", "TSTORE"]);

const word = (hex: string) => BigInt(hex.startsWith("0x") ? hex : "0x" + hex);
const addressOf = (hex: string) => "0x" + word(hex).toString(16).padStart(40, "0").slice(-40);
/** Stack item `i` from the top (0 = top); struct logs list the stack bottom first. */
const peek = (log: StructLog, i: number) => log.stack![log.stack!.length - 1 - i];

export type TraceContext = {
  /** The account being validated (its storage is the only storage it may touch). */
  sender: string;
  entryPoint: string;
  /** Whether an address has code at the traced block. */
  hasCode: (address: string) => Promise<boolean>;
};

type Frame = { storage: string; code: string; depth: number };

/** Every ERC-7562 rule the traced validation breaks (empty = none). */
export async function checkValidationTrace(
  logs: StructLog[],
  ctx: TraceContext,
): Promise<Violation[]> {
  const sender = ctx.sender.toLowerCase();
  const entryPoint = ctx.entryPoint.toLowerCase();
  const isPrecompile = (a: string) => BigInt(a) >= 1n && BigInt(a) <= 0x11n;
  const violations: Violation[] = [];
  const codeCache = new Map<string, boolean>();
  const hasCode = async (a: string) => {
    if (!codeCache.has(a)) codeCache.set(a, await ctx.hasCode(a));
    return codeCache.get(a)!;
  };
  const frames: Frame[] = [{ storage: sender, code: sender, depth: logs[0]?.depth ?? 1 }];
  for (let i = 0; i < logs.length; i++) {
    const log = logs[i];
    while (frames.length > 1 && log.depth < frames[frames.length - 1].depth) frames.pop();
    const frame = frames[frames.length - 1];
    const next = logs[i + 1];
    const trusted = frame.code === entryPoint;
    const report = (rule: string, detail: string) =>
      violations.push({ rule, op: log.op, address: frame.code, detail });

    if (!trusted) {
      if (BANNED.has(log.op)) report("OP-011", "banned opcode");
      if (BALANCE_OPS.has(log.op)) report("OP-080", "balance read by an unstaked entity");
      if (log.op === "GAS" && (!next || !CALLS.has(next.op) || next.depth !== log.depth)) {
        report("OP-012", "GAS not followed by a call");
      }
      if (log.op === "CREATE" || log.op === "CREATE2") report("OP-031", "contract creation");
      if (STORAGE.has(log.op) && frame.storage !== sender) {
        report("STO-021", `slot ${peek(log, 0)} of ${frame.storage}`);
      }
      if (EXTCODE.has(log.op)) {
        const target = addressOf(peek(log, 0));
        if (!isPrecompile(target) && target !== sender && !(await hasCode(target))) {
          report("OP-041", `${log.op} on ${target}, which has no code`);
        }
      }
      if (CALLS.has(log.op)) {
        const target = addressOf(peek(log, 1));
        if (target === entryPoint) {
          // Paying the prefund: a plain value transfer into the EntryPoint's fallback (OP-052/053).
          const value = log.op === "CALL" ? word(peek(log, 2)) : 0n;
          const argsLength = word(peek(log, log.op === "CALL" || log.op === "CALLCODE" ? 4 : 3));
          if (argsLength !== 0n || value === 0n) {
            report("OP-054", "call into the EntryPoint other than paying it");
          }
        } else if (!isPrecompile(target) && target !== sender && !(await hasCode(target))) {
          report("OP-041", `${log.op} to ${target}, which has no code`);
        }
      }
    }
    if (next && next.depth === log.depth + 1) {
      if (CALLS.has(log.op)) {
        const target = addressOf(peek(log, 1));
        const delegate = log.op === "DELEGATECALL" || log.op === "CALLCODE";
        frames.push({
          storage: delegate ? frame.storage : target,
          code: target,
          depth: next.depth,
        });
      } else {
        // CREATE/CREATE2: the new address is unknown here; treat its storage as foreign.
        frames.push({ storage: "created", code: "created", depth: next.depth });
      }
    }
  }
  return violations;
}
