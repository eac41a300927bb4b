/**
 * Leash wallets on a relayer test chain: the stack (modules, implementation, factory), the agent rules the
 * relayer tests use, wallet creation and funding, and a ready 2-of-2 wallet with agents (`deployLeashWallet`).
 */
import { type Contract, Wallet, parseEther, zeroPadValue } from "ethers";
import {
  getUserOperationHash,
  minimumPreVerificationGas,
  type UserOperation,
} from "../../src/relayer/userOp.js";
import {
  ALL_DAYS,
  ALL_HOURS,
  NATIVE,
  agentNonceKey,
  encodeWalletCall,
  agentCallData,
  testWallets,
  type CallStruct,
} from "../helpers/fixtures.js";
import { deployContract, type TestChain } from "./helpers.js";

/**
 * A hand-made op of `wallet`'s agent `agent` (its nonce key) running `calls`, with generous fixed limits and
 * fees above the latest base fee, signed by `signer` (another key to forge; `null` for a stub signature, as
 * clients estimate with).
 */
export async function leashAgentOp(
  chain: TestChain,
  wallet: string,
  agent: string,
  calls: CallStruct[],
  signer: Wallet | null,
): Promise<UserOperation> {
  const nonce = (await chain.entryPoint.getFunction("getNonce")(
    wallet,
    agentNonceKey(agent),
  )) as bigint;
  const block = await chain.provider.getBlock("latest");
  const op: UserOperation = {
    sender: wallet,
    nonce,
    factory: null,
    factoryData: "0x",
    callData: agentCallData(agent, calls),
    callGasLimit: 500_000n,
    verificationGasLimit: 300_000n,
    preVerificationGas: 0n,
    maxFeePerGas: (block?.baseFeePerGas ?? 1_000_000_000n) * 3n + 1_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
    paymaster: null,
    paymasterVerificationGasLimit: 0n,
    paymasterPostOpGasLimit: 0n,
    paymasterData: "0x",
    signature: "0x",
  };
  op.preVerificationGas = minimumPreVerificationGas(op) + 2_000n;
  op.signature = signer
    ? signer.signingKey.sign(getUserOperationHash(op, chain.entryPointAddress, chain.chainId))
        .serialized
    : "0x" + "ff".repeat(65);
  return op;
}

/** A Leash stack on the test chain: lens, module, wallet implementation and factory. */
export interface LeashStack {
  implementation: string;
  factory: Contract;
}

/** Deploys a fresh Leash stack without CREATE2 (its own addresses each time). */
export async function deployLeashStack(chain: TestChain): Promise<LeashStack> {
  const ep = chain.entryPointAddress;
  const address = (c: Contract) => c.getAddress();
  const lens = await address(await deployContract(chain, "lens/LeashLens.sol/LeashLens.json"));
  const module = await address(
    await deployContract(chain, "wallet/WalletModule.sol/WalletModule.json", ep, lens),
  );
  const implementation = await address(
    await deployContract(chain, "wallet/AgentWallet.sol/AgentWallet.json", ep, module),
  );
  const factory = await deployContract(
    chain,
    "factory/AgentWalletFactory.sol/AgentWalletFactory.json",
    implementation,
  );
  return { implementation, factory };
}

/** The agent rules the relayer tests use: 0.1 ETH of gas per op, no rate or time limits. */
export const TEST_AGENT_RULES = {
  maxOpCost: parseEther("0.1"),
  maxOpsPerHour: 0,
  maxOpsPerDay: 0,
  minSecondsBetweenOps: 0,
  allowedHours: ALL_HOURS,
  allowedDays: ALL_DAYS,
  gasPerDay: parseEther("10"),
};

/** Native-asset limits for a test agent: 1 ETH per op, 2 a day, 5 a week, 10 a month. */
export const TEST_ASSET_LIMITS = {
  perTx: parseEther("1"),
  approvalAbove: 0n,
  daily: parseEther("2"),
  weekly: parseEther("5"),
  monthly: parseEther("10"),
};

/** Wallet set-up calls adding `agent` with the test rules and native limits, allowed to pay `recipients`. */
export function testAgentSetup(agent: string, recipients: string[]): string[] {
  return [
    encodeWalletCall("addAgent", [agent, 0n, 0n, TEST_AGENT_RULES]),
    encodeWalletCall("setAssetLimits", [agent, NATIVE, TEST_ASSET_LIMITS]),
    ...recipients.map((r) => encodeWalletCall("allowRecipient", [agent, r])),
  ];
}

/** `count` test owners (seeded), sorted ascending as the wallet's signature packing wants. */
export function sortedOwners(count: number, seed: string): Wallet[] {
  return testWallets(count, seed).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
}

export interface LeashWalletConfig {
  owners: string[];
  threshold: number;
  guardians: string[];
  utcOffset: number;
  minPauseDuration: number;
}

/** `owners`, `threshold` of them, with `guardians`: UTC, a one-hour minimum pause. */
export const walletConfig = (
  owners: string[],
  threshold: number,
  guardians: string[] = [],
): LeashWalletConfig => ({ owners, threshold, guardians, utcOffset: 0, minPauseDuration: 3600 });

/**
 * Creates a wallet through the stack's factory (salt 1) with `setupData`, funds it with `balance` and an
 * EntryPoint deposit of `deposit` (none when 0); returns its address.
 */
export async function createLeashWallet(
  chain: TestChain,
  factory: Contract,
  config: LeashWalletConfig,
  setupData: string[] = [],
  {
    balance = parseEther("10"),
    deposit = parseEther("1"),
  }: { balance?: bigint; deposit?: bigint } = {},
): Promise<string> {
  const salt = zeroPadValue("0x01", 32);
  const address = (await factory.getFunction("getAddress")(config, setupData, salt)) as string;
  await (await factory.getFunction("createWallet")(config, setupData, salt)).wait();
  if (balance > 0n)
    await (await chain.deployer.sendTransaction({ to: address, value: balance })).wait();
  if (deposit > 0n)
    await (await chain.entryPoint.getFunction("depositTo")(address, { value: deposit })).wait();
  return address;
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
  const { factory } = await deployLeashStack(chain);
  const owners = sortedOwners(2, `${options.seed}-owner`).map((o) => o.connect(chain.provider));
  const setupData = [
    ...options.agents.flatMap((agent) => testAgentSetup(agent.address, options.recipients)),
    ...(options.walletDailyCap !== undefined
      ? [encodeWalletCall("setWalletCaps", [NATIVE, options.walletDailyCap, 0n, 0n])]
      : []),
  ];
  const address = await createLeashWallet(
    chain,
    factory,
    walletConfig(
      owners.map((o) => o.address),
      2,
    ),
    setupData,
  );
  for (const owner of owners)
    await (
      await chain.deployer.sendTransaction({ to: owner.address, value: parseEther("1") })
    ).wait();
  return { address, owners };
}
