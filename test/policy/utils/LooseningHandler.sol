// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAgentWallet} from "../../../contracts/interfaces/IAgentWallet.sol";
import {
    AgentRules,
    AgentStatus,
    AssetLimits,
    Call,
    CallPermission
} from "../../../contracts/interfaces/LeashTypes.sol";
import {MockPayable} from "../../../contracts/mocks/MockTokens.sol";
import {DecimalAmount} from "../../../contracts/policy/DecimalAmount.sol";
import {SelfBundlerHandler} from "./SelfBundlerHandler.sol";

/// @notice Issue 11's "no instant loosening" campaign. The self-bundling thief of `SelfBundlerHandler` (any gas
/// fields, calldata and targets) is interleaved with owners who change the configuration the way owners do:
/// random batches of one to three setter calls, tightening as often as loosening, signed (EIP-712, real keys)
/// and submitted with `executeWithSignatures`; the wallet runs a batch at once or queues it. Queued batches are
/// executed after time jumps or vetoed by the guardian. Around every batch the wallet ran at once, the handler
/// compares everything that bounds an agent or protects the owners (maxLoss per asset, limits, recipients,
/// permissions, rules, validity, status, wallet caps, pause, delays, threshold, offset, owners and guardians) and
/// records any change that lets an agent move more or removes a vetoer.
contract LooseningHandler is SelfBundlerHandler {
    uint256 internal constant OWNER_A_PK = 0x0A0A;
    uint256 internal constant OWNER_B_PK = 0x0B0B;

    /// @dev Everything an instant change must never loosen.
    struct Config {
        uint256[3] maxLoss; // native, token, untracked token
        AssetLimits[2] limits; // native, token
        bool[2] limitsOn;
        bool[3] recipients; // r0, stranger, r2
        CallPermission permission; // payableTarget.deposit
        AgentRules rules;
        uint256 validAfter;
        uint256 validUntil;
        AgentStatus status;
        uint256[3][2] caps; // wallet-wide, native and token
        bool[2] capsOn;
        bool paused;
        uint256 minPause;
        uint256 threshold;
        uint256 adminDelay;
        uint256 upgradeDelay;
        int256 utcOffset;
        address[] owners;
        address[] guardians;
    }

    /// @dev Thrown by `checkDirect` to report what a change applied without the timelock loosened.
    error Loosened(string what);

    address public ownerA;
    address public ownerB;
    address public guardian = address(0x6A12);
    address public spareGuardian = address(0x6A13);
    address public spareOwner = address(0x0A12);
    address public r2 = address(0x1002);
    uint256 internal signatureNonce = 1;
    uint256[] internal queuedIds;

    // ------------------------------------------------------------ the invariant's record
    uint256 public instantLoosenings;
    string public firstLoosening;

    // ------------------------------------------------------------ coverage of the campaign
    uint256 public instantBatches;
    uint256 public queuedBatches;
    uint256 public refusedBatches;
    uint256 public executedProposals;
    uint256 public vetoedProposals;

    constructor() SelfBundlerHandler() {
        ownerA = vm.addr(OWNER_A_PK);
        ownerB = vm.addr(OWNER_B_PK);
        // The wallet's initial configuration, as its creation's setup would make it (pranked: no run, no delay).
        vm.startPrank(address(wallet));
        wallet.addOwner(ownerA);
        wallet.addOwner(ownerB);
        wallet.addGuardian(guardian);
        wallet.setMinPauseDuration(1 hours);
        vm.stopPrank();
        _snapshot();
    }

    // ============================================================ owners (replaces the pranked changes)

    /// @notice One (mostly) or two random setter calls, signed by the owners and submitted: run at once or
    /// queued. Mostly one: a batch that also holds a loosening is queued as a whole, which would hide a setter
    /// that wrongly runs at once.
    function ownerChange(uint256 seed, uint256 value) external override step("ownerChange") {
        uint256 count = seed % 4 == 0 ? 2 : 1;
        Call[] memory calls = new Call[](count);
        for (uint256 i = 0; i < count; ++i) {
            calls[i] = _change(
                uint256(keccak256(abi.encode(seed, i))) % 24,
                uint256(keccak256(abi.encode(value, i)))
            );
        }
        _submit(calls);
    }

    /// @notice Executes one of the queued batches (often before its eta: refused, as it must be).
    function executeQueued(uint256 seed) external step("executeQueued") {
        if (queuedIds.length == 0) return;
        uint256 id = queuedIds[seed % queuedIds.length];
        try wallet.execute(id) {
            ++executedProposals;
            _drop(id);
            _snapshot();
        } catch {}
    }

    /// @notice The guardian vetoes one of the queued batches.
    function veto(uint256 seed) external step("veto") {
        if (queuedIds.length == 0) return;
        uint256 id = queuedIds[seed % queuedIds.length];
        vm.prank(guardian);
        try wallet.cancel(id) {
            ++vetoedProposals;
            _drop(id);
        } catch {}
    }

    /// @notice Applies `calls` as the wallet itself, outside any run (so without the timelock), and reverts with
    /// what they loosened: shows that the comparison `ownerChange` relies on sees a loosening. Always reverts,
    /// so the fuzzer calling it changes nothing.
    function checkDirect(Call[] calldata calls) external {
        // Only the wallet's own functions: a call to anything else made here as the wallet (the cheatcode address
        // among them: EDR doesn't undo `deal` or `warp` when the revert below undoes the rest) would change the
        // world the invariants judge. That check alone is not enough: the wallet's own `tryCalls`, called as the
        // wallet, calls any target. So the campaigns never call this at all (`excludeSelectors`, whose effect
        // `FuzzerAssumptions.t.sol` checks); it serves the handler's own tests.
        for (uint256 i = 0; i < calls.length; ++i) {
            if (calls[i].target != address(wallet)) revert Loosened("");
        }
        Config memory before = _config();
        vm.startPrank(address(wallet));
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool ok, ) = calls[i].target.call{value: calls[i].value}(calls[i].data);
            ok;
        }
        vm.stopPrank();
        revert Loosened(_loosened(before, _config()));
    }

    function queuedCount() external view returns (uint256) {
        return queuedIds.length;
    }

    // ============================================================ internals

    function _submit(Call[] memory calls) internal {
        uint256 nonce = signatureNonce++;
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signatures = _sign(wallet.hashSignedCalls(calls, nonce, deadline));
        Config memory before = _config();
        try wallet.executeWithSignatures(calls, nonce, deadline, signatures) returns (
            uint256 queuedId
        ) {
            if (queuedId != 0) {
                ++queuedBatches;
                queuedIds.push(queuedId);
                return;
            }
            ++instantBatches;
            string memory what = _loosened(before, _config());
            if (bytes(what).length != 0) {
                if (instantLoosenings == 0) firstLoosening = what;
                ++instantLoosenings;
            }
            _snapshot();
        } catch {
            ++refusedBatches;
        }
    }

    /// @dev Both owner keys, packed in ascending signer order (enough for a threshold of 1 or 2).
    function _sign(bytes32 digest) internal view returns (bytes memory) {
        (uint256 lowPk, uint256 highPk) = ownerA < ownerB
            ? (OWNER_A_PK, OWNER_B_PK)
            : (OWNER_B_PK, OWNER_A_PK);
        return bytes.concat(_entry(lowPk, digest), _entry(highPk, digest));
    }

    function _entry(uint256 pk, bytes32 digest) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return abi.encodePacked(vm.addr(pk), uint16(65), r, s, v);
    }

    function _drop(uint256 id) internal {
        for (uint256 i = 0; i < queuedIds.length; ++i) {
            if (queuedIds[i] == id) {
                queuedIds[i] = queuedIds[queuedIds.length - 1];
                queuedIds.pop();
                return;
            }
        }
    }

    /// @dev One of 24 configuration changes, its parameters drawn from `v`: most can tighten or loosen.
    function _change(uint256 kind, uint256 v) internal view returns (Call memory) {
        address w = address(wallet);
        address asset = v % 2 == 0 ? NATIVE : address(token);
        bytes memory data;
        if (kind == 0)
            data = abi.encodeCall(wallet.setAssetLimits, (agent, asset, _limitsNear(asset, v)));
        else if (kind == 1)
            // Limits drawn afresh, not near the current ones: most loosen some field.
            data = abi.encodeCall(wallet.setAssetLimits, (agent, asset, _limits(v)));
        else if (kind == 2) data = abi.encodeCall(wallet.removeAssetLimits, (agent, asset));
        else if (kind == 3) data = abi.encodeCall(wallet.allowRecipient, (agent, _candidate(v)));
        else if (kind == 4) data = abi.encodeCall(wallet.removeRecipient, (agent, _candidate(v)));
        else if (kind == 5)
            data = abi.encodeCall(
                wallet.setCallPermission,
                (
                    agent,
                    address(payableTarget),
                    MockPayable.deposit.selector,
                    uint96((v >> 8) % 0.1 ether),
                    (v >> 128) % 2 == 0 ? 0 : uint48(block.timestamp + ((v >> 136) % 10 days))
                )
            );
        else if (kind == 6)
            data = abi.encodeCall(
                wallet.revokeCallPermission,
                (agent, address(payableTarget), MockPayable.deposit.selector)
            );
        else if (kind == 7 || kind == 8) {
            // Twice as often as the others: the rules have the most fields to loosen.
            (uint48 validAfter, uint48 validUntil) = _validity(v >> 64);
            data = abi.encodeCall(wallet.setAgentRules, (agent, validAfter, validUntil, _rules(v)));
        } else if (kind == 9 || kind == 10) {
            (uint96 d, uint96 wk, uint96 m) = (
                _exact((v >> 8) % 4 ether),
                _exact((v >> 72) % 8 ether),
                _exact((v >> 136) % 16 ether)
            );
            // Twice as often as the others: zero (no cap) lifts a window, the loosest value.
            data = abi.encodeCall(wallet.setWalletCaps, (asset, d, wk, m));
        } else if (kind == 11) data = abi.encodeCall(wallet.suspendAgent, (agent));
        else if (kind == 12) data = abi.encodeCall(wallet.resumeAgent, (agent));
        else if (kind == 13) data = abi.encodeCall(wallet.pause, ());
        else if (kind == 14) data = abi.encodeCall(wallet.unpause, ());
        else if (kind == 15)
            data = abi.encodeCall(
                wallet.setMinPauseDuration,
                (_around(wallet.minPauseDuration(), v, 30 days))
            );
        else if (kind == 16) data = abi.encodeCall(wallet.changeThreshold, (1 + ((v >> 8) % 2)));
        else if (kind == 17) data = abi.encodeCall(wallet.addGuardian, (spareGuardian));
        else if (kind == 18)
            data = abi.encodeCall(
                wallet.removeGuardian,
                ((v >> 8) % 2 == 0 ? guardian : spareGuardian)
            );
        else if (kind == 19) data = abi.encodeCall(wallet.addOwner, (spareOwner));
        else if (kind == 20)
            data = abi.encodeCall(
                wallet.removeOwner,
                ((v >> 8) % 2 == 0 ? spareOwner : address(0x0A11))
            );
        else if (kind == 21) {
            // Each delay halved or doubled (within the wallet's bounds): a loosening as often as a tightening.
            uint256 admin = _around(wallet.adminDelay(), v, 3 days);
            uint256 upgrade = _around(wallet.upgradeDelay(), v >> 1, 10 days);
            if (admin < 1 hours) admin = 1 hours;
            if (upgrade < admin) upgrade = admin;
            if (upgrade < 1 days) upgrade = 1 days;
            data = abi.encodeCall(wallet.setDelays, (admin, upgrade));
        } else if (kind == 22)
            data = abi.encodeCall(
                wallet.setUtcOffset,
                (int32(int256((v >> 8) % 28 hours)) - 14 hours)
            );
        else data = abi.encodeCall(wallet.startAgentDay, (agent)); // not a change: anyone may
        return Call(w, 0, data);
    }

    /// @dev `current` halved or doubled plus one (at most `max`), by `v`'s low bit.
    function _around(uint256 current, uint256 v, uint256 max) internal pure returns (uint256) {
        uint256 next = v % 2 == 0 ? current / 2 : current * 2 + 1;
        return next > max ? max : next;
    }

    /// @dev The asset's current limits with each field halved or doubled (fresh ones if it has none).
    function _limitsNear(address asset, uint256 v) internal view returns (AssetLimits memory l) {
        bool enabled;
        (l, enabled) = wallet.getAssetLimits(agent, asset);
        if (!enabled || (v >> 200) % 4 == 0) return _limits(v);
        uint256 max = type(uint96).max;
        l.perTx = _exact(_around(l.perTx, v >> 1, max));
        l.approvalAbove = _exact(_around(l.approvalAbove, v >> 2, max));
        l.daily = _exact(_around(l.daily, v >> 3, max));
        l.weekly = _exact(_around(l.weekly, v >> 4, max));
        l.monthly = _exact(_around(l.monthly, v >> 5, max));
    }

    function _limits(uint256 v) internal pure returns (AssetLimits memory l) {
        // Each field 0 (no cap / never escalate) now and then, else up to about twice the initial caps.
        l.perTx = _exact(_maybeZero(v, 0, 0.1 ether));
        l.approvalAbove = _exact(_maybeZero(v, 1, 0.1 ether));
        l.daily = _exact(_maybeZero(v, 2, 0.2 ether));
        l.weekly = _exact(_maybeZero(v, 3, 0.6 ether));
        l.monthly = _exact(_maybeZero(v, 4, 2 ether));
    }

    function _rules(uint256 v) internal pure returns (AgentRules memory r) {
        r.maxOpCost = uint96(0.01 ether + ((v >> 16) % 0.1 ether));
        r.maxOpsPerHour = uint16(_maybeZero(v, 5, 20));
        r.maxOpsPerDay = uint16(_maybeZero(v, 6, 100));
        r.minSecondsBetweenOps = uint32(_maybeZero(v, 7, 600));
        r.allowedHours = uint24(v >> 40) | 1;
        r.allowedDays = uint8(v >> 80) | 1;
        // At least maxOpCost (the wallet's rule); now and then unlimited.
        r.gasPerDay =
            (v >> 88) % 8 == 0 ? type(uint64).max : uint64(r.maxOpCost + ((v >> 96) % 1 ether));
    }

    function _validity(uint256 v) internal view returns (uint48 validAfter, uint48 validUntil) {
        if (v % 3 == 0) return (0, 0);
        validAfter = v % 3 == 1 ? 0 : uint48(block.timestamp - ((v >> 8) % 1 days));
        validUntil = uint48(block.timestamp + 1 + ((v >> 48) % 30 days));
    }

    /// @dev The nearest limit at most `amount` the wallet holds exactly (a random amount rarely is; the
    /// refusal of one that isn't is tested on its own, in `SpendWindows.t.sol` and `limits.test.ts`).
    function _exact(uint256 amount) internal pure returns (uint96) {
        return uint96(DecimalAmount.floor(amount));
    }

    /// @dev `v`'s slot `i` mapped to 0 one time in five, else to 1..max.
    function _maybeZero(uint256 v, uint256 i, uint256 max) internal pure returns (uint256) {
        uint256 x = uint256(keccak256(abi.encode(v, i)));
        return x % 5 == 0 ? 0 : 1 + ((x >> 8) % max);
    }

    function _candidate(uint256 v) internal view returns (address) {
        uint256 k = (v >> 8) % 3;
        return
            k == 0
                ? r0
                : k == 1
                    ? stranger
                    : r2;
    }

    function _config() internal view returns (Config memory c) {
        c.maxLoss[0] = wallet.maxLoss(agent, NATIVE);
        c.maxLoss[1] = wallet.maxLoss(agent, address(token));
        c.maxLoss[2] = wallet.maxLoss(agent, address(untracked));
        (c.limits[0], c.limitsOn[0]) = wallet.getAssetLimits(agent, NATIVE);
        (c.limits[1], c.limitsOn[1]) = wallet.getAssetLimits(agent, address(token));
        c.recipients[0] = wallet.isRecipientAllowed(agent, r0);
        c.recipients[1] = wallet.isRecipientAllowed(agent, stranger);
        c.recipients[2] = wallet.isRecipientAllowed(agent, r2);
        c.permission = wallet.getCallPermission(
            agent,
            address(payableTarget),
            MockPayable.deposit.selector
        );
        (, c.status, c.validAfter, c.validUntil, c.rules) = wallet.getAgent(agent);
        (c.capsOn[0], c.caps[0], ) = wallet.walletCaps(NATIVE);
        (c.capsOn[1], c.caps[1], ) = wallet.walletCaps(address(token));
        c.paused = wallet.paused();
        c.minPause = wallet.minPauseDuration();
        c.threshold = wallet.threshold();
        c.adminDelay = wallet.adminDelay();
        c.upgradeDelay = wallet.upgradeDelay();
        c.utcOffset = wallet.utcOffset();
        c.owners = wallet.getOwners();
        c.guardians = wallet.getGuardians();
    }

    /// @dev What `b` allows an agent (or a smaller set of signers) that `a` didn't, or "" if nothing.
    function _loosened(Config memory a, Config memory b) internal view returns (string memory) {
        for (uint256 i = 0; i < 3; ++i) if (b.maxLoss[i] > a.maxLoss[i]) return "maxLoss";
        for (uint256 i = 0; i < 2; ++i) {
            if (_limitsLooser(a.limits[i], a.limitsOn[i], b.limits[i], b.limitsOn[i]))
                return "asset limits";
            if (a.capsOn[i]) {
                if (!b.capsOn[i]) return "wallet caps removed";
                for (uint256 k = 0; k < 3; ++k)
                    if (!_notLooser(b.caps[i][k], a.caps[i][k])) return "wallet caps";
            }
        }
        for (uint256 i = 0; i < 3; ++i) if (b.recipients[i] && !a.recipients[i]) return "recipient";
        if (_permissionLooser(a.permission, b.permission)) return "call permission";
        if (_rulesLooser(a.rules, b.rules)) return "agent rules";
        if (b.validAfter < a.validAfter) return "validAfter";
        if (!_notLooser(b.validUntil, a.validUntil)) return "validUntil";
        if (a.status != AgentStatus.Active && b.status == AgentStatus.Active) return "status";
        if (a.paused && !b.paused) return "unpaused";
        if (b.minPause < a.minPause) return "minPauseDuration";
        if (b.threshold < a.threshold) return "threshold";
        if (b.adminDelay < a.adminDelay || b.upgradeDelay < a.upgradeDelay) return "delays";
        if (b.utcOffset != a.utcOffset) return "utcOffset";
        if (b.owners.length > a.owners.length) return "owner added";
        for (uint256 i = 0; i < a.owners.length; ++i)
            if (!wallet.isOwner(a.owners[i])) return "vetoer removed (owner)";
        for (uint256 i = 0; i < a.guardians.length; ++i)
            if (!wallet.isGuardian(a.guardians[i])) return "vetoer removed (guardian)";
        return "";
    }

    function _limitsLooser(
        AssetLimits memory a,
        bool aOn,
        AssetLimits memory b,
        bool bOn
    ) internal pure returns (bool) {
        if (!bOn) return false; // no limits: the asset can't move at all
        if (!aOn) return true;
        return
            !_notLooser(b.perTx, a.perTx) ||
            !_notLooser(b.approvalAbove, a.approvalAbove) ||
            !_notLooser(b.daily, a.daily) ||
            !_notLooser(b.weekly, a.weekly) ||
            !_notLooser(b.monthly, a.monthly);
    }

    function _permissionLooser(
        CallPermission memory a,
        CallPermission memory b
    ) internal pure returns (bool) {
        if (!b.allowed) return false;
        if (!a.allowed) return true;
        return b.maxValue > a.maxValue || !_notLooser(b.expiresAt, a.expiresAt);
    }

    function _rulesLooser(AgentRules memory a, AgentRules memory b) internal pure returns (bool) {
        return
            b.maxOpCost > a.maxOpCost ||
            b.gasPerDay > a.gasPerDay ||
            !_notLooser(b.maxOpsPerHour, a.maxOpsPerHour) ||
            !_notLooser(b.maxOpsPerDay, a.maxOpsPerDay) ||
            b.minSecondsBetweenOps < a.minSecondsBetweenOps ||
            (b.allowedHours & ~a.allowedHours) != 0 ||
            (b.allowedDays & ~a.allowedDays) != 0;
    }

    /// @dev For caps where 0 means "none": whether `b` is no looser than `a`.
    function _notLooser(uint256 b, uint256 a) internal pure returns (bool) {
        if (a == 0) return true;
        return b != 0 && b <= a;
    }
}
