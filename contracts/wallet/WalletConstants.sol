// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// File-level, not `public` members of the shared bases: a public constant would compile into the core and the
// module as an external getter, and the module's copy (reached through the wallet's fallback only if the core
// lacked it) would shadow nothing but waste bytes. The core alone publishes them (`AgentWallet`).

/// @dev A new wallet's delay for owner-side loosenings.
uint256 constant DEFAULT_ADMIN_DELAY = 24 hours;
/// @dev A new wallet's delay for upgrades (whose payload can change anything).
uint256 constant DEFAULT_UPGRADE_DELAY = 7 days;
/// @dev Bounds of `setDelays`.
uint256 constant MIN_ADMIN_DELAY = 1 hours;
uint256 constant MIN_UPGRADE_DELAY = 1 days;
uint256 constant MAX_DELAY = 30 days;
/// @dev A queued proposal may execute during this long after its eta, then it is stale.
uint256 constant GRACE_PERIOD = 14 days;
/// @dev A proposal collects approvals for at most this long.
uint256 constant MAX_PROPOSAL_LIFETIME = 90 days;
/// @dev How long owners have to approve an escalated agent payment.
uint256 constant ESCALATION_LIFETIME = 7 days;
/// @dev The EIP-712 domain every signature for a wallet is made in (the verifying contract is the proxy).
string constant EIP712_NAME = "Leash AgentWallet";
string constant EIP712_VERSION = "1";
