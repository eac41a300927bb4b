// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Access errors shared by every manager of the wallet.
interface IWalletBase {
    /// @dev Only the wallet itself (an executed owner proposal) may call this; `caller` tried.
    error WalletOnlySelf(address caller);
    /// @dev Only the EntryPoint may call this; `caller` tried.
    error WalletOnlyEntryPoint(address caller);
    /// @dev Deployment only: `lens`, the view lens a module forwards the wallet's views to, has no code.
    error WalletLensMissing(address lens);
    /// @dev Deployment only: `module` (the contract the core delegates to) was built for EntryPoint `moduleEntryPoint`
    /// (zero: it answered no `entryPoint()`), not the deployer's `expectedEntryPoint`.
    error WalletModuleMismatch(
        address module,
        address expectedEntryPoint,
        address moduleEntryPoint
    );
}
