/**
 * User operations as the SDK and the relayer both handle them (one implementation, imported by
 * src/relayer/userOp.ts): the unpacked shape with bigint fields, the `PackedUserOperation` struct the v0.8
 * EntryPoint takes, its EIP-712 userOpHash (computed locally, as EntryPoint v0.8 does), the RPC (hex) form and
 * the calldata floor of preVerificationGas.
 */
import { AbiCoder, concat, keccak256, toBeHex, toUtf8Bytes, zeroPadValue } from "ethers";
import { type Hex, encodeAbiParameters } from "viem";

// The per-op encodings below run for every op a relayer accepts: viem's encoder is several times
// faster than ethers' AbiCoder on them (same ABI bytes).
const STRUCT_HASH_PARAMS = [
  { type: "bytes32" },
  { type: "address" },
  { type: "uint256" },
  { type: "bytes32" },
  { type: "bytes32" },
  { type: "bytes32" },
  { type: "uint256" },
  { type: "bytes32" },
  { type: "bytes32" },
] as const;
const PACKED_OP_PARAMS = [
  {
    type: "tuple",
    components: [
      { type: "address" },
      { type: "uint256" },
      { type: "bytes" },
      { type: "bytes" },
      { type: "bytes32" },
      { type: "uint256" },
      { type: "bytes32" },
      { type: "bytes" },
      { type: "bytes" },
    ],
  },
] as const;

const UINT128_MAX = (1n << 128n) - 1n;

/** A user operation with bigint fields and normalised optional fields (how the SDK and relayer handle it): bigint fields, normalised optional fields. */
export interface UserOperation {
  sender: string;
  nonce: bigint;
  factory: string | null;
  factoryData: string;
  callData: string;
  callGasLimit: bigint;
  verificationGasLimit: bigint;
  preVerificationGas: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  paymaster: string | null;
  paymasterVerificationGasLimit: bigint;
  paymasterPostOpGasLimit: bigint;
  paymasterData: string;
  signature: string;
}

export interface PackedUserOperation {
  sender: string;
  nonce: bigint;
  initCode: string;
  callData: string;
  accountGasLimits: string;
  preVerificationGas: bigint;
  gasFees: string;
  paymasterAndData: string;
  signature: string;
}

function packUints(high: bigint, low: bigint): string {
  return zeroPadValue(toBeHex((high << 128n) | low), 32);
}

export function packUserOperation(op: UserOperation): PackedUserOperation {
  const initCode = op.factory ? concat([op.factory, op.factoryData]) : "0x";
  const paymasterAndData = op.paymaster
    ? concat([
        op.paymaster,
        zeroPadValue(toBeHex(op.paymasterVerificationGasLimit), 16),
        zeroPadValue(toBeHex(op.paymasterPostOpGasLimit), 16),
        op.paymasterData,
      ])
    : "0x";
  return {
    sender: op.sender,
    nonce: op.nonce,
    initCode: initCode.toLowerCase(),
    callData: op.callData,
    accountGasLimits: packUints(op.verificationGasLimit, op.callGasLimit),
    preVerificationGas: op.preVerificationGas,
    gasFees: packUints(op.maxPriorityFeePerGas, op.maxFeePerGas),
    paymasterAndData: paymasterAndData.toLowerCase(),
    signature: op.signature,
  };
}

// EIP-712 pieces of EntryPoint v0.8's getUserOpHash, encoded by hand: ethers' generic
// TypedDataEncoder rebuilds its type tables on every call, which shows up under load.
const PACKED_USER_OP_TYPEHASH = keccak256(
  toUtf8Bytes(
    "PackedUserOperation(address sender,uint256 nonce,bytes initCode,bytes callData,bytes32 accountGasLimits,uint256 preVerificationGas,bytes32 gasFees,bytes paymasterAndData)",
  ),
);
const EIP712_DOMAIN_TYPEHASH = keccak256(
  toUtf8Bytes("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
);
const domainSeparators = new Map<string, string>();

function domainSeparator(entryPoint: string, chainId: bigint): string {
  const key = `${entryPoint.toLowerCase()}:${chainId}`;
  let separator = domainSeparators.get(key);
  if (!separator) {
    separator = keccak256(
      AbiCoder.defaultAbiCoder().encode(
        ["bytes32", "bytes32", "bytes32", "uint256", "address"],
        [
          EIP712_DOMAIN_TYPEHASH,
          keccak256(toUtf8Bytes("ERC4337")),
          keccak256(toUtf8Bytes("1")),
          chainId,
          entryPoint,
        ],
      ),
    );
    if (domainSeparators.size < 16) domainSeparators.set(key, separator);
  }
  return separator;
}

/** EntryPoint v0.8 `getUserOpHash`: the EIP-712 hash under domain ("ERC4337", "1"). */
export function getUserOperationHash(
  op: UserOperation,
  entryPoint: string,
  chainId: bigint,
): string {
  const packed = packUserOperation(op);
  const structHash = keccak256(
    encodeAbiParameters(STRUCT_HASH_PARAMS, [
      PACKED_USER_OP_TYPEHASH as Hex,
      packed.sender as Hex,
      packed.nonce,
      keccak256(packed.initCode) as Hex,
      keccak256(packed.callData) as Hex,
      packed.accountGasLimits as Hex,
      packed.preVerificationGas,
      packed.gasFees as Hex,
      keccak256(packed.paymasterAndData) as Hex,
    ]),
  );
  return keccak256(
    concat(["0x1901", domainSeparator(entryPoint, chainId), structHash]),
  ).toLowerCase();
}

/** RPC (hex) form of an op, as returned by eth_getUserOperationByHash. */
export function toRpcUserOperation(op: UserOperation): Record<string, string | null> {
  const q = (v: bigint) => "0x" + v.toString(16);
  return {
    sender: op.sender,
    nonce: q(op.nonce),
    factory: op.factory,
    factoryData: op.factory ? op.factoryData : null,
    callData: op.callData,
    callGasLimit: q(op.callGasLimit),
    verificationGasLimit: q(op.verificationGasLimit),
    preVerificationGas: q(op.preVerificationGas),
    maxFeePerGas: q(op.maxFeePerGas),
    maxPriorityFeePerGas: q(op.maxPriorityFeePerGas),
    paymaster: op.paymaster,
    paymasterVerificationGasLimit: op.paymaster ? q(op.paymasterVerificationGasLimit) : null,
    paymasterPostOpGasLimit: op.paymaster ? q(op.paymasterPostOpGasLimit) : null,
    paymasterData: op.paymaster ? op.paymasterData : null,
    signature: op.signature,
  };
}

/**
 * Minimum preVerificationGas the relayer asks for: the calldata cost of the packed op inside
 * `handleOps` plus a fixed per-op share of the bundle overhead. Calldata is what a bundler pays
 * for and the EntryPoint cannot meter, so this is the part preVerificationGas must cover.
 */
export const PER_OP_OVERHEAD_GAS = 18_300n;

export function minimumPreVerificationGas(op: UserOperation): bigint {
  // Price the op with a full-size preVerificationGas placeholder so the result is a fixed point.
  const packed = packUserOperation({ ...op, preVerificationGas: UINT128_MAX });
  const encoded = encodeAbiParameters(PACKED_OP_PARAMS, [
    [
      packed.sender as Hex,
      packed.nonce,
      packed.initCode as Hex,
      packed.callData as Hex,
      packed.accountGasLimits as Hex,
      packed.preVerificationGas,
      packed.gasFees as Hex,
      packed.paymasterAndData as Hex,
      packed.signature as Hex,
    ],
  ]);
  let cost = 0n;
  for (let i = 2; i < encoded.length; i += 2) cost += encoded.slice(i, i + 2) === "00" ? 4n : 16n;
  return cost + PER_OP_OVERHEAD_GAS;
}

export function userOpGasTotal(op: UserOperation): bigint {
  return (
    op.verificationGasLimit +
    op.callGasLimit +
    op.preVerificationGas +
    op.paymasterVerificationGasLimit +
    op.paymasterPostOpGasLimit
  );
}
