/**
 * `leash proposal list|show|approve|sign|execute|cancel`. Two ways to reach the threshold:
 * on-chain (`approve <id>` by each owner) or off-chain (`sign <file>` by each owner on a batch
 * file written with `--batch`, then `execute --batch <file>` in one transaction).
 */
import { writeFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import {
  durationText,
  renderBatch,
  renderProposal,
  serializeSignedBatch,
  type OwnerClient,
  type ProposalInfo,
} from "../../client/core.js";
import { ownerClient, readerClient, signerAddresses, timeText } from "../clients.js";
import { action, type Ctx } from "../context.js";
import { CliError, EXIT, usageError } from "../errors.js";
import { renderFields } from "../output.js";
import { parseId, parseIntOption } from "../units.js";
import { describe, printBatch, printSubmit, readBatch } from "./shared.js";

function kind(p: ProposalInfo): string {
  return p.escalatedBy ? `escalation by agent ${p.escalatedBy}` : "owners";
}

function etaText(p: ProposalInfo, now: bigint): string {
  if (p.state !== "queued") return "-";
  return p.eta <= now ? `ready (since ${timeText(p.eta)})` : timeText(p.eta);
}

function view(client: OwnerClient, p: ProposalInfo) {
  return { ...p, calls: p.calls.map((c) => ({ ...c, description: describe(client, c) })) };
}

async function chainNow(client: OwnerClient): Promise<bigint> {
  const block = await client.provider.getBlock("latest");
  return BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000));
}

/** Beyond this gap between the chain's clock and this computer's, times get a note saying whose they are. */
const CLOCK_NOTE_SECONDS = 300n;

/**
 * Dates and "in 3 h" are chain time. A local chain whose time was advanced (e.g. `leash dev`'s pause step, or
 * evm_increaseTime) runs ahead of the computer's clock: say so, or every time looks wrong.
 */
function clockNote(ctx: Ctx, chainTime: bigint): void {
  const local = BigInt(Math.floor(Date.now() / 1000));
  const gap = chainTime - local;
  if (gap <= CLOCK_NOTE_SECONDS && -gap <= CLOCK_NOTE_SECONDS) return;
  ctx.out.note(
    `note: the chain's clock is ${durationText(gap > 0n ? gap : -gap)} ${gap > 0n ? "ahead of" : "behind"} this computer's (a local chain whose time was advanced?); times shown are chain times`,
  );
}

/** A proposal, or a usage error when the wallet has none with that id. */
async function proposalOrFail(client: OwnerClient, id: bigint): Promise<ProposalInfo> {
  let p: ProposalInfo;
  try {
    p = await client.proposal(id);
  } catch (error) {
    if ((error as { errorName?: unknown }).errorName === "ProposalNotFound")
      p = { state: "none" } as ProposalInfo;
    else throw error;
  }
  if (p.state === "none") throw usageError(`no proposal ${id} in wallet ${client.wallet}`);
  return p;
}

async function show(ctx: Ctx, client: OwnerClient, id: bigint): Promise<void> {
  const p = await proposalOrFail(client, id);
  const now = await chainNow(client);
  clockNote(ctx, now);
  const lines = ctx.out.json ? [] : await renderProposal(client, p, now);
  ctx.out.result(view(client, p), () => lines.join("\n"));
}

/**
 * Shows the proposal as it will be approved and asks; `--yes` skips the question and is required when
 * stdin is not a terminal (nobody approves unseen by accident).
 */
async function confirmProposal(
  ctx: Ctx,
  client: OwnerClient,
  p: ProposalInfo,
  yes: boolean | undefined,
  verb: string,
): Promise<void> {
  if (!yes && process.stdin.isTTY !== true)
    throw usageError(
      `not approving proposal ${p.id} unconfirmed: run it in a terminal to review and confirm, or pass --yes`,
    );
  const lines = await renderProposal(client, p, await chainNow(client));
  if (yes) {
    for (const line of lines) ctx.out.note(line);
    return;
  }
  process.stderr.write(lines.join("\n") + "\n");
  if (!(await confirm(`${verb} proposal ${p.id}? [y/N] `)))
    throw new CliError(`not approved: proposal ${p.id} is unchanged`);
}

/** A yes/no question on the terminal; anything but y / yes (or Ctrl-D) is no. */
export async function confirm(
  question: string,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<boolean> {
  const rl = createInterface({ input, output });
  const stop = new AbortController();
  let interrupted = false;
  rl.once("close", () => stop.abort());
  rl.once("SIGINT", () => {
    interrupted = true;
    stop.abort();
  });
  try {
    const answer = await rl.question(question, { signal: stop.signal });
    return /^(y|yes)$/i.test(answer.trim());
  } catch (error) {
    if (interrupted) throw new CliError("interrupted", EXIT.interrupted);
    if ((error as Error).name === "AbortError") return false;
    throw error;
  } finally {
    rl.close();
  }
}

export function registerProposal(program: Command): void {
  const proposal = program.command("proposal").description("owner proposals and agent escalations");

  proposal
    .command("list")
    .description("open proposals and escalations (pending approvals, or queued), newest first")
    .option("--limit <n>", "look at most this many recent proposals", "200")
    .action(
      action(async (ctx, opts: { limit: string }) => {
        const client = await readerClient(ctx);
        const limit = parseIntOption(opts.limit, "--limit", 10_000);
        const open = await client.pendingProposals({ limit });
        const now = await chainNow(client);
        clockNote(ctx, now);
        ctx.out.result(
          open.map((p) => view(client, p)),
          () =>
            ctx.out.table(
              ["id", "state", "kind", "approvals", "eta", "expires", "calls"],
              open.map((p) => [
                p.id,
                p.state,
                kind(p),
                `${p.approvals}/${p.threshold}`,
                etaText(p, now),
                timeText(p.expiresAt),
                p.calls.map((c) => describe(client, c)).join("; "),
              ]),
            ),
        );
      }),
    );

  proposal
    .command("show <id>")
    .description("one proposal with its calls and approvals")
    .action(
      action(async (ctx, id: string) => {
        await show(ctx, await readerClient(ctx), parseId(id, "proposal id"));
      }),
    );

  proposal
    .command("approve <id>")
    .description(
      "show the proposal decoded, then approve with the local owner key(s): an EIP-712 signature the relayer submits at the threshold (no ETH needed), or on-chain with --direct",
    )
    .option("-y, --yes", "approve without asking (required when not run in a terminal)")
    .action(
      action(async (ctx, id: string, opts: { yes?: boolean }) => {
        const pid = parseId(id, "proposal id");
        const client = await ownerClient(ctx);
        const p = await proposalOrFail(client, pid);
        await confirmProposal(ctx, client, p, opts.yes, "approve");
        const mine = signerAddresses(ctx);
        const result = await ctx.out.step(`approving proposal ${pid}`, () =>
          mine.length > 1 ? client.approveAll(pid) : client.approve(pid),
        );
        printSubmit(ctx, result, `approve proposal ${pid}`);
      }),
    );

  proposal
    .command("sign <file>")
    .description(
      "show a batch file (from --batch) decoded, with its delay and chain, then add the local owner key(s)' EIP-712 signature once confirmed",
    )
    .option("-y, --yes", "sign without asking (required when not run in a terminal)")
    .action(
      action(async (ctx, file: string, opts: { yes?: boolean }) => {
        const batch = readBatch(file);
        // A co-owner's file is untrusted input: nobody signs it unseen, and a script must say so.
        if (!opts.yes && process.stdin.isTTY !== true)
          throw usageError(
            `not signing ${file} unconfirmed: run it in a terminal to review and confirm, or pass --yes`,
          );
        const reader = await readerClient(ctx);
        // Refuses a batch for another chain or wallet before any key is decrypted.
        const review = await reader.reviewBatch(batch);
        const signing = signerAddresses(ctx);
        // The same rendering as `proposal show` / `approve`: what owners see is what they sign.
        const lines = [
          `${file}:`,
          ...(await renderBatch(reader, review, await chainNow(reader))),
          `signing as: ${signing.join(", ")}`,
        ];
        if (opts.yes) {
          for (const line of lines) ctx.out.note(line);
        } else {
          // Shown even under --json / --quiet: the owner is being asked about exactly this.
          process.stderr.write(lines.join("\n") + "\n");
          if (!(await confirm(`sign these ${review.calls.length} call(s)? [y/N] `)))
            throw new CliError(`not signed: ${file} is unchanged`);
        }
        const client = await ownerClient(ctx);
        const signed = await ctx.out.step(`signing ${file}`, () => client.sign(batch));
        writeFileSync(file, serializeSignedBatch(signed) + "\n");
        if (!ctx.out.json) return printBatch(ctx, signed, file, "sign batch", review.threshold);
        ctx.out.result(
          {
            action: "sign batch",
            file,
            ...signed,
            review: {
              delay: review.delay,
              calls: review.calls.map((c) => ({
                description: describe(reader, c),
                delay: c.delay,
              })),
            },
          },
          () => "",
        );
      }),
    );

  proposal
    .command("execute [id]")
    .description("execute a queued proposal past its eta, or a signed batch file (--batch)")
    .option("--batch <file>", "submit a batch file's signatures (executeWithSignatures)")
    .action(
      action(async (ctx, id: string | undefined, opts: { batch?: string }) => {
        if ((id === undefined) === (opts.batch === undefined))
          throw usageError("give a proposal id or --batch <file> (one of them)");
        const client = await ownerClient(ctx);
        if (opts.batch !== undefined) {
          const batch = readBatch(opts.batch);
          const result = await ctx.out.step(`submitting ${opts.batch}`, () =>
            client.executeSigned(batch),
          );
          printSubmit(ctx, result, "execute batch");
          return;
        }
        const pid = parseId(id!, "proposal id");
        await proposalOrFail(client, pid);
        const result = await ctx.out.step(`executing proposal ${pid}`, () => client.execute(pid));
        printSubmit(ctx, result, `execute proposal ${pid}`);
      }),
    );

  proposal
    .command("cancel <id>")
    .description("cancel (veto) a pending or queued proposal: one owner or guardian")
    .action(
      action(async (ctx, id: string) => {
        const pid = parseId(id, "proposal id");
        const client = await ownerClient(ctx);
        await proposalOrFail(client, pid);
        const result = await ctx.out.step(`cancelling proposal ${pid}`, () => client.cancel(pid));
        printSubmit(ctx, result, `cancel proposal ${pid}`);
      }),
    );
}
