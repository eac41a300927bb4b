/**
 * The real local stack for the SDK tests: a Hardhat node in a child process (test/relayer/helpers.ts), the
 * Leash contracts deployed from the build artifacts on its EntryPoint v0.8, and the relayer in-process with
 * API keys required and the wallet's error ABI (so policy errors decode by name).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  BaseWallet,
  Contract,
  ContractFactory,
  Wallet,
  id,
  parseEther,
  type InterfaceAbi,
} from "ethers";
import { agentCallData, type ResolvedCall } from "../../src/client/index.js";
import {
  getUserOperationHash,
  minimumPreVerificationGas,
  type UserOperation,
} from "../../src/relayer/userOp.js";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import { createApiKey } from "../../src/relayer/auth/apiKeys.js";
import type { RateLimitTiers } from "../../src/relayer/auth/rateLimiter.js";
import { IAgentWallet__factory } from "../../typechain-types/index.js";
import {
  HARDHAT_KEYS,
  REPO_ROOT,
  rawRpc,
  startChain,
  tempDir,
  type TestChain,
} from "../relayer/helpers.js";

function artifact(path: string): { abi: InterfaceAbi; bytecode: string } {
  return JSON.parse(readFileSync(join(REPO_ROOT, "artifacts/contracts", path), "utf8")) as {
    abi: InterfaceAbi;
    bytecode: string;
  };
}

export interface Stack {
  chain: TestChain;
  relayer: RunningRelayer;
  entryPoint: string;
  implementation: string;
  module: string;
  lens: string;
  factory: string;
  deploy(path: string, ...args: unknown[]): Promise<string>;
  /** A funded ethers Wallet on the chain (10 ETH unless said otherwise). */
  fundedWallet(seed: string, ether?: string): Promise<Wallet>;
  /** An API key for `sender` ("*" = any) with the given scopes. */
  apiKey(sender: string, scopes?: ("send" | "read")[], relayer?: RunningRelayer): Promise<string>;
  /** Another relayer on the same chain (own signer and database), e.g. with tight rate limits. */
  extraRelayer(rateLimits: {
    perKey?: RateLimitTiers;
    perSender?: RateLimitTiers;
  }): Promise<RunningRelayer>;
  /** Moves the chain's clock forward and mines a block. */
  increaseTime(seconds: bigint | number): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const chain = await startChain();
  const deploy = async (path: string, ...args: unknown[]): Promise<string> => {
    const { abi, bytecode } = artifact(path);
    const contract = await new ContractFactory(abi, bytecode, chain.deployer).deploy(...args);
    await contract.waitForDeployment();
    return contract.getAddress();
  };
  const entryPoint = chain.entryPointAddress;
  const lens = await deploy("lens/LeashLens.sol/LeashLens.json");
  const module = await deploy("wallet/WalletModule.sol/WalletModule.json", entryPoint, lens);
  const implementation = await deploy(
    "wallet/AgentWallet.sol/AgentWallet.json",
    entryPoint,
    module,
  );
  const factory = await deploy(
    "factory/AgentWalletFactory.sol/AgentWalletFactory.json",
    implementation,
  );
  const relayerConfig = (signerKey: string, rateLimits = {}) => ({
    rpcUrl: chain.url,
    entryPoint,
    db: `sqlite:${tempDir("leash-client-")}/relayer.sqlite`,
    signer: { privateKey: signerKey },
    port: 0,
    authRequired: true,
    walletImplementations: [implementation],
    rateLimits: { perKey: {}, perSender: {}, ...rateLimits },
    walletErrorAbi: IAgentWallet__factory.abi as unknown as InterfaceAbi,
    logSink: () => {},
  });
  const relayer = await startRelayer(relayerConfig(HARDHAT_KEYS[1]));
  const extras: RunningRelayer[] = [];
  let fundNonce = 0;
  return {
    chain,
    relayer,
    entryPoint,
    implementation,
    module,
    lens,
    factory,
    deploy,
    async fundedWallet(seed, ether = "10") {
      const wallet = new Wallet(id(`leash-client-${seed}-${fundNonce++}`), chain.provider);
      if (ether !== "0")
        await (
          await chain.deployer.sendTransaction({ to: wallet.address, value: parseEther(ether) })
        ).wait();
      return wallet;
    },
    async apiKey(sender, scopes = ["send", "read"], target = relayer) {
      return (await createApiKey(target.store, { sender, scopes, label: "test" })).key;
    },
    async extraRelayer(rateLimits) {
      const extra = await startRelayer(relayerConfig(HARDHAT_KEYS[2 + extras.length], rateLimits));
      extras.push(extra);
      return extra;
    },
    async increaseTime(seconds) {
      await rawRpc(chain.url, "evm_increaseTime", [Number(seconds)]);
      await rawRpc(chain.url, "evm_mine", []);
    },
    async stop() {
      for (const extra of extras) await extra.close();
      await relayer.close();
      await chain.stop();
    },
  };
}

/**
 * An agent's user operation built and signed by hand, without the SDK's pre-checks (what a misbehaving client or
 * another bundler would send): on the agent's nonce lane, generous gas, fees from the latest block.
 */
export async function handMadeAgentOp(
  stack: Stack,
  wallet: string,
  key: BaseWallet,
  calls: ResolvedCall[],
): Promise<UserOperation> {
  const entryPoint = new Contract(
    stack.entryPoint,
    ["function getNonce(address,uint192) view returns (uint256)"],
    stack.chain.provider,
  );
  const block = await stack.chain.provider.getBlock("latest");
  const op: UserOperation = {
    sender: wallet,
    nonce: await entryPoint.getFunction("getNonce")(wallet, BigInt(key.address)),
    factory: null,
    factoryData: "0x",
    callData: agentCallData(key.address, calls),
    callGasLimit: 300_000n,
    verificationGasLimit: 300_000n,
    preVerificationGas: 0n,
    maxFeePerGas: block!.baseFeePerGas! * 2n + 1_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
    paymaster: null,
    paymasterVerificationGasLimit: 0n,
    paymasterPostOpGasLimit: 0n,
    paymasterData: "0x",
    signature: "0x",
  };
  op.preVerificationGas = minimumPreVerificationGas(op) + 2_000n;
  op.signature = key.signingKey.sign(
    getUserOperationHash(op, stack.entryPoint, stack.chain.chainId),
  ).serialized;
  return op;
}
