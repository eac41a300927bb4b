/** leash_withdrawApproval: an owner takes back an approval the relayer holds, before it is submitted. */
import { z } from "zod";
import { address } from "../../userOp.js";
import { defineMethod } from "../types.js";
import { requestAuth, requireSignedRequest, uint } from "./ownerAuth.js";

export const leashWithdrawApproval = defineMethod({
  name: "leash_withdrawApproval",
  scope: "send",
  signatureAuth: true,
  params: z.tuple([
    z
      .object({ wallet: address("wallet"), proposalId: uint("proposalId"), auth: requestAuth })
      .strict(),
  ]),
  handler: async ([a], ctx) => {
    const owner = await requireSignedRequest(
      ctx,
      "withdraw",
      a.wallet,
      a.proposalId,
      a.auth,
      "owner",
    );
    const withdrawn = await ctx.relayer.ownerActions.withdraw(a.wallet, a.proposalId, owner);
    return { withdrawn };
  },
});
