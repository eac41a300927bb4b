/** Deploys a Leash AgentWallet (modules, implementation, factory) on a relayer test chain. */
import { ContractFactory, Wallet, parseEther, zeroPadValue, type InterfaceAbi } from "ethers";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ALL_DAYS, ALL_HOURS, NATIVE, encodeWalletCall, testWallets } from "../helpers/fixtures.js";
import { REPO_ROOT, type TestChain } from "./helpers.js";

function artifact(path: string): { abi: InterfaceAbi; bytecode: string } {
  return JSON.parse(readFileSync(join(REPO_ROOT, "artifacts/contracts", path), "utf8")) as {
    abi: InterfaceAbi;
    bytecode: string;
  };
}

async function deploy(chain: TestChain, path: string, ...args: unknown[]): Promise<string> {
  const { abi, bytecode } = artifact(path);
  const contract = await new ContractFactory(abi, bytecode, chain.deployer).deploy(...args);
  await contract.waitForDeployment();
  return contract.getAddress();
}

export interface LeashWallet {
  address: string;
  /** Sorted ascending, as the wallet's signature packing wants; funded for gas. */
  owners: Wallet[];
}

/**
 * A 2-of-2 wallet whose `agents` may each pay `recipients` up to 1 ETH per op (2 ETH a day), with an
 * optional wallet-wide daily cap; funded with 10 ETH and a 1 ETH EntryPoint deposit.
 */
export async function deployLeashWallet(
  chain: TestChain,
  options: { agents: Wallet[]; recipients: string[]; walletDailyCap?: bigint; seed: string },
): Promise<LeashWallet> {
  const ep = chain.entryPointAddress;
  const policyModule = await deploy(
    chain,
    "wallet/AgentPolicyModule.sol/AgentPolicyModule.json",
    ep,
  );
  const governanceModule = await deploy(
    chain,
    "wallet/GovernanceModule.sol/GovernanceModule.json",
    ep,
    policyModule,
  );
  const implementation = await deploy(
    chain,
    "wallet/AgentWallet.sol/AgentWallet.json",
    ep,
    governanceModule,
  );
  const factoryArtifact = artifact("factory/AgentWalletFactory.sol/AgentWalletFactory.json");
  const factory = await new ContractFactory(
    factoryArtifact.abi,
    factoryArtifact.bytecode,
    chain.deployer,
  ).deploy(implementation);
  await factory.waitForDeployment();
  const owners = testWallets(2, `${options.seed}-owner`)
    .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1))
    .map((o) => o.connect(chain.provider));
  const config = {
    owners: owners.map((o) => o.address),
    threshold: 2,
    guardians: [],
    utcOffset: 0,
    minPauseDuration: 3600,
  };
  const setupData = [
    ...options.agents.flatMap((agent) => [
      encodeWalletCall("addAgent", [
        agent.address,
        0n,
        0n,
        {
          maxOpCost: parseEther("0.1"),
          maxOpsPerHour: 0,
          maxOpsPerDay: 0,
          minSecondsBetweenOps: 0,
          allowedHours: ALL_HOURS,
          allowedDays: ALL_DAYS,
          gasPerDay: parseEther("10"),
        },
      ]),
      encodeWalletCall("setAssetLimits", [
        agent.address,
        NATIVE,
        {
          perTx: parseEther("1"),
          approvalAbove: 0n,
          daily: parseEther("2"),
          weekly: parseEther("5"),
          monthly: parseEther("10"),
        },
      ]),
      ...options.recipients.map((r) => encodeWalletCall("allowRecipient", [agent.address, r])),
    ]),
    ...(options.walletDailyCap !== undefined
      ? [encodeWalletCall("setWalletCaps", [NATIVE, options.walletDailyCap, 0n, 0n])]
      : []),
  ];
  const salt = zeroPadValue("0x01", 32);
  const address = (await factory.getFunction("getAddress")(config, setupData, salt)) as string;
  await (await factory.getFunction("createWallet")(config, setupData, salt)).wait();
  await (await chain.deployer.sendTransaction({ to: address, value: parseEther("10") })).wait();
  await (
    await chain.entryPoint.getFunction("depositTo")(address, { value: parseEther("1") })
  ).wait();
  for (const owner of owners)
    await (
      await chain.deployer.sendTransaction({ to: owner.address, value: parseEther("1") })
    ).wait();
  return { address, owners };
}
