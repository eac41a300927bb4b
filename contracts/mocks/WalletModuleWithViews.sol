// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {IProposalManager} from "../interfaces/IProposalManager.sol";
import {
    AgentRules,
    AgentStatus,
    AssetLimits,
    Call,
    CallPermission
} from "../interfaces/LeashTypes.sol";
import {DecimalAmount} from "../policy/DecimalAmount.sol";
import {SpendLimits} from "../policy/SpendWindows.sol";
import {WalletModule} from "../wallet/WalletModule.sol";
import {UNLIMITED_GAS} from "../wallet/WalletConstants.sol";

/// @title Test oracle for the lens: the wallet module plus every wallet view written in plain Solidity over the
/// managers' typed storage (the views the modules had before they moved to `LeashLens`).
/// @notice Test-only, over EIP-170 (tests deploy it with unlimited contract size). A wallet whose core delegates
/// here answers each view natively (the module's selectors come before its fallback), so test/lens/lens.test.ts
/// compares the lens, which decodes raw storage words, with code that reads the same state through the compiler's
/// own struct layout.
contract WalletModuleWithViews is WalletModule {
    constructor(IEntryPoint entryPoint_, address lens) WalletModule(entryPoint_, lens) {}

    function getOwners() external view returns (address[] memory) {
        return _getOwners();
    }

    function isOwner(address account) external view returns (bool) {
        return _isOwner(account);
    }

    function threshold() external view returns (uint256) {
        return _threshold();
    }

    function signatureEpoch() external view returns (uint256) {
        return _signatureEpoch();
    }

    function isGuardian(address account) external view returns (bool) {
        return _isGuardian(account);
    }

    function paused() external view returns (bool) {
        return _isPaused();
    }

    function adminDelay() external view returns (uint256) {
        return _adminDelay();
    }

    function upgradeDelay() external view returns (uint256) {
        return _upgradeDelay();
    }

    function hashSignedCalls(
        Call[] calldata calls,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return _hashSignedCalls(calls, nonce, deadline);
    }

    function getGuardians() external view returns (address[] memory) {
        return _guardianStorage().guardians;
    }

    function pausedAt() external view returns (uint256) {
        return _hot().pausedAt;
    }

    function minPauseDuration() external view returns (uint256) {
        return _hot().minPauseDuration;
    }

    function isNonceUsed(uint256 nonce) external view returns (bool) {
        return _proposalStorage().usedNonces[nonce];
    }

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
        )
    {
        Proposal storage p = _proposal(id);
        return (
            p.state,
            p.proposer,
            p.escalatedBy,
            p.expiresAt,
            p.eta,
            p.delay,
            _countApprovals(id)
        );
    }

    function getProposalCalls(uint256 id) external view returns (Call[] memory) {
        return _proposal(id).calls;
    }

    function hasApproved(uint256 id, address owner) external view returns (bool) {
        return _hasApproved(id, owner);
    }

    function proposalCount() external view returns (uint256) {
        return _proposalStorage().count;
    }

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
        )
    {
        AgentStorage storage $ = _agentStorage();
        key = $.currentKey[agent];
        Session memory s = $.sessions[key];
        return (key, s.status, s.validAfter, s.validUntil, $.rules[agent]);
    }

    function agentOfKey(address key) external view returns (address) {
        return _agentStorage().sessions[key].agent;
    }

    function gasBudget(address agent) external view returns (uint256 gasSpent, bool refillPending) {
        Velocity storage v = _policyStorage().velocity[agent];
        return (v.gasSpent, v.dayIndex != _windowIndexes().day);
    }

    function remaining(
        address agent,
        address asset
    ) public view returns (uint256 perTx, uint256 daily, uint256 weekly, uint256 monthly) {
        PolicyStorage storage $ = _policyStorage();
        AgentAsset storage a = $.agentAssets[agent][asset];
        if (!a.limits.enabled || _agentStatus(agent) != AgentStatus.Active) return (0, 0, 0, 0);
        perTx = _typed(a.limits).perTx;
        if (perTx == 0) perTx = type(uint256).max;
        (daily, weekly, monthly) = _leftIn(a.limits, a.spend);
        WalletAsset storage w = $.walletAssets[asset];
        if (_hot().walletCapAssets != 0 && w.caps.enabled) {
            (uint256 d, uint256 wk, uint256 m) = _leftIn(w.caps, w.spend);
            daily = _min(daily, d);
            weekly = _min(weekly, wk);
            monthly = _min(monthly, m);
        }
        // Nothing can pass a longer window's cap, so each figure is capped by the longer ones.
        weekly = _min(weekly, monthly);
        daily = _min(daily, weekly);
        perTx = _min(perTx, daily);
    }

    function maxLoss(address agent, address asset) external view returns (uint256 loss) {
        AgentStorage storage $a = _agentStorage();
        Session memory s = $a.sessions[$a.currentKey[agent]];
        if (s.status != AgentStatus.Active) return 0;
        if (s.validUntil != 0 && block.timestamp > s.validUntil) return 0;
        (, loss, , ) = remaining(agent, asset);
        if (asset != address(0)) return loss;
        uint256 gasPerDay = $a.rules[agent].gasPerDay;
        if (gasPerDay == UNLIMITED_GAS) return type(uint256).max;
        Velocity storage v = _policyStorage().velocity[agent];
        uint256 gasSpent = v.gasSpent;
        uint256 gasLeft = gasSpent < gasPerDay ? gasPerDay - gasSpent : 0;
        if (v.dayIndex != _windowIndexes().day) gasLeft += gasPerDay;
        // Saturates: an uncapped allowance stays "no bound" with gas added.
        return loss > type(uint256).max - gasLeft ? type(uint256).max : loss + gasLeft;
    }

    function getAssetLimits(
        address agent,
        address asset
    ) external view returns (AssetLimits memory, bool enabled) {
        SpendLimits storage l = _policyStorage().agentAssets[agent][asset].limits;
        return (_typed(l), l.enabled);
    }

    function spent(
        address agent,
        address asset
    ) external view returns (uint256 daily, uint256 weekly, uint256 monthly) {
        return _spentIn(_policyStorage().agentAssets[agent][asset].spend);
    }

    function walletCaps(
        address asset
    )
        external
        view
        returns (bool enabled, uint256[3] memory caps, uint256[3] memory spentInWindows)
    {
        WalletAsset storage w = _policyStorage().walletAssets[asset];
        AssetLimits memory c = _typed(w.caps);
        caps = [uint256(c.daily), c.weekly, c.monthly];
        (uint256 d, uint256 wk, uint256 m) = _spentIn(w.spend);
        return (w.caps.enabled, caps, [d, wk, m]);
    }

    function isRecipientAllowed(address agent, address recipient) external view returns (bool) {
        return _policyStorage().recipients[agent][recipient];
    }

    function getCallPermission(
        address agent,
        address target,
        bytes4 selector
    ) external view returns (CallPermission memory) {
        return _policyStorage().permissions[agent][target][selector];
    }

    function utcOffset() external view returns (int256) {
        return _hot().utcOffset;
    }

    /// @notice The EIP-712 digest a guardian signs for `executeGuardianAction` (see ISignedActions).
    function hashGuardianAction(
        bytes calldata data,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return _hashGuardianAction(data, nonce, deadline);
    }

    /// @notice The EIP-712 digest each owner signs for `approveWithSignatures` (see ISignedActions).
    function hashProposalApproval(
        uint256 id,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return _hashProposalApproval(id, nonce, deadline);
    }

    function getDeposit() external view returns (uint256) {
        return IEntryPoint(this.entryPoint()).balanceOf(address(this));
    }

    function hashOwnerOperation(bytes32 userOpHash) external view returns (bytes32) {
        return _hashOwnerOperation(userOpHash);
    }

    /// @dev The limits read through the struct's typed fields (not the word offsets the wallet and lens use).
    function _typed(SpendLimits storage slot_) private view returns (AssetLimits memory) {
        return
            AssetLimits(
                uint96(DecimalAmount.decode(slot_.perTx)),
                uint96(DecimalAmount.decode(slot_.approvalAbove)),
                uint96(DecimalAmount.decode(slot_.day)),
                uint96(DecimalAmount.decode(slot_.week)),
                uint96(DecimalAmount.decode(slot_.month))
            );
    }
}
