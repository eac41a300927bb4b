// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AssetLimits, CallPermission} from "./LeashTypes.sol";

/// @title The agents' spending policy, enforced on every call an agent makes.
/// @notice Windows are calendar windows in the wallet's UTC offset: the day, the ISO week (from Monday
/// 00:00) and the calendar month. Native currency is `asset == address(0)`.
interface IPolicyEngine {
    /// @notice An agent's limits for `asset` changed (all zero in `newLimits` with `enabled` false = removed).
    event AssetLimitsChanged(
        address indexed agent,
        address indexed asset,
        AssetLimits oldLimits,
        AssetLimits newLimits,
        bool enabled
    );
    /// @notice The wallet-wide caps for `asset` (across all agents) changed.
    event WalletCapsChanged(
        address indexed asset,
        uint256[3] oldCaps, // daily, weekly, monthly
        uint256[3] newCaps,
        bool enabled
    );
    /// @notice `recipient` may receive value and tokens from `agent`.
    event RecipientAllowed(address indexed agent, address indexed recipient);
    /// @notice `recipient` may no longer receive from `agent`.
    event RecipientRemoved(address indexed agent, address indexed recipient);
    /// @notice `agent` may call `selector` on `target` (old and new permission).
    event CallPermissionChanged(
        address indexed agent,
        address indexed target,
        bytes4 indexed selector,
        CallPermission oldPermission,
        CallPermission newPermission
    );
    /// @notice The wallet's UTC offset (seconds east of UTC) for calendar windows changed.
    event UtcOffsetChanged(int256 oldOffset, int256 newOffset);

    /// @notice The agent's call executed: `amount` of `asset` counted toward its limits (zero if none moved).
    event AgentCallExecuted(
        address indexed agent,
        address indexed target,
        address indexed asset,
        uint256 amount
    );
    /// @notice A payment above the agent's `approvalAbove` became proposal `proposalId` for the owners.
    event ApprovalRequested(
        uint256 indexed proposalId,
        address indexed agent,
        address indexed asset,
        uint256 amount,
        address recipient
    );
    /// @dev `agent` has no limits for `asset`: deny by default.
    error PolicyAssetNotAllowed(address agent, address asset);
    /// @dev `amount` is above the agent's per-transaction cap.
    error PolicyPerTxLimitExceeded(address agent, address asset, uint256 amount, uint256 cap);
    /// @dev `spent` today plus `amount` is above the agent's daily cap.
    error PolicyDailyLimitExceeded(
        address agent,
        address asset,
        uint256 spent,
        uint256 amount,
        uint256 cap
    );
    /// @dev `spent` this ISO week plus `amount` is above the agent's weekly cap.
    error PolicyWeeklyLimitExceeded(
        address agent,
        address asset,
        uint256 spent,
        uint256 amount,
        uint256 cap
    );
    /// @dev `spent` this month plus `amount` is above the agent's monthly cap.
    error PolicyMonthlyLimitExceeded(
        address agent,
        address asset,
        uint256 spent,
        uint256 amount,
        uint256 cap
    );
    /// @dev All agents together would pass the wallet-wide daily cap.
    error PolicyWalletDailyCapExceeded(address asset, uint256 spent, uint256 amount, uint256 cap);
    /// @dev All agents together would pass the wallet-wide weekly cap.
    error PolicyWalletWeeklyCapExceeded(address asset, uint256 spent, uint256 amount, uint256 cap);
    /// @dev All agents together would pass the wallet-wide monthly cap.
    error PolicyWalletMonthlyCapExceeded(address asset, uint256 spent, uint256 amount, uint256 cap);
    /// @dev `recipient` is not on the agent's recipient allowlist.
    error PolicyRecipientNotAllowed(address agent, address recipient);
    /// @dev The agent has no permission to call `selector` on `target`.
    error PolicyCallNotAllowed(address agent, address target, bytes4 selector);
    /// @dev The agent's permission for `selector` on `target` expired at `expiresAt`.
    error PolicyCallPermissionExpired(
        address agent,
        address target,
        bytes4 selector,
        uint256 expiresAt
    );
    /// @dev The call sends `value`, above the permission's `maxValue`.
    error PolicyCallValueTooHigh(address agent, address target, uint256 value, uint256 maxValue);
    /// @dev Agents may never call `target` (the wallet itself or the EntryPoint).
    error PolicyForbiddenTarget(address agent, address target);
    /// @dev The calldata to `target` is too short to hold a selector or malformed for its selector.
    error PolicyMalformedCall(address agent, address target);
    /// @dev A token movement must not also send native value.
    error PolicyTokenCallWithValue(address agent, address token, uint256 value);
    /// @dev `transferFrom` moving tokens of someone other than the wallet.
    error PolicyTransferFromNotWallet(address agent, address token, address from);
    /// @dev The token returned false: nothing moved, so nothing is counted.
    error PolicyTokenCallFailed(address agent, address token);
    /// @dev The agent already made `ops` operations this hour, the maximum.
    error PolicyHourlyOpsExceeded(address agent, uint256 ops, uint256 max);
    /// @dev The agent already made `ops` operations today, the maximum.
    error PolicyDailyOpsExceeded(address agent, uint256 ops, uint256 max);
    /// @dev Operations must be `minSeconds` apart; the last was at `lastOpAt`.
    error PolicyTooSoon(address agent, uint256 lastOpAt, uint256 minSeconds);
    /// @dev Hour `hour` of the wallet's local day is outside the agent's allowed hours.
    error PolicyOutsideAllowedHours(address agent, uint256 hour);
    /// @dev Day `day` (0 = Monday) is outside the agent's allowed days.
    error PolicyOutsideAllowedDays(address agent, uint256 day);
    /// @dev The agent already has an escalated payment (`proposalId`) waiting for the owners.
    error PolicyEscalationPending(address agent, uint256 proposalId);
    /// @dev Limits that cap nothing (no per-tx and no window cap) are refused: deny by default.
    error PolicyUnboundedAsset(address agent, address asset);
    /// @dev A window cap (daily, weekly, monthly; agent or wallet-wide) above the largest the counters hold.
    error PolicyCapTooLarge(uint256 cap, uint256 max);
    /// @dev A limit (per-tx, approval threshold or window cap; agent or wallet-wide) with more significant digits
    /// than its packed slot holds exactly: at most 12 (13 below 8,796,093,022,208) before the trailing zeros.
    error PolicyLimitTooPrecise(uint256 amount);
    /// @dev The UTC offset must be within ±14 hours.
    error PolicyInvalidUtcOffset(int256 offset);
    /// @dev `selector` moves tokens (or grants the power to): an agent may only make it as a decoded, counted
    /// movement of an asset it has limits for; `target` is not one (or the selector can't be counted).
    error PolicyTokenMovementNotAllowed(address agent, address target, bytes4 selector);
    /// @dev No call permission may carry a token-moving selector: token movements are always decoded and counted.
    error PolicyPermissionMovesTokens(address agent, address target, bytes4 selector);

    /// @notice Sets an agent's limits for `asset` (self-call). Instant when it lowers or keeps every limit of an
    /// asset the agent already has (zero = no cap, the loosest); a new asset or any limit raised or lifted waits
    /// `adminDelay` (`TimelockDelayRequired` when tried as instant). The window caps (daily, weekly,
    /// monthly) are at most 2^80 - 1 (`PolicyCapTooLarge`): one slot counts all three windows. Each limit has at
    /// most 12 significant digits before its trailing zeros (`PolicyLimitTooPrecise`): the five share one slot.
    function setAssetLimits(address agent, address asset, AssetLimits calldata limits) external;

    /// @notice Removes `asset` from the agent's policy (self-call, immediate).
    function removeAssetLimits(address agent, address asset) external;

    /// @notice Sets the wallet-wide caps for `asset` (self-call). Zero = no cap for that window; each at most
    /// 2^80 - 1 (`PolicyCapTooLarge`) with at most 12 significant digits (`PolicyLimitTooPrecise`). Instant when
    /// no cap is raised or lifted (a new cap is instant: it only narrows); otherwise it waits `adminDelay`
    /// (`TimelockDelayRequired` when tried as instant).
    function setWalletCaps(address asset, uint96 daily, uint96 weekly, uint96 monthly) external;

    /// @notice Adds `recipient` to the agent's allowlist (self-call, timelocked).
    function allowRecipient(address agent, address recipient) external;

    /// @notice Removes `recipient` from the agent's allowlist (self-call, immediate).
    function removeRecipient(address agent, address recipient) external;

    /// @notice Lets the agent call `selector` on `target` (self-call, timelocked). Refuses token-moving
    /// selectors (`PolicyPermissionMovesTokens`): those are only ever decoded movements under asset limits.
    function setCallPermission(
        address agent,
        address target,
        bytes4 selector,
        uint96 maxValue,
        uint48 expiresAt
    ) external;

    /// @notice Withdraws a call permission (self-call, immediate).
    function revokeCallPermission(address agent, address target, bytes4 selector) external;

    /// @notice Sets the wallet's UTC offset in seconds (self-call, timelocked).
    function setUtcOffset(int32 offsetSeconds) external;
}
