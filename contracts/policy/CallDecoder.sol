// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Reads ERC-20 movements out of calldata.
/// @notice Only exact-length calls with clean address words are recognised: a token would ignore trailing
/// bytes that the policy can't account for, so anything else is "not a movement" and needs an explicit
/// (target, selector) permission, which by default it doesn't have.
library CallDecoder {
    bytes4 internal constant TRANSFER = 0xa9059cbb; // transfer(address,uint256)
    bytes4 internal constant TRANSFER_FROM = 0x23b872dd; // transferFrom(address,address,uint256)
    bytes4 internal constant APPROVE = 0x095ea7b3; // approve(address,uint256)
    bytes4 internal constant INCREASE_ALLOWANCE = 0x39509351; // increaseAllowance(address,uint256)

    /// @notice Whether `selector` moves tokens or grants someone the power to: the four ERC-20 movements the
    /// policy decodes and counts, and the ones it can't count (EIP-2612 and DAI `permit`, ERC-677/1363
    /// `transferAndCall`/`transferFromAndCall`/`approveAndCall`, ERC-721/1155 `safeTransferFrom`,
    /// `safeBatchTransferFrom`, `setApprovalForAll`, `burn`, `burnFrom`). No (target, selector) permission may
    /// carry one, on any target. `decreaseAllowance` is absent on purpose: it can only lower what a spender may
    /// take, so owners may permit it.
    function isTokenMovingSelector(bytes4 s) internal pure returns (bool) {
        return
            isMovementSelector(s) ||
            s == 0xd505accf || // permit(address,address,uint256,uint256,uint8,bytes32,bytes32)
            s == 0x8fcbaf0c || // permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32) (DAI)
            s == 0x4000aea0 || // transferAndCall(address,uint256,bytes)
            s == 0x1296ee62 || // transferAndCall(address,uint256)
            s == 0xd8fbe994 || // transferFromAndCall(address,address,uint256)
            s == 0xc1d34b89 || // transferFromAndCall(address,address,uint256,bytes)
            s == 0x3177029f || // approveAndCall(address,uint256)
            s == 0xcae9ca51 || // approveAndCall(address,uint256,bytes)
            s == 0x42842e0e || // safeTransferFrom(address,address,uint256)
            s == 0xb88d4fde || // safeTransferFrom(address,address,uint256,bytes)
            s == 0xf242432a || // safeTransferFrom(address,address,uint256,uint256,bytes)
            s == 0x2eb2c2d6 || // safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)
            s == 0xa22cb465 || // setApprovalForAll(address,bool)
            s == 0x42966c68 || // burn(uint256)
            s == 0x79cc6790; // burnFrom(address,uint256)
    }

    /// @notice The selector of `data`; `ok` is false when data is 1 to 3 bytes long (no selector fits).
    function selectorOf(bytes memory data) internal pure returns (bytes4 selector, bool ok) {
        if (data.length < 4) return (bytes4(0), false);
        return (bytes4(data), true);
    }

    /// @notice Whether `selector` is one of the four ERC-20 movement selectors.
    function isMovementSelector(bytes4 selector) internal pure returns (bool) {
        return
            selector == TRANSFER ||
            selector == TRANSFER_FROM ||
            selector == APPROVE ||
            selector == INCREASE_ALLOWANCE;
    }

    /// @notice Decodes an ERC-20 movement.
    /// @return isMovement whether `data` is one of the four movement calls, well-formed.
    /// @return recipient who receives the tokens or the allowance.
    /// @return amount the amount moved or approved.
    /// @return from the `from` argument of transferFrom (zero for the other three).
    function decodeTokenMovement(
        bytes memory data
    ) internal pure returns (bool isMovement, address recipient, uint256 amount, address from) {
        (bytes4 selector, bool ok) = selectorOf(data);
        if (!ok) return (false, address(0), 0, address(0));
        return decodeMovement(selector, data);
    }

    /// @notice `decodeTokenMovement` for a caller that already read `data`'s selector (`selectorOf`, ok).
    function decodeMovement(
        bytes4 selector,
        bytes memory data
    ) internal pure returns (bool isMovement, address recipient, uint256 amount, address from) {
        if (selector == TRANSFER || selector == APPROVE || selector == INCREASE_ALLOWANCE) {
            if (data.length != 68) return (false, address(0), 0, address(0));
            uint256 to = _word(data, 4);
            if (to >> 160 != 0) return (false, address(0), 0, address(0));
            return (true, address(uint160(to)), _word(data, 36), address(0));
        }
        if (selector == TRANSFER_FROM) {
            if (data.length != 100) return (false, address(0), 0, address(0));
            uint256 owner = _word(data, 4);
            uint256 to = _word(data, 36);
            if (owner >> 160 != 0 || to >> 160 != 0) return (false, address(0), 0, address(0));
            return (true, address(uint160(to)), _word(data, 68), address(uint160(owner)));
        }
        return (false, address(0), 0, address(0));
    }

    /// @dev The 32-byte word at `offset` of `data`. Callers check `offset + 32 <= data.length`.
    function _word(bytes memory data, uint256 offset) private pure returns (uint256 word) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: reads inside `data`'s bounds (checked by every caller); writes nothing.
            word := mload(add(add(data, 0x20), offset))
        }
    }
}
