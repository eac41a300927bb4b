/**
 * The EIP-712 messages owners and guardians sign so that a relayer can act for them and no owner or guardian
 * key needs ETH (see ISignedActions.sol): a guardian's tightening action, an owner's approval of a proposal,
 * and the owner's or guardian's request to the relayer itself (read or withdraw).
 *
 * Every message to the wallet carries its `signatureEpoch()` (`epoch`): it changes each time an owner or a
 * guardian is added or removed, so a signature made before such a change never counts after it (issue 11, F-15).
 */
import { AbiCoder, TypedDataEncoder, keccak256, type TypedDataDomain } from "ethers";

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

export function walletDomain(wallet: string, chainId: bigint): TypedDataDomain {
  return { name: "Leash AgentWallet", version: "1", chainId, verifyingContract: wallet };
}

export function relayerDomain(chainId: bigint): TypedDataDomain {
  return { name: "Leash Relayer", version: "1", chainId };
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

export function approvalDigest(
  wallet: string,
  chainId: bigint,
  id: bigint,
  deadline: bigint,
  epoch: bigint,
): string {
  return TypedDataEncoder.hash(walletDomain(wallet, chainId), APPROVE_PROPOSAL_TYPES, {
    id,
    nonce: approvalNonce(wallet, id),
    deadline,
    epoch,
  });
}

export function guardianActionDigest(
  wallet: string,
  chainId: bigint,
  data: string,
  nonce: bigint,
  deadline: bigint,
  epoch: bigint,
): string {
  return TypedDataEncoder.hash(walletDomain(wallet, chainId), GUARDIAN_ACTION_TYPES, {
    data,
    nonce,
    deadline,
    epoch,
  });
}

/** The digest each owner signs for an owners' user operation (`hashOwnerOperation` on chain). */
export function ownerOperationDigest(
  wallet: string,
  chainId: bigint,
  userOpHash: string,
  epoch: bigint,
): string {
  return TypedDataEncoder.hash(walletDomain(wallet, chainId), OWNER_OPERATION_TYPES, {
    userOpHash,
    epoch,
  });
}

export function relayerRequestDigest(
  chainId: bigint,
  request: { action: string; wallet: string; id: bigint; issuedAt: bigint },
): string {
  return TypedDataEncoder.hash(relayerDomain(chainId), RELAYER_REQUEST_TYPES, request);
}
