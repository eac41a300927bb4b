// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TestBase, Vm} from "./utils/TestBase.sol";

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

/// @dev Makes cheatcode calls and then reverts: what a step of a campaign could do through the wallet (e.g. a
/// call the wallet makes for `tryCalls`) when it acts as the wallet.
contract CheatThenRevert {
    // solhint-disable-next-line const-name-snakecase
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function dealThenRevert(address account) external {
        vm.deal(account, 0);
        revert("undone?");
    }

    function warpThenRevert() external {
        vm.warp(block.timestamp + 1 days);
        revert("undone?");
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

    /// @notice Why a campaign step must never act as the wallet: EDR does not undo a cheatcode's `deal` or `warp`
    /// when the frame that made it reverts, so a step that "always reverts" can still take the wallet's whole
    /// balance or move time, and a replay of the sequence without that step shows nothing. (The likeliest cause of
    /// #22's whole-balance failures, audits/INVARIANTS.md.) Should EDR start undoing them, this test fails and
    /// that note must change.
    function test_cheatcodeEffectsInARevertedFrameAreNotUndone() public {
        CheatThenRevert cheat = new CheatThenRevert();
        address account = address(0xBEEF);
        vm.deal(account, 1_000 ether);
        uint256 start = block.timestamp;
        try cheat.dealThenRevert(account) {} catch {}
        try cheat.warpThenRevert() {} catch {}
        assertEq(account.balance, 0, "the reverted frame's deal stayed");
        assertEq(block.timestamp, start + 1 days, "the reverted frame's warp stayed");
    }
}
