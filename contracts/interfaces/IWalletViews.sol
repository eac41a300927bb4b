// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IProposalManager} from "./IProposalManager.sol";
import {AgentRules, AgentStatus, AssetLimits, Call, CallPermission} from "./LeashTypes.sol";

/// @title The management views of a Leash wallet, answered by the `LeashLens` singleton.
/// @notice A wallet answers these through its module's fallback, which forwards the call to the lens by
/// STATICCALL: the lens reads the wallet's storage through `extsload` and can change nothing. They come last
/// (only a selector neither the core nor the module implements reaches them), so they can't shadow a function.
/// Call the lens directly (`lens.getAgent(wallet, agent)`) to skip the two hops.
interface IWalletViews {
    /// @dev No code answers `selector` on this wallet: neither the core nor the module implements it, and it is
    /// none of these views (the lens answers only them). Raised by the lens's fallback; value sent with such a call
    /// is refused.
    error LensUnknownView(bytes4 selector);

    // ---- Owners (IOwnerManager) ----

    /// @notice The current owners, in insertion order.
    function getOwners() external view returns (address[] memory);

    /// @notice Whether `account` is an owner.
    function isOwner(address account) external view returns (bool);

    /// @notice Approvals needed for a proposal or a signature.
    function threshold() external view returns (uint256);

    /// @notice The epoch every owner's and guardian's signature names (the `epoch` field of `ExecuteCalls`,
    /// `ApproveProposal`, `GuardianAction`, `OwnerOperation` and `LeashMessage`): it changes each time an owner or
    /// a guardian is added or removed, so no signature made before such a change counts after it.
    function signatureEpoch() external view returns (uint256);

    // ---- Guardians and the pause (IGuardianManager) ----

    /// @notice Whether `account` is a guardian (owners are guardians too).
    function isGuardian(address account) external view returns (bool);

    /// @notice The extra guardians (owners are not listed here).
    function getGuardians() external view returns (address[] memory);

    /// @notice Whether the wallet is paused.
    function paused() external view returns (bool);

    /// @notice When the current pause started (0 when not paused).
    function pausedAt() external view returns (uint256);

    /// @notice Minimum seconds between `pause` and `unpause`.
    function minPauseDuration() external view returns (uint256);

    // ---- Timelock (ITimelock) ----

    /// @notice Delay for loosening admin changes (agents, owners, guardians, policies).
    function adminDelay() external view returns (uint256);

    /// @notice Delay for upgrades and for changing the delays themselves.
    function upgradeDelay() external view returns (uint256);

    // ---- Proposals and owners' signed calls (IProposalManager) ----

    /// @notice EIP-712 digest the owners sign for `executeWithSignatures`: `ExecuteCalls(Call[] calls,uint256 nonce,
    /// uint256 deadline,uint256 epoch)` in the current `signatureEpoch` (void once an owner or guardian changes).
    function hashSignedCalls(
        Call[] calldata calls,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32);

    /// @notice Whether a signature nonce was used.
    function isNonceUsed(uint256 nonce) external view returns (bool);

    /// @notice A proposal's state, times and approval count among the current owners.
    function getProposal(
        uint256 id
    )
        external
        view
        returns (
            IProposalManager.ProposalState state,
            address proposer,
            address escalatedBy,
            uint256 expiresAt,
            uint256 eta,
            uint256 delay,
            uint256 approvals
        );

    /// @notice A proposal's calls.
    function getProposalCalls(uint256 id) external view returns (Call[] memory);

    /// @notice Whether `owner` approved proposal `id`.
    function hasApproved(uint256 id, address owner) external view returns (bool);

    /// @notice Number of proposals ever created (ids are 1..proposalCount).
    function proposalCount() external view returns (uint256);

    // ---- Agents (IAgentManager) ----

    /// @notice The agent's record.
    function getAgent(
        address agent
    )
        external
        view
        returns (
            address key,
            AgentStatus status,
            uint256 validAfter,
            uint256 validUntil,
            AgentRules memory rules
        );

    /// @notice The agent a session key belongs to (zero if none).
    function agentOfKey(address key) external view returns (address);

    /// @notice The agent's gas budget: `gasSpent` wei charged since it last refilled (validation charges every op
    /// its maximum cost: all gas limits x maxFeePerGas), and whether a new local day has begun since then
    /// (`refillPending`: the next executed op, or `startAgentDay`, sets `gasSpent` to zero). An op validates only
    /// while `gasSpent + its maximum cost <= rules.gasPerDay` (unless gasPerDay is type(uint64).max, no limit).
    function gasBudget(address agent) external view returns (uint256 gasSpent, bool refillPending);

    // ---- Policy (IPolicyEngine) ----

    /// @notice What the agent may still spend of `asset` right now: per transaction, today, this week and
    /// this month, each the lower of the agent's own and the wallet-wide cap (type(uint256).max = no cap).
    function remaining(
        address agent,
        address asset
    ) external view returns (uint256 perTx, uint256 daily, uint256 weekly, uint256 monthly);

    /// @notice The agent's limits for `asset` and whether the asset is enabled for it.
    function getAssetLimits(
        address agent,
        address asset
    ) external view returns (AssetLimits memory, bool enabled);

    /// @notice What the agent spent of `asset` in the current day, week and month.
    function spent(
        address agent,
        address asset
    ) external view returns (uint256 daily, uint256 weekly, uint256 monthly);

    /// @notice The wallet-wide caps and what all agents spent of `asset` in the current windows.
    function walletCaps(
        address asset
    )
        external
        view
        returns (bool enabled, uint256[3] memory caps, uint256[3] memory spentInWindows);

    /// @notice Whether `recipient` is on the agent's allowlist.
    function isRecipientAllowed(address agent, address recipient) external view returns (bool);

    /// @notice The agent's permission for `selector` on `target`.
    function getCallPermission(
        address agent,
        address target,
        bytes4 selector
    ) external view returns (CallPermission memory);

    /// @notice The wallet's UTC offset in seconds.
    function utcOffset() external view returns (int256);

    /// @notice The most the agent's key can still cost the wallet in `asset` (address(0) = native, gas included)
    /// from now until the end of the wallet's current local day, with no owner or guardian action in between;
    /// type(uint256).max when nothing bounds it. 0 for a revoked, suspended, expired or unknown agent.
    /// @dev The bound, for an active agent whose key is (or becomes) valid today:
    /// - `asset`: the agent's remaining day allowance, i.e. the least of what is left of its daily, weekly and
    ///   monthly caps and of the wallet-wide caps (`remaining(agent, asset).daily`); 0 if it has no limits for
    ///   `asset`. It covers every path: token movements are always decoded (no permission may carry a
    ///   token-moving selector) and native value sent with a permitted call counts toward the native caps.
    ///   Ops that fail move nothing and count nothing.
    /// - native adds the gas budget: `gasPerDay - gasSpent` (at least 0), plus one whole `gasPerDay` when a new
    ///   local day has begun since the agent's last executed op (ops validated before that day's first execution
    ///   draw on the old budget, then it refills). Every op that passes validation is charged its maximum cost
    ///   (all gas limits x maxFeePerGas), which bounds what the EntryPoint takes from the wallet for it, whether
    ///   it then succeeds or fails. Over any N consecutive local days the gas the agent's ops cost the wallet is
    ///   at most (N + 1) x gasPerDay.
    /// Not agent-only losses, so not counted: escalated payments (owners execute them) and what a permitted
    /// call does beyond its value (e.g. a contract the owners permitted spending an allowance they granted).
    function maxLoss(address agent, address asset) external view returns (uint256);

    // ---- Signed actions (ISignedActions) ----

    /// @notice The EIP-712 digest a guardian signs for `executeGuardianAction`.
    function hashGuardianAction(
        bytes calldata data,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32);

    /// @notice The EIP-712 digest each owner signs for `approveWithSignatures`.
    function hashProposalApproval(
        uint256 id,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32);

    // ---- The EntryPoint deposit and owners' operations ----

    /// @notice The wallet's EntryPoint deposit.
    function getDeposit() external view returns (uint256);

    /// @notice What each owner signs for an owners' user operation (nonce key 0): EIP-712
    /// `OwnerOperation(bytes32 userOpHash,uint256 epoch)` with the current `signatureEpoch`.
    function hashOwnerOperation(bytes32 userOpHash) external view returns (bytes32);
}
