/**
 * `leash audit verify`: checks the relayer's hash-chained audit log (src/relayer/audit.ts) and
 * prints the head to anchor elsewhere. `history` and `report` rebuild the wallet's history from
 * its events through the SDK's AuditClient.
 */
import type { Command } from "commander";
import { verifyAuditLog } from "../../relayer/audit.js";
import { action } from "../context.js";
import { CliError, EXIT } from "../errors.js";
import { renderFields } from "../output.js";
import { withStore } from "./apikey.js";

export function registerAudit(program: Command): void {
  const audit = program
    .command("audit")
    .description("the wallet's history and the relayer's audit log");
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
