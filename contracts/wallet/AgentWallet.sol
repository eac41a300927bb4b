// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {_packValidationData} from "@account-abstraction/contracts/core/Helpers.sol";
import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Proxy} from "@openzeppelin/contracts/proxy/Proxy.sol";
import {IAgentManager} from "../interfaces/IAgentManager.sol";
import {IPolicyEngine} from "../interfaces/IPolicyEngine.sol";
import {IAgentWalletCore} from "../interfaces/IAgentWalletCore.sol";
import {IGuardianManager} from "../interfaces/IGuardianManager.sol";
import {IProposalManager} from "../interfaces/IProposalManager.sol";
import {ITimelock} from "../interfaces/ITimelock.sol";
import {IWalletBase} from "../interfaces/IWalletBase.sol";
import {AgentStatus, Call} from "../interfaces/LeashTypes.sol";
import {WindowIndexes} from "../policy/SpendWindows.sol";
import {ProposalManager} from "./ProposalManager.sol";
import {requireModuleFor} from "./WalletModule.sol";
import * as Constants from "./WalletConstants.sol";
import {
    RULES_GAS_PER_DAY_SHIFT,
    SESSION_STATUS_SHIFT,
    SESSION_VALID_AFTER_SHIFT,
    SESSION_VALID_UNTIL_SHIFT
} from "./StorageLayout.sol";
import {LEASH_MESSAGE_TYPEHASH} from "./WalletConstants.sol";

/// @title Leash AgentWallet
/// @notice An ERC-4337 account (EntryPoint v0.8) for AI agents. Agents hold session keys and spend only within
/// the policy this contract enforces; owners govern M-of-N, guardians pause, loosening waits out a timelock.
/// @dev UUPS implementation behind an ERC1967 proxy; all state in ERC-7201 namespaces (see each manager).
/// Every way to act runs here: agents' user operations and escalated payments (`execute`), so the policy's
/// enforcement is compiled into the core alone, and the owners' user operations, signed batches and signed
/// approvals. What configures the wallet (setup, owners, guardians, timelock, proposing, agents, policy settings)
/// lives in one immutable module reached by DELEGATECALL from the fallback, whose own fallback forwards the views
/// to the lens by STATICCALL (audits/STRUCTURE.md), so each contract fits EIP-170; talk to a wallet through
/// `IAgentWallet`, the union of all.
contract AgentWallet is IAgentWalletCore, ProposalManager, Initializable, UUPSUpgradeable, Proxy {
    uint256 private constant SIG_VALIDATION_FAILED = 1;
    bytes4 private constant ERC1271_MAGIC = 0x1626ba7e;
    bytes4 private constant ERC1271_INVALID = 0xffffffff;

    // Published by the core only (see WalletConstants.sol): the delays and lifetimes the wallet enforces.
    uint256 public constant DEFAULT_ADMIN_DELAY = Constants.DEFAULT_ADMIN_DELAY;
    uint256 public constant DEFAULT_UPGRADE_DELAY = Constants.DEFAULT_UPGRADE_DELAY;
    uint256 public constant MIN_ADMIN_DELAY = Constants.MIN_ADMIN_DELAY;
    uint256 public constant MIN_UPGRADE_DELAY = Constants.MIN_UPGRADE_DELAY;
    uint256 public constant MAX_DELAY = Constants.MAX_DELAY;
    uint256 public constant GRACE_PERIOD = Constants.GRACE_PERIOD;
    uint256 public constant MAX_PROPOSAL_LIFETIME = Constants.MAX_PROPOSAL_LIFETIME;
    uint256 public constant ESCALATION_LIFETIME = Constants.ESCALATION_LIFETIME;

    IEntryPoint private immutable ENTRY_POINT;
    address private immutable MODULE;

    modifier onlyEntryPoint() {
        if (msg.sender != address(ENTRY_POINT)) revert IWalletBase.WalletOnlyEntryPoint(msg.sender);
        _;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IEntryPoint entryPoint_, address module_) {
        requireModuleFor(module_, entryPoint_);
        ENTRY_POINT = entryPoint_;
        MODULE = module_;
        // The implementation itself must never be initialized (and so never owned) by anyone.
        _disableInitializers();
    }

    /// @notice Native currency sent to the wallet; logged so the event stream shows every deposit.
    receive() external payable {
        emit Received(msg.sender, msg.value);
    }

    /// @inheritdoc IAgentWalletCore
    function entryPoint() external view returns (IEntryPoint) {
        return ENTRY_POINT;
    }

    /// @inheritdoc IAgentWalletCore
    function module() external view returns (address) {
        return MODULE;
    }

    /// @notice Validates a user operation (ERC-4337). Never reverts on a bad signature or an unknown, inactive
    /// or paused agent: it returns SIG_VALIDATION_FAILED. Reads only this account's storage and uses no
    /// banned opcode (time checks are returned in the validation data for the EntryPoint to apply).
    /// An agent's op is charged its maximum gas cost against the agent's daily gas budget here, and fails when
    /// the budget can't cover it: per local day, its ops cost the wallet at most `gasPerDay` wei of gas, plus
    /// what was left of the previous day's budget when that day's first op executes (see `maxLoss`), whether
    /// they succeed or fail.
    function validateUserOp(
        PackedUserOperation calldata userOp,
        bytes32 userOpHash,
        uint256 missingAccountFunds
    ) external onlyEntryPoint returns (uint256 validationData) {
        validationData = _validateUserOp(userOp, userOpHash);
        if (missingAccountFunds != 0) {
            // The EntryPoint checks the deposit itself; a failed transfer makes validation fail there.
            (bool ok, ) = payable(msg.sender).call{value: missingAccountFunds}("");
            (ok);
        }
    }

    /// @notice Executes a validated owners' operation: the batch as approved by M owners (loosening calls are
    /// queued), every call checked before it runs.
    /// @dev Not under the reentrancy guard, so that owners without ETH can run `execute(id)` (guarded itself).
    function executeUserOp(
        PackedUserOperation calldata userOp,
        bytes32 userOpHash
    ) external onlyEntryPoint {
        uint256 nonceKey = userOp.nonce >> 64;
        if (nonceKey != 0) revert WalletInvalidNonceKey(nonceKey);
        Call[] memory calls = abi.decode(userOp.callData[4:], (Call[]));
        _checkBatch(calls.length);
        // Re-checked in the epoch in force now: an earlier op of the bundle may have changed the signers.
        bytes32 digest = _hashOwnerOperation(userOpHash);
        (bool ok, address[] memory signers) = _ownerSigners(digest, userOp.signature);
        if (!ok) revert IProposalManager.SignatureInvalid(digest);
        _submitApproved(calls, signers);
    }

    /// @inheritdoc IAgentWalletCore
    function executeAgentCall(
        address key,
        address target,
        uint256 value,
        bytes calldata data
    ) external onlyEntryPoint {
        (address agent, uint256 hot) = _usableAgentOf(key);
        Call[] memory none;
        _runAgentOp(agent, hot, none, Call(target, value, data));
    }

    /// @inheritdoc IAgentWalletCore
    function executeAgentCalls(address key, Call[] calldata calls) external onlyEntryPoint {
        _checkBatch(calls.length);
        (address agent, uint256 hot) = _usableAgentOf(key);
        if (calls.length == 1) {
            Call[] memory none;
            _runAgentOp(agent, hot, none, calls[0]);
        } else {
            _runAgentOp(agent, hot, calls, Call(address(0), 0, ""));
        }
    }

    /// @inheritdoc IAgentWalletCore
    function execute(uint256 id) external payable nonReentrant {
        Proposal storage p = _proposal(id);
        if (p.state != IProposalManager.ProposalState.Queued)
            revert IProposalManager.ProposalInvalidState(id, p.state);
        if (block.timestamp < p.eta) revert IProposalManager.ProposalNotReady(id, p.eta);
        if (block.timestamp > uint256(p.eta) + Constants.GRACE_PERIOD)
            revert IProposalManager.ProposalExpired(id, uint256(p.eta) + Constants.GRACE_PERIOD);
        uint256 approvals = _countApprovals(id);
        if (approvals < _threshold())
            revert IProposalManager.ProposalInsufficientApprovals(id, approvals, _threshold());
        p.state = IProposalManager.ProposalState.Executed;
        Call[] memory calls = p.calls;
        address agent = p.escalatedBy;
        if (agent == address(0)) {
            // Each setter checks its delay, as needed now, against the time the proposal was queued, and what
            // would undo an emergency response checks when it was created. The outer run's record is kept aside:
            // an owners' batch may execute a proposal.
            (uint256 mode, uint256 recorded, uint256 queuedAt, uint256 proposedAt) = (
                _tload(TL_MODE),
                _tload(TL_DELAY),
                _tload(TL_QUEUED_AT),
                _tload(TL_PROPOSED_AT)
            );
            _tstore(TL_MODE, MODE_PROPOSAL);
            _tstore(TL_QUEUED_AT, uint256(p.eta) - p.delay);
            _tstore(TL_PROPOSED_AT, p.createdAt);
            _executeCalls(calls);
            _tstore(TL_MODE, mode);
            _tstore(TL_DELAY, recorded);
            _tstore(TL_QUEUED_AT, queuedAt);
            _tstore(TL_PROPOSED_AT, proposedAt);
        } else {
            // An escalated payment is agent spending that the owners let pass `approvalAbove`: the pause, the
            // agent's status and validity, the recipient allowlist, call permissions, per-tx and window caps (its
            // own and the wallet's) still apply, and it is counted. Not the hour and weekday masks or the velocity
            // limits: they pace the agent's own operations, and this one runs when someone executes the owners'
            // decision (anyone may, within the grace period).
            _revertIfPaused();
            _requireActive(agent);
            _chargeAndExecuteAgentCalls(agent, calls, _classifyAll(agent, calls), _windowIndexes());
        }
        emit IProposalManager.ProposalExecuted(id, msg.sender);
    }

    /// @notice ERC-1271: only M-of-N owner signatures over `replaySafeHash(hash)`; agents can never sign.
    function isValidSignature(
        bytes32 hash,
        bytes calldata signature
    ) external view returns (bytes4) {
        return
            _checkOwnerSignatures(replaySafeHash(hash), signature)
                ? ERC1271_MAGIC
                : ERC1271_INVALID;
    }

    /// @inheritdoc IAgentWalletCore
    function replaySafeHash(bytes32 hash) public view returns (bytes32) {
        // Binds the signed hash to this wallet and chain (EIP-712 domain), so the same owners' signature for
        // another wallet is useless here, and to the signature epoch, so a removed signer's can't come back.
        return
            _hashTypedDataV4(
                keccak256(abi.encode(LEASH_MESSAGE_TYPEHASH, hash, _signatureEpoch()))
            );
    }

    /// @inheritdoc IAgentWalletCore
    /// @dev Instant, like a payment by the owners: it moves funds, it loosens no rule.
    function withdrawDepositTo(address payable to, uint256 amount) external onlySelfByEffect {
        ENTRY_POINT.withdrawTo(to, amount);
    }

    /// @inheritdoc IAgentWalletCore
    function executeWithSignatures(
        Call[] calldata calls,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signatures
    ) external payable nonReentrant returns (uint256 queuedId) {
        _checkBatch(calls.length);
        // Marked before the signatures are checked; a refusal below reverts the mark with everything else.
        _useSignedNonce(nonce, deadline);
        bytes32 digest = _hashSignedCalls(calls, nonce, deadline);
        (bool ok, address[] memory signers) = _ownerSigners(digest, signatures);
        if (!ok) revert IProposalManager.SignatureInvalid(digest);
        queuedId = _submitApproved(calls, signers);
        if (queuedId == 0) emit IProposalManager.SignedCallsExecuted(digest, nonce, signers.length);
    }

    /// @inheritdoc IAgentWalletCore
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

    /// @inheritdoc IAgentWalletCore
    function startAgentDay(address agent) external {
        // Only a known agent: the write can't be made to grow storage for arbitrary addresses.
        if (_agentStorage().currentKey[agent] == address(0))
            revert IAgentManager.AgentNotFound(agent);
        (bool started, uint256 day) = _startAgentDay(agent);
        if (started) emit IAgentManager.AgentDayStarted(agent, day, msg.sender);
    }

    /// @inheritdoc IAgentWalletCore
    function extsload(bytes32 slot) external view returns (bytes32) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: reads one storage slot into scratch space and returns it; writes no storage.
            mstore(0, sload(slot))
            return(0, 0x20)
        }
    }

    /// @inheritdoc IAgentWalletCore
    function extsload(bytes32[] calldata slots) external view returns (bytes32[] memory) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: writes the ABI encoding of a bytes32[] (offset, length, words) at the free memory pointer
            // and returns it at once; reads only `slots` (calldata, length checked by the ABI decoder).
            let start := mload(0x40)
            mstore(start, 0x20)
            mstore(add(start, 0x20), slots.length)
            let out := add(start, 0x40)
            let end := add(out, shl(5, slots.length))
            for {
                let p := slots.offset
            } lt(out, end) {
                out := add(out, 0x20)
                p := add(p, 0x20)
            } {
                mstore(out, sload(calldataload(p)))
            }
            return(start, sub(end, start))
        }
    }

    // ---------------------------------------------------------------- internals

    function _validateUserOp(
        PackedUserOperation calldata userOp,
        bytes32 userOpHash
    ) private returns (uint256) {
        bytes calldata callData = userOp.callData;
        if (callData.length < 4) return SIG_VALIDATION_FAILED;
        bytes4 selector = bytes4(callData);
        uint256 nonceKey = userOp.nonce >> 64;
        if (nonceKey == 0) {
            if (selector != this.executeUserOp.selector) return SIG_VALIDATION_FAILED;
            return
                _checkOwnerSignatures(_hashOwnerOperation(userOpHash), userOp.signature)
                    ? 0
                    : SIG_VALIDATION_FAILED;
        }
        // An agent's lane is its key's address; a wider nonce key is no agent's (and would be a second lane).
        if (nonceKey >> 160 != 0) return SIG_VALIDATION_FAILED;
        // An agent's op calls one of its two entry points with its own key: execution trusts that argument, so
        // it must be this op's nonce key, whose signature is checked below.
        if (
            (selector != this.executeAgentCall.selector &&
                selector != this.executeAgentCalls.selector) ||
            callData.length < 36 ||
            uint256(bytes32(callData[4:36])) != nonceKey
        ) return SIG_VALIDATION_FAILED;
        address key = address(uint160(nonceKey));
        // The session and rules slots are read as words (offsets bound to their structs by a test).
        uint256 session = _sessionWord(key);
        if (uint8(session >> SESSION_STATUS_SHIFT) != uint8(AgentStatus.Active) || _isPaused())
            return SIG_VALIDATION_FAILED;
        // Agents pay gas from the wallet only: no paymaster, at most `maxOpCost` wei per operation, and at most
        // their daily gas budget (charged below, once the signature is known to be the agent's).
        if (userOp.paymasterAndData.length != 0) return SIG_VALIDATION_FAILED;
        address agent = address(uint160(session));
        uint256 rules = _rulesWord(agent);
        uint256 cost = _maxOpCost(userOp);
        if (cost > uint96(rules)) return SIG_VALIDATION_FAILED;
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(
            userOpHash,
            userOp.signature
        );
        if (err != ECDSA.RecoverError.NoError || signer != key) return SIG_VALIDATION_FAILED;
        if (!_chargeGas(agent, cost, rules >> RULES_GAS_PER_DAY_SHIFT))
            return SIG_VALIDATION_FAILED;
        return
            _packValidationData(
                false,
                uint40(session >> SESSION_VALID_UNTIL_SHIFT),
                uint40(session >> SESSION_VALID_AFTER_SHIFT)
            );
    }

    /// @dev The most this operation can cost the wallet: every gas limit at the maximum fee (agents can't use a
    /// paymaster, so its two limits are zero: the EntryPoint's required prefund is exactly this).
    function _maxOpCost(PackedUserOperation calldata userOp) private pure returns (uint256) {
        uint256 limits = uint256(userOp.accountGasLimits);
        uint256 gas = (limits >> 128) + uint128(limits) + userOp.preVerificationGas;
        return gas * uint128(uint256(userOp.gasFees));
    }

    /// @dev The agent of session key `key` and the wallet's hot slot, after re-checking what validation checked
    /// and an earlier operation of the same bundle may have changed since: an owners' operation may have paused
    /// the wallet, or suspended, revoked or rotated the agent, or moved the key's validity range (validation
    /// returned the range to the EntryPoint, which checked it as it was then; e.g. validAfter into the future).
    function _usableAgentOf(address key) private view returns (address agent, uint256 hot) {
        uint256 session = _sessionWord(key);
        agent = address(uint160(session));
        _requireUsable(agent, session);
        hot = _hotWord();
        if (_pausedIn(hot)) revert IGuardianManager.WalletPaused();
    }

    /// @dev `[call]`, for the paths that take a batch.
    function _oneCallBatch(Call memory call) private pure returns (Call[] memory calls) {
        calls = new Call[](1);
        calls[0] = call;
    }

    /// @dev `hot` is the wallet's hot slot as `_usableAgentOf` read it (see `_hotWord`); the batch is `single`
    /// when `calls` is empty.
    function _runAgentOp(
        address agent,
        uint256 hot,
        Call[] memory calls,
        Call memory single
    ) private nonReentrant {
        WindowIndexes memory idx = _chargeOperation(agent, hot);
        Spend[] memory spends;
        if (calls.length == 0) {
            // The common one-call batch runs without building the `Spend[]` the batch logic below needs, and
            // with one lookup of the asset entry for its approval, per-tx and window checks.
            Spend memory spend = _classify(agent, single);
            if (!_chargeUnlessApprovalNeeded(agent, spend, idx, hot)) {
                _executeAgentCall(agent, 0, single, spend);
                return;
            }
            calls = _oneCallBatch(single);
            spends = new Spend[](1);
            spends[0] = spend;
        } else {
            spends = _classifyAll(agent, calls);
        }
        bool escalate = false;
        for (uint256 i = 0; i < spends.length; ++i) {
            if (_needsApproval(agent, spends[i])) escalate = true;
        }
        if (!escalate) {
            _chargeAndExecuteAgentCalls(agent, calls, spends, idx);
            return;
        }
        // Above the approval threshold but within every hard cap: nothing runs, the owners decide. The caps
        // apply to the batch as it would be counted: per call for the per-tx cap, per asset for the windows.
        for (uint256 i = 0; i < spends.length; ++i) {
            if (spends[i].amount != 0) _checkAssetAndPerTx(agent, spends[i]);
        }
        Spend[] memory totals = _totalsByAsset(spends);
        for (uint256 i = 0; i < totals.length; ++i) _checkWindows(agent, totals[i], idx, false);
        uint256 id = _escalate(agent, calls);
        for (uint256 i = 0; i < spends.length; ++i) {
            if (_needsApproval(agent, spends[i])) {
                emit IPolicyEngine.ApprovalRequested(
                    id,
                    agent,
                    spends[i].asset,
                    spends[i].amount,
                    spends[i].recipient
                );
            }
        }
    }

    /// @dev The amounts of a batch summed per asset (at most MAX_CALLS entries, so the quadratic scan is bounded).
    function _totalsByAsset(Spend[] memory spends) private pure returns (Spend[] memory totals) {
        totals = new Spend[](spends.length);
        uint256 count = 0;
        for (uint256 i = 0; i < spends.length; ++i) {
            if (spends[i].amount == 0) continue;
            uint256 j = 0;
            while (j < count && totals[j].asset != spends[i].asset) ++j;
            if (j == count) totals[count++] = Spend(spends[i].asset, 0, spends[i].recipient);
            totals[j].amount += spends[i].amount;
        }
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: shrinks the array length in place; `count <= spends.length`, the allocated length.
            mstore(totals, count)
        }
    }

    /// @inheritdoc UUPSUpgradeable
    /// @dev Only an owner proposal that waited out the upgrade delay in force now. Tried as instant, it stops
    /// the try at once: the payload, new code, must never run where it could rewrite the try's record, and
    /// `upgradeDelay` is the longest delay anyway.
    function _authorizeUpgrade(address) internal override onlySelfByEffect {
        if (_tload(TL_MODE) == MODE_TRY) revert ITimelock.TimelockDelayRequired(_upgradeDelay());
        _requireDelay(_upgradeDelay());
    }

    /// @dev Every selector not implemented here goes to the module (OZ `Proxy` fallback).
    function _implementation() internal view override returns (address) {
        return MODULE;
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
