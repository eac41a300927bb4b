// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CalendarHarness} from "../../contracts/mocks/PolicyHarnesses.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @notice Calendar against an independent, naive reference (walks years and months from 1970).
contract CalendarFuzzTest is TestBase {
    CalendarHarness internal cal;

    /// @dev 1970-01-01 .. 2169-12-31: the naive reference walks at most 200 years.
    uint256 internal constant MAX_NAIVE_DAY = 73_048;

    function setUp() public {
        cal = new CalendarHarness();
    }

    function _isLeap(uint256 y) internal pure returns (bool) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    }

    function _monthLength(uint256 y, uint256 m) internal pure returns (uint256) {
        if (m == 2) return _isLeap(y) ? 29 : 28;
        if (m == 4 || m == 6 || m == 9 || m == 11) return 30;
        return 31;
    }

    /// @dev Reference: count whole years, then whole months, from 1970-01-01.
    function _naiveCivil(uint256 day) internal pure returns (uint256 y, uint256 m, uint256 d) {
        y = 1970;
        while (true) {
            uint256 len = _isLeap(y) ? 366 : 365;
            if (day < len) break;
            day -= len;
            ++y;
        }
        m = 1;
        while (day >= _monthLength(y, m)) {
            day -= _monthLength(y, m);
            ++m;
        }
        d = day + 1;
    }

    function testFuzz_civilFromDays_matchesNaiveReference(uint256 day) public view {
        day = bound(day, 0, MAX_NAIVE_DAY);
        (uint256 y, uint256 m, uint256 d) = cal.civilFromDays(day);
        (uint256 ry, uint256 rm, uint256 rd) = _naiveCivil(day);
        assertEq(y, ry, "year");
        assertEq(m, rm, "month");
        assertEq(d, rd, "day of month");
    }

    function testFuzz_daysFromCivil_invertsCivilFromDays(uint256 day) public view {
        day = bound(day, 0, 100_000_000); // ~273,000 years
        (uint256 y, uint256 m, uint256 d) = cal.civilFromDays(day);
        assertEq(cal.daysFromCivil(y, m, d), day, "round trip");
    }

    function testFuzz_civilRoundTrip_validDates(
        uint256 year,
        uint256 month,
        uint256 dom
    ) public view {
        year = bound(year, 1970, 100_000);
        month = bound(month, 1, 12);
        dom = bound(dom, 1, _monthLength(year, month));
        (uint256 y, uint256 m, uint256 d) = cal.civilFromDays(cal.daysFromCivil(year, month, dom));
        assertEq(y, year, "year");
        assertEq(m, month, "month");
        assertEq(d, dom, "dom");
    }

    function testFuzz_monthIndex_changesExactlyOnTheFirst(uint256 day) public view {
        day = bound(day, 0, 100_000_000);
        (, , uint256 nextDom) = cal.civilFromDays(day + 1);
        uint256 a = cal.monthIndex(day);
        uint256 b = cal.monthIndex(day + 1);
        if (nextDom == 1) assertEq(b, a + 1, "new month on the 1st");
        else assertEq(b, a, "same month otherwise");
        (uint256 y, uint256 m, ) = cal.civilFromDays(day);
        assertEq(a, y * 12 + m - 1, "index = year * 12 + month - 1");
    }

    function testFuzz_weekIndex_changesExactlyOnMonday(uint256 day) public view {
        day = bound(day, 0, 100_000_000);
        uint256 next = cal.dayOfWeek(day + 1);
        assertEq(next, (cal.dayOfWeek(day) + 1) % 7, "weekday advances by one");
        if (next == 0)
            assertEq(cal.weekIndex(day + 1), cal.weekIndex(day) + 1, "new week on Monday");
        else assertEq(cal.weekIndex(day + 1), cal.weekIndex(day), "same week otherwise");
        // Every ISO week has 7 days: a week later is always the next week, on the same weekday.
        assertEq(cal.weekIndex(day + 7), cal.weekIndex(day) + 1, "7 days = 1 week");
        assertEq(cal.dayOfWeek(day + 7), cal.dayOfWeek(day), "same weekday");
    }

    function test_knownDates() public view {
        assertEq(cal.dayOfWeek(0), 3, "1970-01-01 was a Thursday");
        assertEq(cal.dayOfWeek(4), 0, "1970-01-05 was a Monday");
        assertEq(cal.weekIndex(3), 0, "Sunday 1970-01-04 in week 0");
        assertEq(cal.weekIndex(4), 1, "Monday 1970-01-05 starts week 1");
        assertEq(cal.daysFromCivil(2000, 3, 1), 11_017, "2000-03-01");
        assertEq(cal.daysFromCivil(2028, 2, 29), 21_243, "2028-02-29");
        assertEq(cal.daysFromCivil(2030, 7, 1), 22_096, "2030-07-01");
        assertEq(cal.dayOfWeek(22_096), 0, "2030-07-01 is a Monday");
        assertEq(cal.daysFromCivil(2100, 3, 1), 47_541, "2100-03-01");
    }

    function test_leapYears_febLength() public view {
        uint256[6] memory leap = [uint256(1972), 2000, 2024, 2028, 2400, 2096];
        uint256[6] memory common = [uint256(1970), 2027, 2100, 2200, 2300, 2101];
        for (uint256 i = 0; i < 6; ++i) {
            assertEq(
                cal.daysFromCivil(leap[i], 3, 1) - cal.daysFromCivil(leap[i], 2, 28),
                2,
                "leap: Feb 29 exists"
            );
            assertEq(
                cal.daysFromCivil(common[i], 3, 1) - cal.daysFromCivil(common[i], 2, 28),
                1,
                "no Feb 29"
            );
        }
    }

    function testFuzz_localTime_andHourOfDay(uint256 ts, int256 offset) public view {
        ts = bound(ts, 14 hours, type(uint64).max);
        offset = int256(bound(uint256(offset), 0, 28 hours)) - 14 hours;
        uint256 local = cal.localTime(ts, offset);
        assertEq(local, uint256(int256(ts) + offset), "local = ts + offset");
        uint256 hour = cal.hourOfDay(local);
        assertLe(hour, 23, "hour in range");
        assertEq(
            cal.dayIndex(local) * 1 days + hour * 1 hours + (local % 1 hours),
            local,
            "day/hour decompose"
        );
    }

    function testFuzz_localTime_clampsBeforeEpoch(uint256 ts, uint256 back) public view {
        ts = bound(ts, 0, 14 hours - 1);
        back = bound(back, ts + 1, 14 hours);
        assertEq(cal.localTime(ts, -int256(back)), 0, "clamped at zero");
    }
}
