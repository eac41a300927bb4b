// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Deploys one PasskeyOwner per P-256 public key at an address that depends only on the key.
/// @notice CREATE2 with the key as salt from a factory at the same address on every chain
/// (deploy/deterministic.ts): a passkey owner has the same address everywhere, known before it exists.
interface IPasskeyOwnerFactory {
    /// @notice A PasskeyOwner for key `(x, y)` was deployed at `owner`.
    event PasskeyOwnerCreated(address indexed owner, bytes32 x, bytes32 y);

    /// @notice Deploys the PasskeyOwner of key `(x, y)`, or returns it if it already exists (idempotent, so
    /// that a queued proposal creating it can't be blocked by someone creating it first). Anyone may call.
    /// Reverts with `PasskeyOwnerInvalidKey` if the key is not on the P-256 curve.
    function createPasskeyOwner(bytes32 x, bytes32 y) external returns (address owner);

    /// @notice Where the PasskeyOwner of key `(x, y)` is (or will be).
    function passkeyOwnerAddress(bytes32 x, bytes32 y) external view returns (address owner);
}
