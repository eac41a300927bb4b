// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IAgentManager} from "../interfaces/IAgentManager.sol";
import {IGuardianManager} from "../interfaces/IGuardianManager.sol";
import {IProposalManager} from "../interfaces/IProposalManager.sol";
import {ISignedActions} from "../interfaces/ISignedActions.sol";
import {IPolicyEngine} from "../interfaces/IPolicyEngine.sol";
import {AgentRules, AgentStatus, AssetLimits, CallPermission} from "../interfaces/LeashTypes.sol";
import {CallDecoder} from "../policy/CallDecoder.sol";
import {WindowCaps} from "../policy/SpendWindows.sol";
import {WalletModule} from "./WalletModule.sol";

/// @title Agent and policy management of a Leash wallet: agents and session keys, limits, caps, allowlists,
/// permissions, the policy views (`remaining`, `spent`, ...), and the digests of owners' and guardians'
/// signed actions and a guardian's signed action itself (`executeGuardianAction`; owners' signed approvals run in
/// `GovernanceModule`, beside the proposal logic they share).
/// @notice Runs only by DELEGATECALL (wallet fallback -> `GovernanceModule` fallback -> here), on the wallet's
/// ERC-7201 storage. Immutable, deployed with the implementation.
contract AgentPolicyModule is WalletModule, IAgentManager, IPolicyEngine {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IEntryPoint entryPoint_) WalletModule(entryPoint_) {}

    /// @inheritdoc IAgentManager
    function addAgent(
        address key,
        uint48 validAfter,
        uint48 validUntil,
        AgentRules calldata rules
    ) external onlySelf {
        AgentStorage storage $ = _agentStorage();
        // The agent id is its first key; `_checkNewKey` also refuses every existing agent id, since an agent's
        // first key keeps its session record (as a tombstone after rotation).
        _checkNewKey(key);
        _checkValidity(validAfter, validUntil);
        _checkRules(rules);
        $.sessions[key] = Session(key, uint40(validAfter), uint40(validUntil), AgentStatus.Active);
        $.currentKey[key] = key;
        $.rules[key] = rules;
        emit AgentAdded(key, validAfter, validUntil, rules);
    }

    /// @inheritdoc IAgentManager
    function suspendAgent(address agent) external onlyGuardian {
        Session storage s = _sessionOf(agent);
        if (s.status != AgentStatus.Active) revert AgentInvalidStatus(agent, s.status);
        s.status = AgentStatus.Suspended;
        emit AgentSuspended(agent, msg.sender);
    }

    /// @inheritdoc IAgentManager
    function resumeAgent(address agent) external onlySelf {
        Session storage s = _sessionOf(agent);
        if (s.status != AgentStatus.Suspended) revert AgentInvalidStatus(agent, s.status);
        s.status = AgentStatus.Active;
        emit AgentResumed(agent);
    }

    /// @inheritdoc IAgentManager
    function revokeAgent(address agent) external onlyGuardian {
        Session storage s = _sessionOf(agent);
        if (s.status == AgentStatus.Revoked) revert AgentInvalidStatus(agent, s.status);
        s.status = AgentStatus.Revoked;
        emit AgentRevoked(agent, msg.sender);
    }

    /// @inheritdoc IAgentManager
    function rotateAgentKey(address agent, address newKey) external onlySelf {
        AgentStorage storage $ = _agentStorage();
        Session memory old = _sessionOf(agent);
        if (old.status == AgentStatus.Revoked) revert AgentInvalidStatus(agent, old.status);
        _checkNewKey(newKey);
        address oldKey = $.currentKey[agent];
        $.sessions[newKey] = old;
        // The old key stays as a revoked tombstone: it can never sign for this wallet again.
        $.sessions[oldKey].status = AgentStatus.Revoked;
        $.currentKey[agent] = newKey;
        emit AgentKeyRotated(agent, oldKey, newKey);
    }

    /// @inheritdoc IAgentManager
    function setAgentRules(
        address agent,
        uint48 validAfter,
        uint48 validUntil,
        AgentRules calldata rules
    ) external onlySelfByEffect {
        (bytes32 field, , ) = _looserAgentField(agent, validAfter, validUntil, rules);
        if (field != bytes32(0)) _requireDelay(_adminDelay());
        _replaceRules(agent, validAfter, validUntil, rules);
    }

    /// @inheritdoc IAgentManager
    function tightenAgentRules(
        address agent,
        uint48 validAfter,
        uint48 validUntil,
        AgentRules calldata rules
    ) external onlySelfByEffect {
        (bytes32 field, uint256 current, uint256 requested) = _looserAgentField(
            agent,
            validAfter,
            validUntil,
            rules
        );
        if (field != bytes32(0)) revert AgentNotTighter(_name(field), current, requested);
        _replaceRules(agent, validAfter, validUntil, rules);
    }

    /// @inheritdoc IAgentManager
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

    /// @inheritdoc IAgentManager
    function agentOfKey(address key) external view returns (address) {
        return _agentStorage().sessions[key].agent;
    }

    /// @inheritdoc IAgentManager
    function gasBudget(address agent) external view returns (uint256 gasSpent, bool refillPending) {
        Velocity storage v = _policyStorage().velocity[agent];
        return (v.gasSpent, v.dayIndex != _windowIndexes().day);
    }

    /// @inheritdoc IAgentManager
    function startAgentDay(address agent) external {
        // Only a known agent: the write can't be made to grow storage for arbitrary addresses.
        if (_agentStorage().currentKey[agent] == address(0)) revert AgentNotFound(agent);
        (bool started, uint256 day) = _startAgentDay(agent);
        if (started) emit AgentDayStarted(agent, day, msg.sender);
    }

    /// @inheritdoc IPolicyEngine
    function setAssetLimits(
        address agent,
        address asset,
        AssetLimits calldata limits
    ) external onlySelfByEffect {
        _requireKnownAgent(agent);
        if (limits.perTx == 0 && limits.daily == 0 && limits.weekly == 0 && limits.monthly == 0) {
            revert PolicyUnboundedAsset(agent, asset);
        }
        AgentAsset storage a = _policyStorage().agentAssets[agent][asset];
        // A new asset lets the agent move more; so does any cap raised or lifted.
        if (!a.caps.enabled || _looserLimitField(a, limits) != bytes32(0))
            _requireDelay(_adminDelay());
        _writeAssetLimits(agent, asset, limits, true);
    }

    /// @inheritdoc IPolicyEngine
    function tightenAssetLimits(
        address agent,
        address asset,
        AssetLimits calldata limits
    ) external onlySelfByEffect {
        AgentAsset storage a = _policyStorage().agentAssets[agent][asset];
        if (!a.caps.enabled) revert PolicyAssetNotAllowed(agent, asset);
        bytes32 field = _looserLimitField(a, limits);
        if (field != bytes32(0)) {
            (uint256 current, uint256 requested) = _limitField(a, limits, field);
            revert PolicyNotTighter(_name(field), current, requested);
        }
        _writeAssetLimits(agent, asset, limits, true);
    }

    /// @inheritdoc IPolicyEngine
    /// @dev Instant only when no other path moves the token once its limits are gone: with a call permission
    /// on the token for a movement selector, its transfers would run uncapped and unchecked.
    function removeAssetLimits(address agent, address asset) external onlySelfByEffect {
        PolicyStorage storage $ = _policyStorage();
        if (!$.agentAssets[agent][asset].caps.enabled) revert PolicyAssetNotAllowed(agent, asset);
        // Always a tightening: token movements are only ever decoded and counted under asset limits (no call
        // permission may carry one, `setCallPermission` refuses them), so without limits the asset can't move.
        _writeAssetLimits(agent, asset, AssetLimits(0, 0, 0, 0, 0), false);
    }

    /// @inheritdoc IPolicyEngine
    function setWalletCaps(
        address asset,
        uint96 daily,
        uint96 weekly,
        uint96 monthly
    ) external onlySelfByEffect {
        WalletAsset storage w = _policyStorage().walletAssets[asset];
        // Disabled caps read as zero, "no cap": a new cap is a tightening.
        if (
            !_notLooser(daily, w.caps.day) ||
            !_notLooser(weekly, w.caps.week) ||
            !_notLooser(monthly, w.caps.month)
        ) {
            _requireDelay(_adminDelay());
        }
        _writeWalletCaps(asset, daily, weekly, monthly);
    }

    /// @inheritdoc IPolicyEngine
    function tightenWalletCaps(
        address asset,
        uint96 daily,
        uint96 weekly,
        uint96 monthly
    ) external onlySelfByEffect {
        WalletAsset storage w = _policyStorage().walletAssets[asset];
        if (!w.caps.enabled) revert PolicyAssetNotAllowed(address(this), asset);
        _requireNotLooser("walletDaily", daily, w.caps.day);
        _requireNotLooser("walletWeekly", weekly, w.caps.week);
        _requireNotLooser("walletMonthly", monthly, w.caps.month);
        _writeWalletCaps(asset, daily, weekly, monthly);
    }

    /// @inheritdoc IPolicyEngine
    function allowRecipient(address agent, address recipient) external onlySelfByEffect {
        _requireKnownAgent(agent);
        // A new place to send to; allowing one already allowed changes nothing.
        if (!_policyStorage().recipients[agent][recipient]) _requireDelay(_adminDelay());
        if (
            recipient == address(this) ||
            recipient == _entryPointAddress() ||
            recipient == address(0)
        ) {
            revert PolicyForbiddenTarget(agent, recipient);
        }
        _policyStorage().recipients[agent][recipient] = true;
        emit RecipientAllowed(agent, recipient);
    }

    /// @inheritdoc IPolicyEngine
    function removeRecipient(address agent, address recipient) external onlySelfByEffect {
        PolicyStorage storage $ = _policyStorage();
        if (!$.recipients[agent][recipient]) revert PolicyRecipientNotAllowed(agent, recipient);
        $.recipients[agent][recipient] = false;
        emit RecipientRemoved(agent, recipient);
    }

    /// @inheritdoc IPolicyEngine
    function setCallPermission(
        address agent,
        address target,
        bytes4 selector,
        uint96 maxValue,
        uint48 expiresAt
    ) external onlySelfByEffect {
        _requireKnownAgent(agent);
        CallPermission memory old = _policyStorage().permissions[agent][target][selector];
        // Instant only when narrowing a permission the agent already has: no more value, no later expiry.
        if (!old.allowed || maxValue > old.maxValue || !_notLooser(expiresAt, old.expiresAt)) {
            _requireDelay(_adminDelay());
        }
        if (target == address(this) || target == _entryPointAddress() || target == address(0)) {
            revert PolicyForbiddenTarget(agent, target);
        }
        if (CallDecoder.isTokenMovingSelector(selector))
            revert PolicyPermissionMovesTokens(agent, target, selector);
        if (expiresAt != 0 && expiresAt <= block.timestamp) {
            revert PolicyCallPermissionExpired(agent, target, selector, expiresAt);
        }
        _writePermission(agent, target, selector, CallPermission(true, maxValue, expiresAt));
    }

    /// @inheritdoc IPolicyEngine
    function revokeCallPermission(
        address agent,
        address target,
        bytes4 selector
    ) external onlySelfByEffect {
        if (!_policyStorage().permissions[agent][target][selector].allowed) {
            revert PolicyCallNotAllowed(agent, target, selector);
        }
        _writePermission(agent, target, selector, CallPermission(false, 0, 0));
    }

    /// @inheritdoc IPolicyEngine
    function setUtcOffset(int32 offsetSeconds) external onlySelf {
        _setUtcOffset(offsetSeconds);
    }

    /// @inheritdoc IPolicyEngine
    function remaining(
        address agent,
        address asset
    ) public view returns (uint256 perTx, uint256 daily, uint256 weekly, uint256 monthly) {
        PolicyStorage storage $ = _policyStorage();
        AgentAsset storage a = $.agentAssets[agent][asset];
        if (!a.caps.enabled || _agentStatus(agent) != AgentStatus.Active) return (0, 0, 0, 0);
        perTx = a.perTx == 0 ? type(uint256).max : a.perTx;
        (daily, weekly, monthly) = _leftIn(a.caps, a.spend);
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

    /// @inheritdoc IPolicyEngine
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

    /// @inheritdoc IPolicyEngine
    function getAssetLimits(
        address agent,
        address asset
    ) external view returns (AssetLimits memory, bool enabled) {
        AgentAsset storage a = _policyStorage().agentAssets[agent][asset];
        WindowCaps memory caps = a.caps;
        return (
            AssetLimits(a.perTx, a.approvalAbove, caps.day, caps.week, caps.month),
            caps.enabled
        );
    }

    /// @inheritdoc IPolicyEngine
    function spent(
        address agent,
        address asset
    ) external view returns (uint256 daily, uint256 weekly, uint256 monthly) {
        return _spentIn(_policyStorage().agentAssets[agent][asset].spend);
    }

    /// @inheritdoc IPolicyEngine
    function walletCaps(
        address asset
    )
        external
        view
        returns (bool enabled, uint256[3] memory caps, uint256[3] memory spentInWindows)
    {
        WalletAsset storage w = _policyStorage().walletAssets[asset];
        WindowCaps memory c = w.caps;
        caps = [uint256(c.day), c.week, c.month];
        (uint256 d, uint256 wk, uint256 m) = _spentIn(w.spend);
        return (c.enabled, caps, [d, wk, m]);
    }

    /// @inheritdoc IPolicyEngine
    function isRecipientAllowed(address agent, address recipient) external view returns (bool) {
        return _policyStorage().recipients[agent][recipient];
    }

    /// @inheritdoc IPolicyEngine
    function getCallPermission(
        address agent,
        address target,
        bytes4 selector
    ) external view returns (CallPermission memory) {
        return _policyStorage().permissions[agent][target][selector];
    }

    /// @inheritdoc IPolicyEngine
    function utcOffset() external view returns (int256) {
        return _hot().utcOffset;
    }

    /// @notice The first field of `rules` (and the validity range) that would let `agent` act more, more often
    /// or for longer than now, with its current and requested value; zero when none does. One line per
    /// field: a new "more is looser" field (a budget) is one more `_more` line.
    function _looserAgentField(
        address agent,
        uint48 validAfter,
        uint48 validUntil,
        AgentRules calldata rules
    ) private view returns (bytes32, uint256, uint256) {
        Session memory s = _sessionOf(agent);
        AgentRules memory r = _agentStorage().rules[agent];
        if (validAfter < s.validAfter) return ("validAfter", s.validAfter, validAfter);
        if (!_notLooser(validUntil, s.validUntil)) return ("validUntil", s.validUntil, validUntil);
        if (rules.maxOpCost > r.maxOpCost) return ("maxOpCost", r.maxOpCost, rules.maxOpCost);
        // type(uint64).max (no limit) is the largest value, so "not above" is the whole comparison.
        if (rules.gasPerDay > r.gasPerDay) return ("gasPerDay", r.gasPerDay, rules.gasPerDay);
        if (!_notLooser(rules.maxOpsPerHour, r.maxOpsPerHour))
            return ("maxOpsPerHour", r.maxOpsPerHour, rules.maxOpsPerHour);
        if (!_notLooser(rules.maxOpsPerDay, r.maxOpsPerDay))
            return ("maxOpsPerDay", r.maxOpsPerDay, rules.maxOpsPerDay);
        if (rules.minSecondsBetweenOps < r.minSecondsBetweenOps)
            return ("minSecondsBetweenOps", r.minSecondsBetweenOps, rules.minSecondsBetweenOps);
        if (rules.allowedHours & ~r.allowedHours != 0)
            return ("allowedHours", r.allowedHours, rules.allowedHours);
        if (rules.allowedDays & ~r.allowedDays != 0)
            return ("allowedDays", r.allowedDays, rules.allowedDays);
        return (bytes32(0), 0, 0);
    }

    /// @notice The first of an asset's limits `limits` would raise or lift (zero if none): caps where zero
    /// means "no cap"; `approvalAbove` too (zero = never escalate, the loosest).
    function _looserLimitField(
        AgentAsset storage a,
        AssetLimits calldata limits
    ) private view returns (bytes32) {
        if (!_notLooser(limits.perTx, a.perTx)) return "perTx";
        if (!_notLooser(limits.approvalAbove, a.approvalAbove)) return "approvalAbove";
        if (!_notLooser(limits.daily, a.caps.day)) return "daily";
        if (!_notLooser(limits.weekly, a.caps.week)) return "weekly";
        if (!_notLooser(limits.monthly, a.caps.month)) return "monthly";
        return bytes32(0);
    }

    /// @dev The current and requested values of limit `field` (for the revert of `tightenAssetLimits`).
    function _limitField(
        AgentAsset storage a,
        AssetLimits calldata limits,
        bytes32 field
    ) private view returns (uint256, uint256) {
        if (field == "perTx") return (a.perTx, limits.perTx);
        if (field == "approvalAbove") return (a.approvalAbove, limits.approvalAbove);
        if (field == "daily") return (a.caps.day, limits.daily);
        if (field == "weekly") return (a.caps.week, limits.weekly);
        return (a.caps.month, limits.monthly);
    }

    /// @dev A short ASCII name packed left in a bytes32, as a string.
    function _name(bytes32 field) private pure returns (string memory name) {
        uint256 n = 0;
        while (n < 32 && field[n] != 0) ++n;
        name = new string(n);
        for (uint256 i = 0; i < n; ++i) bytes(name)[i] = field[i];
    }

    /// @notice Runs one guardian's tightening action signed as EIP-712 `GuardianAction` (see ISignedActions);
    /// anyone (a relayer) may submit it, so a guardian needs no ETH.
    function executeGuardianAction(
        address guardian,
        bytes calldata data,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        bytes4 selector = data.length < 4 ? bytes4(0) : bytes4(data[:4]);
        // Tightening only: what one guardian may do alone. Anything else needs the owners' threshold.
        if (
            selector != IGuardianManager.pause.selector &&
            selector != IAgentManager.suspendAgent.selector &&
            selector != IAgentManager.revokeAgent.selector &&
            selector != IProposalManager.cancel.selector
        ) revert ISignedActions.SignedActionNotAllowed(selector);
        if (!_isGuardian(guardian)) revert IGuardianManager.GuardianUnauthorized(guardian);
        bytes32 digest = _hashGuardianAction(data, nonce, deadline);
        _useSignedNonce(nonce, deadline);
        if (!SignatureChecker.isValidSignatureNowCalldata(guardian, digest, signature))
            revert IProposalManager.SignatureInvalid(digest);
        // The self-call below runs as the wallet, so the rule `cancel` applies to its caller is applied to the
        // guardian who signed: the vetoer a proposal removes can't veto its own removal by signature either.
        if (selector == IProposalManager.cancel.selector) {
            uint256 id = abi.decode(data[4:], (uint256));
            _checkVetoer(id, _proposal(id), guardian);
        }
        emit ISignedActions.GuardianActionSigned(guardian, selector, nonce);
        // Guardian functions admit the wallet itself (`onlyGuardian`); pause and cancel live in the governance
        // module, reached through the wallet's fallback.
        Address.functionCall(address(this), data);
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
}
