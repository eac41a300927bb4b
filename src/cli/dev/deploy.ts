/**
 * Deploys the wallet stack to a local chain through the project's Ignition module
 * (deploy/modules/LeashLocal.ts, the CREATE2 deployment an operator runs with `npx hardhat ignition
 * deploy`), after putting the CREATE2 deployer and the canonical EntryPoint v0.8 on the chain
 * (deploy/localChain.ts). The addresses are known before deploying (deploy/deterministic.ts), so a
 * chain that already has every contract (a persisted dev chain, a second run against the same node) is
 * left untouched. Ignition's journal goes under `<state>/ignition`, not the project's deploy/deployments.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { predictStackAddresses } from "../../../deploy/deterministic.js";
import { installLocalPrerequisites } from "../../../deploy/localChain.js";
import { CliError } from "../errors.js";
import { rpc } from "./chain.js";

export interface StackAddresses {
  entryPoint: string;
  module: string;
  implementation: string;
  factory: string;
  passkeyOwnerFactory: string;
  lens: string;
}

export interface DeployResult {
  addresses: StackAddresses;
  /** False when every contract was already on the chain (nothing sent). */
  deployed: boolean;
}

async function missing(rpcUrl: string, addresses: StackAddresses): Promise<string[]> {
  const out: string[] = [];
  for (const [name, address] of Object.entries(addresses))
    if ((await rpc<string>(rpcUrl, "eth_getCode", [address, "latest"])) === "0x") out.push(name);
  return out;
}

export async function deployLocalStack(options: {
  projectRoot: string;
  stateDir: string;
  rpcUrl: string;
}): Promise<DeployResult> {
  await installLocalPrerequisites(options.rpcUrl, options.projectRoot);
  const expected = predictStackAddresses(options.projectRoot);
  if ((await missing(options.rpcUrl, expected)).length === 0)
    return { addresses: expected, deployed: false };

  const ignitionDir = join(options.stateDir, "ignition");
  // A journal from another chain would make Ignition skip contracts this one lacks.
  rmSync(ignitionDir, { recursive: true, force: true });
  const addresses = await ignitionDeployLocal({ ...options, ignitionDir });
  const absent = await missing(options.rpcUrl, addresses);
  if (absent.length > 0)
    throw new CliError(`after the deployment, no code at the address of: ${absent.join(", ")}`);
  return { addresses, deployed: true };
}

/**
 * Runs deploy/modules/LeashLocal.ts with Ignition against `rpcUrl`, its journal in `ignitionDir`
 * (deployment id `leash-dev`): what `npx hardhat ignition deploy` does, from code.
 */
export async function ignitionDeployLocal(options: {
  projectRoot: string;
  ignitionDir: string;
  rpcUrl: string;
}): Promise<StackAddresses> {
  // The built CLI (dist/*.js) loads hardhat.config.ts, whose plugins import .ts files by their .js names:
  // only tsx resolves those, as Hardhat's own CLI registers it. Under tsx (source) it already is.
  if (import.meta.url.endsWith(".js")) (await import("tsx/esm/api")).register();
  const { createHardhatRuntimeEnvironment, importUserConfig } = await import("hardhat/hre");
  const { default: LeashLocal } = await import("../../../deploy/modules/LeashLocal.js");
  const configPath = join(options.projectRoot, "hardhat.config.ts");
  const userConfig = await importUserConfig(configPath);
  const hre = await createHardhatRuntimeEnvironment(
    {
      ...userConfig,
      paths: { ...userConfig.paths, ignition: options.ignitionDir },
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
      module: await address("module"),
      implementation: await address("implementation"),
      factory: await address("factory"),
      passkeyOwnerFactory: await address("passkeyOwnerFactory"),
      lens: await address("lens"),
    };
  } finally {
    await connection.close();
  }
}
