// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EntryPoint} from "@account-abstraction/contracts/core/EntryPoint.sol";
import {IAccountExecute} from "@account-abstraction/contracts/interfaces/IAccountExecute.sol";
import {ISenderCreator} from "@account-abstraction/contracts/interfaces/ISenderCreator.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";

/**
 * @title LeashBundleSimulator
 * @notice Never deployed. The relayer places this runtime code at an unused address through an `eth_call` state
 * override and runs `simulateBundle` via `EntryPoint.delegateAndRevert`, so it executes with the EntryPoint's
 * address and storage (nonces, deposits). It runs the real validation phase of the whole bundle, then each op's
 * execution in bundle order with the op's own `callGasLimit`, so an op that would fail only because of an earlier
 * op in the same bundle (two agents racing a shared cap) is seen before any gas is paid.
 * @dev Differences from `handleOps`, on purpose: no paymaster `postOp`, no refunds, no beneficiary transfer. Those
 * only move deposits; the relayer still `eth_call`s the real `handleOps` before broadcasting.
 */
contract LeashBundleSimulator is EntryPoint {
    /// @notice Outcome of one op's execution phase.
    struct OpResult {
        bool success;
        uint256 gasUsed;
        bytes revertData;
    }

    /// @notice Validates every op, then executes each in order.
    /// @param ops The bundle, exactly as it would be passed to `handleOps`.
    /// @return results One entry per op.
    function simulateBundle(
        PackedUserOperation[] calldata ops
    ) external returns (OpResult[] memory results) {
        uint256 opsLen = ops.length;
        UserOpInfo[] memory opInfos = new UserOpInfo[](opsLen);
        _iterateValidationPhase(ops, opInfos, address(0), 0);
        results = new OpResult[](opsLen);
        for (uint256 i = 0; i < opsLen; ++i) {
            bytes calldata callData = ops[i].callData;
            if (callData.length == 0) {
                results[i].success = true;
                continue;
            }
            bytes memory innerCall = callData;
            if (
                callData.length > 3 &&
                bytes4(callData[:4]) == IAccountExecute.executeUserOp.selector
            ) {
                innerCall = abi.encodeCall(
                    IAccountExecute.executeUserOp,
                    (ops[i], opInfos[i].userOpHash)
                );
            }
            uint256 gasBefore = gasleft();
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = ops[i].sender.call{gas: opInfos[i].mUserOp.callGasLimit}(
                innerCall
            );
            results[i] = OpResult({
                success: ok,
                gasUsed: gasBefore - gasleft(),
                revertData: ok ? bytes("") : ret
            });
        }
    }

    /// @inheritdoc EntryPoint
    /// @dev This code's own immutables are unset (never constructed): ask the real EntryPoint code at this address.
    function senderCreator() public view override returns (ISenderCreator) {
        return EntryPoint(payable(address(this))).senderCreator();
    }

    /// @inheritdoc EntryPoint
    function getDomainSeparatorV4() public view override returns (bytes32) {
        return EntryPoint(payable(address(this))).getDomainSeparatorV4();
    }
}
