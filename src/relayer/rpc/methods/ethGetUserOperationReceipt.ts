/**
 * eth_getUserOperationReceipt: null until the op is on-chain. `logs` are the logs the op emitted:
 * those between the previous op's UserOperationEvent (or BeforeExecution) and its own.
 */
import { z } from "zod";
import { BEFORE_EXECUTION_TOPIC, USER_OPERATION_EVENT_TOPIC } from "../../abi.js";
import { NodeUnavailableError, type RpcReceipt } from "../../chain.js";
import { UnavailableError } from "../../errors.js";
import { deserializeUserOperation, hash32 } from "../../userOp.js";
import { readableOp } from "../access.js";
import { defineMethod } from "../types.js";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

export const ethGetUserOperationReceipt = defineMethod({
  name: "eth_getUserOperationReceipt",
  scope: "read",
  params: z.tuple([hash32("userOpHash")]),
  handler: async ([hash], ctx) => {
    const { relayer } = ctx;
    const record = await readableOp(ctx, hash);
    if (!record || record.blockNumber === null || !record.txHash) return null;
    let receipt: RpcReceipt | null = null;
    const tx = await relayer.store.getTransaction(record.txHash);
    if (tx?.receiptJson) {
      receipt = JSON.parse(tx.receiptJson) as RpcReceipt;
    } else {
      try {
        receipt = await relayer.requestChain.getTransactionReceipt(record.txHash);
      } catch (error) {
        if (error instanceof NodeUnavailableError) throw new UnavailableError();
        throw error;
      }
    }
    if (!receipt) return null;
    const op = deserializeUserOperation(record.opJson);
    const entryPoint = record.entryPoint.toLowerCase();
    const ownIndex = receipt.logs.findIndex(
      (l) =>
        l.address.toLowerCase() === entryPoint &&
        l.topics[0] === USER_OPERATION_EVENT_TOPIC &&
        l.topics[1]?.toLowerCase() === hash,
    );
    let start = ownIndex;
    while (start > 0) {
      const previous = receipt.logs[start - 1];
      if (
        previous.address.toLowerCase() === entryPoint &&
        (previous.topics[0] === USER_OPERATION_EVENT_TOPIC ||
          previous.topics[0] === BEFORE_EXECUTION_TOPIC)
      ) {
        break;
      }
      start--;
    }
    const logs = ownIndex >= 0 ? receipt.logs.slice(start, ownIndex) : [];
    const revert = record.revertJson ? (JSON.parse(record.revertJson) as { data?: string }) : null;
    return {
      userOpHash: hash,
      entryPoint: record.entryPoint,
      sender: record.sender,
      nonce: "0x" + op.nonce.toString(16),
      paymaster: op.paymaster ?? ZERO_ADDRESS,
      actualGasCost: record.actualGasCost ?? "0x0",
      actualGasUsed: record.actualGasUsed ?? "0x0",
      success: record.success === true,
      reason: record.success ? undefined : (revert?.data ?? record.reason ?? undefined),
      logs,
      receipt,
    };
  },
});
