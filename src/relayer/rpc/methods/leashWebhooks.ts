/**
 * leash_addWebhook / leash_listWebhooks / leash_removeWebhook / leash_testWebhook: an owner manages the
 * wallet's webhook endpoints (see src/relayer/notify). Each call carries the owner's signed `RelayerRequest`
 * (action "webhook", id 0). The endpoint's secret is returned once, by leash_addWebhook.
 */
import { z } from "zod";
import { InvalidParamsError } from "../../errors.js";
import { address } from "../../userOp.js";
import { defineMethod, type CallContext } from "../types.js";
import { requestAuth, requireSignedRequest } from "./ownerAuth.js";

const owner = (ctx: CallContext, wallet: string, auth: z.output<typeof requestAuth>) =>
  requireSignedRequest(ctx, "webhook", wallet, 0n, auth, "owner");

export const leashAddWebhook = defineMethod({
  name: "leash_addWebhook",
  scope: "send",
  signatureAuth: true,
  params: z.tuple([
    z.object({ wallet: address("wallet"), url: z.string().max(2048), auth: requestAuth }).strict(),
  ]),
  handler: async ([a], ctx) => {
    await owner(ctx, a.wallet, a.auth);
    try {
      const e = await ctx.relayer.notify.addEndpoint(a.wallet, a.url);
      return { id: e.id, url: e.url, secret: e.secret };
    } catch (error) {
      throw new InvalidParamsError(`bad webhook URL: ${(error as Error).message.slice(0, 100)}`);
    }
  },
});

export const leashListWebhooks = defineMethod({
  name: "leash_listWebhooks",
  scope: "read",
  signatureAuth: true,
  params: z.tuple([z.object({ wallet: address("wallet"), auth: requestAuth }).strict()]),
  handler: async ([a], ctx) => {
    await owner(ctx, a.wallet, a.auth);
    const endpoints = await ctx.relayer.notify.endpoints(a.wallet);
    return Promise.all(
      endpoints.map(async (e) => ({
        id: e.id,
        url: e.url,
        createdAt: e.createdAt,
        deliveries: await ctx.relayer.notify.deliveries(e.id),
      })),
    );
  },
});

export const leashRemoveWebhook = defineMethod({
  name: "leash_removeWebhook",
  scope: "send",
  signatureAuth: true,
  params: z.tuple([
    z
      .object({
        wallet: address("wallet"),
        id: z.string().regex(/^[0-9a-f]{16}$/),
        auth: requestAuth,
      })
      .strict(),
  ]),
  handler: async ([a], ctx) => {
    await owner(ctx, a.wallet, a.auth);
    return { removed: await ctx.relayer.notify.removeEndpoint(a.wallet, a.id) };
  },
});

export const leashTestWebhook = defineMethod({
  name: "leash_testWebhook",
  scope: "send",
  signatureAuth: true,
  params: z.tuple([z.object({ wallet: address("wallet"), auth: requestAuth }).strict()]),
  handler: async ([a], ctx) => {
    await owner(ctx, a.wallet, a.auth);
    return { eventId: await ctx.relayer.notify.test(a.wallet) };
  },
});
