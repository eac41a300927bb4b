// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AgentRules, AgentStatus} from "./LeashTypes.sol";

/// @title Agents: session keys with a validity range, a status and rules. An agent is identified by the
/// address of its first key (`agent`); rotation changes the key but keeps the agent, its policy and counters.
interface IAgentManager {
    /// @notice A new agent with its first session key and rules.
    event AgentAdded(
        address indexed agent,
        uint256 validAfter,
        uint256 validUntil,
        AgentRules rules
    );
    /// @notice The agent can't operate until resumed.
    event AgentSuspended(address indexed agent, address indexed by);
    /// @notice A suspended agent may operate again.
    event AgentResumed(address indexed agent);
    /// @notice The agent is gone for good: it can never operate or be resumed.
    event AgentRevoked(address indexed agent, address indexed by);
    /// @notice The agent's session key changed from `oldKey` to `newKey`.
    event AgentKeyRotated(address indexed agent, address indexed oldKey, address indexed newKey);
    /// @notice The agent's key validity range changed.
    event AgentValidityChanged(
        address indexed agent,
        uint256 oldValidAfter,
        uint256 oldValidUntil,
        uint256 newValidAfter,
        uint256 newValidUntil
    );
    /// @notice Someone started the agent's new local day `day` (`startAgentDay`): its daily op count and gas
    /// budget spend are zero again.
    event AgentDayStarted(address indexed agent, uint256 day, address indexed by);
    /// @notice The agent's rules changed.
    event AgentRulesChanged(address indexed agent, AgentRules oldRules, AgentRules newRules);

    /// @dev `agent` is not a known agent.
    error AgentNotFound(address agent);
    /// @dev `key` is already used by an agent, or is zero or the wallet itself.
    error AgentInvalidKey(address key);
    /// @dev `agent` is in `status`, which does not allow this action.
    error AgentInvalidStatus(address agent, AgentStatus status);
    /// @dev validAfter must be below validUntil, and validUntil in the future.
    error AgentInvalidValidity(uint256 validAfter, uint256 validUntil);
    /// @dev The rules are malformed: a zero op cost, a daily gas budget below the op cost, or an empty hour or
    /// day mask.
    error AgentInvalidRules();

    /// @notice Adds an agent (self-call, timelocked).
    function addAgent(
        address key,
        uint48 validAfter,
        uint48 validUntil,
        AgentRules calldata rules
    ) external;

    /// @notice Suspends an agent at once: any guardian or owner, alone.
    function suspendAgent(address agent) external;

    /// @notice Resumes a suspended agent (self-call, timelocked).
    function resumeAgent(address agent) external;

    /// @notice Revokes an agent for good: any guardian or owner, alone.
    function revokeAgent(address agent) external;

    /// @notice Replaces the agent's session key, keeping its policy and counters (self-call, timelocked).
    function rotateAgentKey(address agent, address newKey) external;

    /// @notice Replaces the agent's validity range and rules (self-call). Instant when no field loosens (a later
    /// or equal start, an earlier or equal end, no higher cost, budget or rate, no new hour or day); otherwise it
    /// waits `adminDelay` (`TimelockDelayRequired` when tried as instant).
    function setAgentRules(
        address agent,
        uint48 validAfter,
        uint48 validUntil,
        AgentRules calldata rules
    ) external;
}
