/** Option builders and result printing shared by the owner-side commands. */
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import type { Command } from "commander";
import {
  formatAmount,
  parseSignedBatch,
  serializeSignedBatch,
  walletContract,
  type AssetLimitsInput,
  type Call,
  type OwnerClient,
  type SignedBatch,
  type SubmitResult,
} from "../../client/core.js";
import { timeText } from "../clients.js";
import type { Ctx } from "../context.js";
import { usageError } from "../errors.js";
import { renderFields } from "../output.js";

export const collect = (value: string, previous: string[] = []) => [...previous, value];

export interface LimitOptions {
  asset: string;
  perTx?: string;
  approvalAbove?: string;
  daily?: string;
  weekly?: string;
  monthly?: string;
}

/** --asset and the five per-asset limits (human units of the asset; 0 = no cap). */
export function limitOptions(command: Command): Command {
  return command
    .option("--asset <asset>", "native, or an ERC-20 address", "native")
    .option("--per-tx <amount>", "cap per payment (asset units, e.g. 1.5)")
    .option("--approval-above <amount>", "payments above this go to the owners for approval")
    .option("--daily <amount>", "cap per calendar day")
    .option("--weekly <amount>", "cap per ISO week")
    .option("--monthly <amount>", "cap per calendar month");
}

export function limitsFrom(opts: LimitOptions): AssetLimitsInput {
  const out: AssetLimitsInput = {};
  if (opts.perTx !== undefined) out.perTx = opts.perTx;
  if (opts.approvalAbove !== undefined) out.approvalAbove = opts.approvalAbove;
  if (opts.daily !== undefined) out.daily = opts.daily;
  if (opts.weekly !== undefined) out.weekly = opts.weekly;
  if (opts.monthly !== undefined) out.monthly = opts.monthly;
  return out;
}

export const batchOption = (command: Command) =>
  command.option(
    "--batch <file>",
    "don't send: sign off-chain (EIP-712) into <file> for the other owners (`leash proposal sign`)",
  );

/** What a submitted batch became, with the next command to run. */
export function printSubmit(ctx: Ctx, result: SubmitResult, what: string): void {
  ctx.out.result({ action: what, ...result }, () => {
    if (result.status === "executed")
      return result.transactionHash
        ? `${what}: executed (tx ${result.transactionHash})`
        : `${what}: executed`;
    if (result.status === "queued")
      return (
        `${what}: proposal ${result.proposalId} is queued, executable from ${timeText(result.eta)}\n` +
        `then: leash proposal execute ${result.proposalId}`
      );
    return (
      `${what}: proposal ${result.proposalId} waits for more owner approvals\n` +
      `next: leash proposal approve ${result.proposalId} --as <another owner>`
    );
  });
}

/** Sends `calls` the fastest way the local keys allow, or signs them into a batch file. */
export async function submitOrSign(
  ctx: Ctx,
  client: OwnerClient,
  calls: Call[],
  what: string,
  batchFile: string | undefined,
): Promise<void> {
  if (batchFile !== undefined) {
    if (existsSync(batchFile)) throw usageError(`${batchFile} already exists`);
    const batch = await ctx.out.step(`signing ${what}`, () => client.sign(calls));
    writeFileSync(batchFile, serializeSignedBatch(batch) + "\n");
    printBatch(
      ctx,
      batch,
      batchFile,
      what,
      await walletContract(client.wallet, client.provider).threshold(),
    );
    return;
  }
  const result = await ctx.out.step(`${what}: sending`, () => client.submit(calls));
  printSubmit(ctx, result, what);
}

export function readBatch(file: string): SignedBatch {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw usageError(`cannot read batch file ${file}`);
  }
  return parseSignedBatch(text);
}

/** The batch as signed so far, and the one next step: more signatures, or submitting it. */
export function printBatch(
  ctx: Ctx,
  batch: SignedBatch,
  file: string,
  what: string,
  threshold: bigint,
): void {
  const count = BigInt(batch.signatures.length);
  ctx.out.result({ action: what, file, ...batch }, () =>
    [
      renderFields([
        ["batch", file],
        ["calls", batch.calls.length],
        ["signatures", `${count} of ${threshold}`],
        ["signed by", batch.signatures.map((s) => s.signer).join(", ") || "-"],
        ["deadline", timeText(batch.deadline)],
      ]),
      count >= threshold
        ? `threshold reached: next: \`leash proposal execute --batch ${file}\` (anyone may submit it)`
        : `next: ${threshold - count} more owner(s) run \`leash proposal sign ${file}\`, then \`leash proposal execute --batch ${file}\``,
    ].join("\n"),
  );
}

/** A call as people read it: native payments in ETH, the rest as the SDK describes it. */
export function describe(client: OwnerClient, call: Call & { description?: string }): string {
  if ((call.data ?? "0x") === "0x" && call.target.toLowerCase() !== client.wallet.toLowerCase())
    return `pay ${formatAmount(BigInt(call.value ?? 0n), 18)} ETH to ${call.target}`;
  return (
    call.description ??
    client.describeCall({
      target: call.target,
      value: BigInt(call.value ?? 0n),
      data: call.data ?? "0x",
    })
  );
}
