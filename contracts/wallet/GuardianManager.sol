// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGuardianManager} from "../interfaces/IGuardianManager.sol";
import {OwnerManager} from "./OwnerManager.sol";

/// @title Guardians and the emergency pause. Every owner is a guardian too.
abstract contract GuardianManager is OwnerManager, IGuardianManager {
    /// @dev A pause can be made to last at most this long before owners may lift it.
    uint256 internal constant MAX_MIN_PAUSE_DURATION = 30 days;

    /// @custom:storage-location erc7201:leash.storage.Guardians
    struct GuardianStorage {
        // One slot read by every agent validation.
        bool paused;
        uint48 pausedAt;
        uint32 minPauseDuration;
        address[] guardians;
        mapping(address account => bool) isGuardian;
    }

    // keccak256(abi.encode(uint256(keccak256("leash.storage.Guardians")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant GUARDIAN_STORAGE = 0x6941f2cfbfeb563f6251ce0bc1bc9a6ba3497ab15199c701a91c194022fe6f00;

    function _guardianStorage() private pure returns (GuardianStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: points a storage pointer at a constant ERC-7201 slot; no memory is touched.
            $.slot := GUARDIAN_STORAGE
        }
    }

    /// @dev Guardians, owners, and the wallet itself (an owner proposal) may tighten.
    modifier onlyGuardian() {
        if (msg.sender != address(this) && !isGuardian(msg.sender)) revert GuardianUnauthorized(msg.sender);
        _;
    }

    /// @inheritdoc IGuardianManager
    function isGuardian(address account) public view returns (bool) {
        return _guardianStorage().isGuardian[account] || isOwner(account);
    }

    /// @inheritdoc IGuardianManager
    function getGuardians() external view returns (address[] memory) {
        return _guardianStorage().guardians;
    }

    /// @inheritdoc IGuardianManager
    function paused() public view returns (bool) {
        return _guardianStorage().paused;
    }

    /// @inheritdoc IGuardianManager
    function pausedAt() external view returns (uint256) {
        return _guardianStorage().pausedAt;
    }

    /// @inheritdoc IGuardianManager
    function minPauseDuration() external view returns (uint256) {
        return _guardianStorage().minPauseDuration;
    }

    /// @inheritdoc IGuardianManager
    function pause() external onlyGuardian {
        GuardianStorage storage $ = _guardianStorage();
        if ($.paused) revert WalletPaused();
        $.paused = true;
        $.pausedAt = uint48(block.timestamp);
        emit Paused(msg.sender, block.timestamp);
    }

    /// @inheritdoc IGuardianManager
    function unpause() external onlySelf {
        GuardianStorage storage $ = _guardianStorage();
        if (!$.paused) revert WalletNotPaused();
        uint256 earliest = uint256($.pausedAt) + $.minPauseDuration;
        if (block.timestamp < earliest) revert WalletPauseTooShort($.pausedAt, earliest);
        $.paused = false;
        $.pausedAt = 0;
        emit Unpaused(block.timestamp);
    }

    /// @inheritdoc IGuardianManager
    function addGuardian(address guardian) external onlySelf {
        _addGuardian(guardian);
    }

    /// @inheritdoc IGuardianManager
    function removeGuardian(address guardian) external onlySelf {
        GuardianStorage storage $ = _guardianStorage();
        if (!$.isGuardian[guardian]) revert GuardianNotFound(guardian);
        uint256 count = $.guardians.length;
        for (uint256 i = 0; i < count; ++i) {
            if ($.guardians[i] == guardian) {
                $.guardians[i] = $.guardians[count - 1];
                $.guardians.pop();
                break;
            }
        }
        $.isGuardian[guardian] = false;
        emit GuardianRemoved(guardian);
    }

    /// @inheritdoc IGuardianManager
    function setMinPauseDuration(uint256 duration) external onlySelf {
        _setMinPauseDuration(duration);
    }

    function _initGuardians(address[] calldata guardians, uint256 pauseDuration) internal {
        if (guardians.length > MAX_GUARDIANS) revert GuardianTooMany(guardians.length, MAX_GUARDIANS);
        for (uint256 i = 0; i < guardians.length; ++i) _addGuardian(guardians[i]);
        _setMinPauseDuration(pauseDuration);
    }

    function _addGuardian(address guardian) private {
        GuardianStorage storage $ = _guardianStorage();
        if (guardian == address(0) || guardian == address(this)) revert GuardianInvalid(guardian);
        if ($.isGuardian[guardian]) revert GuardianAlreadyExists(guardian);
        if ($.guardians.length >= MAX_GUARDIANS) revert GuardianTooMany($.guardians.length + 1, MAX_GUARDIANS);
        $.guardians.push(guardian);
        $.isGuardian[guardian] = true;
        emit GuardianAdded(guardian);
    }

    function _setMinPauseDuration(uint256 duration) private {
        if (duration > MAX_MIN_PAUSE_DURATION) revert WalletInvalidPauseDuration(duration, MAX_MIN_PAUSE_DURATION);
        GuardianStorage storage $ = _guardianStorage();
        uint256 old = $.minPauseDuration;
        $.minPauseDuration = uint32(duration);
        emit MinPauseDurationChanged(old, duration);
    }

    function _revertIfPaused() internal view {
        if (_guardianStorage().paused) revert WalletPaused();
    }
}
