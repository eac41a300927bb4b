// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPolicyEngine} from "../interfaces/IPolicyEngine.sol";

/// @title An amount in 48 bits: a 43-bit mantissa times a power of ten (the top 5 bits, 10^0 .. 10^31).
/// @notice Five limits of one asset (per-tx, approval threshold, day, week and month caps) share one storage slot
/// this way, so a payment reads its limits with one cold SLOAD instead of two. Encoding is exact or refused: an
/// amount is stored only when it equals `mantissa * 10^exponent` with `mantissa < 2^43`, i.e. when it has at most
/// 12 significant digits (13 when they read below 8,796,093,022,208) before its trailing zeros. A limit is never
/// rounded, so what the owners set is what the wallet enforces.
/// @dev Layout of a packed amount: bits 0..42 the mantissa, bits 43..47 the exponent. Zero packs to zero.
library DecimalAmount {
    uint256 internal constant BITS = 48;
    uint256 internal constant MASK = (1 << BITS) - 1;
    uint256 internal constant MANTISSA_BITS = 43;
    uint256 internal constant MAX_MANTISSA = (1 << MANTISSA_BITS) - 1;
    uint256 internal constant MAX_EXPONENT = 31;

    /// @notice The amount packed at bit `shift` of `word`.
    function at(uint256 word, uint256 shift) internal pure returns (uint256) {
        return decode((word >> shift) & MASK);
    }

    /// @notice The amount a packed value stands for. At most (2^43 - 1) * 10^31 < 2^147: no overflow.
    function decode(uint256 packed) internal pure returns (uint256) {
        unchecked {
            return (packed & MAX_MANTISSA) * 10 ** (packed >> MANTISSA_BITS);
        }
    }

    /// @notice `amount` packed exactly; reverts `PolicyLimitTooPrecise(amount)` when it can't be.
    function encode(uint256 amount) internal pure returns (uint256 packed) {
        uint256 mantissa = amount;
        uint256 exponent;
        // At most MAX_EXPONENT iterations: the trailing zeros become the exponent.
        while (mantissa != 0 && exponent < MAX_EXPONENT && mantissa % 10 == 0) {
            mantissa /= 10;
            ++exponent;
        }
        if (mantissa > MAX_MANTISSA) revert IPolicyEngine.PolicyLimitTooPrecise(amount);
        return (exponent << MANTISSA_BITS) | mantissa;
    }

    /// @notice The largest amount at most `amount` that packs exactly (what a client offers instead of a limit
    /// `encode` refuses). Non-zero for a non-zero amount.
    function floor(uint256 amount) internal pure returns (uint256 best) {
        uint256 unit = 1;
        // Below the first unit whose mantissa fits, the best is the largest mantissa; from it on, coarser units
        // only round down further.
        for (uint256 e = 0; e <= MAX_EXPONENT; ++e) {
            uint256 m = amount / unit;
            uint256 candidate = (m > MAX_MANTISSA ? MAX_MANTISSA : m) * unit;
            if (candidate > best) best = candidate;
            if (m <= MAX_MANTISSA) break;
            unit *= 10;
        }
    }
}
