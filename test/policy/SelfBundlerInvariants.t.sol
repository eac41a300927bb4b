// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SelfBundlerHandler} from "./utils/SelfBundlerHandler.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @notice Issue 11: whatever a stolen agent key does as its own bundler, between owner changes and time jumps
/// the wallet loses at most what `maxLoss(agent, asset)` promised at the last snapshot (gas included for native).
contract SelfBundlerInvariantTest is TestBase {
    SelfBundlerHandler internal handler;

    function setUp() public {
        handler = new SelfBundlerHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_agentOutflowWithinMaxLoss() public view {
        uint256 native = handler.nativeHoldings();
        uint256 before = handler.nativeAtSnapshot();
        // The report is built only for a failure (it reads the whole record).
        if (native < before && before - native > handler.promisedNative())
            assertLe(
                before - native,
                handler.promisedNative(),
                string.concat("native loss <= maxLoss; ", handler.report())
            );
        uint256 tokens = handler.tokenHoldings();
        uint256 tokensBefore = handler.tokenAtSnapshot();
        if (tokens < tokensBefore && tokensBefore - tokens > handler.promisedToken())
            assertLe(
                tokensBefore - tokens,
                handler.promisedToken(),
                string.concat("token loss <= maxLoss; ", handler.report())
            );
    }

    /// @notice The handler is not vacuous: the classic drain (zero-value ops at maxOpCost) gets exactly the
    /// budget's worth of ops in (one before the first refill, then gasPerDay / maxOpCost), and no more; without
    /// the budget its loss would pass `maxLoss` (0.1 ETH allowance + 2 x 0.2 ETH gas) within 11 ops.
    function test_handler_gasDrainStopsAtTheBudget() public {
        uint256 start = handler.nativeHoldings();
        uint256 promised = handler.promisedNative();
        assertEq(promised, 0.5 ether, "0.1 allowance + budget + one refill");
        for (uint256 i = 0; i < 4; ++i) handler.drain(7); // 32 ops
        assertEq(handler.opsAccepted(), 5, "1 + 0.2 / 0.05 ops");
        assertEq(handler.opsRefusedInValidation(), 27, "the rest refused in validation");
        assertLe(start - handler.nativeHoldings(), promised, "drain <= maxLoss");
        handler.warp(1 days);
        handler.startDay();
        handler.drain(7);
        assertEq(handler.opsAccepted(), 9, "a new day: 0.2 / 0.05 more");
        handler.attack(3, 5, 1e15);
        assertEq(handler.snapshots(), 2, "snapshots");
    }

    /// @notice A failure says where it happened: a loss made outside every handler step (here the cheatcode)
    /// is reported as seen by no step, and the next step is named as the first after which the promise was broken.
    function test_invariant_reportNamesWhereThePromiseBroke() public {
        address w = address(handler.wallet());
        uint256 promised = handler.promisedNative();
        vm.deal(w, w.balance - promised - 1);
        assertEq(bytes(handler.breachSeenIn()).length, 0, "no step saw it");
        _expectInvariantFailure(promised, "(none seen by the handler)");
        handler.startDay();
        assertEq(
            uint256(keccak256(bytes(handler.breachSeenIn()))),
            uint256(keccak256("startDay")),
            "the first step after the loss is named"
        );
        _expectInvariantFailure(promised, "startDay");
    }

    function _expectInvariantFailure(uint256 promised, string memory seenIn) internal {
        string memory report = handler.report();
        bytes memory tail = bytes(seenIn);
        bytes memory whole = bytes(report);
        for (uint256 i = 0; i < tail.length; ++i)
            assertTrue(
                whole[whole.length - tail.length + i] == tail[i],
                "the report ends with the step"
            );
        try this.invariant_agentOutflowWithinMaxLoss() {
            assertTrue(false, "the invariant fails");
        } catch (bytes memory reason) {
            assertEq(
                uint256(keccak256(reason)),
                uint256(
                    keccak256(
                        abi.encodeWithSelector(
                            AssertionFailed.selector,
                            string.concat("native loss <= maxLoss; ", report),
                            promised + 1,
                            promised
                        )
                    )
                ),
                "the failure carries the report"
            );
        }
    }
}
