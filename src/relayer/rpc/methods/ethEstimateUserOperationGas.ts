/**
 * eth_estimateUserOperationGas. Without a tracing node we estimate each phase with eth_estimateGas
 * as the EntryPoint would call it: `validateUserOp` from the EntryPoint (a dummy signature makes
 * it return SIG_VALIDATION_FAILED without reverting, and costs the same), the factory call from
 * the EntryPoint's SenderCreator for first ops, and the execution call from the EntryPoint.
 * Margins cover the EntryPoint's own bookkeeping around each phase.
 */
import { z } from "zod";
import { accountInterface, entryPointInterface, EXECUTE_USER_OP_SELECTOR } from "../../abi.js";
import { NodeRpcError, NodeUnavailableError } from "../../chain.js";
import {
  ExecutionRevertedError,
  InvalidParamsError,
  UnavailableError,
  ValidationRejectedError,
} from "../../errors.js";
import { checkOpFields, intrinsicGas, packedTuple } from "../../simulation.js";
import {
  address,
  getUserOperationHash,
  minimumPreVerificationGas,
  normalizeUserOperation,
  packUserOperation,
  rpcUserOperationSchema,
  type UserOperation,
} from "../../userOp.js";
import { requireEstimateAccess } from "../access.js";
import { recordRejection } from "../rejections.js";
import { defineMethod } from "../types.js";

const estimationOpSchema = rpcUserOperationSchema.partial({
  callGasLimit: true,
  verificationGasLimit: true,
  preVerificationGas: true,
  maxFeePerGas: true,
  maxPriorityFeePerGas: true,
});

/**
 * What the EntryPoint spends inside the op's verificationGasLimit (the AA26 check) around `validateUserOp`,
 * which the measurement of `validateUserOp` alone doesn't see, in the worst state the op can meet when it
 * is included (first op of its sender in the transaction, a nonce key never used): cold access to the
 * sender (2,600), the deposit's cold read and decrement (2,100 + 2,900), the nonce slot going from zero
 * to non-zero (2,100 + 20,000), and copying the op into memory and the call frame (measured ~1,500 for a
 * small op; the per-byte share covers larger ones).
 */
const VALIDATION_OVERHEAD = 40_000n;
const VALIDATION_OVERHEAD_PER_BYTE = 8n;
/**
 * `validateUserOp` is measured as if the deposit did not cover the op (the account pays the EntryPoint
 * the missing funds: a value call and a deposit write). Which path the op takes at inclusion depends on
 * the deposit then, which earlier ops of the same sender (in the same bundle or a bundle still pending)
 * use up: an estimate made while the deposit covers the op must still cover the payment. The cost does
 * not depend on the amount, so 1 wei is asked for.
 */
const MEASURED_MISSING_FUNDS = 1n;
/**
 * Clients estimate with a stub signature (viem's `getStubSignature`), and an account seeing a wrong
 * signature returns SIG_VALIDATION_FAILED early: it skips what the real signature triggers (a Leash
 * agent's rate counters are written, M owners' signatures are each recovered and looked up). When
 * the stub is seen failing, add what that skipped work costs at most: a base (cold storage writes)
 * plus a share per 65 signature bytes (ecrecover, owner lookup).
 */
const STUB_SIGNATURE_BASE = 70_000n;
const STUB_SIGNATURE_PER_65_BYTES = 12_000n;
/**
 * An account may re-check signatures in execution (Leash owner ops do): with a stub, execution
 * reverts with a signature error the real op won't hit. Such a revert is not reported; a fixed
 * budget by callData size is returned instead (unused gas above 40k is charged at 10 % only).
 */
const STUB_EXECUTION_BASE = 400_000n;
const STUB_EXECUTION_PER_BYTE = 200n;
const SIG_VALIDATION_FAILED = 1n;
const EXECUTION_OVERHEAD = 10_000n;
const UNDEPLOYED_VALIDATION_DEFAULT = 60_000n;
const PVG_MARGIN = 1_000n;
const opBytes = (op: UserOperation) =>
  BigInt(
    (op.callData.length + op.signature.length + op.factoryData.length + op.paymasterData.length) /
      2,
  );
const validationOverhead = (op: UserOperation) =>
  VALIDATION_OVERHEAD + VALIDATION_OVERHEAD_PER_BYTE * opBytes(op);
const q = (v: bigint) => "0x" + v.toString(16);
const withMargin = (v: bigint, percent: bigint) => v + (v * percent) / 100n;

export const ethEstimateUserOperationGas = defineMethod({
  name: "eth_estimateUserOperationGas",
  scope: "read",
  // The optional third param (state override set) is accepted for compatibility and ignored.
  params: z.union([
    z.tuple([estimationOpSchema, address("entryPoint")]),
    z.tuple([estimationOpSchema, address("entryPoint"), z.record(z.unknown())]),
  ]),
  handler: async ([parsed, entryPoint], ctx) => {
    const { relayer } = ctx;
    if (entryPoint !== relayer.entryPoint)
      throw new InvalidParamsError(`unsupported entry point ${entryPoint}`);
    const { limits } = relayer.config;
    const op: UserOperation = normalizeUserOperation({
      ...parsed,
      callGasLimit: parsed.callGasLimit ?? 0n,
      verificationGasLimit: parsed.verificationGasLimit ?? limits.maxVerificationGasLimit,
      preVerificationGas: parsed.preVerificationGas ?? 0n,
      maxFeePerGas: parsed.maxFeePerGas ?? 0n,
      maxPriorityFeePerGas: parsed.maxPriorityFeePerGas ?? 0n,
    });
    requireEstimateAccess(ctx, op);
    const hash = getUserOperationHash(op, entryPoint, relayer.chainId);
    try {
      const chain = relayer.requestChain;
      const deployed = (await chain.getCode(op.sender)) !== "0x";
      let verificationGasLimit: bigint;
      let callGasLimit: bigint;
      if (deployed) {
        if (op.factory) throw new ValidationRejectedError("AA10 sender already constructed");
        // With a paymaster the EntryPoint never asks the account for funds.
        const validateData = accountInterface.encodeFunctionData("validateUserOp", [
          packedTuple(packUserOperation(op)),
          hash,
          op.paymaster ? 0n : MEASURED_MISSING_FUNDS,
        ]);
        const validateTx = { from: entryPoint, to: op.sender, data: validateData };
        const [measured, validationResult] = await Promise.all([
          estimate(chain, validateTx, "validation"),
          chain.call(validateTx),
        ]);
        // The low 160 bits of validationData are the aggregator; 1 means "signature failed".
        const stubFailed =
          !validationResult.reverted &&
          validationResult.result.length >= 66 &&
          (BigInt(validationResult.result.slice(0, 66)) & ((1n << 160n) - 1n)) ===
            SIG_VALIDATION_FAILED;
        verificationGasLimit = withMargin(measured, 20n) + validationOverhead(op);
        if (stubFailed) {
          const sigBytes = BigInt((op.signature.length - 2) / 2);
          verificationGasLimit +=
            STUB_SIGNATURE_BASE + STUB_SIGNATURE_PER_65_BYTES * ((sigBytes + 64n) / 65n);
        }
        const executeData = op.callData.startsWith(EXECUTE_USER_OP_SELECTOR)
          ? accountInterface.encodeFunctionData("executeUserOp", [
              packedTuple(packUserOperation(op)),
              hash,
            ])
          : op.callData;
        callGasLimit = 0n;
        if (op.callData !== "0x") {
          try {
            callGasLimit =
              withMargin(
                await estimate(
                  chain,
                  { from: entryPoint, to: op.sender, data: executeData },
                  "execution",
                ),
                10n,
              ) + EXECUTION_OVERHEAD;
          } catch (error) {
            // A named rule other than a signature check is a real refusal (an agent overspending):
            // report it. A signature error, or a revert we can't decode, may be the stub's doing.
            const data = (error instanceof ExecutionRevertedError ? error.data : null) as {
              rule?: unknown;
              revert?: { kind?: unknown };
            } | null;
            const stubCaused =
              /signature/i.test(String(data?.rule ?? "")) || data?.revert?.kind === "unknown";
            if (!stubFailed || !stubCaused) throw error;
            callGasLimit =
              STUB_EXECUTION_BASE + STUB_EXECUTION_PER_BYTE * BigInt((op.callData.length - 2) / 2);
            if (callGasLimit > limits.maxCallGasLimit) callGasLimit = limits.maxCallGasLimit;
          }
        }
      } else {
        if (!op.factory) throw new ValidationRejectedError("AA20 account not deployed");
        const lookup = await chain.call({
          to: entryPoint,
          data: entryPointInterface.encodeFunctionData("senderCreator", []),
        });
        if (lookup.reverted)
          throw new ValidationRejectedError("entry point did not return its SenderCreator");
        const [senderCreator] = entryPointInterface.decodeFunctionResult(
          "senderCreator",
          lookup.result,
        ) as unknown as [string];
        const creation = await estimate(
          chain,
          { from: senderCreator, to: op.factory, data: op.factoryData },
          "validation",
        );
        verificationGasLimit =
          withMargin(creation, 20n) + UNDEPLOYED_VALIDATION_DEFAULT + validationOverhead(op);
        // Execution cannot be estimated before the account exists: a generous fixed budget.
        callGasLimit = op.callData === "0x" ? 0n : 200_000n;
      }
      const estimated = { ...op, verificationGasLimit, callGasLimit };
      const preVerificationGas = minimumPreVerificationGas(estimated) + PVG_MARGIN;
      checkOpFields(
        { ...estimated, preVerificationGas, maxPriorityFeePerGas: 0n, maxFeePerGas: 0n },
        {
          ...limits,
          minPriorityFeePerGas: 0n,
        },
      );
      return {
        preVerificationGas: q(preVerificationGas),
        verificationGasLimit: q(verificationGasLimit),
        callGasLimit: q(callGasLimit),
        ...(op.paymaster
          ? {
              paymasterVerificationGasLimit: q(op.paymasterVerificationGasLimit || 100_000n),
              paymasterPostOpGasLimit: q(op.paymasterPostOpGasLimit),
            }
          : {}),
      };
    } catch (error) {
      if (error instanceof NodeUnavailableError) throw new UnavailableError();
      // Clients estimate before they send, so an op the wallet refuses (an agent trying to overspend) is
      // usually refused here and never sent: record it like a refused send, or the audit log would miss it.
      if (error instanceof ExecutionRevertedError || error instanceof ValidationRejectedError)
        await recordRejection(
          ctx,
          { hash, sender: op.sender },
          error,
          "eth_estimateUserOperationGas",
        );
      throw error;
    }

    async function estimate(
      chain: typeof relayer.requestChain,
      tx: { from: string; to: string; data: string },
      phase: "validation" | "execution",
    ): Promise<bigint> {
      try {
        // eth_estimateGas prices a whole transaction; the EntryPoint makes an inner call, which
        // pays neither the 21000 base cost nor calldata gas: take the intrinsic part out.
        const whole = await chain.estimateGas(tx);
        const inner = whole - intrinsicGas(tx.data);
        return inner > 0n ? inner : whole;
      } catch (error) {
        if (!(error instanceof NodeRpcError)) throw error;
        const decoded = relayer.decoder.decode(error.revertData);
        const reason = relayer.decoder.describe(decoded);
        if (phase === "execution") {
          throw new ExecutionRevertedError(`execution reverted: ${reason}`, {
            reason,
            ...(decoded.kind === "custom" ? { rule: decoded.rule, args: decoded.args } : {}),
            revert: decoded,
          });
        }
        throw new ValidationRejectedError(`validation reverted: ${reason}`, {
          reason,
          revert: decoded,
        });
      }
    }
  },
});
