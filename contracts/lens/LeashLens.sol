// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {ILeashLens} from "../interfaces/ILeashLens.sol";
import {IProposalManager} from "../interfaces/IProposalManager.sol";
import {IWalletViews} from "../interfaces/IWalletViews.sol";
import {
    AgentRules,
    AgentStatus,
    AssetLimits,
    Call,
    CallPermission
} from "../interfaces/LeashTypes.sol";
import {Calendar} from "../policy/Calendar.sol";
import {SpendWindows, WindowIndexes} from "../policy/SpendWindows.sol";
import {
    APPROVE_PROPOSAL_TYPEHASH,
    CALL_TYPEHASH,
    DOMAIN_TYPEHASH,
    EIP712_NAME,
    EIP712_VERSION,
    EXECUTE_TYPEHASH,
    GUARDIAN_ACTION_TYPEHASH,
    LEASH_MESSAGE_TYPEHASH,
    OWNER_OPERATION_TYPEHASH,
    UNLIMITED_GAS
} from "../wallet/WalletConstants.sol";
import {
    AGENT_STORAGE,
    GAS_SPENT_SHIFT,
    GUARDIAN_STORAGE,
    HOT_MIN_PAUSE_SHIFT,
    HOT_PAUSED_AT_SHIFT,
    HOT_STORAGE,
    HOT_UTC_OFFSET_SHIFT,
    HOT_WALLET_CAP_ASSETS_SHIFT,
    OWNER_STORAGE,
    PERMISSION_EXPIRES_AT_SHIFT,
    PERMISSION_MAX_VALUE_SHIFT,
    POLICY_STORAGE,
    PROPOSAL_DELAY_SHIFT,
    PROPOSAL_ETA_SHIFT,
    PROPOSAL_EXPIRES_AT_SHIFT,
    PROPOSAL_STATE_SHIFT,
    PROPOSAL_STORAGE,
    RULES_DAYS_SHIFT,
    RULES_GAS_PER_DAY_SHIFT,
    RULES_HOURS_SHIFT,
    RULES_MIN_GAP_SHIFT,
    RULES_OPS_PER_DAY_SHIFT,
    RULES_OPS_PER_HOUR_SHIFT,
    SESSION_STATUS_SHIFT,
    SESSION_VALID_AFTER_SHIFT,
    SESSION_VALID_UNTIL_SHIFT,
    TIMELOCK_STORAGE,
    UPGRADE_DELAY_SHIFT,
    VELOCITY_DAY_INDEX_SHIFT
} from "../wallet/StorageLayout.sol";

/// @title LeashLens: every view of a Leash wallet, from the wallet's storage read through its `extsload`.
/// @notice Stateless, no constructor arguments, only `view` functions and a fallback that makes STATICCALLs: a
/// singleton at one CREATE2 address on every chain. It reads a wallet by STATICCALL, so it can change nothing. A
/// wallet's module forwards the wallet's views here (`IWalletViews`, by STATICCALL, through the fallback) only for
/// selectors neither the core nor the module implements, so it can shadow nothing.
/// @dev The slots are the wallet's ERC-7201 layout (audits/storage-layout.reference.json): the namespace bases
/// and packed-field offsets are the ones the managers use (`StorageLayout.sol`), the type hashes theirs
/// (`WalletConstants.sol`); the member offsets below follow the struct declarations. test/lens/lens.test.ts binds
/// every read by comparing each lens view with the wallet's own, in many states. Window arithmetic is
/// `SpendWindows`' and `Calendar`'s, on words.
contract LeashLens is ILeashLens {
    // OwnerStorage members: owners, isOwner, threshold, epochs, epochOf, signatureEpoch.
    uint256 private constant OWNERS_IS_OWNER = OWNER_STORAGE + 1;
    uint256 private constant OWNERS_THRESHOLD = OWNER_STORAGE + 2;
    uint256 private constant OWNERS_EPOCH_OF = OWNER_STORAGE + 4;
    uint256 private constant OWNERS_SIGNATURE_EPOCH = OWNER_STORAGE + 5;
    // GuardianStorage members: guardians, isGuardian.
    uint256 private constant GUARDIANS_IS_GUARDIAN = GUARDIAN_STORAGE + 1;
    // ProposalStorage members: count, proposals, approvedBy, usedNonces, approvalEpoch.
    uint256 private constant PROPOSALS_BY_ID = PROPOSAL_STORAGE + 1;
    uint256 private constant PROPOSALS_APPROVED_BY = PROPOSAL_STORAGE + 2;
    uint256 private constant PROPOSALS_USED_NONCES = PROPOSAL_STORAGE + 3;
    uint256 private constant PROPOSALS_APPROVAL_EPOCH = PROPOSAL_STORAGE + 4;
    // AgentStorage members: sessions, currentKey, rules.
    uint256 private constant AGENTS_CURRENT_KEY = AGENT_STORAGE + 1;
    uint256 private constant AGENTS_RULES = AGENT_STORAGE + 2;
    // PolicyStorage members: agentAssets, walletAssets, recipients, permissions, velocity, pendingEscalation.
    uint256 private constant POLICY_WALLET_ASSETS = POLICY_STORAGE + 1;
    uint256 private constant POLICY_RECIPIENTS = POLICY_STORAGE + 2;
    uint256 private constant POLICY_PERMISSIONS = POLICY_STORAGE + 3;
    uint256 private constant POLICY_VELOCITY = POLICY_STORAGE + 4;

    // ProposalManager.Proposal: 2 slots of fields, then its calls; a `Call` in storage: target, value, data.
    uint256 private constant CALL_SLOTS = 3;
    // PolicyEngine.AgentAsset: slot 0 limits, 1 spend; WalletAsset: 0 caps, 1 spend (read at `SpendWindows`'
    // offsets).

    // The wallet functions the lens calls.
    bytes4 private constant EXTSLOAD_ONE = bytes4(keccak256("extsload(bytes32)"));
    bytes4 private constant EXTSLOAD_MANY = bytes4(keccak256("extsload(bytes32[])"));
    bytes4 private constant ENTRY_POINT = bytes4(keccak256("entryPoint()"));

    // ------------------------------------------------------------ owners

    /// @inheritdoc ILeashLens
    function getOwners(address wallet) external view returns (address[] memory) {
        return _addressArray(wallet, OWNER_STORAGE);
    }

    /// @inheritdoc ILeashLens
    function isOwner(address wallet, address account) public view returns (bool) {
        return _flag(_load(wallet, _map(_key(account), OWNERS_IS_OWNER)));
    }

    /// @inheritdoc ILeashLens
    function threshold(address wallet) external view returns (uint256) {
        return _load(wallet, OWNERS_THRESHOLD);
    }

    /// @inheritdoc ILeashLens
    function signatureEpoch(address wallet) public view returns (uint256) {
        return _load(wallet, OWNERS_SIGNATURE_EPOCH);
    }

    // ------------------------------------------------------------ guardians

    /// @inheritdoc ILeashLens
    function isGuardian(address wallet, address account) external view returns (bool) {
        return
            _flag(_load(wallet, _map(_key(account), GUARDIANS_IS_GUARDIAN))) ||
            isOwner(wallet, account);
    }

    /// @inheritdoc ILeashLens
    function getGuardians(address wallet) external view returns (address[] memory) {
        return _addressArray(wallet, GUARDIAN_STORAGE);
    }

    /// @inheritdoc ILeashLens
    function paused(address wallet) external view returns (bool) {
        return _flag(_load(wallet, HOT_STORAGE));
    }

    /// @inheritdoc ILeashLens
    function pausedAt(address wallet) external view returns (uint256) {
        return uint48(_load(wallet, HOT_STORAGE) >> HOT_PAUSED_AT_SHIFT);
    }

    /// @inheritdoc ILeashLens
    function minPauseDuration(address wallet) external view returns (uint256) {
        return uint32(_load(wallet, HOT_STORAGE) >> HOT_MIN_PAUSE_SHIFT);
    }

    // ------------------------------------------------------------ timelock

    /// @inheritdoc ILeashLens
    function adminDelay(address wallet) external view returns (uint256) {
        return uint32(_load(wallet, TIMELOCK_STORAGE));
    }

    /// @inheritdoc ILeashLens
    function upgradeDelay(address wallet) external view returns (uint256) {
        return uint32(_load(wallet, TIMELOCK_STORAGE) >> UPGRADE_DELAY_SHIFT);
    }

    // ------------------------------------------------------------ proposals

    /// @inheritdoc ILeashLens
    function hashSignedCalls(
        address wallet,
        Call[] calldata calls,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        bytes32[] memory callHashes = new bytes32[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            callHashes[i] = keccak256(
                abi.encode(CALL_TYPEHASH, calls[i].target, calls[i].value, keccak256(calls[i].data))
            );
        }
        return
            _hashTypedData(
                wallet,
                abi.encode(
                    EXECUTE_TYPEHASH,
                    keccak256(abi.encodePacked(callHashes)),
                    nonce,
                    deadline,
                    signatureEpoch(wallet)
                )
            );
    }

    /// @inheritdoc ILeashLens
    function isNonceUsed(address wallet, uint256 nonce) external view returns (bool) {
        return _flag(_load(wallet, _map(bytes32(nonce), PROPOSALS_USED_NONCES)));
    }

    /// @inheritdoc ILeashLens
    function getProposal(
        address wallet,
        uint256 id
    )
        external
        view
        returns (
            IProposalManager.ProposalState state,
            address proposer,
            address escalatedBy,
            uint256 expiresAt,
            uint256 eta,
            uint256 delay,
            uint256 approvals
        )
    {
        uint256 base = _proposalSlot(wallet, id);
        uint256[] memory words = _loadMany(wallet, _range(base, 2));
        state = IProposalManager.ProposalState(uint8(words[0] >> PROPOSAL_STATE_SHIFT));
        proposer = address(uint160(words[0]));
        escalatedBy = address(uint160(words[1]));
        expiresAt = uint48(words[0] >> PROPOSAL_EXPIRES_AT_SHIFT);
        eta = uint48(words[1] >> PROPOSAL_ETA_SHIFT);
        delay = uint32(words[0] >> PROPOSAL_DELAY_SHIFT);
        // Counted among the current owners, as the wallet counts them (at most MAX_OWNERS).
        address[] memory owners = _addressArray(wallet, OWNER_STORAGE);
        for (uint256 i = 0; i < owners.length; ++i) {
            if (hasApproved(wallet, id, owners[i])) ++approvals;
        }
    }

    /// @inheritdoc ILeashLens
    function getProposalCalls(
        address wallet,
        uint256 id
    ) external view returns (Call[] memory calls) {
        uint256 array = _proposalSlot(wallet, id) + 2;
        uint256 count = _load(wallet, array);
        // Call i is the 3 slots from keccak256(array) + 3i: target, value, data (a `bytes` slot).
        uint256 first = uint256(keccak256(abi.encode(array)));
        uint256[] memory heads = _loadMany(wallet, _range(first, count * CALL_SLOTS));
        calls = new Call[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 at = i * CALL_SLOTS;
            calls[i].target = address(uint160(heads[at]));
            calls[i].value = heads[at + 1];
            calls[i].data = _bytesAt(wallet, first + at + 2, heads[at + 2]);
        }
    }

    /// @inheritdoc ILeashLens
    function hasApproved(address wallet, uint256 id, address owner) public view returns (bool) {
        uint256 approved = _load(
            wallet,
            _map(_key(owner), _map(bytes32(id), PROPOSALS_APPROVED_BY))
        );
        if (!_flag(approved)) return false;
        uint256 epoch = _load(
            wallet,
            _map(_key(owner), _map(bytes32(id), PROPOSALS_APPROVAL_EPOCH))
        );
        return epoch != 0 && epoch == _load(wallet, _map(_key(owner), OWNERS_EPOCH_OF));
    }

    /// @inheritdoc ILeashLens
    function proposalCount(address wallet) external view returns (uint256) {
        return _load(wallet, PROPOSAL_STORAGE);
    }

    // ------------------------------------------------------------ agents

    /// @inheritdoc ILeashLens
    function getAgent(
        address wallet,
        address agent
    )
        external
        view
        returns (
            address key,
            AgentStatus status,
            uint256 validAfter,
            uint256 validUntil,
            AgentRules memory rules
        )
    {
        key = address(uint160(_load(wallet, _map(_key(agent), AGENTS_CURRENT_KEY))));
        uint256 session = _load(wallet, _map(_key(key), AGENT_STORAGE));
        uint256 r = _load(wallet, _map(_key(agent), AGENTS_RULES));
        status = AgentStatus(uint8(session >> SESSION_STATUS_SHIFT));
        validAfter = uint40(session >> SESSION_VALID_AFTER_SHIFT);
        validUntil = uint40(session >> SESSION_VALID_UNTIL_SHIFT);
        rules = AgentRules(
            uint96(r),
            uint16(r >> RULES_OPS_PER_HOUR_SHIFT),
            uint16(r >> RULES_OPS_PER_DAY_SHIFT),
            uint32(r >> RULES_MIN_GAP_SHIFT),
            uint24(r >> RULES_HOURS_SHIFT),
            uint8(r >> RULES_DAYS_SHIFT),
            uint64(r >> RULES_GAS_PER_DAY_SHIFT)
        );
    }

    /// @inheritdoc ILeashLens
    function agentOfKey(address wallet, address key) external view returns (address) {
        return address(uint160(_load(wallet, _map(_key(key), AGENT_STORAGE))));
    }

    /// @inheritdoc ILeashLens
    function gasBudget(
        address wallet,
        address agent
    ) external view returns (uint256 gasSpent, bool refillPending) {
        uint256 v = _load(wallet, _map(_key(agent), POLICY_VELOCITY));
        return (v >> GAS_SPENT_SHIFT, uint32(v >> VELOCITY_DAY_INDEX_SHIFT) != _today(wallet).day);
    }

    // ------------------------------------------------------------ policy

    /// @inheritdoc ILeashLens
    function remaining(
        address wallet,
        address agent,
        address asset
    ) public view returns (uint256 perTx, uint256 daily, uint256 weekly, uint256 monthly) {
        uint256 a = _agentAssetSlot(agent, asset);
        uint256[] memory entry = _loadMany(wallet, _range(a, 2));
        if (!SpendWindows.enabled(entry[0]) || _status(wallet, agent) != AgentStatus.Active)
            return (0, 0, 0, 0);
        uint256 hot = _load(wallet, HOT_STORAGE);
        WindowIndexes memory today = _todayIn(hot);
        perTx = SpendWindows.limit(entry[0], SpendWindows.PER_TX_SHIFT);
        if (perTx == 0) perTx = type(uint256).max;
        (daily, weekly, monthly) = SpendWindows.leftNow(entry[0], entry[1], today);
        if (uint16(hot >> HOT_WALLET_CAP_ASSETS_SHIFT) != 0) {
            uint256[] memory w = _loadMany(
                wallet,
                _range(_map(_key(asset), POLICY_WALLET_ASSETS), 2)
            );
            if (SpendWindows.enabled(w[0])) {
                (uint256 d, uint256 wk, uint256 m) = SpendWindows.leftNow(w[0], w[1], today);
                daily = _min(daily, d);
                weekly = _min(weekly, wk);
                monthly = _min(monthly, m);
            }
        }
        // Nothing can pass a longer window's cap, so each figure is capped by the longer ones.
        weekly = _min(weekly, monthly);
        daily = _min(daily, weekly);
        perTx = _min(perTx, daily);
    }

    /// @inheritdoc ILeashLens
    function maxLoss(
        address wallet,
        address agent,
        address asset
    ) external view returns (uint256 loss) {
        address key = address(uint160(_load(wallet, _map(_key(agent), AGENTS_CURRENT_KEY))));
        uint256 session = _load(wallet, _map(_key(key), AGENT_STORAGE));
        if (uint8(session >> SESSION_STATUS_SHIFT) != uint8(AgentStatus.Active)) return 0;
        uint256 validUntil = uint40(session >> SESSION_VALID_UNTIL_SHIFT);
        if (validUntil != 0 && block.timestamp > validUntil) return 0;
        (, loss, , ) = remaining(wallet, agent, asset);
        if (asset != address(0)) return loss;
        uint256 gasPerDay = uint64(
            _load(wallet, _map(_key(agent), AGENTS_RULES)) >> RULES_GAS_PER_DAY_SHIFT
        );
        if (gasPerDay == UNLIMITED_GAS) return type(uint256).max;
        uint256 v = _load(wallet, _map(_key(agent), POLICY_VELOCITY));
        uint256 gasSpent = v >> GAS_SPENT_SHIFT;
        uint256 gasLeft = gasSpent < gasPerDay ? gasPerDay - gasSpent : 0;
        if (uint32(v >> VELOCITY_DAY_INDEX_SHIFT) != _today(wallet).day) gasLeft += gasPerDay;
        // Saturates: an uncapped allowance stays "no bound" with gas added.
        return loss > type(uint256).max - gasLeft ? type(uint256).max : loss + gasLeft;
    }

    /// @inheritdoc ILeashLens
    function getAssetLimits(
        address wallet,
        address agent,
        address asset
    ) external view returns (AssetLimits memory limits, bool enabled) {
        uint256 word = _load(wallet, _agentAssetSlot(agent, asset));
        limits = AssetLimits(
            uint96(SpendWindows.limit(word, SpendWindows.PER_TX_SHIFT)),
            uint96(SpendWindows.limit(word, SpendWindows.APPROVAL_ABOVE_SHIFT)),
            uint96(SpendWindows.limit(word, SpendWindows.DAY_CAP_SHIFT)),
            uint96(SpendWindows.limit(word, SpendWindows.WEEK_CAP_SHIFT)),
            uint96(SpendWindows.limit(word, SpendWindows.MONTH_CAP_SHIFT))
        );
        enabled = SpendWindows.enabled(word);
    }

    /// @inheritdoc ILeashLens
    function spent(
        address wallet,
        address agent,
        address asset
    ) external view returns (uint256 daily, uint256 weekly, uint256 monthly) {
        uint256 spend = _load(wallet, _agentAssetSlot(agent, asset) + 1);
        return SpendWindows.spentNow(spend, _today(wallet));
    }

    /// @inheritdoc ILeashLens
    function walletCaps(
        address wallet,
        address asset
    )
        external
        view
        returns (bool enabled, uint256[3] memory caps, uint256[3] memory spentInWindows)
    {
        uint256[] memory w = _loadMany(wallet, _range(_map(_key(asset), POLICY_WALLET_ASSETS), 2));
        enabled = SpendWindows.enabled(w[0]);
        caps = [
            SpendWindows.limit(w[0], SpendWindows.DAY_CAP_SHIFT),
            SpendWindows.limit(w[0], SpendWindows.WEEK_CAP_SHIFT),
            SpendWindows.limit(w[0], SpendWindows.MONTH_CAP_SHIFT)
        ];
        (uint256 d, uint256 wk, uint256 m) = SpendWindows.spentNow(w[1], _today(wallet));
        spentInWindows = [d, wk, m];
    }

    /// @inheritdoc ILeashLens
    function isRecipientAllowed(
        address wallet,
        address agent,
        address recipient
    ) external view returns (bool) {
        return _flag(_load(wallet, _map(_key(recipient), _map(_key(agent), POLICY_RECIPIENTS))));
    }

    /// @inheritdoc ILeashLens
    function getCallPermission(
        address wallet,
        address agent,
        address target,
        bytes4 selector
    ) external view returns (CallPermission memory) {
        uint256 slot = _map(
            bytes32(selector),
            _map(_key(target), _map(_key(agent), POLICY_PERMISSIONS))
        );
        uint256 p = _load(wallet, slot);
        return
            CallPermission(
                _flag(p),
                uint96(p >> PERMISSION_MAX_VALUE_SHIFT),
                uint48(p >> PERMISSION_EXPIRES_AT_SHIFT)
            );
    }

    /// @inheritdoc ILeashLens
    function utcOffset(address wallet) external view returns (int256) {
        return _utcOffsetIn(_load(wallet, HOT_STORAGE));
    }

    // ------------------------------------------------------------ signed actions

    /// @inheritdoc ILeashLens
    function hashGuardianAction(
        address wallet,
        bytes calldata data,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return
            _hashTypedData(
                wallet,
                abi.encode(
                    GUARDIAN_ACTION_TYPEHASH,
                    keccak256(data),
                    nonce,
                    deadline,
                    signatureEpoch(wallet)
                )
            );
    }

    /// @inheritdoc ILeashLens
    function hashProposalApproval(
        address wallet,
        uint256 id,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return
            _hashTypedData(
                wallet,
                abi.encode(APPROVE_PROPOSAL_TYPEHASH, id, nonce, deadline, signatureEpoch(wallet))
            );
    }

    // ------------------------------------------------------------ core

    /// @inheritdoc ILeashLens
    function getDeposit(address wallet) external view returns (uint256) {
        (bool ok, bytes memory result) = wallet.staticcall(abi.encodeWithSelector(ENTRY_POINT));
        if (!ok || result.length != 32) revert LensNotAWallet(wallet);
        uint256 word = abi.decode(result, (uint256));
        if (word >> 160 != 0 || word == 0) revert LensNotAWallet(wallet);
        return IEntryPoint(address(uint160(word))).balanceOf(wallet);
    }

    /// @inheritdoc ILeashLens
    function hashOwnerOperation(
        address wallet,
        bytes32 userOpHash
    ) external view returns (bytes32) {
        return
            _hashTypedData(
                wallet,
                abi.encode(OWNER_OPERATION_TYPEHASH, userOpHash, signatureEpoch(wallet))
            );
    }

    /// @inheritdoc ILeashLens
    function replaySafeHash(address wallet, bytes32 hash) external view returns (bytes32) {
        return
            _hashTypedData(
                wallet,
                abi.encode(LEASH_MESSAGE_TYPEHASH, hash, signatureEpoch(wallet))
            );
    }

    // ------------------------------------------------------------ a wallet's own views

    /// @notice A wallet's own view (`IWalletViews`), forwarded here by its module's fallback: answered for the
    /// caller, as the lens function of the same name with the caller as `wallet`. Anyone may call it; it reads
    /// the caller's storage, and a caller that isn't a wallet gets `LensNotAWallet`.
    /// @dev Not `view` only because a fallback can't be; it makes one STATICCALL to this lens and returns its
    /// answer (or its revert data) as is.
    // The wallets' views arrive here; it only reads (STATICCALL).
    // solhint-disable-next-line no-complex-fallback
    fallback(bytes calldata input) external returns (bytes memory) {
        bytes4 selector = input.length < 4 ? bytes4(0) : bytes4(input[:4]);
        bytes4 lensSelector = _lensSelectorOf(selector);
        if (lensSelector == bytes4(0)) revert IWalletViews.LensUnknownView(selector);
        bytes memory args = input[4:];
        if (
            args.length >= 32 &&
            (selector == IWalletViews.hashSignedCalls.selector ||
                selector == IWalletViews.hashGuardianAction.selector)
        ) {
            // The wallet word inserted before the arguments moves a dynamic first argument one word further.
            // (An offset this close to 2^256 is malformed anyway: the decoder of the call below refuses it.)
            uint256 offset = uint256(bytes32(input[4:36]));
            if (offset <= type(uint256).max - 32)
                args = bytes.concat(bytes32(offset + 32), input[36:]);
        }
        (bool ok, bytes memory result) = address(this).staticcall(
            bytes.concat(lensSelector, bytes32(uint256(uint160(msg.sender))), args)
        );
        if (!ok) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                // Safe: reverts with `result` as it is in memory.
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }

    /// @dev The lens function answering wallet view `selector`; zero for any other selector.
    function _lensSelectorOf(bytes4 selector) private pure returns (bytes4) {
        if (selector == IWalletViews.getOwners.selector) return ILeashLens.getOwners.selector;
        if (selector == IWalletViews.isOwner.selector) return ILeashLens.isOwner.selector;
        if (selector == IWalletViews.threshold.selector) return ILeashLens.threshold.selector;
        if (selector == IWalletViews.signatureEpoch.selector)
            return ILeashLens.signatureEpoch.selector;
        if (selector == IWalletViews.isGuardian.selector) return ILeashLens.isGuardian.selector;
        if (selector == IWalletViews.getGuardians.selector) return ILeashLens.getGuardians.selector;
        if (selector == IWalletViews.paused.selector) return ILeashLens.paused.selector;
        if (selector == IWalletViews.pausedAt.selector) return ILeashLens.pausedAt.selector;
        if (selector == IWalletViews.minPauseDuration.selector)
            return ILeashLens.minPauseDuration.selector;
        if (selector == IWalletViews.adminDelay.selector) return ILeashLens.adminDelay.selector;
        if (selector == IWalletViews.upgradeDelay.selector) return ILeashLens.upgradeDelay.selector;
        if (selector == IWalletViews.hashSignedCalls.selector)
            return ILeashLens.hashSignedCalls.selector;
        if (selector == IWalletViews.isNonceUsed.selector) return ILeashLens.isNonceUsed.selector;
        if (selector == IWalletViews.getProposal.selector) return ILeashLens.getProposal.selector;
        if (selector == IWalletViews.getProposalCalls.selector)
            return ILeashLens.getProposalCalls.selector;
        if (selector == IWalletViews.hasApproved.selector) return ILeashLens.hasApproved.selector;
        if (selector == IWalletViews.proposalCount.selector)
            return ILeashLens.proposalCount.selector;
        if (selector == IWalletViews.getAgent.selector) return ILeashLens.getAgent.selector;
        if (selector == IWalletViews.agentOfKey.selector) return ILeashLens.agentOfKey.selector;
        if (selector == IWalletViews.gasBudget.selector) return ILeashLens.gasBudget.selector;
        if (selector == IWalletViews.remaining.selector) return ILeashLens.remaining.selector;
        if (selector == IWalletViews.getAssetLimits.selector)
            return ILeashLens.getAssetLimits.selector;
        if (selector == IWalletViews.spent.selector) return ILeashLens.spent.selector;
        if (selector == IWalletViews.walletCaps.selector) return ILeashLens.walletCaps.selector;
        if (selector == IWalletViews.isRecipientAllowed.selector)
            return ILeashLens.isRecipientAllowed.selector;
        if (selector == IWalletViews.getCallPermission.selector)
            return ILeashLens.getCallPermission.selector;
        if (selector == IWalletViews.utcOffset.selector) return ILeashLens.utcOffset.selector;
        if (selector == IWalletViews.maxLoss.selector) return ILeashLens.maxLoss.selector;
        if (selector == IWalletViews.hashGuardianAction.selector)
            return ILeashLens.hashGuardianAction.selector;
        if (selector == IWalletViews.hashProposalApproval.selector)
            return ILeashLens.hashProposalApproval.selector;
        if (selector == IWalletViews.getDeposit.selector) return ILeashLens.getDeposit.selector;
        if (selector == IWalletViews.hashOwnerOperation.selector)
            return ILeashLens.hashOwnerOperation.selector;
        return bytes4(0);
    }

    // ------------------------------------------------------------ internals

    /// @dev One word of `wallet`'s storage through `extsload(bytes32)`; reverts `LensNotAWallet` unless it
    /// answered with exactly one word.
    function _load(address wallet, uint256 slot) private view returns (uint256 word) {
        bool ok;
        uint256 size;
        bytes4 selector = EXTSLOAD_ONE;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: uses the scratch space (0x00-0x3f) only, for the 36-byte calldata and the 32-byte answer.
            mstore(0, selector)
            mstore(4, slot)
            ok := staticcall(gas(), wallet, 0, 0x24, 0, 0x20)
            size := returndatasize()
            word := mload(0)
        }
        if (!ok || size != 32) revert LensNotAWallet(wallet);
    }

    /// @dev The words of `slots` through `extsload(bytes32[])`; reverts `LensNotAWallet` unless the answer is the
    /// ABI encoding of as many words.
    function _loadMany(
        address wallet,
        uint256[] memory slots
    ) private view returns (uint256[] memory words) {
        (bool ok, bytes memory result) = wallet.staticcall(
            abi.encodeWithSelector(EXTSLOAD_MANY, slots)
        );
        if (!ok || result.length != 64 + 32 * slots.length) revert LensNotAWallet(wallet);
        (uint256 offset, uint256 length) = abi.decode(result, (uint256, uint256));
        if (offset != 32 || length != slots.length) revert LensNotAWallet(wallet);
        words = abi.decode(result, (uint256[]));
    }

    /// @dev `count` consecutive slots from `first`.
    function _range(uint256 first, uint256 count) private pure returns (uint256[] memory slots) {
        slots = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) slots[i] = first + i;
    }

    /// @dev The slot of `mapping[key]` for a mapping at `slot` (Solidity's layout: keccak256(key . slot)).
    function _map(bytes32 key, uint256 slot) private pure returns (uint256 s) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: hashes 64 bytes written in the scratch space (0x00-0x3f).
            mstore(0, key)
            mstore(0x20, slot)
            s := keccak256(0, 0x40)
        }
    }

    function _key(address account) private pure returns (bytes32) {
        return bytes32(uint256(uint160(account)));
    }

    /// @dev A storage `bool` (its low byte), as the wallet reads it.
    function _flag(uint256 word) private pure returns (bool) {
        return word & 0xff != 0;
    }

    /// @dev The `address[]` at `slot` (the owners or the guardians: at most 16).
    function _addressArray(
        address wallet,
        uint256 slot
    ) private view returns (address[] memory out) {
        uint256 length = _load(wallet, slot);
        uint256[] memory words = _loadMany(
            wallet,
            _range(uint256(keccak256(abi.encode(slot))), length)
        );
        out = new address[](length);
        for (uint256 i = 0; i < length; ++i) out[i] = address(uint160(words[i]));
    }

    /// @dev Proposal `id`'s first slot; reverts `ProposalNotFound(id)` as the wallet does for an id never created.
    function _proposalSlot(address wallet, uint256 id) private view returns (uint256 base) {
        base = _map(bytes32(id), PROPOSALS_BY_ID);
        if (uint8(_load(wallet, base) >> PROPOSAL_STATE_SHIFT) == 0)
            revert IProposalManager.ProposalNotFound(id);
    }

    /// @dev The `bytes` stored at `slot`, whose slot word is `head`: up to 31 bytes inline (left-aligned, length
    /// * 2 in the low byte), else `length * 2 + 1` in the slot and the content from keccak256(slot).
    function _bytesAt(
        address wallet,
        uint256 slot,
        uint256 head
    ) private view returns (bytes memory data) {
        if (head & 1 == 0) {
            uint256 shortLength = (head & 0xff) / 2;
            data = new bytes(shortLength);
            if (shortLength != 0) {
                // solhint-disable-next-line no-inline-assembly
                assembly ("memory-safe") {
                    // Safe: one word into `data`'s content, allocated as one whole word (1 to 31 bytes);
                    // the bytes past `shortLength` are zero in a short `bytes` slot.
                    mstore(add(data, 0x20), and(head, not(0xff)))
                }
            }
            return data;
        }
        uint256 length = (head - 1) / 2;
        uint256[] memory words = _loadMany(
            wallet,
            _range(uint256(keccak256(abi.encode(slot))), (length + 31) / 32)
        );
        data = new bytes(length);
        for (uint256 i = 0; i < words.length; ++i) {
            uint256 word = words[i];
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                // Safe: writes word i of the content; the last may spill past `length` into the allocation's
                // padding (new bytes(length) rounds the allocation up to whole words).
                mstore(add(add(data, 0x20), shl(5, i)), word)
            }
        }
    }

    /// @dev Session status of the agent's current key (None for an unknown agent).
    function _status(address wallet, address agent) private view returns (AgentStatus) {
        address key = address(uint160(_load(wallet, _map(_key(agent), AGENTS_CURRENT_KEY))));
        return
            AgentStatus(
                uint8(_load(wallet, _map(_key(key), AGENT_STORAGE)) >> SESSION_STATUS_SHIFT)
            );
    }

    function _agentAssetSlot(address agent, address asset) private pure returns (uint256) {
        return _map(_key(asset), _map(_key(agent), POLICY_STORAGE));
    }

    function _utcOffsetIn(uint256 hot) private pure returns (int256) {
        return int32(uint32(hot >> HOT_UTC_OFFSET_SHIFT));
    }

    /// @dev The wallet's current local day, from hot word `hot` (as `PolicyEngine._windowIndexes`).
    function _todayIn(uint256 hot) private view returns (WindowIndexes memory) {
        return
            WindowIndexes(
                uint32(Calendar.dayIndex(Calendar.localTime(block.timestamp, _utcOffsetIn(hot))))
            );
    }

    function _today(address wallet) private view returns (WindowIndexes memory) {
        return _todayIn(_load(wallet, HOT_STORAGE));
    }

    /// @dev EIP-712 digest of `structData` in the wallet's domain (name and version of WalletConstants, this
    /// chain, the wallet as verifying contract), as OpenZeppelin's `EIP712._hashTypedDataV4` computes it there.
    function _hashTypedData(
        address wallet,
        bytes memory structData
    ) private view returns (bytes32) {
        bytes32 domainSeparator = keccak256(
            abi.encode(
                DOMAIN_TYPEHASH,
                keccak256(bytes(EIP712_NAME)),
                keccak256(bytes(EIP712_VERSION)),
                block.chainid,
                wallet
            )
        );
        return MessageHashUtils.toTypedDataHash(domainSeparator, keccak256(structData));
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
