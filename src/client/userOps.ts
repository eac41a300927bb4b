/**
 * Building, pricing and following ERC-4337 user operations through the relayer, shared by the agent client
 * (agent nonce lanes) and the owner client (owners' operations on nonce key 0, so owners need no ETH).
 */
import { SigningKey, type Provider } from "ethers";
import {
  getUserOperationHash,
  minimumPreVerificationGas,
  type UserOperation,
} from "../relayer/userOp.js";
import {
  InvalidArgumentError,
  OpCostTooHighError,
  OperationDroppedError,
  TimeoutError,
  decodeRevertData,
  errorFromDescription,
} from "./errors.js";
import type { RelayerRpc } from "./relayerRpc.js";

export interface OpContext {
  chainId: bigint;
  entryPoint: string;
  provider: Provider;
}

export interface WaitOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /** Poll interval (default 250 ms). */
  pollMs?: number;
}

/** The part of eth_getUserOperationReceipt the clients use. */
export interface RawOpReceipt {
  actualGasCost: string;
  logs: { address: string; topics: string[]; data: string }[];
  receipt: { transactionHash: string; blockNumber: string };
}

const PVG_MARGIN = 2_000n;
const withPercent = (v: bigint, p: bigint) => v + (v * p) / 100n;
const maxBig = (a: bigint, b: bigint) => (a > b ? a : b);

/** A fixed throwaway key signs estimation ops: real keys only ever sign what is submitted. */
export const DUMMY_SIGNER = new SigningKey("0x" + "11".repeat(32));

/** An unsigned, unpriced user operation of `sender` (no factory, no paymaster). */
export function newUserOp(sender: string, nonce: bigint, callData: string): UserOperation {
  return {
    sender,
    nonce,
    factory: null,
    factoryData: "0x",
    callData,
    callGasLimit: 0n,
    verificationGasLimit: 0n,
    preVerificationGas: 0n,
    maxFeePerGas: 0n,
    maxPriorityFeePerGas: 0n,
    paymaster: null,
    paymasterVerificationGasLimit: 0n,
    paymasterPostOpGasLimit: 0n,
    paymasterData: "0x",
    signature: "0x",
  };
}

/**
 * Estimates through the relayer (with `dummySignature`, as long as the real one), adds headroom, and picks
 * fees (`pickFees`).
 */
export async function fillGas(
  relayer: RelayerRpc,
  ctx: OpContext,
  op: UserOperation,
  options: { dummySignature: string; verificationHeadroom: bigint; maxOpCost?: bigint },
): Promise<void> {
  const estimate = await relayer.request<{
    preVerificationGas: string;
    verificationGasLimit: string;
    callGasLimit: string;
  }>("eth_estimateUserOperationGas", [
    {
      sender: op.sender,
      nonce: "0x" + op.nonce.toString(16),
      callData: op.callData,
      signature: options.dummySignature,
    },
    ctx.entryPoint,
  ]);
  // The relayer's validation estimate leaves out the prefund transfer a wallet without an EntryPoint
  // deposit makes inside validateUserOp: a fixed headroom covers it (and signature checks a dummy skips).
  op.verificationGasLimit =
    withPercent(BigInt(estimate.verificationGasLimit), 10n) + options.verificationHeadroom;
  op.callGasLimit = withPercent(BigInt(estimate.callGasLimit), 20n) + 10_000n;
  op.signature = options.dummySignature;
  op.preVerificationGas =
    maxBig(BigInt(estimate.preVerificationGas), minimumPreVerificationGas(op)) + PVG_MARGIN;
  op.signature = "0x";
  await pickFees(relayer, ctx, op, options.maxOpCost);
}

/**
 * EIP-1559 fees: 2 × base fee + priority, lowered if needed so that the op's gas × maxFee stays within
 * `maxOpCost` (never below the current base fee).
 */
export async function pickFees(
  relayer: RelayerRpc,
  ctx: OpContext,
  op: UserOperation,
  maxOpCost?: bigint,
): Promise<void> {
  const [block, priorityHex] = await Promise.all([
    ctx.provider.getBlock("latest"),
    relayer.request<string>("eth_maxPriorityFeePerGas").catch(() => "0x3b9aca00"),
  ]);
  const baseFee = block?.baseFeePerGas ?? 1_000_000_000n;
  let priority = BigInt(priorityHex);
  let maxFee = baseFee * 2n + priority;
  const gas = op.verificationGasLimit + op.callGasLimit + op.preVerificationGas;
  if (maxOpCost !== undefined && gas * maxFee > maxOpCost) {
    // Stay inside the agent's gas budget with a smaller fee margin, never below the current base fee.
    maxFee = maxOpCost / gas;
    if (maxFee < baseFee + 1n) throw new OpCostTooHighError(gas * (baseFee + priority), maxOpCost);
    if (priority > maxFee - baseFee) priority = maxFee - baseFee;
  }
  op.maxFeePerGas = maxFee;
  op.maxPriorityFeePerGas = priority;
}

/** The EntryPoint v0.8 hash of `op` (what the signatures cover). */
export function userOpHash(op: UserOperation, ctx: OpContext): string {
  return getUserOperationHash(op, ctx.entryPoint, ctx.chainId);
}

/**
 * Polls the relayer until the op is final: returns its receipt when included and successful, throws the
 * decoded typed error when it failed or was dropped, `TimeoutError` past the deadline.
 */
export async function waitForOp(
  relayer: RelayerRpc,
  hash: string,
  options: WaitOptions = {},
): Promise<RawOpReceipt> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await relayer.status(hash);
    if (status && status.status === "included" && status.success !== false) {
      const raw = await relayer.request<RawOpReceipt | null>("eth_getUserOperationReceipt", [hash]);
      if (raw) return raw;
    }
    if (status && (status.status === "failed" || status.status === "dropped")) {
      const decoded = decodeRevertData(status.revert?.data);
      if (decoded) throw errorFromDescription(decoded, status.revert?.data);
      throw new OperationDroppedError(hash, status.reason ?? status.status);
    }
    if (Date.now() > deadline)
      throw new TimeoutError(
        `operation ${hash} not final after ${timeoutMs} ms (status: ${status?.status ?? "unknown"})`,
      );
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Checks a 32-byte hex hash and returns it lowercase (InvalidArgumentError otherwise). */
export function checkHash(hash: string): string {
  if (typeof hash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(hash))
    throw new InvalidArgumentError("user operation hash must be 32 bytes of hex");
  return hash.toLowerCase();
}
