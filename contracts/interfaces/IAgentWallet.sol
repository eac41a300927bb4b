// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAgentManager} from "./IAgentManager.sol";
import {IAgentWalletCore} from "./IAgentWalletCore.sol";
import {IGuardianManager} from "./IGuardianManager.sol";
import {IOwnerManager} from "./IOwnerManager.sol";
import {IPolicyEngine} from "./IPolicyEngine.sol";
import {IProposalManager} from "./IProposalManager.sol";
import {ISignedActions} from "./ISignedActions.sol";
import {ITimelock} from "./ITimelock.sol";
import {IWalletBase} from "./IWalletBase.sol";
import {IWalletSetup} from "./IWalletSetup.sol";
import {IWalletViews} from "./IWalletViews.sol";

/// @title Leash AgentWallet: the whole external interface of a wallet (the core's entry points, the management
/// functions its one module implements, and the views the lens answers for it). Talk to a wallet through this
/// interface.
interface IAgentWallet is
    IAgentWalletCore,
    IWalletBase,
    IOwnerManager,
    IGuardianManager,
    ITimelock,
    IAgentManager,
    IPolicyEngine,
    IProposalManager,
    ISignedActions,
    IWalletSetup,
    IWalletViews
{}
