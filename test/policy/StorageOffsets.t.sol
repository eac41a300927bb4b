// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {AgentRules, AgentStatus} from "../../contracts/interfaces/LeashTypes.sol";
import {Calendar} from "../../contracts/policy/Calendar.sol";
import {PolicyEngine} from "../../contracts/policy/PolicyEngine.sol";
import {AgentManager} from "../../contracts/wallet/AgentManager.sol";
import {ProposalManager} from "../../contracts/wallet/ProposalManager.sol";
import {WalletBase} from "../../contracts/wallet/WalletBase.sol";
import {TestBase} from "./utils/TestBase.sol";
import {
    AGENT_STORAGE,
    GAS_SPENT_SHIFT,
    GUARDIAN_STORAGE,
    HOT_STORAGE,
    HOT_UTC_OFFSET_SHIFT,
    HOT_WALLET_CAP_ASSETS_SHIFT,
    RULES_DAYS_SHIFT,
    RULES_GAS_PER_DAY_SHIFT,
    RULES_HOURS_SHIFT,
    RULES_MIN_GAP_SHIFT,
    RULES_OPS_PER_DAY_SHIFT,
    RULES_OPS_PER_HOUR_SHIFT,
    OWNER_STORAGE,
    POLICY_STORAGE,
    PROPOSAL_STORAGE,
    SESSION_STATUS_SHIFT,
    SESSION_VALID_AFTER_SHIFT,
    SESSION_VALID_UNTIL_SHIFT,
    VELOCITY_DAY_INDEX_SHIFT,
    VELOCITY_HOUR_INDEX_SHIFT,
    VELOCITY_OPS_THIS_HOUR_SHIFT,
    VELOCITY_OPS_TODAY_SHIFT,
    TIMELOCK_STORAGE
} from "../../contracts/wallet/StorageLayout.sol";

/// @notice The wallet's own policy code (`_chargeOperation`, `_chargeGas`, `GAS_SPENT_SHIFT`), run on its own
/// storage, with the `Velocity` struct read back the way Solidity lays it out.
contract VelocityProbe is ProposalManager {
    /// @dev An active agent whose id is its key, as `addAgent` writes one.
    function addTestAgent(address key) external {
        AgentStorage storage $ = _agentStorage();
        $.sessions[key] = Session(key, 0, 0, AgentStatus.Active);
        $.currentKey[key] = key;
        $.rules[key] = AgentRules(0.1 ether, 0, 0, 0, type(uint24).max, 0x7f, 1 ether);
    }

    function _inSetup() internal pure override returns (bool) {
        return false;
    }

    function _entryPointAddress() internal pure override returns (address) {
        return address(0x4337);
    }

    function chargeOperation(address agent) external {
        _chargeOperation(agent, _hotWord());
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

    /// @dev The raw session slot after Solidity wrote `s` as a struct.
    function rawSession(address key, Session memory s) external returns (uint256) {
        _agentStorage().sessions[key] = s;
        return _sessionWord(key);
    }

    /// @dev The raw rules slot after Solidity wrote `r` as a struct.
    function rawRules(address agent, AgentRules memory r) external returns (uint256) {
        _agentStorage().rules[agent] = r;
        return _rulesWord(agent);
    }

    /// @dev The raw hot slot after Solidity wrote each field.
    function rawHot(HotState memory h) external returns (uint256) {
        HotState storage $ = _hot();
        $.paused = h.paused;
        $.pausedAt = h.pausedAt;
        $.minPauseDuration = h.minPauseDuration;
        $.utcOffset = h.utcOffset;
        $.walletCapAssets = h.walletCapAssets;
        return _hotWord();
    }

    /// @dev The hot path's readers of a hot word.
    function readHot(uint256 hot) external pure returns (bool paused, int256 offset, bool caps) {
        return (_pausedIn(hot), _utcOffsetIn(hot), _anyWalletCapsIn(hot));
    }

    /// @dev `_requireUsable` on a raw session word.
    function requireUsable(address agent, uint256 session) external view {
        _requireUsable(agent, session);
    }

    function sessionShifts() external pure returns (uint256, uint256, uint256) {
        return (SESSION_VALID_AFTER_SHIFT, SESSION_VALID_UNTIL_SHIFT, SESSION_STATUS_SHIFT);
    }

    function rulesShifts() external pure returns (uint256[6] memory) {
        return
            [
                RULES_OPS_PER_HOUR_SHIFT,
                RULES_OPS_PER_DAY_SHIFT,
                RULES_MIN_GAP_SHIFT,
                RULES_HOURS_SHIFT,
                RULES_DAYS_SHIFT,
                RULES_GAS_PER_DAY_SHIFT
            ];
    }

    function velocityShifts() external pure returns (uint256[4] memory) {
        return
            [
                VELOCITY_HOUR_INDEX_SHIFT,
                VELOCITY_OPS_THIS_HOUR_SHIFT,
                VELOCITY_DAY_INDEX_SHIFT,
                VELOCITY_OPS_TODAY_SHIFT
            ];
    }

    function hotShifts() external pure returns (uint256, uint256) {
        return (HOT_UTC_OFFSET_SHIFT, HOT_WALLET_CAP_ASSETS_SHIFT);
    }
}

/// @notice Binds the field offsets that hand-written assembly uses to the structs they pack, by code: the
/// assembly writes whole slots (`_chargeOperation`) and shifts by `GAS_SPENT_SHIFT` (`_chargeGas`); Solidity
/// reads the fields back by their declared layout. Reordering or resizing a field of `Velocity` without changing
/// the assembly makes these tests fail. (The spend windows' packed slots, the limits included, are bound the same
/// way in `SpendWindows.t.sol`.)
contract StorageOffsetsTest is TestBase {
    VelocityProbe internal probe;
    address internal constant AGENT = address(0xA6E7);

    function setUp() public {
        probe = new VelocityProbe();
        probe.addTestAgent(AGENT);
        vm.warp(1_900_000_000);
    }

    /// @notice Each namespace base is the ERC-7201 formula of the name its struct's `@custom:storage-location`
    /// gives (the layout reference and upgrades-core read that annotation; the wallet and the lens use the base).
    function test_storageBases_areTheErc7201FormulaOfTheirNames() public pure {
        assertEq(OWNER_STORAGE, _erc7201("leash.storage.Owners"), "Owners");
        assertEq(GUARDIAN_STORAGE, _erc7201("leash.storage.Guardians"), "Guardians");
        assertEq(TIMELOCK_STORAGE, _erc7201("leash.storage.Timelock"), "Timelock");
        assertEq(HOT_STORAGE, _erc7201("leash.storage.Hot"), "Hot");
        assertEq(PROPOSAL_STORAGE, _erc7201("leash.storage.Proposals"), "Proposals");
        assertEq(AGENT_STORAGE, _erc7201("leash.storage.Agents"), "Agents");
        assertEq(POLICY_STORAGE, _erc7201("leash.storage.Policy"), "Policy");
    }

    function _erc7201(string memory name) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(uint256(keccak256(bytes(name))) - 1))) & ~uint256(0xff);
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

    /// @dev All ones in a field of `bits` bits at `shift`.
    function _ones(uint256 bits, uint256 shift) internal pure returns (uint256) {
        return ((uint256(1) << bits) - 1) << shift;
    }

    /// @notice Each field of `Session`, all ones with the others zero, lands exactly at the hot path's offset.
    function test_sessionShifts_areWhereSolidityPutsTheFields() public {
        (uint256 afterShift, uint256 untilShift, uint256 statusShift) = probe.sessionShifts();
        address k = address(0xBEEF);
        AgentManager.Session memory s;
        assertEq(
            probe.rawSession(k, _session(address(type(uint160).max), 0, 0, AgentStatus.None)),
            _ones(160, 0),
            "agent: low 160 bits"
        );
        s = _session(address(0), type(uint40).max, 0, AgentStatus.None);
        assertEq(
            probe.rawSession(k, s),
            _ones(40, afterShift),
            "validAfter at SESSION_VALID_AFTER_SHIFT"
        );
        s = _session(address(0), 0, type(uint40).max, AgentStatus.None);
        assertEq(
            probe.rawSession(k, s),
            _ones(40, untilShift),
            "validUntil at SESSION_VALID_UNTIL_SHIFT"
        );
        s = _session(address(0), 0, 0, AgentStatus.Revoked);
        assertEq(
            probe.rawSession(k, s),
            uint256(uint8(AgentStatus.Revoked)) << statusShift,
            "status at SESSION_STATUS_SHIFT"
        );
    }

    /// @notice `_requireUsable` reads status and validity from those offsets: each field alone decides.
    function test_requireUsable_readsStatusAndValidityFromTheWord() public {
        address k = address(0xBEEF);
        uint256 nowTs = block.timestamp;
        uint256 good = probe.rawSession(
            k,
            _session(AGENT, uint40(nowTs - 10), uint40(nowTs + 10), AgentStatus.Active)
        );
        probe.requireUsable(AGENT, good);
        uint256 suspended = probe.rawSession(
            k,
            _session(AGENT, uint40(nowTs - 10), uint40(nowTs + 10), AgentStatus.Suspended)
        );
        vm.expectRevert(
            abi.encodeWithSignature(
                "AgentInvalidStatus(address,uint8)",
                AGENT,
                uint8(AgentStatus.Suspended)
            )
        );
        probe.requireUsable(AGENT, suspended);
        uint256 early = probe.rawSession(
            k,
            _session(AGENT, uint40(nowTs + 1), 0, AgentStatus.Active)
        );
        vm.expectRevert(
            abi.encodeWithSignature("AgentInvalidValidity(uint256,uint256)", nowTs + 1, 0)
        );
        probe.requireUsable(AGENT, early);
        uint256 expired = probe.rawSession(
            k,
            _session(AGENT, 0, uint40(nowTs - 1), AgentStatus.Active)
        );
        vm.expectRevert(
            abi.encodeWithSignature("AgentInvalidValidity(uint256,uint256)", 0, nowTs - 1)
        );
        probe.requireUsable(AGENT, expired);
    }

    /// @notice Each field of `AgentRules`, all ones with the others zero, lands exactly at the hot path's offset.
    function test_rulesShifts_areWhereSolidityPutsTheFields() public {
        uint256[6] memory sh = probe.rulesShifts();
        address a = address(0xBEEF);
        AgentRules memory r;
        r.maxOpCost = type(uint96).max;
        assertEq(probe.rawRules(a, r), _ones(96, 0), "maxOpCost: low 96 bits");
        r = AgentRules(0, type(uint16).max, 0, 0, 0, 0, 0);
        assertEq(probe.rawRules(a, r), _ones(16, sh[0]), "maxOpsPerHour");
        r = AgentRules(0, 0, type(uint16).max, 0, 0, 0, 0);
        assertEq(probe.rawRules(a, r), _ones(16, sh[1]), "maxOpsPerDay");
        r = AgentRules(0, 0, 0, type(uint32).max, 0, 0, 0);
        assertEq(probe.rawRules(a, r), _ones(32, sh[2]), "minSecondsBetweenOps");
        r = AgentRules(0, 0, 0, 0, type(uint24).max, 0, 0);
        assertEq(probe.rawRules(a, r), _ones(24, sh[3]), "allowedHours");
        r = AgentRules(0, 0, 0, 0, 0, type(uint8).max, 0);
        assertEq(probe.rawRules(a, r), _ones(8, sh[4]), "allowedDays");
        r = AgentRules(0, 0, 0, 0, 0, 0, type(uint64).max);
        assertEq(probe.rawRules(a, r), _ones(64, sh[5]), "gasPerDay");
    }

    /// @notice Each field of `Velocity` lands at the offset `_chargeOperation` reads and writes.
    function test_velocityShifts_areWhereSolidityPutsTheFields() public {
        uint256[4] memory sh = probe.velocityShifts();
        address a = address(0xBEEF);
        PolicyEngine.Velocity memory v;
        v.lastOpAt = type(uint40).max;
        assertEq(probe.rawAfterSolidityWrite(a, v), _ones(40, 0), "lastOpAt: low 40 bits");
        v = PolicyEngine.Velocity(0, type(uint32).max, 0, 0, 0, 0);
        assertEq(probe.rawAfterSolidityWrite(a, v), _ones(32, sh[0]), "hourIndex");
        v = PolicyEngine.Velocity(0, 0, type(uint16).max, 0, 0, 0);
        assertEq(probe.rawAfterSolidityWrite(a, v), _ones(16, sh[1]), "opsThisHour");
        v = PolicyEngine.Velocity(0, 0, 0, type(uint32).max, 0, 0);
        assertEq(probe.rawAfterSolidityWrite(a, v), _ones(32, sh[2]), "dayIndex");
        v = PolicyEngine.Velocity(0, 0, 0, 0, type(uint16).max, 0);
        assertEq(probe.rawAfterSolidityWrite(a, v), _ones(16, sh[3]), "opsToday");
    }

    /// @notice Each field of `HotState` lands at the offset the hot path reads, and the readers decode it
    /// (a negative UTC offset included).
    function test_hotShifts_areWhereSolidityPutsTheFields() public {
        (uint256 offsetShift, uint256 capsShift) = probe.hotShifts();
        assertEq(probe.rawHot(WalletBase.HotState(true, 0, 0, 0, 0)), 1, "paused: the low byte");
        assertEq(
            probe.rawHot(WalletBase.HotState(false, 0, 0, -1, 0)),
            _ones(32, offsetShift),
            "utcOffset at HOT_UTC_OFFSET_SHIFT"
        );
        assertEq(
            probe.rawHot(WalletBase.HotState(false, 0, 0, 0, type(uint16).max)),
            _ones(16, capsShift),
            "walletCapAssets at HOT_WALLET_CAP_ASSETS_SHIFT"
        );
        // The other fields lie elsewhere: set alone, every reader sees nothing.
        uint256 others = probe.rawHot(
            WalletBase.HotState(false, type(uint48).max, type(uint32).max, 0, 0)
        );
        (bool paused, int256 offset, bool caps) = probe.readHot(others);
        assertTrue(
            !paused && offset == 0 && !caps,
            "pausedAt and minPauseDuration read as nothing"
        );
        (paused, offset, caps) = probe.readHot(
            probe.rawHot(WalletBase.HotState(true, 0, 0, -12 hours, 1))
        );
        assertTrue(paused && caps, "paused and one capped asset");
        assertTrue(offset == -12 hours, "negative offset decoded");
        (paused, offset, caps) = probe.readHot(
            probe.rawHot(WalletBase.HotState(false, 0, 0, 14 hours, 0))
        );
        assertTrue(!paused && !caps && offset == 14 hours, "positive offset decoded");
    }

    function _session(
        address agent,
        uint40 validAfter,
        uint40 validUntil,
        AgentStatus status
    ) internal pure returns (AgentManager.Session memory) {
        return AgentManager.Session(agent, validAfter, validUntil, status);
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
