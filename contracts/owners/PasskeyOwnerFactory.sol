// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {P256} from "@openzeppelin/contracts/utils/cryptography/P256.sol";
import {IPasskeyOwner} from "../interfaces/IPasskeyOwner.sol";
import {IPasskeyOwnerFactory} from "../interfaces/IPasskeyOwnerFactory.sol";
import {PasskeyOwner} from "./PasskeyOwner.sol";

/// @title One PasskeyOwner per P-256 key, at an address that depends only on the key (and this factory's, which
/// is the same on every chain).
/// @notice Holds nothing and has no owner: anyone may create the owner contract of any key, which can only
/// ever accept that key's assertions.
contract PasskeyOwnerFactory is IPasskeyOwnerFactory {
    /// @inheritdoc IPasskeyOwnerFactory
    function createPasskeyOwner(bytes32 x, bytes32 y) external returns (address owner) {
        if (!P256.isValidPublicKey(x, y)) revert IPasskeyOwner.PasskeyOwnerInvalidKey(x, y);
        owner = passkeyOwnerAddress(x, y);
        if (owner.code.length != 0) return owner;
        new PasskeyOwner{salt: _salt(x, y)}(x, y);
        emit PasskeyOwnerCreated(owner, x, y);
    }

    /// @inheritdoc IPasskeyOwnerFactory
    function passkeyOwnerAddress(bytes32 x, bytes32 y) public view returns (address) {
        bytes32 initCodeHash = keccak256(
            abi.encodePacked(type(PasskeyOwner).creationCode, abi.encode(x, y))
        );
        return Create2.computeAddress(_salt(x, y), initCodeHash);
    }

    function _salt(bytes32 x, bytes32 y) private pure returns (bytes32) {
        return keccak256(abi.encode(x, y));
    }
}
