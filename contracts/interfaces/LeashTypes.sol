// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice One call made by the wallet: a batch is a `Call[]`.
struct Call {
    address target;
    uint256 value;
    bytes data;
}

/// @notice Lifecycle of an agent's session key.
enum AgentStatus {
    None,
    Active,
    Suspended,
    Revoked
}

/// @notice Per-agent rules that are not tied to one asset. A zero velocity field means "no limit".
/// @dev Packed into one storage slot (96 + 16 + 16 + 32 + 24 + 8 + 64 = 256 bits).
struct AgentRules {
    uint96 maxOpCost; // wei the wallet may pay in gas for one user operation of this agent
    uint16 maxOpsPerHour;
    uint16 maxOpsPerDay;
    uint32 minSecondsBetweenOps;
    uint24 allowedHours; // bit h set = hour h (wallet's local time) allowed
    uint8 allowedDays; // bit d set = day d allowed, 0 = Monday .. 6 = Sunday
    // wei of gas the agent's operations may make the wallet pay per local day (each validated op is charged its
    // maximum cost, whether it then succeeds or fails); at least `maxOpCost`; type(uint64).max = no limit
    uint64 gasPerDay;
}

/// @notice Spending caps of one agent for one asset (address(0) = native). A zero cap means "no cap
/// for that window"; `approvalAbove` zero means "never escalate".
struct AssetLimits {
    uint96 perTx;
    uint96 approvalAbove;
    uint96 daily;
    uint96 weekly;
    uint96 monthly;
}

/// @notice A call permission: the agent may call `selector` on a target, with at most `maxValue` wei,
/// until `expiresAt` (0 = no expiry).
struct CallPermission {
    bool allowed;
    uint96 maxValue;
    uint48 expiresAt;
}
