// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccount} from "@account-abstraction/contracts/interfaces/IAccount.sol";
import {IAccountExecute} from "@account-abstraction/contracts/interfaces/IAccountExecute.sol";
import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {Call} from "./LeashTypes.sol";
import {IAgentManager} from "./IAgentManager.sol";
import {IGuardianManager} from "./IGuardianManager.sol";
import {IOwnerManager} from "./IOwnerManager.sol";
import {IPolicyEngine} from "./IPolicyEngine.sol";
import {IProposalManager} from "./IProposalManager.sol";
import {ITimelock} from "./ITimelock.sol";
import {IWalletBase} from "./IWalletBase.sol";

/// @title Leash AgentWallet: an ERC-4337 account whose agents spend under on-chain rules and whose owners
/// govern through M-of-N proposals, a pause and timelocks.
/// @notice User operations: agents use the 2D nonce key `uint192(uint160(sessionKey))`, owners key 0.
/// `callData` is `executeUserOp.selector ++ abi.encode(Call[])`; agents sign the userOpHash with their key,
/// owners sign it with the packed multisig format (see `OwnerManager`).
interface IAgentWallet is
    IAccount,
    IAccountExecute,
    IERC1271,
    IWalletBase,
    IOwnerManager,
    IGuardianManager,
    ITimelock,
    IAgentManager,
    IPolicyEngine,
    IProposalManager
{
    /// @notice Initial configuration, all of it committed to by the counterfactual address.
    struct InitConfig {
        address[] owners;
        uint256 threshold;
        address[] guardians;
        int32 utcOffset;
        uint32 minPauseDuration;
    }

    /// @notice The wallet was set up with these owners, threshold and guardians.
    event WalletInitialized(address indexed entryPoint, address[] owners, uint256 threshold, address[] guardians);
    /// @notice Native currency arrived.
    event Received(address indexed from, uint256 amount);

    /// @dev A user operation with an unknown nonce key or callData reached execution.
    error WalletInvalidUserOp(uint256 nonceKey);
    /// @dev Initialization setup calls may only target the wallet itself.
    error WalletInvalidSetupCall(uint256 index, address target);

    /// @notice The EntryPoint this wallet trusts.
    function entryPoint() external view returns (IEntryPoint);

    /// @notice One-time setup through the factory; `setupCalls` are self-calls made without timelock.
    function initialize(InitConfig calldata config, Call[] calldata setupCalls) external;

    /// @notice Withdraws from the wallet's EntryPoint deposit (self-call: owners only).
    function withdrawDepositTo(address payable to, uint256 amount) external;

    /// @notice The wallet's EntryPoint deposit.
    function getDeposit() external view returns (uint256);

    /// @notice EIP-712 hash of `hash` bound to this wallet: what owners sign for ERC-1271.
    function replaySafeHash(bytes32 hash) external view returns (bytes32);
}
