// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ITimelock} from "../interfaces/ITimelock.sol";
import {GuardianManager} from "./GuardianManager.sol";
import {
    DEFAULT_ADMIN_DELAY,
    DEFAULT_UPGRADE_DELAY,
    MAX_DELAY,
    MIN_ADMIN_DELAY,
    MIN_UPGRADE_DELAY
} from "./WalletConstants.sol";
import {TIMELOCK_STORAGE} from "./StorageLayout.sol";

/// @title Tighten instantly, loosen slowly: the delays.
/// @notice There is no list of instant selectors: each self-only setter decides its delay by effect (see
/// `ITimelock` and `WalletBase._requireDelay`); `onlySelf` functions that don't decide wait `adminDelay`.
/// `upgradeDelay >= adminDelay` always, so an upgrade (whose payload can do anything) is the longest wait.
abstract contract Timelock is GuardianManager {
    /// @custom:storage-location erc7201:leash.storage.Timelock
    struct TimelockStorage {
        uint32 adminDelay;
        uint32 upgradeDelay;
    }

    function _timelockStorage() internal pure returns (TimelockStorage storage $) {
        uint256 base = TIMELOCK_STORAGE; // ERC-7201 base, named once in StorageLayout.sol
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: points a storage pointer at a constant ERC-7201 slot; no memory is touched.
            $.slot := base
        }
    }

    function _adminDelay() internal view override returns (uint256) {
        return _timelockStorage().adminDelay;
    }

    function _upgradeDelay() internal view returns (uint256) {
        return _timelockStorage().upgradeDelay;
    }

    function _initDelays() internal {
        _setDelays(DEFAULT_ADMIN_DELAY, DEFAULT_UPGRADE_DELAY);
    }

    function _setDelays(uint256 newAdminDelay, uint256 newUpgradeDelay) internal {
        if (newAdminDelay < MIN_ADMIN_DELAY || newAdminDelay > MAX_DELAY) {
            revert ITimelock.TimelockInvalidDelay(newAdminDelay, MIN_ADMIN_DELAY, MAX_DELAY);
        }
        if (newUpgradeDelay < MIN_UPGRADE_DELAY || newUpgradeDelay > MAX_DELAY) {
            revert ITimelock.TimelockInvalidDelay(newUpgradeDelay, MIN_UPGRADE_DELAY, MAX_DELAY);
        }
        if (newUpgradeDelay < newAdminDelay)
            revert ITimelock.TimelockUpgradeBelowAdmin(newUpgradeDelay, newAdminDelay);
        TimelockStorage storage $ = _timelockStorage();
        (uint256 oldAdmin, uint256 oldUpgrade) = ($.adminDelay, $.upgradeDelay);
        $.adminDelay = uint32(newAdminDelay);
        $.upgradeDelay = uint32(newUpgradeDelay);
        emit ITimelock.DelaysChanged(oldAdmin, newAdminDelay, oldUpgrade, newUpgradeDelay);
    }
}
