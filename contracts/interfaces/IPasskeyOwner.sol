// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title A wallet owner that is one passkey (WebAuthn, P-256 public key), speaking ERC-1271.
/// @notice The wallet asks `isValidSignature(digest, signature)` like any contract owner; the signature is a
/// WebAuthn assertion whose challenge is the digest. The key lives in the contract's code (the immutable
/// arguments of an ERC-1167 clone), never in storage, so checking a signature reads no storage (ERC-7562).
interface IPasskeyOwner is IERC1271 {
    /// @dev `(x, y)` is not a point of the P-256 curve (or a coordinate is not below the field prime): no
    /// passkey has this public key.
    error PasskeyOwnerInvalidKey(bytes32 x, bytes32 y);

    /// @notice The passkey's P-256 public key.
    function publicKey() external view returns (bytes32 x, bytes32 y);

    /// @notice Whether an assertion must carry the User Verified flag (PIN or biometrics), not only User
    /// Present (a touch). Always true: see PasskeyOwner.sol.
    function requiresUserVerification() external pure returns (bool);
}
