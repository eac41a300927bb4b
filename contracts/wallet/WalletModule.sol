// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {IAgentManager} from "../interfaces/IAgentManager.sol";
import {IAgentWalletCore} from "../interfaces/IAgentWalletCore.sol";
import {IGuardianManager} from "../interfaces/IGuardianManager.sol";
import {IOwnerManager} from "../interfaces/IOwnerManager.sol";
import {IPolicyEngine} from "../interfaces/IPolicyEngine.sol";
import {IProposalManager} from "../interfaces/IProposalManager.sol";
import {ISignedActions} from "../interfaces/ISignedActions.sol";
import {ITimelock} from "../interfaces/ITimelock.sol";
import {IWalletBase} from "../interfaces/IWalletBase.sol";
import {IWalletSetup} from "../interfaces/IWalletSetup.sol";
import {
    AgentRules,
    AgentStatus,
    AssetLimits,
    Call,
    CallPermission
} from "../interfaces/LeashTypes.sol";
import {CallDecoder} from "../policy/CallDecoder.sol";
import {ProposalManager} from "./ProposalManager.sol";
import {MAX_PROPOSAL_LIFETIME} from "./WalletConstants.sol";

/// @title The management module of a Leash wallet: setup, owners, guardians and the pause, the timelock,
/// proposals, a guardian's signed action, agents and their session keys, limits, caps, allowlists and permissions.
/// @notice The wallet's one DELEGATECALL target: it runs only from an `AgentWallet` proxy's fallback, on the
/// wallet's ERC-7201 storage, for every selector the core doesn't implement. Immutable, deployed with the
/// implementation. Selectors it doesn't implement either are the wallet's views (`IWalletViews`): its own
/// fallback forwards them to the `LeashLens` singleton by STATICCALL, which reads the wallet's storage through
/// `extsload` and can change nothing. Called directly, the module acts on its own empty storage and holds
/// nothing, so there is nothing to gain from that.
/// @dev The policy engine's enforcement (an agent's spending path) is compiled into the core alone
/// (`test/wallet/modules.test.ts`): everything here configures, nothing here charges a budget.
contract WalletModule is
    ProposalManager,
    Initializable,
    IOwnerManager,
    IGuardianManager,
    ITimelock,
    IProposalManager,
    IAgentManager,
    IPolicyEngine,
    ISignedActions,
    IWalletSetup
{
    IEntryPoint private immutable ENTRY_POINT;
    address private immutable LENS;
    /// @dev This module's own address, for the setup calls `initialize` delegates to it.
    address private immutable SELF = address(this);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IEntryPoint entryPoint_, address lens) {
        // The views are the lens's: a module without one would answer none of them.
        if (lens.code.length == 0) revert WalletLensMissing(lens);
        ENTRY_POINT = entryPoint_;
        LENS = lens;
        _disableInitializers();
    }

    /// @inheritdoc IWalletSetup
    /// @dev It runs inside the proxy's constructor, where the proxy has no code yet, so each setup call is a
    /// DELEGATECALL into this module (`SELF`), and `onlySelf` admits it while initializing (`_inSetup`).
    function initialize(
        IAgentWalletCore.InitConfig calldata config,
        bytes[] calldata setupData
    ) external initializer {
        _initOwners(config.owners, config.threshold);
        _initGuardians(config.guardians, config.minPauseDuration);
        _initDelays();
        _setUtcOffset(config.utcOffset);
        emit IAgentWalletCore.WalletInitialized(
            address(ENTRY_POINT),
            config.owners,
            config.threshold,
            config.guardians
        );
        // Setup is the owners' initial configuration (agents, policies), committed to by the wallet's
        // counterfactual address, so it runs without the timelock; it may only configure the wallet itself.
        if (setupData.length > MAX_CALLS)
            revert ProposalInvalidCallCount(setupData.length, MAX_CALLS);
        for (uint256 i = 0; i < setupData.length; ++i) {
            (bool ok, bytes memory result) = SELF.delegatecall(setupData[i]);
            if (!ok) revert IAgentWalletCore.WalletSetupFailed(i, result);
        }
    }

    /// @notice The EntryPoint this module was built for (through a wallet, the core's `entryPoint()` answers
    /// first; deployment checks the two are the same).
    function entryPoint() external view returns (IEntryPoint) {
        return ENTRY_POINT;
    }

    /// @notice The wallet's views (`IWalletViews`), and any selector nobody implements: forwarded to the lens by
    /// STATICCALL, which answers for its caller, this wallet (`LensUnknownView` for a selector it doesn't know).
    /// Not payable: value sent with an unknown selector is refused, never kept.
    // The dispatch of the views: one STATICCALL, nothing else.
    // solhint-disable-next-line no-complex-fallback
    fallback(bytes calldata input) external returns (bytes memory) {
        (bool ok, bytes memory result) = LENS.staticcall(input);
        if (!ok) _bubble(result);
        return result;
    }

    /// @inheritdoc IOwnerManager
    function addOwner(address owner) external onlySelf {
        OwnerStorage storage $ = _ownerStorage();
        _requireProposedAfter($.memberChangedAt[owner]);
        _addOwner(owner);
        $.memberChangedAt[owner] = block.timestamp;
    }

    /// @inheritdoc IOwnerManager
    function removeOwner(address owner) external onlySelf {
        OwnerStorage storage $ = _ownerStorage();
        if (!$.isOwner[owner]) revert OwnerNotFound(owner);
        _requireProposedAfter($.memberChangedAt[owner]);
        uint256 count = $.owners.length;
        // Removing an owner must never lower the threshold: that is a loosening and goes through
        // `changeThreshold` and its timelock first.
        if (count - 1 < $.threshold) revert OwnerInvalidThreshold($.threshold, count - 1);
        _removeFrom($.owners, owner);
        $.isOwner[owner] = false;
        // Its approvals end here, for good: a re-added address gets a new epoch.
        $.epochOf[owner] = 0;
        $.memberChangedAt[owner] = block.timestamp;
        // And its signatures: every one made so far names an epoch that has just ended.
        _newSignatureEpoch();
        emit OwnerRemoved(owner);
    }

    /// @inheritdoc IOwnerManager
    function changeThreshold(uint256 newThreshold) external onlySelfByEffect {
        // Fewer signatures can approve: a loosening. More is instant.
        if (newThreshold < _threshold()) _requireDelay(_adminDelay());
        _setThreshold(newThreshold);
    }

    /// @inheritdoc IGuardianManager
    function pause() external onlyGuardian {
        _pause(msg.sender);
    }

    /// @inheritdoc IGuardianManager
    /// @dev A loosening (agents move again), so it waits `adminDelay` as an owners' proposal that any guardian
    /// may veto, and never executes before `pausedAt + minPauseDuration`. Tried as instant, it asks for the
    /// longer of the two waits instead of failing on the minimum pause, which is checked when it executes.
    function unpause() external onlySelfByEffect {
        HotState storage $ = _hot();
        if (!$.paused) revert WalletNotPaused();
        // Only a pause that began before the proposal was created: a later one is a new emergency.
        _requireProposedAfter($.pausedAt);
        uint256 earliest = uint256($.pausedAt) + $.minPauseDuration;
        uint256 delay = _adminDelay();
        bool trying = _tload(TL_MODE) == MODE_TRY;
        if (trying && earliest > block.timestamp + delay) delay = earliest - block.timestamp;
        _requireDelay(delay);
        if (!trying && block.timestamp < earliest) revert WalletPauseTooShort($.pausedAt, earliest);
        $.paused = false;
        $.pausedAt = 0;
        emit Unpaused(block.timestamp);
    }

    /// @inheritdoc IGuardianManager
    function addGuardian(address guardian) external onlySelf {
        OwnerStorage storage owners = _ownerStorage();
        _requireProposedAfter(owners.memberChangedAt[guardian]);
        _addGuardian(guardian);
        owners.memberChangedAt[guardian] = block.timestamp;
    }

    /// @inheritdoc IGuardianManager
    function removeGuardian(address guardian) external onlySelf {
        GuardianStorage storage $ = _guardianStorage();
        if (!$.isGuardian[guardian]) revert GuardianNotFound(guardian);
        OwnerStorage storage owners = _ownerStorage();
        _requireProposedAfter(owners.memberChangedAt[guardian]);
        _removeFrom($.guardians, guardian);
        $.isGuardian[guardian] = false;
        owners.memberChangedAt[guardian] = block.timestamp;
        // Its signed actions end here (a re-added guardian can't revive them).
        _newSignatureEpoch();
        emit GuardianRemoved(guardian);
    }

    /// @inheritdoc IGuardianManager
    function setMinPauseDuration(uint256 duration) external onlySelfByEffect {
        // A shorter guaranteed pause lets agents back sooner: a loosening. Longer is instant.
        if (duration < _hot().minPauseDuration) _requireDelay(_adminDelay());
        _setMinPauseDuration(duration);
    }

    /// @inheritdoc ITimelock
    function requiredDelay(Call[] calldata calls) external returns (uint256) {
        _checkBatch(calls.length);
        return _previewDelay(calls);
    }

    /// @inheritdoc ITimelock
    function tryCalls(Call[] calldata calls, bool commit) external onlySelfByEffect {
        // One try at a time, never inside a queued proposal's run: its record would mix with theirs.
        if (_tload(TL_MODE) != MODE_NONE) revert TimelockNoBatch();
        _tstore(TL_MODE, MODE_TRY);
        for (uint256 i = 0; i < calls.length; ++i) {
            // A dry run only needs the setters; calls to other contracts need no delay.
            if (!commit && calls[i].target != address(this)) continue;
            (bool ok, bytes memory result) = calls[i].target.call{value: calls[i].value}(
                calls[i].data
            );
            if (!ok) {
                // An upgrade stops the try at once with the longest delay (see `_authorizeUpgrade`). Only
                // the wallet's own calls may say so: another contract could forge the error.
                (bool delayed, ) = _delayRequired(result);
                if (delayed && calls[i].target == address(this)) _bubble(result);
                revert WalletCallFailed(i, result);
            }
        }
        uint256 delay = _tload(TL_DELAY);
        _tstore(TL_MODE, MODE_NONE);
        _tstore(TL_DELAY, 0);
        if (!commit || delay != 0) revert TimelockDelayRequired(delay);
    }

    /// @inheritdoc ITimelock
    function setDelays(uint256 newAdminDelay, uint256 newUpgradeDelay) external onlySelfByEffect {
        // Lowering either delay shortens every future wait: it waits the longest delay in force now.
        if (newAdminDelay < _adminDelay() || newUpgradeDelay < _upgradeDelay()) {
            _requireDelay(_upgradeDelay());
        }
        _setDelays(newAdminDelay, newUpgradeDelay);
    }

    /// @inheritdoc IProposalManager
    function propose(
        Call[] calldata calls,
        uint256 expiresAt
    ) external onlyOwner returns (uint256 id) {
        _checkBatch(calls.length);
        uint256 maxExpiry = block.timestamp + MAX_PROPOSAL_LIFETIME;
        if (expiresAt <= block.timestamp || expiresAt > maxExpiry)
            revert ProposalInvalidExpiry(expiresAt, maxExpiry);
        id = _createProposal(msg.sender, address(0), calls, expiresAt, _previewDelay(calls));
        _approve(id, msg.sender);
    }

    /// @inheritdoc IProposalManager
    function approve(uint256 id) external onlyOwner {
        Proposal storage p = _proposal(id);
        if (p.state != ProposalState.Pending) revert ProposalInvalidState(id, p.state);
        if (block.timestamp > p.expiresAt) revert ProposalExpired(id, p.expiresAt);
        if (_hasApproved(id, msg.sender)) revert ProposalAlreadyApproved(id, msg.sender);
        _approve(id, msg.sender);
    }

    /// @inheritdoc IProposalManager
    function revokeApproval(uint256 id) external onlyOwner {
        ProposalStorage storage $ = _proposalStorage();
        Proposal storage p = _proposal(id);
        if (p.state != ProposalState.Pending && p.state != ProposalState.Queued)
            revert ProposalInvalidState(id, p.state);
        if (!_hasApproved(id, msg.sender)) revert ProposalNotApproved(id, msg.sender);
        $.approvedBy[id][msg.sender] = false;
        uint256 approvals = _countApprovals(id);
        emit ProposalApprovalRevoked(id, msg.sender, approvals);
        if (p.state == ProposalState.Queued && approvals < _threshold()) {
            p.state = ProposalState.Pending;
            p.eta = 0;
            emit ProposalUnqueued(id);
        }
    }

    /// @inheritdoc IProposalManager
    function cancel(uint256 id) external onlyGuardian {
        _cancel(id, msg.sender);
    }

    /// @inheritdoc IProposalManager
    function invalidateNonce(uint256 nonce) external onlyGuardian {
        ProposalStorage storage $ = _proposalStorage();
        if ($.usedNonces[nonce]) revert SignatureNonceUsed(nonce);
        $.usedNonces[nonce] = true;
        emit SignatureNonceInvalidated(nonce, msg.sender);
    }

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
        _suspendAgent(agent, msg.sender);
    }

    /// @inheritdoc IAgentManager
    function resumeAgent(address agent) external onlySelf {
        Session storage s = _sessionOf(agent);
        if (s.status != AgentStatus.Suspended) revert AgentInvalidStatus(agent, s.status);
        _requireProposedAfter(_agentStorage().suspendedAt[agent]);
        s.status = AgentStatus.Active;
        emit AgentResumed(agent);
    }

    /// @inheritdoc IAgentManager
    function revokeAgent(address agent) external onlyGuardian {
        _revokeAgent(agent, msg.sender);
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
        if (_loosensAgent(agent, validAfter, validUntil, rules)) _requireDelay(_adminDelay());
        _replaceRules(agent, validAfter, validUntil, rules);
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
        AssetLimits memory old = _assetLimitsIn(a.limits);
        // A new asset lets the agent move more; so does any cap raised or lifted.
        if (!a.limits.enabled || _loosensLimits(old, limits)) _requireDelay(_adminDelay());
        _writeAssetLimits(a, agent, asset, old, limits, true);
    }

    /// @inheritdoc IPolicyEngine
    /// @dev Instant only when no other path moves the token once its limits are gone: with a call permission
    /// on the token for a movement selector, its transfers would run uncapped and unchecked.
    function removeAssetLimits(address agent, address asset) external onlySelfByEffect {
        AgentAsset storage a = _policyStorage().agentAssets[agent][asset];
        if (!a.limits.enabled) revert PolicyAssetNotAllowed(agent, asset);
        // Always a tightening: token movements are only ever decoded and counted under asset limits (no call
        // permission may carry one, `setCallPermission` refuses them), so without limits the asset can't move.
        _writeAssetLimits(
            a,
            agent,
            asset,
            _assetLimitsIn(a.limits),
            AssetLimits(0, 0, 0, 0, 0),
            false
        );
    }

    /// @inheritdoc IPolicyEngine
    function setWalletCaps(
        address asset,
        uint96 daily,
        uint96 weekly,
        uint96 monthly
    ) external onlySelfByEffect {
        WalletAsset storage w = _policyStorage().walletAssets[asset];
        AssetLimits memory old = _assetLimitsIn(w.caps);
        // Disabled caps read as zero, "no cap": a new cap is a tightening.
        if (
            !_notLooser(daily, old.daily) ||
            !_notLooser(weekly, old.weekly) ||
            !_notLooser(monthly, old.monthly)
        ) {
            _requireDelay(_adminDelay());
        }
        _writeWalletCaps(w, asset, old, daily, weekly, monthly);
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

    /// @notice Whether `rules` (or the validity range) would let `agent` act more, more often or for longer than
    /// now. One line per field: a new "more is looser" field (a budget) is one more line.
    function _loosensAgent(
        address agent,
        uint48 validAfter,
        uint48 validUntil,
        AgentRules calldata rules
    ) private view returns (bool) {
        Session memory s = _sessionOf(agent);
        AgentRules memory r = _agentStorage().rules[agent];
        return
            validAfter < s.validAfter ||
            !_notLooser(validUntil, s.validUntil) ||
            rules.maxOpCost > r.maxOpCost ||
            // type(uint64).max (no limit) is the largest value, so "not above" is the whole comparison.
            rules.gasPerDay > r.gasPerDay ||
            !_notLooser(rules.maxOpsPerHour, r.maxOpsPerHour) ||
            !_notLooser(rules.maxOpsPerDay, r.maxOpsPerDay) ||
            rules.minSecondsBetweenOps < r.minSecondsBetweenOps ||
            rules.allowedHours & ~r.allowedHours != 0 ||
            rules.allowedDays & ~r.allowedDays != 0;
    }

    /// @notice Whether `limits` would raise or lift any of an asset's limits: caps where zero means "no cap";
    /// `approvalAbove` too (zero = never escalate, the loosest).
    function _loosensLimits(
        AssetLimits memory old,
        AssetLimits calldata limits
    ) private pure returns (bool) {
        return
            !_notLooser(limits.perTx, old.perTx) ||
            !_notLooser(limits.approvalAbove, old.approvalAbove) ||
            !_notLooser(limits.daily, old.daily) ||
            !_notLooser(limits.weekly, old.weekly) ||
            !_notLooser(limits.monthly, old.monthly);
    }

    /// @inheritdoc ISignedActions
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
        ) revert SignedActionNotAllowed(selector);
        if (!_isGuardian(guardian)) revert IGuardianManager.GuardianUnauthorized(guardian);
        bytes32 digest = _hashGuardianAction(data, nonce, deadline);
        _useSignedNonce(nonce, deadline);
        if (!_isSignatureOf(guardian, digest, signature)) revert SignatureInvalid(digest);
        emit GuardianActionSigned(guardian, selector, nonce);
        // Run as the guardian who signed, not as the wallet: the events name them, and `cancel`'s rule on its
        // caller (a vetoer can't veto its own removal) applies to them.
        if (selector == IGuardianManager.pause.selector) _pause(guardian);
        else if (selector == IProposalManager.cancel.selector)
            _cancel(abi.decode(data[4:], (uint256)), guardian);
        else if (selector == IAgentManager.suspendAgent.selector)
            _suspendAgent(abi.decode(data[4:], (address)), guardian);
        else _revokeAgent(abi.decode(data[4:], (address)), guardian);
    }

    // The guardians' four tightenings, run by their functions (`by` = the caller) and by a guardian's signed
    // action (`by` = the guardian who signed).

    function _pause(address by) private {
        HotState storage $ = _hot();
        if ($.paused) revert WalletPaused();
        $.paused = true;
        $.pausedAt = uint48(block.timestamp);
        emit Paused(by, block.timestamp);
    }

    function _cancel(uint256 id, address by) private {
        Proposal storage p = _proposal(id);
        if (p.state != ProposalState.Pending && p.state != ProposalState.Queued)
            revert ProposalInvalidState(id, p.state);
        _checkVetoer(id, p, by);
        p.state = ProposalState.Cancelled;
        emit ProposalCancelled(id, by);
    }

    function _suspendAgent(address agent, address by) private {
        Session storage s = _sessionOf(agent);
        if (s.status != AgentStatus.Active) revert AgentInvalidStatus(agent, s.status);
        s.status = AgentStatus.Suspended;
        _agentStorage().suspendedAt[agent] = block.timestamp;
        emit AgentSuspended(agent, by);
    }

    function _revokeAgent(address agent, address by) private {
        Session storage s = _sessionOf(agent);
        if (s.status == AgentStatus.Revoked) revert AgentInvalidStatus(agent, s.status);
        s.status = AgentStatus.Revoked;
        emit AgentRevoked(agent, by);
    }

    function _inSetup() internal view override returns (bool) {
        // Only the proxy's constructor (no code yet): a later `reinitializer` run by an upgrade must not open
        // every self-only function to whoever it calls.
        return _isInitializing() && address(this).code.length == 0;
    }

    function _entryPointAddress() internal view override returns (address) {
        return address(ENTRY_POINT);
    }

    /// @dev Swap-and-pop of `account` from `list` (order is not kept; the caller checked it is there). Bounded by
    /// the list's cap (`MAX_OWNERS`, `MAX_GUARDIANS`).
    function _removeFrom(address[] storage list, address account) private {
        uint256 last = list.length - 1;
        for (uint256 i = 0; i <= last; ++i) {
            if (list[i] == account) {
                list[i] = list[last];
                list.pop();
                return;
            }
        }
    }
}

/// @dev Reverts unless `module` answers `entryPoint()` with `expected`: run by the core's constructor, so the core
/// and its module can't disagree on who may run owners' operations.
function requireModuleFor(address module, IEntryPoint expected) view {
    (bool ok, bytes memory answer) = module.staticcall(abi.encodeCall(WalletModule.entryPoint, ()));
    address actual = ok && answer.length == 32 ? abi.decode(answer, (address)) : address(0);
    if (actual != address(expected)) {
        revert IWalletBase.WalletModuleMismatch(module, address(expected), actual);
    }
}
