// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Owners of a Leash wallet: N addresses (EOA or ERC-1271 contracts) and a threshold M.
interface IOwnerManager {
    /// @notice `owner` became an owner.
    event OwnerAdded(address indexed owner);
    /// @notice `owner` is no longer an owner.
    event OwnerRemoved(address indexed owner);
    /// @notice The number of owner approvals needed changed.
    event ThresholdChanged(uint256 oldThreshold, uint256 newThreshold);

    /// @dev The caller is not an owner.
    error OwnerUnauthorized(address caller);
    /// @dev `owner` is zero, the wallet itself, or otherwise not allowed as an owner.
    error OwnerInvalid(address owner);
    /// @dev `owner` is already an owner.
    error OwnerAlreadyExists(address owner);
    /// @dev `owner` is not an owner.
    error OwnerNotFound(address owner);
    /// @dev The threshold must satisfy 1 <= threshold <= owners.
    error OwnerInvalidThreshold(uint256 threshold, uint256 owners);
    /// @dev A wallet has at most `max` owners so that every loop over owners stays bounded.
    error OwnerTooMany(uint256 count, uint256 max);

    /// @notice Adds an owner (self-call, timelocked: it loosens control).
    function addOwner(address owner) external;

    /// @notice Removes an owner keeping the threshold (self-call, waits `adminDelay`: it removes a vetoer; it
    /// never lowers M).
    function removeOwner(address owner) external;

    /// @notice Sets the threshold (self-call, timelocked).
    function changeThreshold(uint256 newThreshold) external;
}
