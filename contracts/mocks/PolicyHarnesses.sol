// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Calendar} from "../policy/Calendar.sol";
import {CallDecoder} from "../policy/CallDecoder.sol";
import {SpendWindows, Window, WindowIndexes, Windows} from "../policy/SpendWindows.sol";

/// @notice Test-only: exposes the internal `Calendar` functions.
contract CalendarHarness {
    function localTime(uint256 timestamp, int256 offset) external pure returns (uint256) {
        return Calendar.localTime(timestamp, offset);
    }

    function dayIndex(uint256 local) external pure returns (uint256) {
        return Calendar.dayIndex(local);
    }

    function weekIndex(uint256 day) external pure returns (uint256) {
        return Calendar.weekIndex(day);
    }

    function dayOfWeek(uint256 day) external pure returns (uint256) {
        return Calendar.dayOfWeek(day);
    }

    function hourOfDay(uint256 local) external pure returns (uint256) {
        return Calendar.hourOfDay(local);
    }

    function monthIndex(uint256 day) external pure returns (uint256) {
        return Calendar.monthIndex(day);
    }

    function civilFromDays(
        uint256 day
    ) external pure returns (uint256 year, uint256 month, uint256 dom) {
        return Calendar.civilFromDays(day);
    }

    function daysFromCivil(
        uint256 year,
        uint256 month,
        uint256 dom
    ) external pure returns (uint256) {
        return Calendar.daysFromCivil(year, month, dom);
    }
}

/// @notice Test-only: exposes the internal `CallDecoder` functions.
contract CallDecoderHarness {
    function selectorOf(bytes memory data) external pure returns (bytes4 selector, bool ok) {
        return CallDecoder.selectorOf(data);
    }

    function decodeTokenMovement(
        bytes memory data
    ) external pure returns (bool isMovement, address recipient, uint256 amount, address from) {
        return CallDecoder.decodeTokenMovement(data);
    }
}

/// @notice Test-only: one `Windows` set in storage, driven through `SpendWindows`.
contract SpendWindowsHarness {
    using SpendWindows for Windows;
    using SpendWindows for Window;

    Windows internal windows;

    function setCaps(uint96 daily, uint96 weekly, uint96 monthly) external {
        windows.day.cap = daily;
        windows.week.cap = weekly;
        windows.month.cap = monthly;
    }

    /// @dev Reverts (undoing any partial write, as the wallet does) when a window refuses.
    function charge(
        uint32 day,
        uint32 week,
        uint32 month,
        uint256 amount
    ) external returns (uint256 refused, uint256 spentBefore, uint256 cap) {
        (refused, spentBefore, cap) = windows.charge(WindowIndexes(day, week, month), amount);
        if (refused != SpendWindows.NONE) revert Refused(refused, spentBefore, cap);
    }

    function preview(
        uint32 day,
        uint32 week,
        uint32 month,
        uint256 amount
    ) external view returns (uint256 refused, uint256 spentBefore, uint256 cap) {
        return windows.preview(WindowIndexes(day, week, month), amount);
    }

    function spentNow(
        uint32 day,
        uint32 week,
        uint32 month
    ) external view returns (uint256, uint256, uint256) {
        return (
            windows.day.spentNow(day),
            windows.week.spentNow(week),
            windows.month.spentNow(month)
        );
    }

    function left(
        uint32 day,
        uint32 week,
        uint32 month
    ) external view returns (uint256, uint256, uint256) {
        return (windows.day.left(day), windows.week.left(week), windows.month.left(month));
    }

    function exceeds(uint256 cap, uint256 before, uint256 amount) external pure returns (bool) {
        return SpendWindows.exceeds(cap, before, amount);
    }

    error Refused(uint256 window, uint256 spentBefore, uint256 cap);
}
