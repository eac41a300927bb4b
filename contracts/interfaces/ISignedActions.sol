// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title A guardian's action carried by an EIP-712 signature, so that anyone (a relayer) can submit it and no
/// guardian key needs ETH (the owners' signed batch and approvals are the core's: `IAgentWalletCore`).
/// @notice Each signature names a nonce from the same space as `executeWithSignatures` (`isNonceUsed`,
/// `invalidateNonce`) and a deadline: it works once, on this wallet and chain only.
interface ISignedActions {
    /// @notice `guardian` signed a tightening action (`selector`) that someone submitted.
    event GuardianActionSigned(address indexed guardian, bytes4 indexed selector, uint256 nonce);

    /// @dev `selector` is not one of the actions a single guardian may sign (pause, suspendAgent, revokeAgent,
    /// cancel).
    error SignedActionNotAllowed(bytes4 selector);

    /// @notice Runs one guardian's tightening action, signed as EIP-712
    /// `GuardianAction(bytes data,uint256 nonce,uint256 deadline,uint256 epoch)` (`epoch` = `signatureEpoch()`):
    /// `data` is the calldata of `pause()`, `suspendAgent(address)`, `revokeAgent(address)` or `cancel(uint256)`.
    /// Anyone may submit it.
    function executeGuardianAction(
        address guardian,
        bytes calldata data,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external;
}
