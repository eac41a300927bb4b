// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {Proxy} from "@openzeppelin/contracts/proxy/Proxy.sol";
import {IGuardianManager} from "../interfaces/IGuardianManager.sol";
import {IOwnerManager} from "../interfaces/IOwnerManager.sol";
import {IProposalManager} from "../interfaces/IProposalManager.sol";
import {ITimelock} from "../interfaces/ITimelock.sol";
import {Call} from "../interfaces/LeashTypes.sol";
import {WalletModule, requireModuleFor} from "./WalletModule.sol";
import {MAX_PROPOSAL_LIFETIME} from "./WalletConstants.sol";

/// @title Governance functions of a Leash wallet: owners, guardians and the pause, the timelock, proposals.
/// @notice Runs only by DELEGATECALL from an `AgentWallet` proxy's fallback, on the wallet's ERC-7201 storage,
/// so that the wallet's code fits EIP-170. Selectors it doesn't implement go on to the `AgentPolicyModule`
/// (its own fallback). Immutable, deployed with the implementation. Called directly it acts on its own
/// empty storage and holds nothing, so there is nothing to gain from that.
contract GovernanceModule is
    WalletModule,
    Proxy,
    IOwnerManager,
    IGuardianManager,
    ITimelock,
    IProposalManager
{
    address private immutable POLICY_MODULE;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IEntryPoint entryPoint_, address policyModule) WalletModule(entryPoint_) {
        requireModuleFor(policyModule, entryPoint_);
        POLICY_MODULE = policyModule;
    }

    /// @inheritdoc IOwnerManager
    function getOwners() external view returns (address[] memory) {
        return _getOwners();
    }

    /// @inheritdoc IOwnerManager
    function isOwner(address account) external view returns (bool) {
        return _isOwner(account);
    }

    /// @inheritdoc IOwnerManager
    function threshold() external view returns (uint256) {
        return _threshold();
    }

    /// @inheritdoc IOwnerManager
    function signatureEpoch() external view returns (uint256) {
        return _signatureEpoch();
    }

    /// @inheritdoc IGuardianManager
    function isGuardian(address account) external view returns (bool) {
        return _isGuardian(account);
    }

    /// @inheritdoc IGuardianManager
    function paused() external view returns (bool) {
        return _isPaused();
    }

    /// @inheritdoc ITimelock
    function adminDelay() external view returns (uint256) {
        return _adminDelay();
    }

    /// @inheritdoc ITimelock
    function upgradeDelay() external view returns (uint256) {
        return _upgradeDelay();
    }

    /// @inheritdoc IProposalManager
    function hashSignedCalls(
        Call[] calldata calls,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return _hashSignedCalls(calls, nonce, deadline);
    }

    /// @inheritdoc IOwnerManager
    function addOwner(address owner) external onlySelf {
        _addOwner(owner);
    }

    /// @inheritdoc IOwnerManager
    function removeOwner(address owner) external onlySelf {
        OwnerStorage storage $ = _ownerStorage();
        if (!$.isOwner[owner]) revert OwnerNotFound(owner);
        uint256 count = $.owners.length;
        // Removing an owner must never lower the threshold: that is a loosening and goes through
        // `changeThreshold` and its timelock first.
        if (count - 1 < $.threshold) revert OwnerInvalidThreshold($.threshold, count - 1);
        for (uint256 i = 0; i < count; ++i) {
            if ($.owners[i] == owner) {
                $.owners[i] = $.owners[count - 1];
                $.owners.pop();
                break;
            }
        }
        $.isOwner[owner] = false;
        // Its approvals end here, for good: a re-added address gets a new epoch.
        $.epochOf[owner] = 0;
        // And its signatures: every one made so far names an epoch that has just ended.
        _newSignatureEpoch();
        emit OwnerRemoved(owner);
    }

    /// @inheritdoc IOwnerManager
    function changeThreshold(uint256 newThreshold) external onlySelfByEffect {
        // Fewer signatures can approve: a loosening. More is instant.
        if (newThreshold < _threshold()) _requireDelay(_adminDelay());
        _setThreshold(newThreshold);
    }

    /// @inheritdoc IGuardianManager
    function getGuardians() external view returns (address[] memory) {
        return _guardianStorage().guardians;
    }

    /// @inheritdoc IGuardianManager
    function pausedAt() external view returns (uint256) {
        return _hot().pausedAt;
    }

    /// @inheritdoc IGuardianManager
    function minPauseDuration() external view returns (uint256) {
        return _hot().minPauseDuration;
    }

    /// @inheritdoc IGuardianManager
    function pause() external onlyGuardian {
        HotState storage $ = _hot();
        if ($.paused) revert WalletPaused();
        $.paused = true;
        $.pausedAt = uint48(block.timestamp);
        emit Paused(msg.sender, block.timestamp);
    }

    /// @inheritdoc IGuardianManager
    /// @dev A loosening (agents move again), so it waits `adminDelay` as an owners' proposal that any guardian
    /// may veto, and never executes before `pausedAt + minPauseDuration`. Tried as instant, it asks for the
    /// longer of the two waits instead of failing on the minimum pause, which is checked when it executes.
    function unpause() external onlySelfByEffect {
        HotState storage $ = _hot();
        if (!$.paused) revert WalletNotPaused();
        uint256 earliest = uint256($.pausedAt) + $.minPauseDuration;
        uint256 delay = _adminDelay();
        bool trying = _tload(TL_MODE) == MODE_TRY;
        if (trying && earliest > block.timestamp + delay) delay = earliest - block.timestamp;
        _requireDelay(delay);
        if (!trying && block.timestamp < earliest) revert WalletPauseTooShort($.pausedAt, earliest);
        $.paused = false;
        $.pausedAt = 0;
        emit Unpaused(block.timestamp);
    }

    /// @inheritdoc IGuardianManager
    function addGuardian(address guardian) external onlySelf {
        _addGuardian(guardian);
    }

    /// @inheritdoc IGuardianManager
    function removeGuardian(address guardian) external onlySelf {
        GuardianStorage storage $ = _guardianStorage();
        if (!$.isGuardian[guardian]) revert GuardianNotFound(guardian);
        uint256 count = $.guardians.length;
        for (uint256 i = 0; i < count; ++i) {
            if ($.guardians[i] == guardian) {
                $.guardians[i] = $.guardians[count - 1];
                $.guardians.pop();
                break;
            }
        }
        $.isGuardian[guardian] = false;
        // Its signed actions end here (a re-added guardian can't revive them).
        _newSignatureEpoch();
        emit GuardianRemoved(guardian);
    }

    /// @inheritdoc IGuardianManager
    function setMinPauseDuration(uint256 duration) external onlySelfByEffect {
        // A shorter guaranteed pause lets agents back sooner: a loosening. Longer is instant.
        if (duration < _hot().minPauseDuration) _requireDelay(_adminDelay());
        _setMinPauseDuration(duration);
    }

    /// @inheritdoc ITimelock
    function requiredDelay(Call[] calldata calls) external returns (uint256) {
        _checkBatch(calls.length);
        return _previewDelay(calls);
    }

    /// @inheritdoc ITimelock
    function tryCalls(Call[] calldata calls, bool commit) external onlySelfByEffect {
        // One try at a time, never inside a queued proposal's run: its record would mix with theirs.
        if (_tload(TL_MODE) != MODE_NONE) revert TimelockNoBatch();
        _tstore(TL_MODE, MODE_TRY);
        for (uint256 i = 0; i < calls.length; ++i) {
            // A dry run only needs the setters; calls to other contracts need no delay.
            if (!commit && calls[i].target != address(this)) continue;
            (bool ok, bytes memory result) = calls[i].target.call{value: calls[i].value}(
                calls[i].data
            );
            if (!ok) {
                // An upgrade stops the try at once with the longest delay (see `_authorizeUpgrade`). Only
                // the wallet's own calls may say so: another contract could forge the error.
                (bool delayed, ) = _delayRequired(result);
                if (delayed && calls[i].target == address(this)) _bubble(result);
                revert WalletCallFailed(i, result);
            }
        }
        uint256 delay = _tload(TL_DELAY);
        _tstore(TL_MODE, MODE_NONE);
        _tstore(TL_DELAY, 0);
        if (!commit || delay != 0) revert TimelockDelayRequired(delay);
    }

    /// @inheritdoc ITimelock
    function setDelays(uint256 newAdminDelay, uint256 newUpgradeDelay) external onlySelfByEffect {
        // Lowering either delay shortens every future wait: it waits the longest delay in force now.
        if (newAdminDelay < _adminDelay() || newUpgradeDelay < _upgradeDelay()) {
            _requireDelay(_upgradeDelay());
        }
        _setDelays(newAdminDelay, newUpgradeDelay);
    }

    /// @inheritdoc IProposalManager
    function propose(
        Call[] calldata calls,
        uint256 expiresAt
    ) external onlyOwner returns (uint256 id) {
        _checkBatch(calls.length);
        uint256 maxExpiry = block.timestamp + MAX_PROPOSAL_LIFETIME;
        if (expiresAt <= block.timestamp || expiresAt > maxExpiry)
            revert ProposalInvalidExpiry(expiresAt, maxExpiry);
        id = _createProposal(msg.sender, address(0), calls, expiresAt, _previewDelay(calls));
        _approve(id, msg.sender);
    }

    /// @inheritdoc IProposalManager
    function approve(uint256 id) external onlyOwner {
        Proposal storage p = _proposal(id);
        if (p.state != ProposalState.Pending) revert ProposalInvalidState(id, p.state);
        if (block.timestamp > p.expiresAt) revert ProposalExpired(id, p.expiresAt);
        if (_hasApproved(id, msg.sender)) revert ProposalAlreadyApproved(id, msg.sender);
        _approve(id, msg.sender);
    }

    /// @inheritdoc IProposalManager
    function revokeApproval(uint256 id) external onlyOwner {
        ProposalStorage storage $ = _proposalStorage();
        Proposal storage p = _proposal(id);
        if (p.state != ProposalState.Pending && p.state != ProposalState.Queued)
            revert ProposalInvalidState(id, p.state);
        if (!_hasApproved(id, msg.sender)) revert ProposalNotApproved(id, msg.sender);
        $.approvedBy[id][msg.sender] = false;
        uint256 approvals = _countApprovals(id);
        emit ProposalApprovalRevoked(id, msg.sender, approvals);
        if (p.state == ProposalState.Queued && approvals < _threshold()) {
            p.state = ProposalState.Pending;
            p.eta = 0;
            emit ProposalUnqueued(id);
        }
    }

    /// @inheritdoc IProposalManager
    function cancel(uint256 id) external onlyGuardian {
        Proposal storage p = _proposal(id);
        if (p.state != ProposalState.Pending && p.state != ProposalState.Queued)
            revert ProposalInvalidState(id, p.state);
        _checkVetoer(id, p, msg.sender);
        p.state = ProposalState.Cancelled;
        emit ProposalCancelled(id, msg.sender);
    }

    /// @inheritdoc IProposalManager
    function executeWithSignatures(
        Call[] calldata calls,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signatures
    ) external payable nonReentrant returns (uint256 queuedId) {
        _checkBatch(calls.length);
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        ProposalStorage storage $ = _proposalStorage();
        if ($.usedNonces[nonce]) revert SignatureNonceUsed(nonce);
        bytes32 digest = _hashSignedCalls(calls, nonce, deadline);
        (bool ok, address[] memory signers) = _ownerSigners(digest, signatures);
        if (!ok) revert SignatureInvalid(digest);
        $.usedNonces[nonce] = true;
        queuedId = _submitApproved(calls, signers);
        if (queuedId == 0) emit SignedCallsExecuted(digest, nonce, signers.length);
    }

    /// @inheritdoc IProposalManager
    function invalidateNonce(uint256 nonce) external onlyGuardian {
        ProposalStorage storage $ = _proposalStorage();
        if ($.usedNonces[nonce]) revert SignatureNonceUsed(nonce);
        $.usedNonces[nonce] = true;
        emit SignatureNonceInvalidated(nonce, msg.sender);
    }

    /// @notice Records owners' EIP-712 `ApproveProposal(uint256 id,uint256 nonce,uint256 deadline,uint256 epoch)`
    /// approvals of pending proposal `id` (see ISignedActions); anyone (a relayer) may submit them, so owners need
    /// no ETH.
    function approveWithSignatures(
        uint256 id,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signatures
    ) external {
        Proposal storage p = _proposal(id);
        if (p.state != IProposalManager.ProposalState.Pending)
            revert IProposalManager.ProposalInvalidState(id, p.state);
        if (block.timestamp > p.expiresAt) revert IProposalManager.ProposalExpired(id, p.expiresAt);
        bytes32 digest = _hashProposalApproval(id, nonce, deadline);
        _useSignedNonce(nonce, deadline);
        address[] memory signers = new address[](MAX_OWNERS);
        (bool ok, uint256 count) = _parseOwnerSignatures(digest, signatures, signers);
        if (!ok || count == 0) revert IProposalManager.SignatureInvalid(digest);
        // `_approve` records the owner's epoch (a removed owner's approval never comes back) and queues the
        // proposal once the threshold is met; owners who already approved, or approve after that, change nothing.
        for (uint256 i = 0; i < count && p.state == IProposalManager.ProposalState.Pending; ++i) {
            if (!_hasApproved(id, signers[i])) _approve(id, signers[i]);
        }
    }

    /// @inheritdoc IProposalManager
    function isNonceUsed(uint256 nonce) external view returns (bool) {
        return _proposalStorage().usedNonces[nonce];
    }

    /// @inheritdoc IProposalManager
    function getProposal(
        uint256 id
    )
        external
        view
        returns (
            ProposalState state,
            address proposer,
            address escalatedBy,
            uint256 expiresAt,
            uint256 eta,
            uint256 delay,
            uint256 approvals
        )
    {
        Proposal storage p = _proposal(id);
        return (
            p.state,
            p.proposer,
            p.escalatedBy,
            p.expiresAt,
            p.eta,
            p.delay,
            _countApprovals(id)
        );
    }

    /// @inheritdoc IProposalManager
    function getProposalCalls(uint256 id) external view returns (Call[] memory) {
        return _proposal(id).calls;
    }

    /// @inheritdoc IProposalManager
    function hasApproved(uint256 id, address owner) external view returns (bool) {
        return _hasApproved(id, owner);
    }

    /// @inheritdoc IProposalManager
    function proposalCount() external view returns (uint256) {
        return _proposalStorage().count;
    }

    /// @dev Agent and policy functions live in the next module.
    function _implementation() internal view override returns (address) {
        return POLICY_MODULE;
    }
}
