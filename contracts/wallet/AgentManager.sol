// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AgentRules, AgentStatus} from "../interfaces/LeashTypes.sol";
import {IAgentManager} from "../interfaces/IAgentManager.sol";
import {Timelock} from "./Timelock.sol";
import {
    AGENT_STORAGE,
    SESSION_STATUS_SHIFT,
    SESSION_VALID_AFTER_SHIFT,
    SESSION_VALID_UNTIL_SHIFT
} from "./StorageLayout.sol";

/// @title Agents and their session keys.
abstract contract AgentManager is Timelock {
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
        // When each agent was last suspended: a proposal created before that can't resume it.
        mapping(address agent => uint256) suspendedAt;
    }

    function _agentStorage() internal pure returns (AgentStorage storage $) {
        uint256 base = AGENT_STORAGE; // ERC-7201 base, named once in StorageLayout.sol
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: points a storage pointer at a constant ERC-7201 slot; no memory is touched.
            $.slot := base
        }
    }

    /// @notice The session slot of a key as one word (see `SESSION_*_SHIFT`).
    function _sessionWord(address key) internal view returns (uint256 word) {
        Session storage s = _agentStorage().sessions[key];
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: reads one storage slot; writes nothing.
            word := sload(s.slot)
        }
    }

    /// @notice The agent's rules slot as one word (see `RULES_*_SHIFT`).
    function _rulesWord(address agent) internal view returns (uint256 word) {
        AgentRules storage r = _agentStorage().rules[agent];
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: reads one storage slot; writes nothing.
            word := sload(r.slot)
        }
    }

    /// @notice The agent's status (None for an unknown agent).
    function _agentStatus(address agent) internal view returns (AgentStatus) {
        AgentStorage storage $ = _agentStorage();
        return $.sessions[$.currentKey[agent]].status;
    }

    /// @notice Reverts unless `agent` exists, is active and its key is inside its validity range now (for
    /// escalated payments, which execute outside the EntryPoint's time-range check).
    function _requireActive(address agent) internal view {
        _requireUsable(agent, _sessionWord(_agentStorage().currentKey[agent]));
    }

    /// @notice Reverts unless `session` (a session slot word, see `_sessionWord`) of `agent` is active and inside
    /// its validity range now.
    function _requireUsable(address agent, uint256 session) internal view {
        uint256 status = uint8(session >> SESSION_STATUS_SHIFT);
        if (status != uint256(AgentStatus.Active))
            revert IAgentManager.AgentInvalidStatus(agent, AgentStatus(status));
        uint256 validAfter = uint40(session >> SESSION_VALID_AFTER_SHIFT);
        uint256 validUntil = uint40(session >> SESSION_VALID_UNTIL_SHIFT);
        if (block.timestamp < validAfter || (validUntil != 0 && block.timestamp > validUntil)) {
            revert IAgentManager.AgentInvalidValidity(validAfter, validUntil);
        }
    }

    function _sessionOf(address agent) internal view returns (Session storage s) {
        AgentStorage storage $ = _agentStorage();
        address key = $.currentKey[agent];
        if (key == address(0)) revert IAgentManager.AgentNotFound(agent);
        return $.sessions[key];
    }

    function _replaceRules(
        address agent,
        uint48 validAfter,
        uint48 validUntil,
        AgentRules calldata rules
    ) internal {
        AgentStorage storage $ = _agentStorage();
        Session storage s = _sessionOf(agent);
        if (s.status == AgentStatus.Revoked)
            revert IAgentManager.AgentInvalidStatus(agent, s.status);
        _checkValidity(validAfter, validUntil);
        _checkRules(rules);
        (uint256 oldAfter, uint256 oldUntil) = (s.validAfter, s.validUntil);
        s.validAfter = uint40(validAfter);
        s.validUntil = uint40(validUntil);
        AgentRules memory oldRules = $.rules[agent];
        $.rules[agent] = rules;
        emit IAgentManager.AgentValidityChanged(agent, oldAfter, oldUntil, validAfter, validUntil);
        emit IAgentManager.AgentRulesChanged(agent, oldRules, rules);
    }

    function _checkNewKey(address key) internal view {
        if (
            key == address(0) ||
            key == address(this) ||
            _agentStorage().sessions[key].agent != address(0)
        ) {
            revert IAgentManager.AgentInvalidKey(key);
        }
    }

    function _checkValidity(uint48 validAfter, uint48 validUntil) internal view {
        if (validUntil > type(uint40).max || validAfter > type(uint40).max) {
            revert IAgentManager.AgentInvalidValidity(validAfter, validUntil);
        }
        if (validUntil != 0 && (validUntil <= validAfter || validUntil <= block.timestamp)) {
            revert IAgentManager.AgentInvalidValidity(validAfter, validUntil);
        }
    }

    function _checkRules(AgentRules calldata rules) internal pure {
        if (
            rules.maxOpCost == 0 ||
            rules.gasPerDay < rules.maxOpCost ||
            rules.allowedHours == 0 ||
            rules.allowedDays == 0 ||
            rules.allowedDays > 0x7f
        ) {
            revert IAgentManager.AgentInvalidRules();
        }
    }
}
