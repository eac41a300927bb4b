// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title Test-only contract owner (ERC-1271): accepts ECDSA signatures of one EOA key.
/// @notice `controller` (the deployer) can make it call the wallet (propose, approve, ...).
contract ERC1271OwnerMock is IERC1271 {
    address public immutable signer;
    address public immutable controller;
    bool public rejectAll;

    constructor(address signer_) {
        signer = signer_;
        controller = msg.sender;
    }

    function setRejectAll(bool reject) external {
        rejectAll = reject;
    }

    function isValidSignature(
        bytes32 hash,
        bytes calldata signature
    ) external view returns (bytes4) {
        if (rejectAll) return 0xffffffff;
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, signature);
        return
            err == ECDSA.RecoverError.NoError && recovered == signer
                ? bytes4(0x1626ba7e)
                : bytes4(0xffffffff);
    }

    function exec(address target, bytes calldata data) external returns (bytes memory result) {
        require(msg.sender == controller, "not controller");
        bool ok;
        (ok, result) = target.call(data);
        if (!ok) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }
}
