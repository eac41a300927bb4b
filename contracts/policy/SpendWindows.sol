// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Spend in one calendar window: the cap (0 = none), what was spent, and which window that was.
/// @dev One storage slot (96 + 96 + 32 = 224 bits) so a check-and-count is one cold read and one write.
struct Window {
    uint96 cap;
    uint96 spent;
    uint32 index;
}

/// @notice The day, ISO-week and month windows of one spender (an agent or the whole wallet) for one asset.
struct Windows {
    Window day;
    Window week;
    Window month;
}

/// @notice Current window indexes, computed once per operation.
struct WindowIndexes {
    uint32 day;
    uint32 week;
    uint32 month;
}

/// @title Check-and-count of calendar spend windows. A window whose stored index is not the current one
/// holds last window's spend, which counts as zero now: windows roll over without any reset transaction.
library SpendWindows {
    /// @notice Which window refused an amount.
    uint256 internal constant NONE = 0;
    uint256 internal constant DAY = 1;
    uint256 internal constant WEEK = 2;
    uint256 internal constant MONTH = 3;

    /// @notice Adds `amount` to every window, or reports the first window whose cap it would pass.
    /// @dev The caller reverts on a refusal, which also undoes the windows already written.
    function charge(
        Windows storage self,
        WindowIndexes memory now_,
        uint256 amount
    ) internal returns (uint256 refused, uint256 spentBefore, uint256 cap) {
        (refused, spentBefore, cap) = _charge(self.day, now_.day, amount);
        if (refused != NONE) return (DAY, spentBefore, cap);
        (refused, spentBefore, cap) = _charge(self.week, now_.week, amount);
        if (refused != NONE) return (WEEK, spentBefore, cap);
        (refused, spentBefore, cap) = _charge(self.month, now_.month, amount);
        if (refused != NONE) return (MONTH, spentBefore, cap);
    }

    /// @notice Like `charge` but writes nothing.
    function preview(
        Windows storage self,
        WindowIndexes memory now_,
        uint256 amount
    ) internal view returns (uint256 refused, uint256 spentBefore, uint256 cap) {
        (refused, spentBefore, cap) = _check(self.day, now_.day, amount);
        if (refused != NONE) return (DAY, spentBefore, cap);
        (refused, spentBefore, cap) = _check(self.week, now_.week, amount);
        if (refused != NONE) return (WEEK, spentBefore, cap);
        (refused, spentBefore, cap) = _check(self.month, now_.month, amount);
        if (refused != NONE) return (MONTH, spentBefore, cap);
    }

    /// @notice Spent in the current window (zero if the stored spend belongs to an earlier window).
    function spentNow(Window storage w, uint32 index) internal view returns (uint256) {
        return w.index == index ? w.spent : 0;
    }

    /// @notice What is left in the current window; type(uint256).max when the window has no cap.
    function left(Window storage w, uint32 index) internal view returns (uint256) {
        uint256 cap = w.cap;
        if (cap == 0) return type(uint256).max;
        uint256 s = spentNow(w, index);
        return s >= cap ? 0 : cap - s;
    }

    /// @notice Whether `amount` on top of `before` passes `cap` (0 = no cap). Written to hold even when a
    /// tightened cap is already below what was spent, and for amounts near 2^256.
    function exceeds(uint256 cap, uint256 before, uint256 amount) internal pure returns (bool) {
        return cap != 0 && (amount > cap || before > cap - amount);
    }

    function _check(
        Window storage w,
        uint32 index,
        uint256 amount
    ) private view returns (uint256, uint256, uint256) {
        Window memory win = w;
        uint256 before = win.index == index ? win.spent : 0;
        return (exceeds(win.cap, before, amount) ? DAY : NONE, before, win.cap);
    }

    function _charge(
        Window storage w,
        uint32 index,
        uint256 amount
    ) private returns (uint256, uint256, uint256) {
        Window memory win = w;
        uint256 before = win.index == index ? win.spent : 0;
        if (exceeds(win.cap, before, amount)) return (DAY, before, win.cap);
        // `before` < 2^96, so the sum can't overflow unless `amount` is near 2^256, which only an uncapped
        // window could accept: saturate instead. Uncapped windows still count so a cap set later starts
        // from the real spend.
        uint256 total = amount > type(uint96).max ? type(uint96).max : before + amount;
        if (total > type(uint96).max) total = type(uint96).max;
        uint256 packed = uint256(win.cap) | (total << 96) | (uint256(index) << 192);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: one write of the whole `Window` slot, fields packed in declaration order from the low bits
            // (cap 96, spent 96, index 32) exactly as Solidity lays them out; `total` <= 2^96 - 1 and `cap` is
            // the value just read, so no field spills into another; bits 224.. belong to no field and stay zero.
            // The legacy optimizer would otherwise read-modify-write the slot once per field.
            sstore(w.slot, packed)
        }
        return (NONE, before, win.cap);
    }
}
