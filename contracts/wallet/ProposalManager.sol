// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Call} from "../interfaces/LeashTypes.sol";
import {IGuardianManager} from "../interfaces/IGuardianManager.sol";
import {IOwnerManager} from "../interfaces/IOwnerManager.sol";
import {IPolicyEngine} from "../interfaces/IPolicyEngine.sol";
import {IProposalManager} from "../interfaces/IProposalManager.sol";
import {ITimelock} from "../interfaces/ITimelock.sol";
import {PolicyEngine} from "../policy/PolicyEngine.sol";
import {WindowIndexes} from "../policy/SpendWindows.sol";
import {
    APPROVE_PROPOSAL_TYPEHASH,
    CALL_TYPEHASH,
    EIP712_NAME,
    EIP712_VERSION,
    ESCALATION_LIFETIME,
    EXECUTE_TYPEHASH,
    GRACE_PERIOD,
    GUARDIAN_ACTION_TYPEHASH,
    OWNER_OPERATION_TYPEHASH
} from "./WalletConstants.sol";
import {PROPOSAL_STORAGE} from "./StorageLayout.sol";

/// @title Owner proposals, off-chain owner signatures, and the execution of approved batches.
/// @notice Approvals are counted among the *current* owners at execution, and each approval is bound to the
/// owner's epoch (a new one each time an address becomes an owner), so removing an owner removes its
/// approvals for good: re-added, the same address starts with none. Escalated agent payments are proposals
/// too: when executed they are checked and counted against the agent's policy like any agent call, except
/// that they may exceed `approvalAbove`.
abstract contract ProposalManager is PolicyEngine, EIP712, ReentrancyGuardTransient {
    /// @dev Slot 0: 160 + 48 + 32 + 8 = 248 bits; slot 1: 160 + 48 + 48 bits.
    struct Proposal {
        address proposer;
        uint48 expiresAt;
        uint32 delay;
        IProposalManager.ProposalState state;
        address escalatedBy;
        uint48 eta;
        uint48 createdAt; // what it may undo: only emergency responses made before (`_requireProposedAfter`)
        Call[] calls;
    }

    /// @custom:storage-location erc7201:leash.storage.Proposals
    struct ProposalStorage {
        uint256 count;
        mapping(uint256 id => Proposal) proposals;
        mapping(uint256 id => mapping(address owner => bool)) approvedBy;
        mapping(uint256 nonce => bool) usedNonces;
        // The owner's epoch when it approved: the approval counts only while that epoch lasts.
        mapping(uint256 id => mapping(address owner => uint256 ownerEpoch)) approvalEpoch;
    }

    /// @dev One EIP-712 domain for the core and the module: the digest the module checks is the one the core
    /// would check.
    constructor() EIP712(EIP712_NAME, EIP712_VERSION) {}

    function _proposalStorage() internal pure returns (ProposalStorage storage $) {
        uint256 base = PROPOSAL_STORAGE; // ERC-7201 base, named once in StorageLayout.sol
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: points a storage pointer at a constant ERC-7201 slot; no memory is touched.
            $.slot := base
        }
    }

    function _hashSignedCalls(
        Call[] calldata calls,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes32) {
        bytes32[] memory callHashes = new bytes32[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            callHashes[i] = keccak256(
                abi.encode(CALL_TYPEHASH, calls[i].target, calls[i].value, keccak256(calls[i].data))
            );
        }
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        EXECUTE_TYPEHASH,
                        keccak256(abi.encodePacked(callHashes)),
                        nonce,
                        deadline,
                        _signatureEpoch()
                    )
                )
            );
    }

    /// @notice What owners sign for an owners' user operation: `userOpHash` bound to the signature epoch, so an
    /// operation signed before an owner or guardian changed can't run after it (its nonce may still be free).
    function _hashOwnerOperation(bytes32 userOpHash) internal view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(abi.encode(OWNER_OPERATION_TYPEHASH, userOpHash, _signatureEpoch()))
            );
    }

    // ---------------------------------------------------------------- internals

    /// @notice Runs a batch the owners approved (M signatures): tried at once as instant (`tryCalls`); if a
    /// setter in it loosens, the try is undone and the batch queued, carrying the signers' approvals, with
    /// the longest delay its setters asked for. Returns the queued proposal id, or 0.
    function _submitApproved(
        Call[] memory calls,
        address[] memory signers
    ) internal returns (uint256 id) {
        (bool ok, bytes memory result) = address(this).call(
            abi.encodeCall(ITimelock.tryCalls, (calls, true))
        );
        if (ok) {
            emit IProposalManager.ApprovedCallsExecuted(signers, calls);
            return 0;
        }
        (bool delayed, uint256 delay) = _delayRequired(result);
        if (!delayed) _bubble(result);
        id = _createProposal(address(this), address(0), calls, block.timestamp + delay, delay);
        ProposalStorage storage $ = _proposalStorage();
        OwnerStorage storage o = _ownerStorage();
        for (uint256 i = 0; i < signers.length; ++i) {
            $.approvedBy[id][signers[i]] = true;
            $.approvalEpoch[id][signers[i]] = o.epochOf[signers[i]];
            emit IProposalManager.ProposalApproved(id, signers[i], i + 1);
        }
        _queue(id, delay);
    }

    /// @notice The delay `calls` would need now: a dry run of its setters, undone. A batch that can't run now
    /// gets `adminDelay`: the eta is only a lower bound, each setter checks its own delay at execution.
    function _previewDelay(Call[] memory calls) internal returns (uint256) {
        (, bytes memory result) = address(this).call(
            abi.encodeCall(ITimelock.tryCalls, (calls, false))
        );
        (bool delayed, uint256 delay) = _delayRequired(result);
        return delayed ? delay : _adminDelay();
    }

    /// @dev Whether `result` is `TimelockDelayRequired(delay)`, and the delay.
    function _delayRequired(bytes memory result) internal pure returns (bool, uint256 delay) {
        if (result.length != 36 || bytes4(result) != ITimelock.TimelockDelayRequired.selector) {
            return (false, 0);
        }
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: reads the one argument word after the selector; `result` is 36 bytes long (checked).
            delay := mload(add(result, 36))
        }
        return (true, delay);
    }

    /// @dev Re-raises a call's revert data unchanged.
    function _bubble(bytes memory result) internal pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: reverts with `result` as it is in memory.
            revert(add(result, 32), mload(result))
        }
    }

    /// @notice Turns an agent batch into a proposal for the owners (one open escalation per agent).
    function _escalate(address agent, Call[] memory calls) internal returns (uint256 id) {
        id = _createProposal(agent, agent, calls, block.timestamp + ESCALATION_LIFETIME, 0);
        _recordEscalation(agent, id);
    }

    /// @notice What each call of an agent batch moves, after the allow checks.
    function _classifyAll(
        address agent,
        Call[] memory calls
    ) internal view returns (Spend[] memory spends) {
        spends = new Spend[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) spends[i] = _classify(agent, calls[i]);
    }

    /// @notice Counts then makes each call of an agent batch. Counting happens before each call
    /// (checks-effects-interactions); a failed call reverts the whole batch, counts included.
    function _chargeAndExecuteAgentCalls(
        address agent,
        Call[] memory calls,
        Spend[] memory spends,
        WindowIndexes memory idx
    ) internal {
        for (uint256 i = 0; i < calls.length; ++i) {
            _chargeAndExecuteAgentCall(agent, i, calls[i], spends[i], idx);
        }
    }

    /// @notice Counts then makes call number `i` of an agent batch (see `_chargeAndExecuteAgentCalls`).
    function _chargeAndExecuteAgentCall(
        address agent,
        uint256 i,
        Call memory c,
        Spend memory spend,
        WindowIndexes memory idx
    ) internal {
        _checkSpend(agent, spend, idx, true);
        _executeAgentCall(agent, i, c, spend);
    }

    /// @notice Makes call number `i` of an agent batch, already checked and counted as `spend`.
    function _executeAgentCall(
        address agent,
        uint256 i,
        Call memory c,
        Spend memory spend
    ) internal {
        (bool ok, bytes memory result) = c.target.call{value: c.value}(c.data);
        if (!ok) revert IProposalManager.WalletCallFailed(i, result);
        // A token that returns false moved nothing: refuse rather than count a payment that didn't happen.
        if (spend.asset != address(0) && result.length != 0) {
            if (result.length != 32 || abi.decode(result, (uint256)) != 1) {
                revert IPolicyEngine.PolicyTokenCallFailed(agent, spend.asset);
            }
        }
        emit IPolicyEngine.AgentCallExecuted(agent, c.target, spend.asset, spend.amount);
    }

    function _checkBatch(uint256 count) internal pure {
        if (count == 0 || count > MAX_CALLS)
            revert IProposalManager.ProposalInvalidCallCount(count, MAX_CALLS);
    }

    /// @inheritdoc PolicyEngine
    function _isProposalOpen(uint256 id) internal view override returns (bool) {
        Proposal storage p = _proposalStorage().proposals[id];
        if (p.state == IProposalManager.ProposalState.Pending)
            return block.timestamp <= p.expiresAt;
        if (p.state == IProposalManager.ProposalState.Queued)
            return block.timestamp <= uint256(p.eta) + GRACE_PERIOD;
        return false;
    }

    function _createProposal(
        address proposer,
        address escalatedBy,
        Call[] memory calls,
        uint256 expiresAt,
        uint256 delay
    ) internal returns (uint256 id) {
        ProposalStorage storage $ = _proposalStorage();
        id = ++$.count;
        Proposal storage p = $.proposals[id];
        p.proposer = proposer;
        p.expiresAt = uint48(expiresAt);
        p.delay = uint32(delay);
        p.state = IProposalManager.ProposalState.Pending;
        p.escalatedBy = escalatedBy;
        p.createdAt = uint48(block.timestamp);
        for (uint256 i = 0; i < calls.length; ++i) p.calls.push(calls[i]);
        emit IProposalManager.ProposalCreated(id, proposer, escalatedBy, calls, expiresAt, delay);
    }

    function _approve(uint256 id, address owner) internal {
        ProposalStorage storage $ = _proposalStorage();
        $.approvedBy[id][owner] = true;
        $.approvalEpoch[id][owner] = _ownerStorage().epochOf[owner];
        uint256 approvals = _countApprovals(id);
        emit IProposalManager.ProposalApproved(id, owner, approvals);
        if (approvals >= _threshold()) {
            Proposal storage p = $.proposals[id];
            // The delay its setters need in the state it is queued in (escalated payments need none).
            _queue(id, p.escalatedBy == address(0) ? _previewDelay(p.calls) : 0);
        }
    }

    /// @dev `eta` is a lower bound: at execution each setter checks `queuedAt + delay` again, with the state
    /// and delays in force then (`queuedAt = eta - delay`).
    function _queue(uint256 id, uint256 delay) internal {
        Proposal storage p = _proposalStorage().proposals[id];
        uint256 eta = block.timestamp + delay;
        p.delay = uint32(delay);
        p.state = IProposalManager.ProposalState.Queued;
        p.eta = uint48(eta);
        emit IProposalManager.ProposalQueued(id, eta);
    }

    function _executeCalls(Call[] memory calls) internal {
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool ok, bytes memory result) = calls[i].target.call{value: calls[i].value}(
                calls[i].data
            );
            if (!ok) revert IProposalManager.WalletCallFailed(i, result);
        }
    }

    /// @dev Loops over the current owners (at most MAX_OWNERS).
    function _countApprovals(uint256 id) internal view returns (uint256 approvals) {
        address[] memory owners = _getOwners();
        for (uint256 i = 0; i < owners.length; ++i) {
            if (_hasApproved(id, owners[i])) ++approvals;
        }
    }

    /// @notice Whether `owner` is an owner and approved `id` during its current ownership (epochs start at 1).
    function _hasApproved(uint256 id, address owner) internal view returns (bool) {
        ProposalStorage storage $ = _proposalStorage();
        if (!$.approvedBy[id][owner]) return false;
        uint256 epoch = $.approvalEpoch[id][owner];
        return epoch != 0 && epoch == _ownerStorage().epochOf[owner];
    }

    /// @notice Reverts when `vetoer` may not cancel proposal `id`: the vetoer a proposal removes can't veto that;
    /// every other owner and guardian still can, and so can each vetoer of a batch that removes several (else one
    /// batch could remove every vetoer). Shared by `cancel` and a guardian's signed cancel.
    function _checkVetoer(uint256 id, Proposal storage p, address vetoer) internal view {
        (bool removesVetoer, bool removesOther) = (false, false);
        uint256 count = p.calls.length;
        for (uint256 i = 0; i < count; ++i) {
            (bool removal, address removed) = _removal(p.calls[i]);
            if (!removal) continue;
            if (removed == vetoer) removesVetoer = true;
            else removesOther = true;
        }
        if (removesVetoer && !removesOther)
            revert IProposalManager.ProposalVetoOfOwnRemoval(id, vetoer);
    }

    /// @dev Whether `c` removes an owner or a guardian, and whom.
    function _removal(Call storage c) private view returns (bool, address) {
        if (c.target != address(this)) return (false, address(0));
        bytes memory data = c.data;
        // Longer calldata still runs the removal (trailing bytes are ignored), so only a minimum length.
        if (data.length < 36) return (false, address(0));
        bytes4 selector = bytes4(data);
        if (
            selector != IOwnerManager.removeOwner.selector &&
            selector != IGuardianManager.removeGuardian.selector
        ) {
            return (false, address(0));
        }
        uint256 arg;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: reads the first argument word after the selector; `data` is at least 36 bytes long.
            arg := mload(add(data, 36))
        }
        // A dirty address word would make the removal itself revert: nothing to protect.
        return (true, address(uint160(arg)));
    }

    function _hashGuardianAction(
        bytes calldata data,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        GUARDIAN_ACTION_TYPEHASH,
                        keccak256(data),
                        nonce,
                        deadline,
                        _signatureEpoch()
                    )
                )
            );
    }

    function _hashProposalApproval(
        uint256 id,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(APPROVE_PROPOSAL_TYPEHASH, id, nonce, deadline, _signatureEpoch())
                )
            );
    }

    /// @dev Spends a signature's nonce (the space `executeWithSignatures` uses) once its deadline is checked.
    function _useSignedNonce(uint256 nonce, uint256 deadline) internal {
        if (block.timestamp > deadline) revert IProposalManager.SignatureExpired(deadline);
        ProposalStorage storage $ = _proposalStorage();
        if ($.usedNonces[nonce]) revert IProposalManager.SignatureNonceUsed(nonce);
        $.usedNonces[nonce] = true;
    }

    function _proposal(uint256 id) internal view returns (Proposal storage p) {
        p = _proposalStorage().proposals[id];
        if (p.state == IProposalManager.ProposalState.None)
            revert IProposalManager.ProposalNotFound(id);
    }
}
