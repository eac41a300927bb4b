/**
 * `leash audit verify`: checks the relayer's hash-chained audit log (src/relayer/audit.ts) and
 * prints the head to anchor elsewhere. `history` and `report` rebuild the wallet's history from
 * its events through the SDK's AuditClient.
 */
import { existsSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import {
  AUDIT_KINDS,
  AssetInfo,
  AuditClient,
  type AuditFilter,
  type AuditKind,
} from "../../client/core.js";
import { verifyAuditLog } from "../../relayer/audit.js";
import type { RelayerStore } from "../../relayer/store/index.js";
import { rpcProvider, timeText, walletAddress } from "../clients.js";
import { action, type Ctx } from "../context.js";
import { parseAddress } from "../config.js";
import { CliError, EXIT, usageError } from "../errors.js";
import { renderFields } from "../output.js";
import { parseIntOption, parseTime } from "../units.js";
import { withStore } from "./apikey.js";

interface FilterOptions {
  agent?: string;
  kind?: string;
  since?: string;
  until?: string;
  fromBlock?: string;
  db?: string;
  relayer: boolean;
}

function filterOptions(command: Command): Command {
  return command
    .option("--agent <address>", "only entries about this agent")
    .option("--kind <kinds>", `comma-separated: ${AUDIT_KINDS.join(", ")}`)
    .option("--since <time>", "from this time (ISO 8601 or unix seconds)")
    .option("--until <time>", "up to this time (ISO 8601 or unix seconds)")
    .option("--from-block <n>", "first block to scan (default 0)")
    .option("--db <url>", "relayer store, to join the ops it rejected (default: config `db`)")
    .option("--no-relayer", "events only: don't join the relayer's rejected ops");
}

function filterFrom(opts: FilterOptions): AuditFilter {
  const filter: AuditFilter = {};
  if (opts.agent !== undefined) filter.agent = parseAddress(opts.agent, "--agent");
  if (opts.kind !== undefined) {
    const kinds = opts.kind.split(",").map((k) => k.trim());
    for (const k of kinds)
      if (!AUDIT_KINDS.includes(k as AuditKind))
        throw usageError(`unknown kind "${k}" (kinds: ${AUDIT_KINDS.join(", ")})`);
    filter.kinds = kinds as AuditKind[];
  }
  if (opts.since !== undefined) filter.from = parseTime(opts.since);
  if (opts.until !== undefined) filter.to = parseTime(opts.until);
  if (opts.fromBlock !== undefined)
    filter.fromBlock = parseIntOption(opts.fromBlock, "--from-block");
  return filter;
}

/** Runs `work` with an AuditClient, joined to the relayer's store when one is configured. */
async function withAudit<T>(
  ctx: Ctx,
  opts: FilterOptions,
  work: (audit: AuditClient) => Promise<T>,
): Promise<T> {
  const wallet = walletAddress(ctx);
  const provider = await rpcProvider(ctx);
  const make = (relayerStore?: RelayerStore) => new AuditClient({ wallet, provider, relayerStore });
  if (!opts.relayer || (opts.db ?? ctx.settings.db) === undefined) return work(make());
  return withStore(ctx, opts.db, (store) => work(make(store)));
}

export function registerAudit(program: Command): void {
  const audit = program
    .command("audit")
    .description("the wallet's history and the relayer's audit log");
  filterOptions(
    audit
      .command("history")
      .description(
        "the wallet's history from its events (and the relayer's rejected ops), oldest first",
      ),
  ).action(
    action(async (ctx, opts: FilterOptions) => {
      const filter = filterFrom(opts);
      const entries = await withAudit(ctx, opts, (a) =>
        ctx.out.step("reading the wallet's events", () => a.history(filter)),
      );
      const relayerRows = entries.some((e) => e.clock === "relayer");
      // Each token's decimals and symbol read once (AssetInfo caches them).
      const assets = new AssetInfo(await rpcProvider(ctx));
      const amounts = ctx.flags.json
        ? []
        : await Promise.all(
            entries.map((e) => (e.amount === null ? "-" : assets.text(e.asset, e.amount))),
          );
      ctx.out.result(entries, () => {
        const table = ctx.out.table(
          ["time", "kind", "event", "agent", "amount", "to / target", "proposal", "tx"],
          entries.map((e, i) => [
            e.clock === "relayer" ? `${timeText(e.timestamp)} *` : timeText(e.timestamp),
            e.kind,
            e.rule === null ? e.event : `${e.event}: ${e.rule}`,
            e.agent,
            amounts[i],
            e.counterparty,
            e.proposalId,
            e.transactionHash ? `${e.transactionHash.slice(0, 12)}…` : null,
          ]),
        );
        // Block time and the relayer's wall clock differ (a dev chain moved forward, lagging blocks): say which is which.
        return relayerRows
          ? `${table}\n* relayer's clock (the op never reached the chain); other times are block times`
          : table;
      });
    }),
  );

  filterOptions(
    audit
      .command("report")
      .description("a report (entries, totals per agent and asset, counts) as JSON or CSV")
      .option("--format <format>", "json | csv", "json")
      .option("--out <file>", "write to a file instead of stdout"),
  ).action(
    action(async (ctx, opts: FilterOptions & { format: string; out?: string }) => {
      if (opts.format !== "json" && opts.format !== "csv")
        throw usageError(`--format must be json or csv: ${opts.format}`);
      if (opts.out !== undefined && existsSync(opts.out))
        throw usageError(`${opts.out} already exists`);
      const filter = filterFrom(opts);
      const { text, entries } = await withAudit(ctx, opts, async (a) => {
        const report = await ctx.out.step("building the report", () => a.report(filter));
        return {
          text: opts.format === "json" ? a.toJSON(report) + "\n" : a.toCSV(report.entries),
          entries: report.entries.length,
        };
      });
      if (opts.out === undefined) {
        // The report is the output, in the format asked for (--json does not change it).
        process.stdout.write(text);
        return;
      }
      writeFileSync(opts.out, text);
      ctx.out.result(
        { file: opts.out, format: opts.format, entries },
        () => `wrote ${entries} entries to ${opts.out} (${opts.format})`,
      );
    }),
  );

  audit
    .command("verify")
    .description("verify the relayer's hash-chained audit log; prints the head to anchor")
    .option("--db <url>", "relayer store (sqlite:<path> or postgres://...)")
    .action(
      action(async (ctx, opts: { db?: string }) => {
        const result = await withStore(ctx, opts.db, (store) => verifyAuditLog(store));
        if (!result.ok) {
          // A broken chain is the finding, not a crash: say where, exit non-zero.
          throw new CliError(
            `audit log broken at row ${result.badSeq}: ${result.problem} (${result.rows} rows verified before it)`,
            EXIT.failure,
            { ok: false, rows: result.rows, badSeq: result.badSeq, problem: result.problem },
          );
        }
        ctx.out.result(result, () =>
          renderFields([
            ["audit log", "intact"],
            ["rows", result.rows],
            ["head seq", result.head.seq],
            ["head hash", result.head.hash],
          ]),
        );
      }),
    );
}
