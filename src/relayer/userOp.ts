/**
 * User operations in the two shapes a bundler deals with: the RPC shape of ERC-7769 (unpacked
 * fields, hex quantities) and the `PackedUserOperation` struct the v0.8 EntryPoint takes.
 * The hash is computed locally (EIP-712, as EntryPoint v0.8 does) so an op can be accepted and
 * identified while the node is briefly unreachable.
 */
import { getAddress } from "ethers";
import { z } from "zod";
import type { UserOperation } from "../client/userOperation.js";

// Hashing, packing and encoding live in the SDK; the relayer uses the same code.
export {
  PER_OP_OVERHEAD_GAS,
  getUserOperationHash,
  minimumPreVerificationGas,
  packUserOperation,
  toRpcUserOperation,
  userOpGasTotal,
  type PackedUserOperation,
  type UserOperation,
} from "../client/userOperation.js";

const UINT256_MAX = (1n << 256n) - 1n;
const UINT128_MAX = (1n << 128n) - 1n;

// Hard syntactic caps, far above any configured limit: they bound regex and BigInt work on
// attacker input before the configurable limits apply.
const MAX_HEX_CHARS = 2 + 2 * 256 * 1024;

export const hexQuantity = (max: bigint, label: string) =>
  z
    .string({ invalid_type_error: `${label} must be a hex string` })
    .max(2 + 64, `${label} is too long`)
    .regex(/^0x[0-9a-fA-F]{1,64}$/, `${label} must be a 0x-prefixed hex quantity`)
    .transform((s, ctx) => {
      const value = BigInt(s);
      if (value > max) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${label} exceeds its maximum` });
        return z.NEVER;
      }
      return value;
    });

export const hexBytes = (label: string) =>
  z
    .string({ invalid_type_error: `${label} must be a hex string` })
    .max(MAX_HEX_CHARS, `${label} is too long`)
    .regex(/^0x([0-9a-fA-F]{2})*$/, `${label} must be 0x-prefixed hex bytes`)
    .transform((s) => s.toLowerCase());

export const address = (label: string) =>
  z
    .string({ invalid_type_error: `${label} must be an address string` })
    .regex(/^0x[0-9a-fA-F]{40}$/, `${label} must be a 20-byte hex address`)
    .transform((s) => getAddress(s.toLowerCase()));

export const hash32 = (label: string) =>
  z
    .string({ invalid_type_error: `${label} must be a hex string` })
    .regex(/^0x[0-9a-fA-F]{64}$/, `${label} must be a 32-byte hex hash`)
    .transform((s) => s.toLowerCase());

/** ERC-7769 user operation (EntryPoint v0.7/v0.8 RPC shape). Unknown fields are rejected. */
export const rpcUserOperationSchema = z
  .object({
    sender: address("sender"),
    nonce: hexQuantity(UINT256_MAX, "nonce"),
    factory: address("factory").nullish(),
    factoryData: hexBytes("factoryData").nullish(),
    callData: hexBytes("callData"),
    callGasLimit: hexQuantity(UINT128_MAX, "callGasLimit"),
    verificationGasLimit: hexQuantity(UINT128_MAX, "verificationGasLimit"),
    preVerificationGas: hexQuantity(UINT256_MAX, "preVerificationGas"),
    maxFeePerGas: hexQuantity(UINT128_MAX, "maxFeePerGas"),
    maxPriorityFeePerGas: hexQuantity(UINT128_MAX, "maxPriorityFeePerGas"),
    paymaster: address("paymaster").nullish(),
    paymasterVerificationGasLimit: hexQuantity(
      UINT128_MAX,
      "paymasterVerificationGasLimit",
    ).nullish(),
    paymasterPostOpGasLimit: hexQuantity(UINT128_MAX, "paymasterPostOpGasLimit").nullish(),
    paymasterData: hexBytes("paymasterData").nullish(),
    signature: hexBytes("signature"),
    // EIP-7702 authorizations are not supported by this relayer: accepted as `null` only.
    eip7702Auth: z.null().optional(),
  })
  .strict();

export type ParsedUserOperation = z.output<typeof rpcUserOperationSchema>;

export function normalizeUserOperation(parsed: ParsedUserOperation): UserOperation {
  return {
    sender: parsed.sender,
    nonce: parsed.nonce,
    factory: parsed.factory ?? null,
    factoryData: parsed.factoryData ?? "0x",
    callData: parsed.callData,
    callGasLimit: parsed.callGasLimit,
    verificationGasLimit: parsed.verificationGasLimit,
    preVerificationGas: parsed.preVerificationGas,
    maxFeePerGas: parsed.maxFeePerGas,
    maxPriorityFeePerGas: parsed.maxPriorityFeePerGas,
    paymaster: parsed.paymaster ?? null,
    paymasterVerificationGasLimit: parsed.paymasterVerificationGasLimit ?? 0n,
    paymasterPostOpGasLimit: parsed.paymasterPostOpGasLimit ?? 0n,
    paymasterData: parsed.paymasterData ?? "0x",
    signature: parsed.signature,
  };
}

/** Lossless JSON for storage (bigints as decimal strings). */
export function serializeUserOperation(op: UserOperation): string {
  return JSON.stringify(op, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

const BIGINT_FIELDS = [
  "nonce",
  "callGasLimit",
  "verificationGasLimit",
  "preVerificationGas",
  "maxFeePerGas",
  "maxPriorityFeePerGas",
  "paymasterVerificationGasLimit",
  "paymasterPostOpGasLimit",
] as const;

export function deserializeUserOperation(json: string): UserOperation {
  const raw = JSON.parse(json) as Record<string, unknown>;
  for (const field of BIGINT_FIELDS) raw[field] = BigInt(raw[field] as string);
  return raw as unknown as UserOperation;
}
