// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TestBase} from "./utils/TestBase.sol";

/// @dev Two steps the fuzzer may pick from: one of them excluded by the test below.
contract ExclusionProbeHandler {
    bool public excludedStepRan;
    uint256 public steps;

    function excludedStep(uint256) external {
        excludedStepRan = true;
    }

    function allowedStep(uint256) external {
        ++steps;
    }
}

/// @notice What the invariant campaigns assume of Hardhat's fuzzer (EDR): a selector in `excludeSelectors` is never
/// called. `NoInstantLooseningInvariants` relies on it to keep `checkDirect`, which acts as the wallet, out of the
/// campaign. With the exclusion removed, the first run of this test calls the excluded step (checked by hand
/// when it was written, 2026-12-04); with it, none of the profile's calls may.
contract FuzzerAssumptionsTest is TestBase {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    ExclusionProbeHandler internal handler;

    function setUp() public {
        handler = new ExclusionProbeHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function excludeSelectors() public view returns (FuzzSelector[] memory excluded) {
        excluded = new FuzzSelector[](1);
        excluded[0].addr = address(handler);
        excluded[0].selectors = new bytes4[](1);
        excluded[0].selectors[0] = ExclusionProbeHandler.excludedStep.selector;
    }

    function invariant_excludedSelectorIsNeverCalled() public view {
        assertTrue(!handler.excludedStepRan(), "the fuzzer called an excluded selector");
    }
}
