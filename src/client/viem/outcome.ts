/**
 * `paymentOutcome(receipt)`: what a Leash agent operation did, from a viem `UserOperationReceipt`. A bundler
 * reports `success: true` both for a payment that ran and for one the wallet escalated to its owners (nothing
 * was paid, a proposal was opened): this tells them apart, and decodes a failure to the wallet's rule.
 */
import { decodeEventLog, isAddressEqual, type Address, type Hex, type Log } from "viem";
import type { UserOperationReceipt } from "viem/account-abstraction";
import { agentWalletAbi } from "../abi/generated.js";
import {
  ExecutionRevertedError,
  PolicyViolationError,
  WalletError,
  decodeRevertData,
  errorFromDescription,
  type ErrorValues,
  type LeashError,
} from "../errors.js";

/** One call the wallet ran for the agent (`AgentCallExecuted`). */
export interface PaidCall {
  target: Address;
  asset: Address;
  amount: bigint;
}

/** One payment held for the owners (`ApprovalRequested`). */
export interface EscalatedPayment {
  recipient: Address;
  asset: Address;
  amount: bigint;
}

interface OutcomeBase {
  userOpHash: Hex;
  transactionHash: Hex;
}

export type PaymentOutcome =
  | (OutcomeBase & { status: "paid"; calls: PaidCall[] })
  | (OutcomeBase & {
      status: "escalated";
      /** The owners' proposal: they approve (`leash proposal approve <id>`) or cancel it; nothing was paid. */
      proposalId: bigint;
      payments: EscalatedPayment[];
    })
  | (OutcomeBase & {
      status: "failed";
      /** The wallet error's name (e.g. `PolicyDailyLimitExceeded`), when the revert decodes. */
      rule?: string;
      values?: ErrorValues;
      error: LeashError;
    });

const USER_OPERATION_REVERT_REASON = {
  type: "event",
  name: "UserOperationRevertReason",
  inputs: [
    { name: "userOpHash", type: "bytes32", indexed: true },
    { name: "sender", type: "address", indexed: true },
    { name: "nonce", type: "uint256", indexed: false },
    { name: "revertReason", type: "bytes", indexed: false },
  ],
} as const;

/**
 * Classifies an included Leash agent operation: `paid` (calls ran), `escalated` (held for the owners as
 * `proposalId`) or `failed` (with the wallet's rule and values when the revert decodes).
 *
 * @example
 * const receipt = await bundler.waitForUserOperationReceipt({ hash });
 * const outcome = paymentOutcome(receipt);
 * if (outcome.status === "escalated") console.log("owners decide on proposal", outcome.proposalId);
 */
export function paymentOutcome(receipt: UserOperationReceipt): PaymentOutcome {
  const base: OutcomeBase = {
    userOpHash: receipt.userOpHash,
    transactionHash: receipt.receipt.transactionHash,
  };
  const wallet = receipt.sender;
  const own = (log: Log) => isAddressEqual(log.address, wallet);
  if (!receipt.success) {
    const data = revertReasonOf(receipt);
    const decoded = decodeRevertData(data);
    const error = decoded
      ? errorFromDescription(decoded, data)
      : new ExecutionRevertedError(
          `operation ${receipt.userOpHash} reverted${data ? ` with ${data.slice(0, 10)}` : " without data"}`,
          data,
        );
    const named = error instanceof WalletError || error instanceof PolicyViolationError;
    return {
      ...base,
      status: "failed",
      error,
      ...(named
        ? { rule: (error as WalletError).errorName, values: (error as WalletError).values }
        : {}),
    };
  }
  const calls: PaidCall[] = [];
  const payments: EscalatedPayment[] = [];
  let proposalId: bigint | undefined;
  for (const log of receipt.logs) {
    if (!own(log)) continue;
    let event;
    try {
      event = decodeEventLog({ abi: agentWalletAbi, data: log.data, topics: log.topics });
    } catch {
      continue;
    }
    if (event.eventName === "AgentCallExecuted")
      calls.push({ target: event.args.target, asset: event.args.asset, amount: event.args.amount });
    if (event.eventName === "ApprovalRequested") {
      // One escalation opens one proposal; every held payment names it.
      proposalId = event.args.proposalId;
      payments.push({
        recipient: event.args.recipient,
        asset: event.args.asset,
        amount: event.args.amount,
      });
    }
  }
  if (proposalId !== undefined) return { ...base, status: "escalated", proposalId, payments };
  return { ...base, status: "paid", calls };
}

function revertReasonOf(receipt: UserOperationReceipt): Hex | undefined {
  for (const log of receipt.logs) {
    try {
      const event = decodeEventLog({
        abi: [USER_OPERATION_REVERT_REASON],
        data: log.data,
        topics: log.topics,
      });
      if (event.args.userOpHash.toLowerCase() === receipt.userOpHash.toLowerCase())
        return event.args.revertReason;
    } catch {
      // not the EntryPoint's revert-reason event
    }
  }
  // Some bundlers put the revert bytes in `reason` instead of returning the EntryPoint's log.
  const reason = receipt.reason as unknown;
  return typeof reason === "string" && /^0x([0-9a-fA-F]{2})+$/.test(reason)
    ? (reason as Hex)
    : undefined;
}
