// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEntryPoint} from "@account-abstraction/contracts/interfaces/IEntryPoint.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {IWalletBase} from "../interfaces/IWalletBase.sol";
import {ProposalManager} from "./ProposalManager.sol";

/// @title What both management modules share: the EntryPoint they were built for, and setup detection.
/// @notice A module runs by DELEGATECALL on the wallet's storage. The contract that delegates to it checks at
/// deployment that the module was built for the same EntryPoint (`requireModuleFor`), so the core and the two
/// modules can't disagree on who may run owners' operations; the EIP-712 domain is fixed in `ProposalManager`.
abstract contract WalletModule is ProposalManager, Initializable {
    IEntryPoint private immutable ENTRY_POINT;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IEntryPoint entryPoint_) {
        ENTRY_POINT = entryPoint_;
        _disableInitializers();
    }

    /// @notice The EntryPoint this module was built for (through a wallet, the core's `entryPoint()` answers
    /// first; deployment checks the two are the same).
    function entryPoint() external view returns (IEntryPoint) {
        return ENTRY_POINT;
    }

    function _inSetup() internal view override returns (bool) {
        // Only the proxy's constructor (no code yet): a later `reinitializer` run by an upgrade must not open
        // every self-only function to whoever it calls.
        return _isInitializing() && address(this).code.length == 0;
    }

    function _entryPointAddress() internal view override returns (address) {
        return address(ENTRY_POINT);
    }
}

/// @dev Reverts unless `module` answers `entryPoint()` with `expected`: run by the constructor of each contract
/// that delegates to a module.
function requireModuleFor(address module, IEntryPoint expected) view {
    (bool ok, bytes memory answer) = module.staticcall(abi.encodeCall(WalletModule.entryPoint, ()));
    address actual = ok && answer.length == 32 ? abi.decode(answer, (address)) : address(0);
    if (actual != address(expected)) {
        revert IWalletBase.WalletModuleMismatch(module, address(expected), actual);
    }
}
