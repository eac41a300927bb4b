/**
 * What an API key may see and do beyond its scopes. A key is bound to a wallet (or "*", every wallet) and may be
 * limited further to one agent of it (src/relayer/auth/opAgent.ts for how an op's agent is known):
 *
 * - send: the op's sender is the key's wallet and, for an agent key, the op is on the agent's nonce key and
 *   signed by it;
 * - estimate: the same, except the signature (clients estimate with a stub signature);
 * - read (eth_getUserOperationByHash, eth_getUserOperationReceipt, leash_getUserOperationStatus): only ops of the
 *   key's wallet and, for an agent key, that agent's ops (on its nonce key, which the wallet accepts only signed
 *   by it). Any other op answers exactly like an unknown hash, so a key can't even learn that a hash exists.
 */
import { ForbiddenError } from "../errors.js";
import { nonceKeyAgent, signingAgent } from "../auth/opAgent.js";
import type { OpRecord } from "../store/types.js";
import type { CallContext } from "./types.js";

function coversSender(ctx: CallContext, sender: string): boolean {
  const { apiKey } = ctx;
  return !apiKey || apiKey.sender === "*" || apiKey.sender.toLowerCase() === sender.toLowerCase();
}

function coversAgent(ctx: CallContext, agent: string | null): boolean {
  const scoped = ctx.apiKey?.agent;
  return !scoped || (agent !== null && agent.toLowerCase() === scoped.toLowerCase());
}

/** Whether the caller's key covers a stored op (its wallet, and its agent if the key has one). */
export function keyCoversOp(ctx: CallContext, record: Pick<OpRecord, "sender" | "agent">): boolean {
  return coversSender(ctx, record.sender) && coversAgent(ctx, record.agent);
}

/** The stored op, or null when unknown or not the caller's to read (the same answer). */
export async function readableOp(ctx: CallContext, hash: string): Promise<OpRecord | null> {
  const record = await ctx.relayer.store.getOp(hash);
  return record && keyCoversOp(ctx, record) ? record : null;
}

function refuse(action: string, what: string): never {
  throw new ForbiddenError(`this API key may not ${action} for this ${what}`);
}

/** For estimates: the sender, and the agent the op claims by its nonce key. */
export function requireEstimateAccess(
  ctx: CallContext,
  op: { sender: string; nonce: bigint },
): void {
  if (!coversSender(ctx, op.sender)) refuse("estimate operations", "sender");
  if (!coversAgent(ctx, nonceKeyAgent(op.nonce))) refuse("estimate operations", "agent");
}

/**
 * For sends: the sender and, for an agent-scoped key, the op's nonce key and signature must both be that agent's.
 * Returns the op's agent by its nonce key (null when it isn't an agent's), stored with the op: it decides who may
 * read it.
 */
export function requireSendAccess(
  ctx: CallContext,
  op: { sender: string; nonce: bigint; signature: string },
  userOpHash: string,
): string | null {
  if (!coversSender(ctx, op.sender)) refuse("send operations", "sender");
  const agent = nonceKeyAgent(op.nonce);
  if (ctx.apiKey?.agent) {
    if (!coversAgent(ctx, agent) || signingAgent(op.nonce, userOpHash, op.signature) !== agent)
      refuse("send operations", "agent");
  }
  return agent;
}
