// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGuardianManager} from "../interfaces/IGuardianManager.sol";
import {OwnerManager} from "./OwnerManager.sol";
import {GUARDIAN_STORAGE} from "./StorageLayout.sol";

/// @title Guardians and the emergency pause. Every owner is a guardian too.
abstract contract GuardianManager is OwnerManager {
    /// @dev A pause can be made to last at most this long before owners may lift it.
    uint256 internal constant MAX_MIN_PAUSE_DURATION = 30 days;

    /// @custom:storage-location erc7201:leash.storage.Guardians
    struct GuardianStorage {
        address[] guardians;
        mapping(address account => bool) isGuardian;
    }

    function _guardianStorage() internal pure returns (GuardianStorage storage $) {
        uint256 base = GUARDIAN_STORAGE; // ERC-7201 base, named once in StorageLayout.sol
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: points a storage pointer at a constant ERC-7201 slot; no memory is touched.
            $.slot := base
        }
    }

    /// @dev Guardians, owners, and the wallet itself (an owner proposal) may tighten.
    modifier onlyGuardian() {
        if (msg.sender != address(this) && !_isGuardian(msg.sender))
            revert IGuardianManager.GuardianUnauthorized(msg.sender);
        _;
    }

    function _isGuardian(address account) internal view returns (bool) {
        return _guardianStorage().isGuardian[account] || _isOwner(account);
    }

    function _isPaused() internal view returns (bool) {
        return _hot().paused;
    }

    function _initGuardians(address[] calldata guardians, uint256 pauseDuration) internal {
        if (guardians.length > MAX_GUARDIANS)
            revert IGuardianManager.GuardianTooMany(guardians.length, MAX_GUARDIANS);
        for (uint256 i = 0; i < guardians.length; ++i) _addGuardian(guardians[i]);
        _setMinPauseDuration(pauseDuration);
    }

    function _addGuardian(address guardian) internal {
        GuardianStorage storage $ = _guardianStorage();
        if (guardian == address(0) || guardian == address(this))
            revert IGuardianManager.GuardianInvalid(guardian);
        if ($.isGuardian[guardian]) revert IGuardianManager.GuardianAlreadyExists(guardian);
        if ($.guardians.length >= MAX_GUARDIANS)
            revert IGuardianManager.GuardianTooMany($.guardians.length + 1, MAX_GUARDIANS);
        $.guardians.push(guardian);
        $.isGuardian[guardian] = true;
        _newSignatureEpoch();
        emit IGuardianManager.GuardianAdded(guardian);
    }

    function _setMinPauseDuration(uint256 duration) internal {
        if (duration > MAX_MIN_PAUSE_DURATION)
            revert IGuardianManager.WalletInvalidPauseDuration(duration, MAX_MIN_PAUSE_DURATION);
        HotState storage $ = _hot();
        uint256 old = $.minPauseDuration;
        $.minPauseDuration = uint32(duration);
        emit IGuardianManager.MinPauseDurationChanged(old, duration);
    }

    function _revertIfPaused() internal view {
        if (_hot().paused) revert IGuardianManager.WalletPaused();
    }
}
