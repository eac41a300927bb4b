/**
 * The EIP-712 messages owners and guardians sign so that a relayer can act for them and no owner or guardian
 * key needs ETH (see ISignedActions.sol): a guardian's tightening action, an owner's approval of a proposal,
 * an owners' batch (`ExecuteCalls`) or user operation (`OwnerOperation`), and the owner's or guardian's request
 * to the relayer itself (read or withdraw).
 *
 * This module is the one place their typed data is built: each `…TypedData` function returns the whole
 * payload (`{ domain, types, primaryType, message }`) that every signer takes — ethers (`signTypedDataWith`),
 * viem (`signTypedData(typedData)`), a passkey or the console (over `typedDataDigest(typedData)`) — and every
 * digest here derives from it, so a field added on chain is added once.
 *
 * Every message to the wallet carries its `signatureEpoch()` (`epoch`): it changes each time an owner or a
 * guardian is added or removed, so a signature made before such a change never counts after it (issue 11, F-15).
 */
import { AbiCoder, TypedDataEncoder, getAddress, keccak256, type Signer } from "ethers";

/** One EIP-712 struct member. */
export interface TypedDataMember {
  name: string;
  type: string;
}

/** An EIP-712 domain as both ethers and viem take it (the address checksummed, the chain id a bigint). */
export interface LeashTypedDataDomain {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract?: `0x${string}`;
}

/** A complete EIP-712 payload (viem's shape; ethers takes `domain`, `types` and `message`); bigints stay bigints. */
export interface LeashTypedData<P extends string = string> {
  domain: LeashTypedDataDomain;
  types: Record<string, TypedDataMember[]>;
  primaryType: P;
  message: Record<string, unknown>;
}

export const GUARDIAN_ACTION_TYPES = {
  GuardianAction: [
    { name: "data", type: "bytes" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
    { name: "epoch", type: "uint256" },
  ],
};

export const APPROVE_PROPOSAL_TYPES = {
  ApproveProposal: [
    { name: "id", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
    { name: "epoch", type: "uint256" },
  ],
};

/** The EIP-712 types of `executeWithSignatures` (`ExecuteCalls`): what owners sign for an off-chain batch. */
export const EXECUTE_CALLS_TYPES = {
  ExecuteCalls: [
    { name: "calls", type: "Call[]" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
    { name: "epoch", type: "uint256" },
  ],
  Call: [
    { name: "target", type: "address" },
    { name: "value", type: "uint256" },
    { name: "data", type: "bytes" },
  ],
};

/** What each owner signs for an owners' user operation (nonce key 0): the EntryPoint's hash in this epoch. */
export const OWNER_OPERATION_TYPES = {
  OwnerOperation: [
    { name: "userOpHash", type: "bytes32" },
    { name: "epoch", type: "uint256" },
  ],
};

/** A request to the relayer (not to the wallet): proves who asks, for reads and withdrawals. */
export const RELAYER_REQUEST_TYPES = {
  RelayerRequest: [
    { name: "action", type: "string" },
    { name: "wallet", type: "address" },
    { name: "id", type: "uint256" },
    { name: "issuedAt", type: "uint256" },
  ],
};

/** How long a signed relayer request is accepted after `issuedAt` (and before, for clock skew), in seconds. */
export const RELAYER_REQUEST_WINDOW = 300;

/** The wallet's EIP-712 domain (`Leash AgentWallet`, version 1). */
export function walletDomain(wallet: string, chainId: bigint | number): LeashTypedDataDomain {
  return {
    name: "Leash AgentWallet",
    version: "1",
    chainId: BigInt(chainId),
    verifyingContract: getAddress(wallet) as `0x${string}`,
  };
}

/** The relayer's EIP-712 domain (`Leash Relayer`, version 1: no contract, requests are checked off chain). */
export function relayerDomain(chainId: bigint | number): LeashTypedDataDomain {
  return { name: "Leash Relayer", version: "1", chainId: BigInt(chainId) };
}

/**
 * The nonce every owner signs for proposal `id` of `wallet`: derived, not chosen, so owners approve
 * independently (even offline) and their signatures pack into one `approveWithSignatures`.
 */
export function approvalNonce(wallet: string, id: bigint): bigint {
  return BigInt(
    keccak256(
      AbiCoder.defaultAbiCoder().encode(
        ["string", "address", "uint256"],
        ["leash.approveProposal", wallet, id],
      ),
    ),
  );
}

/**
 * An owner's approval of proposal `proposalId` (`ApproveProposal`). `deadline` is the proposal's `expiresAt`
 * (what the relayer and `approveWithSignatures` expect); `nonce` defaults to the derived `approvalNonce`.
 */
export function approvalTypedData(args: {
  wallet: string;
  chainId: bigint | number;
  proposalId: bigint;
  deadline: bigint;
  epoch: bigint;
  nonce?: bigint;
}): LeashTypedData<"ApproveProposal"> {
  return {
    domain: walletDomain(args.wallet, args.chainId),
    types: APPROVE_PROPOSAL_TYPES,
    primaryType: "ApproveProposal",
    message: {
      id: args.proposalId,
      nonce: args.nonce ?? approvalNonce(args.wallet, args.proposalId),
      deadline: args.deadline,
      epoch: args.epoch,
    },
  };
}

/** A guardian's (or owner's) tightening action on the wallet (`GuardianAction`): `data` is the wallet call. */
export function guardianActionTypedData(args: {
  wallet: string;
  chainId: bigint | number;
  data: string;
  nonce: bigint;
  deadline: bigint;
  epoch: bigint;
}): LeashTypedData<"GuardianAction"> {
  return {
    domain: walletDomain(args.wallet, args.chainId),
    types: GUARDIAN_ACTION_TYPES,
    primaryType: "GuardianAction",
    message: { data: args.data, nonce: args.nonce, deadline: args.deadline, epoch: args.epoch },
  };
}

/** An owners' batch for `executeWithSignatures` (`ExecuteCalls`): only each call's target, value and data count. */
export function executeCallsTypedData(args: {
  wallet: string;
  chainId: bigint | number;
  calls: readonly { target: string; value: bigint; data: string }[];
  nonce: bigint;
  deadline: bigint;
  epoch: bigint;
}): LeashTypedData<"ExecuteCalls"> {
  return {
    domain: walletDomain(args.wallet, args.chainId),
    types: EXECUTE_CALLS_TYPES,
    primaryType: "ExecuteCalls",
    message: {
      calls: args.calls.map((c) => ({ target: c.target, value: c.value, data: c.data })),
      nonce: args.nonce,
      deadline: args.deadline,
      epoch: args.epoch,
    },
  };
}

/** What each owner signs for an owners' user operation (`OwnerOperation`, `hashOwnerOperation` on chain). */
export function ownerOperationTypedData(args: {
  wallet: string;
  chainId: bigint | number;
  userOpHash: string;
  epoch: bigint;
}): LeashTypedData<"OwnerOperation"> {
  return {
    domain: walletDomain(args.wallet, args.chainId),
    types: OWNER_OPERATION_TYPES,
    primaryType: "OwnerOperation",
    message: { userOpHash: args.userOpHash, epoch: args.epoch },
  };
}

/** A request to the relayer itself (`RelayerRequest`), signed by an owner or guardian of `wallet`. */
export function relayerRequestTypedData(args: {
  chainId: bigint | number;
  action: string;
  wallet: string;
  id: bigint;
  issuedAt: bigint;
}): LeashTypedData<"RelayerRequest"> {
  return {
    domain: relayerDomain(args.chainId),
    types: RELAYER_REQUEST_TYPES,
    primaryType: "RelayerRequest",
    message: { action: args.action, wallet: args.wallet, id: args.id, issuedAt: args.issuedAt },
  };
}

/** The EIP-712 digest of a payload: what an ECDSA key signs, and what a passkey asserts over. */
export function typedDataDigest(typedData: LeashTypedData): string {
  return TypedDataEncoder.hash(typedData.domain, typedData.types, typedData.message);
}

/** Signs a payload with an ethers signer (its `signTypedData` takes the parts, not the whole). */
export function signTypedDataWith(signer: Signer, typedData: LeashTypedData): Promise<string> {
  return signer.signTypedData(typedData.domain, typedData.types, typedData.message);
}

export function approvalDigest(
  wallet: string,
  chainId: bigint,
  id: bigint,
  deadline: bigint,
  epoch: bigint,
): string {
  return typedDataDigest(approvalTypedData({ wallet, chainId, proposalId: id, deadline, epoch }));
}

export function guardianActionDigest(
  wallet: string,
  chainId: bigint,
  data: string,
  nonce: bigint,
  deadline: bigint,
  epoch: bigint,
): string {
  return typedDataDigest(
    guardianActionTypedData({ wallet, chainId, data, nonce, deadline, epoch }),
  );
}

/** The digest each owner signs for an owners' user operation (`hashOwnerOperation` on chain). */
export function ownerOperationDigest(
  wallet: string,
  chainId: bigint,
  userOpHash: string,
  epoch: bigint,
): string {
  return typedDataDigest(ownerOperationTypedData({ wallet, chainId, userOpHash, epoch }));
}

export function relayerRequestDigest(
  chainId: bigint,
  request: { action: string; wallet: string; id: bigint; issuedAt: bigint },
): string {
  return typedDataDigest(relayerRequestTypedData({ chainId, ...request }));
}
