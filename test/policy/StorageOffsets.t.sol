// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {AgentRules} from "../../contracts/interfaces/LeashTypes.sol";
import {Calendar} from "../../contracts/policy/Calendar.sol";
import {PolicyEngine} from "../../contracts/policy/PolicyEngine.sol";
import {AgentPolicyModule} from "../../contracts/wallet/AgentPolicyModule.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @notice The policy module's own code (`_chargeOperation`, `_chargeGas`, `GAS_SPENT_SHIFT`), run on its own
/// storage, with the `Velocity` struct read back the way Solidity lays it out.
contract VelocityProbe is AgentPolicyModule {
    constructor() AgentPolicyModule(IEntryPoint(address(0x4337))) {}

    function addTestAgent(address key) external {
        // A self-call outside any owners' run: `onlySelf` admits it (see WalletBase._requireDelay).
        this.addAgent(key, 0, 0, AgentRules(0.1 ether, 0, 0, 0, type(uint24).max, 0x7f, 1 ether));
    }

    function chargeOperation(address agent) external {
        _chargeOperation(agent);
    }

    function chargeGas(address agent, uint256 cost) external returns (bool) {
        return _chargeGas(agent, cost, 1 ether);
    }

    function velocity(address agent) external view returns (Velocity memory) {
        return _policyStorage().velocity[agent];
    }

    /// @dev The raw slot after Solidity itself wrote `v` field by field.
    function rawAfterSolidityWrite(
        address agent,
        Velocity memory v
    ) external returns (uint256 word) {
        Velocity storage s = _policyStorage().velocity[agent];
        s.lastOpAt = v.lastOpAt;
        s.hourIndex = v.hourIndex;
        s.opsThisHour = v.opsThisHour;
        s.dayIndex = v.dayIndex;
        s.opsToday = v.opsToday;
        s.gasSpent = v.gasSpent;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            word := sload(s.slot)
        }
    }

    function gasSpentShift() external pure returns (uint256) {
        return GAS_SPENT_SHIFT;
    }
}

/// @notice Binds the field offsets that hand-written assembly uses to the structs they pack, by code: the
/// assembly writes whole slots (`_chargeOperation`) and shifts by `GAS_SPENT_SHIFT` (`_chargeGas`); Solidity
/// reads the fields back by their declared layout. Reordering or resizing a field of `Velocity` without changing
/// the assembly makes these tests fail. (The spend windows' packed slots are bound the same way in
/// `SpendWindows.t.sol`.)
contract StorageOffsetsTest is TestBase {
    VelocityProbe internal probe;
    address internal constant AGENT = address(0xA6E7);

    function setUp() public {
        probe = new VelocityProbe();
        probe.addTestAgent(AGENT);
        vm.warp(1_900_000_000);
    }

    function test_gasSpentShift_isWhereSolidityPutsGasSpent() public {
        PolicyEngine.Velocity memory v;
        v.gasSpent = 1;
        assertEq(
            probe.rawAfterSolidityWrite(address(0xBEEF), v),
            uint256(1) << probe.gasSpentShift(),
            "gasSpent at GAS_SPENT_SHIFT"
        );
        // Every other field lies below it: all ones in them leaves the gasSpent bits zero.
        v = PolicyEngine.Velocity(
            type(uint40).max,
            type(uint32).max,
            type(uint16).max,
            type(uint32).max,
            type(uint16).max,
            0
        );
        uint256 word = probe.rawAfterSolidityWrite(address(0xBEEF), v);
        assertEq(word >> probe.gasSpentShift(), 0, "no other field at or above GAS_SPENT_SHIFT");
        assertEq(
            word,
            (uint256(1) << probe.gasSpentShift()) - 1,
            "the other fields fill the bits below"
        );
    }

    function test_chargeGasAndChargeOperation_writeTheFieldsSolidityReads() public {
        assertTrue(probe.chargeGas(AGENT, 123), "charged");
        PolicyEngine.Velocity memory v = probe.velocity(AGENT);
        assertEq(v.gasSpent, 123, "gasSpent written by _chargeGas");
        assertEq(
            v.lastOpAt + v.hourIndex + v.opsThisHour + v.dayIndex + v.opsToday,
            0,
            "nothing else"
        );

        // The day's first executed op: every field from _chargeOperation's packed write, gas budget refilled.
        probe.chargeOperation(AGENT);
        uint256 local = Calendar.localTime(block.timestamp, 0);
        v = probe.velocity(AGENT);
        assertEq(v.lastOpAt, block.timestamp, "lastOpAt");
        assertEq(v.hourIndex, local / 1 hours, "hourIndex");
        assertEq(v.opsThisHour, 1, "opsThisHour");
        assertEq(v.dayIndex, Calendar.dayIndex(local), "dayIndex");
        assertEq(v.opsToday, 1, "opsToday");
        assertEq(v.gasSpent, 0, "a new day refills the budget");

        // Later the same day: _chargeGas keeps the low fields, _chargeOperation keeps gasSpent.
        assertTrue(probe.chargeGas(AGENT, 77), "charged");
        vm.warp(block.timestamp + 60);
        probe.chargeOperation(AGENT);
        v = probe.velocity(AGENT);
        assertEq(v.gasSpent, 77, "gasSpent kept by _chargeOperation");
        assertEq(v.lastOpAt, block.timestamp, "lastOpAt");
        assertEq(v.opsThisHour + v.opsToday, 4, "two ops counted in the hour and the day");
        assertEq(v.dayIndex, Calendar.dayIndex(Calendar.localTime(block.timestamp, 0)), "dayIndex");
        // The budget check reads gasSpent from the same bits: 1 ether - 77 wei left, 1 wei more refused.
        assertTrue(!probe.chargeGas(AGENT, 1 ether - 76), "over budget");
        assertTrue(probe.chargeGas(AGENT, 1 ether - 77), "exactly the rest");
        assertEq(probe.velocity(AGENT).gasSpent, 1 ether, "spent = budget");
    }
}
