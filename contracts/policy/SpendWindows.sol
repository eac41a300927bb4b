// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Calendar} from "./Calendar.sol";
import {DecimalAmount} from "./DecimalAmount.sol";

/// @notice The limits of one spender (an agent or the whole wallet) for one asset: the per-tx cap and the
/// approval threshold (an agent's; zero in a wallet-wide entry), the caps of the day, ISO-week and month windows
/// (0 = no cap) and whether the entry is enabled. One slot (5 x 48 + 8 = 248 bits), only read by a payment: each
/// amount is a `DecimalAmount` (exact, at most 12 significant digits), so the five fit the one cold read.
/// The hot path reads it as one word through `SpendWindows.limitsWord` at the offsets `SpendWindows.*_CAP_SHIFT`,
/// `PER_TX_SHIFT`, `APPROVAL_ABOVE_SHIFT`, `ENABLED_SHIFT`, bound to this layout by `test/policy/SpendWindows.t.sol`.
struct SpendLimits {
    uint48 perTx;
    uint48 approvalAbove;
    uint48 day;
    uint48 week;
    uint48 month;
    bool enabled;
}

/// @notice What was spent in the day, ISO week and month of `lastDay`, the local day of the last counted spend.
/// One slot (80 + 80 + 80 + 16 = 256 bits): a payment reads and writes it once. The week and month of the last
/// spend are derived from `lastDay`, so one index serves all three windows. `lastDay` keeps the low 16 bits of
/// the day index; `SpendWindows.lastDayOf` recovers the full day as the one nearest to today (±89 years).
struct WindowSpend {
    uint80 day;
    uint80 week;
    uint80 month;
    uint16 lastDay;
}

/// @notice The operation's local day index, computed once per operation. Its ISO week and month derive from
/// it (`Calendar`), only when a spend slot's last day is another day: a payment on the same day as the last one
/// (the common case) computes no calendar date.
struct WindowIndexes {
    uint32 day;
}

/// @title Check-and-count of calendar spend windows. A counter whose last day is in an earlier window holds
/// that window's spend, which counts as zero now: windows roll over without any reset transaction.
/// @dev Works on whole slot words (one SLOAD of the limits, one SLOAD and one SSTORE of the spend): the caller
/// loads them with `limitsWord`/`spendWord` and stores what `charge` returns with `storeSpend`.
library SpendWindows {
    /// @notice Which window refused an amount.
    uint256 internal constant NONE = 0;
    uint256 internal constant DAY = 1;
    uint256 internal constant WEEK = 2;
    uint256 internal constant MONTH = 3;

    /// @notice The largest cap, and the value at which a counter saturates (an uncapped window keeps counting so
    /// a cap set later starts from the real spend; a saturated counter is at or above any cap).
    uint256 internal constant MAX_AMOUNT = type(uint80).max;

    /// @dev Bit offsets of the fields of `SpendLimits` in its slot (declaration order from the low bits, as
    /// Solidity packs them); each amount is a 48-bit `DecimalAmount`.
    uint256 internal constant PER_TX_SHIFT = 0;
    uint256 internal constant APPROVAL_ABOVE_SHIFT = 48;
    uint256 internal constant DAY_CAP_SHIFT = 96;
    uint256 internal constant WEEK_CAP_SHIFT = 144;
    uint256 internal constant MONTH_CAP_SHIFT = 192;
    uint256 internal constant ENABLED_SHIFT = 240;

    /// @dev Bit offsets of the fields of `WindowSpend` in its slot (80-bit counters, then the 16-bit day).
    uint256 internal constant DAY_SHIFT = 0;
    uint256 internal constant WEEK_SHIFT = 80;
    uint256 internal constant MONTH_SHIFT = 160;
    uint256 internal constant LAST_DAY_SHIFT = 240;

    /// @notice The limits slot as one word.
    function limitsWord(SpendLimits storage c) internal view returns (uint256 word) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: reads one storage slot; writes nothing.
            word := sload(c.slot)
        }
    }

    /// @notice The spend slot as one word.
    function spendWord(WindowSpend storage s) internal view returns (uint256 word) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: reads one storage slot; writes nothing.
            word := sload(s.slot)
        }
    }

    /// @notice Writes a spend word built by `charge` (every field in range by construction).
    function storeSpend(WindowSpend storage s, uint256 word) internal {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: one write of the whole `WindowSpend` slot; `charge` builds the word with each counter at most
            // MAX_AMOUNT (80 bits) and the day in 16 bits, at the offsets the binding test checks.
            sstore(s.slot, word)
        }
    }

    function enabled(uint256 limits) internal pure returns (bool) {
        return (limits >> ENABLED_SHIFT) & 0xff != 0;
    }

    /// @notice The amount at `shift` of a limits word (`PER_TX_SHIFT`, `APPROVAL_ABOVE_SHIFT`, `*_CAP_SHIFT`).
    function limit(uint256 limits, uint256 shift) internal pure returns (uint256) {
        return DecimalAmount.at(limits, shift);
    }

    /// @notice The counter at `shift` of a spend word (`DAY_SHIFT`, `WEEK_SHIFT`, `MONTH_SHIFT`).
    function field(uint256 word, uint256 shift) internal pure returns (uint256) {
        return (word >> shift) & MAX_AMOUNT;
    }

    /// @notice The full day index of a spend word's `lastDay`: the day nearest to `today` with those low 16 bits.
    /// A day ahead of today happens when the owners move the UTC offset back across midnight.
    function lastDayOf(uint256 spend, uint256 today) internal pure returns (int256) {
        // The 16-bit difference read as signed: the last spend lies within 2^15 days of today either way.
        int256 delta;
        unchecked {
            delta = int256(int16(uint16(today) - uint16(spend >> LAST_DAY_SHIFT)));
        }
        return int256(today) - delta;
    }

    /// @notice What is spent in the current day, week and month windows.
    function spentNow(
        uint256 spend,
        WindowIndexes memory now_
    ) internal pure returns (uint256 daySpent, uint256 weekSpent, uint256 monthSpent) {
        // Equal low 16 bits are exactly the case where `lastDayOf` returns today (a zero 16-bit difference): the
        // common same-day payment skips the signed arithmetic.
        if (uint16(spend >> LAST_DAY_SHIFT) == uint16(now_.day))
            return (field(spend, DAY_SHIFT), field(spend, WEEK_SHIFT), field(spend, MONTH_SHIFT));
        int256 last = lastDayOf(spend, now_.day);
        // Before the epoch: nothing was ever counted there (a never-written slot decodes to such a day).
        if (last < 0) return (0, 0, 0);
        uint256 lastDay = uint256(last);
        uint256 today = now_.day;
        if (Calendar.weekIndex(lastDay) == Calendar.weekIndex(today))
            weekSpent = field(spend, WEEK_SHIFT);
        if (Calendar.monthIndex(lastDay) == Calendar.monthIndex(today))
            monthSpent = field(spend, MONTH_SHIFT);
    }

    /// @notice Adds `amount` to every window, or reports the first window whose cap (in limits word `limits`) it
    /// would pass, with what was spent in it before and its cap. Returns the new spend word (the caller writes it
    /// on acceptance).
    function charge(
        uint256 limits,
        uint256 spend,
        WindowIndexes memory now_,
        uint256 amount
    ) internal pure returns (uint256 refused, uint256 spentBefore, uint256 cap, uint256 newSpend) {
        (uint256 d, uint256 w, uint256 m) = spentNow(spend, now_);
        cap = limit(limits, DAY_CAP_SHIFT);
        if (exceeds(cap, d, amount)) return (DAY, d, cap, spend);
        cap = limit(limits, WEEK_CAP_SHIFT);
        if (exceeds(cap, w, amount)) return (WEEK, w, cap, spend);
        cap = limit(limits, MONTH_CAP_SHIFT);
        if (exceeds(cap, m, amount)) return (MONTH, m, cap, spend);
        newSpend =
            (_add(d, amount) << DAY_SHIFT) |
            (_add(w, amount) << WEEK_SHIFT) |
            (_add(m, amount) << MONTH_SHIFT) |
            (uint256(uint16(now_.day)) << LAST_DAY_SHIFT);
        return (NONE, 0, 0, newSpend);
    }

    /// @notice What is left now in the day, week and month windows of limits word `limits` after spend word
    /// `spend` (type(uint256).max for an uncapped window).
    function leftNow(
        uint256 limits,
        uint256 spend,
        WindowIndexes memory now_
    ) internal pure returns (uint256 daily, uint256 weekly, uint256 monthly) {
        (uint256 d, uint256 w, uint256 m) = spentNow(spend, now_);
        daily = _left(limit(limits, DAY_CAP_SHIFT), d);
        weekly = _left(limit(limits, WEEK_CAP_SHIFT), w);
        monthly = _left(limit(limits, MONTH_CAP_SHIFT), m);
    }

    /// @notice Whether `amount` on top of `before` passes `cap` (0 = no cap). Written to hold even when a
    /// tightened cap is already below what was spent, and for amounts near 2^256.
    function exceeds(uint256 cap, uint256 before, uint256 amount) internal pure returns (bool) {
        // `cap - amount` is only evaluated when `amount <= cap`.
        unchecked {
            return cap != 0 && (amount > cap || before > cap - amount);
        }
    }

    /// @dev What is left in a window with cap `cap` after `spent`; type(uint256).max when it has no cap.
    function _left(uint256 cap, uint256 spent) private pure returns (uint256) {
        if (cap == 0) return type(uint256).max;
        return spent >= cap ? 0 : cap - spent;
    }

    /// @dev `spent + amount`, saturating at MAX_AMOUNT (`spent` <= MAX_AMOUNT, so only a huge `amount`, which
    /// only an uncapped window accepts, could overflow: it saturates too).
    function _add(uint256 spent, uint256 amount) private pure returns (uint256) {
        if (amount >= MAX_AMOUNT) return MAX_AMOUNT;
        uint256 total;
        unchecked {
            total = spent + amount; // both below 2^80 here
        }
        return total > MAX_AMOUNT ? MAX_AMOUNT : total;
    }
}
