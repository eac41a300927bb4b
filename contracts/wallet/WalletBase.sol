// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IProposalManager} from "../interfaces/IProposalManager.sol";
import {ITimelock} from "../interfaces/ITimelock.sol";
import {IWalletBase} from "../interfaces/IWalletBase.sol";
import {HOT_STORAGE, HOT_UTC_OFFSET_SHIFT, HOT_WALLET_CAP_ASSETS_SHIFT} from "./StorageLayout.sol";

/// @title Access control shared by every manager: "self" means an executed owner proposal.
abstract contract WalletBase is IWalletBase {
    /// @dev Bounds every loop over owners, guardians and batch calls.
    uint256 internal constant MAX_OWNERS = 16;
    uint256 internal constant MAX_GUARDIANS = 16;
    uint256 internal constant MAX_CALLS = 32;

    /// @notice The one slot every agent operation reads (validation reads it cold, execution warm), so the
    /// pause flag and the calendar offset cost one cold read together. 8 + 48 + 32 + 32 + 16 = 136 bits.
    /// @custom:storage-location erc7201:leash.storage.Hot
    struct HotState {
        bool paused;
        uint48 pausedAt;
        uint32 minPauseDuration;
        int32 utcOffset;
        uint16 walletCapAssets; // assets with wallet-wide caps: 0 lets agent payments skip that lookup
    }

    /// @notice The hot slot as one word (see `HOT_*_SHIFT`).
    function _hotWord() internal view returns (uint256 word) {
        uint256 base = HOT_STORAGE; // ERC-7201 base, named once in StorageLayout.sol
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: reads one storage slot; writes nothing.
            word := sload(base)
        }
    }

    /// @notice Whether hot word `hot` says the wallet is paused.
    function _pausedIn(uint256 hot) internal pure returns (bool) {
        return hot & 0xff != 0;
    }

    /// @notice The wallet's UTC offset in seconds, from hot word `hot`.
    function _utcOffsetIn(uint256 hot) internal pure returns (int256) {
        return int32(uint32(hot >> HOT_UTC_OFFSET_SHIFT));
    }

    /// @notice Whether any asset has wallet-wide caps, from hot word `hot`.
    function _anyWalletCapsIn(uint256 hot) internal pure returns (bool) {
        return uint16(hot >> HOT_WALLET_CAP_ASSETS_SHIFT) != 0;
    }

    function _hot() internal pure returns (HotState storage $) {
        uint256 base = HOT_STORAGE; // ERC-7201 base, named once in StorageLayout.sol
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: points a storage pointer at a constant ERC-7201 slot; no memory is touched.
            $.slot := base
        }
    }

    /// @dev How the owners' batch now running is timed (transient, see `ITimelock`): none, an instant try
    /// or dry run (setters record the delay they need in TL_DELAY), or a queued proposal executing
    /// (setters check their delay against TL_QUEUED_AT in place; what would undo an emergency response checks
    /// TL_PROPOSED_AT, see `_requireProposedAfter`).
    uint256 internal constant MODE_NONE = 0;
    uint256 internal constant MODE_TRY = 1;
    uint256 internal constant MODE_PROPOSAL = 2;
    // keccak256("leash.transient.Timelock.mode"), ".delay", ".queuedAt", ".proposedAt"
    bytes32 internal constant TL_MODE =
        0x448ff41ba865f05c3ceb895ebf8dc1331d1ce9c1a0b4d8a0b3bb7254a57c9e3e;
    bytes32 internal constant TL_DELAY =
        0x15ecb70eb974087c2a681020ec75e087a5fee69b35c488943906592e730ec275;
    bytes32 internal constant TL_QUEUED_AT =
        0x7486e6973140cadd2b5ce2220fd17d4753eac1c219dfa2e863ebcf6e4b31d67b;
    bytes32 internal constant TL_PROPOSED_AT =
        0xab81842bc99e5a5513232da4c6328c3c18aa1f9c7c3502c016ef1adc6da97e58;

    /// @dev The wallet itself, or its one-time setup (see `AgentWallet.initialize`). Deny by default: the
    /// change waits `adminDelay` unless the function decides its delay by effect (`onlySelfByEffect`).
    modifier onlySelf() {
        if (msg.sender != address(this) && !_inSetup()) revert WalletOnlySelf(msg.sender);
        _requireDelay(_adminDelay());
        _;
    }

    /// @dev Like `onlySelf`, for a function that calls `_requireDelay` itself when its change loosens.
    modifier onlySelfByEffect() {
        if (msg.sender != address(this) && !_inSetup()) revert WalletOnlySelf(msg.sender);
        _;
    }

    /// @notice Called by a self-only function whose change needs `delay` (0 = instant). In an instant try it
    /// records the longest delay; in a queued proposal it refuses until `queuedAt + delay`, with the delays
    /// in force now. Setup (the wallet's creation) needs none.
    /// @dev The wallet calls itself only from those two runs (`tryCalls`, `execute`): agents' calls can never
    /// target the wallet, setup is `_inSetup`. A self-call in no run is therefore unreachable here; it is let
    /// through (not refused) so that tests impersonating the wallet model "the owners decided" directly.
    function _requireDelay(uint256 delay) internal {
        if (delay == 0 || _inSetup()) return;
        uint256 mode = _tload(TL_MODE);
        if (mode == MODE_TRY) {
            if (delay > _tload(TL_DELAY)) _tstore(TL_DELAY, delay);
            return;
        }
        if (mode == MODE_PROPOSAL) {
            uint256 readyAt = _tload(TL_QUEUED_AT) + delay;
            if (block.timestamp < readyAt) revert ITimelock.TimelockNotReady(readyAt);
        }
    }

    /// @notice Called by a function that undoes an emergency response (a pause, a suspension, a membership change)
    /// made at `changedAt`: in a queued proposal's run, refuses a proposal created before it. A proposal stays
    /// queued after a failed run and anyone may execute it, so without this a duplicate or pre-armed one would undo
    /// a later pause, suspension or removal at once, with no owner deciding after it and no veto window. Creation,
    /// not queueing: one owner can re-queue a proposal (revoke and re-approve) while the others' approvals, given
    /// before the emergency, still count. One created in the same second as the change passes: it still waits its
    /// whole delay after the change (it can't be queued before it is created), so the veto window is there.
    function _requireProposedAfter(uint256 changedAt) internal view {
        if (_tload(TL_MODE) != MODE_PROPOSAL) return;
        uint256 proposedAt = _tload(TL_PROPOSED_AT);
        if (proposedAt < changedAt) {
            revert IProposalManager.ProposalOlderThanChange(proposedAt, changedAt);
        }
    }

    function _tload(bytes32 slot) internal view returns (uint256 value) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: reads one transient slot of this wallet.
            value := tload(slot)
        }
    }

    function _tstore(bytes32 slot, uint256 value) internal {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: writes one of the timelock's transient slots (TL_*), cleared at the end of the transaction.
            tstore(slot, value)
        }
    }

    /// @notice The admin delay in force (see `Timelock`).
    function _adminDelay() internal view virtual returns (uint256);

    /// @notice True only while the wallet runs its initial setup calls.
    function _inSetup() internal view virtual returns (bool);

    /// @dev For caps, maxima and expiries where 0 means "unlimited": whether `requested` is no looser
    /// than `current`.
    function _notLooser(uint256 requested, uint256 current) internal pure returns (bool) {
        if (current == 0) return true;
        return requested != 0 && requested <= current;
    }
}
