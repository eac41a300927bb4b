/**
 * `leash dev`: a local chain, the contracts deployed through Ignition, a demo wallet (2-of-3
 * owners, a guardian, one agent with a policy), the relayer on SQLite, and the state a user needs
 * to drive the same wallet by hand with the CLI, all under the state directory (`.leash/`).
 *
 * The chain is Hardhat's node (default), anvil (`--chain anvil`), or a node the user already runs
 * (`--rpc-url`). With `--persist` the chain is anvil with a state file in the state directory and
 * nothing is wiped at start: a restart serves the same chain, keys, API key and relayer database (the
 * scene ran on the first start and is not replayed). `--reset` wipes all of it first.
 *
 * Every key here is a throwaway key for a local chain. The relayer signs with Hardhat's
 * well-known account #1 (a raw key the relayer only accepts on chain 31337/1337).
 */
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { JsonRpcProvider, Wallet, parseEther, type InterfaceAbi } from "ethers";
import {
  AgentClient,
  OwnerClient,
  PolicyViolationError,
  WalletPausedError,
  WalletError,
  formatAmount,
} from "../../client/core.js";
import { createApiKey } from "../../relayer/auth/apiKeys.js";
import { startRelayer, type RunningRelayer } from "../../relayer/relayer.js";
import { IAgentWallet__factory } from "../../../typechain-types/index.js";
import { CliError } from "../errors.js";
import type { FileConfig } from "../config.js";
import { saveKeystore } from "../keystore.js";
import {
  externalChain,
  freePort,
  rpc,
  startLocalChain,
  type ChainKind,
  type LocalChain,
} from "./chain.js";
import { deployLocalStack, type StackAddresses } from "./deploy.js";
import { check, StepFailure, type SceneStep } from "./scene.js";
import { CONSOLE_DIST, startConsoleServer, type ConsoleServer } from "../console/server.js";

/** Hardhat's well-known dev accounts #0 (deployer) and #1 (relayer signer): public test keys. */
const HARDHAT_DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const HARDHAT_RELAYER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/**
 * Password of the dev keystores. Not a secret: the keys are generated per run for a local chain
 * and the password is documented (docs/QUICKSTART.md). A real password (LEASH_KEYSTORE_PASSWORD)
 * is deliberately not used, because dev keystores use a cheap scrypt cost.
 */
export const DEV_KEYSTORE_PASSWORD = "leash-dev";
/** scrypt N for dev keystores: fast to write and read for throwaway keys (real ones use 2^17). */
const DEV_SCRYPT_N = 1 << 12;

export const DEMO = {
  threshold: 2,
  minPauseDuration: 3600,
  walletFunding: "10",
  ownerFunding: "1",
  maxOpCost: "0.05",
  limits: { perTx: "1", approvalAbove: "0.25", daily: "2", weekly: "5", monthly: "10" },
  smallPayment: "0.1",
  overspend: "1.5",
  largePayment: "0.8",
} as const;

export interface DevOptions {
  projectRoot: string;
  stateDir: string;
  chainPort?: number;
  relayerPort?: number;
  /** The owner console's port (default 5174 if free, else any; 0 = any). */
  consolePort?: number;
  /** A running node to use instead of starting one. */
  rpcUrl?: string;
  /** Which node to start (default hardhat; --persist needs anvil's state file). */
  chain?: ChainKind;
  /** Keep the chain (anvil --state), keys, API key and relayer database across restarts. */
  persist?: boolean;
  /** Wipe the state directory's chain, keys, config and database first. */
  reset?: boolean;
}

/** The persisted chain's anvil state file, in the state directory. */
export const CHAIN_STATE_FILE = "chain-state.json";

export interface DevStack {
  chain: LocalChain;
  chainId: bigint;
  /** True when a persisted stack was restored (no new wallet, no scene). */
  restored: boolean;
  /** False when the chain already had every contract (nothing was sent to deploy them). */
  deployed: boolean;
  relayer: RunningRelayer;
  /** The owner console (console/dist) and its proxies to the relayer and the chain. */
  console: ConsoleServer;
  provider: JsonRpcProvider;
  addresses: StackAddresses;
  wallet: string;
  owners: Wallet[];
  guardian: Wallet;
  agent: Wallet;
  merchant: string;
  /** The agent's API key: scoped to the demo agent (its own ops only). */
  apiKey: string;
  apiKeyId: string;
  /** The owners' API key: scoped to the wallet (owners' ops, approvals, the console's reads). */
  ownerApiKey: string;
  ownerApiKeyId: string;
  configPath: string;
  stop(): Promise<void>;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One `leash dev` per state directory: the second would wipe the first one's state. */
function claimStateDir(stateDir: string): () => void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const pidFile = join(stateDir, "dev.pid");
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid))
      throw new CliError(
        `another leash dev (pid ${pid}) is using ${stateDir}: stop it first or pass --state-dir`,
      );
  }
  writeFileSync(pidFile, String(process.pid));
  return () => {
    try {
      if (readFileSync(pidFile, "utf8").trim() === String(process.pid)) rmSync(pidFile);
    } catch {
      // already gone
    }
  };
}

async function portOrFree(preferred: number | undefined, fallback: number): Promise<number> {
  if (preferred !== undefined) return preferred === 0 ? freePort() : preferred;
  // The usual port when it is free (stable URLs for the user), any free port otherwise.
  const { createServer } = await import("node:net");
  const free = await new Promise<boolean>((resolveFree) => {
    const server = createServer();
    server.once("error", () => resolveFree(false));
    server.listen(fallback, "127.0.0.1", () => server.close(() => resolveFree(true)));
  });
  return free ? fallback : freePort();
}

export async function startDevStack(
  options: DevOptions,
  progress: <T>(label: string, work: () => Promise<T>, done?: (v: T) => string) => Promise<T>,
): Promise<DevStack> {
  const { projectRoot, stateDir } = options;
  const artifact = join(projectRoot, "artifacts/contracts/wallet/AgentWallet.sol/AgentWallet.json");
  if (!existsSync(artifact))
    throw new CliError("contracts are not built: run `npx hardhat build` (npm start does it)");
  if (options.rpcUrl && (options.persist || options.chain))
    throw new CliError(
      "--rpc-url uses a node you run (it keeps its own state): don't combine it with --persist or --chain",
    );
  if (options.persist && options.chain === "hardhat")
    throw new CliError(
      "--persist runs anvil (Hardhat's node has no state file): drop --chain hardhat",
    );
  const release = claimStateDir(stateDir);
  const statePath = join(stateDir, CHAIN_STATE_FILE);
  const savedConfig = join(stateDir, "config.json");
  const restoring =
    !options.reset && options.persist === true && existsSync(statePath) && existsSync(savedConfig);
  if (!restoring) {
    // A new chain, so everything that refers to the old one goes.
    for (const stale of [
      "keys",
      "ignition",
      "relayer.sqlite",
      "relayer.sqlite-wal",
      "relayer.sqlite-shm",
      "config.json",
      CHAIN_STATE_FILE,
    ])
      rmSync(join(stateDir, stale), { recursive: true, force: true });
  }

  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
    release();
  };
  try {
    const kind: ChainKind = options.persist ? "anvil" : (options.chain ?? "hardhat");
    const chain = options.rpcUrl
      ? await progress(
          `using the running node at ${options.rpcUrl}`,
          () => externalChain(options.rpcUrl!),
          (c) => `node at ${c.url}`,
        )
      : await progress(
          `starting the local chain (${kind === "hardhat" ? "hardhat node" : "anvil"}${
            options.persist ? (restoring ? ", restoring its saved state" : ", persisted") : ""
          })`,
          async () =>
            startLocalChain({
              projectRoot,
              logFile: join(stateDir, "chain.log"),
              port: await portOrFree(options.chainPort, 8545),
              kind,
              statePath: options.persist ? statePath : undefined,
            }),
          (c) => `local chain at ${c.url}`,
        );
    cleanups.push(() => chain.stop());
    const chainId = BigInt(await rpc<string>(chain.url, "eth_chainId"));

    const { addresses, deployed } = await progress(
      "EntryPoint v0.8 at its canonical address, the wallet implementation and factory through the CREATE2 deployer (Ignition: deploy/modules/LeashLocal.ts)",
      () => deployLocalStack({ projectRoot, stateDir, rpcUrl: chain.url }),
      (d) => `${d.deployed ? "deployed" : "already deployed"}: factory ${d.addresses.factory}`,
    );

    const provider = new JsonRpcProvider(chain.url, undefined, {
      staticNetwork: true,
      pollingInterval: 100,
      cacheTimeout: -1,
    });
    cleanups.push(async () => provider.destroy());
    const configPath = join(stateDir, "config.json");

    let people: DemoPeople;
    let wallet: string;
    if (restoring) {
      ({ people, wallet } = await progress(
        "restoring the demo wallet and its keys from the state directory",
        () => restoreDemo(stateDir, provider),
        (r) => `wallet ${r.wallet}`,
      ));
    } else {
      people = {
        owners: [0, 1, 2].map(() => new Wallet(Wallet.createRandom().privateKey, provider)),
        guardian: new Wallet(Wallet.createRandom().privateKey, provider),
        agent: new Wallet(Wallet.createRandom().privateKey, provider),
        merchant: Wallet.createRandom().address,
      };
      wallet = await progress(
        "creating the demo wallet: 2-of-3 owners, a guardian, one agent with a policy",
        () => createDemoWallet(provider, addresses.factory, people),
        (address) => `wallet ${address}`,
      );
    }
    const { owners, guardian, agent, merchant } = people;

    const relayerPort = await portOrFree(options.relayerPort, 4337);
    const relayerLog = createWriteStream(join(stateDir, "relayer.log"), {
      flags: restoring ? "a" : "w",
    });
    cleanups.push(() => new Promise<void>((r) => relayerLog.end(r)));
    const relayer = await progress(
      `starting the relayer (SQLite${restoring ? ", its saved database" : ""})`,
      () =>
        startRelayer({
          rpcUrl: chain.url,
          entryPoint: addresses.entryPoint,
          db: `sqlite:${join(stateDir, "relayer.sqlite")}`,
          signer: { privateKey: HARDHAT_RELAYER_KEY },
          port: relayerPort,
          authRequired: true,
          walletImplementations: [addresses.implementation],
          walletErrorAbi: IAgentWallet__factory.abi as unknown as InterfaceAbi,
          logSink: (line) => relayerLog.write(line + "\n"),
        }),
      (r) => `relayer at ${r.url}`,
    );
    cleanups.push(() => relayer.close());

    const consolePort = await portOrFree(options.consolePort, 5174);
    const consoleServer = await progress(
      "serving the owner console",
      () =>
        startConsoleServer({
          distDir: CONSOLE_DIST,
          relayerUrl: relayer.url,
          rpcUrl: chain.url,
          chainId,
          wallet,
          port: consolePort,
        }),
      (c) => `owner console at ${c.url}`,
    );
    cleanups.push(() => consoleServer.close());

    let apiKey: string;
    let apiKeyId: string;
    let ownerApiKey: string;
    let ownerApiKeyId: string;
    const keyFiles: Record<string, string> = {};
    if (restoring) {
      const saved = readSavedConfig(stateDir);
      apiKey = saved.apiKey;
      apiKeyId = saved.demo.apiKeyId;
      ownerApiKey = saved.ownerApiKey;
      ownerApiKeyId = saved.demo.ownerApiKeyId;
      Object.assign(keyFiles, saved.keys);
    } else {
      // Least privilege even in the demo: the agent's key sends and reads only that agent's ops (a stolen one
      // can't read the wallet's approvals or send for another agent or the owners); the owners get their own.
      const created = await createApiKey(relayer.store, {
        sender: wallet,
        agent: agent.address,
        scopes: ["send", "read"],
        label: "leash dev agent",
      });
      apiKey = created.key;
      apiKeyId = created.info.id;
      const ownersKey = await createApiKey(relayer.store, {
        sender: wallet,
        scopes: ["send", "read"],
        label: "leash dev owners",
      });
      ownerApiKey = ownersKey.key;
      ownerApiKeyId = ownersKey.info.id;
      await progress("writing encrypted dev keystores", async () => {
        const named: [string, Wallet][] = [
          ["owner1", owners[0]],
          ["owner2", owners[1]],
          ["owner3", owners[2]],
          ["guardian", guardian],
          ["agent", agent],
        ];
        for (const [name, key] of named) {
          const path = join(stateDir, "keys", `${name}.json`);
          await saveKeystore(path, key, DEV_KEYSTORE_PASSWORD, { scryptN: DEV_SCRYPT_N });
          keyFiles[name] = relative(stateDir, path);
        }
      });
    }

    const config: FileConfig & Record<string, unknown> = {
      _note: options.persist
        ? "Written by `leash dev --persist`: throwaway keys for a local chain (keystore password: leash-dev). Kept across restarts; `leash dev --reset` wipes it."
        : "Written by `leash dev`: throwaway keys for a local chain (keystore password: leash-dev). Rewritten on every run.",
      rpcUrl: chain.url,
      relayerUrl: relayer.url,
      consoleUrl: consoleServer.url,
      entryPoint: addresses.entryPoint,
      factory: addresses.factory,
      passkeyOwnerFactory: addresses.passkeyOwnerFactory,
      wallet,
      db: "sqlite:relayer.sqlite",
      keystore: keyFiles.owner1,
      agentKeystore: keyFiles.agent,
      keys: keyFiles,
      // Dev only: the API keys sit here (mode 0600) so `leash pay` and the owners' commands work by hand.
      // Elsewhere use LEASH_API_KEY and LEASH_OWNER_API_KEY.
      apiKey,
      ownerApiKey,
      demo: {
        merchant,
        owners: owners.map((o) => o.address),
        guardian: guardian.address,
        agent: agent.address,
        apiKeyId,
        ownerApiKeyId,
      },
    };
    writeFileSync(configPath, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });

    return {
      chain,
      chainId,
      restored: restoring,
      deployed,
      relayer,
      console: consoleServer,
      provider,
      addresses,
      wallet,
      owners,
      guardian,
      agent,
      merchant,
      apiKey,
      apiKeyId,
      ownerApiKey,
      ownerApiKeyId,
      configPath,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface DemoPeople {
  owners: Wallet[];
  guardian: Wallet;
  agent: Wallet;
  merchant: string;
}

async function createDemoWallet(
  provider: JsonRpcProvider,
  factory: string,
  people: DemoPeople,
): Promise<string> {
  const deployer = new Wallet(HARDHAT_DEPLOYER_KEY, provider);
  const { owners, guardian, agent, merchant } = people;
  const created = await OwnerClient.createWallet(deployer, {
    factory,
    owners: owners.map((o) => o.address),
    threshold: DEMO.threshold,
    guardians: [guardian.address],
    minPauseDuration: DEMO.minPauseDuration,
    agents: [
      {
        key: agent.address,
        rules: { maxOpCost: DEMO.maxOpCost },
        limits: { native: DEMO.limits },
        recipients: [merchant],
      },
    ],
    salt: "leash-dev",
  });
  for (const [to, amount] of [
    [created.address, DEMO.walletFunding],
    ...owners.map((o) => [o.address, DEMO.ownerFunding]),
    [guardian.address, DEMO.ownerFunding],
  ] as [string, string][]) {
    await (await deployer.sendTransaction({ to, value: parseEther(amount) })).wait();
  }
  return created.address;
}

interface SavedConfig {
  wallet: string;
  apiKey: string;
  ownerApiKey: string;
  keys: Record<string, string>;
  demo: { merchant: string; apiKeyId: string; ownerApiKeyId: string };
}

function readSavedConfig(stateDir: string): SavedConfig {
  const path = join(stateDir, "config.json");
  let saved: SavedConfig;
  try {
    saved = JSON.parse(readFileSync(path, "utf8")) as SavedConfig;
  } catch (error) {
    throw new CliError(
      `${path} is unreadable (${(error as Error).message}): start clean with --reset`,
    );
  }
  const names = ["owner1", "owner2", "owner3", "guardian", "agent"];
  if (
    typeof saved.wallet !== "string" ||
    typeof saved.apiKey !== "string" ||
    typeof saved.ownerApiKey !== "string" ||
    typeof saved.demo?.merchant !== "string" ||
    typeof saved.demo?.apiKeyId !== "string" ||
    typeof saved.demo?.ownerApiKeyId !== "string" ||
    !names.every((n) => typeof saved.keys?.[n] === "string")
  )
    throw new CliError(`${path} is not a persisted leash dev config: start clean with --reset`);
  return saved;
}

/** The persisted demo: its keys from the dev keystores, and a check that the chain still has the wallet. */
async function restoreDemo(
  stateDir: string,
  provider: JsonRpcProvider,
): Promise<{ people: DemoPeople; wallet: string }> {
  const saved = readSavedConfig(stateDir);
  if ((await provider.getCode(saved.wallet)) === "0x")
    throw new CliError(
      `the restored chain has no wallet at ${saved.wallet} (chain state and config disagree): start clean with --reset`,
    );
  const load = async (name: string) => {
    const json = readFileSync(join(stateDir, saved.keys[name]), "utf8");
    const key = await Wallet.fromEncryptedJson(json, DEV_KEYSTORE_PASSWORD);
    return new Wallet(key.privateKey, provider);
  };
  return {
    wallet: saved.wallet,
    people: {
      owners: [await load("owner1"), await load("owner2"), await load("owner3")],
      guardian: await load("guardian"),
      agent: await load("agent"),
      merchant: saved.demo.merchant,
    },
  };
}

const eth = (wei: bigint) => `${formatAmount(wei, 18)} ETH`;

/** The scene's steps over a running stack (through the SDK, as a user's code would). */
export function sceneSteps(stack: DevStack): SceneStep[] {
  const { provider, wallet, merchant } = stack;
  const agent = new AgentClient({
    wallet,
    key: stack.agent,
    relayerUrl: stack.relayer.url,
    apiKey: stack.apiKey,
    provider,
  });
  const owners = (...keys: Wallet[]) => new OwnerClient({ wallet, signers: keys, provider });
  const [owner1, owner2] = stack.owners;
  const balance = () => provider.getBalance(merchant);
  let escalation: bigint | undefined;

  const expectRefusal = async (
    attempt: () => Promise<unknown>,
    accept: (error: unknown) => boolean,
    what: string,
  ): Promise<unknown> => {
    try {
      await attempt();
    } catch (error) {
      if (accept(error)) return error;
      throw new StepFailure(
        `expected ${what}, got: ${(error as Error).name}: ${(error as Error).message}`,
      );
    }
    throw new StepFailure(`expected ${what}, but it went through`);
  };

  return [
    {
      title: `the agent pays ${DEMO.smallPayment} ETH to the merchant, within its limits`,
      expect: "executed on-chain; the merchant receives it",
      run: async () => {
        const before = await balance();
        const receipt = await (await agent.pay(merchant, DEMO.smallPayment)).wait();
        check(receipt.outcome === "executed", `outcome was ${receipt.outcome}`);
        const received = (await balance()) - before;
        check(received === parseEther(DEMO.smallPayment), `merchant received ${eth(received)}`);
        return `executed in tx ${receipt.transactionHash}; merchant received ${eth(received)}`;
      },
    },
    {
      title: `the agent tries to pay ${DEMO.overspend} ETH (per-payment cap ${DEMO.limits.perTx} ETH)`,
      expect: "refused by the relayer's simulation with the rule named, before any gas is spent",
      run: async () => {
        const before = await balance();
        const error = (await expectRefusal(
          () => agent.pay(merchant, DEMO.overspend),
          (e) => e instanceof PolicyViolationError && e.rule === "PolicyPerTxLimitExceeded",
          "PolicyPerTxLimitExceeded",
        )) as PolicyViolationError;
        check((await balance()) === before, "the merchant's balance changed");
        return `refused: ${error.rule} (amount ${eth(BigInt(error.values.amount))} > cap ${eth(BigInt(error.values.cap))})`;
      },
    },
    {
      title: `the agent asks for ${DEMO.largePayment} ETH (above its approval threshold of ${DEMO.limits.approvalAbove} ETH)`,
      expect: "escalated: ApprovalRequested, a proposal for the owners; nothing moves yet",
      run: async () => {
        const before = await balance();
        const receipt = await (await agent.pay(merchant, DEMO.largePayment)).wait();
        check(receipt.outcome === "escalated", `outcome was ${receipt.outcome}`);
        check(receipt.proposalId !== undefined, "no proposal id in the receipt");
        escalation = receipt.proposalId;
        const p = await owners(owner1).proposal(escalation);
        check(p.state === "pending", `proposal ${escalation} is ${p.state}`);
        check(p.escalatedBy === stack.agent.address, `escalated by ${p.escalatedBy}`);
        check((await balance()) === before, "money moved before approval");
        return `escalated: ApprovalRequested, proposal ${escalation} waits for 2 of 3 owners`;
      },
    },
    {
      title: "two of the three owners approve the escalation, then it executes",
      expect: `queued after the second approval, executed; the merchant receives ${DEMO.largePayment} ETH`,
      run: async () => {
        if (escalation === undefined) throw new StepFailure("no escalation from step 3");
        const before = await balance();
        const client = owners(owner1, owner2);
        const first = await client.approve(escalation, { as: owner1.address });
        check(first.status === "pending", `after one approval: ${first.status}`);
        const second = await client.approve(escalation, { as: owner2.address });
        check(second.status === "queued", `after two approvals: ${second.status}`);
        await client.execute(escalation);
        const p = await client.proposal(escalation);
        check(p.state === "executed", `proposal ${escalation} is ${p.state}`);
        const received = (await balance()) - before;
        check(received === parseEther(DEMO.largePayment), `merchant received ${eth(received)}`);
        return `approved by ${owner1.address.slice(0, 10)}… and ${owner2.address.slice(0, 10)}…, executed; merchant received ${eth(received)}`;
      },
    },
    {
      title: "the guardian pauses the wallet; the agent tries to pay",
      expect: "paused at once by one guardian; the agent is refused (WalletPaused)",
      run: async () => {
        await owners(stack.guardian).pause();
        const info = await owners(owner1).info();
        check(info.paused, "the wallet is not paused");
        const before = await balance();
        await expectRefusal(
          () => agent.pay(merchant, DEMO.smallPayment),
          (e) => e instanceof WalletPausedError,
          "WalletPausedError",
        );
        check((await balance()) === before, "the merchant's balance changed while paused");
        return "paused; the agent's payment was refused: wallet is paused";
      },
    },
    {
      title:
        "the owners unpause: a loosening, queued for the admin delay; then the agent pays again",
      expect:
        "queued by 2 of 3 owners (any guardian could veto it); executing it early is refused (ProposalNotReady); " +
        "after the delay it executes; the agent pays",
      run: async () => {
        const client = owners(owner1, owner2);
        const queued = await client.unpause();
        check(
          queued.status === "queued" && queued.proposalId !== undefined && queued.eta !== undefined,
          `unpause: ${queued.status}`,
        );
        const id = queued.proposalId!;
        const early = (await expectRefusal(
          () => client.execute(id),
          (e) => e instanceof WalletError && e.errorName === "ProposalNotReady",
          "ProposalNotReady",
        )) as WalletError;
        check((await client.info()).paused, "unpaused before its eta");
        // A dev chain can skip ahead; on a real chain the owners would wait out the admin delay (24 h).
        const now = BigInt((await provider.getBlock("latest"))!.timestamp);
        const skip = Number(queued.eta! - now);
        await rpc(stack.chain.url, "evm_increaseTime", [skip]);
        await rpc(stack.chain.url, "evm_mine", []);
        const result = await client.execute(id);
        check(result.status === "executed", `unpause: ${result.status}`);
        check(!(await client.info()).paused, "still paused");
        const receipt = await (await agent.pay(merchant, DEMO.smallPayment)).wait();
        check(receipt.outcome === "executed", `agent payment after unpause: ${receipt.outcome}`);
        return (
          `unpause queued as proposal ${id}; early execution refused (${early.errorName}); dev chain time ` +
          `advanced ${skip} s (evm_increaseTime + evm_mine); unpaused; the agent paid ${DEMO.smallPayment} ETH again`
        );
      },
    },
  ];
}
