/**
 * Deploys EntryPoint v0.8 and the wallet stack to the dev chain through the project's Ignition
 * module (deploy/modules/LeashLocal.ts), the same module an operator runs with
 * `npx hardhat ignition deploy`. Ignition's journal goes under `.leash/ignition` (not the
 * project's deploy/deployments): the dev chain is new on every run, so is its journal.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";

export interface StackAddresses {
  entryPoint: string;
  policyModule: string;
  governanceModule: string;
  implementation: string;
  factory: string;
}

export async function deployLocalStack(options: {
  projectRoot: string;
  stateDir: string;
  rpcUrl: string;
}): Promise<StackAddresses> {
  const { createHardhatRuntimeEnvironment, importUserConfig } = await import("hardhat/hre");
  const { default: LeashLocal } = await import("../../../deploy/modules/LeashLocal.js");
  const configPath = join(options.projectRoot, "hardhat.config.ts");
  const userConfig = await importUserConfig(configPath);
  const ignitionDir = join(options.stateDir, "ignition");
  rmSync(ignitionDir, { recursive: true, force: true });
  const hre = await createHardhatRuntimeEnvironment(
    {
      ...userConfig,
      paths: { ...userConfig.paths, ignition: ignitionDir },
      networks: { ...userConfig.networks, leashDev: { type: "http", url: options.rpcUrl } },
    },
    { config: configPath },
    options.projectRoot,
  );
  const connection = await hre.network.connect({ network: "leashDev" });
  try {
    const deployed = await connection.ignition.deploy(LeashLocal, { deploymentId: "leash-dev" });
    const address = (name: keyof typeof deployed) => deployed[name].getAddress();
    return {
      entryPoint: await address("entryPoint"),
      policyModule: await address("policyModule"),
      governanceModule: await address("governanceModule"),
      implementation: await address("implementation"),
      factory: await address("factory"),
    };
  } finally {
    await connection.close();
  }
}
