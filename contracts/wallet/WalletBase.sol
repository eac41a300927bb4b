// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IWalletBase} from "../interfaces/IWalletBase.sol";

/// @title Access control shared by every manager: "self" means an executed owner proposal.
abstract contract WalletBase is IWalletBase {
    /// @dev Bounds every loop over owners, guardians and batch calls.
    uint256 internal constant MAX_OWNERS = 16;
    uint256 internal constant MAX_GUARDIANS = 16;
    uint256 internal constant MAX_CALLS = 32;

    /// @dev The wallet itself, or its one-time setup (see `AgentWallet.initialize`).
    modifier onlySelf() {
        if (msg.sender != address(this) && !_inSetup()) revert WalletOnlySelf(msg.sender);
        _;
    }

    /// @notice True only while the wallet runs its initial setup calls.
    function _inSetup() internal view virtual returns (bool);

    /// @dev For caps, maxima and expiries where 0 means "unlimited": whether `requested` is no looser
    /// than `current`.
    function _notLooser(uint256 requested, uint256 current) internal pure returns (bool) {
        if (current == 0) return true;
        return requested != 0 && requested <= current;
    }
}
