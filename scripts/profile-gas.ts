/**
 * Where an agent payment's gas goes inside the wallet implementation, by Solidity source line: replays the
 * benchmark, traces the measured Leash operations (`debug_traceTransaction`) and attributes each opcode run
 * in the AgentWallet implementation's code to the source line its source map points to.
 * `npx tsx scripts/profile-gas.ts [label]` (label: leashAgentNative, leashAgentErc20, ...Full; default all).
 */
import { readFileSync } from "node:fs";
import { network } from "hardhat";
import { measureGas } from "./lib/gas-bench.js";

type Step = { pc: number; op: string; gasCost: number; depth: number };
const only = process.argv[2];
// `--compute`: leave out storage and log opcodes (their cost is the slot/log, not the code around them).
const computeOnly = process.argv.includes("--compute");
const STORAGE_OPS = new Set(["SLOAD", "SSTORE", "LOG0", "LOG1", "LOG2", "LOG3", "LOG4"]);

const artifact = JSON.parse(
  readFileSync("artifacts/contracts/wallet/AgentWallet.sol/AgentWallet.json", "utf8"),
);
const input = JSON.parse(readFileSync(`artifacts/build-info/${artifact.buildInfoId}.json`, "utf8"));
const output = JSON.parse(
  readFileSync(`artifacts/build-info/${artifact.buildInfoId}.output.json`, "utf8"),
).output;
const compiled = output.contracts[artifact.inputSourceName].AgentWallet;
// Hardhat keeps no Yul helper sources; `PROFILE_GENERATED=<file>` names a solc output of
// `evm.deployedBytecode` (with generatedSources) for the same input, to name the helpers.
if (process.env.PROFILE_GENERATED)
  compiled.evm.deployedBytecode = JSON.parse(readFileSync(process.env.PROFILE_GENERATED, "utf8"));
const code: string = compiled.evm.deployedBytecode.object;
const idToSource = new Map<number, string>();
for (const [name, s] of Object.entries(output.sources as Record<string, { id: number }>))
  idToSource.set(s.id, name);

// pc -> instruction index
const pcToIndex = new Map<number, number>();
for (let pc = 0, i = 0; pc < code.length / 2; i++) {
  pcToIndex.set(pc, i);
  const op = parseInt(code.slice(pc * 2, pc * 2 + 2), 16);
  pc += op >= 0x60 && op <= 0x7f ? op - 0x5e : 1;
}
// decompress the source map
const entries: { s: number; l: number; f: number }[] = [];
let prev = { s: -1, l: -1, f: -1 };
for (const item of (compiled.evm.deployedBytecode.sourceMap as string).split(";")) {
  const [s, l, f] = item.split(":");
  prev = {
    s: s === undefined || s === "" ? prev.s : Number(s),
    l: l === undefined || l === "" ? prev.l : Number(l),
    f: f === undefined || f === "" ? prev.f : Number(f),
  };
  entries.push(prev);
}
const generated = new Map<number, string>();
for (const g of (compiled.evm.deployedBytecode.generatedSources ?? []) as {
  id: number;
  contents: string;
}[])
  generated.set(g.id, g.contents);
const lineOf = (file: string, offset: number) => {
  const text: string = input.input.sources[file]?.content ?? "";
  return text.slice(0, offset).split("\n").length;
};
/** The Yul helper function (ABI coding, checked arithmetic...) a generated-code offset falls in. */
const yulFunctionAt = (id: number, offset: number) => {
  const head = (generated.get(id) ?? "").slice(0, offset);
  const m = [...head.matchAll(/function ([A-Za-z0-9_$]+)/g)].pop();
  return `yul:${m ? m[1] : "?"}`;
};

const connection = await network.create();
const hashes: [string, string][] = [];
await measureGas(connection, (label, hash) => hashes.push([label, hash]));
for (const [label, hash] of hashes) {
  if (!label.startsWith("leash") || (only && !only.startsWith("--") && label !== only)) continue;
  const trace = (await connection.provider.request({
    method: "debug_traceTransaction",
    params: [hash, { disableMemory: true, disableStorage: true, disableStack: true }],
  })) as { structLogs: Step[] };
  const byLine = new Map<string, number>();
  let total = 0;
  for (const s of trace.structLogs) {
    if (s.depth < 3) continue; // EntryPoint and proxy frames
    const idx = pcToIndex.get(s.pc);
    const e = idx === undefined ? undefined : entries[idx];
    const cost =
      ["CALL", "DELEGATECALL", "STATICCALL"].includes(s.op) ||
      (computeOnly && STORAGE_OPS.has(s.op))
        ? 0
        : s.gasCost;
    let key = "(no source)";
    if (e && e.f >= 0) {
      const file = idToSource.get(e.f);
      key = file
        ? `${file.replace(/^project\//, "")}:${lineOf(file, e.s)}`
        : yulFunctionAt(e.f, e.s);
    }
    byLine.set(key, (byLine.get(key) ?? 0) + cost);
    total += cost;
  }
  console.log(`\n== ${label}: ${total} gas in the implementation (depth >= 3)`);
  for (const [k, g] of [...byLine.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`  ${String(g).padStart(6)}  ${k}`);
}
await connection.close();
