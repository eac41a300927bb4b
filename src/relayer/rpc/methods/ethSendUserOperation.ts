/**
 * eth_sendUserOperation: check everything that can be checked before spending gas, persist the
 * op (with its audit row) and only then acknowledge it with its hash.
 *
 * When the node is unreachable the op is still accepted after the local checks and queued with
 * `needsSimulation`: the bundler simulates it (validation and execution) when the node is back
 * and drops it with a reason if it would fail. Clients see that through
 * `leash_getUserOperationStatus`. We chose this over rejecting so agents keep working through
 * short node outages; no gas is spent on an unsimulated op either way.
 */
import { z } from "zod";
import { NodeUnavailableError } from "../../chain.js";
import { InvalidParamsError, RpcError, ThrottledError } from "../../errors.js";
import { isNonceRefusal, simulateAfterPredecessors } from "../../nonceSequence.js";
import { checkOpFees, checkOpFields } from "../../simulation.js";
import {
  address,
  getUserOperationHash,
  normalizeUserOperation,
  rpcUserOperationSchema,
  serializeUserOperation,
  type UserOperation,
} from "../../userOp.js";
import { requireSendAccess } from "../access.js";
import { recordRejection } from "../rejections.js";
import { type CallContext, defineMethod } from "../types.js";

export const ethSendUserOperation = defineMethod({
  name: "eth_sendUserOperation",
  scope: "send",
  params: z.tuple([rpcUserOperationSchema, address("entryPoint")]),
  handler: async ([parsedOp, entryPoint], ctx) => {
    const { relayer, apiKey } = ctx;
    if (entryPoint !== relayer.entryPoint) {
      throw new InvalidParamsError(`unsupported entry point ${entryPoint}`);
    }
    const op = normalizeUserOperation(parsedOp);
    const hash = getUserOperationHash(op, entryPoint, relayer.chainId);
    const agent = requireSendAccess(ctx, op, hash);
    const limit = await relayer.senderRateLimiter.take(op.sender.toLowerCase());
    if (!limit.allowed) {
      relayer.metrics.opsTotal.inc({ outcome: "rejected", reason: "throttled" });
      throw new ThrottledError(
        `rate limit for this sender exceeded (${limit.tier})`,
        limit.retryAfterMs,
      );
    }
    const standing = relayer.reputation.admit(op.sender, Date.now());
    if (!standing.allowed) {
      relayer.metrics.opsTotal.inc({
        outcome: "rejected",
        reason: `reputation_${standing.status}`,
      });
      throw new ThrottledError(
        standing.status === "banned"
          ? "sender refused for a while: its accepted operations kept failing later"
          : "sender throttled: its accepted operations keep failing later",
        standing.retryAfterMs,
        { reputation: standing.status, failures: standing.failures },
      );
    }
    try {
      checkOpFields(op, relayer.config.limits);
      const needsSimulation = await simulate(op, hash, ctx);
      const result = await relayer.store.insertOp(
        {
          hash,
          entryPoint,
          sender: op.sender,
          nonce: "0x" + op.nonce.toString(16),
          opJson: serializeUserOperation(op),
          needsSimulation,
          apiKeyId: apiKey?.id ?? null,
          agent,
          receivedAt: Date.now(),
        },
        {
          event: "accepted",
          opHash: hash,
          sender: op.sender,
          detail: {
            nonce: "0x" + op.nonce.toString(16),
            apiKeyId: apiKey?.id ?? null,
            simulated: !needsSimulation,
          },
        },
      );
      if (result === "duplicate-hash") throw new InvalidParamsError("user operation already known");
      if (result === "duplicate-nonce") {
        throw new InvalidParamsError(
          "another user operation with this sender and nonce is already pending",
        );
      }
      relayer.metrics.opsTotal.inc({
        outcome: "accepted",
        reason: needsSimulation ? "unsimulated" : "",
      });
      ctx.logger.info("user operation accepted", {
        op: hash,
        sender: op.sender,
        simulated: !needsSimulation,
      });
      relayer.bundler.nudge();
      return hash;
    } catch (error) {
      if (error instanceof RpcError)
        await recordRejection(ctx, { hash, sender: op.sender }, error, "eth_sendUserOperation");
      throw error;
    }
  },
});

/** Returns true when the node was unreachable and the op must be simulated later. */
async function simulate(
  op: UserOperation,
  hash: string,
  { relayer, logger }: CallContext,
): Promise<boolean> {
  try {
    try {
      checkOpFees(op, await relayer.baseFee(), relayer.config.limits);
    } catch {
      // The cached base fee may be a block old and higher than now: refuse only on the latest block's.
      checkOpFees(op, await relayer.baseFee({ fresh: true }), relayer.config.limits);
    }
    // Validation, then execution with exactly the op's callGasLimit; ops arriving together share one eth_call.
    let simulation = await relayer.acceptSimulator.simulate(op);
    if (!simulation.ok && isNonceRefusal(simulation.error)) {
      // Its nonce may follow ops of the same key still pending here: validate it on top of them.
      const sequenced = await simulateAfterPredecessors(op, {
        store: relayer.store,
        simulator: relayer.simulator,
        chain: relayer.requestChain,
        entryPoint: relayer.entryPoint,
        maxPending: relayer.config.limits.maxPendingPerNonceKey,
      });
      if (sequenced) {
        simulation = sequenced.simulation;
        if (simulation.ok)
          logger.info("op accepted after pending predecessors", {
            op: hash,
            predecessors: sequenced.predecessors,
          });
      }
    }
    if (!simulation.ok) throw simulation.error;
    const execution = simulation.results[0];
    if (execution.error) throw execution.error;
    return false;
  } catch (error) {
    if (!(error instanceof NodeUnavailableError)) throw error;
    logger.warn("node unreachable while accepting; queueing op for later simulation", { op: hash });
    return true;
  }
}
