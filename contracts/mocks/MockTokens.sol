// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @notice Test-only standard ERC-20 (OpenZeppelin) with a public mint.
contract MockERC20 is ERC20 {
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The pre-5.0 OpenZeppelin allowance helper, which the policy decodes as a movement.
    function increaseAllowance(address spender, uint256 added) external returns (bool) {
        _approve(msg.sender, spender, allowance(msg.sender, spender) + added);
        return true;
    }
}

/// @notice Test-only ERC-20 with a chosen number of decimals (6 like USDC, for instance).
contract MockERC20Decimals is MockERC20 {
    uint8 private immutable DECIMALS;

    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_
    ) MockERC20(name_, symbol_) {
        DECIMALS = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return DECIMALS;
    }
}

/// @notice Test-only ERC-20 whose transfer, transferFrom and approve return nothing (USDT style).
contract NoReturnToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function transfer(address to, uint256 amount) external {
        require(balanceOf[msg.sender] >= amount, "balance");
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
    }

    function transferFrom(address from, address to, uint256 amount) external {
        require(balanceOf[from] >= amount && allowance[from][msg.sender] >= amount, "allowance");
        allowance[from][msg.sender] -= amount;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
    }

    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
    }
}

/// @notice Test-only ERC-20 that moves nothing and returns false from every movement.
contract FalseReturnToken {
    mapping(address => uint256) public balanceOf;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function transfer(address, uint256) external pure returns (bool) {
        return false;
    }

    function transferFrom(address, address, uint256) external pure returns (bool) {
        return false;
    }

    function approve(address, uint256) external pure returns (bool) {
        return false;
    }
}

/// @notice Test-only ERC-20 returning a malformed (non-bool, 64-byte) result from transfer.
contract WeirdReturnToken {
    mapping(address => uint256) public balanceOf;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function transfer(address to, uint256 amount) external returns (uint256, uint256) {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        return (1, 1);
    }
}

/// @notice Test-only ERC-20 that burns `feeBps` of every transfer: the recipient gets less than the
/// nominal amount.
contract FeeOnTransferToken is ERC20 {
    uint256 public immutable feeBps;

    constructor(uint256 feeBps_) ERC20("Fee", "FEE") {
        feeBps = feeBps_;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * feeBps) / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}

/// @notice Test-only ERC-20 that, on transfer, calls back `target` with `data` once (a malicious token or
/// recipient hook). The reentrant call's outcome is recorded, not bubbled, so the test can inspect it.
contract ReentrantToken is ERC20 {
    address public callbackTarget;
    bytes public data;
    bool public armed;
    bool public reentered;
    bool public reentryOk;
    bytes public reentryResult;

    constructor() ERC20("Reentrant", "REE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata data_) external {
        callbackTarget = target_;
        data = data_;
        armed = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (armed && from != address(0)) {
            armed = false;
            reentered = true;
            (reentryOk, reentryResult) = callbackTarget.call(data);
        }
    }
}

/// @notice Test-only ERC-721 with a public mint.
contract MockERC721 is ERC721 {
    constructor() ERC721("MockNFT", "NFT") {}

    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }
}

/// @notice Test-only contract recipient that calls back `target` with `data` when it receives native value.
contract ReentrantNativeReceiver {
    address public callbackTarget;
    bytes public data;
    bool public reentered;
    bool public reentryOk;
    bytes public reentryResult;

    function arm(address target_, bytes calldata data_) external {
        callbackTarget = target_;
        data = data_;
    }

    receive() external payable {
        if (callbackTarget != address(0) && !reentered) {
            reentered = true;
            (reentryOk, reentryResult) = callbackTarget.call(data);
        }
    }
}

/// @notice Test-only contract with a payable function, for (target, selector) permissions with value.
contract MockPayable {
    uint256 public deposits;

    function deposit() external payable {
        deposits += msg.value;
    }

    function ping() external {}
}
