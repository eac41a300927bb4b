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
  const data = (error.data ?? {}) as { rule?: unknown; args?: unknown };
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
  // A wallet's own rule refused the agent: the owners are told (webhook / stream), never blocking the answer.
  if (typeof data.rule === "string" && /^(Policy|Agent|Wallet)/.test(data.rule))
    await relayer.notify
      .agentRefused({
        wallet: op.sender,
        userOpHash: op.hash,
        rule: data.rule,
        args: (data.args ?? {}) as Record<string, unknown>,
        reason: error.message,
      })
      .catch((e: unknown) => ctx.logger.warn("refusal notification failed", { error: e }));
  ctx.logger.info("user operation rejected", {
    op: op.hash,
    sender: op.sender,
    code: error.code,
    reason: error.message,
    during,
  });
}
