// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Test-only: reverts every call with the bytes it was given (to forge another contract's errors).
contract RevertWithMock {
    bytes private reason;

    constructor(bytes memory reason_) {
        reason = reason_;
    }

    fallback() external payable {
        bytes memory r = reason;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: reverts with `r` as it is in memory.
            revert(add(r, 32), mload(r))
        }
    }
}
