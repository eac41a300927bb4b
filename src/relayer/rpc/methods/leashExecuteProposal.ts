/**
 * leash_executeProposal: an owner or guardian asks the relayer to execute a queued proposal whose eta has
 * passed (e.g. one approved on chain, which the approvals service doesn't watch). Simulated first.
 */
import { z } from "zod";
import { walletInterface } from "../../../client/contracts.js";
import { address } from "../../userOp.js";
import { defineMethod } from "../types.js";
import { requestAuth, requireSignedRequest, uint } from "./ownerAuth.js";

export const leashExecuteProposal = defineMethod({
  name: "leash_executeProposal",
  scope: "send",
  signatureAuth: true,
  params: z.tuple([
    z
      .object({ wallet: address("wallet"), proposalId: uint("proposalId"), auth: requestAuth })
      .strict(),
  ]),
  handler: async ([a], ctx) => {
    await requireSignedRequest(ctx, "execute", a.wallet, a.proposalId, a.auth, "guardian");
    const transactionHash = await ctx.relayer.ownerActions.send(
      a.wallet,
      walletInterface.encodeFunctionData("execute", [a.proposalId]),
    );
    return { transactionHash };
  },
});
