// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AgentRules, AgentStatus, AssetLimits, Call, CallPermission} from "./LeashTypes.sol";
import {IProposalManager} from "./IProposalManager.sol";

/// @title Every view of a Leash wallet, answered from the wallet's storage.
/// @notice Each function is the wallet view of the same name, with the wallet as first argument: same arguments
/// after it, same return types, same values, and the same revert data where the wallet view reverts (e.g.
/// `ProposalNotFound`). The lens reads the wallet only through its `extsload` (and, for `getDeposit`, its
/// `entryPoint()`), by STATICCALL: it can change nothing and shadow nothing. Stateless and without constructor
/// arguments: one deterministic address on every chain. Clock-dependent views (`remaining`, `spent`, `maxLoss`,
/// `gasBudget`, `walletCaps`) use the block of the call, as the wallet's do. A contract that answers `extsload` but
/// is not a Leash wallet (e.g. a Uniswap v4 PoolManager) is read as if it were one: pass a wallet.
interface ILeashLens {
    /// @dev `target` did not answer `extsload` (or `entryPoint()`) as a wallet does: an account without code, a
    /// contract without those functions, or one that returned data of another shape.
    error LensNotAWallet(address target);

    // ------------------------------------------------------------ owners (IOwnerManager)

    /// @notice The current owners (`IOwnerManager.getOwners`).
    function getOwners(address wallet) external view returns (address[] memory);

    /// @notice Whether `account` is an owner (`IOwnerManager.isOwner`).
    function isOwner(address wallet, address account) external view returns (bool);

    /// @notice The number of owner signatures that approve (`IOwnerManager.threshold`).
    function threshold(address wallet) external view returns (uint256);

    /// @notice The epoch every owner and guardian signature names (`IOwnerManager.signatureEpoch`).
    function signatureEpoch(address wallet) external view returns (uint256);

    // ------------------------------------------------------------ guardians (IGuardianManager)

    /// @notice Whether `account` is a guardian or an owner (`IGuardianManager.isGuardian`).
    function isGuardian(address wallet, address account) external view returns (bool);

    /// @notice The guardians, owners not included (`IGuardianManager.getGuardians`).
    function getGuardians(address wallet) external view returns (address[] memory);

    /// @notice Whether the wallet is paused (`IGuardianManager.paused`).
    function paused(address wallet) external view returns (bool);

    /// @notice When the current pause began, 0 when not paused (`IGuardianManager.pausedAt`).
    function pausedAt(address wallet) external view returns (uint256);

    /// @notice The shortest a pause lasts before owners may lift it (`IGuardianManager.minPauseDuration`).
    function minPauseDuration(address wallet) external view returns (uint256);

    // ------------------------------------------------------------ timelock (ITimelock)

    /// @notice The delay of owner-side loosenings (`ITimelock.adminDelay`).
    function adminDelay(address wallet) external view returns (uint256);

    /// @notice The delay of upgrades (`ITimelock.upgradeDelay`).
    function upgradeDelay(address wallet) external view returns (uint256);

    // ------------------------------------------------------------ proposals (IProposalManager)

    /// @notice The digest owners sign for `executeWithSignatures` in the current epoch
    /// (`IProposalManager.hashSignedCalls`).
    function hashSignedCalls(
        address wallet,
        Call[] calldata calls,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32);

    /// @notice Whether a signature nonce was used (`IProposalManager.isNonceUsed`).
    function isNonceUsed(address wallet, uint256 nonce) external view returns (bool);

    /// @notice A proposal's state, times and approvals among the current owners; reverts
    /// `ProposalNotFound(id)` for an id never created (`IProposalManager.getProposal`).
    function getProposal(
        address wallet,
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

    /// @notice A proposal's calls; reverts `ProposalNotFound(id)` for an id never created
    /// (`IProposalManager.getProposalCalls`).
    function getProposalCalls(address wallet, uint256 id) external view returns (Call[] memory);

    /// @notice Whether `owner` is an owner and approved `id` during its current ownership
    /// (`IProposalManager.hasApproved`).
    function hasApproved(address wallet, uint256 id, address owner) external view returns (bool);

    /// @notice The number of proposals ever created (`IProposalManager.proposalCount`).
    function proposalCount(address wallet) external view returns (uint256);

    // ------------------------------------------------------------ agents (IAgentManager)

    /// @notice The agent's current key, its status and validity, and its rules (`IAgentManager.getAgent`).
    function getAgent(
        address wallet,
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

    /// @notice The agent a session key belongs to, zero if none (`IAgentManager.agentOfKey`).
    function agentOfKey(address wallet, address key) external view returns (address);

    /// @notice The agent's gas charged since its budget last refilled, and whether a new local day has begun
    /// since then (`IAgentManager.gasBudget`).
    function gasBudget(
        address wallet,
        address agent
    ) external view returns (uint256 gasSpent, bool refillPending);

    // ------------------------------------------------------------ policy (IPolicyEngine)

    /// @notice What the agent may still spend of `asset` now: per transaction, today, this week, this month
    /// (`IPolicyEngine.remaining`).
    function remaining(
        address wallet,
        address agent,
        address asset
    ) external view returns (uint256 perTx, uint256 daily, uint256 weekly, uint256 monthly);

    /// @notice The most the agent's key can still cost the wallet in `asset` until the end of its local day,
    /// gas included for native (`IPolicyEngine.maxLoss`, whose documentation states the bound).
    function maxLoss(address wallet, address agent, address asset) external view returns (uint256);

    /// @notice The agent's limits for `asset` and whether the asset is enabled (`IPolicyEngine.getAssetLimits`).
    function getAssetLimits(
        address wallet,
        address agent,
        address asset
    ) external view returns (AssetLimits memory, bool enabled);

    /// @notice What the agent spent of `asset` in the current day, week and month (`IPolicyEngine.spent`).
    function spent(
        address wallet,
        address agent,
        address asset
    ) external view returns (uint256 daily, uint256 weekly, uint256 monthly);

    /// @notice The wallet-wide caps of `asset` and what all agents spent of it in the current windows
    /// (`IPolicyEngine.walletCaps`).
    function walletCaps(
        address wallet,
        address asset
    )
        external
        view
        returns (bool enabled, uint256[3] memory caps, uint256[3] memory spentInWindows);

    /// @notice Whether `recipient` is on the agent's allowlist (`IPolicyEngine.isRecipientAllowed`).
    function isRecipientAllowed(
        address wallet,
        address agent,
        address recipient
    ) external view returns (bool);

    /// @notice The agent's permission for `selector` on `target` (`IPolicyEngine.getCallPermission`).
    function getCallPermission(
        address wallet,
        address agent,
        address target,
        bytes4 selector
    ) external view returns (CallPermission memory);

    /// @notice The wallet's UTC offset in seconds (`IPolicyEngine.utcOffset`).
    function utcOffset(address wallet) external view returns (int256);

    // ------------------------------------------------------------ signed actions (ISignedActions)

    /// @notice The digest a guardian signs for `executeGuardianAction` (`ISignedActions.hashGuardianAction`).
    function hashGuardianAction(
        address wallet,
        bytes calldata data,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32);

    /// @notice The digest each owner signs for `approveWithSignatures`
    /// (`ISignedActions.hashProposalApproval`).
    function hashProposalApproval(
        address wallet,
        uint256 id,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32);

    // ------------------------------------------------------------ core (IAgentWalletCore)

    /// @notice The wallet's EntryPoint deposit (`IAgentWalletCore.getDeposit`).
    function getDeposit(address wallet) external view returns (uint256);

    /// @notice What each owner signs for an owners' user operation (`IAgentWalletCore.hashOwnerOperation`).
    function hashOwnerOperation(address wallet, bytes32 userOpHash) external view returns (bytes32);

    /// @notice What owners sign for ERC-1271 (`IAgentWalletCore.replaySafeHash`).
    function replaySafeHash(address wallet, bytes32 hash) external view returns (bytes32);
}
