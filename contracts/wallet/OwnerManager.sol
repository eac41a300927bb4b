// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IOwnerManager} from "../interfaces/IOwnerManager.sol";
import {WalletBase} from "./WalletBase.sol";
import {OWNER_STORAGE} from "./StorageLayout.sol";

/// @title M-of-N owners and the packed multisig signature format.
/// @notice Owner signatures are a concatenation of entries `signer (20 bytes) ‖ length (2 bytes) ‖ signature`,
/// with signers in strictly ascending address order (so no owner counts twice). EOA owners sign with ECDSA
/// (high-s forms refused), contract owners through ERC-1271. Every entry must be a valid owner signature.
abstract contract OwnerManager is WalletBase {
    /// @custom:storage-location erc7201:leash.storage.Owners
    struct OwnerStorage {
        address[] owners;
        mapping(address account => bool) isOwner;
        uint256 threshold;
        // Bumped each time an address becomes an owner; an approval counts only in the epoch it was given.
        uint256 epochs;
        mapping(address account => uint256) epochOf; // 0 = not an owner
        // Bumped each time an owner or a guardian is added or removed. Every owner's and guardian's signature
        // (EIP-712 batches, approvals, guardian actions, owner user operations, ERC-1271 messages) names the
        // epoch it was made in and counts only in that epoch: a signature made before a removal never counts
        // again, not even when the same address is re-added.
        uint256 signatureEpoch;
        // When each address last became or stopped being an owner or a guardian after setup (one record for both
        // roles: an owner is a guardian too): a proposal created before that can't add or remove it.
        mapping(address account => uint256) memberChangedAt;
    }

    function _ownerStorage() internal pure returns (OwnerStorage storage $) {
        uint256 base = OWNER_STORAGE; // ERC-7201 base, named once in StorageLayout.sol
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: points a storage pointer at a constant ERC-7201 slot; no memory is touched.
            $.slot := base
        }
    }

    modifier onlyOwner() {
        if (!_ownerStorage().isOwner[msg.sender])
            revert IOwnerManager.OwnerUnauthorized(msg.sender);
        _;
    }

    function _getOwners() internal view returns (address[] memory) {
        return _ownerStorage().owners;
    }

    function _isOwner(address account) internal view returns (bool) {
        return _ownerStorage().isOwner[account];
    }

    function _signatureEpoch() internal view returns (uint256) {
        return _ownerStorage().signatureEpoch;
    }

    /// @dev The signers changed (an owner or guardian added or removed): every signature made so far is void.
    function _newSignatureEpoch() internal {
        ++_ownerStorage().signatureEpoch;
    }

    function _threshold() internal view returns (uint256) {
        return _ownerStorage().threshold;
    }

    function _initOwners(address[] calldata owners, uint256 newThreshold) internal {
        if (owners.length > MAX_OWNERS)
            revert IOwnerManager.OwnerTooMany(owners.length, MAX_OWNERS);
        for (uint256 i = 0; i < owners.length; ++i) _addOwner(owners[i]);
        _setThreshold(newThreshold);
    }

    function _addOwner(address owner) internal {
        OwnerStorage storage $ = _ownerStorage();
        if (owner == address(0) || owner == address(this)) revert IOwnerManager.OwnerInvalid(owner);
        if ($.isOwner[owner]) revert IOwnerManager.OwnerAlreadyExists(owner);
        if ($.owners.length >= MAX_OWNERS)
            revert IOwnerManager.OwnerTooMany($.owners.length + 1, MAX_OWNERS);
        $.owners.push(owner);
        $.isOwner[owner] = true;
        $.epochOf[owner] = ++$.epochs;
        _newSignatureEpoch();
        emit IOwnerManager.OwnerAdded(owner);
    }

    function _setThreshold(uint256 newThreshold) internal {
        OwnerStorage storage $ = _ownerStorage();
        uint256 count = $.owners.length;
        if (newThreshold == 0 || newThreshold > count)
            revert IOwnerManager.OwnerInvalidThreshold(newThreshold, count);
        uint256 old = $.threshold;
        $.threshold = newThreshold;
        emit IOwnerManager.ThresholdChanged(old, newThreshold);
    }

    /// @notice Whether `signatures` carries valid signatures of at least `threshold` distinct owners over
    /// `digest`. Never reverts on malformed input: it returns false, as ERC-4337 validation requires.
    function _checkOwnerSignatures(
        bytes32 digest,
        bytes calldata signatures
    ) internal view returns (bool) {
        (bool ok, uint256 count) = _parseOwnerSignatures(digest, signatures, new address[](0));
        return ok && _meetsThreshold(count);
    }

    /// @notice The owners who signed `digest`, or `ok == false` if any entry is malformed or invalid or there
    /// are fewer than `threshold` of them.
    function _ownerSigners(
        bytes32 digest,
        bytes calldata signatures
    ) internal view returns (bool, address[] memory) {
        address[] memory signers = new address[](MAX_OWNERS);
        (bool ok, uint256 count) = _parseOwnerSignatures(digest, signatures, signers);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: shrinks the array length in place; `count <= MAX_OWNERS`, the allocated length.
            mstore(signers, count)
        }
        return (ok && _meetsThreshold(count), signers);
    }

    /// @dev A threshold of zero only exists where `initialize` never ran (the implementation, the module):
    /// there no set of signatures, not even an empty one, may count as the owners' approval.
    function _meetsThreshold(uint256 count) private view returns (bool) {
        uint256 threshold = _ownerStorage().threshold;
        return threshold != 0 && count >= threshold;
    }

    /// @dev Whether `signature` is `signer`'s over `digest` (an owner's, or a guardian's signed action). ECDSA first,
    /// so that an EOA owner's valid signature needs no EXTCODESIZE on a codeless address,
    /// which ERC-7562 (OP-041) forbids during validation; only then is a contract owner asked via ERC-1271.
    /// High-s and malformed signatures fail `tryRecover` and, for an EOA, end there.
    function _isSignatureOf(
        address signer,
        bytes32 digest,
        bytes calldata signature
    ) internal view returns (bool) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == signer) return true;
        return
            signer.code.length != 0 &&
            SignatureChecker.isValidERC1271SignatureNowCalldata(signer, digest, signature);
    }

    /// @dev Fills `out` with the signers when it is long enough (pass an empty array to skip).
    function _parseOwnerSignatures(
        bytes32 digest,
        bytes calldata signatures,
        address[] memory out
    ) internal view returns (bool ok, uint256 count) {
        OwnerStorage storage $ = _ownerStorage();
        uint256 offset = 0;
        uint256 length = signatures.length;
        address previous = address(0);
        while (offset < length) {
            // At most one entry per owner: bounds the loop whatever the input.
            if (count == MAX_OWNERS) return (false, count);
            if (length - offset < 22) return (false, count);
            address signer = address(bytes20(signatures[offset:offset + 20]));
            uint256 sigLength = uint16(bytes2(signatures[offset + 20:offset + 22]));
            offset += 22;
            if (length - offset < sigLength) return (false, count);
            bytes calldata signature = signatures[offset:offset + sigLength];
            offset += sigLength;
            // Strictly ascending: rejects duplicates and the zero address (never an owner anyway).
            if (signer <= previous) return (false, count);
            previous = signer;
            if (!$.isOwner[signer]) return (false, count);
            if (!_isSignatureOf(signer, digest, signature)) return (false, count);
            if (out.length > count) out[count] = signer;
            ++count;
        }
        return (true, count);
    }
}
