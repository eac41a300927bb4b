// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// The wallet's storage, named once: the managers that own each namespace and `LeashLens`, which reads the same
// words through `extsload`, both use these. File-level constants compile to literals (no bytes, no getters).

// ERC-7201 namespace bases: keccak256(abi.encode(uint256(keccak256("leash.storage.<Name>")) - 1)) &
// ~bytes32(uint256(0xff)), <Name> as the `@custom:storage-location` of each manager's struct says.
/// @dev erc7201:leash.storage.Owners (`OwnerManager.OwnerStorage`).
uint256 constant OWNER_STORAGE = 0x7d576eff179db935d3ab443a53ea78110ec3b116226c9f43e548bd6e52aead00;
/// @dev erc7201:leash.storage.Guardians (`GuardianManager.GuardianStorage`).
uint256 constant GUARDIAN_STORAGE =
    0x6941f2cfbfeb563f6251ce0bc1bc9a6ba3497ab15199c701a91c194022fe6f00;
/// @dev erc7201:leash.storage.Timelock (`Timelock.TimelockStorage`).
uint256 constant TIMELOCK_STORAGE =
    0x6909ebce0f05237610ec75b8326e559fad5f486810496a391d4d70b6bc89bf00;
/// @dev erc7201:leash.storage.Hot (`WalletBase.HotState`).
uint256 constant HOT_STORAGE = 0xd6a01d205fe7cb06f70f774377caeefe585b2a16280dcddd6c1db359322afb00;
/// @dev erc7201:leash.storage.Proposals (`ProposalManager.ProposalStorage`).
uint256 constant PROPOSAL_STORAGE =
    0xc8145b264cd53202cfabd9d126367b8ec429787fbee5cb8b0735eb8018995d00;
/// @dev erc7201:leash.storage.Agents (`AgentManager.AgentStorage`).
uint256 constant AGENT_STORAGE = 0x63a31c8c50d28ad9eee971f05eeb8aacc40d4aee2740a1f2a984da2623e77000;
/// @dev erc7201:leash.storage.Policy (`PolicyEngine.PolicyStorage`).
uint256 constant POLICY_STORAGE =
    0x33eaa593b4258d700b54f1e47ba2ef94435ea624569365d301cd68085d44a400;

// Bit offsets of packed fields in their slot (declaration order from the low bits, as Solidity packs them). The
// hot path and the lens read the slots as words at these offsets; `test/policy/StorageOffsets.t.sol` binds the
// wallet's to the structs, `test/lens/lens.test.ts` the lens's reads to the wallet's typed views. (The limits and
// spend slots' offsets are `SpendWindows`', the library that reads and writes them.)

/// @dev `WalletBase.HotState`: paused (low byte), pausedAt, minPauseDuration, utcOffset, walletCapAssets.
uint256 constant HOT_PAUSED_AT_SHIFT = 8;
uint256 constant HOT_MIN_PAUSE_SHIFT = 56;
uint256 constant HOT_UTC_OFFSET_SHIFT = 88;
uint256 constant HOT_WALLET_CAP_ASSETS_SHIFT = 120;
/// @dev `Timelock.TimelockStorage`: adminDelay (low 32 bits), upgradeDelay.
uint256 constant UPGRADE_DELAY_SHIFT = 32;
/// @dev `ProposalManager.Proposal`, slot 0: proposer, expiresAt, delay, state; slot 1: escalatedBy, eta.
uint256 constant PROPOSAL_EXPIRES_AT_SHIFT = 160;
uint256 constant PROPOSAL_DELAY_SHIFT = 208;
uint256 constant PROPOSAL_STATE_SHIFT = 240;
uint256 constant PROPOSAL_ETA_SHIFT = 160;
/// @dev `AgentManager.Session`: agent (low 160 bits), validAfter, validUntil, status.
uint256 constant SESSION_VALID_AFTER_SHIFT = 160;
uint256 constant SESSION_VALID_UNTIL_SHIFT = 200;
uint256 constant SESSION_STATUS_SHIFT = 240;
/// @dev `AgentRules`: maxOpCost (low 96 bits), maxOpsPerHour, maxOpsPerDay, minSecondsBetweenOps, allowedHours,
/// allowedDays, gasPerDay.
uint256 constant RULES_OPS_PER_HOUR_SHIFT = 96;
uint256 constant RULES_OPS_PER_DAY_SHIFT = 112;
uint256 constant RULES_MIN_GAP_SHIFT = 128;
uint256 constant RULES_HOURS_SHIFT = 160;
uint256 constant RULES_DAYS_SHIFT = 184;
uint256 constant RULES_GAS_PER_DAY_SHIFT = 192;
/// @dev `PolicyEngine.Velocity`: lastOpAt (low 40 bits), hourIndex, opsThisHour, dayIndex, opsToday, gasSpent.
uint256 constant VELOCITY_HOUR_INDEX_SHIFT = 40;
uint256 constant VELOCITY_OPS_THIS_HOUR_SHIFT = 72;
uint256 constant VELOCITY_DAY_INDEX_SHIFT = 88;
uint256 constant VELOCITY_OPS_TODAY_SHIFT = 120;
uint256 constant GAS_SPENT_SHIFT = 136;
/// @dev `CallPermission`: allowed (low byte), maxValue, expiresAt.
uint256 constant PERMISSION_MAX_VALUE_SHIFT = 8;
uint256 constant PERMISSION_EXPIRES_AT_SHIFT = 104;
