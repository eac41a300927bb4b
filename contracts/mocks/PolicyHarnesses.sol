// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Calendar} from "../policy/Calendar.sol";
import {CallDecoder} from "../policy/CallDecoder.sol";
import {DecimalAmount} from "../policy/DecimalAmount.sol";
import {SpendLimits, SpendWindows, WindowIndexes, WindowSpend} from "../policy/SpendWindows.sol";

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

/// @notice Test-only: one (limits, spend) pair in storage, driven through `SpendWindows` as the wallet drives
/// it, plus raw access to both slots to bind the library's bit offsets to the structs' layout.
contract SpendWindowsHarness {
    SpendLimits internal caps;
    WindowSpend internal spend;

    /// @notice Sets the window caps, each rounded down to the nearest amount a limits slot holds exactly
    /// (`DecimalAmount.floor`); returns the caps stored.
    function setCaps(
        uint80 daily,
        uint80 weekly,
        uint80 monthly
    ) external returns (uint80 d, uint80 w, uint80 m) {
        (d, w, m) = (_floor(daily), _floor(weekly), _floor(monthly));
        caps = SpendLimits(0, 0, _pack(d), _pack(w), _pack(m), true);
    }

    function _floor(uint256 amount) private pure returns (uint80) {
        return uint80(DecimalAmount.floor(amount));
    }

    function _pack(uint256 amount) private pure returns (uint48) {
        return uint48(DecimalAmount.encode(amount));
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
            SpendWindows.limitsWord(caps),
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
            SpendWindows.limitsWord(caps),
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
                SpendWindows.limitsWord(caps),
                SpendWindows.spendWord(spend),
                indexes(day)
            );
    }

    function exceeds(uint256 cap, uint256 before, uint256 amount) external pure returns (bool) {
        return SpendWindows.exceeds(cap, before, amount);
    }

    // ------------------------------------------------ layout binding (struct <-> word accessors)

    /// @notice Writes the limits through the struct (packed amounts as given); returns the packed fields the
    /// library's word accessors find at their offsets, and `enabled`.
    function limitsViaStruct(
        SpendLimits calldata c
    ) external returns (uint256[5] memory packed, bool enabled) {
        caps = c;
        uint256 word = SpendWindows.limitsWord(caps);
        uint256[5] memory shifts = limitShifts();
        for (uint256 i = 0; i < 5; ++i) packed[i] = (word >> shifts[i]) & DecimalAmount.MASK;
        return (packed, SpendWindows.enabled(word));
    }

    /// @notice The offsets of `SpendLimits`' five amounts, in declaration order.
    function limitShifts() public pure returns (uint256[5] memory) {
        return
            [
                SpendWindows.PER_TX_SHIFT,
                SpendWindows.APPROVAL_ABOVE_SHIFT,
                SpendWindows.DAY_CAP_SHIFT,
                SpendWindows.WEEK_CAP_SHIFT,
                SpendWindows.MONTH_CAP_SHIFT
            ];
    }

    /// @notice `SpendWindows.limit` (the decoding the wallet does) of the field at `shift`, written through the
    /// struct.
    function limitViaStruct(SpendLimits calldata c, uint256 shift) external returns (uint256) {
        caps = c;
        return SpendWindows.limit(SpendWindows.limitsWord(caps), shift);
    }

    function encode(uint256 amount) external pure returns (uint256) {
        return DecimalAmount.encode(amount);
    }

    function decode(uint256 packed) external pure returns (uint256) {
        return DecimalAmount.decode(packed);
    }

    function floor(uint256 amount) external pure returns (uint256) {
        return DecimalAmount.floor(amount);
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
            SpendWindows.limitsWord(caps),
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
