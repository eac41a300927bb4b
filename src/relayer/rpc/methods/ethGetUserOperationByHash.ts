import { z } from "zod";
import { deserializeUserOperation, hash32, toRpcUserOperation } from "../../userOp.js";
import { readableOp } from "../access.js";
import { defineMethod } from "../types.js";

export const ethGetUserOperationByHash = defineMethod({
  name: "eth_getUserOperationByHash",
  scope: "read",
  params: z.tuple([hash32("userOpHash")]),
  handler: async ([hash], ctx) => {
    const { relayer } = ctx;
    const record = await readableOp(ctx, hash);
    if (!record) return null;
    const onChain = record.blockNumber !== null;
    return {
      userOperation: toRpcUserOperation(deserializeUserOperation(record.opJson)),
      entryPoint: record.entryPoint,
      transactionHash: onChain ? record.txHash : null,
      blockHash: onChain ? record.blockHash : null,
      blockNumber: onChain ? "0x" + (record.blockNumber as number).toString(16) : null,
    };
  },
});
