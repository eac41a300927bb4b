/** leash_getUserOperationStatus: where an acknowledged op is, and why if it did not make it. */
import { z } from "zod";
import { hash32 } from "../../userOp.js";
import { readableOp } from "../access.js";
import { defineMethod } from "../types.js";

export const leashGetUserOperationStatus = defineMethod({
  name: "leash_getUserOperationStatus",
  scope: "read",
  params: z.tuple([hash32("userOpHash")]),
  handler: async ([hash], ctx) => {
    const { relayer } = ctx;
    const record = await readableOp(ctx, hash);
    if (!record) return null;
    return {
      userOpHash: record.hash,
      status: record.status,
      reason: record.reason,
      revert: record.revertJson ? (JSON.parse(record.revertJson) as unknown) : null,
      transactionHash: record.txHash,
      blockNumber: record.blockNumber === null ? null : "0x" + record.blockNumber.toString(16),
      success: record.success,
      attempts: record.attempts,
      receivedAt: record.receivedAt,
      includedAt: record.includedAt,
      updatedAt: record.updatedAt,
    };
  },
});
