// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Guardians and the emergency pause. Guardians (and every owner) can only tighten, alone and at once.
interface IGuardianManager {
    /// @notice `guardian` may now pause, suspend/revoke agents and veto queued proposals.
    event GuardianAdded(address indexed guardian);
    /// @notice `guardian` lost its guardian powers.
    event GuardianRemoved(address indexed guardian);
    /// @notice `by` paused the wallet: no agent operation validates until unpaused.
    event Paused(address indexed by, uint256 at);
    /// @notice The owners unpaused the wallet.
    event Unpaused(uint256 at);
    /// @notice The minimum time a pause lasts changed.
    event MinPauseDurationChanged(uint256 oldDuration, uint256 newDuration);

    /// @dev The caller is neither a guardian nor an owner.
    error GuardianUnauthorized(address caller);
    /// @dev `guardian` is zero or the wallet itself.
    error GuardianInvalid(address guardian);
    /// @dev `guardian` is already a guardian.
    error GuardianAlreadyExists(address guardian);
    /// @dev `guardian` is not a guardian.
    error GuardianNotFound(address guardian);
    /// @dev At most `max` guardians.
    error GuardianTooMany(uint256 count, uint256 max);
    /// @dev The wallet is paused.
    error WalletPaused();
    /// @dev The wallet is not paused.
    error WalletNotPaused();
    /// @dev Unpausing before the minimum pause duration: wait until `earliest`.
    error WalletPauseTooShort(uint256 pausedAt, uint256 earliest);
    /// @dev The minimum pause duration must be at most `max` seconds.
    error WalletInvalidPauseDuration(uint256 duration, uint256 max);

    /// @notice Pauses every agent at once. Any guardian or owner, alone.
    function pause() external;

    /// @notice Lifts the pause: an owners' proposal (self-call) that waits `adminDelay`, vetoable by any guardian,
    /// and executes no earlier than `pausedAt + minPauseDuration`. Pausing stays instant.
    function unpause() external;

    /// @notice Adds a guardian (self-call, timelocked).
    function addGuardian(address guardian) external;

    /// @notice Removes a guardian (self-call, immediate).
    function removeGuardian(address guardian) external;

    /// @notice Sets the minimum pause duration (self-call, timelocked).
    function setMinPauseDuration(uint256 duration) external;
}
