// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {AgentWallet} from "../../contracts/wallet/AgentWallet.sol";
import {LeashLens} from "../../contracts/lens/LeashLens.sol";
import {WalletModule} from "../../contracts/wallet/WalletModule.sol";
import {IAgentWallet} from "../../contracts/interfaces/IAgentWallet.sol";
import {IAgentWalletCore} from "../../contracts/interfaces/IAgentWalletCore.sol";
import {IWalletSetup} from "../../contracts/interfaces/IWalletSetup.sol";
import {Call} from "../../contracts/interfaces/LeashTypes.sol";

/// @notice The few cheatcodes these tests use (no forge-std in this project).
interface Vm {
    function prank(address sender) external;
    function assume(bool condition) external pure;
    function warp(uint256 timestamp) external;
    function sign(
        uint256 privateKey,
        bytes32 digest
    ) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function addr(uint256 privateKey) external pure returns (address);
}

/// @title Deploys a Leash wallet for Solidity tests.
/// @notice The only place that knows how a wallet is built: adapt it here when the implementation's
/// constructor changes (module split). Tests talk to the wallet through `IAgentWallet` only.
abstract contract LeashTestBase {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @dev No real EntryPoint is needed: tests impersonate this address.
    address internal constant ENTRY_POINT = address(0xE7E7);

    function _deployWallet(
        address[] memory owners,
        uint256 threshold
    ) internal returns (IAgentWallet) {
        // The core delegates what it doesn't implement to its one module, which forwards the views to the lens.
        WalletModule module = new WalletModule(IEntryPoint(ENTRY_POINT), address(new LeashLens()));
        AgentWallet implementation = new AgentWallet(IEntryPoint(ENTRY_POINT), address(module));
        IAgentWalletCore.InitConfig memory config = IAgentWalletCore.InitConfig({
            owners: owners,
            threshold: threshold,
            guardians: new address[](0),
            utcOffset: 0,
            minPauseDuration: 3600
        });
        bytes memory init = abi.encodeCall(IWalletSetup.initialize, (config, new bytes[](0)));
        return IAgentWallet(payable(address(new ERC1967Proxy(address(implementation), init))));
    }

    /// @dev Owner private keys 1..n mapped to addresses, sorted ascending (the signature format's order).
    function _sortedOwnerKeys(
        uint256 n
    ) internal pure returns (uint256[] memory keys, address[] memory addrs) {
        keys = new uint256[](n);
        addrs = new address[](n);
        for (uint256 i = 0; i < n; ++i) {
            keys[i] = 0xA11CE + i;
            addrs[i] = vm.addr(keys[i]);
        }
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && addrs[j - 1] > addrs[j]; --j) {
                (addrs[j - 1], addrs[j]) = (addrs[j], addrs[j - 1]);
                (keys[j - 1], keys[j]) = (keys[j], keys[j - 1]);
            }
        }
    }

    function _packEntry(
        address signer,
        bytes memory signature
    ) internal pure returns (bytes memory) {
        return abi.encodePacked(signer, uint16(signature.length), signature);
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + (x % (max - min + 1));
    }

    function _fail(string memory message) internal pure {
        revert(message);
    }
}
