/**
 * Read-only node methods a standard client sends to its bundler URL (viem's bundler client reads
 * fees, code and nonces through it). Only this allowlist is forwarded: nothing that sends
 * transactions or signs, and no eth_getLogs (unbounded ranges would let a caller make our node do
 * arbitrary work).
 */
import { z } from "zod";
import { NodeRpcError, NodeUnavailableError } from "../../chain.js";
import { RpcError, RpcErrorCode, UnavailableError } from "../../errors.js";
import { defineMethod, type RpcMethod } from "../types.js";

export const FORWARDED_METHODS = [
  "eth_blockNumber",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_call",
  "eth_estimateGas",
  "eth_getCode",
  "eth_getBalance",
  "eth_getStorageAt",
  "eth_getTransactionCount",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_gasPrice",
  "eth_maxPriorityFeePerGas",
  "eth_feeHistory",
  "eth_syncing",
  "net_version",
  "web3_clientVersion",
] as const;

const forwardParams = z.array(z.unknown()).max(4);

function forwarder(name: string): RpcMethod<typeof forwardParams> {
  return defineMethod({
    name,
    scope: "read",
    params: forwardParams,
    handler: async (params, { relayer }) => {
      try {
        return await relayer.requestChain.request(name, params);
      } catch (error) {
        if (error instanceof NodeUnavailableError) throw new UnavailableError();
        if (error instanceof NodeRpcError) {
          // Pass the node's answer through (e.g. an eth_call revert with its data), bounded.
          const data = typeof error.data === "string" ? error.data.slice(0, 20_000) : undefined;
          const code = error.code === 3 ? RpcErrorCode.executionReverted : RpcErrorCode.internal;
          throw new RpcError(code, error.message.slice(0, 500), data);
        }
        throw error;
      }
    },
  });
}

export const forwardedMethods: RpcMethod[] = FORWARDED_METHODS.map(forwarder);
