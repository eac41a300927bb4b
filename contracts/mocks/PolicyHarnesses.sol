// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Calendar} from "../policy/Calendar.sol";
import {CallDecoder} from "../policy/CallDecoder.sol";
import {SpendWindows, WindowCaps, WindowIndexes, WindowSpend} from "../policy/SpendWindows.sol";

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

/// @notice Test-only: one (caps, spend) pair in storage, driven through `SpendWindows` as the wallet drives it,
/// plus raw access to both slots to bind the library's bit offsets to the structs' layout.
contract SpendWindowsHarness {
    WindowCaps internal caps;
    WindowSpend internal spend;

    function setCaps(uint80 daily, uint80 weekly, uint80 monthly) external {
        caps = WindowCaps(daily, weekly, monthly, true);
    }

    /// @notice The window indexes of local day `day`, as the wallet computes them.
    function indexes(uint32 day) public pure returns (WindowIndexes memory) {
        return WindowIndexes(day);
    }

    /// @dev Reverts when a window refuses (the wallet reverts the whole operation).
    function charge(
        uint32 day,
        uint256 amount
    ) external returns (uint256 refused, uint256 spentBefore, uint256 cap) {
        uint256 next;
        (refused, spentBefore, cap, next) = SpendWindows.charge(
            SpendWindows.capsWord(caps),
            SpendWindows.spendWord(spend),
            indexes(day),
            amount
        );
        if (refused != SpendWindows.NONE) revert Refused(refused, spentBefore, cap);
        SpendWindows.storeSpend(spend, next);
    }

    function preview(
        uint32 day,
        uint256 amount
    ) external view returns (uint256 refused, uint256 spentBefore, uint256 cap) {
        (refused, spentBefore, cap, ) = SpendWindows.charge(
            SpendWindows.capsWord(caps),
            SpendWindows.spendWord(spend),
            indexes(day),
            amount
        );
    }

    function spentNow(uint32 day) external view returns (uint256, uint256, uint256) {
        return SpendWindows.spentNow(SpendWindows.spendWord(spend), indexes(day));
    }

    function left(uint32 day) external view returns (uint256, uint256, uint256) {
        return
            SpendWindows.leftNow(
                SpendWindows.capsWord(caps),
                SpendWindows.spendWord(spend),
                indexes(day)
            );
    }

    function exceeds(uint256 cap, uint256 before, uint256 amount) external pure returns (bool) {
        return SpendWindows.exceeds(cap, before, amount);
    }

    // ------------------------------------------------ layout binding (struct <-> word accessors)

    /// @notice Writes the caps through the struct; returns what the library's word accessors read back.
    function capsViaStruct(
        WindowCaps calldata c
    ) external returns (uint256 day, uint256 week, uint256 month, bool enabled) {
        caps = c;
        uint256 word = SpendWindows.capsWord(caps);
        return (
            SpendWindows.field(word, SpendWindows.DAY_SHIFT),
            SpendWindows.field(word, SpendWindows.WEEK_SHIFT),
            SpendWindows.field(word, SpendWindows.MONTH_SHIFT),
            SpendWindows.enabled(word)
        );
    }

    /// @notice Writes the spend through the struct; returns the raw word and what the library decodes from it.
    function spendViaStruct(
        WindowSpend calldata s,
        uint32 today
    ) external returns (uint256 word, uint256 day, uint256 week, uint256 month, int256 lastDay) {
        spend = s;
        word = SpendWindows.spendWord(spend);
        return (
            word,
            SpendWindows.field(word, SpendWindows.DAY_SHIFT),
            SpendWindows.field(word, SpendWindows.WEEK_SHIFT),
            SpendWindows.field(word, SpendWindows.MONTH_SHIFT),
            SpendWindows.lastDayOf(word, today)
        );
    }

    /// @notice Charges as the wallet does (word accessors, one store); returns the struct's fields read back.
    function chargeThenReadStruct(
        uint32 day,
        uint256 amount
    ) external returns (WindowSpend memory) {
        (uint256 refused, , , uint256 next) = SpendWindows.charge(
            SpendWindows.capsWord(caps),
            SpendWindows.spendWord(spend),
            indexes(day),
            amount
        );
        if (refused != SpendWindows.NONE) revert Refused(refused, 0, 0);
        SpendWindows.storeSpend(spend, next);
        return spend;
    }

    error Refused(uint256 window, uint256 spentBefore, uint256 cap);
}
