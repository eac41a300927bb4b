// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {AgentWallet} from "../wallet/AgentWallet.sol";

/// @title Test-only next version of the wallet: everything of V1 plus one new ERC-7201 namespace.
/// @notice Used by the upgrade tests (an upgrade through a timelocked proposal) and by the storage-layout
/// compatibility check against `AgentWallet`.
contract AgentWalletV2Mock is AgentWallet {
    /// @custom:storage-location erc7201:leash.storage.V2Mock
    struct V2Storage {
        uint256 marker;
    }

    // keccak256(abi.encode(uint256(keccak256("leash.storage.V2Mock")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant V2_STORAGE =
        0x0f1dba1ddb673b51ab524fabee6e3772e39f084d49b52f9e5cf76554a9339700;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IEntryPoint entryPoint_, address module_) AgentWallet(entryPoint_, module_) {}

    /// @notice Run through `upgradeToAndCall` by the owners' proposal.
    function initializeV2(uint256 marker_) external reinitializer(2) {
        _v2Storage().marker = marker_;
    }

    function version() external pure returns (uint256) {
        return 2;
    }

    function marker() external view returns (uint256) {
        return _v2Storage().marker;
    }

    function _v2Storage() private pure returns (V2Storage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            $.slot := V2_STORAGE
        }
    }
}
