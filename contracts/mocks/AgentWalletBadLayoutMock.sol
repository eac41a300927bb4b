// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Test-only broken "upgrade": the owners namespace with its fields reordered.
/// @notice Never deployed: the storage-layout test checks that the compatibility report rejects it, so the
/// check that accepts `AgentWalletV2Mock` is known to be able to fail.
contract AgentWalletBadLayoutMock {
    /// @custom:storage-location erc7201:leash.storage.Owners
    struct OwnerStorage {
        uint256 threshold;
        address[] owners;
        mapping(address account => bool) isOwner;
    }
}
