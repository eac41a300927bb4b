// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAgentWalletCore} from "./IAgentWalletCore.sol";

/// @title A Leash wallet's one-time setup (run by the module, inside the proxy's constructor).
interface IWalletSetup {
    /// @notice One-time setup through the factory. `setupData` is calldata for the wallet's own management
    /// functions (add agents, set policies), run without timelock: it is the owners' initial configuration,
    /// committed to by the counterfactual address.
    function initialize(
        IAgentWalletCore.InitConfig calldata config,
        bytes[] calldata setupData
    ) external;
}
