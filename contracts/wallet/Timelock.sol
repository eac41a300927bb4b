// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";
import {IAgentManager} from "../interfaces/IAgentManager.sol";
import {IGuardianManager} from "../interfaces/IGuardianManager.sol";
import {IOwnerManager} from "../interfaces/IOwnerManager.sol";
import {IPolicyEngine} from "../interfaces/IPolicyEngine.sol";
import {IProposalManager} from "../interfaces/IProposalManager.sol";
import {ITimelock} from "../interfaces/ITimelock.sol";
import {GuardianManager} from "./GuardianManager.sol";

/// @title Tighten instantly, loosen slowly.
/// @notice A call's delay depends only on its target and selector: calls to other contracts (payments,
/// rescues) and self-calls that can only tighten run as soon as the owners approve; upgrades and delay
/// changes wait `upgradeDelay`; every other self-call (deny by default) waits `adminDelay`. Functions
/// classed as tightening enforce that themselves (`tighten*` revert when a value loosens).
abstract contract Timelock is GuardianManager {
    uint256 public constant DEFAULT_ADMIN_DELAY = 24 hours;
    uint256 public constant DEFAULT_UPGRADE_DELAY = 7 days;
    uint256 public constant MIN_ADMIN_DELAY = 1 hours;
    uint256 public constant MIN_UPGRADE_DELAY = 1 days;
    uint256 public constant MAX_DELAY = 30 days;

    /// @custom:storage-location erc7201:leash.storage.Timelock
    struct TimelockStorage {
        uint32 adminDelay;
        uint32 upgradeDelay;
    }

    // keccak256(abi.encode(uint256(keccak256("leash.storage.Timelock")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant TIMELOCK_STORAGE =
        0x6909ebce0f05237610ec75b8326e559fad5f486810496a391d4d70b6bc89bf00;

    function _timelockStorage() internal pure returns (TimelockStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: points a storage pointer at a constant ERC-7201 slot; no memory is touched.
            $.slot := TIMELOCK_STORAGE
        }
    }

    function _adminDelay() internal view returns (uint256) {
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
        TimelockStorage storage $ = _timelockStorage();
        (uint256 oldAdmin, uint256 oldUpgrade) = ($.adminDelay, $.upgradeDelay);
        $.adminDelay = uint32(newAdminDelay);
        $.upgradeDelay = uint32(newUpgradeDelay);
        emit ITimelock.DelaysChanged(oldAdmin, newAdminDelay, oldUpgrade, newUpgradeDelay);
    }

    /// @notice The delay for one call (see the contract notice).
    function _requiredDelay(address target, bytes memory data) internal view returns (uint256) {
        if (target != address(this)) return 0;
        if (data.length < 4) return _adminDelay();
        bytes4 selector = bytes4(data);
        if (
            selector == UUPSUpgradeable.upgradeToAndCall.selector ||
            selector == ITimelock.setDelays.selector
        ) {
            return _upgradeDelay();
        }
        if (_isTightening(selector)) return 0;
        return _adminDelay();
    }

    function _isTightening(bytes4 selector) internal pure returns (bool) {
        return
            selector == IGuardianManager.pause.selector ||
            selector == IGuardianManager.unpause.selector || // guarded by the threshold and minPauseDuration
            selector == IGuardianManager.removeGuardian.selector ||
            selector == IOwnerManager.removeOwner.selector || // never lowers the threshold
            selector == IAgentManager.suspendAgent.selector ||
            selector == IAgentManager.revokeAgent.selector ||
            selector == IAgentManager.tightenAgentRules.selector ||
            selector == IPolicyEngine.tightenAssetLimits.selector ||
            selector == IPolicyEngine.removeAssetLimits.selector ||
            selector == IPolicyEngine.tightenWalletCaps.selector ||
            selector == IPolicyEngine.removeRecipient.selector ||
            selector == IPolicyEngine.revokeCallPermission.selector ||
            selector == IProposalManager.invalidateNonce.selector ||
            selector == IProposalManager.cancel.selector || // a veto
            selector == IProposalManager.execute.selector || // the proposal already waited out its own delay
            selector == bytes4(keccak256("withdrawDepositTo(address,uint256)")); // moving funds: like a payment
    }
}
