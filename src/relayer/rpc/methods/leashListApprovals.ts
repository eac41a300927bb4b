/**
 * leash_listApprovals: who approved proposal `proposalId` (on chain and through the relayer, not yet
 * submitted) and what the relayer did about it. Needs an owner's or guardian's signed request or an API key
 * scoped to the wallet.
 */
import { z } from "zod";
import { address } from "../../userOp.js";
import { defineMethod } from "../types.js";
import { requestAuth, requireReader, uint } from "./ownerAuth.js";

export const leashListApprovals = defineMethod({
  name: "leash_listApprovals",
  scope: "read",
  signatureAuth: true,
  params: z.tuple([
    z
      .object({
        wallet: address("wallet"),
        proposalId: uint("proposalId"),
        auth: requestAuth.optional(),
      })
      .strict(),
  ]),
  handler: async ([a], ctx) => {
    await requireReader(ctx, a.wallet, a.proposalId, a.auth);
    return ctx.relayer.ownerActions.listApprovals(a.wallet, a.proposalId);
  },
});
