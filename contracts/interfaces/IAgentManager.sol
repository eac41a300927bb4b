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
    /// @dev A tighten call tried to loosen `field` (from `current` to `requested`).
    error AgentNotTighter(string field, uint256 current, uint256 requested);

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

    /// @notice Replaces the agent's validity range and rules (self-call, timelocked).
    function setAgentRules(
        address agent,
        uint48 validAfter,
        uint48 validUntil,
        AgentRules calldata rules
    ) external;

    /// @notice Narrows the agent's validity range and rules; reverts if any field loosens (self-call, immediate).
    function tightenAgentRules(
        address agent,
        uint48 validAfter,
        uint48 validUntil,
        AgentRules calldata rules
    ) external;

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

    /// @notice Starts the agent's new local day when one has begun since its last executed op: resets its
    /// daily op count and refills its gas budget, exactly what that day's first executed op would do. Anyone
    /// may call it (validation can't read the clock, so an agent whose budget ran out could never execute the
    /// op that refills it); on the agent's current day it changes nothing.
    function startAgentDay(address agent) external;
}
