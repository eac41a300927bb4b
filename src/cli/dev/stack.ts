/**
 * `leash dev`: a local chain, the contracts deployed through Ignition, a demo wallet (2-of-3
 * owners, a guardian, one agent with a policy), the relayer on SQLite, and the state a user needs
 * to drive the same wallet by hand with the CLI, all under the state directory (`.leash/`).
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
} from "../../client/index.js";
import { createApiKey } from "../../relayer/auth/apiKeys.js";
import { startRelayer, type RunningRelayer } from "../../relayer/relayer.js";
import { IAgentWallet__factory } from "../../../typechain-types/index.js";
import { CliError } from "../errors.js";
import type { FileConfig } from "../config.js";
import { saveKeystore } from "../keystore.js";
import { freePort, rpc, startLocalChain, type LocalChain } from "./chain.js";
import { deployLocalStack, type StackAddresses } from "./deploy.js";
import { check, StepFailure, type SceneStep } from "./scene.js";

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
}

export interface DevStack {
  chain: LocalChain;
  relayer: RunningRelayer;
  provider: JsonRpcProvider;
  addresses: StackAddresses;
  wallet: string;
  owners: Wallet[];
  guardian: Wallet;
  agent: Wallet;
  merchant: string;
  apiKey: string;
  apiKeyId: string;
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
  const release = claimStateDir(stateDir);
  // The chain is new on every run, so is everything that refers to it.
  for (const stale of [
    "keys",
    "ignition",
    "relayer.sqlite",
    "relayer.sqlite-wal",
    "relayer.sqlite-shm",
    "config.json",
  ])
    rmSync(join(stateDir, stale), { recursive: true, force: true });

  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
    release();
  };
  try {
    const chainPort = await portOrFree(options.chainPort, 8545);
    const chain = await progress(
      "starting the local chain (hardhat node)",
      () => startLocalChain({ projectRoot, logFile: join(stateDir, "chain.log"), port: chainPort }),
      (c) => `local chain at ${c.url}`,
    );
    cleanups.push(() => chain.stop());

    const addresses = await progress(
      "deploying EntryPoint v0.8, the wallet implementation and factory (Ignition: deploy/modules/LeashLocal.ts)",
      () => deployLocalStack({ projectRoot, stateDir, rpcUrl: chain.url }),
      (a) => `deployed: factory ${a.factory}`,
    );

    const provider = new JsonRpcProvider(chain.url, undefined, {
      staticNetwork: true,
      pollingInterval: 100,
      cacheTimeout: -1,
    });
    cleanups.push(async () => provider.destroy());
    const deployer = new Wallet(HARDHAT_DEPLOYER_KEY, provider);
    const owners = [0, 1, 2].map(() => new Wallet(Wallet.createRandom().privateKey, provider));
    const guardian = new Wallet(Wallet.createRandom().privateKey, provider);
    const agent = new Wallet(Wallet.createRandom().privateKey, provider);
    const merchant = Wallet.createRandom().address;

    const { address: wallet } = await progress(
      "creating the demo wallet: 2-of-3 owners, a guardian, one agent with a policy",
      async () => {
        const created = await OwnerClient.createWallet(deployer, {
          factory: addresses.factory,
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
        return created;
      },
      (c) => `wallet ${c.address}`,
    );

    const relayerPort = await portOrFree(options.relayerPort, 4337);
    const relayerLog = createWriteStream(join(stateDir, "relayer.log"), { flags: "w" });
    cleanups.push(() => new Promise<void>((r) => relayerLog.end(r)));
    const relayer = await progress(
      "starting the relayer (SQLite)",
      () =>
        startRelayer({
          rpcUrl: chain.url,
          entryPoint: addresses.entryPoint,
          db: `sqlite:${join(stateDir, "relayer.sqlite")}`,
          signer: { privateKey: HARDHAT_RELAYER_KEY },
          port: relayerPort,
          authRequired: true,
          walletErrorAbi: IAgentWallet__factory.abi as unknown as InterfaceAbi,
          logSink: (line) => relayerLog.write(line + "\n"),
        }),
      (r) => `relayer at ${r.url}`,
    );
    cleanups.push(() => relayer.close());

    const { key: apiKey, info } = await createApiKey(relayer.store, {
      sender: wallet,
      scopes: ["send", "read"],
      label: "leash dev agent",
    });

    const keyFiles: Record<string, string> = {};
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

    const config: FileConfig & Record<string, unknown> = {
      _note:
        "Written by `leash dev`: throwaway keys for a local chain (keystore password: leash-dev). Rewritten on every run.",
      rpcUrl: chain.url,
      relayerUrl: relayer.url,
      entryPoint: addresses.entryPoint,
      factory: addresses.factory,
      wallet,
      db: "sqlite:relayer.sqlite",
      keystore: keyFiles.owner1,
      agentKeystore: keyFiles.agent,
      keys: keyFiles,
      // Dev only: the agent's API key sits here (mode 0600) so `leash pay` works by hand.
      // Elsewhere use LEASH_API_KEY.
      apiKey,
      demo: {
        merchant,
        owners: owners.map((o) => o.address),
        guardian: guardian.address,
        agent: agent.address,
      },
    };
    const configPath = join(stateDir, "config.json");
    writeFileSync(configPath, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });

    return {
      chain,
      relayer,
      provider,
      addresses,
      wallet,
      owners,
      guardian,
      agent,
      merchant,
      apiKey,
      apiKeyId: info.id,
      configPath,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
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
      title: `the owners unpause after the minimum pause (${DEMO.minPauseDuration / 3600} h), then the agent pays again`,
      expect:
        "refused before the minimum duration (WalletPauseTooShort); after it, unpaused by 2 of 3 owners; the agent pays",
      run: async () => {
        const client = owners(owner1, owner2);
        const early = (await expectRefusal(
          () => client.unpause(),
          (e) => e instanceof WalletError && e.errorName === "WalletPauseTooShort",
          "WalletPauseTooShort",
        )) as WalletError;
        // A dev chain can skip ahead; on a real chain the owners would wait the hour.
        await rpc(stack.chain.url, "evm_increaseTime", [DEMO.minPauseDuration]);
        await rpc(stack.chain.url, "evm_mine", []);
        const result = await client.unpause();
        check(result.status === "executed", `unpause: ${result.status}`);
        check(!(await client.info()).paused, "still paused");
        const receipt = await (await agent.pay(merchant, DEMO.smallPayment)).wait();
        check(receipt.outcome === "executed", `agent payment after unpause: ${receipt.outcome}`);
        return (
          `early unpause refused (${early.errorName}); dev chain time advanced ${DEMO.minPauseDuration} s ` +
          `(evm_increaseTime + evm_mine); unpaused; the agent paid ${DEMO.smallPayment} ETH again`
        );
      },
    },
  ];
}
