/**
 * Building, pricing and following ERC-4337 user operations through the relayer, shared by the agent client
 * (agent nonce lanes) and the owner client (owners' operations on nonce key 0, so owners need no ETH).
 */
import { SigningKey, type Provider, type TransactionReceipt } from "ethers";
import {
  BEFORE_EXECUTION_TOPIC,
  USER_OPERATION_EVENT_TOPIC,
  USER_OPERATION_REVERT_REASON_TOPIC,
  entryPointInterface,
} from "./entryPointAbi.js";
import {
  getUserOperationHash,
  minimumPreVerificationGas,
  type UserOperation,
} from "./userOperation.js";
import {
  ExecutionRevertedError,
  FeeTooHighError,
  InvalidArgumentError,
  OpCostTooHighError,
  OperationDroppedError,
  OperationUnconfirmedError,
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

/**
 * Caps on the fees the client signs, whatever the relayer suggests (it is paid the priority fee, so it may
 * suggest a high one).
 */
export interface FeeLimits {
  /** Highest priority fee (tip) per gas; a higher suggestion is lowered to this. */
  maxPriorityFeePerGas: bigint;
  /** Highest max fee per gas; the op is refused (`FeeTooHighError`) while the base fee is above it. */
  maxFeePerGas?: bigint;
}

/** 5 gwei: above what Ethereum and its L2s usually need; chains with higher minimum tips must raise it. */
export const DEFAULT_MAX_PRIORITY_FEE_PER_GAS = 5_000_000_000n;

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
  options: {
    dummySignature: string;
    verificationHeadroom: bigint;
    maxOpCost?: bigint;
    fees?: FeeLimits;
  },
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
  // The relayer's estimate already covers the prefund payment and what the dummy signature skips; the
  // headroom is the caller's extra margin (a Leash agent's default is small).
  op.verificationGasLimit =
    withPercent(BigInt(estimate.verificationGasLimit), 10n) + options.verificationHeadroom;
  op.callGasLimit = withPercent(BigInt(estimate.callGasLimit), 20n) + 10_000n;
  op.signature = options.dummySignature;
  op.preVerificationGas =
    maxBig(BigInt(estimate.preVerificationGas), minimumPreVerificationGas(op)) + PVG_MARGIN;
  op.signature = "0x";
  await pickFees(relayer, ctx, op, options.maxOpCost, options.fees);
}

/**
 * EIP-1559 fees: 2 × base fee + priority, with the relayer's suggested priority fee capped by `limits`, then
 * lowered if needed so that maxFee stays within `limits.maxFeePerGas` and the op's gas × maxFee within
 * `maxOpCost` (never below the current base fee).
 */
export async function pickFees(
  relayer: RelayerRpc,
  ctx: OpContext,
  op: UserOperation,
  maxOpCost?: bigint,
  limits: FeeLimits = { maxPriorityFeePerGas: DEFAULT_MAX_PRIORITY_FEE_PER_GAS },
): Promise<void> {
  const [block, priorityHex] = await Promise.all([
    ctx.provider.getBlock("latest"),
    relayer.request<string>("eth_maxPriorityFeePerGas").catch(() => "0x3b9aca00"),
  ]);
  const baseFee = block?.baseFeePerGas ?? 1_000_000_000n;
  const suggested =
    typeof priorityHex === "string" && /^0x[0-9a-fA-F]{1,64}$/.test(priorityHex)
      ? BigInt(priorityHex)
      : 1_000_000_000n;
  let priority = suggested > limits.maxPriorityFeePerGas ? limits.maxPriorityFeePerGas : suggested;
  let maxFee = baseFee * 2n + priority;
  if (limits.maxFeePerGas !== undefined && maxFee > limits.maxFeePerGas) {
    if (limits.maxFeePerGas < baseFee) throw new FeeTooHighError(baseFee, limits.maxFeePerGas);
    maxFee = limits.maxFeePerGas;
    if (priority > maxFee - baseFee) priority = maxFee - baseFee;
  }
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

/**
 * Checks the relayer's report that an op executed against a node: the transaction it names must be on chain
 * and carry the EntryPoint's `UserOperationEvent` for this hash and sender with `success = true`. Returns the
 * receipt rebuilt from the node alone (the op's own logs, the event's actualGasCost). An op that failed on
 * chain throws its decoded error; anything else that doesn't match throws `OperationUnconfirmedError`.
 */
export async function confirmOnChain(
  provider: Provider,
  entryPoint: string,
  sender: string,
  hash: string,
  claimed: RawOpReceipt,
  options: WaitOptions = {},
): Promise<RawOpReceipt> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  const txHash: unknown = claimed?.receipt?.transactionHash;
  if (typeof txHash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(txHash))
    throw new OperationUnconfirmedError(hash, "its receipt names no transaction");
  let receipt: TransactionReceipt | null;
  // The relayer's node may be a block ahead of ours: a missing transaction is waited for, not refused.
  for (;;) {
    receipt = await provider.getTransactionReceipt(txHash);
    if (receipt) break;
    if (Date.now() > deadline)
      throw new OperationUnconfirmedError(
        hash,
        `transaction ${txHash} is not on chain after ${timeoutMs} ms`,
      );
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const ep = entryPoint.toLowerCase();
  const wanted = hash.toLowerCase();
  const logs = receipt.logs.map((l) => ({
    address: l.address,
    topics: [...l.topics],
    data: l.data,
  }));
  const fromEntryPoint = (log: (typeof logs)[number], topic: string) =>
    log.address.toLowerCase() === ep && log.topics[0] === topic;
  const own = logs.findIndex(
    (l) => fromEntryPoint(l, USER_OPERATION_EVENT_TOPIC) && l.topics[1]?.toLowerCase() === wanted,
  );
  if (own < 0)
    throw new OperationUnconfirmedError(
      hash,
      `transaction ${txHash} has no UserOperationEvent for it`,
    );
  const event = entryPointInterface.parseLog(logs[own])!;
  if ((event.args.sender as string).toLowerCase() !== sender.toLowerCase())
    throw new OperationUnconfirmedError(
      hash,
      `its UserOperationEvent names sender ${event.args.sender}`,
    );
  // The op's own logs: after the previous op's UserOperationEvent (or BeforeExecution), up to its own.
  let start = own;
  while (
    start > 0 &&
    !fromEntryPoint(logs[start - 1], USER_OPERATION_EVENT_TOPIC) &&
    !fromEntryPoint(logs[start - 1], BEFORE_EXECUTION_TOPIC)
  )
    start--;
  const opLogs = logs.slice(start, own);
  if (event.args.success !== true) {
    const reasonLog = opLogs.find(
      (l) =>
        fromEntryPoint(l, USER_OPERATION_REVERT_REASON_TOPIC) &&
        l.topics[1]?.toLowerCase() === wanted,
    );
    const data = reasonLog
      ? (entryPointInterface.parseLog(reasonLog)!.args.revertReason as string)
      : undefined;
    const decoded = decodeRevertData(data);
    if (decoded) throw errorFromDescription(decoded, data);
    throw new ExecutionRevertedError(
      `operation ${hash} failed on chain in transaction ${txHash}, though the relayer reported success`,
      data,
    );
  }
  return {
    actualGasCost: "0x" + (event.args.actualGasCost as bigint).toString(16),
    logs: opLogs,
    receipt: {
      transactionHash: receipt.hash,
      blockNumber: "0x" + receipt.blockNumber.toString(16),
    },
  };
}

/** Checks a 32-byte hex hash and returns it lowercase (InvalidArgumentError otherwise). */
export function checkHash(hash: string): string {
  if (typeof hash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(hash))
    throw new InvalidArgumentError("user operation hash must be 32 bytes of hex");
  return hash.toLowerCase();
}
