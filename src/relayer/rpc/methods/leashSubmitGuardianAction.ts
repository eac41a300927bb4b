/**
 * leash_submitGuardianAction: one guardian's (or owner's) EIP-712-signed tightening action (pause, suspend or
 * revoke an agent, cancel a proposal), submitted by the relayer through the wallet's `executeGuardianAction`,
 * so the guardian needs no ETH. Simulated first: a forged, replayed or useless action costs nothing.
 */
import { z } from "zod";
import { walletInterface } from "../../../client/contracts.js";
import { address, hexBytes } from "../../userOp.js";
import { defineMethod } from "../types.js";
import { signature, uint } from "./ownerAuth.js";

export const leashSubmitGuardianAction = defineMethod({
  name: "leash_submitGuardianAction",
  scope: "send",
  signatureAuth: true,
  params: z.tuple([
    z
      .object({
        wallet: address("wallet"),
        guardian: address("guardian"),
        data: hexBytes("data").refine((d) => d.length <= 2 + 2 * 100, "data too long"),
        nonce: uint("nonce"),
        deadline: uint("deadline"),
        signature,
      })
      .strict(),
  ]),
  handler: async ([a], { relayer, logger }) => {
    const data = walletInterface.encodeFunctionData("executeGuardianAction", [
      a.guardian,
      a.data,
      a.nonce,
      a.deadline,
      a.signature,
    ]);
    const transactionHash = await relayer.ownerActions.send(a.wallet, data);
    logger.info("guardian action sent", {
      wallet: a.wallet,
      guardian: a.guardian,
      selector: a.data.slice(0, 10),
      tx: transactionHash,
    });
    return { transactionHash };
  },
});
