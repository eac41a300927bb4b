/**
 * leash_postApproval: an owner's EIP-712 approval of a pending proposal (`ApproveProposal(id, nonce,
 * deadline)` with the derived nonce and the proposal's expiry as deadline). Verified against the wallet's
 * current owners, stored durably, and submitted with the others once they reach the threshold.
 */
import { z } from "zod";
import { address } from "../../userOp.js";
import { defineMethod } from "../types.js";
import { signature, uint } from "./ownerAuth.js";

export const leashPostApproval = defineMethod({
  name: "leash_postApproval",
  scope: "send",
  signatureAuth: true,
  params: z.tuple([
    z
      .object({
        wallet: address("wallet"),
        proposalId: uint("proposalId"),
        owner: address("owner"),
        signature,
      })
      .strict(),
  ]),
  handler: async ([a], { relayer }) => {
    await relayer.ownerActions.postApproval(a);
    const approvals = await relayer.ownerActions.listApprovals(a.wallet, a.proposalId);
    return { proposalId: a.proposalId.toString(), ...approvals };
  },
});
