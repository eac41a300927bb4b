// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

/// @title Test-only ERC1967 proxy (the factory's proxy, deployable directly from a test).
contract TestERC1967Proxy is ERC1967Proxy {
    constructor(
        address implementation,
        bytes memory data
    ) payable ERC1967Proxy(implementation, data) {}
}
