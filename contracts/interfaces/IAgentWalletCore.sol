// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccount} from "@account-abstraction/contracts/interfaces/IAccount.sol";
import {IAccountExecute} from "@account-abstraction/contracts/interfaces/IAccountExecute.sol";
import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title The wallet's own entry points: ERC-4337 validation and execution, ERC-1271, setup.
/// @notice User operations: agents use the 2D nonce key `uint192(uint160(sessionKey))`, owners key 0.
/// `callData` is `executeUserOp.selector ++ abi.encode(Call[])`; agents sign the userOpHash with their key,
/// owners sign it with the packed multisig format (see `OwnerManager`).
interface IAgentWalletCore is IAccount, IAccountExecute, IERC1271 {
    /// @notice Initial configuration, all of it committed to by the counterfactual address.
    struct InitConfig {
        address[] owners;
        uint256 threshold;
        address[] guardians;
        int32 utcOffset;
        uint32 minPauseDuration;
    }

    /// @notice The wallet was set up with these owners, threshold and guardians.
    event WalletInitialized(
        address indexed entryPoint,
        address[] owners,
        uint256 threshold,
        address[] guardians
    );
    /// @notice Native currency arrived.
    event Received(address indexed from, uint256 amount);

    /// @dev A user operation reached execution with a nonce key that is neither 0 (owners) nor an address.
    error WalletInvalidNonceKey(uint256 nonceKey);
    /// @dev Setup call `index` reverted with `reason`.
    error WalletSetupFailed(uint256 index, bytes reason);

    /// @notice The EntryPoint this wallet trusts.
    function entryPoint() external view returns (IEntryPoint);

    /// @notice The module that implements the management functions (reached through the fallback).
    function module() external view returns (address);

    /// @notice One-time setup through the factory. `setupData` is calldata for the wallet's own management
    /// functions (add agents, set policies), run without timelock: it is the owners' initial configuration,
    /// committed to by the counterfactual address.
    function initialize(InitConfig calldata config, bytes[] calldata setupData) external;

    /// @notice Withdraws from the wallet's EntryPoint deposit (self-call: owners only).
    function withdrawDepositTo(address payable to, uint256 amount) external;

    /// @notice The wallet's EntryPoint deposit.
    function getDeposit() external view returns (uint256);

    /// @notice The word in this wallet's storage slot `slot`, as `eth_getStorageAt` returns it.
    /// @dev Why: every slot of a contract is public anyway (`eth_getStorageAt`); this lets a contract read them
    /// inside one `eth_call`. The wallet's views are answered from storage by the stateless `LeashLens`, reached
    /// by STATICCALL, so a view can neither write nor shadow a wallet function. Layout: ERC-7201 namespaces (see
    /// each manager and audits/storage-layout.reference.json).
    function extsload(bytes32 slot) external view returns (bytes32);

    /// @notice The words in storage slots `slots`, in order (see `extsload(bytes32)`).
    function extsload(bytes32[] calldata slots) external view returns (bytes32[] memory);

    /// @notice What each owner signs for an owners' user operation (nonce key 0): EIP-712
    /// `OwnerOperation(bytes32 userOpHash,uint256 epoch)` with the current `signatureEpoch`.
    function hashOwnerOperation(bytes32 userOpHash) external view returns (bytes32);

    /// @notice EIP-712 `LeashMessage(bytes32 hash,uint256 epoch)` bound to this wallet and the current
    /// `signatureEpoch`: what owners sign for ERC-1271.
    function replaySafeHash(bytes32 hash) external view returns (bytes32);
}
