// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Call} from "./LeashTypes.sol";

/// @title Delays that loosening proposals wait out before they can execute.
/// @notice Each configuration setter decides its own delay by comparing the old and new rules: a change that
/// lets no agent move more, more often, to more places or for longer, and removes no vetoer, is instant;
/// any other waits `adminDelay` (or `upgradeDelay` for upgrades and for lowering a delay). Owners' batches
/// are first tried as instant; if a setter in it loosens, the whole batch is undone and queued with the
/// longest delay its setters asked for. When a queued batch executes, each setter decides again against the
/// state and delays of that moment and refuses unless `queuedAt + delay <= now`.
interface ITimelock {
    /// @notice The delays changed.
    event DelaysChanged(
        uint256 oldAdminDelay,
        uint256 newAdminDelay,
        uint256 oldUpgradeDelay,
        uint256 newUpgradeDelay
    );

    /// @dev A delay is below its floor or above the maximum.
    error TimelockInvalidDelay(uint256 delay, uint256 minDelay, uint256 maxDelay);
    /// @dev The upgrade delay must never be below the admin delay (an upgrade can make any admin change).
    error TimelockUpgradeBelowAdmin(uint256 upgradeDelay, uint256 adminDelay);
    /// @dev The batch loosens: it must be queued and wait `delay` (the revert that undoes an instant try).
    error TimelockDelayRequired(uint256 delay);
    /// @dev A queued change executed before `queuedAt` plus the delay its effect needs now (`readyAt`).
    error TimelockNotReady(uint256 readyAt);
    /// @dev `tryCalls` nested in another try or in a queued proposal's run: refused (one record per batch).
    error TimelockNoBatch();

    /// @notice Delay `calls` would wait if submitted now: the setters in it are run against the current
    /// state and undone (0 = instant; calls to other contracts don't count). A batch that fails to run now
    /// gets `adminDelay` (a lower bound: each setter checks its own delay again at execution). Not a view
    /// (it runs and reverts the calls): use `eth_call`.
    function requiredDelay(Call[] calldata calls) external returns (uint256);

    /// @notice Runs `calls` with each setter recording the delay its change needs, then reverts with
    /// `TimelockDelayRequired` unless `commit` and nothing needs a delay (self-call only; see the notice).
    /// With `commit` false calls to other contracts are skipped: a dry run of the setters.
    function tryCalls(Call[] calldata calls, bool commit) external;

    /// @notice Sets both delays, `newUpgradeDelay >= newAdminDelay` (self-call; raising is instant, lowering
    /// either waits the current upgrade delay).
    function setDelays(uint256 newAdminDelay, uint256 newUpgradeDelay) external;
}
