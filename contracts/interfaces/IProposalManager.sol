// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Call} from "./LeashTypes.sol";

/// @title Owner proposals: on-chain approvals or off-chain EIP-712 signatures, then a timelock for loosening.
interface IProposalManager {
    enum ProposalState {
        None,
        Pending, // collecting approvals
        Queued, // approved by the threshold, waiting for its eta
        Executed,
        Cancelled
    }

    /// @notice A proposal was created. `escalatedBy` is the agent whose payment needs approval, or zero.
    event ProposalCreated(
        uint256 indexed id,
        address indexed proposer,
        address indexed escalatedBy,
        Call[] calls,
        uint256 expiresAt,
        uint256 delay
    );
    /// @notice `owner` approved proposal `id`; `approvals` is the new count.
    event ProposalApproved(uint256 indexed id, address indexed owner, uint256 approvals);
    /// @notice `owner` took back its approval.
    event ProposalApprovalRevoked(uint256 indexed id, address indexed owner, uint256 approvals);
    /// @notice Proposal `id` reached the threshold and can execute from `eta`.
    event ProposalQueued(uint256 indexed id, uint256 eta);
    /// @notice A queued proposal fell below the threshold again and went back to pending.
    event ProposalUnqueued(uint256 indexed id);
    /// @notice Proposal `id` executed.
    event ProposalExecuted(uint256 indexed id, address indexed executor);
    /// @notice Proposal `id` was cancelled (or vetoed) by `by`.
    event ProposalCancelled(uint256 indexed id, address indexed by);
    /// @notice A batch signed off-chain by the owners executed at once (no timelock needed).
    event SignedCallsExecuted(bytes32 indexed digest, uint256 nonce, uint256 signers);
    /// @notice A batch approved by `signers` (an owner user operation or `executeWithSignatures`) ran at once,
    /// without a proposal: the record of who approved what, since no `ProposalExecuted` follows.
    event ApprovedCallsExecuted(address[] signers, Call[] calls);
    /// @notice Signature nonce `nonce` was burnt by `by` (a guardian, or the owners): signatures over it are void.
    event SignatureNonceInvalidated(uint256 indexed nonce, address indexed by);

    /// @dev No proposal `id`.
    error ProposalNotFound(uint256 id);
    /// @dev Proposal `id` is in `state`, which does not allow this action.
    error ProposalInvalidState(uint256 id, ProposalState state);
    /// @dev Proposal `id` expired at `expiresAt`.
    error ProposalExpired(uint256 id, uint256 expiresAt);
    /// @dev `expiresAt` must be in the future and at most `maxExpiry`.
    error ProposalInvalidExpiry(uint256 expiresAt, uint256 maxExpiry);
    /// @dev `owner` already approved proposal `id`.
    error ProposalAlreadyApproved(uint256 id, address owner);
    /// @dev `owner` has not approved proposal `id`.
    error ProposalNotApproved(uint256 id, address owner);
    /// @dev Proposal `id` has `approvals` valid approvals, fewer than `threshold`.
    error ProposalInsufficientApprovals(uint256 id, uint256 approvals, uint256 threshold);
    /// @dev Proposal `id` can execute from `eta` (timelock).
    error ProposalNotReady(uint256 id, uint256 eta);
    /// @dev `vetoer` is the owner or guardian proposal `id` removes: it can't cancel its own removal.
    error ProposalVetoOfOwnRemoval(uint256 id, address vetoer);
    /// @dev The executing proposal, created at `proposedAt`, would undo a change made at `changedAt`, after it
    /// was created: a pause, an agent's suspension, or an address becoming or ceasing to be an owner or a
    /// guardian. It was approved for a state that is gone; the owners propose again if they still want it.
    error ProposalOlderThanChange(uint256 proposedAt, uint256 changedAt);
    /// @dev A batch must have between 1 and `max` calls.
    error ProposalInvalidCallCount(uint256 count, uint256 max);
    /// @dev Call `index` of a batch reverted; `reason` is its revert data.
    error WalletCallFailed(uint256 index, bytes reason);
    /// @dev The owners' signatures over the digest are missing, invalid, unsorted, or fewer than the threshold.
    error SignatureInvalid(bytes32 digest);
    /// @dev The signed batch expired at `deadline`.
    error SignatureExpired(uint256 deadline);
    /// @dev Signature nonce `nonce` was already used or invalidated.
    error SignatureNonceUsed(uint256 nonce);

    /// @notice Proposes a batch; the proposer's approval counts. Returns the proposal id.
    function propose(Call[] calldata calls, uint256 expiresAt) external returns (uint256 id);

    /// @notice Approves a pending proposal.
    function approve(uint256 id) external;

    /// @notice Takes back an approval (a queued proposal below the threshold goes back to pending).
    function revokeApproval(uint256 id) external;

    /// @notice Cancels a pending or queued proposal: any owner or guardian (a veto).
    function cancel(uint256 id) external;

    /// @notice Marks a signature nonce used so signatures over it can never execute: any guardian or owner alone
    /// (a tightening, like a veto), or the owners through a self-call.
    function invalidateNonce(uint256 nonce) external;
}
