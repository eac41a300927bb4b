/**
 * Checks run before the relayer spends gas on an op: static field limits, fees, then two
 * simulations against the node (validation through `handleOps`, execution as the EntryPoint
 * would call the account). Each failure maps to one typed RPC error carrying the decoded revert.
 */
import { EXECUTE_USER_OP_SELECTOR, accountInterface, entryPointInterface } from "./abi.js";
import type { ChainClient, RetryPolicy } from "./chain.js";
import type { InputLimits } from "./config.js";
import type { DecodedRevert, RevertDecoder } from "./decodeRevert.js";
import {
  ExecutionRevertedError,
  InvalidParamsError,
  InvalidSignatureError,
  OutOfTimeRangeError,
  PaymasterRejectedError,
  type RpcError,
  ValidationRejectedError,
} from "./errors.js";
import {
  minimumPreVerificationGas,
  packUserOperation,
  type PackedUserOperation,
  type UserOperation,
} from "./userOp.js";

const byteLength = (hex: string) => (hex.length - 2) / 2;

/** Gas a transaction pays before executing: base cost plus calldata (EIP-2028 prices). */
export function intrinsicGas(data: string): bigint {
  let gas = 21_000n;
  for (let i = 2; i < data.length; i += 2) gas += data.slice(i, i + 2) === "00" ? 4n : 16n;
  return gas;
}

/** Static checks: sizes, gas bounds, fee relations. Throws InvalidParamsError. */
export function checkOpFields(op: UserOperation, limits: InputLimits): void {
  const fail = (message: string) => {
    throw new InvalidParamsError(message);
  };
  if (byteLength(op.callData) > limits.maxCallDataBytes)
    fail(`callData exceeds ${limits.maxCallDataBytes} bytes`);
  if (byteLength(op.factoryData) > limits.maxInitCodeBytes)
    fail(`factoryData exceeds ${limits.maxInitCodeBytes} bytes`);
  if (byteLength(op.signature) > limits.maxSignatureBytes)
    fail(`signature exceeds ${limits.maxSignatureBytes} bytes`);
  if (byteLength(op.paymasterData) > limits.maxPaymasterDataBytes) {
    fail(`paymasterData exceeds ${limits.maxPaymasterDataBytes} bytes`);
  }
  if (!op.factory && op.factoryData !== "0x") fail("factoryData given without factory");
  if (
    !op.paymaster &&
    (op.paymasterData !== "0x" ||
      op.paymasterVerificationGasLimit > 0n ||
      op.paymasterPostOpGasLimit > 0n)
  ) {
    fail("paymaster fields given without paymaster");
  }
  if (op.verificationGasLimit > limits.maxVerificationGasLimit) {
    fail(`verificationGasLimit above the relayer maximum ${limits.maxVerificationGasLimit}`);
  }
  if (op.verificationGasLimit < 10_000n) fail("verificationGasLimit below 10000");
  if (op.callGasLimit > limits.maxCallGasLimit)
    fail(`callGasLimit above the relayer maximum ${limits.maxCallGasLimit}`);
  if (op.preVerificationGas > limits.maxPreVerificationGas) {
    fail(`preVerificationGas above the relayer maximum ${limits.maxPreVerificationGas}`);
  }
  if (
    op.paymasterVerificationGasLimit > limits.maxPaymasterGasLimit ||
    op.paymasterPostOpGasLimit > limits.maxPaymasterGasLimit
  ) {
    fail(`paymaster gas limits above the relayer maximum ${limits.maxPaymasterGasLimit}`);
  }
  const minimumPvg = minimumPreVerificationGas(op);
  if (op.preVerificationGas < minimumPvg) {
    throw new InvalidParamsError(`preVerificationGas too low: at least ${minimumPvg} required`, {
      minimum: "0x" + minimumPvg.toString(16),
    });
  }
  if (op.maxPriorityFeePerGas > op.maxFeePerGas) fail("maxPriorityFeePerGas above maxFeePerGas");
  if (op.maxPriorityFeePerGas < limits.minPriorityFeePerGas) {
    fail(`maxPriorityFeePerGas below the relayer minimum ${limits.minPriorityFeePerGas}`);
  }
  if (op.maxPriorityFeePerGas > limits.maxPriorityFeePerGas) {
    fail(`maxPriorityFeePerGas above the relayer maximum ${limits.maxPriorityFeePerGas}`);
  }
}

export function checkOpFees(op: UserOperation, baseFee: bigint, limits: InputLimits): void {
  const required = (baseFee * limits.minBaseFeePercent) / 100n;
  if (op.maxFeePerGas < required) {
    throw new InvalidParamsError(
      `maxFeePerGas too low: at least ${required} required at the current base fee`,
      {
        minimum: "0x" + required.toString(16),
      },
    );
  }
}

export function packedTuple(p: PackedUserOperation): unknown[] {
  return [
    p.sender,
    p.nonce,
    p.initCode,
    p.callData,
    p.accountGasLimits,
    p.preVerificationGas,
    p.gasFees,
    p.paymasterAndData,
    p.signature,
  ];
}

export function encodeHandleOps(ops: UserOperation[], beneficiary: string): string {
  return entryPointInterface.encodeFunctionData("handleOps", [
    ops.map((op) => packedTuple(packUserOperation(op))),
    beneficiary,
  ]);
}

/** Maps an EntryPoint validation failure to the ERC-7769 error a client expects. */
export function validationError(
  decoded: DecodedRevert,
  describe: (d: DecodedRevert) => string,
): RpcError {
  const message = describe(decoded);
  const data = { reason: message, revert: decoded };
  const aaCode = decoded.kind === "entryPoint" ? decoded.reason.slice(0, 4) : "";
  switch (aaCode) {
    case "AA24":
      return new InvalidSignatureError(`invalid account signature: ${message}`, data);
    case "AA34":
      return new InvalidSignatureError(`invalid paymaster signature: ${message}`, data);
    case "AA22":
    case "AA32":
      return new OutOfTimeRangeError(`op is expired or not due yet: ${message}`, data);
    case "AA30":
    case "AA31":
    case "AA33":
    case "AA36":
      return new PaymasterRejectedError(`rejected by paymaster: ${message}`, data);
    default:
      return new ValidationRejectedError(`rejected in validation: ${message}`, data);
  }
}

export type BundleSimulation =
  | { ok: true }
  | { ok: false; opIndex: number; error: RpcError }
  | { ok: false; opIndex: null; error: RpcError };

export class Simulator {
  constructor(
    private readonly chain: ChainClient,
    private readonly entryPoint: string,
    private readonly from: string,
    private readonly beneficiary: string,
    private readonly decoder: RevertDecoder,
  ) {}

  /** eth_call handleOps(ops): the EntryPoint runs every validation exactly as on-chain. */
  async simulateValidation(ops: UserOperation[], retry?: RetryPolicy): Promise<BundleSimulation> {
    const outcome = await this.callWithRetry(
      { from: this.from, to: this.entryPoint, data: encodeHandleOps(ops, this.beneficiary) },
      retry,
    );
    if (!outcome.reverted) return { ok: true };
    const decoded = this.decoder.decode(outcome.data);
    const error = validationError(decoded, (d) => this.decoder.describe(d));
    if (decoded.kind === "entryPoint" && decoded.opIndex < ops.length) {
      return { ok: false, opIndex: decoded.opIndex, error };
    }
    return { ok: false, opIndex: null, error };
  }

  /**
   * Runs the op's execution as the EntryPoint would: `from` the EntryPoint to the sender.
   * Accounts using `executeUserOp` receive the packed op and its hash; others get callData as-is.
   * Skipped for not-yet-deployed accounts (no code to run against before the factory runs).
   */
  async simulateExecution(
    op: UserOperation,
    userOpHash: string,
    retry?: RetryPolicy,
  ): Promise<RpcError | null> {
    if (op.callData === "0x" || op.factory) return null;
    const data = op.callData.startsWith(EXECUTE_USER_OP_SELECTOR)
      ? accountInterface.encodeFunctionData("executeUserOp", [
          packedTuple(packUserOperation(op)),
          userOpHash,
        ])
      : op.callData;
    const outcome = await this.callWithRetry(
      // The EntryPoint gives the account callGasLimit for an inner call; as a top-level
      // eth_call the same work also pays the intrinsic cost, so add it to the limit.
      { from: this.entryPoint, to: op.sender, data, gas: op.callGasLimit + intrinsicGas(data) },
      retry,
    );
    if (!outcome.reverted) return null;
    const decoded = this.decoder.decode(outcome.data);
    const reason = this.decoder.describe(decoded);
    return new ExecutionRevertedError(`execution reverted: ${reason}`, {
      reason,
      ...(decoded.kind === "custom" ? { rule: decoded.rule, args: decoded.args } : {}),
      revert: decoded,
    });
  }

  private callWithRetry(
    tx: { from: string; to: string; data: string; gas?: bigint },
    retry?: RetryPolicy,
  ) {
    return this.chain.call(tx, "latest", retry);
  }
}
