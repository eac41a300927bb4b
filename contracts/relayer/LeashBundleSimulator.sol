// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EntryPoint} from "@account-abstraction/contracts/core/EntryPoint.sol";
import {IAccountExecute} from "@account-abstraction/contracts/interfaces/IAccountExecute.sol";
import {ISenderCreator} from "@account-abstraction/contracts/interfaces/ISenderCreator.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {UserOperationLib} from "@account-abstraction/contracts/core/UserOperationLib.sol";

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

    /// @notice Simulates each op as if it were alone: `simulateBundle([op])` for every op, each one's state
    /// changes rolled back before the next (it runs through `delegateAndRevert`, which always reverts).
    /// @dev One `eth_call` answers a whole batch of ops arriving together, each exactly as its own call would.
    /// An op is only simulated with ample gas left for its limits (twice their sum plus 100,000: the 63/64
    /// rule at each call depth); from the first op without it on, outcomes stay empty and the caller asks
    /// for those ops one by one, so a batch never fails an op for want of gas it would have had alone.
    /// @param ops The ops, independent of each other.
    /// @param simulator The address this code was placed at (the caller's state override).
    /// @return outcomes Per op, the `DelegateAndRevert(success, ret)` revert data of its own simulation.
    function simulateEach(
        PackedUserOperation[] calldata ops,
        address simulator
    ) external returns (bytes[] memory outcomes) {
        uint256 opsLen = ops.length;
        outcomes = new bytes[](opsLen);
        PackedUserOperation[] memory one = new PackedUserOperation[](1);
        for (uint256 i = 0; i < opsLen; ++i) {
            if (gasleft() < _gasNeeded(ops[i])) break;
            one[0] = ops[i];
            // solhint-disable-next-line avoid-low-level-calls
            (, outcomes[i]) = address(this).call(
                abi.encodeCall(
                    EntryPoint.delegateAndRevert,
                    (simulator, abi.encodeWithSelector(this.simulateBundle.selector, one))
                )
            );
        }
    }

    /// @dev Gas `simulateBundle([op])` may need: twice the op's gas limits (nested calls keep 1/64 back at
    /// each depth) plus the EntryPoint's own work around them.
    function _gasNeeded(PackedUserOperation calldata op) private pure returns (uint256) {
        uint256 limits =
            UserOperationLib.unpackVerificationGasLimit(op) +
                UserOperationLib.unpackCallGasLimit(op);
        if (op.paymasterAndData.length >= UserOperationLib.PAYMASTER_DATA_OFFSET) {
            (, uint256 validationGas, uint256 postOpGas) = UserOperationLib
                .unpackPaymasterStaticFields(op.paymasterAndData);
            limits += validationGas + postOpGas;
        }
        return limits * 2 + 100_000;
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
