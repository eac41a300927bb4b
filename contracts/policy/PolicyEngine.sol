// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAgentManager} from "../interfaces/IAgentManager.sol";
import {AgentStatus, AssetLimits, Call, CallPermission} from "../interfaces/LeashTypes.sol";
import {IPolicyEngine} from "../interfaces/IPolicyEngine.sol";
import {AgentManager} from "../wallet/AgentManager.sol";
import {Calendar} from "./Calendar.sol";
import {CallDecoder} from "./CallDecoder.sol";
import {DecimalAmount} from "./DecimalAmount.sol";
import {SpendLimits, SpendWindows, WindowIndexes, WindowSpend} from "./SpendWindows.sol";
import {
    GAS_SPENT_SHIFT,
    POLICY_STORAGE,
    RULES_DAYS_SHIFT,
    RULES_HOURS_SHIFT,
    RULES_MIN_GAP_SHIFT,
    RULES_OPS_PER_DAY_SHIFT,
    RULES_OPS_PER_HOUR_SHIFT,
    VELOCITY_DAY_INDEX_SHIFT,
    VELOCITY_HOUR_INDEX_SHIFT,
    VELOCITY_OPS_THIS_HOUR_SHIFT,
    VELOCITY_OPS_TODAY_SHIFT
} from "../wallet/StorageLayout.sol";
import {UNLIMITED_GAS} from "../wallet/WalletConstants.sol";

/// @title The agents' spending policy: per-asset caps in calendar windows, wallet-wide caps, velocity,
/// time windows, allowlists and escalation of large payments to the owners.
/// @notice Deny by default: a call is allowed only as a native transfer to an allowlisted recipient, an
/// ERC-20 movement (transfer, transferFrom from the wallet, approve, increaseAllowance) of an asset the agent
/// has limits for, to an allowlisted recipient, or a call with an explicit (target, selector) permission.
abstract contract PolicyEngine is AgentManager {
    /// @notice One agent's limits and spend for one asset: 2 slots. A payment reads the first (per-tx cap,
    /// approval threshold, window caps and `enabled`) and reads and writes the second (the spend of all three
    /// windows).
    struct AgentAsset {
        SpendLimits limits;
        WindowSpend spend;
    }

    /// @notice All agents' spend of one asset against the wallet-wide caps (`caps.enabled`: any cap set; its
    /// per-tx and approval fields stay zero).
    struct WalletAsset {
        SpendLimits caps;
        WindowSpend spend;
    }

    /// @notice An agent's operation count and gas budget, one slot (40 + 32 + 16 + 32 + 16 + 120 = 256 bits).
    /// `gasSpent` is the wei of gas charged since the budget last refilled: validation adds each op's maximum
    /// cost; the first executed op of a new local day (`dayIndex` changes), or `startAgentDay`, zeroes it.
    struct Velocity {
        uint40 lastOpAt;
        uint32 hourIndex;
        uint16 opsThisHour;
        uint32 dayIndex;
        uint16 opsToday;
        uint120 gasSpent;
    }

    /// @notice What one call of an agent moves: `amount` of `asset` (address(0) = native) to `recipient`.
    struct Spend {
        address asset;
        uint256 amount;
        address recipient;
    }

    /// @custom:storage-location erc7201:leash.storage.Policy
    struct PolicyStorage {
        mapping(address agent => mapping(address asset => AgentAsset)) agentAssets;
        mapping(address asset => WalletAsset) walletAssets;
        mapping(address agent => mapping(address recipient => bool)) recipients;
        mapping(address agent => mapping(address target => mapping(bytes4 selector => CallPermission))) permissions;
        mapping(address agent => Velocity) velocity;
        mapping(address agent => uint256 proposalId) pendingEscalation;
    }

    function _policyStorage() internal pure returns (PolicyStorage storage $) {
        uint256 base = POLICY_STORAGE; // ERC-7201 base, named once in StorageLayout.sol
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: points a storage pointer at a constant ERC-7201 slot; no memory is touched.
            $.slot := base
        }
    }

    // ---------------------------------------------------------------- configuration (self-calls)

    // ---------------------------------------------------------------- views

    // ---------------------------------------------------------------- enforcement

    /// @notice Counts one operation of `agent` against its time windows and velocity limits, with the wallet's
    /// hot slot `hot` (see `_hotWord`) the caller read. Returns this op's spend-window indexes, from the same
    /// local time (one offset read and date computation per op).
    /// @dev Reads the rules and velocity slots as words (offsets `RULES_*_SHIFT`, `VELOCITY_*_SHIFT`, bound by
    /// `test/policy/StorageOffsets.t.sol`) rather than unpacking them into memory.
    function _chargeOperation(address agent, uint256 hot) internal returns (WindowIndexes memory) {
        uint256 rules = _rulesWord(agent);
        uint256 local = Calendar.localTime(block.timestamp, _utcOffsetIn(hot));
        uint256 day = Calendar.dayIndex(local);
        _checkTimeMasks(agent, rules, local, day);

        Velocity storage slot = _policyStorage().velocity[agent];
        uint256 v;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: reads one storage slot; writes nothing.
            v := sload(slot.slot)
        }
        _checkGap(agent, rules, v);
        uint256 hourIndex = local / 1 hours;
        uint256 opsThisHour =
            uint32(v >> VELOCITY_HOUR_INDEX_SHIFT) == hourIndex
                ? uint16(v >> VELOCITY_OPS_THIS_HOUR_SHIFT)
                : 0;
        uint256 maxOps = uint16(rules >> RULES_OPS_PER_HOUR_SHIFT);
        if (maxOps != 0 && opsThisHour >= maxOps) {
            revert IPolicyEngine.PolicyHourlyOpsExceeded(agent, opsThisHour, maxOps);
        }
        bool sameDay = uint32(v >> VELOCITY_DAY_INDEX_SHIFT) == day;
        uint256 opsToday = sameDay ? uint16(v >> VELOCITY_OPS_TODAY_SHIFT) : 0;
        maxOps = uint16(rules >> RULES_OPS_PER_DAY_SHIFT);
        if (maxOps != 0 && opsToday >= maxOps) {
            revert IPolicyEngine.PolicyDailyOpsExceeded(agent, opsToday, maxOps);
        }
        // Counts saturate: with no maximum configured they only need to stay correct up to any max set later.
        // The first executed op of a new local day refills the gas budget (`gasSpent` left zero); later ones
        // keep what validation charged.
        uint256 packed;
        unchecked {
            // Both counts are at most 2^16 - 1 (read from 16-bit fields): `+ 1` can't overflow.
            packed =
                uint256(uint40(block.timestamp)) |
                (uint256(uint32(hourIndex)) << VELOCITY_HOUR_INDEX_SHIFT) |
                (_min(opsThisHour + 1, type(uint16).max) << VELOCITY_OPS_THIS_HOUR_SHIFT) |
                (uint256(uint32(day)) << VELOCITY_DAY_INDEX_SHIFT) |
                (_min(opsToday + 1, type(uint16).max) << VELOCITY_OPS_TODAY_SHIFT);
        }
        if (sameDay) packed |= (v >> GAS_SPENT_SHIFT) << GAS_SPENT_SHIFT;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: one write of the whole `Velocity` slot, fields packed at the offsets Solidity lays them out
            // (bound by StorageOffsets.t.sol); the legacy optimizer would otherwise read-modify-write the slot once
            // per field.
            sstore(slot.slot, packed)
        }
        return _indexesOfDay(day);
    }

    /// @dev Reverts unless the agent's last op (velocity word `v`) is at least the minimum gap of its rules word
    /// `rules` ago.
    function _checkGap(address agent, uint256 rules, uint256 v) private view {
        uint256 lastOpAt = uint40(v);
        uint256 minGap = uint32(rules >> RULES_MIN_GAP_SHIFT);
        uint256 earliest;
        unchecked {
            earliest = lastOpAt + minGap; // < 2^40 + 2^32: can't overflow
        }
        if (lastOpAt != 0 && block.timestamp < earliest) {
            revert IPolicyEngine.PolicyTooSoon(agent, lastOpAt, minGap);
        }
    }

    /// @dev Reverts unless local time `local` (day index `day`) is inside the hour and weekday masks of the
    /// agent's rules word `rules`.
    function _checkTimeMasks(
        address agent,
        uint256 rules,
        uint256 local,
        uint256 day
    ) private pure {
        uint256 hour = Calendar.hourOfDay(local);
        uint256 weekday = Calendar.dayOfWeek(day);
        // hour < 24 and weekday < 7: the bit tested lies inside the 24-bit and 8-bit masks, and the shifts
        // can't overflow.
        unchecked {
            if ((rules >> (RULES_HOURS_SHIFT + hour)) & 1 == 0)
                revert IPolicyEngine.PolicyOutsideAllowedHours(agent, hour);
            if ((rules >> (RULES_DAYS_SHIFT + weekday)) & 1 == 0)
                revert IPolicyEngine.PolicyOutsideAllowedDays(agent, weekday);
        }
    }

    /// @notice Called in validation, once the agent's signature is good: charges the op's maximum gas cost
    /// `cost` to the agent's budget, or returns false when `gasSpent + cost` would pass `gasPerDay`. Writes only
    /// this account's storage and reads no clock (ERC-7562): the refill happens in execution.
    /// @dev The slot is the one `_chargeOperation` rewrites in execution, so validation pays its cold access
    /// and execution finds it warm.
    function _chargeGas(address agent, uint256 cost, uint256 gasPerDay) internal returns (bool) {
        if (gasPerDay == UNLIMITED_GAS) return true;
        Velocity storage v = _policyStorage().velocity[agent];
        uint256 word;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: reads this agent's `Velocity` slot; writes nothing.
            word := sload(v.slot)
        }
        // The caller checked `cost <= maxOpCost` (< 2^96) and `gasSpent` < 2^120: the sum can't overflow.
        uint256 spent;
        unchecked {
            spent = (word >> GAS_SPENT_SHIFT) + cost;
        }
        if (spent > gasPerDay) return false;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: rewrites `gasSpent` (the top 120 bits) keeping the low 136; `spent` <= gasPerDay < 2^64.
            sstore(
                v.slot,
                or(and(word, sub(shl(GAS_SPENT_SHIFT, 1), 1)), shl(GAS_SPENT_SHIFT, spent))
            )
        }
        return true;
    }

    /// @notice Starts a new local day for `agent` if one has begun since its last executed op: zeroes its daily
    /// op count and gas budget spend, as that day's first executed op would. Returns whether it did, and the day.
    function _startAgentDay(address agent) internal returns (bool started, uint256 day) {
        Velocity storage v = _policyStorage().velocity[agent];
        day = Calendar.dayIndex(Calendar.localTime(block.timestamp, _hot().utcOffset));
        if (v.dayIndex == day) return (false, day);
        v.dayIndex = uint32(day);
        v.opsToday = 0;
        v.gasSpent = 0;
        return (true, day);
    }

    /// @notice What `call` moves, after checking that the agent may make it at all (target, selector,
    /// recipient, permission). Reverts with the rule that refuses it.
    function _classify(address agent, Call memory call) internal view returns (Spend memory) {
        PolicyStorage storage $ = _policyStorage();
        address target = call.target;
        if (target == address(this) || target == _entryPointAddress())
            revert IPolicyEngine.PolicyForbiddenTarget(agent, target);
        if (call.data.length == 0) {
            if (!$.recipients[agent][target])
                revert IPolicyEngine.PolicyRecipientNotAllowed(agent, target);
            return Spend(address(0), call.value, target);
        }
        (bytes4 selector, bool hasSelector) = CallDecoder.selectorOf(call.data);
        if (!hasSelector) revert IPolicyEngine.PolicyMalformedCall(agent, target);
        // Token movements are decoded before any permission is looked at, and only counted as movements of an
        // asset the agent has limits for: removing an asset's limits denies its transfers, never uncaps them.
        // No permission can carry a token-moving selector (`setCallPermission` refuses them); ERC-721's
        // `transferFrom` shares ERC-20's selector, so agents can't move NFTs at all.
        if (CallDecoder.isMovementSelector(selector)) {
            if (!_assetEnabled(agent, target))
                revert IPolicyEngine.PolicyTokenMovementNotAllowed(agent, target, selector);
            (bool isMovement, address recipient, uint256 amount, address from) = CallDecoder
                .decodeMovement(selector, call.data);
            // A movement selector that didn't decode (trailing bytes, dirty address words) is refused outright.
            if (!isMovement) revert IPolicyEngine.PolicyMalformedCall(agent, target);
            if (call.value != 0)
                revert IPolicyEngine.PolicyTokenCallWithValue(agent, target, call.value);
            if (selector == CallDecoder.TRANSFER_FROM && from != address(this)) {
                revert IPolicyEngine.PolicyTransferFromNotWallet(agent, target, from);
            }
            if (!$.recipients[agent][recipient])
                revert IPolicyEngine.PolicyRecipientNotAllowed(agent, recipient);
            return Spend(target, amount, recipient);
        }
        // The token-moving selectors the policy can't count are refused outright.
        if (CallDecoder.isTokenMovingSelector(selector))
            revert IPolicyEngine.PolicyTokenMovementNotAllowed(agent, target, selector);
        _checkPermission(agent, target, selector, call.value);
        return Spend(address(0), call.value, target);
    }

    /// @dev Reverts unless the agent holds an unexpired (target, selector) permission allowing `value`.
    function _checkPermission(
        address agent,
        address target,
        bytes4 selector,
        uint256 value
    ) private view {
        CallPermission memory permission = _policyStorage().permissions[agent][target][selector];
        if (!permission.allowed) revert IPolicyEngine.PolicyCallNotAllowed(agent, target, selector);
        if (permission.expiresAt != 0 && block.timestamp > permission.expiresAt) {
            revert IPolicyEngine.PolicyCallPermissionExpired(
                agent,
                target,
                selector,
                permission.expiresAt
            );
        }
        if (value > permission.maxValue)
            revert IPolicyEngine.PolicyCallValueTooHigh(agent, target, value, permission.maxValue);
    }

    /// @notice Whether the agent has limits for `asset` (its movements may be counted at all).
    function _assetEnabled(address agent, address asset) internal view returns (bool) {
        return _policyStorage().agentAssets[agent][asset].limits.enabled;
    }

    /// @notice Whether `spend` is above the agent's approval threshold for its asset.
    function _needsApproval(address agent, Spend memory spend) internal view returns (bool) {
        if (spend.amount == 0) return false;
        uint256 approvalAbove = SpendWindows.limit(
            SpendWindows.limitsWord(_policyStorage().agentAssets[agent][spend.asset].limits),
            SpendWindows.APPROVAL_ABOVE_SHIFT
        );
        return approvalAbove != 0 && spend.amount > approvalAbove;
    }

    /// @notice The check-and-count of a one-call agent batch, in the order `_needsApproval` then `_checkSpend`
    /// apply it: returns true, counting nothing, when `spend` is above the agent's approval threshold (the batch
    /// escalates); else checks it against the per-tx cap and every window (agent and wallet-wide, as hot word
    /// `hot` says) and counts it. One lookup of the agent's asset entry serves all of it.
    function _chargeUnlessApprovalNeeded(
        address agent,
        Spend memory spend,
        WindowIndexes memory idx,
        uint256 hot
    ) internal returns (bool needsApproval) {
        uint256 amount = spend.amount;
        if (amount == 0) return false;
        AgentAsset storage a = _policyStorage().agentAssets[agent][spend.asset];
        uint256 limits = SpendWindows.limitsWord(a.limits);
        uint256 approvalAbove = SpendWindows.limit(limits, SpendWindows.APPROVAL_ABOVE_SHIFT);
        if (approvalAbove != 0 && amount > approvalAbove) return true;
        if (!SpendWindows.enabled(limits))
            revert IPolicyEngine.PolicyAssetNotAllowed(agent, spend.asset);
        uint256 perTx = SpendWindows.limit(limits, SpendWindows.PER_TX_SHIFT);
        if (perTx != 0 && amount > perTx) {
            revert IPolicyEngine.PolicyPerTxLimitExceeded(agent, spend.asset, amount, perTx);
        }
        _checkWindowsOf(a, limits, agent, spend, idx, true, _anyWalletCapsIn(hot));
        return false;
    }

    function _windowIndexes() internal view returns (WindowIndexes memory) {
        return
            _indexesOfDay(Calendar.dayIndex(Calendar.localTime(block.timestamp, _hot().utcOffset)));
    }

    function _indexesOfDay(uint256 day) internal pure returns (WindowIndexes memory) {
        return WindowIndexes(uint32(day));
    }

    /// @notice Reverts if the agent already has an escalation waiting; else records `proposalId` as it.
    function _recordEscalation(address agent, uint256 proposalId) internal {
        PolicyStorage storage $ = _policyStorage();
        uint256 pending = $.pendingEscalation[agent];
        if (pending != 0 && _isProposalOpen(pending))
            revert IPolicyEngine.PolicyEscalationPending(agent, pending);
        $.pendingEscalation[agent] = proposalId;
    }

    function _setUtcOffset(int32 offsetSeconds) internal {
        if (offsetSeconds > Calendar.MAX_OFFSET || offsetSeconds < -Calendar.MAX_OFFSET) {
            revert IPolicyEngine.PolicyInvalidUtcOffset(offsetSeconds);
        }
        HotState storage $ = _hot();
        int256 old = $.utcOffset;
        $.utcOffset = offsetSeconds;
        emit IPolicyEngine.UtcOffsetChanged(old, offsetSeconds);
    }

    /// @notice The EntryPoint: agents may never call it (its deposit is the wallet's gas money).
    function _entryPointAddress() internal view virtual returns (address);

    /// @notice Whether proposal `id` can still be approved or executed.
    function _isProposalOpen(uint256 id) internal view virtual returns (bool);

    // ---------------------------------------------------------------- internals

    /// @notice Checks `spend` against every cap (agent and wallet-wide) and, when `record`, counts it.
    /// Escalations check without counting: the count happens once, when the owners execute them.
    function _checkSpend(
        address agent,
        Spend memory spend,
        WindowIndexes memory idx,
        bool record
    ) internal {
        if (spend.amount == 0) return;
        (AgentAsset storage a, uint256 limits) = _checkAssetAndPerTx(agent, spend);
        _checkWindowsOf(a, limits, agent, spend, idx, record, _hot().walletCapAssets != 0);
    }

    /// @notice Checks `spend` against the agent's and the wallet-wide window caps (not the per-tx cap) and, when
    /// `record`, counts it. The asset must be enabled for the agent (checked by the caller).
    function _checkWindows(
        address agent,
        Spend memory spend,
        WindowIndexes memory idx,
        bool record
    ) internal {
        AgentAsset storage a = _policyStorage().agentAssets[agent][spend.asset];
        _checkWindowsOf(
            a,
            SpendWindows.limitsWord(a.limits),
            agent,
            spend,
            idx,
            record,
            _hot().walletCapAssets != 0
        );
    }

    /// @dev `_checkWindows` on the agent's asset entry `a` and its limits word `limits` the caller already read:
    /// one read and (when `record`) one write of the agent's spend slot, and the same of the wallet-wide one
    /// when `anyWalletCaps` (the hot slot's count of assets with wallet-wide caps is not zero).
    function _checkWindowsOf(
        AgentAsset storage a,
        uint256 limits,
        address agent,
        Spend memory spend,
        WindowIndexes memory idx,
        bool record,
        bool anyWalletCaps
    ) private {
        (uint256 refused, uint256 before, uint256 cap, uint256 next) = SpendWindows.charge(
            limits,
            SpendWindows.spendWord(a.spend),
            idx,
            spend.amount
        );
        if (refused != SpendWindows.NONE) _revertAgentWindow(agent, spend, refused, before, cap);
        if (record) SpendWindows.storeSpend(a.spend, next);
        // Most wallets set no wallet-wide caps: the hot slot (already read) says so without another lookup.
        if (!anyWalletCaps) return;
        WalletAsset storage w = _policyStorage().walletAssets[spend.asset];
        uint256 walletCaps = SpendWindows.limitsWord(w.caps);
        if (!SpendWindows.enabled(walletCaps)) return;
        (refused, before, cap, next) = SpendWindows.charge(
            walletCaps,
            SpendWindows.spendWord(w.spend),
            idx,
            spend.amount
        );
        if (refused != SpendWindows.NONE) _revertWalletWindow(spend, refused, before, cap);
        if (record) SpendWindows.storeSpend(w.spend, next);
    }

    /// @notice Reverts unless the agent has limits for the spend's asset and the amount is within its per-tx
    /// cap. Returns the asset entry and its limits word (read once here for the window checks).
    function _checkAssetAndPerTx(
        address agent,
        Spend memory spend
    ) internal view returns (AgentAsset storage a, uint256 limits) {
        a = _policyStorage().agentAssets[agent][spend.asset];
        limits = SpendWindows.limitsWord(a.limits);
        if (!SpendWindows.enabled(limits))
            revert IPolicyEngine.PolicyAssetNotAllowed(agent, spend.asset);
        uint256 perTx = SpendWindows.limit(limits, SpendWindows.PER_TX_SHIFT);
        if (perTx != 0 && spend.amount > perTx) {
            revert IPolicyEngine.PolicyPerTxLimitExceeded(agent, spend.asset, spend.amount, perTx);
        }
    }

    function _revertAgentWindow(
        address agent,
        Spend memory spend,
        uint256 refused,
        uint256 before,
        uint256 cap
    ) internal pure {
        if (refused == SpendWindows.DAY)
            revert IPolicyEngine.PolicyDailyLimitExceeded(
                agent,
                spend.asset,
                before,
                spend.amount,
                cap
            );
        if (refused == SpendWindows.WEEK) {
            revert IPolicyEngine.PolicyWeeklyLimitExceeded(
                agent,
                spend.asset,
                before,
                spend.amount,
                cap
            );
        }
        revert IPolicyEngine.PolicyMonthlyLimitExceeded(
            agent,
            spend.asset,
            before,
            spend.amount,
            cap
        );
    }

    function _revertWalletWindow(
        Spend memory spend,
        uint256 refused,
        uint256 before,
        uint256 cap
    ) internal pure {
        if (refused == SpendWindows.DAY)
            revert IPolicyEngine.PolicyWalletDailyCapExceeded(
                spend.asset,
                before,
                spend.amount,
                cap
            );
        if (refused == SpendWindows.WEEK)
            revert IPolicyEngine.PolicyWalletWeeklyCapExceeded(
                spend.asset,
                before,
                spend.amount,
                cap
            );
        revert IPolicyEngine.PolicyWalletMonthlyCapExceeded(spend.asset, before, spend.amount, cap);
    }

    /// @dev `a` is `agent`'s entry for `asset` and `old` its limits as the caller decoded them (for the event).
    function _writeAssetLimits(
        AgentAsset storage a,
        address agent,
        address asset,
        AssetLimits memory old,
        AssetLimits memory limits,
        bool enabled
    ) internal {
        _requireCapsFit(limits.daily, limits.weekly, limits.monthly);
        // Only the limits change: what was spent in the current windows stays counted.
        a.limits = SpendLimits(
            _pack(limits.perTx),
            _pack(limits.approvalAbove),
            _pack(limits.daily),
            _pack(limits.weekly),
            _pack(limits.monthly),
            enabled
        );
        emit IPolicyEngine.AssetLimitsChanged(agent, asset, old, limits, enabled);
    }

    /// @dev `w` is the wallet-wide entry of `asset` and `was` its caps as the caller decoded them (for the event).
    function _writeWalletCaps(
        WalletAsset storage w,
        address asset,
        AssetLimits memory was,
        uint96 daily,
        uint96 weekly,
        uint96 monthly
    ) internal {
        _requireCapsFit(daily, weekly, monthly);
        uint256[3] memory old = [uint256(was.daily), was.weekly, was.monthly];
        bool enabled = daily != 0 || weekly != 0 || monthly != 0;
        if (enabled != w.caps.enabled) {
            // Bounded by the number of distinct assets owners configure; 2^16 is far beyond any real wallet.
            HotState storage hot = _hot();
            hot.walletCapAssets = enabled ? hot.walletCapAssets + 1 : hot.walletCapAssets - 1;
        }
        // Only the caps change: what was spent in the current windows stays counted.
        w.caps = SpendLimits(0, 0, _pack(daily), _pack(weekly), _pack(monthly), enabled);
        emit IPolicyEngine.WalletCapsChanged(
            asset,
            old,
            [uint256(daily), weekly, monthly],
            enabled
        );
    }

    /// @notice The amounts of limits slot `slot_`, decoded (a wallet-wide entry's per-tx and approval read zero).
    function _assetLimitsIn(SpendLimits storage slot_) internal view returns (AssetLimits memory) {
        uint256 word = SpendWindows.limitsWord(slot_);
        return
            AssetLimits(
                uint96(SpendWindows.limit(word, SpendWindows.PER_TX_SHIFT)),
                uint96(SpendWindows.limit(word, SpendWindows.APPROVAL_ABOVE_SHIFT)),
                uint96(SpendWindows.limit(word, SpendWindows.DAY_CAP_SHIFT)),
                uint96(SpendWindows.limit(word, SpendWindows.WEEK_CAP_SHIFT)),
                uint96(SpendWindows.limit(word, SpendWindows.MONTH_CAP_SHIFT))
            );
    }

    /// @dev One limit, exactly (`PolicyLimitTooPrecise` otherwise).
    function _pack(uint256 amount) private pure returns (uint48) {
        return uint48(DecimalAmount.encode(amount));
    }

    /// @dev Window caps fit the 80-bit counters (`SpendWindows.MAX_AMOUNT`).
    function _requireCapsFit(uint256 daily, uint256 weekly, uint256 monthly) private pure {
        uint256 max = SpendWindows.MAX_AMOUNT;
        if (daily > max) revert IPolicyEngine.PolicyCapTooLarge(daily, max);
        if (weekly > max) revert IPolicyEngine.PolicyCapTooLarge(weekly, max);
        if (monthly > max) revert IPolicyEngine.PolicyCapTooLarge(monthly, max);
    }

    function _writePermission(
        address agent,
        address target,
        bytes4 selector,
        CallPermission memory next
    ) internal {
        CallPermission storage p = _policyStorage().permissions[agent][target][selector];
        CallPermission memory old = p;
        p.allowed = next.allowed;
        p.maxValue = next.maxValue;
        p.expiresAt = next.expiresAt;
        emit IPolicyEngine.CallPermissionChanged(agent, target, selector, old, next);
    }

    /// @notice What is spent now in the day, week and month windows of spend slot `s`.
    function _spentIn(WindowSpend storage s) internal view returns (uint256, uint256, uint256) {
        return SpendWindows.spentNow(SpendWindows.spendWord(s), _windowIndexes());
    }

    /// @notice What is left now in the day, week and month windows of limits `c` and spend `s`
    /// (type(uint256).max for an uncapped window).
    function _leftIn(
        SpendLimits storage c,
        WindowSpend storage s
    ) internal view returns (uint256, uint256, uint256) {
        return
            SpendWindows.leftNow(
                SpendWindows.limitsWord(c),
                SpendWindows.spendWord(s),
                _windowIndexes()
            );
    }

    function _requireKnownAgent(address agent) internal view {
        AgentStatus status = _agentStatus(agent);
        if (status == AgentStatus.None) revert IAgentManager.AgentNotFound(agent);
        if (status == AgentStatus.Revoked) revert IAgentManager.AgentInvalidStatus(agent, status);
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }
}
