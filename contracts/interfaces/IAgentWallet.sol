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

/// @title Leash AgentWallet: the whole external interface of a wallet (core entry points and the management
/// functions its module implements). Talk to a wallet through this interface.
interface IAgentWallet is
    IAgentWalletCore,
    IWalletBase,
    IOwnerManager,
    IGuardianManager,
    ITimelock,
    IAgentManager,
    IPolicyEngine,
    IProposalManager,
    ISignedActions
{}
