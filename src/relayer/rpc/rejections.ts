/**
 * One record of a refused user operation, whichever method refused it: a metric by code, a row in the
 * hash-chained audit log (`rejected`, with the decoded rule when the wallet named one) and a log line.
 */
import type { RpcError } from "../errors.js";
import type { CallContext } from "./types.js";

export async function recordRejection(
  ctx: CallContext,
  op: { hash: string; sender: string },
  error: RpcError,
  during: string,
): Promise<void> {
  const { relayer } = ctx;
  relayer.metrics.opsTotal.inc({ outcome: "rejected", reason: String(error.code) });
  const data = (error.data ?? {}) as { rule?: unknown };
  await relayer.store.appendAudit({
    event: "rejected",
    opHash: op.hash,
    sender: op.sender,
    detail: {
      code: error.code,
      reason: error.message.slice(0, 500),
      during,
      ...(typeof data.rule === "string" ? { rule: data.rule } : {}),
    },
  });
  ctx.logger.info("user operation rejected", {
    op: op.hash,
    sender: op.sender,
    code: error.code,
    reason: error.message,
    during,
  });
}
