// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SpendWindowsHarness} from "../../contracts/mocks/PolicyHarnesses.sol";
import {Calendar} from "../../contracts/policy/Calendar.sol";
import {SpendLimits, WindowSpend} from "../../contracts/policy/SpendWindows.sol";
import {IPolicyEngine} from "../../contracts/interfaces/IPolicyEngine.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @notice SpendWindows never lets what is spent in a window pass its cap, and counts exactly what it accepts;
/// its word accessors agree with the `SpendLimits`/`WindowSpend` structs' layout; a limit packs exactly or not at all.
contract SpendWindowsFuzzTest is TestBase {
    SpendWindowsHarness internal w;
    uint256 internal constant MAX80 = type(uint80).max;
    // 2026-01-05, a Monday (week starts there), in the 2026-01 month.
    uint32 internal constant MONDAY = 20458;

    function setUp() public {
        w = new SpendWindowsHarness();
    }

    /// @dev Reference for `exceeds`, computed with an explicit overflow flag.
    function _refExceeds(uint256 cap, uint256 before, uint256 amount) internal pure returns (bool) {
        if (cap == 0) return false;
        uint256 sum;
        bool overflow;
        unchecked {
            sum = before + amount;
            overflow = sum < before;
        }
        return overflow || sum > cap;
    }

    function testFuzz_exceeds_matchesReference(
        uint256 cap,
        uint256 before,
        uint256 amount
    ) public view {
        assertTrue(w.exceeds(cap, before, amount) == _refExceeds(cap, before, amount), "exceeds");
    }

    // ---------------------------------------------------------------- layout binding

    /// @dev Every field written through the struct is found by the library's word accessor at its offset, with no
    /// field bleeding into another (each set to all ones while the others are zero, then all random).
    function testFuzz_layout_limitsStructMatchesWordAccessors(
        uint48[5] memory f,
        bool enabled
    ) public {
        (uint256[5] memory got, bool e) = w.limitsViaStruct(
            SpendLimits(f[0], f[1], f[2], f[3], f[4], enabled)
        );
        for (uint256 i = 0; i < 5; ++i) assertEq(got[i], f[i], "field at its shift");
        assertTrue(e == enabled, "enabled at ENABLED_SHIFT");
        uint48 ones = type(uint48).max;
        for (uint256 i = 0; i < 5; ++i) {
            uint48[5] memory one;
            one[i] = ones;
            (got, e) = w.limitsViaStruct(
                SpendLimits(one[0], one[1], one[2], one[3], one[4], false)
            );
            for (uint256 j = 0; j < 5; ++j) assertEq(got[j], i == j ? ones : 0, "one field alone");
            assertTrue(!e, "enabled untouched");
        }
        (got, e) = w.limitsViaStruct(SpendLimits(0, 0, 0, 0, 0, true));
        assertTrue(e && got[0] == 0 && got[4] == 0, "enabled alone");
    }

    /// @dev What the wallet decodes at each shift is the amount packed in that struct field.
    function testFuzz_layout_limitDecodesTheStructField(uint256 amount, uint8 which) public {
        amount = w.floor(bound(amount, 0, type(uint96).max));
        uint48 p = uint48(w.encode(amount));
        uint48[5] memory f;
        f[which % 5] = p;
        uint256[5] memory shifts = w.limitShifts();
        SpendLimits memory l = SpendLimits(f[0], f[1], f[2], f[3], f[4], true);
        for (uint256 i = 0; i < 5; ++i)
            assertEq(w.limitViaStruct(l, shifts[i]), i == which % 5 ? amount : 0, "decoded");
    }

    // ---------------------------------------------------------------- DecimalAmount: exact or refused

    /// @dev Whatever packs decodes to itself, packs in 48 bits, and is zero only when it is zero.
    function testFuzz_decimalAmount_roundTripsExactly(uint256 amount) public view {
        amount = w.floor(amount);
        uint256 packed = w.encode(amount);
        assertLe(packed, type(uint48).max, "48 bits");
        assertEq(w.decode(packed), amount, "exact");
        // Zero means "no cap", the loosest: a real limit must never pack to it.
        if (amount != 0) assertTrue(packed != 0, "a non-zero limit never packs to zero");
    }

    /// @dev An amount with too many significant digits is refused with its value, never rounded.
    function testFuzz_decimalAmount_refusesWhatItCannotHoldExactly(uint256 amount) public {
        vm.assume(w.floor(amount) != amount);
        vm.expectRevert(
            abi.encodeWithSelector(IPolicyEngine.PolicyLimitTooPrecise.selector, amount)
        );
        w.encode(amount);
    }

    /// @dev `floor` is the largest exact amount at most the input: the best of every exponent's largest
    /// mantissa, computed here by brute force.
    function testFuzz_decimalAmount_floorIsTheLargestExactBelow(uint256 amount) public view {
        if (amount % 3 == 0) amount = bound(amount, 0, type(uint96).max);
        uint256 best;
        for (uint256 e = 0; e <= 31; ++e) {
            uint256 m = amount / 10 ** e;
            uint256 c = (m > 2 ** 43 - 1 ? 2 ** 43 - 1 : m) * 10 ** e;
            if (c > best) best = c;
        }
        uint256 f = w.floor(amount);
        assertEq(f, best, "the largest exact amount at most the input");
        if (amount != 0) assertTrue(f != 0, "non-zero stays non-zero");
        assertEq(w.decode(w.encode(f)), f, "and it packs");
    }

    function test_decimalAmount_boundaries() public {
        uint256 maxM = 2 ** 43 - 1; // 8,796,093,022,207
        assertEq(w.decode(w.encode(maxM)), maxM, "13 digits below 2^43");
        assertEq(
            w.decode(w.encode(999_999_999_999e18)),
            999_999_999_999e18,
            "12 digits, any zeros"
        );
        assertEq(w.decode(w.encode(1)), 1, "one wei");
        assertEq(w.encode(0), 0, "zero is zero");
        assertEq(
            w.decode(w.encode((type(uint80).max / 1e12) * 1e12)),
            (type(uint80).max / 1e12) * 1e12,
            "80 bits"
        );
        vm.expectRevert(
            abi.encodeWithSelector(IPolicyEngine.PolicyLimitTooPrecise.selector, maxM + 1)
        );
        w.encode(maxM + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPolicyEngine.PolicyLimitTooPrecise.selector,
                1_234_567_890_123_4e5
            )
        );
        w.encode(1_234_567_890_123_4e5);
        vm.expectRevert(
            abi.encodeWithSelector(IPolicyEngine.PolicyLimitTooPrecise.selector, type(uint80).max)
        );
        w.encode(type(uint80).max);
        // 10^40: mantissa 10^9 at the largest exponent (31).
        assertEq(
            w.decode(w.encode(1e40)),
            1e40,
            "exponent capped at 31, mantissa carries the rest"
        );
    }

    function testFuzz_layout_spendStructMatchesWordAccessors(
        uint80 day,
        uint80 week,
        uint80 month,
        uint16 lastDay
    ) public {
        (uint256 word, uint256 d, uint256 wk, uint256 m, int256 last) = w.spendViaStruct(
            WindowSpend(day, week, month, lastDay),
            lastDay
        );
        assertEq(d, day, "day spent at DAY_SHIFT");
        assertEq(wk, week, "week spent at WEEK_SHIFT");
        assertEq(m, month, "month spent at MONTH_SHIFT");
        assertEq(uint256(last), lastDay, "lastDay at LAST_DAY_SHIFT (today = lastDay)");
        assertEq(word >> 240, lastDay, "lastDay in the top 16 bits");
    }

    /// @dev The other direction: a word the library stores reads back through the struct.
    function testFuzz_layout_chargedWordReadsBackThroughStruct(uint32 day, uint80 amount) public {
        day = uint32(bound(day, 1, 400_000));
        WindowSpend memory s = w.chargeThenReadStruct(day, amount);
        assertEq(s.day, amount, "struct day");
        assertEq(s.week, amount, "struct week");
        assertEq(s.month, amount, "struct month");
        assertEq(s.lastDay, uint16(day), "struct lastDay = low 16 bits of the day");
        s = w.chargeThenReadStruct(day, 1);
        assertEq(s.day, uint256(amount) + 1 > MAX80 ? MAX80 : uint256(amount) + 1, "counted");
    }

    // ---------------------------------------------------------------- rollover from one day index

    function test_rollover_weekAndMonthDeriveFromTheLastDay() public {
        w.setCaps(0, 0, 0);
        w.charge(MONDAY, 5);
        w.charge(MONDAY + 6, 7); // Sunday: same ISO week, same month
        (uint256 d, uint256 wk, uint256 m) = w.spentNow(MONDAY + 6);
        assertTrue(d == 7 && wk == 12 && m == 12, "same week and month");
        (d, wk, m) = w.spentNow(MONDAY + 7); // next Monday: new week, same month (January)
        assertTrue(d == 0 && wk == 0 && m == 12, "new week, same month");
        // 2026-01-31 is a Saturday; 2026-02-01 a Sunday: same week, new month.
        w.charge(MONDAY + 26, 1);
        (d, wk, m) = w.spentNow(MONDAY + 27);
        assertTrue(d == 0 && wk == 1 && m == 0, "same week, new month");
        // Decades later (within the 2^15 days the 16-bit index tells apart): nothing carries.
        (d, wk, m) = w.spentNow(MONDAY + 26 + 20_000);
        assertTrue(d == 0 && wk == 0 && m == 0, "decades later");
    }

    /// @dev The owners moved the UTC offset back across midnight: the last spend's day is tomorrow. The day
    /// counter starts anew (as any other day change), week and month keep counting.
    function test_rollover_lastDayAheadOfTodayKeepsWeekAndMonth() public {
        w.setCaps(0, 0, 0);
        w.charge(MONDAY + 2, 9);
        (uint256 d, uint256 wk, uint256 m) = w.spentNow(MONDAY + 1);
        assertTrue(d == 0 && wk == 9 && m == 9, "week and month kept");
    }

    /// @dev Uncapped windows still count; a count that would pass 2^80 - 1 saturates there instead of
    /// wrapping or spilling into the day index bits (the slot is written in one word).
    function test_charge_uncappedWindowSaturatesAtUint80Max() public {
        w.setCaps(0, 0, 0);
        w.charge(MONDAY, MAX80 - 5);
        w.charge(MONDAY, 10);
        (uint256 day, uint256 week, uint256 month) = w.spentNow(MONDAY);
        assertTrue(day == MAX80 && week == MAX80 && month == MAX80, "saturated at 2^80 - 1");
        w.charge(MONDAY, type(uint256).max);
        (day, week, month) = w.spentNow(MONDAY);
        assertTrue(day == MAX80 && week == MAX80 && month == MAX80, "huge amount saturates");
        (day, , ) = w.spentNow(MONDAY + 1);
        assertTrue(day == 0, "next day starts fresh");
        w.charge(MONDAY + 1, 3);
        (day, week, ) = w.spentNow(MONDAY + 1);
        assertTrue(day == 3 && week == MAX80, "day counts anew, week stays saturated");
        // A cap set later sees the saturated count, at or above any cap: nothing more passes.
        (, uint80 weekCap, ) = w.setCaps(0, uint80(MAX80), 0);
        assertTrue(weekCap != 0 && weekCap <= MAX80, "the largest exact cap under 2^80");
        (uint256 refused, , ) = w.preview(MONDAY + 1, 1);
        assertEq(refused, 2, "week refuses");
    }

    function testFuzz_exceeds_boundary(uint80 cap, uint80 before) public view {
        vm.assume(cap != 0 && before <= cap);
        uint256 room = uint256(cap) - before;
        assertTrue(!w.exceeds(cap, before, room), "exactly at the cap is allowed");
        assertTrue(w.exceeds(cap, before, room + 1), "one more is refused");
    }

    struct Ghost {
        uint32 day;
        uint256 daySpent;
        uint256 weekSpent;
        uint256 monthSpent;
    }

    /// @dev A random walk of charges over advancing days (weeks and months as the calendar has them); the
    /// ground truth is summed here.
    function testFuzz_charge_neverLetsSpentPassCap(
        uint80 dayCap,
        uint80 weekCap,
        uint80 monthCap,
        uint256[12] memory amounts,
        uint8[12] memory steps
    ) public {
        (dayCap, weekCap, monthCap) = w.setCaps(dayCap, weekCap, monthCap);
        Ghost memory g = Ghost(MONDAY + 20, 0, 0, 0);
        for (uint256 i = 0; i < 12; ++i) {
            uint32 newDay = g.day + uint32(steps[i] % 5);
            if (newDay != g.day) {
                g.daySpent = 0;
                if (Calendar.weekIndex(newDay) != Calendar.weekIndex(g.day)) g.weekSpent = 0;
                if (Calendar.monthIndex(newDay) != Calendar.monthIndex(g.day)) g.monthSpent = 0;
                g.day = newDay;
            }
            uint256 amount = amounts[i] % 4 == 0 ? amounts[i] : bound(amounts[i], 0, MAX80 / 4);
            (uint256 refusedP, , ) = w.preview(g.day, amount);
            bool expectRefused =
                _refExceeds(dayCap, g.daySpent, amount) ||
                    _refExceeds(weekCap, g.weekSpent, amount) ||
                    _refExceeds(monthCap, g.monthSpent, amount);
            try w.charge(g.day, amount) {
                assertTrue(!expectRefused, "accepted what a cap refuses");
                assertEq(refusedP, 0, "preview agrees (accepted)");
                g.daySpent = _sat(g.daySpent, amount);
                g.weekSpent = _sat(g.weekSpent, amount);
                g.monthSpent = _sat(g.monthSpent, amount);
            } catch {
                assertTrue(expectRefused, "refused what every cap allows");
                assertTrue(refusedP != 0, "preview agrees (refused)");
            }
            (uint256 d, uint256 wk, uint256 m) = w.spentNow(g.day);
            if (dayCap != 0) assertLe(d, dayCap, "day spent <= cap");
            if (weekCap != 0) assertLe(wk, weekCap, "week spent <= cap");
            if (monthCap != 0) assertLe(m, monthCap, "month spent <= cap");
            // Counted exactly (an uncapped window saturates at 2^80 - 1 instead of overflowing).
            assertEq(d, g.daySpent, "day counted exactly");
            assertEq(wk, g.weekSpent, "week counted exactly");
            assertEq(m, g.monthSpent, "month counted exactly");
        }
    }

    function _sat(uint256 spent, uint256 amount) internal pure returns (uint256) {
        if (amount >= MAX80) return MAX80;
        return spent + amount > MAX80 ? MAX80 : spent + amount;
    }

    function testFuzz_left_isCapMinusSpent(uint80 cap, uint80 amount) public {
        (cap, , ) = w.setCaps(cap, 0, 0);
        vm.assume(cap != 0 && amount <= cap);
        w.charge(MONDAY, amount);
        (uint256 d, uint256 wk, uint256 m) = w.left(MONDAY);
        assertEq(d, uint256(cap) - amount, "left = cap - spent");
        assertEq(wk, type(uint256).max, "uncapped week");
        assertEq(m, type(uint256).max, "uncapped month");
        (d, , ) = w.left(MONDAY + 1);
        assertEq(d, cap, "a new day starts full");
    }

    function testFuzz_tightenedBelowSpent_refusesEverything(
        uint80 cap,
        uint80 spent,
        uint80 newCap,
        uint80 amount
    ) public {
        (cap, , ) = w.setCaps(cap, 0, 0);
        vm.assume(
            cap != 0 && spent != 0 && spent <= cap && newCap != 0 && newCap < spent && amount != 0
        );
        w.charge(MONDAY, spent);
        (newCap, , ) = w.setCaps(newCap, 0, 0);
        (uint256 refused, , ) = w.preview(MONDAY, amount);
        assertEq(refused, 1, "day refuses");
        (uint256 d, , ) = w.left(MONDAY);
        assertEq(d, 0, "nothing left");
    }
}
