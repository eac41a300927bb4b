// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Calendar arithmetic for policy windows in a fixed UTC offset.
/// @notice Day index = whole days since 1970-01-01 in local time; ISO weeks start on Monday
/// (1970-01-01 was a Thursday, so Monday-based week index = (day + 3) / 7); months are civil months
/// computed with Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
library Calendar {
    /// @dev Largest offset any time zone uses (UTC+14, Kiribati; UTC-12 is inside the bound too).
    int256 internal constant MAX_OFFSET = 14 hours;

    /// @notice Local time in seconds since the epoch. Clamped at zero for instants before the epoch
    /// in a negative offset, which no real block timestamp reaches.
    function localTime(uint256 timestamp, int256 offset) internal pure returns (uint256) {
        int256 local = int256(timestamp) + offset;
        return local < 0 ? 0 : uint256(local);
    }

    function dayIndex(uint256 local) internal pure returns (uint256) {
        return local / 1 days;
    }

    function weekIndex(uint256 day) internal pure returns (uint256) {
        return (day + 3) / 7;
    }

    /// @notice 0 = Monday ... 6 = Sunday.
    function dayOfWeek(uint256 day) internal pure returns (uint256) {
        return (day + 3) % 7;
    }

    function hourOfDay(uint256 local) internal pure returns (uint256) {
        return (local % 1 days) / 1 hours;
    }

    /// @notice Months since year 0: year * 12 + (month - 1).
    function monthIndex(uint256 day) internal pure returns (uint256) {
        (uint256 year, uint256 month, ) = civilFromDays(day);
        return year * 12 + (month - 1);
    }

    /// @notice The civil date of a day index.
    function civilFromDays(
        uint256 day
    ) internal pure returns (uint256 year, uint256 month, uint256 dom) {
        // Shift the epoch to 0000-03-01 so leap days fall at the end of the (March-based) year.
        uint256 z = day + 719468;
        uint256 era = z / 146097;
        uint256 doe = z - era * 146097; // day of era [0, 146096]
        uint256 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; // year of era [0, 399]
        uint256 doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of year [0, 365]
        uint256 mp = (5 * doy + 2) / 153; // March-based month [0, 11]
        dom = doy - (153 * mp + 2) / 5 + 1;
        month = mp < 10 ? mp + 3 : mp - 9;
        year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    }

    /// @notice The day index of a civil date (inverse of `civilFromDays`), for years from 1970.
    function daysFromCivil(
        uint256 year,
        uint256 month,
        uint256 dom
    ) internal pure returns (uint256) {
        uint256 y = month <= 2 ? year - 1 : year;
        uint256 era = y / 400;
        uint256 yoe = y - era * 400;
        uint256 mp = month > 2 ? month - 3 : month + 9;
        uint256 doy = (153 * mp + 2) / 5 + dom - 1;
        uint256 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }
}
