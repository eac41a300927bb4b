// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {IAgentWallet} from "../../contracts/interfaces/IAgentWallet.sol";
import {IAgentWalletCore} from "../../contracts/interfaces/IAgentWalletCore.sol";
import {IOwnerManager} from "../../contracts/interfaces/IOwnerManager.sol";
import {IGuardianManager} from "../../contracts/interfaces/IGuardianManager.sol";
import {IProposalManager} from "../../contracts/interfaces/IProposalManager.sol";
import {AgentRules, Call} from "../../contracts/interfaces/LeashTypes.sol";
import {LeashTestBase} from "../helpers/LeashTestBase.sol";
import {agentCallData} from "../helpers/AgentCallData.sol";

/// @title Threshold math: any sequence of owner changes keeps 1 <= M <= N <= 16 and a consistent owner set.
contract OwnerThresholdFuzzTest is LeashTestBase {
    IAgentWallet internal wallet;

    function setUp() public {
        address[] memory owners = new address[](3);
        owners[0] = address(0x1001);
        owners[1] = address(0x1002);
        owners[2] = address(0x1003);
        wallet = _deployWallet(owners, 2);
    }

    function testFuzz_ownerChanges_keepThresholdWithinOwnerCount(
        uint8[32] calldata ops,
        uint16[32] calldata args
    ) public {
        for (uint256 i = 0; i < ops.length; ++i) {
            uint256 op = ops[i] % 3;
            address[] memory owners = wallet.getOwners();
            uint256 countBefore = owners.length;
            uint256 thresholdBefore = wallet.threshold();
            bool ok;
            if (op == 0) {
                // A small address space makes duplicates (and the 16-owner cap) likely.
                address candidate = address(uint160(0x1000 + (args[i] % 24)));
                vm.prank(address(wallet));
                (ok, ) = address(wallet).call(abi.encodeCall(IOwnerManager.addOwner, (candidate)));
                if (ok && (countBefore >= 16 || _contains(owners, candidate)))
                    _fail("bad addOwner accepted");
                if (!ok && countBefore < 16 && !_contains(owners, candidate))
                    _fail("good addOwner refused");
            } else if (op == 1) {
                address target = owners[args[i] % countBefore];
                vm.prank(address(wallet));
                (ok, ) = address(wallet).call(abi.encodeCall(IOwnerManager.removeOwner, (target)));
                // Removing is refused exactly when it would leave fewer owners than the threshold.
                if (ok != (countBefore - 1 >= thresholdBefore)) _fail("removeOwner decision wrong");
                if (ok && wallet.isOwner(target)) _fail("removed owner still owner");
                if (ok && wallet.threshold() != thresholdBefore)
                    _fail("removeOwner changed threshold");
            } else {
                uint256 newThreshold = args[i] % 20;
                vm.prank(address(wallet));
                (ok, ) = address(wallet).call(
                    abi.encodeCall(IOwnerManager.changeThreshold, (newThreshold))
                );
                if (ok != (newThreshold >= 1 && newThreshold <= countBefore))
                    _fail("changeThreshold decision wrong");
            }
            _checkInvariants();
        }
    }

    function testFuzz_ownerChanges_refusedForAnyOtherCaller(
        address caller,
        address candidate
    ) public {
        vm.assume(caller != address(wallet));
        vm.prank(caller);
        (bool ok, ) = address(wallet).call(abi.encodeCall(IOwnerManager.addOwner, (candidate)));
        if (ok) _fail("addOwner by outsider");
        vm.prank(caller);
        (ok, ) = address(wallet).call(abi.encodeCall(IOwnerManager.changeThreshold, (1)));
        if (ok) _fail("changeThreshold by outsider");
        _checkInvariants();
    }

    function _checkInvariants() internal view {
        address[] memory owners = wallet.getOwners();
        uint256 m = wallet.threshold();
        if (m < 1 || m > owners.length || owners.length > 16) _fail("1 <= M <= N <= 16 broken");
        for (uint256 i = 0; i < owners.length; ++i) {
            if (!wallet.isOwner(owners[i])) _fail("listed owner not isOwner");
            for (uint256 j = i + 1; j < owners.length; ++j) {
                if (owners[i] == owners[j]) _fail("duplicate owner");
            }
        }
    }

    function _contains(address[] memory list, address a) internal pure returns (bool) {
        for (uint256 i = 0; i < list.length; ++i) if (list[i] == a) return true;
        return false;
    }
}

/// @title Signature-set parsing: arbitrary input never reverts `isValidSignature`; only M valid owners pass.
contract SignatureParsingFuzzTest is LeashTestBase {
    bytes4 internal constant MAGIC = 0x1626ba7e;
    bytes4 internal constant INVALID = 0xffffffff;
    IAgentWallet internal wallet;
    uint256[] internal keys;
    address[] internal owners;

    function setUp() public {
        (keys, owners) = _sortedOwnerKeys(4);
        wallet = _deployWallet(owners, 3);
    }

    function testFuzz_isValidSignature_randomBytesReturnInvalid(
        bytes32 hash,
        bytes calldata signature
    ) public view {
        if (wallet.isValidSignature(hash, signature) != INVALID) _fail("random bytes accepted");
    }

    /// @dev Well-formed framing with owner addresses, random lengths and random signature bytes.
    function testFuzz_isValidSignature_framedGarbageReturnsInvalid(
        bytes32 hash,
        uint8 entries,
        uint16 claimedLength,
        bytes32 seed
    ) public view {
        bytes memory sigs;
        uint256 n = _bound(entries, 1, 6);
        for (uint256 i = 0; i < n; ++i) {
            address signer =
                i < owners.length
                    ? owners[i]
                    : address(uint160(uint256(keccak256(abi.encode(seed, i)))));
            bytes memory body = abi.encodePacked(
                keccak256(abi.encode(seed, i, "r")),
                keccak256(abi.encode(seed, i, "s")),
                uint8(27 + (i % 2))
            );
            uint16 len = i == n - 1 ? claimedLength : uint16(body.length);
            sigs = bytes.concat(sigs, abi.encodePacked(signer, len, body));
        }
        if (wallet.isValidSignature(hash, sigs) != INVALID) _fail("garbage accepted");
    }

    /// @dev Any subset of the 4 owners signs the wallet-bound hash: accepted iff at least 3 signed.
    function testFuzz_isValidSignature_acceptsExactlyThresholdSubsets(
        bytes32 hash,
        uint8 mask
    ) public view {
        bytes32 digest = wallet.replaySafeHash(hash);
        bytes memory sigs;
        uint256 count = 0;
        for (uint256 i = 0; i < 4; ++i) {
            if ((mask >> i) & 1 == 1) {
                sigs = bytes.concat(sigs, _packEntry(owners[i], _sign(keys[i], digest)));
                ++count;
            }
        }
        bytes4 result = wallet.isValidSignature(hash, sigs);
        if (result != (count >= 3 ? MAGIC : INVALID)) _fail("subset decision wrong");
    }

    /// @dev A valid set with one entry's byte flipped (anywhere) is refused, never reverts.
    function testFuzz_isValidSignature_anyBitFlipInvalidates(
        bytes32 hash,
        uint16 position,
        uint8 bit
    ) public view {
        bytes32 digest = wallet.replaySafeHash(hash);
        bytes memory sigs;
        for (uint256 i = 0; i < 3; ++i)
            sigs = bytes.concat(sigs, _packEntry(owners[i], _sign(keys[i], digest)));
        uint256 p = position % sigs.length;
        // Flipping the high bit of v (byte 64 of a signature) keeps v invalid too; every flip must fail.
        sigs[p] = bytes1(uint8(sigs[p]) ^ uint8(1 << (bit % 8)));
        if (wallet.isValidSignature(hash, sigs) != INVALID) _fail("tampered set accepted");
    }
}

/// @title Validation data: an agent's validity range is returned packed exactly as the EntryPoint reads it.
contract ValidationRangeFuzzTest is LeashTestBase {
    IAgentWallet internal wallet;
    uint256 internal constant AGENT_KEY = 0xA6E47;
    address internal agent;

    function setUp() public {
        address[] memory owners = new address[](1);
        owners[0] = address(0x1001);
        wallet = _deployWallet(owners, 1);
        agent = vm.addr(AGENT_KEY);
        vm.warp(1_700_000_000);
    }

    function _addAgent(uint48 validAfter, uint48 validUntil) internal {
        AgentRules memory rules = AgentRules({
            maxOpCost: 1 ether,
            maxOpsPerHour: 0,
            maxOpsPerDay: 0,
            minSecondsBetweenOps: 0,
            allowedHours: 0xffffff,
            allowedDays: 0x7f,
            gasPerDay: 10 ether
        });
        vm.prank(address(wallet));
        wallet.addAgent(agent, validAfter, validUntil, rules);
    }

    function _op(uint256 nonceKey) internal view returns (PackedUserOperation memory op) {
        op.sender = address(wallet);
        op.nonce = nonceKey << 64;
        op.callData = agentCallData(address(uint160(nonceKey)), new Call[](0));
    }

    function testFuzz_validateUserOp_packsValidityRange(
        uint40 validAfter,
        uint40 validUntil,
        bytes32 hash
    ) public {
        if (validUntil != 0) {
            validUntil = uint40(_bound(validUntil, block.timestamp + 1, type(uint40).max));
            validAfter = uint40(_bound(validAfter, 0, validUntil - 1));
        }
        _addAgent(validAfter, validUntil);
        PackedUserOperation memory op = _op(uint160(agent));
        op.signature = _sign(AGENT_KEY, hash);
        vm.prank(ENTRY_POINT);
        uint256 data = wallet.validateUserOp(op, hash, 0);
        uint256 expected = (uint256(validAfter) << 208) | (uint256(validUntil) << 160);
        if (data != expected) _fail("validation data packing");
        // Decoded as the EntryPoint does: aggregator/sig-failed zero, then the two 48-bit times.
        if (uint160(data) != 0) _fail("sig failure flagged");
        if (uint48(data >> 160) != validUntil || uint48(data >> 208) != validAfter)
            _fail("times decode");
    }

    function testFuzz_validateUserOp_otherSignerFailsWithoutRevert(
        uint256 otherKey,
        bytes32 hash
    ) public {
        otherKey = _bound(
            otherKey,
            1,
            0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140
        );
        vm.assume(otherKey != AGENT_KEY);
        _addAgent(0, 0);
        PackedUserOperation memory op = _op(uint160(agent));
        op.signature = _sign(otherKey, hash);
        vm.prank(ENTRY_POINT);
        if (wallet.validateUserOp(op, hash, 0) != 1) _fail("other signer accepted");
    }

    /// @dev Execution trusts the key an agent op's callData names: whatever word stands there, unless it is
    /// exactly the op's nonce key, the agent's own valid signature doesn't make the op valid (and validation
    /// doesn't revert). The same for any selector other than the agent's two entry points.
    function testFuzz_validateUserOp_callDataNamingAnyOtherKeyFails(
        bytes32 keyWord,
        bytes4 selector,
        bytes32 hash
    ) public {
        _addAgent(0, 0);
        uint256 nonceKey = uint160(agent);
        PackedUserOperation memory op = _op(nonceKey);
        op.signature = _sign(AGENT_KEY, hash);
        // The well-formed op validates: the refusals below are the key word's and the selector's doing.
        vm.prank(ENTRY_POINT);
        if (wallet.validateUserOp(op, hash, 0) != 0) _fail("the agent's own op refused");
        vm.assume(uint256(keyWord) != nonceKey);
        bytes memory rest = new bytes(op.callData.length - 36);
        for (uint256 i = 0; i < rest.length; ++i) rest[i] = op.callData[36 + i];
        op.callData = bytes.concat(bytes4(op.callData), keyWord, rest);
        vm.prank(ENTRY_POINT);
        if (wallet.validateUserOp(op, hash, 0) != 1) _fail("callData naming another key accepted");
        vm.assume(
            selector != IAgentWalletCore.executeAgentCall.selector &&
                selector != IAgentWalletCore.executeAgentCalls.selector
        );
        op.callData = bytes.concat(selector, bytes32(nonceKey), rest);
        vm.prank(ENTRY_POINT);
        if (wallet.validateUserOp(op, hash, 0) != 1) _fail("another selector accepted");
    }

    function testFuzz_validateUserOp_arbitraryNonceKeyAndSignatureNeverRevert(
        uint192 nonceKey,
        bytes calldata signature,
        bytes32 hash
    ) public {
        _addAgent(0, 0);
        vm.assume(nonceKey != uint192(uint160(agent)) && nonceKey != 0);
        PackedUserOperation memory op = _op(nonceKey);
        op.signature = signature;
        vm.prank(ENTRY_POINT);
        if (wallet.validateUserOp(op, hash, 0) != 1) _fail("unknown key accepted");
    }
}

/// @title Proposals: whatever the order of approvals, revocations, owner changes and time, a proposal executes
/// only when queued, at or after its eta, within the grace period, with M approvals of current owners.
contract ProposalLifecycleFuzzTest is LeashTestBase {
    IAgentWallet internal wallet;
    address[] internal owners;
    address internal constant NEW_GUARDIAN = address(0x6A6A);

    function setUp() public {
        owners.push(address(0x1001));
        owners.push(address(0x1002));
        owners.push(address(0x1003));
        owners.push(address(0x1004));
        wallet = _deployWallet(owners, 2);
        vm.warp(1_700_000_000);
    }

    function testFuzz_execute_onlyQueuedPastEtaWithThreshold(
        uint8[24] calldata actions,
        uint32[24] calldata args
    ) public {
        Call[] memory calls = new Call[](1);
        calls[0] = Call(
            address(wallet),
            0,
            abi.encodeCall(IGuardianManager.addGuardian, (NEW_GUARDIAN))
        );
        vm.prank(owners[0]);
        uint256 id = wallet.propose(calls, block.timestamp + 30 days);
        bool executed = false;
        for (uint256 i = 0; i < actions.length && !executed; ++i) {
            uint256 action = actions[i] % 6;
            address who = owners[args[i] % owners.length];
            if (action == 0) {
                vm.prank(who);
                (bool ok, ) = address(wallet).call(abi.encodeCall(IProposalManager.approve, (id)));
                ok;
            } else if (action == 1) {
                vm.prank(who);
                (bool ok, ) = address(wallet).call(
                    abi.encodeCall(IProposalManager.revokeApproval, (id))
                );
                ok;
            } else if (action == 2) {
                vm.warp(block.timestamp + (args[i] % 3 days));
            } else if (action == 3) {
                vm.prank(address(wallet));
                (bool ok, ) = address(wallet).call(
                    abi.encodeCall(IOwnerManager.removeOwner, (who))
                );
                ok;
            } else if (action == 4) {
                vm.prank(address(wallet));
                (bool ok, ) = address(wallet).call(
                    abi.encodeCall(IOwnerManager.changeThreshold, (1 + (args[i] % 4)))
                );
                ok;
            } else {
                (
                    IProposalManager.ProposalState state,
                    ,
                    ,
                    ,
                    uint256 eta,
                    ,
                    uint256 approvals
                ) = wallet.getProposal(id);
                bool mayRun =
                    state == IProposalManager.ProposalState.Queued &&
                        block.timestamp >= eta &&
                        block.timestamp <= eta + 14 days &&
                        approvals >= wallet.threshold();
                (bool ok, ) = address(wallet).call(abi.encodeCall(IAgentWalletCore.execute, (id)));
                if (ok != mayRun) _fail("execute decision wrong");
                if (ok && eta < 1_700_000_000 + 24 hours) _fail("eta earlier than the admin delay");
                executed = ok;
            }
            if (wallet.isGuardian(NEW_GUARDIAN) != executed) _fail("effect without execution");
        }
    }
}
