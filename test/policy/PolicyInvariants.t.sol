// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PolicyHandler} from "./utils/PolicyHandler.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @notice Invariants of the spending policy under random sequences of agent payments (through the real
/// EntryPoint), batches, boundary probes, attacks, time jumps, suspensions, revocation, pauses and escalations.
/// Run deeper with `npm run test:deep`.
contract PolicyInvariantTest is TestBase {
    PolicyHandler internal handler;

    function setUp() public {
        handler = new PolicyHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice Ground truth: no agent window ever held more than its cap, and the wallet's counters for the
    /// current windows equal what actually moved (counted exactly once).
    function invariant_agentSpendWithinCapsAndCountedExactly() public view {
        assertEq(handler.capBreaches(), 0, "a window passed its cap");
        for (uint256 i = 0; i < handler.agentCount(); ++i) {
            address agent = handler.agents(i);
            _checkCounters(agent, address(0), agent);
            _checkCounters(agent, address(handler.token()), agent);
        }
    }

    /// @notice Wallet-wide caps across all agents hold, and the wallet-wide counters equal the ground truth.
    function invariant_walletWideSpendWithinCapsAndCountedExactly() public view {
        assertEq(handler.capBreaches(), 0, "a window passed its cap");
        address w = address(handler.wallet());
        for (uint256 a = 0; a < 2; ++a) {
            address asset = a == 0 ? address(0) : address(handler.token());
            (, , uint256[3] memory spentNow) = handler.wallet().walletCaps(asset);
            uint256[3] memory truth = handler.ghostNow(w, asset);
            for (uint256 k = 0; k < 3; ++k) {
                assertEq(spentNow[k], truth[k], "wallet-wide counter = ground truth");
                uint256 c = handler.cap(w, asset, k);
                if (c != 0) assertLe(truth[k], c, "wallet-wide spend <= cap");
            }
        }
    }

    /// @notice Not one wei more: the wallet lost exactly what the ground truth says was paid.
    function invariant_walletOutflowEqualsCountedPayments() public view {
        assertEq(
            address(handler.wallet()).balance + handler.totalNativeOut(),
            handler.initialNative(),
            "native outflow"
        );
        assertEq(
            handler.token().balanceOf(address(handler.wallet())) + handler.totalTokenOut(),
            handler.initialToken(),
            "token outflow"
        );
        assertEq(handler.partialExecutions(), 0, "a batch executed partially or leaked");
    }

    function invariant_noAgentExecutionWhilePaused() public view {
        assertEq(handler.pausedExecutions(), 0, "executed while paused");
    }

    function invariant_noExecutionBySuspendedRevokedOrExpiredKey() public view {
        assertEq(handler.inactiveExecutions(), 0, "executed with an inactive key");
        assertEq(handler.retiredKeyExecutions(), 0, "executed with a rotated-away key");
    }

    function invariant_timeMasksAndVelocityHold() public view {
        assertEq(handler.ruleBreaches(), 0, "executed outside hours/days or too fast");
    }

    function invariant_escalationsExecuteAndCountOnce() public view {
        assertEq(handler.doubleExecutions(), 0, "an escalation executed twice");
        assertEq(
            handler.foreignProposals(),
            0,
            "an agent op created a proposal that is not its escalation"
        );
    }

    function invariant_agentsChangeNoWalletStateButTheirCounters() public view {
        assertEq(handler.agentStateChanges(), 0, "an agent op changed the configuration");
        assertEq(handler.attackSuccesses(), 0, "a forbidden call had an effect");
    }

    /// @notice The handler is not vacuous: a scripted run through every action executes, escalates, refuses and
    /// blocks exactly where it should (the invariants above then hold on random runs of the same actions).
    function test_handler_exercisesEveryPath() public {
        handler.pay(0, 0.5 ether, false, 1); // executes
        handler.pay(0, 50e18, true, 2); // token, executes
        assertEq(handler.opsExecuted(), 2, "payments executed");
        handler.pay(0, 2 ether, false, 2); // above approvalAbove (1 ether): escalates
        assertEq(handler.escalationsCreated(), 1, "escalation created");
        handler.approveAndExecute(0);
        assertEq(handler.escalationsExecuted(), 1, "escalation executed");
        assertEq(handler.totalNativeOut(), 2.5 ether, "native paid");
        handler.pay(1, 2 ether + 1, false, 2); // above agent 1's per-tx cap: refused
        for (uint8 k = 0; k < 8; ++k) handler.attack(2, k);
        handler.payRemaining(1, true, false); // one wei above what is left for one payment: refused
        handler.payRemaining(1, false, false); // exactly what is left: executes
        handler.pause();
        handler.pay(0, 0.1 ether, false, 2); // refused at validation
        handler.warp(3601);
        handler.unpause();
        handler.suspend(0);
        handler.pay(0, 0.1 ether, false, 2); // refused
        handler.resume(0);
        handler.pay(0, 0.1 ether, false, 2); // executes
        handler.warp(1 days + 2);
        handler.pay(0, 0.1 ether, false, 2); // executes
        handler.rotate(0, 42);
        assertEq(handler.rotations(), 1, "rotated");
        handler.payWithRetiredKey(0, 0, 0.1 ether); // the old key: refused
        handler.warp(61);
        handler.pay(0, 0.1 ether, false, 2); // the new key, same agent and counters: executes
        assertEq(handler.opsExecuted(), 6, "executed");
        assertEq(handler.opsRefused(), 5, "refused");
        assertEq(handler.retiredKeyExecutions(), 0, "old key refused");
        assertEq(handler.attackSuccesses(), 0, "attacks refused");
        assertEq(
            handler.capBreaches() + handler.pausedExecutions() + handler.inactiveExecutions(),
            0,
            "no breach"
        );
        invariant_agentSpendWithinCapsAndCountedExactly();
        invariant_walletWideSpendWithinCapsAndCountedExactly();
        invariant_walletOutflowEqualsCountedPayments();
    }

    function _checkCounters(address agent, address asset, address scope) internal view {
        (uint256 d, uint256 w, uint256 m) = handler.wallet().spent(agent, asset);
        uint256[3] memory truth = handler.ghostNow(scope, asset);
        assertEq(d, truth[0], "daily counter = ground truth");
        assertEq(w, truth[1], "weekly counter = ground truth");
        assertEq(m, truth[2], "monthly counter = ground truth");
        for (uint256 k = 0; k < 3; ++k) {
            uint256 c = handler.cap(scope, asset, k);
            if (c != 0) assertLe(truth[k], c, "agent spend <= cap");
        }
    }
}
