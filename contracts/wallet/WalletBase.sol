// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IWalletBase} from "../interfaces/IWalletBase.sol";

/// @title Access control shared by every manager: "self" means an executed owner proposal.
abstract contract WalletBase is IWalletBase {
    /// @dev Bounds every loop over owners, guardians and batch calls.
    uint256 internal constant MAX_OWNERS = 16;
    uint256 internal constant MAX_GUARDIANS = 16;
    uint256 internal constant MAX_CALLS = 32;

    /// @notice The one slot every agent operation reads (validation reads it cold, execution warm), so the
    /// pause flag and the calendar offset cost one cold read together. 8 + 48 + 32 + 32 + 16 = 136 bits.
    /// @custom:storage-location erc7201:leash.storage.Hot
    struct HotState {
        bool paused;
        uint48 pausedAt;
        uint32 minPauseDuration;
        int32 utcOffset;
        uint16 walletCapAssets; // assets with wallet-wide caps: 0 lets agent payments skip that lookup
    }

    // keccak256(abi.encode(uint256(keccak256("leash.storage.Hot")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant HOT_STORAGE =
        0xd6a01d205fe7cb06f70f774377caeefe585b2a16280dcddd6c1db359322afb00;

    function _hot() internal pure returns (HotState storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Safe: points a storage pointer at a constant ERC-7201 slot; no memory is touched.
            $.slot := HOT_STORAGE
        }
    }

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
