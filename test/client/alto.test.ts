/**
 * The same `toLeashSmartAccount` through an unmodified third-party bundler: Pimlico Alto 0.0.20 (from npm,
 * `--safe-mode false`: anvil has no debug_traceCall tracer rules Alto's safe mode needs) on anvil, with
 * EntryPoint v0.8 installed at its canonical address (deploy/localChain.ts). viem's bundler
 * client estimates, sends and waits for the receipt; an over-cap payment is refused naming the rule.
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { spawnTracked, stopTracked } from "../helpers/children.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ContractFactory,
  JsonRpcProvider,
  Wallet,
  parseEther as ethersParseEther,
  type InterfaceAbi,
} from "ethers";
import {
  createPublicClient,
  defineChain,
  http,
  parseEther,
  zeroAddress,
  type Address,
  type PublicClient,
} from "viem";
import { createBundlerClient } from "viem/account-abstraction";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  OwnerClient,
  PolicyViolationError,
  toLeashError,
  paymentOutcome,
  toLeashSmartAccount,
  type LeashSmartAccount,
} from "../../src/client/index.js";
import { CANONICAL_ENTRY_POINT_V08 } from "../../deploy/deterministic.js";
import { installLocalPrerequisites } from "../../deploy/localChain.js";
import { HARDHAT_KEYS, REPO_ROOT, freePort, rawRpc, sleep } from "../relayer/helpers.js";

function artifact(path: string): { abi: InterfaceAbi; bytecode: string } {
  return JSON.parse(readFileSync(join(REPO_ROOT, "artifacts/contracts", path), "utf8")) as {
    abi: InterfaceAbi;
    bytecode: string;
  };
}

async function waitFor(
  url: string,
  method: string,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${method} server exited:\n${output()}`);
    try {
      await rawRpc(url, method);
      return;
    } catch (error) {
      if (i > 600) throw new Error(`${url} not up: ${String(error)}\n${output()}`);
      await sleep(200);
    }
  }
}

function start(bin: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawnTracked(join(REPO_ROOT, "node_modules/.bin", bin), args, {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  child.stderr!.on("data", (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  return { child, output: () => out };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child) await stopTracked(child, "SIGTERM", 5_000);
}

describe("toLeashSmartAccount through Pimlico Alto on anvil", function () {
  this.timeout(240_000);
  let anvil: ReturnType<typeof start> | undefined;
  let alto: ReturnType<typeof start> | undefined;
  let provider: JsonRpcProvider;
  let client: PublicClient;
  let account: LeashSmartAccount;
  let altoUrl: string;
  const agent = privateKeyToAccount(generatePrivateKey());
  const shop = Wallet.createRandom().address as Address;

  before(async () => {
    const anvilPort = await freePort();
    const anvilUrl = `http://127.0.0.1:${anvilPort}`;
    anvil = start("anvil", ["--port", String(anvilPort), "--host", "127.0.0.1"]);
    await waitFor(anvilUrl, "eth_chainId", anvil.child, anvil.output);
    provider = new JsonRpcProvider(anvilUrl, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
      pollingInterval: 100,
    });
    const deployer = new Wallet(HARDHAT_KEYS[0], provider);
    await installLocalPrerequisites(anvilUrl, REPO_ROOT);
    const entryPoint = CANONICAL_ENTRY_POINT_V08;
    const deploy = async (path: string, ...args: unknown[]) => {
      const { abi, bytecode } = artifact(path);
      const c = await new ContractFactory(abi, bytecode, deployer).deploy(...args);
      await c.waitForDeployment();
      return c.getAddress();
    };
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
    const owners = [Wallet.createRandom().address, Wallet.createRandom().address];
    const { address: wallet } = await OwnerClient.createWallet(deployer, {
      factory,
      owners,
      threshold: 2,
      minPauseDuration: 3600,
      agents: [
        {
          key: agent.address,
          rules: { maxOpCost: "0.05" },
          limits: { native: { perTx: "1", approvalAbove: "0.5", daily: "5" } },
          recipients: [shop],
        },
      ],
    });
    await (await deployer.sendTransaction({ to: wallet, value: ethersParseEther("5") })).wait();

    const altoPort = await freePort();
    altoUrl = `http://127.0.0.1:${altoPort}`;
    alto = start("alto", [
      "--entrypoints",
      entryPoint,
      "--executor-private-keys",
      HARDHAT_KEYS[1],
      "--utility-private-key",
      HARDHAT_KEYS[2],
      "--rpc-url",
      anvilUrl,
      "--port",
      String(altoPort),
      "--safe-mode",
      "false",
      "--log-level",
      "warn",
    ]);
    await waitFor(altoUrl, "eth_supportedEntryPoints", alto.child, alto.output);

    const chain = defineChain({
      id: Number((await provider.getNetwork()).chainId),
      name: "anvil",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [anvilUrl] } },
    });
    client = createPublicClient({ chain, transport: http(anvilUrl) });
    account = await toLeashSmartAccount({ client, address: wallet as Address, agent });
  });

  after(async () => {
    await stop(alto?.child);
    provider?.destroy();
    await stop(anvil?.child);
  });

  it("test_altoBundler_paysWithinPolicy: estimate → send → receipt, no gas override", async () => {
    const bundler = createBundlerClient({ account, client, transport: http(altoUrl) });
    const calls = [{ to: shop, value: parseEther("0.1") }];
    const gas = await bundler.estimateUserOperationGas({ calls });
    expect(gas.verificationGasLimit > 0n).to.equal(true);
    const hash = await bundler.sendUserOperation({ calls });
    const receipt = await bundler.waitForUserOperationReceipt({ hash, timeout: 120_000 });
    expect(receipt.success, alto!.output()).to.equal(true);
    const outcome = paymentOutcome(receipt);
    expect(outcome.status).to.equal("paid");
    expect(outcome.status === "paid" && outcome.calls).to.deep.equal([
      { target: shop, asset: zeroAddress, amount: parseEther("0.1") },
    ]);
    expect(await client.getBalance({ address: shop })).to.equal(parseEther("0.1"));
  });

  it("test_altoBundler_overPerTxCap: refused, naming PolicyPerTxLimitExceeded", async () => {
    const bundler = createBundlerClient({ account, client, transport: http(altoUrl) });
    let caught: unknown;
    try {
      await bundler.sendUserOperation({ calls: [{ to: shop, value: parseEther("1.5") }] });
    } catch (error) {
      caught = error;
    }
    expect(caught, "expected a refusal").to.not.equal(undefined);
    // Alto quotes the wallet's revert bytes; toLeashError decodes them to the rule and its values.
    const error = toLeashError(caught);
    expect(error).to.be.instanceOf(PolicyViolationError);
    expect((error as PolicyViolationError).rule).to.equal("PolicyPerTxLimitExceeded");
    expect((error as PolicyViolationError).values.cap).to.equal(parseEther("1"));
    expect(error.message).to.contain("PolicyPerTxLimitExceeded");
  });
});
