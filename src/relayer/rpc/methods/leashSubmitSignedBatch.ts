/**
 * leash_submitSignedBatch: a batch the owners signed off-chain (EIP-712 `ExecuteCalls`, at least the threshold
 * of them, packed like `executeWithSignatures` expects), submitted by the relayer so no owner needs ETH — e.g.
 * adding a passkey owner or lifting a pause from the owner console. The wallet checks everything (owner set,
 * threshold, ERC-1271 owners, nonce, deadline; a loosening batch is queued with its eta, a tightening one runs):
 * the call is simulated first, so forged, replayed or expired batches are refused and cost nothing.
 */
import { z } from "zod";
import { MAX_CALLS, walletInterface } from "../../../client/contracts.js";
import { address, hexBytes } from "../../userOp.js";
import { defineMethod } from "../types.js";
import { uint } from "./ownerAuth.js";

const call = z
  .object({
    target: address("calls[].target"),
    value: uint("calls[].value"),
    data: hexBytes("calls[].data").refine((d) => d.length <= 2 + 2 * 4096, "call data too long"),
  })
  .strict();

export const leashSubmitSignedBatch = defineMethod({
  name: "leash_submitSignedBatch",
  scope: "send",
  signatureAuth: true,
  params: z.tuple([
    z
      .object({
        wallet: address("wallet"),
        calls: z
          .array(call)
          .min(1, "calls must not be empty")
          .max(MAX_CALLS, `at most ${MAX_CALLS} calls`),
        nonce: uint("nonce"),
        deadline: uint("deadline"),
        signatures: hexBytes("signatures").refine(
          (s) => s.length >= 2 + 2 * 65 && s.length <= 2 + 2 * 16_384,
          "signatures must be 65 to 16384 bytes",
        ),
      })
      .strict(),
  ]),
  handler: async ([a], { relayer, logger }) => {
    const data = walletInterface.encodeFunctionData("executeWithSignatures", [
      a.calls.map((c) => [c.target, c.value, c.data]),
      a.nonce,
      a.deadline,
      a.signatures,
    ]);
    const transactionHash = await relayer.ownerActions.send(a.wallet, data);
    logger.info("signed batch sent", {
      wallet: a.wallet,
      calls: a.calls.length,
      tx: transactionHash,
    });
    return { transactionHash };
  },
});
