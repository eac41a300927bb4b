// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Test-only receiver that calls back into a wallet when it receives native currency.
/// @notice With `bubble` set, a failed callback reverts with the callback's revert data, so the wallet's
/// `WalletCallFailed(index, reason)` shows why the re-entry was refused.
contract ReentrantReceiver {
    address public callbackTarget;
    bytes public callbackData;
    bool public bubble;
    uint256 public received;

    function setCallback(address target_, bytes calldata data, bool bubble_) external {
        callbackTarget = target_;
        callbackData = data;
        bubble = bubble_;
    }

    receive() external payable {
        received += msg.value;
        if (callbackTarget == address(0)) return;
        (bool ok, bytes memory result) = callbackTarget.call(callbackData);
        if (!ok && bubble) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }
}
