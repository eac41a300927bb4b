import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ArgumentType, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";

/** The canonical ERC-4337 EntryPoint v0.8 on public chains. */
export const CANONICAL_ENTRY_POINT_V08 = "0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108";

/**
 * Adds the wallet stack on `entryPoint` to a module: the two management modules, the wallet implementation
 * (its code is split under EIP-170: core -> GovernanceModule -> AgentPolicyModule) and the factory.
 */
export function addWalletStack(m: IgnitionModuleBuilder, entryPoint: ArgumentType) {
  const policyModule = m.contract("AgentPolicyModule", [entryPoint]);
  const governanceModule = m.contract("GovernanceModule", [entryPoint, policyModule]);
  const implementation = m.contract("AgentWallet", [entryPoint, governanceModule]);
  const factory = m.contract("AgentWalletFactory", [implementation]);
  return { policyModule, governanceModule, implementation, factory };
}

/** The wallet stack on an existing EntryPoint (parameter `entryPoint`, default: the canonical v0.8). */
export default buildModule("LeashWallet", (m) =>
  addWalletStack(m, m.getParameter("entryPoint", CANONICAL_ENTRY_POINT_V08)),
);
