// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EntryPoint} from "@account-abstraction/contracts/core/EntryPoint.sol";
import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {IStakeManager} from "@account-abstraction/contracts/interfaces/IStakeManager.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {AgentWalletFactory} from "../../../contracts/factory/AgentWalletFactory.sol";
import {IAgentWallet} from "../../../contracts/interfaces/IAgentWallet.sol";
import {IAgentWalletCore} from "../../../contracts/interfaces/IAgentWalletCore.sol";
import {AgentRules, AssetLimits, Call} from "../../../contracts/interfaces/LeashTypes.sol";
import {MockERC20, MockPayable} from "../../../contracts/mocks/MockTokens.sol";
import {DecimalAmount} from "../../../contracts/policy/DecimalAmount.sol";
import {AgentWallet} from "../../../contracts/wallet/AgentWallet.sol";
import {WalletModule} from "../../../contracts/wallet/WalletModule.sol";
import {LeashLens} from "../../../contracts/lens/LeashLens.sol";
import {Vm} from "./TestBase.sol";
import {agentCallData} from "../../helpers/AgentCallData.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @notice Issue 11's campaign: a stolen agent key that is also its own bundler (`handleOps` from its own address,
/// itself the beneficiary) sends ops with any gas fields, calldata and targets, in bundles of one to four,
/// interleaved with the owners changing the configuration (pranked self-calls), time jumps and strangers calling
/// `startAgentDay`. After every owner change and time jump it snapshots `maxLoss(agent, asset)` and the wallet's
/// holdings; the invariant is that what left the wallet since never exceeds what was promised.
// solhint-disable-next-line max-states-count
contract SelfBundlerHandler {
    // solhint-disable-next-line const-name-snakecase
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    address internal constant NATIVE = address(0);
    uint256 internal constant AGENT_PK = 0xA11CE;
    uint64 internal constant MAX_OP_COST = 0.05 ether;

    IEntryPoint public entryPoint;
    IAgentWallet public wallet;
    MockERC20 public token;
    MockERC20 public untracked;
    MockPayable public payableTarget;
    address public agent;
    address public r0 = address(0x1001);
    address public stranger = address(0x1003);
    AgentRules internal rules;

    // ------------------------------------------------------------ the promise at the last snapshot
    uint256 public promisedNative;
    uint256 public promisedToken;
    uint256 public nativeAtSnapshot;
    uint256 public tokenAtSnapshot;

    // ------------------------------------------------------------ coverage of the campaign
    uint256 public opsAccepted;
    uint256 public opsRefusedInValidation;
    uint256 public snapshots;

    // ------------------------------------------------------------ diagnosis of a failing run
    // A deep run once reported a whole-balance loss that no replay of its counterexample reproduced
    // (audits/INVARIANTS.md). The invariants' messages carry this record, so a failing run says where it happened.
    string public lastCall;
    address public lastSender;
    /// @notice The first handler step after which the promise was broken, as seen from inside the handler ("" if
    /// never): a failure the invariant sees while this stays "" happened outside every handler step.
    string public breachSeenIn;

    /// @dev Records the step and, after it, whether the promise still holds.
    modifier step(string memory name) {
        lastCall = name;
        lastSender = msg.sender;
        _;
        if (bytes(breachSeenIn).length == 0 && _promiseBroken()) breachSeenIn = name;
    }

    constructor() {
        entryPoint = IEntryPoint(address(new EntryPoint()));
        WalletModule module = new WalletModule(entryPoint, address(new LeashLens()));
        AgentWallet implementation = new AgentWallet(entryPoint, address(module));
        AgentWalletFactory factory = new AgentWalletFactory(address(implementation));
        address[] memory owners = new address[](1);
        owners[0] = address(0x0A11);
        IAgentWalletCore.InitConfig memory config = IAgentWalletCore.InitConfig(
            owners,
            1,
            new address[](0),
            0,
            1 hours
        );
        wallet = IAgentWallet(factory.createWallet(config, new bytes[](0), bytes32(0)));
        token = new MockERC20("Token", "TKN");
        untracked = new MockERC20("Other", "OTH");
        payableTarget = new MockPayable();
        vm.warp(1_900_000_000);
        vm.deal(address(wallet), 1_000 ether);
        token.mint(address(wallet), 1e30);
        untracked.mint(address(wallet), 1e30);
        agent = vm.addr(AGENT_PK);
        vm.deal(agent, 1 ether); // the thief pays its own bundling transactions

        rules = AgentRules(MAX_OP_COST, 0, 0, 0, type(uint24).max, 0x7f, 0.2 ether);
        vm.startPrank(address(wallet));
        wallet.addAgent(agent, 0, 0, rules);
        wallet.allowRecipient(agent, r0);
        wallet.setAssetLimits(
            agent,
            NATIVE,
            AssetLimits(0.05 ether, 0, 0.1 ether, 0.3 ether, 1 ether)
        );
        wallet.setAssetLimits(agent, address(token), AssetLimits(300e18, 0, 500e18, 0, 3_000e18));
        wallet.setCallPermission(
            agent,
            address(payableTarget),
            MockPayable.deposit.selector,
            0.05 ether,
            0
        );
        wallet.setWalletCaps(NATIVE, 3 ether, 0, 0);
        vm.stopPrank();
        _snapshot();
    }

    // ============================================================ the thief

    /// @notice One to four ops in one bundle the agent sends itself: any gas fields, any of the calls below.
    function attack(uint256 seed, uint256 gasSeed, uint256 amountSeed) external step("attack") {
        uint256 count = 1 + (seed % 4);
        PackedUserOperation[] memory ops = new PackedUserOperation[](count);
        uint192 key = uint192(uint160(agent));
        uint256 nonce = entryPoint.getNonce(address(wallet), key);
        for (uint256 k = 0; k < count; ++k) {
            ops[k] = _op(
                nonce + k,
                uint256(keccak256(abi.encode(gasSeed, k))),
                _calls(uint256(keccak256(abi.encode(seed, k))), amountSeed)
            );
        }
        vm.prank(agent, agent);
        try entryPoint.handleOps(ops, payable(agent)) {
            opsAccepted += count;
        } catch {
            ++opsRefusedInValidation;
        }
    }

    /// @notice `count` single-op bundles of the classic drain: a zero-value payment to an allowlisted recipient,
    /// every op at exactly `maxOpCost` (2M gas at 25 gwei, most of it preVerificationGas, which is paid in full;
    /// the 400k of verification gas leaves room for the coverage run's instrumented validation).
    function drain(uint256 count) external step("drain") {
        count = 1 + (count % 8);
        Call[] memory calls = new Call[](1);
        calls[0] = Call(r0, 0, "");
        for (uint256 k = 0; k < count; ++k) {
            PackedUserOperation[] memory ops = new PackedUserOperation[](1);
            ops[0] = PackedUserOperation({
                sender: address(wallet),
                nonce: entryPoint.getNonce(address(wallet), uint192(uint160(agent))),
                initCode: "",
                callData: agentCallData(agent, calls),
                accountGasLimits: bytes32((uint256(400_000) << 128) | 100_000),
                preVerificationGas: 1_500_000,
                gasFees: bytes32((uint256(25 gwei) << 128) | 25 gwei),
                paymasterAndData: "",
                signature: ""
            });
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(AGENT_PK, entryPoint.getUserOpHash(ops[0]));
            ops[0].signature = abi.encodePacked(r, s, v);
            vm.prank(agent, agent);
            try entryPoint.handleOps(ops, payable(agent)) {
                ++opsAccepted;
            } catch {
                ++opsRefusedInValidation;
            }
        }
    }

    /// @notice Anyone may start the agent's new day: no snapshot, `maxLoss` already counted the refill.
    function startDay() external step("startDay") {
        vm.prank(stranger);
        wallet.startAgentDay(agent);
    }

    // ============================================================ owners and time (each one re-snapshots)

    function warp(uint256 seed) external step("warp") {
        vm.warp(block.timestamp + (seed % 3 days));
        _snapshot();
    }

    function ownerChange(uint256 seed, uint256 value) external virtual step("ownerChange") {
        uint256 kind = seed % 7;
        vm.startPrank(address(wallet));
        if (kind == 0) {
            // Any budget from maxOpCost to 1 ETH (a loosening as often as a tightening).
            rules.gasPerDay = uint64(MAX_OP_COST + (value % 1 ether));
            wallet.setAgentRules(agent, 0, 0, rules);
        } else if (kind == 1) {
            // An exact limit (DecimalAmount): a random one rarely is, and would only be refused.
            uint96 daily = uint96(DecimalAmount.floor(1 + (value % 0.3 ether)));
            wallet.setAssetLimits(agent, NATIVE, AssetLimits(0.05 ether, 0, daily, 0, 1 ether));
        } else if (kind == 2) {
            (, bool enabled) = wallet.getAssetLimits(agent, address(token));
            if (enabled) wallet.removeAssetLimits(agent, address(token));
            else wallet.setAssetLimits(agent, address(token), AssetLimits(300e18, 0, 500e18, 0, 0));
        } else if (kind == 3) {
            wallet.setWalletCaps(NATIVE, uint96(DecimalAmount.floor(value % 5 ether)), 0, 0);
        } else if (kind == 4) {
            (, bool enabled) = wallet.getAssetLimits(agent, NATIVE);
            if (enabled) wallet.removeAssetLimits(agent, NATIVE);
            else wallet.setAssetLimits(agent, NATIVE, AssetLimits(0.05 ether, 0, 0.1 ether, 0, 0));
        } else if (kind == 5) {
            // A stranger recipient allowlisted or not: loss is bounded by caps, not by who receives.
            if (wallet.isRecipientAllowed(agent, stranger)) wallet.removeRecipient(agent, stranger);
            else wallet.allowRecipient(agent, stranger);
        } else {
            rules.gasPerDay = type(uint64).max - uint64(value % 2); // unlimited, or just below
            wallet.setAgentRules(agent, 0, 0, rules);
        }
        vm.stopPrank();
        _snapshot();
    }

    // ============================================================ views for the invariant

    /// @notice What the wallet holds in native currency: its balance and its EntryPoint deposit.
    function nativeHoldings() public view returns (uint256) {
        return address(wallet).balance + entryPoint.balanceOf(address(wallet));
    }

    /// @notice Tokens the wallet holds minus the allowances the agent may have granted (an approval is a loss:
    /// the spender can take it; the policy counts it as one).
    function tokenHoldings() public view returns (uint256) {
        uint256 balance = token.balanceOf(address(wallet));
        uint256 granted =
            token.allowance(address(wallet), r0) + token.allowance(address(wallet), stranger);
        return balance > granted ? balance - granted : 0;
    }

    /// @notice What a failing invariant reports: the holdings against the snapshot, the last step and its sender,
    /// and the first step after which the handler itself saw the promise broken.
    function report() external view returns (string memory) {
        return
            string.concat(
                "balance ",
                Strings.toString(address(wallet).balance),
                ", deposit ",
                Strings.toString(entryPoint.balanceOf(address(wallet))),
                ", at snapshot ",
                Strings.toString(nativeAtSnapshot),
                " (snapshot ",
                Strings.toString(snapshots),
                "); last step ",
                lastCall,
                " from ",
                Strings.toHexString(lastSender),
                "; first broken after: ",
                bytes(breachSeenIn).length == 0 ? "(none seen by the handler)" : breachSeenIn
            );
    }

    // ============================================================ internals

    function _promiseBroken() internal view returns (bool) {
        uint256 native = nativeHoldings();
        uint256 tokens = tokenHoldings();
        return
            (native < nativeAtSnapshot && nativeAtSnapshot - native > promisedNative) ||
            (tokens < tokenAtSnapshot && tokenAtSnapshot - tokens > promisedToken);
    }

    /// @dev A signed op with gas fields drawn from `g`: up to ~2.5M gas at up to 25 gwei (now and then above
    /// maxOpCost, which fails the whole bundle's validation).
    function _op(
        uint256 nonce,
        uint256 g,
        Call[] memory calls
    ) internal view returns (PackedUserOperation memory op) {
        uint256 verification = 60_000 + (g % 700_000);
        uint256 callGas = (g >> 32) % 1_000_000;
        uint256 maxFee = 1 + ((g >> 96) % 25 gwei);
        op = PackedUserOperation({
            sender: address(wallet),
            nonce: nonce,
            initCode: "",
            callData: agentCallData(agent, calls),
            accountGasLimits: bytes32((verification << 128) | callGas),
            preVerificationGas: 21_000 + ((g >> 64) % 700_000),
            gasFees: bytes32((((g >> 160) % (maxFee + 1)) << 128) | maxFee),
            paymasterAndData: "",
            signature: ""
        });
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(AGENT_PK, entryPoint.getUserOpHash(op));
        op.signature = abi.encodePacked(r, s, v);
    }

    /// @dev One of nine things a thief would try: payments, the zero-value gas drain, token transfers and
    /// approvals, an untracked token, a permitted call carrying value, the EntryPoint, the wallet, a batch.
    function _calls(uint256 seed, uint256 amountSeed) internal view returns (Call[] memory calls) {
        calls = new Call[](1);
        uint256 kind = seed % 9;
        address to = (seed >> 8) % 3 == 0 ? stranger : r0;
        uint256 native = amountSeed % 0.06 ether;
        uint256 tokens = amountSeed % 400e18;
        if (kind == 0) calls[0] = Call(to, native, "");
        else if (kind == 1)
            calls[0] = Call(to, 0, ""); // zero-value: the classic gas drain
        else if (kind == 2)
            calls[0] = Call(address(token), 0, abi.encodeCall(token.transfer, (to, tokens)));
        else if (kind == 3)
            calls[0] = Call(address(token), 0, abi.encodeCall(token.approve, (to, tokens)));
        else if (kind == 4)
            calls[0] = Call(address(untracked), 0, abi.encodeCall(token.transfer, (to, tokens)));
        else if (kind == 5)
            calls[0] = Call(
                address(payableTarget),
                amountSeed % 0.06 ether,
                abi.encodeCall(MockPayable.deposit, ())
            );
        else if (kind == 6)
            calls[0] = Call(
                address(entryPoint),
                0,
                abi.encodeCall(IStakeManager.withdrawTo, (payable(agent), 1 ether))
            );
        else if (kind == 7)
            calls[0] = Call(
                address(wallet),
                0,
                abi.encodeCall(IAgentWalletCore.withdrawDepositTo, (payable(agent), 1 ether))
            );
        else {
            // Two payments in one op.
            calls = new Call[](2);
            calls[0] = Call(to, native / 2, "");
            calls[1] = Call(address(token), 0, abi.encodeCall(token.transfer, (to, tokens / 2)));
        }
    }

    function _snapshot() internal {
        promisedNative = wallet.maxLoss(agent, NATIVE);
        promisedToken = wallet.maxLoss(agent, address(token));
        nativeAtSnapshot = nativeHoldings();
        tokenAtSnapshot = tokenHoldings();
        ++snapshots;
    }
}
