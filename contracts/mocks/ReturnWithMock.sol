// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Test-only: answers every call with the bytes it was given (a contract that seems to answer a wallet's
/// functions, with data of the wrong shape).
contract ReturnWithMock {
    bytes private reply;

    constructor(bytes memory reply_) {
        reply = reply_;
    }

    fallback() external {
        bytes memory r = reply;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: returns `r` as it is in memory.
            return(add(r, 32), mload(r))
        }
    }
}
