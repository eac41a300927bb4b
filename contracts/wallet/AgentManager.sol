// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AgentRules, AgentStatus} from "../interfaces/LeashTypes.sol";
import {IAgentManager} from "../interfaces/IAgentManager.sol";
import {Timelock} from "./Timelock.sol";

/// @title Agents and their session keys.
abstract contract AgentManager is Timelock, IAgentManager {
    /// @notice What a session key is: read by every agent validation, so it fits one slot
    /// (160 + 40 + 40 + 8 = 248 bits). Status lives here too: suspend/revoke act on the current key.
    struct Session {
        address agent;
        uint40 validAfter;
        uint40 validUntil; // 0 = no expiry
        AgentStatus status;
    }

    /// @custom:storage-location erc7201:leash.storage.Agents
    struct AgentStorage {
        mapping(address key => Session) sessions;
        mapping(address agent => address key) currentKey;
        mapping(address agent => AgentRules) rules;
    }

    // keccak256(abi.encode(uint256(keccak256("leash.storage.Agents")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant AGENT_STORAGE = 0x63a31c8c50d28ad9eee971f05eeb8aacc40d4aee2740a1f2a984da2623e77000;

    function _agentStorage() private pure returns (AgentStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: points a storage pointer at a constant ERC-7201 slot; no memory is touched.
            $.slot := AGENT_STORAGE
        }
    }

    /// @inheritdoc IAgentManager
    function addAgent(address key, uint48 validAfter, uint48 validUntil, AgentRules calldata rules) external onlySelf {
        AgentStorage storage $ = _agentStorage();
        _checkNewKey(key);
        // The agent id is its first key: it must not collide with an existing agent id either.
        if ($.currentKey[key] != address(0)) revert AgentInvalidKey(key);
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
    ) external onlySelf {
        _replaceRules(agent, validAfter, validUntil, rules);
    }

    /// @inheritdoc IAgentManager
    function tightenAgentRules(
        address agent,
        uint48 validAfter,
        uint48 validUntil,
        AgentRules calldata rules
    ) external onlySelf {
        Session memory s = _sessionOf(agent);
        AgentRules memory r = _agentStorage().rules[agent];
        if (validAfter < s.validAfter) revert AgentNotTighter("validAfter", s.validAfter, validAfter);
        if (!_notLooser(validUntil, s.validUntil)) revert AgentNotTighter("validUntil", s.validUntil, validUntil);
        if (rules.maxOpCost > r.maxOpCost) revert AgentNotTighter("maxOpCost", r.maxOpCost, rules.maxOpCost);
        if (!_notLooser(rules.maxOpsPerHour, r.maxOpsPerHour)) {
            revert AgentNotTighter("maxOpsPerHour", r.maxOpsPerHour, rules.maxOpsPerHour);
        }
        if (!_notLooser(rules.maxOpsPerDay, r.maxOpsPerDay)) {
            revert AgentNotTighter("maxOpsPerDay", r.maxOpsPerDay, rules.maxOpsPerDay);
        }
        if (rules.minSecondsBetweenOps < r.minSecondsBetweenOps) {
            revert AgentNotTighter("minSecondsBetweenOps", r.minSecondsBetweenOps, rules.minSecondsBetweenOps);
        }
        if (rules.allowedHours & ~r.allowedHours != 0) {
            revert AgentNotTighter("allowedHours", r.allowedHours, rules.allowedHours);
        }
        if (rules.allowedDays & ~r.allowedDays != 0) {
            revert AgentNotTighter("allowedDays", r.allowedDays, rules.allowedDays);
        }
        _replaceRules(agent, validAfter, validUntil, rules);
    }

    /// @inheritdoc IAgentManager
    function getAgent(
        address agent
    )
        external
        view
        returns (address key, AgentStatus status, uint256 validAfter, uint256 validUntil, AgentRules memory rules)
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

    /// @notice The session of a key, as validation reads it.
    function _session(address key) internal view returns (Session memory) {
        return _agentStorage().sessions[key];
    }

    function _rules(address agent) internal view returns (AgentRules memory) {
        return _agentStorage().rules[agent];
    }

    /// @notice The agent's status (None for an unknown agent).
    function _agentStatus(address agent) internal view returns (AgentStatus) {
        AgentStorage storage $ = _agentStorage();
        return $.sessions[$.currentKey[agent]].status;
    }

    /// @notice Reverts unless `agent` exists and is active.
    function _requireActive(address agent) internal view {
        AgentStatus status = _agentStatus(agent);
        if (status != AgentStatus.Active) revert AgentInvalidStatus(agent, status);
    }

    function _sessionOf(address agent) private view returns (Session storage s) {
        AgentStorage storage $ = _agentStorage();
        address key = $.currentKey[agent];
        if (key == address(0)) revert AgentNotFound(agent);
        return $.sessions[key];
    }

    function _replaceRules(address agent, uint48 validAfter, uint48 validUntil, AgentRules calldata rules) private {
        AgentStorage storage $ = _agentStorage();
        Session storage s = _sessionOf(agent);
        if (s.status == AgentStatus.Revoked) revert AgentInvalidStatus(agent, s.status);
        _checkValidity(validAfter, validUntil);
        _checkRules(rules);
        (uint256 oldAfter, uint256 oldUntil) = (s.validAfter, s.validUntil);
        s.validAfter = uint40(validAfter);
        s.validUntil = uint40(validUntil);
        AgentRules memory oldRules = $.rules[agent];
        $.rules[agent] = rules;
        emit AgentValidityChanged(agent, oldAfter, oldUntil, validAfter, validUntil);
        emit AgentRulesChanged(agent, oldRules, rules);
    }

    function _checkNewKey(address key) private view {
        if (key == address(0) || key == address(this) || _agentStorage().sessions[key].agent != address(0)) {
            revert AgentInvalidKey(key);
        }
    }

    function _checkValidity(uint48 validAfter, uint48 validUntil) private view {
        if (validUntil > type(uint40).max || validAfter > type(uint40).max) {
            revert AgentInvalidValidity(validAfter, validUntil);
        }
        if (validUntil != 0 && (validUntil <= validAfter || validUntil <= block.timestamp)) {
            revert AgentInvalidValidity(validAfter, validUntil);
        }
    }

    function _checkRules(AgentRules calldata rules) private pure {
        if (rules.maxOpCost == 0 || rules.allowedHours == 0 || rules.allowedDays == 0 || rules.allowedDays > 0x7f) {
            revert AgentInvalidRules();
        }
    }
}
