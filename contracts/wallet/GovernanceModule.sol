// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {Proxy} from "@openzeppelin/contracts/proxy/Proxy.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IAgentManager} from "../interfaces/IAgentManager.sol";
import {IGuardianManager} from "../interfaces/IGuardianManager.sol";
import {IOwnerManager} from "../interfaces/IOwnerManager.sol";
import {IProposalManager} from "../interfaces/IProposalManager.sol";
import {ISignedActions} from "../interfaces/ISignedActions.sol";
import {ITimelock} from "../interfaces/ITimelock.sol";
import {Call} from "../interfaces/LeashTypes.sol";
import {ProposalManager} from "./ProposalManager.sol";

/// @title Governance functions of a Leash wallet: owners, guardians and the pause, the timelock, proposals.
/// @notice Runs only by DELEGATECALL from an `AgentWallet` proxy's fallback, on the wallet's ERC-7201 storage,
/// so that the wallet's code fits EIP-170. Selectors it doesn't implement go on to the `AgentPolicyModule`
/// (its own fallback). Immutable, deployed with the implementation. Called directly it acts on its own
/// empty storage and holds nothing, so there is nothing to gain from that.
contract GovernanceModule is
    ProposalManager,
    Initializable,
    Proxy,
    IOwnerManager,
    IGuardianManager,
    ITimelock,
    IProposalManager,
    ISignedActions
{
    bytes32 private constant GUARDIAN_ACTION_TYPEHASH = keccak256(
        "GuardianAction(bytes data,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant APPROVE_PROPOSAL_TYPEHASH = keccak256(
        "ApproveProposal(uint256 id,uint256 nonce,uint256 deadline)"
    );

    IEntryPoint private immutable ENTRY_POINT;
    address private immutable POLICY_MODULE;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IEntryPoint entryPoint_, address policyModule) EIP712("Leash AgentWallet", "1") {
        ENTRY_POINT = entryPoint_;
        POLICY_MODULE = policyModule;
        _disableInitializers();
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
        emit OwnerRemoved(owner);
    }

    /// @inheritdoc IOwnerManager
    function changeThreshold(uint256 newThreshold) external onlySelf {
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
    function unpause() external onlySelf {
        HotState storage $ = _hot();
        if (!$.paused) revert WalletNotPaused();
        uint256 earliest = uint256($.pausedAt) + $.minPauseDuration;
        if (block.timestamp < earliest) revert WalletPauseTooShort($.pausedAt, earliest);
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
        emit GuardianRemoved(guardian);
    }

    /// @inheritdoc IGuardianManager
    function setMinPauseDuration(uint256 duration) external onlySelf {
        _setMinPauseDuration(duration);
    }

    /// @inheritdoc ITimelock
    function requiredDelay(address target, bytes calldata data) external view returns (uint256) {
        return _requiredDelay(target, data);
    }

    /// @inheritdoc ITimelock
    function setDelays(uint256 newAdminDelay, uint256 newUpgradeDelay) external onlySelf {
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
        id = _createProposal(msg.sender, address(0), calls, expiresAt);
        _approve(id, msg.sender);
    }

    /// @inheritdoc IProposalManager
    function approve(uint256 id) external onlyOwner {
        Proposal storage p = _proposal(id);
        if (p.state != ProposalState.Pending) revert ProposalInvalidState(id, p.state);
        if (block.timestamp > p.expiresAt) revert ProposalExpired(id, p.expiresAt);
        if (_proposalStorage().approvedBy[id][msg.sender])
            revert ProposalAlreadyApproved(id, msg.sender);
        _approve(id, msg.sender);
    }

    /// @inheritdoc IProposalManager
    function revokeApproval(uint256 id) external onlyOwner {
        ProposalStorage storage $ = _proposalStorage();
        Proposal storage p = _proposal(id);
        if (p.state != ProposalState.Pending && p.state != ProposalState.Queued)
            revert ProposalInvalidState(id, p.state);
        if (!$.approvedBy[id][msg.sender]) revert ProposalNotApproved(id, msg.sender);
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
    function execute(uint256 id) external payable nonReentrant {
        Proposal storage p = _proposal(id);
        if (p.state != ProposalState.Queued) revert ProposalInvalidState(id, p.state);
        if (block.timestamp < p.eta) revert ProposalNotReady(id, p.eta);
        if (block.timestamp > uint256(p.eta) + GRACE_PERIOD)
            revert ProposalExpired(id, uint256(p.eta) + GRACE_PERIOD);
        uint256 approvals = _countApprovals(id);
        if (approvals < _threshold())
            revert ProposalInsufficientApprovals(id, approvals, _threshold());
        p.state = ProposalState.Executed;
        Call[] memory calls = p.calls;
        address agent = p.escalatedBy;
        if (agent == address(0)) {
            _executeCalls(calls);
        } else {
            // An escalated payment is agent spending that the owners let pass `approvalAbove`: every other
            // rule, and the count, still apply.
            _revertIfPaused();
            _requireActive(agent);
            _chargeAndExecuteAgentCalls(agent, calls, _classifyAll(agent, calls), _windowIndexes());
        }
        emit ProposalExecuted(id, msg.sender);
    }

    /// @inheritdoc IProposalManager
    function cancel(uint256 id) external onlyGuardian {
        Proposal storage p = _proposal(id);
        if (p.state != ProposalState.Pending && p.state != ProposalState.Queued)
            revert ProposalInvalidState(id, p.state);
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

    /// @inheritdoc ISignedActions
    function executeGuardianAction(
        address guardian,
        bytes calldata data,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        bytes4 selector = data.length < 4 ? bytes4(0) : bytes4(data[:4]);
        // Tightening only: what one guardian may do alone. Anything else needs the owners' threshold.
        if (
            selector != this.pause.selector &&
            selector != IAgentManager.suspendAgent.selector &&
            selector != IAgentManager.revokeAgent.selector &&
            selector != this.cancel.selector
        ) revert SignedActionNotAllowed(selector);
        if (!_isGuardian(guardian)) revert GuardianUnauthorized(guardian);
        bytes32 digest = _hashGuardianAction(data, nonce, deadline);
        _useSignedNonce(nonce, deadline);
        if (!SignatureChecker.isValidSignatureNowCalldata(guardian, digest, signature))
            revert SignatureInvalid(digest);
        emit GuardianActionSigned(guardian, selector, nonce);
        // A self-call: the guardian functions admit the wallet itself (`onlyGuardian`), and the agent ones
        // live in the next module, reached through the wallet's fallback.
        Address.functionCall(address(this), data);
    }

    /// @inheritdoc ISignedActions
    function approveWithSignatures(
        uint256 id,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signatures
    ) external {
        Proposal storage p = _proposal(id);
        if (p.state != ProposalState.Pending) revert ProposalInvalidState(id, p.state);
        if (block.timestamp > p.expiresAt) revert ProposalExpired(id, p.expiresAt);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(APPROVE_PROPOSAL_TYPEHASH, id, nonce, deadline))
        );
        _useSignedNonce(nonce, deadline);
        address[] memory signers = new address[](MAX_OWNERS);
        (bool ok, uint256 count) = _parseOwnerSignatures(digest, signatures, signers);
        if (!ok || count == 0) revert SignatureInvalid(digest);
        mapping(address => bool) storage approvedBy = _proposalStorage().approvedBy[id];
        uint256 approvals = _countApprovals(id);
        for (uint256 i = 0; i < count; ++i) {
            if (approvedBy[signers[i]]) continue;
            approvedBy[signers[i]] = true;
            emit ProposalApproved(id, signers[i], ++approvals);
        }
        if (approvals >= _threshold()) _queue(id);
    }

    /// @inheritdoc ISignedActions
    function hashGuardianAction(
        bytes calldata data,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return _hashGuardianAction(data, nonce, deadline);
    }

    /// @inheritdoc ISignedActions
    function hashProposalApproval(
        uint256 id,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return
            _hashTypedDataV4(keccak256(abi.encode(APPROVE_PROPOSAL_TYPEHASH, id, nonce, deadline)));
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
        return _proposalStorage().approvedBy[id][owner];
    }

    /// @inheritdoc IProposalManager
    function proposalCount() external view returns (uint256) {
        return _proposalStorage().count;
    }

    function _hashGuardianAction(
        bytes calldata data,
        uint256 nonce,
        uint256 deadline
    ) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(abi.encode(GUARDIAN_ACTION_TYPEHASH, keccak256(data), nonce, deadline))
            );
    }

    /// @dev Spends a signature's nonce (shared with `executeWithSignatures`) once its deadline is checked.
    function _useSignedNonce(uint256 nonce, uint256 deadline) private {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        ProposalStorage storage $ = _proposalStorage();
        if ($.usedNonces[nonce]) revert SignatureNonceUsed(nonce);
        $.usedNonces[nonce] = true;
    }

    /// @dev Agent and policy functions live in the next module.
    function _implementation() internal view override returns (address) {
        return POLICY_MODULE;
    }

    function _inSetup() internal view override returns (bool) {
        // Only the proxy's constructor (no code yet): a later `reinitializer` run by an upgrade must not open
        // every self-only function to whoever it calls.
        return _isInitializing() && address(this).code.length == 0;
    }

    function _entryPointAddress() internal view override returns (address) {
        return address(ENTRY_POINT);
    }
}
