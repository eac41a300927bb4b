// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccount} from "@account-abstraction/contracts/interfaces/IAccount.sol";
import {IAccountExecute} from "@account-abstraction/contracts/interfaces/IAccountExecute.sol";
import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {Call} from "./LeashTypes.sol";

/// @title The wallet's own entry points: ERC-4337 validation and execution, ERC-1271, setup.
/// @notice User operations: agents use the 2D nonce key `uint192(uint160(sessionKey))`, owners key 0.
/// An agent's `callData` calls `executeAgentCall(key, target, value, data)` (one call) or
/// `executeAgentCalls(key, calls)` (a batch) with its own session key, and the agent signs the userOpHash with
/// that key. The owners' `callData` is `executeUserOp.selector ++ abi.encode(Call[])`, signed with the packed
/// multisig format (see `OwnerManager`).
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

    /// @dev `executeUserOp` ran an operation whose nonce key isn't 0: it runs the owners' operations only (agents'
    /// operations call `executeAgentCall` or `executeAgentCalls`).
    error WalletInvalidNonceKey(uint256 nonceKey);
    /// @dev Setup call `index` reverted with `reason`.
    error WalletSetupFailed(uint256 index, bytes reason);

    /// @notice The EntryPoint this wallet trusts.
    function entryPoint() external view returns (IEntryPoint);

    /// @notice The module that implements the management functions (reached through the fallback).
    function module() external view returns (address);

    /// @notice Runs one call of an agent's user operation under its policy (EntryPoint only). `key` is the
    /// agent's session key: validation accepted the operation only when `key` is its nonce key and the key signed
    /// it, so the agent named here is the one that signed.
    /// @dev The agent's own entry point: the EntryPoint passes the operation's `callData` as is (no
    /// `executeUserOp` re-encoding of the whole operation), and the call is decoded by the ABI decoder.
    /// Re-checks what an earlier operation of the same bundle may have changed: the wallet's pause, and the
    /// key's agent, status and validity range.
    function executeAgentCall(
        address key,
        address target,
        uint256 value,
        bytes calldata data
    ) external;

    /// @notice Like `executeAgentCall`, for a batch of 1 to `MAX_CALLS` calls: all run or none.
    function executeAgentCalls(address key, Call[] calldata calls) external;

    /// @notice Executes a queued proposal (see `IProposalManager`) within `GRACE_PERIOD` after its eta, while its
    /// approvals still meet the threshold. Anyone may call. An owners' proposal runs its calls, each setter
    /// checking its delay against the time the proposal was queued; an escalated payment runs as the agent's
    /// spending under every rule but `approvalAbove`, and is refused while the wallet is paused or the agent is
    /// not active.
    /// @dev In the core, beside the policy engine an escalated payment runs through: the engine is compiled into
    /// the core alone, not into a module.
    function execute(uint256 id) external payable;

    /// @notice Executes (or queues, when a call loosens) a batch signed off-chain by M owners.
    function executeWithSignatures(
        Call[] calldata calls,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signatures
    ) external payable returns (uint256 queuedId);

    /// @notice Records owners' approvals of pending proposal `id`, each signed as EIP-712
    /// `ApproveProposal(uint256 id,uint256 nonce,uint256 deadline,uint256 epoch)` and packed like
    /// `executeWithSignatures` (signer ‖ length ‖ signature, signers ascending). One or more owners; owners who
    /// already approved are skipped. Queues the proposal once the approvals reach the threshold. Anyone may submit
    /// it.
    function approveWithSignatures(
        uint256 id,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signatures
    ) external;

    /// @notice Starts the agent's new local day when one has begun since its last executed op: resets its
    /// daily op count and refills its gas budget, exactly what that day's first executed op would do. Anyone
    /// may call it (validation can't read the clock, so an agent whose budget ran out could never execute the
    /// op that refills it); on the agent's current day it changes nothing.
    function startAgentDay(address agent) external;

    /// @notice Withdraws from the wallet's EntryPoint deposit (self-call: owners only).
    function withdrawDepositTo(address payable to, uint256 amount) external;

    /// @notice The word in this wallet's storage slot `slot`, as `eth_getStorageAt` returns it.
    /// @dev Why: every slot of a contract is public anyway (`eth_getStorageAt`); this lets a contract read them
    /// inside one `eth_call`. The wallet's views are answered from storage by the stateless `LeashLens`, reached
    /// by STATICCALL, so a view can neither write nor shadow a wallet function. Layout: ERC-7201 namespaces (see
    /// each manager and audits/storage-layout.reference.json).
    function extsload(bytes32 slot) external view returns (bytes32);

    /// @notice The words in storage slots `slots`, in order (see `extsload(bytes32)`).
    function extsload(bytes32[] calldata slots) external view returns (bytes32[] memory);

    /// @notice EIP-712 `LeashMessage(bytes32 hash,uint256 epoch)` bound to this wallet and the current
    /// `signatureEpoch`: what owners sign for ERC-1271.
    function replaySafeHash(bytes32 hash) external view returns (bytes32);
}
