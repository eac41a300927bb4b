/**
 * Test-only Solidity, compiled at test time with the pinned solcjs (so nothing is added to the
 * project's contracts tree): an account whose validation returns a time range taken from its
 * signature (to reach AA22), and a target that reverts with a Leash-style custom policy error.
 */
import { createRequire } from "node:module";
import { ContractFactory, type Contract, type InterfaceAbi, type Wallet } from "ethers";

const require = createRequire(import.meta.url);

const SOURCE = `
// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

struct PackedUserOperation {
    address sender; uint256 nonce; bytes initCode; bytes callData; bytes32 accountGasLimits;
    uint256 preVerificationGas; bytes32 gasFees; bytes paymasterAndData; bytes signature;
}

/// Validation passes with validAfter/validUntil read from the signature (two uint48s).
contract TimeRangeAccount {
    address public immutable entryPoint;
    constructor(address ep) { entryPoint = ep; }
    receive() external payable {}
    function validateUserOp(PackedUserOperation calldata op, bytes32, uint256 missing) external returns (uint256) {
        require(msg.sender == entryPoint, "not entry point");
        if (missing > 0) { (bool ok,) = payable(msg.sender).call{value: missing}(""); ok; }
        (uint48 validAfter, uint48 validUntil) = abi.decode(op.signature, (uint48, uint48));
        return (uint256(validUntil) << 160) | (uint256(validAfter) << 208);
    }
    function execute(address target, bytes calldata data) external {
        require(msg.sender == entryPoint, "not entry point");
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) assembly { revert(add(ret, 32), mload(ret)) }
    }
}

/// Stands in for a Leash wallet policy check.
contract PolicyTarget {
    error DailyLimitExceeded(address asset, uint256 spent, uint256 limit);
    error RecipientNotAllowed(address recipient);
    function pay(address recipient, uint256 amount) external pure {
        if (recipient == address(0xdead)) revert RecipientNotAllowed(recipient);
        if (amount > 100) revert DailyLimitExceeded(address(0), amount, 100);
    }
}
`;

export const POLICY_ERRORS_ABI = [
  "error DailyLimitExceeded(address asset, uint256 spent, uint256 limit)",
  "error RecipientNotAllowed(address recipient)",
];

let compiled: Record<string, { abi: InterfaceAbi; bytecode: string }> | null = null;

export function compileFixtures(): Record<string, { abi: InterfaceAbi; bytecode: string }> {
  if (compiled) return compiled;
  const solc = require("solc") as { compile(input: string): string };
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { "Fixtures.sol": { content: SOURCE } },
        settings: {
          evmVersion: "cancun",
          outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
        },
      }),
    ),
  ) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<
      string,
      Record<string, { abi: InterfaceAbi; evm: { bytecode: { object: string } } }>
    >;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  compiled = {};
  for (const [name, c] of Object.entries(output.contracts["Fixtures.sol"])) {
    compiled[name] = { abi: c.abi, bytecode: "0x" + c.evm.bytecode.object };
  }
  return compiled;
}

export async function deployFixture(
  name: string,
  deployer: Wallet,
  ...args: unknown[]
): Promise<Contract> {
  const { abi, bytecode } = compileFixtures()[name];
  const contract = (await new ContractFactory(abi, bytecode, deployer).deploy(...args)) as Contract;
  await contract.waitForDeployment();
  return contract;
}
