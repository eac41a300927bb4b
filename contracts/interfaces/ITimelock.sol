// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Delays that loosening proposals wait out before they can execute.
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

    /// @notice Delay for loosening admin changes (agents, owners, guardians, policies).
    function adminDelay() external view returns (uint256);

    /// @notice Delay for upgrades and for changing the delays themselves.
    function upgradeDelay() external view returns (uint256);

    /// @notice Delay a call would wait if proposed now (0 for tightening calls and calls to other contracts).
    function requiredDelay(address target, bytes calldata data) external view returns (uint256);

    /// @notice Sets both delays (self-call, waits the current upgrade delay).
    function setDelays(uint256 newAdminDelay, uint256 newUpgradeDelay) external;
}
