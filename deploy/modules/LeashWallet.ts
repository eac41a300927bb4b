import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type {
  IgnitionModuleBuilder,
  NamedArtifactContractAtFuture,
} from "@nomicfoundation/ignition-core";
import {
  CANONICAL_ENTRY_POINT_V08,
  CREATE2_DEPLOYER,
  STACK_KEYS,
  WALLET_STACK,
  create2Calldata,
  planStack,
} from "../deterministic.js";

export { CANONICAL_ENTRY_POINT_V08 };

/**
 * Adds the wallet stack (deploy/deterministic.ts: WALLET_STACK) to a module: each contract is one call to
 * the CREATE2 deployer with the fixed salt, then a `contractAt` at its predicted address, so the
 * addresses are the same on every chain. Ignition's journal (deploy/deployments/chain-<id>) makes a
 * re-run a no-op; a chain that already has the contracts needs no deployment at all (the addresses are
 * known in advance: `predictStackAddresses()`).
 */
export function addWalletStack(m: IgnitionModuleBuilder) {
  const contracts: Record<string, NamedArtifactContractAtFuture<string>> = {};
  let previous: NamedArtifactContractAtFuture<string> | undefined;
  for (const planned of planStack(WALLET_STACK)) {
    // Constructors may read an earlier contract, so each creation waits for the one before it.
    const created = m.send(
      `Create2_${planned.name}`,
      CREATE2_DEPLOYER,
      0n,
      create2Calldata(planned.initCode),
      { after: previous ? [previous] : [] },
    );
    const contract = m.contractAt(planned.name, planned.address, { after: [created] });
    contracts[STACK_KEYS[planned.name as keyof typeof STACK_KEYS]] = contract;
    previous = contract;
  }
  const { lens, module, implementation, factory, passkeyOwnerFactory } = contracts;
  return { lens, module, implementation, factory, passkeyOwnerFactory };
}

/** The wallet stack on the canonical EntryPoint v0.8 (any chain that has it and the CREATE2 deployer). */
export default buildModule("LeashWallet", (m) => addWalletStack(m));
