// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CallDecoderHarness} from "../../contracts/mocks/PolicyHarnesses.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @notice CallDecoder never mis-reads: compared with Solidity's own strict ABI decoder on random calldata.
contract CallDecoderFuzzTest is TestBase {
    CallDecoderHarness internal dec;

    bytes4 internal constant TRANSFER = bytes4(keccak256("transfer(address,uint256)"));
    bytes4 internal constant TRANSFER_FROM = bytes4(
        keccak256("transferFrom(address,address,uint256)")
    );
    bytes4 internal constant APPROVE = bytes4(keccak256("approve(address,uint256)"));
    bytes4 internal constant INCREASE_ALLOWANCE = bytes4(
        keccak256("increaseAllowance(address,uint256)")
    );

    function setUp() public {
        dec = new CallDecoderHarness();
    }

    /// @dev Reference decoders: `abi.decode` reverts on dirty address bits and short data.
    function refTwo(bytes calldata args) external pure returns (address to, uint256 amount) {
        return abi.decode(args, (address, uint256));
    }

    function refThree(
        bytes calldata args
    ) external pure returns (address from, address to, uint256 amount) {
        return abi.decode(args, (address, address, uint256));
    }

    struct Ref {
        bool isMovement;
        address recipient;
        uint256 amount;
        address from;
    }

    function _reference(bytes memory data) internal view returns (Ref memory r) {
        if (data.length < 4) return r;
        bytes4 sel = bytes4(data);
        bytes memory args = new bytes(data.length - 4);
        for (uint256 i = 4; i < data.length; ++i) args[i - 4] = data[i];
        if (sel == TRANSFER || sel == APPROVE || sel == INCREASE_ALLOWANCE) {
            // Exact length only: trailing bytes the token would ignore are not a movement.
            if (args.length != 64) return r;
            try this.refTwo(args) returns (address to, uint256 amount) {
                return Ref(true, to, amount, address(0));
            } catch {
                return r;
            }
        }
        if (sel == TRANSFER_FROM) {
            if (args.length != 96) return r;
            try this.refThree(args) returns (address from, address to, uint256 amount) {
                return Ref(true, to, amount, from);
            } catch {
                return r;
            }
        }
    }

    function _check(bytes memory data) internal view {
        (bool isMovement, address recipient, uint256 amount, address from) = dec
            .decodeTokenMovement(data);
        Ref memory r = _reference(data);
        assertTrue(isMovement == r.isMovement, "movement classification");
        assertEq(recipient, r.recipient, "recipient");
        assertEq(amount, r.amount, "amount");
        assertEq(from, r.from, "from");
        (bytes4 sel, bool ok) = dec.selectorOf(data);
        assertTrue(ok == (data.length >= 4), "selector presence");
        if (ok) assertTrue(sel == bytes4(data), "selector value");
    }

    function testFuzz_decode_randomBytes(bytes calldata data) public view {
        _check(data);
    }

    /// @dev Random arguments behind one of the four movement selectors (or a random one), at a random length,
    /// with random dirty bits: most inputs are near-misses of a well-formed call.
    function testFuzz_decode_nearMisses(
        uint8 selChoice,
        bytes4 randomSel,
        bytes32 w1,
        bytes32 w2,
        bytes32 w3,
        uint8 cleanMask,
        uint8 lenMode,
        bytes calldata extra
    ) public view {
        bytes4 sel = [TRANSFER, TRANSFER_FROM, APPROVE, INCREASE_ALLOWANCE, randomSel][
            selChoice % 5
        ];
        if (cleanMask & 1 != 0) w1 = bytes32(uint256(uint160(uint256(w1))));
        if (cleanMask & 2 != 0) w2 = bytes32(uint256(uint160(uint256(w2))));
        bytes memory data = abi.encodePacked(sel, w1, w2, w3);
        uint256 mode = lenMode % 4;
        if (mode == 0) data = _truncate(data, 68);
        else if (mode == 1) data = _truncate(data, 100);
        else if (mode == 2) data = bytes.concat(_truncate(data, 68), extra);
        else
            data = _truncate(
                bytes.concat(data, extra),
                bound(uint256(w3), 0, data.length + extra.length)
            );
        _check(data);
    }

    function testFuzz_decode_wellFormedMovements(
        address to,
        address from,
        uint256 amount
    ) public view {
        bytes[4] memory calls = [
            abi.encodeWithSelector(TRANSFER, to, amount),
            abi.encodeWithSelector(APPROVE, to, amount),
            abi.encodeWithSelector(INCREASE_ALLOWANCE, to, amount),
            abi.encodeWithSelector(TRANSFER_FROM, from, to, amount)
        ];
        for (uint256 i = 0; i < 4; ++i) {
            (bool isMovement, address recipient, uint256 amt, address f) = dec.decodeTokenMovement(
                calls[i]
            );
            assertTrue(isMovement, "well-formed movement recognised");
            assertEq(recipient, to, "recipient");
            assertEq(amt, amount, "amount");
            assertEq(f, i == 3 ? from : address(0), "from");
        }
    }

    function testFuzz_decode_trailingBytesNeverAMovement(
        address to,
        uint256 amount,
        bytes calldata extra
    ) public view {
        vm.assume(extra.length != 0);
        (bool isMovement, , , ) = dec.decodeTokenMovement(
            bytes.concat(abi.encodeWithSelector(TRANSFER, to, amount), extra)
        );
        assertTrue(!isMovement, "trailing bytes");
    }

    function testFuzz_decode_dirtyAddressNeverAMovement(
        address to,
        uint256 amount,
        uint96 dirt
    ) public view {
        vm.assume(dirt != 0);
        bytes32 word = bytes32((uint256(dirt) << 160) | uint160(to));
        (bool isMovement, , , ) = dec.decodeTokenMovement(abi.encodePacked(TRANSFER, word, amount));
        assertTrue(!isMovement, "dirty address bits");
    }

    function _truncate(bytes memory data, uint256 len) internal pure returns (bytes memory out) {
        if (len > data.length) len = data.length;
        out = new bytes(len);
        for (uint256 i = 0; i < len; ++i) out[i] = data[i];
    }
}
