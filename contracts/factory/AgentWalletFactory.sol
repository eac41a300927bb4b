// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {IAgentWalletCore} from "../interfaces/IAgentWalletCore.sol";
import {IWalletSetup} from "../interfaces/IWalletSetup.sol";

/// @title Creates Leash wallets at counterfactual addresses (CREATE2).
/// @notice The address commits to the whole initial configuration (owners, threshold, guardians, setup data)
/// and a salt, so anyone may deploy a wallet (a user operation's initCode, a relayer, the owners) and a
/// front-runner can only deploy exactly the wallet the owners asked for. Creating twice returns the same wallet.
contract AgentWalletFactory {
    /// @notice The implementation every wallet proxies to.
    address public immutable implementation;

    /// @notice A wallet was deployed and initialized.
    event WalletCreated(
        address indexed wallet,
        bytes32 indexed salt,
        address[] owners,
        uint256 threshold
    );

    constructor(address implementation_) {
        implementation = implementation_;
    }

    /// @notice Deploys (or returns the existing) wallet for this configuration and salt.
    function createWallet(
        IAgentWalletCore.InitConfig calldata config,
        bytes[] calldata setupData,
        bytes32 salt
    ) external returns (address wallet) {
        bytes memory initData = abi.encodeCall(IWalletSetup.initialize, (config, setupData));
        wallet = Create2.computeAddress(salt, _proxyCodeHash(initData));
        if (wallet.code.length != 0) return wallet;
        // The proxy runs `initialize` in its constructor: no one can initialize it in between.
        new ERC1967Proxy{salt: salt}(implementation, initData);
        emit WalletCreated(wallet, salt, config.owners, config.threshold);
    }

    /// @notice The address `createWallet` deploys to for this configuration and salt. The proxy's init code
    /// carries the whole configuration, so the address commits to it.
    function getAddress(
        IAgentWalletCore.InitConfig calldata config,
        bytes[] calldata setupData,
        bytes32 salt
    ) external view returns (address) {
        return
            Create2.computeAddress(
                salt,
                _proxyCodeHash(abi.encodeCall(IWalletSetup.initialize, (config, setupData)))
            );
    }

    function _proxyCodeHash(bytes memory initData) private view returns (bytes32) {
        return
            keccak256(
                abi.encodePacked(
                    type(ERC1967Proxy).creationCode,
                    abi.encode(implementation, initData)
                )
            );
    }
}
