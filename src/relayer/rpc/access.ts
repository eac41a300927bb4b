/**
 * What an API key may see and do beyond its scopes: a key bound to a sender reads only that sender's
 * ops (others' answer as unknown, so a key can't even learn that a hash exists) and can't make the
 * node simulate for anyone else.
 */
import { ForbiddenError } from "../errors.js";
import type { OpRecord } from "../store/types.js";
import type { CallContext } from "./types.js";

export function keyCovers(ctx: CallContext, sender: string): boolean {
  const { apiKey } = ctx;
  return !apiKey || apiKey.sender === "*" || apiKey.sender.toLowerCase() === sender.toLowerCase();
}

/** The stored op, or null when unknown or not the caller's to read. */
export async function readableOp(ctx: CallContext, hash: string): Promise<OpRecord | null> {
  const record = await ctx.relayer.store.getOp(hash);
  return record && keyCovers(ctx, record.sender) ? record : null;
}

export function requireSender(ctx: CallContext, sender: string, action: string): void {
  if (!keyCovers(ctx, sender))
    throw new ForbiddenError(`this API key may not ${action} for this sender`);
}
