/**
 * `leash proposal list|show|approve|sign|execute|cancel`. Two ways to reach the threshold:
 * on-chain (`approve <id>` by each owner) or off-chain (`sign <file>` by each owner on a batch
 * file written with `--batch`, then `execute --batch <file>` in one transaction).
 */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { serializeSignedBatch, type OwnerClient, type ProposalInfo } from "../../client/index.js";
import { ownerClient, readerClient, signerAddresses, timeText } from "../clients.js";
import { action, type Ctx } from "../context.js";
import { usageError } from "../errors.js";
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
  ctx.out.result(view(client, p), () =>
    [
      renderFields([
        ["proposal", p.id],
        [
          "state",
          p.expired ? `${p.state}, expired: can no longer be approved or executed` : p.state,
        ],
        ["kind", kind(p)],
        ["proposer", p.proposer],
        ["approvals", `${p.approvals} of ${p.threshold} (${p.approvedBy.join(", ") || "none"})`],
        ["eta", etaText(p, now)],
        ["expires", timeText(p.expiresAt)],
      ]),
      "calls:",
      ...p.calls.map((c, i) => `  ${i}. ${describe(client, c)}`),
    ].join("\n"),
  );
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
    .description("approve on-chain with the local owner key(s); at the threshold it is queued")
    .action(
      action(async (ctx, id: string) => {
        const pid = parseId(id, "proposal id");
        const client = await ownerClient(ctx);
        await proposalOrFail(client, pid);
        const mine = signerAddresses(ctx);
        const result = await ctx.out.step(`approving proposal ${pid}`, () =>
          mine.length > 1 ? client.approveAll(pid) : client.approve(pid),
        );
        printSubmit(ctx, result, `approve proposal ${pid}`);
      }),
    );

  proposal
    .command("sign <file>")
    .description("add the local owner key(s)' EIP-712 signature to a batch file (from --batch)")
    .action(
      action(async (ctx, file: string) => {
        const batch = readBatch(file);
        const client = await ownerClient(ctx);
        const signed = await ctx.out.step(`signing ${file}`, () => client.sign(batch));
        writeFileSync(file, serializeSignedBatch(signed) + "\n");
        printBatch(ctx, signed, file, "sign batch");
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
