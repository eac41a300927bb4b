/**
 * Checks run before the relayer spends gas on an op: static field limits, the fee floor, then
 * simulations against the node: `simulateBundle` (validation, then each execution in bundle order,
 * through LeashBundleSimulator) and `simulateValidation` (the real `handleOps`). Each failure maps
 * to one typed RPC error carrying the decoded revert.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../projectRoot.js";
import {
  type Abi,
  type Hex,
  decodeErrorResult,
  decodeFunctionResult,
  encodeFunctionData,
} from "viem";
import { bundleSimulatorInterface, entryPointInterface } from "./abi.js";
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

/** Below this no call into an account does anything (the cold account access alone is 2,600). */
export const MIN_CALL_GAS_LIMIT = 5_000n;

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
  if (op.callData !== "0x" && op.callGasLimit < MIN_CALL_GAS_LIMIT) {
    // Not a revert the account chose: the EntryPoint could not even enter the account's code.
    throw new InvalidParamsError(
      `callGasLimit ${op.callGasLimit} is below ${MIN_CALL_GAS_LIMIT}: too little to run callData`,
      { field: "callGasLimit", minimum: "0x" + MIN_CALL_GAS_LIMIT.toString(16) },
    );
  }
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
    throw new InvalidParamsError(
      `maxPriorityFeePerGas too low: at least ${limits.minPriorityFeePerGas} required`,
      { field: "maxPriorityFeePerGas", minimum: "0x" + limits.minPriorityFeePerGas.toString(16) },
    );
  }
  if (op.maxPriorityFeePerGas > limits.maxPriorityFeePerGas) {
    fail(`maxPriorityFeePerGas above the relayer maximum ${limits.maxPriorityFeePerGas}`);
  }
}

/** The relayer's cost floor at this base fee (see InputLimits.feeMarginPercent). */
export function requiredMaxFeePerGas(baseFee: bigint, limits: InputLimits): bigint {
  return (baseFee * (100n + limits.feeMarginPercent)) / 100n + limits.minPriorityFeePerGas;
}

export function checkOpFees(op: UserOperation, baseFee: bigint, limits: InputLimits): void {
  const required = requiredMaxFeePerGas(baseFee, limits);
  if (op.maxFeePerGas < required) {
    throw new InvalidParamsError(
      `maxFeePerGas too low: at least ${required} required at the current base fee ${baseFee}`,
      {
        field: "maxFeePerGas",
        minimum: "0x" + required.toString(16),
        baseFee: "0x" + baseFee.toString(16),
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

// The hot path (every accepted op, every bundle: hundreds of ops, tens of KB) encodes and decodes with
// viem, about 7x faster than ethers' AbiCoder on these arrays of packed ops; the output is the same ABI.
const viemAbi = (iface: { formatJson(): string }, name: string) =>
  (JSON.parse(iface.formatJson()) as Abi).filter(
    (item) => "name" in item && item.name === name,
  ) as Abi;
const HANDLE_OPS_ABI = viemAbi(entryPointInterface, "handleOps");
const DELEGATE_AND_REVERT_ABI = viemAbi(entryPointInterface, "delegateAndRevert");
const DELEGATE_AND_REVERT_ERROR_ABI = viemAbi(entryPointInterface, "DelegateAndRevert");
const SIMULATE_BUNDLE_ABI = viemAbi(bundleSimulatorInterface, "simulateBundle");
const SIMULATE_EACH_ABI = viemAbi(bundleSimulatorInterface, "simulateEach");

const packedStruct = (op: UserOperation) => {
  const p = packUserOperation(op);
  return {
    sender: p.sender as Hex,
    nonce: p.nonce,
    initCode: p.initCode as Hex,
    callData: p.callData as Hex,
    accountGasLimits: p.accountGasLimits as Hex,
    preVerificationGas: p.preVerificationGas,
    gasFees: p.gasFees as Hex,
    paymasterAndData: p.paymasterAndData as Hex,
    signature: p.signature as Hex,
  };
};

export function encodeHandleOps(ops: UserOperation[], beneficiary: string): string {
  return encodeFunctionData({
    abi: HANDLE_OPS_ABI,
    functionName: "handleOps",
    args: [ops.map(packedStruct), beneficiary as Hex],
  });
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

/**
 * Where the simulator's code is placed by state override: an address nobody can deploy to on purpose
 * (no known key or CREATE path); it only exists inside our eth_calls.
 */
export const BUNDLE_SIMULATOR_ADDRESS = "0x000000000000000000000000000000000000ea5e";

let simulatorCode: string | null = null;
/** Runtime code of contracts/relayer/LeashBundleSimulator.sol, from the Hardhat build. */
export function bundleSimulatorCode(): string {
  if (simulatorCode) return simulatorCode;
  const path = join(
    PROJECT_ROOT,
    "artifacts/contracts/relayer/LeashBundleSimulator.sol/LeashBundleSimulator.json",
  );
  let artifact: { deployedBytecode?: string };
  try {
    artifact = JSON.parse(readFileSync(path, "utf8")) as { deployedBytecode?: string };
  } catch (error) {
    throw new Error(
      `LeashBundleSimulator artifact missing (${path}): run \`npx hardhat build\` first`,
      { cause: error },
    );
  }
  if (!artifact.deployedBytecode || artifact.deployedBytecode.length < 4)
    throw new Error(`LeashBundleSimulator artifact has no runtime code (${path})`);
  simulatorCode = artifact.deployedBytecode;
  return simulatorCode;
}

/** `DelegateAndRevert(success, ret)` revert data, or null if `data` is anything else. */
function decodeDelegateAndRevert(data: string): { success: boolean; ret: Hex } | null {
  try {
    const parsed = decodeErrorResult({ abi: DELEGATE_AND_REVERT_ERROR_ABI, data: data as Hex });
    if (parsed.errorName !== "DelegateAndRevert") return null;
    const [success, ret] = parsed.args as readonly [boolean, Hex];
    return { success, ret };
  } catch {
    return null;
  }
}

/** One op's execution phase inside a simulated bundle. */
export interface OpExecution {
  success: boolean;
  gasUsed: bigint;
  /** Set when the execution reverted: the decoded rule, ready to return or record. */
  error: ExecutionRevertedError | null;
}

export type BundleExecution =
  | { ok: true; results: OpExecution[] }
  | { ok: false; opIndex: number; error: RpcError }
  | { ok: false; opIndex: null; error: RpcError };

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
   * Validation of every op, then each op's execution in bundle order with its own callGasLimit, in one
   * eth_call: EntryPoint.delegateAndRevert runs LeashBundleSimulator with the EntryPoint's address and
   * storage. No gas is set on the call: the node's cap applies, which is always above the EIP-7623
   * calldata floor of the call, while each op's execution still gets exactly its callGasLimit.
   */
  async simulateBundle(ops: UserOperation[], retry?: RetryPolicy): Promise<BundleExecution> {
    const inner = encodeFunctionData({
      abi: SIMULATE_BUNDLE_ABI,
      functionName: "simulateBundle",
      args: [ops.map(packedStruct)],
    });
    const answer = await this.runSimulator(inner, retry);
    if (!answer) throw new Error(`bundle simulation gave no result`);
    return this.bundleExecution(ops, answer.success, answer.ret);
  }

  /**
   * Each op simulated as `simulateBundle([op])` would, all in one eth_call (LeashBundleSimulator.simulateEach
   * rolls every op's state changes back before the next): the answer for a batch of independent ops arriving
   * together. An entry is null where the simulator gave no answer for that op (e.g. the call's gas ran out
   * before it): ask `simulateBundle([op])` for it. Throws when the call as a whole gave no answer.
   */
  async simulateEach(
    ops: UserOperation[],
    retry?: RetryPolicy,
  ): Promise<(BundleExecution | null)[]> {
    const inner = encodeFunctionData({
      abi: SIMULATE_EACH_ABI,
      functionName: "simulateEach",
      args: [ops.map(packedStruct), BUNDLE_SIMULATOR_ADDRESS],
    });
    const answer = await this.runSimulator(inner, retry);
    if (!answer || !answer.success) throw new Error("batch simulation gave no result");
    const outcomes = decodeFunctionResult({
      abi: SIMULATE_EACH_ABI,
      functionName: "simulateEach",
      data: answer.ret,
    }) as unknown as readonly Hex[];
    if (outcomes.length !== ops.length)
      throw new Error("batch simulation: wrong number of results");
    return outcomes.map((outcome, i) => {
      const one = decodeDelegateAndRevert(outcome);
      if (!one) return null;
      const execution = this.bundleExecution([ops[i]], one.success, one.ret);
      // A failure naming no op (e.g. out of gas around it) is not the op's own answer: ask again alone.
      return !execution.ok && execution.opIndex === null ? null : execution;
    });
  }

  /** Runs `inner` on LeashBundleSimulator through EntryPoint.delegateAndRevert; null if it gave no answer. */
  private async runSimulator(
    inner: string,
    retry?: RetryPolicy,
  ): Promise<{ success: boolean; ret: Hex } | null> {
    const outcome = await this.chain.call(
      {
        from: this.from,
        to: this.entryPoint,
        data: encodeFunctionData({
          abi: DELEGATE_AND_REVERT_ABI,
          functionName: "delegateAndRevert",
          args: [BUNDLE_SIMULATOR_ADDRESS, inner as Hex],
        }),
      },
      "latest",
      retry,
      { [BUNDLE_SIMULATOR_ADDRESS]: { code: bundleSimulatorCode() } },
    );
    // Not the simulator's answer (e.g. a node without state overrides): say so, never guess.
    const answer = outcome.reverted ? decodeDelegateAndRevert(outcome.data) : null;
    if (!answer) {
      const data = outcome.reverted ? outcome.data : outcome.result;
      throw new Error(`simulation gave no result (${data.slice(0, 80)})`);
    }
    return answer;
  }

  private bundleExecution(ops: UserOperation[], success: boolean, ret: Hex): BundleExecution {
    if (!success) {
      const decoded = this.decoder.decode(ret);
      const error = validationError(decoded, (d) => this.decoder.describe(d));
      if (decoded.kind === "entryPoint" && decoded.opIndex < ops.length)
        return { ok: false, opIndex: decoded.opIndex, error };
      return { ok: false, opIndex: null, error };
    }
    const results = decodeFunctionResult({
      abi: SIMULATE_BUNDLE_ABI,
      functionName: "simulateBundle",
      data: ret as Hex,
    }) as unknown as readonly { success: boolean; gasUsed: bigint; revertData: string }[];
    return {
      ok: true,
      results: results.map((r) => ({
        success: r.success,
        gasUsed: r.gasUsed,
        error: r.success ? null : this.executionError(r.revertData),
      })),
    };
  }

  executionError(revertData: string): ExecutionRevertedError {
    const decoded = this.decoder.decode(revertData);
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
