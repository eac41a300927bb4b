// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AgentRules, AgentStatus} from "../interfaces/LeashTypes.sol";
import {IAgentManager} from "../interfaces/IAgentManager.sol";
import {Timelock} from "./Timelock.sol";

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
    }

    // keccak256(abi.encode(uint256(keccak256("leash.storage.Agents")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant AGENT_STORAGE =
        0x63a31c8c50d28ad9eee971f05eeb8aacc40d4aee2740a1f2a984da2623e77000;

    function _agentStorage() internal pure returns (AgentStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: points a storage pointer at a constant ERC-7201 slot; no memory is touched.
            $.slot := AGENT_STORAGE
        }
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

    /// @notice Reverts unless `agent` exists, is active and its key is inside its validity range now (for
    /// escalated payments, which execute outside the EntryPoint's time-range check).
    function _requireActive(address agent) internal view {
        AgentStorage storage $ = _agentStorage();
        _requireUsable(agent, $.sessions[$.currentKey[agent]]);
    }

    /// @notice Reverts unless session `s` of `agent` is active and inside its validity range now.
    function _requireUsable(address agent, Session memory s) internal view {
        if (s.status != AgentStatus.Active)
            revert IAgentManager.AgentInvalidStatus(agent, s.status);
        if (
            block.timestamp < s.validAfter || (s.validUntil != 0 && block.timestamp > s.validUntil)
        ) {
            revert IAgentManager.AgentInvalidValidity(s.validAfter, s.validUntil);
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
