// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SpendWindowsHarness} from "../../contracts/mocks/PolicyHarnesses.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @notice SpendWindows never lets what is spent in a window pass its cap, and counts exactly what it accepts.
contract SpendWindowsFuzzTest is TestBase {
    SpendWindowsHarness internal w;

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

    /// @dev Uncapped windows still count; a count that would pass 2^96 - 1 saturates there instead of
    /// wrapping or spilling into the window's index bits (the slot is written in one word).
    function test_charge_uncappedWindowSaturatesAtUint96Max() public {
        w.setCaps(0, 0, 0);
        uint256 max96 = type(uint96).max;
        w.charge(7, 1, 0, max96 - 5);
        w.charge(7, 1, 0, 10);
        (uint256 day, uint256 week, uint256 month) = w.spentNow(7, 1, 0);
        assertTrue(day == max96 && week == max96 && month == max96, "saturated at 2^96 - 1");
        // The window's index survived the saturated write: the next day starts from zero.
        (day, , ) = w.spentNow(8, 1, 0);
        assertTrue(day == 0, "next day starts fresh");
        w.charge(8, 1, 0, 3);
        (day, week, ) = w.spentNow(8, 1, 0);
        assertTrue(day == 3 && week == max96, "day counts anew, week stays saturated");
    }

    function testFuzz_exceeds_boundary(uint96 cap, uint96 before) public view {
        vm.assume(cap != 0 && before <= cap);
        uint256 room = uint256(cap) - before;
        assertTrue(!w.exceeds(cap, before, room), "exactly at the cap is allowed");
        assertTrue(w.exceeds(cap, before, room + 1), "one more is refused");
    }

    struct Ghost {
        uint32 day;
        uint32 week;
        uint32 month;
        uint256 daySpent;
        uint256 weekSpent;
        uint256 monthSpent;
    }

    /// @dev A random walk of charges over advancing windows; the ground truth is summed here.
    function testFuzz_charge_neverLetsSpentPassCap(
        uint96 dayCap,
        uint96 weekCap,
        uint96 monthCap,
        uint256[12] memory amounts,
        uint8[12] memory steps
    ) public {
        w.setCaps(dayCap, weekCap, monthCap);
        Ghost memory g = Ghost(100, 14, 3, 0, 0, 0); // day 100 is in week 100 / 7 and month 100 / 30
        for (uint256 i = 0; i < 12; ++i) {
            // Advance 0-3 days; a new week every 7 days and a new month every 30 (the library only compares indexes).
            uint32 newDay = g.day + uint32(steps[i] % 4);
            if (newDay != g.day) {
                g.daySpent = 0;
                if (newDay / 7 != g.day / 7) g.weekSpent = 0;
                if (newDay / 30 != g.day / 30) g.monthSpent = 0;
                g.day = newDay;
                g.week = newDay / 7;
                g.month = newDay / 30;
            }
            uint256 amount =
                amounts[i] % 4 == 0
                    ? amounts[i]
                    : bound(amounts[i], 0, uint256(type(uint96).max) / 4);
            (uint256 refusedP, , ) = w.preview(g.day, g.week, g.month, amount);
            bool expectRefused =
                _refExceeds(dayCap, g.daySpent, amount) ||
                    _refExceeds(weekCap, g.weekSpent, amount) ||
                    _refExceeds(monthCap, g.monthSpent, amount);
            try w.charge(g.day, g.week, g.month, amount) {
                assertTrue(!expectRefused, "accepted what a cap refuses");
                assertEq(refusedP, 0, "preview agrees (accepted)");
                g.daySpent += amount;
                g.weekSpent += amount;
                g.monthSpent += amount;
            } catch {
                assertTrue(expectRefused, "refused what every cap allows");
                assertTrue(refusedP != 0, "preview agrees (refused)");
            }
            (uint256 d, uint256 wk, uint256 m) = w.spentNow(g.day, g.week, g.month);
            if (dayCap != 0) assertLe(d, dayCap, "day spent <= cap");
            if (weekCap != 0) assertLe(wk, weekCap, "week spent <= cap");
            if (monthCap != 0) assertLe(m, monthCap, "month spent <= cap");
            // Counted exactly (an uncapped window saturates at 2^96 - 1 instead of overflowing).
            assertEq(d, _sat(g.daySpent), "day counted exactly");
            assertEq(wk, _sat(g.weekSpent), "week counted exactly");
            assertEq(m, _sat(g.monthSpent), "month counted exactly");
        }
    }

    function _sat(uint256 x) internal pure returns (uint256) {
        return x > type(uint96).max ? type(uint96).max : x;
    }

    function testFuzz_left_isCapMinusSpent(uint96 cap, uint96 amount) public {
        vm.assume(cap != 0 && amount <= cap);
        w.setCaps(cap, 0, 0);
        w.charge(1, 1, 1, amount);
        (uint256 d, uint256 wk, uint256 m) = w.left(1, 1, 1);
        assertEq(d, uint256(cap) - amount, "left = cap - spent");
        assertEq(wk, type(uint256).max, "uncapped week");
        assertEq(m, type(uint256).max, "uncapped month");
        (d, , ) = w.left(2, 1, 1);
        assertEq(d, cap, "a new day starts full");
    }

    function testFuzz_tightenedBelowSpent_refusesEverything(
        uint96 cap,
        uint96 spent,
        uint96 newCap,
        uint96 amount
    ) public {
        vm.assume(
            cap != 0 && spent != 0 && spent <= cap && newCap != 0 && newCap < spent && amount != 0
        );
        w.setCaps(cap, 0, 0);
        w.charge(1, 1, 1, spent);
        w.setCaps(newCap, 0, 0);
        (uint256 refused, , ) = w.preview(1, 1, 1, amount);
        assertEq(refused, 1, "day refuses");
        (uint256 d, , ) = w.left(1, 1, 1);
        assertEq(d, 0, "nothing left");
    }
}
