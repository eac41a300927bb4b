// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {_packValidationData} from "@account-abstraction/contracts/core/Helpers.sol";
import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Proxy} from "@openzeppelin/contracts/proxy/Proxy.sol";
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

/// @title Leash AgentWallet
/// @notice An ERC-4337 account (EntryPoint v0.8) for AI agents. Agents hold session keys and spend only within
/// the policy this contract enforces; owners govern M-of-N, guardians pause, loosening waits out a timelock.
/// @dev UUPS implementation behind an ERC1967 proxy; all state in ERC-7201 namespaces (see each manager).
/// The management functions (owners, guardians, timelock, agents, policy, proposals) live in an immutable
/// `AgentWalletModule` reached by DELEGATECALL from the fallback, so each contract fits EIP-170; talk to a
/// wallet through `IAgentWallet`, the union of both.
contract AgentWallet is IAgentWalletCore, ProposalManager, Initializable, UUPSUpgradeable, Proxy {
    uint256 private constant SIG_VALIDATION_FAILED = 1;
    bytes4 private constant ERC1271_MAGIC = 0x1626ba7e;
    /// @dev Bytes before a one-call batch's call data in a canonical `executeUserOp` callData: the selector and
    /// 7 words (array offset, length, element offset, target, value, data offset, data length).
    uint256 private constant ONE_CALL_HEAD = 4 + 7 * 32;
    bytes4 private constant ERC1271_INVALID = 0xffffffff;
    bytes32 private constant LEASH_MESSAGE_TYPEHASH = keccak256(
        "LeashMessage(bytes32 hash,uint256 epoch)"
    );

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
    function initialize(
        InitConfig calldata config,
        bytes[] calldata setupData
    ) external initializer {
        _initOwners(config.owners, config.threshold);
        _initGuardians(config.guardians, config.minPauseDuration);
        _initDelays();
        _setUtcOffset(config.utcOffset);
        emit WalletInitialized(
            address(ENTRY_POINT),
            config.owners,
            config.threshold,
            config.guardians
        );
        // Setup is the owners' initial configuration (agents, policies), committed to by the wallet's
        // counterfactual address, so it runs without the timelock; it may only configure the wallet itself.
        // It runs inside the proxy's constructor, where the proxy has no code yet, so each call is a
        // delegatecall into the module, and `onlySelf` admits it while initializing.
        if (setupData.length > MAX_CALLS)
            revert IProposalManager.ProposalInvalidCallCount(setupData.length, MAX_CALLS);
        for (uint256 i = 0; i < setupData.length; ++i) {
            (bool ok, bytes memory result) = MODULE.delegatecall(setupData[i]);
            if (!ok) revert WalletSetupFailed(i, result);
        }
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

    /// @notice Executes a validated user operation: owner batches as approved by M owners (loosening calls are
    /// queued), agent batches under the agent's policy, every call checked before it runs.
    /// @dev Agent batches run under the reentrancy guard (`_runAgentOp`): nothing an agent pays can re-enter
    /// the wallet. Owner batches don't, so that owners without ETH can run `execute(id)` (guarded itself).
    function executeUserOp(
        PackedUserOperation calldata userOp,
        bytes32 userOpHash
    ) external onlyEntryPoint {
        uint256 nonceKey = userOp.nonce >> 64;
        (Call[] memory calls, Call memory single) = _decodeBatch(userOp.callData);
        if (nonceKey == 0) {
            if (calls.length == 0) calls = _oneCallBatch(single);
            // Re-checked in the epoch in force now: an earlier op of the bundle may have changed the signers.
            bytes32 digest = _hashOwnerOperation(userOpHash);
            (bool ok, address[] memory signers) = _ownerSigners(digest, userOp.signature);
            if (!ok) revert IProposalManager.SignatureInvalid(digest);
            _submitApproved(calls, signers);
            return;
        }
        if (nonceKey >> 160 != 0) revert WalletInvalidNonceKey(nonceKey);
        // Validation accepted only keys of active agents; re-check, as an owner operation earlier in the same
        // bundle may have paused the wallet, or suspended, revoked or rotated this agent.
        // The key's validity range too: validation returned it to the EntryPoint, which checked it against the
        // range as it was then; an earlier op may have moved it (e.g. validAfter into the future).
        uint256 session = _sessionWord(address(uint160(nonceKey)));
        address agent = address(uint160(session));
        _requireUsable(agent, session);
        uint256 hot = _hotWord();
        if (_pausedIn(hot)) revert IGuardianManager.WalletPaused();
        _runAgentOp(agent, hot, calls, single);
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
    function hashOwnerOperation(bytes32 userOpHash) external view returns (bytes32) {
        return _hashOwnerOperation(userOpHash);
    }

    /// @inheritdoc IAgentWalletCore
    function getDeposit() external view returns (uint256) {
        return ENTRY_POINT.balanceOf(address(this));
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
        if (callData.length < 4 || bytes4(callData) != this.executeUserOp.selector) {
            return SIG_VALIDATION_FAILED;
        }
        uint256 nonceKey = userOp.nonce >> 64;
        if (nonceKey == 0) {
            return
                _checkOwnerSignatures(_hashOwnerOperation(userOpHash), userOp.signature)
                    ? 0
                    : SIG_VALIDATION_FAILED;
        }
        if (nonceKey >> 160 != 0) return SIG_VALIDATION_FAILED;
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

    /// @notice The batch an op's `callData` (`executeUserOp` selector, then an ABI-encoded `Call[]`) carries,
    /// with the checked call count: a one-call batch as `single` with `calls` empty, any other as `calls`.
    /// @dev A one-call batch encoded canonically (what the SDK sends: offsets 0x20, 0x20, 0x60, clean address,
    /// no trailing bytes) is read straight from calldata; that layout is a valid ABI encoding `abi.decode`
    /// decodes to the same call. Anything else goes through `abi.decode`.
    function _decodeBatch(
        bytes calldata callData
    ) private pure returns (Call[] memory calls, Call memory single) {
        uint256 length = callData.length;
        if (length >= ONE_CALL_HEAD) {
            uint256 target;
            uint256 value;
            uint256 dataLength;
            bool canonical;
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                // Safe: reads calldata inside `callData` (length >= ONE_CALL_HEAD checked); writes nothing.
                let p := add(callData.offset, 4)
                target := calldataload(add(p, 0x60))
                value := calldataload(add(p, 0x80))
                dataLength := calldataload(add(p, 0xc0))
                canonical := and(
                    and(eq(calldataload(p), 0x20), eq(calldataload(add(p, 0x20)), 1)),
                    and(eq(calldataload(add(p, 0x40)), 0x20), eq(calldataload(add(p, 0xa0)), 0x60))
                )
            }
            // `dataLength <= length` first, so the padded length below can't overflow.
            if (
                canonical &&
                target >> 160 == 0 &&
                dataLength <= length &&
                length == ONE_CALL_HEAD + ((dataLength + 31) & ~uint256(31))
            ) {
                single = Call(
                    address(uint160(target)),
                    value,
                    callData[ONE_CALL_HEAD:ONE_CALL_HEAD + dataLength]
                );
                return (calls, single);
            }
        }
        calls = abi.decode(callData[4:], (Call[]));
        _checkBatch(calls.length);
        if (calls.length == 1) {
            single = calls[0];
            Call[] memory none;
            calls = none;
        }
    }

    /// @dev `[call]`, for the paths that take a batch.
    function _oneCallBatch(Call memory call) private pure returns (Call[] memory calls) {
        calls = new Call[](1);
        calls[0] = call;
    }

    /// @dev `hot` is the wallet's hot slot as `executeUserOp` read it (see `_hotWord`); the batch is `single`
    /// when `calls` is empty (see `_decodeBatch`).
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
