// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {WebAuthn} from "@openzeppelin/contracts/utils/cryptography/WebAuthn.sol";
import {IPasskeyOwner} from "../interfaces/IPasskeyOwner.sol";

/// @title A wallet owner that is one passkey: ERC-1271 over OpenZeppelin's WebAuthn verification.
/// @notice Deployed once, as the implementation behind PasskeyOwnerFactory's clones: each passkey owner is an
/// ERC-1167 clone whose code carries the key as immutable arguments (`abi.encode(x, y)` appended to the proxy
/// code), at an address that depends only on the key, the same on every chain. A clone costs about 60,000 gas
/// to create instead of a full contract's million. The wallet counts a passkey owner as one owner like any
/// other: the timelock, the threshold and removal apply unchanged.
///
/// The signature is `abi.encode(r, s, challengeIndex, typeIndex, authenticatorData, clientDataJSON)` (the
/// fields of `WebAuthn.WebAuthnAuth`, not wrapped in a tuple; see src/client/passkey.ts), and the challenge the
/// passkey signed must be the 32-byte hash itself, base64url-encoded in `clientDataJSON` (as OpenZeppelin's
/// SignerWebAuthn does). The hash the wallet asks about is its own EIP-712 digest, which already binds the
/// chain, the wallet and the action: this contract adds no domain of its own.
///
/// User verification is required (the UV flag, a PIN or biometrics, not only a touch): an owner's approval
/// releases escalated payments and loosens policy, so a passkey that anyone holding the device (an unlocked
/// laptop, a lost security key) could use with a touch is not enough. Passkeys on phones and computers verify
/// the user whenever the page asks `userVerification: "required"`; a security key without a PIN can't be an
/// owner. The rest is OpenZeppelin's WebAuthn.verify: type "webauthn.get", the challenge, User Present, the
/// backup flags' consistency and the P-256 signature with s in the lower half of the order (no malleable
/// twin). The origin and RP ID are the browser's and authenticator's to check (a passkey only signs for its
/// own site), the signature counter is not tracked (that would need storage).
contract PasskeyOwner is IPasskeyOwner {
    bytes4 private constant MAGIC_VALUE = 0x1626ba7e; // IERC1271.isValidSignature.selector
    bytes4 private constant INVALID = 0xffffffff;

    /// @dev The implementation's own address: called directly (not through a clone) it has no key.
    address private immutable _implementation = address(this);
    /// @dev A passkey owner's code: the 45-byte ERC-1167 proxy, then `abi.encode(x, y)`.
    uint256 private constant CLONE_CODE_LENGTH = 0x2d + 64;

    /// @inheritdoc IPasskeyOwner
    function publicKey() external view returns (bytes32 x, bytes32 y) {
        (, x, y) = _key();
    }

    /// @inheritdoc IPasskeyOwner
    function requiresUserVerification() external pure returns (bool) {
        return true;
    }

    /// @notice ERC-1271: `0x1626ba7e` if `signature` is this passkey's WebAuthn assertion over `hash`, else
    /// `0xffffffff`. Never reverts on malformed bytes (tryDecodeAuth bounds every offset and length first).
    function isValidSignature(
        bytes32 hash,
        bytes calldata signature
    ) external view returns (bytes4) {
        (bool hasKey, bytes32 x, bytes32 y) = _key();
        if (!hasKey) return INVALID;
        (bool decoded, WebAuthn.WebAuthnAuth calldata auth) = WebAuthn.tryDecodeAuth(signature);
        if (!decoded) return INVALID;
        return WebAuthn.verify(abi.encodePacked(hash), auth, x, y, true) ? MAGIC_VALUE : INVALID;
    }

    /// @dev The key from this clone's own code (its immutable arguments): no storage is read (ERC-7562). None
    /// for the implementation itself or for a clone made some other way (other arguments).
    function _key() private view returns (bool hasKey, bytes32 x, bytes32 y) {
        if (address(this) == _implementation || address(this).code.length != CLONE_CODE_LENGTH)
            return (false, bytes32(0), bytes32(0));
        (x, y) = abi.decode(Clones.fetchCloneArgs(address(this)), (bytes32, bytes32));
        return (true, x, y);
    }
}
