// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAgentWallet} from "../../contracts/interfaces/IAgentWallet.sol";
import {AgentRules, AssetLimits, Call} from "../../contracts/interfaces/LeashTypes.sol";
import {LooseningHandler} from "./utils/LooseningHandler.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @notice Issue 11: "a change is instant only when it provably lets no agent move more, and removes no vetoer".
/// A self-bundling thief (any gas fields, calldata, targets) is interleaved with owners submitting random batches
/// of configuration changes through `executeWithSignatures` (run at once or queued by the wallet), executions of
/// queued batches, vetoes and time jumps. Run with its handler:
/// `npx hardhat test solidity test/policy/NoInstantLooseningInvariants.t.sol test/policy/utils/LooseningHandler.sol
/// test/policy/utils/SelfBundlerHandler.sol`; deeper with `npm run test:deep`.
contract NoInstantLooseningInvariantTest is TestBase {
    LooseningHandler internal handler;

    function setUp() public {
        handler = new LooseningHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// @notice `checkDirect` acts as the wallet itself, which no agent, owner or guardian can: it is for the
    /// handler's own tests below, never a step of the campaign (a deep run found a whole-balance "loss" that no
    /// replay reproduces; see audits/INVARIANTS.md).
    function excludeSelectors() public view returns (FuzzSelector[] memory excluded) {
        excluded = new FuzzSelector[](1);
        excluded[0].addr = address(handler);
        excluded[0].selectors = new bytes4[](1);
        excluded[0].selectors[0] = LooseningHandler.checkDirect.selector;
    }

    /// @notice No batch the wallet ran at once raised any agent's maxLoss, loosened a limit, a cap, an allowlist, a
    /// permission, a rule, a validity range or a status, lifted the pause, shortened a delay or the minimum
    /// pause, lowered the threshold, moved the calendar, added an owner, or removed an owner or a guardian.
    function invariant_noInstantChangeLoosensOrRemovesAVetoer() public view {
        assertEq(handler.instantLoosenings(), 0, handler.firstLoosening());
    }

    /// @notice What left the wallet since the last change or time jump never exceeds what `maxLoss` promised then.
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

    /// @notice The comparison is not vacuous: each kind of loosening, applied without the timelock, is seen.
    function test_handler_seesEveryKindOfLooseningAppliedDirectly() public {
        IAgentWallet w = handler.wallet();
        address a = handler.agent();
        (, , , , AgentRules memory rules) = w.getAgent(a);
        AgentRules memory moreGas = rules;
        moreGas.gasPerDay = rules.gasPerDay + 1;
        _expectLoosened(
            abi.encodeCall(
                w.setAssetLimits,
                (a, address(0), AssetLimits(0.05 ether, 0, 0.2 ether, 0.3 ether, 1 ether))
            ),
            "maxLoss"
        );
        _expectLoosened(abi.encodeCall(w.allowRecipient, (a, handler.r2())), "recipient");
        _expectLoosened(abi.encodeCall(w.setAgentRules, (a, 0, 0, moreGas)), "maxLoss");
        _expectLoosened(
            abi.encodeCall(w.removeGuardian, (handler.guardian())),
            "vetoer removed (guardian)"
        );
        _expectLoosened(abi.encodeCall(w.removeOwner, (address(0x0A11))), "vetoer removed (owner)");
        _expectLoosened(abi.encodeCall(w.addOwner, (handler.spareOwner())), "owner added");
        _expectLoosened(abi.encodeCall(w.setMinPauseDuration, (0)), "minPauseDuration");
        _expectLoosened(abi.encodeCall(w.setUtcOffset, (3600)), "utcOffset");
        // And a tightening is not reported.
        _expectLoosened(abi.encodeCall(w.removeRecipient, (a, handler.r0())), "");
    }

    /// @notice The two loosenings the list above can't show from the initial state, seen too: lifting a pause (the
    /// wallet paused by its guardian, past the minimum pause) and lowering the threshold.
    function test_handler_seesUnpauseAndALowerThresholdAppliedDirectly() public {
        IAgentWallet w = handler.wallet();
        // Raised first as the wallet itself outside any run (no timelock applies there), then lowered.
        vm.prank(address(w));
        w.changeThreshold(2);
        assertEq(w.threshold(), 2, "threshold raised");
        _expectLoosened(abi.encodeCall(w.changeThreshold, (1)), "threshold");
        vm.prank(handler.guardian());
        w.pause();
        vm.warp(block.timestamp + w.minPauseDuration());
        _expectLoosened(abi.encodeCall(w.unpause, ()), "unpaused");
    }

    /// @notice The owners' path is real: a loosening is queued (not applied), a tightening runs at once, a queued
    /// batch executes only from its eta, and the guardian can veto one.
    function test_handler_queuesLooseningsRunsTighteningsAtOnce() public {
        IAgentWallet w = handler.wallet();
        // seed 0 → one call, kind keccak(0,0) % 24; drive it until one batch of each outcome happened.
        for (
            uint256 i = 0;
            i < 40 && (handler.queuedBatches() < 2 || handler.instantBatches() == 0);
            ++i
        ) handler.ownerChange(3 * i, i + 1);
        assertTrue(handler.queuedBatches() >= 2, "loosenings queued");
        assertTrue(handler.instantBatches() > 0, "tightenings ran at once");
        uint256 queued = handler.queuedCount();
        handler.executeQueued(0);
        assertEq(handler.executedProposals(), 0, "nothing executes before its eta");
        handler.veto(0);
        assertEq(handler.queuedCount(), queued - 1, "the guardian vetoed one");
        handler.warp(3 days - 1);
        handler.warp(3 days - 1);
        handler.warp(3 days - 1);
        uint256 left = handler.queuedCount();
        for (uint256 i = 0; i < left; ++i) handler.executeQueued(0);
        assertTrue(
            handler.executedProposals() + handler.queuedCount() >= 1,
            "queued batches run after the delay"
        );
        assertEq(handler.instantLoosenings(), 0, handler.firstLoosening());
        assertTrue(w.proposalCount() >= 2, "proposals");
    }

    /// @notice The helper makes calls as the wallet only to the wallet: anything else (the cheatcode address
    /// above all, whose `warp`/`deal`/`prank` its final revert wouldn't undo) is refused before any call runs.
    function test_handler_checkDirect_refusesAnyTargetButTheWallet() public {
        IAgentWallet w = handler.wallet();
        uint256 before = block.timestamp;
        Call[] memory calls = new Call[](2);
        // A loosening first: had the batch run, it would be reported ("recipient").
        calls[0] = Call(
            address(w),
            0,
            abi.encodeCall(w.allowRecipient, (handler.agent(), handler.r2()))
        );
        calls[1] = Call(address(vm), 0, abi.encodeWithSignature("warp(uint256)", before + 1 days));
        try handler.checkDirect(calls) {
            assertTrue(false, "checkDirect always reverts");
        } catch (bytes memory reason) {
            assertEq(
                uint256(keccak256(reason)),
                uint256(keccak256(abi.encodeWithSelector(LooseningHandler.Loosened.selector, ""))),
                "refused, nothing applied"
            );
        }
        assertEq(block.timestamp, before, "the cheatcode call did not run");
        assertTrue(!w.isRecipientAllowed(handler.agent(), handler.r2()), "nor the wallet call");
        // The passing side: the wallet call alone runs (and is seen as the loosening it is).
        _expectLoosened(
            abi.encodeCall(w.allowRecipient, (handler.agent(), handler.r2())),
            "recipient"
        );
    }

    function _expectLoosened(bytes memory data, string memory what) internal {
        Call[] memory calls = new Call[](1);
        calls[0] = Call(address(handler.wallet()), 0, data);
        try handler.checkDirect(calls) {
            assertTrue(false, "checkDirect always reverts");
        } catch (bytes memory reason) {
            assertEq(
                uint256(keccak256(reason)),
                uint256(
                    keccak256(abi.encodeWithSelector(LooseningHandler.Loosened.selector, what))
                ),
                what
            );
        }
    }
}
