// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EntryPoint} from "@account-abstraction/contracts/core/EntryPoint.sol";
import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {IStakeManager} from "@account-abstraction/contracts/interfaces/IStakeManager.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {AgentWalletFactory} from "../../../contracts/factory/AgentWalletFactory.sol";
import {IAgentWallet} from "../../../contracts/interfaces/IAgentWallet.sol";
import {IAgentWalletCore} from "../../../contracts/interfaces/IAgentWalletCore.sol";
import {IGuardianManager} from "../../../contracts/interfaces/IGuardianManager.sol";
import {IPolicyEngine} from "../../../contracts/interfaces/IPolicyEngine.sol";
import {IProposalManager} from "../../../contracts/interfaces/IProposalManager.sol";
import {
    AgentRules,
    AgentStatus,
    AssetLimits,
    Call
} from "../../../contracts/interfaces/LeashTypes.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockERC20} from "../../../contracts/mocks/MockTokens.sol";
import {AgentWallet} from "../../../contracts/wallet/AgentWallet.sol";
import {WalletModule} from "../../../contracts/wallet/WalletModule.sol";
import {LeashLens} from "../../../contracts/lens/LeashLens.sol";
import {Vm} from "./TestBase.sol";
import {agentCallData} from "../../helpers/AgentCallData.sol";

/// @notice Drives a real Leash wallet through the real EntryPoint (agents sign with `vm.sign`, a bundler calls
/// `handleOps`) and through its owners and guardian (pranked), while keeping an independent ground truth of what
/// moved. Every breach it sees is counted in a public counter that the invariants require to stay zero.
// solhint-disable-next-line max-states-count
contract PolicyHandler {
    error UnknownAgent(address agent);

    // solhint-disable-next-line const-name-snakecase
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    int256 public constant OFFSET = 1 hours; // the wallet's UTC offset: windows roll at 23:00 UTC
    uint256 internal constant N_AGENTS = 3;
    address internal constant NATIVE = address(0);

    IEntryPoint public entryPoint;
    IAgentWallet public wallet;
    MockERC20 public token;

    address public owner1 = address(0x0A11);
    address public owner2 = address(0x0A12);
    address public guardian = address(0x6A4D);
    address public bundler = address(0xB0B);
    address public r0 = address(0x1001);
    address public r1 = address(0x1002);
    address public stranger = address(0x1003);

    uint256[N_AGENTS] internal agentPk; // first keys: the agents' ids
    uint256[N_AGENTS] internal keyPk; // current keys (rotation changes them)
    mapping(uint256 agentIndex => uint256[] pks) internal retiredPk;
    address[N_AGENTS] public agents;
    uint256 public startTime;
    uint256 public initialNative;
    uint256 public initialToken;

    // ------------------------------------------------------------ ground truth
    /// @dev keccak(scope, asset, kind, windowIndex) => amount moved; scope = agent or the wallet (wallet-wide).
    mapping(bytes32 => uint256) public ghostSpent;
    /// @dev keccak(scope, asset, kind) => cap (fixed for the whole campaign).
    mapping(bytes32 => uint256) public capOf;
    uint256 public totalNativeOut;
    uint256 public totalTokenOut;

    // ------------------------------------------------------------ breaches (all must stay zero)
    uint256 public capBreaches; // a window's ground-truth spend passed its cap
    uint256 public pausedExecutions; // an agent op or escalation executed while paused
    uint256 public inactiveExecutions; // executed with a suspended, revoked, expired or not-yet-valid key
    uint256 public retiredKeyExecutions; // executed with a key that was rotated away
    uint256 public ruleBreaches; // executed outside allowed hours/days, too soon, or above the ops/hour max
    uint256 public partialExecutions; // a batch moved something but not exactly what it asked
    uint256 public agentStateChanges; // an agent op changed the wallet's configuration
    uint256 public attackSuccesses; // a forbidden call moved something or changed something
    uint256 public doubleExecutions; // an escalation executed twice
    uint256 public foreignProposals; // an agent op created a proposal that is not its own escalation

    // ------------------------------------------------------------ statistics (for the report)
    uint256 public opsExecuted;
    uint256 public rotations;
    uint256 public opsRefused;
    uint256 public escalationsCreated;
    uint256 public escalationsExecuted;

    uint256[] internal openEscalations;
    mapping(uint256 => bool) public escalationDone;
    mapping(address => uint256) internal lastExecAt;
    mapping(bytes32 => uint256) internal opsInHour;

    constructor() {
        startTime = 1_900_000_000; // 2030-03-17
        vm.warp(startTime);
        agentPk = [uint256(0xA11CE0), 0xA11CE1, 0xA11CE2];
        for (uint256 i = 0; i < N_AGENTS; ++i) agents[i] = vm.addr(agentPk[i]);
        keyPk = agentPk;
        _deployWallet();
        _configure();
        initialNative = address(wallet).balance;
        initialToken = token.balanceOf(address(wallet));
    }

    /// @dev The one place that knows how a wallet is deployed (update here when the deployment changes).
    function _deployWallet() internal {
        entryPoint = IEntryPoint(address(new EntryPoint()));
        WalletModule module = new WalletModule(entryPoint, address(new LeashLens()));
        AgentWallet implementation = new AgentWallet(entryPoint, address(module));
        AgentWalletFactory factory = new AgentWalletFactory(address(implementation));
        address[] memory owners = new address[](2);
        (owners[0], owners[1]) = (owner1, owner2);
        address[] memory guardians = new address[](1);
        guardians[0] = guardian;
        IAgentWalletCore.InitConfig memory config = IAgentWalletCore.InitConfig(
            owners,
            2,
            guardians,
            int32(OFFSET),
            1 hours
        );
        wallet = IAgentWallet(factory.createWallet(config, new bytes[](0), bytes32(0)));
        token = new MockERC20("Token", "TKN");
        vm.deal(address(wallet), 10_000 ether);
        token.mint(address(wallet), 1e30);
        vm.deal(address(this), 100 ether);
        entryPoint.depositTo{value: 100 ether}(address(wallet));
        // The stranger holds tokens and approved the wallet: a transferFrom from them must still be refused.
        token.mint(stranger, 1e24);
        vm.prank(stranger);
        token.approve(address(wallet), type(uint256).max);
    }

    function _configure() internal {
        AgentRules memory open = AgentRules(1 ether, 20, 200, 0, type(uint24).max, 0x7f, 18 ether);
        AgentRules memory slow = AgentRules(1 ether, 3, 0, 60, type(uint24).max, 0x7f, 18 ether);
        uint24 office = uint24(((1 << 21) - 1) & ~uint256((1 << 8) - 1)); // 08:00-20:59 local
        AgentRules memory officeHours = AgentRules(1 ether, 0, 0, 0, office, 0x1f, 18 ether); // weekdays
        _addAgent(0, 0, open, AssetLimits(3 ether, 1 ether, 5 ether, 12 ether, 30 ether));
        _addAgent(1, startTime + 20 days, slow, AssetLimits(2 ether, 0, 4 ether, 10 ether, 0));
        _addAgent(2, 0, officeHours, AssetLimits(1 ether, 0, 3 ether, 0, 20 ether));
        for (uint256 i = 0; i < N_AGENTS; ++i) {
            _setLimits(
                agents[i],
                address(token),
                AssetLimits(300e18, 0, 500e18, 1_200e18, 3_000e18)
            );
        }
        vm.startPrank(address(wallet));
        wallet.setWalletCaps(NATIVE, 8 ether, 20 ether, 50 ether);
        wallet.setWalletCaps(address(token), 800e18, 0, 6_000e18);
        vm.stopPrank();
        _setCaps(address(wallet), NATIVE, [uint256(8 ether), 20 ether, 50 ether]);
        _setCaps(address(wallet), address(token), [uint256(800e18), 0, 6_000e18]);
    }

    function _addAgent(
        uint256 i,
        uint256 validUntil,
        AgentRules memory rules,
        AssetLimits memory native
    ) internal {
        vm.startPrank(address(wallet));
        wallet.addAgent(agents[i], 0, uint48(validUntil), rules);
        wallet.allowRecipient(agents[i], r0);
        wallet.allowRecipient(agents[i], r1);
        vm.stopPrank();
        _setLimits(agents[i], NATIVE, native);
    }

    function _setLimits(address agent, address asset, AssetLimits memory lim) internal {
        vm.prank(address(wallet));
        wallet.setAssetLimits(agent, asset, lim);
        _setCaps(agent, asset, [uint256(lim.daily), lim.weekly, lim.monthly]);
    }

    function _setCaps(address scope, address asset, uint256[3] memory caps) internal {
        for (uint256 k = 0; k < 3; ++k) capOf[keccak256(abi.encode(scope, asset, k))] = caps[k];
    }

    // ============================================================ fuzzed actions

    /// @notice One payment (native or token) to an allowlisted recipient, or (rarely) to a stranger.
    function pay(
        uint256 agentSeed,
        uint256 amountSeed,
        bool useToken,
        uint8 recipientSeed
    ) external {
        uint256 i = agentSeed % N_AGENTS;
        address to = recipientSeed % 8 == 0 ? stranger : (recipientSeed % 2 == 0 ? r0 : r1);
        Call[] memory calls = new Call[](1);
        calls[0] =
            useToken
                ? _tokenTransfer(to, amountSeed % 350e18)
                : Call(to, amountSeed % 3.5 ether, "");
        _runAgentOp(i, calls);
    }

    /// @notice Pays exactly what `remaining()` says is left today, or one wei more.
    function payRemaining(uint256 agentSeed, bool plusOne, bool useToken) external {
        uint256 i = agentSeed % N_AGENTS;
        address asset = useToken ? address(token) : NATIVE;
        (uint256 perTx, uint256 daily, , ) = wallet.remaining(agents[i], asset);
        uint256 amount = perTx < daily ? perTx : daily;
        if (amount > 1e30) return; // uncapped: nothing to probe
        if (plusOne) amount += 1;
        Call[] memory calls = new Call[](1);
        calls[0] = useToken ? _tokenTransfer(r0, amount) : Call(r0, amount, "");
        _runAgentOp(i, calls);
    }

    /// @notice Spends everything `remaining()` allows (in payments under the approval threshold, a minute apart),
    /// then optionally tries one wei more: drives the windows, and the wallet-wide caps, to their exact edge.
    function drain(uint256 agentSeed, bool useToken, bool probeOneMore) external {
        uint256 i = agentSeed % N_AGENTS;
        address asset = useToken ? address(token) : NATIVE;
        for (uint256 n = 0; n < 6; ++n) {
            (uint256 left, , , ) = wallet.remaining(agents[i], asset);
            if (left == 0 || left > 1e30) break;
            if (!useToken && i == 0 && left > 1 ether) left = 1 ether; // agent 0 escalates above 1 ether
            _payOne(i, useToken, left);
            vm.warp(block.timestamp + 61);
        }
        if (probeOneMore) {
            (uint256 left, , , ) = wallet.remaining(agents[i], asset);
            if (left < 1e30) _payOne(i, useToken, left + 1);
        }
    }

    function _payOne(uint256 i, bool useToken, uint256 amount) internal {
        Call[] memory calls = new Call[](1);
        calls[0] = useToken ? _tokenTransfer(r0, amount) : Call(r0, amount, "");
        _runAgentOp(i, calls);
    }

    /// @notice Several payments in one batch (cumulative counting inside a batch).
    function payBatch(
        uint256 agentSeed,
        uint256 a1,
        uint256 a2,
        uint256 a3,
        uint8 tokenMask
    ) external {
        uint256 i = agentSeed % N_AGENTS;
        uint256[3] memory amounts = [a1 % 1.5 ether, a2 % 1.5 ether, a3 % 1.5 ether];
        Call[] memory calls = new Call[](3);
        for (uint256 k = 0; k < 3; ++k) {
            address to = k % 2 == 0 ? r0 : r1;
            calls[k] =
                (tokenMask >> k) & 1 == 1
                    ? _tokenTransfer(to, amounts[k] * 100)
                    : Call(to, amounts[k], "");
        }
        _runAgentOp(i, calls);
    }

    /// @notice An agent tries something no policy allows; nothing may move and no configuration may change.
    function attack(uint256 agentSeed, uint8 kind) external {
        uint256 i = agentSeed % N_AGENTS;
        Call[] memory calls = new Call[](1);
        uint256 k = kind % 8;
        if (k == 0) {
            calls[0] = Call(
                address(wallet),
                0,
                abi.encodeCall(
                    IPolicyEngine.setAssetLimits,
                    (agents[i], NATIVE, AssetLimits(0, 0, 0, 0, type(uint96).max))
                )
            );
        } else if (k == 1) {
            calls[0] = Call(
                address(entryPoint),
                0,
                abi.encodeCall(IStakeManager.withdrawTo, (payable(stranger), 1 ether))
            );
        } else if (k == 2) {
            calls[0] = Call(
                address(token),
                0,
                abi.encodeCall(IERC20.transferFrom, (stranger, r0, 1e18))
            );
        } else if (k == 3) {
            calls[0] = Call(address(token), 0, abi.encodeCall(IERC20.approve, (stranger, 1e18)));
        } else if (k == 4) {
            calls[0] = Call(stranger, 0.1 ether, "");
        } else if (k == 5) {
            // A transfer with one trailing byte: a token would execute it, the policy must not.
            calls[0] = Call(
                address(token),
                0,
                bytes.concat(abi.encodeCall(IERC20.transfer, (r0, 1e18)), hex"00")
            );
        } else if (k == 6) {
            calls[0] = Call(address(wallet), 0, abi.encodeCall(IGuardianManager.pause, ()));
        } else {
            calls[0] = Call(
                address(entryPoint),
                1 ether,
                abi.encodeCall(IStakeManager.depositTo, (address(wallet)))
            );
        }
        Snapshot memory before = _snapshot(i);
        _sendOp(i, calls);
        Snapshot memory afterOp = _snapshot(i);
        if (_moved(before, afterOp) || before.config != afterOp.config) ++attackSuccesses;
    }

    function warp(uint256 seed) external {
        uint256 step = seed % 3 == 0 ? 1 + (seed % 120) : 1 + (seed % 2 days);
        vm.warp(block.timestamp + step);
    }

    function suspend(uint256 agentSeed) external {
        vm.prank(guardian);
        try wallet.suspendAgent(agents[agentSeed % N_AGENTS]) {} catch {}
    }

    function resume(uint256 agentSeed) external {
        vm.prank(address(wallet));
        try wallet.resumeAgent(agents[agentSeed % N_AGENTS]) {} catch {}
    }

    /// @notice Only agent 2 can be revoked, so the campaign keeps live agents.
    function revokeAgent2() external {
        vm.prank(guardian);
        try wallet.revokeAgent(agents[2]) {} catch {}
    }

    /// @notice Owners rotate an agent's key: the agent keeps its policy and counters, the old key is dead.
    function rotate(uint256 agentSeed, uint256 salt) external {
        uint256 i = agentSeed % N_AGENTS;
        uint256 n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141; // secp256k1 order
        uint256 pk = 1 + (uint256(keccak256(abi.encode("rotate", i, salt, rotations))) % (n - 1));
        vm.prank(address(wallet));
        try wallet.rotateAgentKey(agents[i], vm.addr(pk)) {
            retiredPk[i].push(keyPk[i]);
            keyPk[i] = pk;
            ++rotations;
        } catch {}
    }

    /// @notice A rotated-away key signs a payment: it must never execute.
    function payWithRetiredKey(uint256 agentSeed, uint256 pick, uint256 amountSeed) external {
        uint256 i = agentSeed % N_AGENTS;
        uint256 count = retiredPk[i].length;
        if (count == 0) return;
        Call[] memory calls = new Call[](1);
        calls[0] = Call(r0, amountSeed % 1 ether, "");
        Snapshot memory before = _snapshot(i);
        _sendOpWithKey(retiredPk[i][pick % count], calls);
        Snapshot memory afterOp = _snapshot(i);
        if (_moved(before, afterOp) || afterOp.proposals != before.proposals)
            ++retiredKeyExecutions;
        ++opsRefused;
    }

    function pause() external {
        vm.prank(guardian);
        try wallet.pause() {} catch {}
    }

    function unpause() external {
        vm.prank(address(wallet));
        try wallet.unpause() {} catch {}
    }

    /// @notice Owners approve the oldest open escalation and anyone executes it (then tries a second time).
    function approveAndExecute(uint256 seed) external {
        if (openEscalations.length == 0) return;
        uint256 idx = seed % openEscalations.length;
        uint256 id = openEscalations[idx];
        (IProposalManager.ProposalState state, , address agent, , , , ) = wallet.getProposal(id);
        if (state == IProposalManager.ProposalState.Pending) {
            vm.prank(owner1);
            try wallet.approve(id) {} catch {}
            vm.prank(owner2);
            try wallet.approve(id) {} catch {}
        }
        Call[] memory calls = wallet.getProposalCalls(id);
        uint256 i = _agentIndex(agent);
        Snapshot memory before = _snapshot(i);
        bool blocked = wallet.paused() || !_keyActive(i);
        try wallet.execute(id) {
            Snapshot memory afterExec = _snapshot(i);
            if (escalationDone[id]) ++doubleExecutions;
            escalationDone[id] = true;
            ++escalationsExecuted;
            if (wallet.paused()) ++pausedExecutions;
            if (blocked) ++inactiveExecutions;
            _account(agent, calls, before, afterExec);
            openEscalations[idx] = openEscalations[openEscalations.length - 1];
            openEscalations.pop();
        } catch {}
        // Whatever happened, a second execution must never go through.
        try wallet.execute(id) {
            ++doubleExecutions;
        } catch {}
    }

    // ============================================================ agent operations

    struct Snapshot {
        uint256[3] native; // r0, r1, stranger
        uint256[3] tokens;
        uint256 walletNative;
        uint256 walletToken;
        bytes32 config;
        uint256 proposals;
    }

    function _runAgentOp(uint256 i, Call[] memory calls) internal {
        Snapshot memory before = _snapshot(i);
        bool blocked = wallet.paused() || !_keyActive(i);
        bool pausedBefore = wallet.paused();
        bool ok = _sendOp(i, calls);
        Snapshot memory afterOp = _snapshot(i);
        if (afterOp.config != before.config) ++agentStateChanges;
        bool moved = _moved(before, afterOp);
        bool escalated = afterOp.proposals != before.proposals;
        if (escalated) _recordEscalation(i, before.proposals, afterOp.proposals);
        if (!ok || (!moved && !escalated)) {
            ++opsRefused;
            return;
        }
        if (pausedBefore) ++pausedExecutions;
        if (blocked) ++inactiveExecutions;
        if (moved) {
            ++opsExecuted;
            _checkRules(i);
            _account(agents[i], calls, before, afterOp);
        }
    }

    function _recordEscalation(uint256 i, uint256 fromCount, uint256 toCount) internal {
        if (toCount != fromCount + 1) {
            ++foreignProposals;
            return;
        }
        (IProposalManager.ProposalState state, , address escalatedBy, , , , ) = wallet.getProposal(
            toCount
        );
        if (escalatedBy != agents[i] || state != IProposalManager.ProposalState.Pending)
            ++foreignProposals;
        openEscalations.push(toCount);
        ++escalationsCreated;
    }

    /// @dev Adds what `calls` moved to the ground truth and checks every window against its cap.
    function _account(
        address agent,
        Call[] memory calls,
        Snapshot memory before,
        Snapshot memory afterOp
    ) internal {
        uint256 nativeSum;
        uint256 tokenSum;
        for (uint256 k = 0; k < calls.length; ++k) {
            if (calls[k].target == address(token)) {
                (, uint256 amount) = abi.decode(_args(calls[k].data), (address, uint256));
                tokenSum += amount;
            } else {
                nativeSum += calls[k].value;
            }
        }
        uint256 nativeMoved = _sum(afterOp.native) - _sum(before.native);
        uint256 tokenMoved = _sum(afterOp.tokens) - _sum(before.tokens);
        if (nativeMoved != nativeSum || tokenMoved != tokenSum) ++partialExecutions;
        // Everything that left the wallet arrived at the recipients: nothing leaked elsewhere.
        if (before.walletNative - afterOp.walletNative != nativeMoved) ++partialExecutions;
        if (before.walletToken - afterOp.walletToken != tokenMoved) ++partialExecutions;
        totalNativeOut += nativeMoved;
        totalTokenOut += tokenMoved;
        _charge(agent, NATIVE, nativeSum);
        _charge(address(wallet), NATIVE, nativeSum);
        _charge(agent, address(token), tokenSum);
        _charge(address(wallet), address(token), tokenSum);
    }

    function _charge(address scope, address asset, uint256 amount) internal {
        if (amount == 0) return;
        uint256[3] memory idx = currentWindows();
        for (uint256 k = 0; k < 3; ++k) {
            bytes32 key = keccak256(abi.encode(scope, asset, k, idx[k]));
            ghostSpent[key] += amount;
            uint256 c = capOf[keccak256(abi.encode(scope, asset, k))];
            if (c != 0 && ghostSpent[key] > c) ++capBreaches;
        }
    }

    /// @dev Agent-specific rules that the ground truth checks independently of the wallet's counters.
    function _checkRules(uint256 i) internal {
        uint256 local = uint256(int256(block.timestamp) + OFFSET);
        uint256 hourIdx = local / 1 hours;
        bytes32 hk = keccak256(abi.encode(i, hourIdx));
        opsInHour[hk] += 1;
        if (i == 1) {
            if (opsInHour[hk] > 3) ++ruleBreaches;
            if (lastExecAt[agents[1]] != 0 && block.timestamp < lastExecAt[agents[1]] + 60)
                ++ruleBreaches;
        }
        if (i == 2) {
            uint256 hour = (local % 1 days) / 1 hours;
            uint256 weekday = (local / 1 days + 3) % 7;
            if (hour < 8 || hour > 20 || weekday > 4) ++ruleBreaches;
        }
        lastExecAt[agents[i]] = block.timestamp;
    }

    /// @dev Signs and submits one agent op through the EntryPoint; false when the bundle reverted (validation).
    function _sendOp(uint256 i, Call[] memory calls) internal returns (bool) {
        return _sendOpWithKey(keyPk[i], calls);
    }

    function _sendOpWithKey(uint256 pk, Call[] memory calls) internal returns (bool) {
        PackedUserOperation[] memory ops = new PackedUserOperation[](1);
        uint192 key = uint192(uint160(vm.addr(pk)));
        ops[0] = PackedUserOperation({
            sender: address(wallet),
            nonce: entryPoint.getNonce(address(wallet), key),
            initCode: "",
            callData: agentCallData(vm.addr(pk), calls),
            accountGasLimits: bytes32((uint256(600_000) << 128) | 3_000_000),
            preVerificationGas: 60_000,
            gasFees: bytes32((uint256(1 gwei) << 128) | 1 gwei),
            paymasterAndData: "",
            signature: ""
        });
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, entryPoint.getUserOpHash(ops[0]));
        ops[0].signature = abi.encodePacked(r, s, v);
        vm.prank(bundler, bundler);
        try entryPoint.handleOps(ops, payable(bundler)) {
            return true;
        } catch {
            return false;
        }
    }

    // ============================================================ views for the invariants

    /// @notice The current (day, ISO week, month) indexes in the wallet's local time, computed independently.
    function currentWindows() public view returns (uint256[3] memory) {
        uint256 day = uint256(int256(block.timestamp) + OFFSET) / 1 days;
        return [day, (day + 3) / 7, _naiveMonthIndex(day)];
    }

    function ghostNow(address scope, address asset) public view returns (uint256[3] memory out) {
        uint256[3] memory idx = currentWindows();
        for (uint256 k = 0; k < 3; ++k)
            out[k] = ghostSpent[keccak256(abi.encode(scope, asset, k, idx[k]))];
    }

    function cap(address scope, address asset, uint256 kind) external view returns (uint256) {
        return capOf[keccak256(abi.encode(scope, asset, kind))];
    }

    function agentCount() external pure returns (uint256) {
        return N_AGENTS;
    }

    function openEscalationCount() external view returns (uint256) {
        return openEscalations.length;
    }

    function _keyActive(uint256 i) internal view returns (bool) {
        (, AgentStatus status, uint256 validAfter, uint256 validUntil, ) = wallet.getAgent(
            agents[i]
        );
        if (status != AgentStatus.Active) return false;
        if (validUntil != 0 && block.timestamp > validUntil) return false;
        return block.timestamp > validAfter;
    }

    function _agentIndex(address agent) internal view returns (uint256) {
        for (uint256 i = 0; i < N_AGENTS; ++i) if (agents[i] == agent) return i;
        revert UnknownAgent(agent);
    }

    function _snapshot(uint256) internal view returns (Snapshot memory s) {
        address[3] memory who = [r0, r1, stranger];
        for (uint256 k = 0; k < 3; ++k) {
            s.native[k] = who[k].balance;
            s.tokens[k] = token.balanceOf(who[k]);
        }
        s.walletNative = address(wallet).balance;
        s.walletToken = token.balanceOf(address(wallet));
        s.config = configHash();
        s.proposals = wallet.proposalCount();
    }

    function _moved(Snapshot memory a, Snapshot memory b) internal pure returns (bool) {
        for (uint256 k = 0; k < 3; ++k)
            if (a.native[k] != b.native[k] || a.tokens[k] != b.tokens[k]) return true;
        return a.walletNative != b.walletNative || a.walletToken != b.walletToken;
    }

    /// @notice Everything an agent must not be able to change: agents, limits, allowlists, caps, owners, pause.
    function configHash() public view returns (bytes32 h) {
        for (uint256 i = 0; i < N_AGENTS; ++i) {
            (
                address key,
                AgentStatus status,
                uint256 va,
                uint256 vu,
                AgentRules memory rules
            ) = wallet.getAgent(agents[i]);
            h = keccak256(abi.encode(h, key, status, va, vu, rules));
            (AssetLimits memory ln, bool en) = wallet.getAssetLimits(agents[i], NATIVE);
            (AssetLimits memory lt, bool et) = wallet.getAssetLimits(agents[i], address(token));
            h = keccak256(abi.encode(h, ln, en, lt, et));
            h = keccak256(
                abi.encode(
                    h,
                    wallet.isRecipientAllowed(agents[i], r0),
                    wallet.isRecipientAllowed(agents[i], r1),
                    wallet.isRecipientAllowed(agents[i], stranger)
                )
            );
        }
        (bool wn, uint256[3] memory cn, ) = wallet.walletCaps(NATIVE);
        (bool wt, uint256[3] memory ct, ) = wallet.walletCaps(address(token));
        h = keccak256(
            abi.encode(h, wn, cn, wt, ct, wallet.getOwners(), wallet.threshold(), wallet.paused())
        );
        h = keccak256(
            abi.encode(h, wallet.utcOffset(), wallet.adminDelay(), wallet.getGuardians())
        );
    }

    // ============================================================ helpers

    function _tokenTransfer(address to, uint256 amount) internal view returns (Call memory) {
        return Call(address(token), 0, abi.encodeCall(IERC20.transfer, (to, amount)));
    }

    function _args(bytes memory data) internal pure returns (bytes memory out) {
        out = new bytes(data.length - 4);
        for (uint256 k = 4; k < data.length; ++k) out[k - 4] = data[k];
    }

    function _sum(uint256[3] memory a) internal pure returns (uint256) {
        return a[0] + a[1] + a[2];
    }

    function _isLeap(uint256 y) internal pure returns (bool) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    }

    /// @dev year * 12 + month - 1, by walking years and months from 1970 (independent of `Calendar`).
    function _naiveMonthIndex(uint256 day) internal pure returns (uint256) {
        uint256 y = 1970;
        while (day >= (_isLeap(y) ? 366 : 365)) {
            day -= _isLeap(y) ? 366 : 365;
            ++y;
        }
        uint8[12] memory len = [31, _isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        uint256 m = 0;
        while (day >= len[m]) {
            day -= len[m];
            ++m;
        }
        return y * 12 + m;
    }
}
