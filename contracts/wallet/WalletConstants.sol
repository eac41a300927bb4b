// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// File-level, not `public` members of the shared bases: a public constant would compile into the core and the
// module as an external getter, and the module's copy (reached through the wallet's fallback only if the core
// lacked it) would shadow nothing but waste bytes. The core alone publishes them (`AgentWallet`).

/// @dev A new wallet's delay for owner-side loosenings.
uint256 constant DEFAULT_ADMIN_DELAY = 24 hours;
/// @dev A new wallet's delay for upgrades (whose payload can change anything).
uint256 constant DEFAULT_UPGRADE_DELAY = 7 days;
/// @dev Bounds of `setDelays`.
uint256 constant MIN_ADMIN_DELAY = 1 hours;
uint256 constant MIN_UPGRADE_DELAY = 1 days;
uint256 constant MAX_DELAY = 30 days;
/// @dev A queued proposal may execute during this long after its eta, then it is stale.
uint256 constant GRACE_PERIOD = 14 days;
/// @dev A proposal collects approvals for at most this long.
uint256 constant MAX_PROPOSAL_LIFETIME = 90 days;
/// @dev `AgentRules.gasPerDay` meaning "no limit".
uint64 constant UNLIMITED_GAS = type(uint64).max;
/// @dev How long owners have to approve an escalated agent payment.
uint256 constant ESCALATION_LIFETIME = 7 days;
/// @dev The EIP-712 domain every signature for a wallet is made in (the verifying contract is the proxy).
string constant EIP712_NAME = "Leash AgentWallet";
string constant EIP712_VERSION = "1";

// EIP-712 type hashes of what owners and guardians sign; the lens computes the same digests.
bytes32 constant DOMAIN_TYPEHASH = keccak256(
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
);
/// @dev A guardian's signed pause, suspension, revocation or veto (`executeGuardianAction`).
bytes32 constant GUARDIAN_ACTION_TYPEHASH = keccak256(
    "GuardianAction(bytes data,uint256 nonce,uint256 deadline,uint256 epoch)"
);
/// @dev Owners' signed approval of a proposal (`approveWithSignatures`).
bytes32 constant APPROVE_PROPOSAL_TYPEHASH = keccak256(
    "ApproveProposal(uint256 id,uint256 nonce,uint256 deadline,uint256 epoch)"
);
/// @dev What owners sign for an owners' user operation (nonce key 0): the EntryPoint's hash in this epoch.
bytes32 constant OWNER_OPERATION_TYPEHASH = keccak256(
    "OwnerOperation(bytes32 userOpHash,uint256 epoch)"
);
/// @dev ERC-1271: the message an owner signs for `isValidSignature` (ERC-7739-style rehash, bound to the epoch).
bytes32 constant LEASH_MESSAGE_TYPEHASH = keccak256("LeashMessage(bytes32 hash,uint256 epoch)");
bytes32 constant CALL_TYPEHASH = keccak256("Call(address target,uint256 value,bytes data)");
/// @dev Owners' signed batch (`executeWithSignatures`).
bytes32 constant EXECUTE_TYPEHASH = keccak256(
    "ExecuteCalls(Call[] calls,uint256 nonce,uint256 deadline,uint256 epoch)"
    "Call(address target,uint256 value,bytes data)"
);
