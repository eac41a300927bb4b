// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {P256} from "@openzeppelin/contracts/utils/cryptography/P256.sol";
import {IPasskeyOwner} from "../interfaces/IPasskeyOwner.sol";
import {IPasskeyOwnerFactory} from "../interfaces/IPasskeyOwnerFactory.sol";
import {PasskeyOwner} from "./PasskeyOwner.sol";

/// @title One PasskeyOwner per P-256 key, at an address that depends only on the key (and this factory's, which
/// is the same on every chain).
/// @notice Each passkey owner is an ERC-1167 clone of one PasskeyOwner implementation (created with this factory,
/// at its first CREATE address), the key appended to the clone's code as immutable arguments, salt = the key.
/// Holds nothing and has no owner: anyone may create the owner contract of any key, which can only ever accept
/// that key's assertions.
contract PasskeyOwnerFactory is IPasskeyOwnerFactory {
    /// @notice The code every passkey owner runs (through DELEGATECALL from its clone).
    address public immutable implementation = address(new PasskeyOwner());

    /// @inheritdoc IPasskeyOwnerFactory
    function createPasskeyOwner(bytes32 x, bytes32 y) external returns (address owner) {
        if (!P256.isValidPublicKey(x, y)) revert IPasskeyOwner.PasskeyOwnerInvalidKey(x, y);
        owner = passkeyOwnerAddress(x, y);
        if (owner.code.length != 0) return owner;
        Clones.cloneDeterministicWithImmutableArgs(implementation, abi.encode(x, y), _salt(x, y));
        emit PasskeyOwnerCreated(owner, x, y);
    }

    /// @inheritdoc IPasskeyOwnerFactory
    function passkeyOwnerAddress(bytes32 x, bytes32 y) public view returns (address) {
        return
            Clones.predictDeterministicAddressWithImmutableArgs(
                implementation,
                abi.encode(x, y),
                _salt(x, y)
            );
    }

    function _salt(bytes32 x, bytes32 y) private pure returns (bytes32) {
        return keccak256(abi.encode(x, y));
    }
}
