/**
 * Relayer benchmark: the same user-op workload through the Leash relayer and (with --vs-alto) Pimlico
 * Alto, each on a fresh anvil (npm @foundry-rs/anvil) with EntryPoint v0.8 at its canonical address.
 *
 *   npm run bench:relayer -- [--json] [--vs-alto] [--rounds 2] [--modes 1s,automine,burst]
 *                            [--ops 300] [--agents 10] [--concurrency 24] [--senders 5] [--burst 100] [--quick]
 *
 * Modes: `1s` (a block every second, ops streamed by `--concurrency` clients from `--agents` SimpleAccounts),
 * `automine` (a block per transaction, same stream) and `burst` (1 s blocks; each of `--senders` accounts
 * sends `--burst` ops at once, all outstanding together). Every op has its own nonce key, so none waits
 * for another.
 *
 * Both bundlers are measured the same way, from the outside: accepted = the client got the op hash back
 * from eth_sendUserOperation; included = the benchmark saw the block holding the op's UserOperationEvent
 * (anvil's newHeads subscription). Throughput is included ops over the span from the first request to the
 * last inclusion. With --vs-alto the rounds alternate (Leash, Alto, Leash, Alto, …) per mode, so machine
 * load hits both; ratios are Leash / Alto. CPU is the bundler process's user+system time during the
 * workload. Each op's gas limits come from the bundler under test's own eth_estimateUserOperationGas (what
 * a client does); fees are the same for both. With --json the last line of stdout is one JSON object.
 *
 * Diagnostics: LEASH_BENCH_CPU_PROF=<dir> runs the relayer under `node --cpu-prof`; LEASH_BENCH_LOG_LEVEL=info
 * with LEASH_BENCH_LOG_FILE=<file> keeps its log ("bundle signed" lines carry build time and phases).
 */
import { type ChildProcess } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Contract, Wallet } from "ethers";
import { CANONICAL_ENTRY_POINT_V08 } from "../deploy/deterministic.js";
import { installLocalPrerequisites } from "../deploy/localChain.js";
import { USER_OPERATION_EVENT_TOPIC } from "../src/relayer/abi.js";
import { type UserOperation } from "../src/relayer/userOp.js";
import { spawnTracked, stopTracked } from "../test/helpers/children.js";
import {
  ENTRY_POINT_ARTIFACT,
  deploySimpleAccountFactory,
  HARDHAT_KEYS,
  REPO_ROOT,
  buildOp,
  call,
  createAccounts,
  freePort,
  nodeProvider,
  relayerCliArgs,
  rawRpc,
  rpcOp,
  signOp,
  simpleExecute,
  sleep,
  tempDir,
  type TestChain,
} from "../test/relayer/helpers.js";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    "vs-alto": { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    modes: { type: "string", default: "1s,automine,burst" },
    ops: { type: "string" },
    agents: { type: "string" },
    concurrency: { type: "string" },
    senders: { type: "string" },
    burst: { type: "string" },
    "timeout-seconds": { type: "string", default: "180" },
  },
});

const quick = values.quick;
const num = (value: string | undefined, full: number, small: number) =>
  value !== undefined ? Number(value) : quick ? small : full;
const settings = {
  rounds: num(values.rounds, 2, 1),
  streamOps: num(values.ops, 300, 6),
  agents: num(values.agents, 10, 2),
  concurrency: num(values.concurrency, 24, 3),
  burstSenders: num(values.senders, 5, 2),
  burstSize: num(values.burst, 100, 3),
  timeoutMs: Number(values["timeout-seconds"]) * 1000,
};
const MODES = ["1s", "automine", "burst"] as const;
type Mode = (typeof MODES)[number];
const modes = values.modes.split(",").map((m) => m.trim()) as Mode[];
for (const mode of modes)
  if (!MODES.includes(mode)) throw new Error(`--modes: unknown mode ${mode} (${MODES.join(", ")})`);
type BundlerName = "leash" | "alto";
const bundlers: BundlerName[] = values["vs-alto"] ? ["leash", "alto"] : ["leash"];

const say = (line: string) => {
  if (!values.json) console.log(line);
  else process.stderr.write(line + "\n");
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// ---------------------------------------------------------------------------------------------- chain

interface Anvil {
  chain: TestChain;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function waitForRpc(url: string, method: string, child: ChildProcess, output: () => string) {
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${url} exited:\n${output()}`);
    try {
      await rawRpc(url, method);
      return;
    } catch (error) {
      if (i > 600) throw new Error(`${url} not up: ${String(error)}\n${output()}`);
      await sleep(100);
    }
  }
}

function spawnLogged(command: string, args: string[], env: Record<string, string> = {}) {
  const child = spawnTracked(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, NODE_NO_WARNINGS: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (c: Buffer) => (out = (out + c.toString()).slice(-2_000_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return { child, output: () => out };
}

/** A fresh anvil (automining while we set up), canonical EntryPoint v0.8, a SimpleAccount factory. */
async function startAnvil(): Promise<Anvil> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child, output } = spawnLogged(join(REPO_ROOT, "node_modules/.bin/anvil"), [
    "--port",
    String(port),
    "--host",
    "127.0.0.1",
    "--silent",
  ]);
  await waitForRpc(url, "eth_chainId", child, output);
  await installLocalPrerequisites(url, REPO_ROOT);
  const provider = nodeProvider(url, 50);
  const deployer = new Wallet(HARDHAT_KEYS[0], provider);
  const entryPoint = new Contract(CANONICAL_ENTRY_POINT_V08, ENTRY_POINT_ARTIFACT().abi, provider);
  const factory = await deploySimpleAccountFactory(deployer, CANONICAL_ENTRY_POINT_V08);
  const chain: TestChain = {
    url,
    port,
    provider,
    deployer,
    entryPoint,
    entryPointAddress: CANONICAL_ENTRY_POINT_V08,
    factory,
    chainId: (await provider.getNetwork()).chainId,
    async setIntervalMining(ms: number) {
      // anvil counts interval mining in seconds; 0 means automine.
      await rawRpc(url, "evm_setAutomine", [ms === 0]);
      if (ms > 0) await rawRpc(url, "evm_setIntervalMining", [Math.max(1, Math.round(ms / 1000))]);
    },
    async stop() {
      provider.destroy();
      await stopTracked(child, "SIGTERM", 3_000);
    },
  };
  return { chain, child, stop: () => chain.stop() };
}

// ------------------------------------------------------------------------------------------- bundlers

interface RunningBundler {
  url: string;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

/** The relayer as an operator runs it (its own process, SQLite, default settings); it follows the blocks itself. */
async function startLeash(chain: TestChain): Promise<RunningBundler> {
  const port = await freePort();
  const dir = tempDir("leash-bench-");
  const profile = process.env.LEASH_BENCH_CPU_PROF; // a directory: profile the relayer (node --cpu-prof)
  const { child, output } = spawnLogged(
    process.execPath,
    [
      ...(profile ? ["--cpu-prof", "--cpu-prof-dir", profile] : []),
      "--import",
      "tsx",
      join(REPO_ROOT, "src/relayer/main.ts"),
      ...relayerCliArgs(chain, port, `sqlite:${dir}/bench.sqlite`),
      "--no-auth",
      "--log-level",
      process.env.LEASH_BENCH_LOG_LEVEL ?? "warn",
    ],
    { LEASH_RELAYER_PRIVATE_KEY: HARDHAT_KEYS[1] },
  );
  const url = `http://127.0.0.1:${port}/`;
  await waitForRpc(url, "eth_chainId", child, output);
  return {
    url,
    pid: child.pid!,
    output,
    stop: async () => {
      await stopTracked(child, "SIGTERM", 10_000);
      // LEASH_BENCH_LOG_FILE: keep the relayer's log (with LEASH_BENCH_LOG_LEVEL=info: bundle timings).
      if (process.env.LEASH_BENCH_LOG_FILE)
        appendFileSync(process.env.LEASH_BENCH_LOG_FILE, output());
    },
  };
}

/**
 * Alto 0.0.20 as its README runs it on a dev chain, plus what this workload needs to be accepted at all:
 * `--safe-mode false` (anvil has no tracer for its ERC-7562 checks), `--mempool-max-parallel-ops` (100
 * outstanding ops per sender, default 10) and `--enforce-unique-senders-per-bundle false` (else it
 * bundles one op per sender; this only helps Alto), and the chain's block time.
 */
async function startAlto(chain: TestChain, blockTimeMs: number): Promise<RunningBundler> {
  const port = await freePort();
  const { child, output } = spawnLogged(join(REPO_ROOT, "node_modules/.bin/alto"), [
    "--entrypoints",
    chain.entryPointAddress,
    "--executor-private-keys",
    HARDHAT_KEYS[1],
    "--utility-private-key",
    HARDHAT_KEYS[2],
    "--rpc-url",
    chain.url,
    "--port",
    String(port),
    "--safe-mode",
    "false",
    "--mempool-max-parallel-ops",
    String(Math.max(200, settings.burstSize * 2)),
    "--enforce-unique-senders-per-bundle",
    "false",
    "--block-time",
    String(blockTimeMs || 1000),
    "--log-level",
    "warn",
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitForRpc(url, "eth_supportedEntryPoints", child, output);
  return { url, pid: child.pid!, output, stop: () => stopTracked(child, "SIGTERM", 10_000) };
}

/** User+system CPU seconds of a process (Linux /proc), 0 elsewhere. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ)
  } catch {
    return 0;
  }
}

// ------------------------------------------------------------------------------------ inclusion watch

interface Inclusion {
  seenAt: number;
  blockNumber: number;
  tx: string;
  success: boolean;
}

/**
 * Follows anvil's new heads over its WebSocket and records, for every UserOperationEvent of the
 * EntryPoint, when the block holding it was first seen. Bundler-agnostic, the same for both.
 */
async function watchInclusions(chain: TestChain) {
  const included = new Map<string, Inclusion>();
  const ws = new WebSocket(chain.url.replace(/^http/, "ws"));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error("anvil WebSocket failed")), { once: true });
  });
  let work = Promise.resolve();
  ws.addEventListener("message", (message) => {
    const seenAt = Date.now();
    const data = JSON.parse(String(message.data)) as {
      method?: string;
      params?: { result?: { hash: string; number: string } };
    };
    const head = data.method === "eth_subscription" ? data.params?.result : undefined;
    if (!head) return;
    work = work.then(async () => {
      const logs = (await rawRpc(chain.url, "eth_getLogs", [
        {
          blockHash: head.hash,
          address: chain.entryPointAddress,
          topics: [USER_OPERATION_EVENT_TOPIC],
        },
      ])) as { topics: string[]; data: string; transactionHash: string }[];
      for (const log of logs) {
        // UserOperationEvent data: nonce, success, actualGasCost, actualGasUsed
        const success = BigInt("0x" + log.data.slice(2 + 64, 2 + 128)) === 1n;
        included.set(log.topics[1].toLowerCase(), {
          seenAt,
          blockNumber: Number(BigInt(head.number)),
          tx: log.transactionHash,
          success,
        });
      }
    });
  });
  ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] }));
  return {
    included,
    close: async () => {
      ws.close();
      await work;
    },
  };
}

// -------------------------------------------------------------------------------------------- rounds

interface RoundResult {
  accepted: number;
  rejected: number;
  included: number;
  failedOnChain: number;
  spanMs: number;
  latencies: number[];
  bundles: number;
  /** Distinct blocks holding the ops, and how many blocks after the first request the last one came. */
  blocks: number;
  lastBlock: number;
  cpuSeconds: number;
  /** From the first request to the last answer. */
  acceptMs: number;
  firstRejection?: string;
}

async function runRound(mode: Mode, name: BundlerName): Promise<RoundResult> {
  const anvil = await startAnvil();
  const { chain } = anvil;
  let bundler: RunningBundler | null = null;
  try {
    const senders = mode === "burst" ? settings.burstSenders : settings.agents;
    const accounts = await createAccounts(chain, senders, 10n ** 20n);
    // Each account keeps an EntryPoint deposit far above what its ops cost, so no op's validation has to
    // top it up (a transfer that would add gas to some ops mid-run, past the limits estimated at the start).
    let nonce = await chain.provider.getTransactionCount(chain.deployer.address, "pending");
    const depositTo = chain.entryPoint.connect(chain.deployer).getFunction("depositTo");
    // Sent one after the other (a nonce must not reach the node before its predecessor), mined together.
    const deposits = [];
    for (const account of accounts) {
      deposits.push(
        (await depositTo(account.address, { value: 10n ** 18n, nonce: nonce++ })).wait(),
      );
    }
    await Promise.all(deposits);
    const blockTimeMs = mode === "automine" ? 0 : 1000;
    bundler = await (name === "leash" ? startLeash : startAlto)(chain, blockTimeMs);

    // Gas limits from the bundler's own estimate (what a client does), applied to every op.
    const recipient = "0x000000000000000000000000000000000000bEEF";
    const template = await buildOp(chain, accounts[0], {
      nonceKey: 1n,
      callData: simpleExecute(recipient, 1n, "0x"),
    });
    const estimated = await call(bundler.url, "eth_estimateUserOperationGas", [
      rpcOp(template),
      chain.entryPointAddress,
    ]);
    const estimate = estimated.result as Record<string, string> | undefined;
    if (!estimate)
      throw new Error(`${name}: estimate failed ${JSON.stringify(estimated.error)}
${bundler.output()}`);

    // Sign everything up front so the measurement is the bundler, not the clients' signing.
    const block = await chain.provider.getBlock("latest");
    const maxFeePerGas = (block?.baseFeePerGas ?? 1_000_000_000n) * 4n + 2_000_000_000n;
    const total =
      mode === "burst" ? settings.burstSenders * settings.burstSize : settings.streamOps;
    const ops: UserOperation[] = [];
    for (let i = 0; i < total; i++) {
      const account =
        mode === "burst" ? accounts[Math.floor(i / settings.burstSize)] : accounts[i % senders];
      const op: UserOperation = {
        ...template,
        sender: account.address,
        nonce: BigInt(1_000 + i) << 64n, // each op on its own nonce key: seq 0
        callGasLimit: BigInt(estimate.callGasLimit),
        verificationGasLimit: BigInt(estimate.verificationGasLimit),
        preVerificationGas: BigInt(estimate.preVerificationGas),
        maxFeePerGas,
        maxPriorityFeePerGas: 1_000_000_000n,
      };
      ops.push(signOp(chain, account, op));
    }
    // Read before interval mining starts, so it doesn't shift the block phase against `started`.
    const startBlock = await chain.provider.getBlockNumber();
    await chain.setIntervalMining(blockTimeMs);
    const watch = await watchInclusions(chain);
    const acceptedAt = new Map<string, number>();
    const rejected: string[] = [];
    const cpuBefore = cpuSeconds(bundler.pid);
    const started = Date.now();
    const send = async (op: UserOperation) => {
      let response: Awaited<ReturnType<typeof call>>;
      try {
        response = await call(bundler!.url, "eth_sendUserOperation", [
          rpcOp(op),
          chain.entryPointAddress,
        ]);
      } catch (error) {
        rejected.push(`request failed: ${(error as Error).message}`);
        return;
      }
      if (typeof response.result === "string")
        acceptedAt.set(response.result.toLowerCase(), Date.now());
      else rejected.push(JSON.stringify(response.error));
    };
    if (mode === "burst") {
      await Promise.all(ops.map(send));
    } else {
      let next = 0;
      await Promise.all(
        Array.from({ length: settings.concurrency }, async () => {
          while (next < ops.length) await send(ops[next++]);
        }),
      );
    }
    const acceptMs = Date.now() - started;
    const deadline = Date.now() + settings.timeoutMs;
    const done = () => [...acceptedAt.keys()].every((hash) => watch.included.has(hash));
    while (!done() && Date.now() < deadline) await sleep(50);
    const cpu = cpuSeconds(bundler.pid) - cpuBefore;
    await watch.close();

    const mine = [...acceptedAt.entries()].flatMap(([hash, at]) => {
      const inclusion = watch.included.get(hash);
      return inclusion ? [{ at, ...inclusion }] : [];
    });
    const succeeded = mine.filter((m) => m.success);
    return {
      accepted: acceptedAt.size,
      rejected: rejected.length,
      included: succeeded.length,
      failedOnChain: mine.length - succeeded.length,
      spanMs: succeeded.length ? Math.max(...succeeded.map((m) => m.seenAt)) - started : 0,
      latencies: succeeded.map((m) => m.seenAt - m.at),
      bundles: new Set(mine.map((m) => m.tx)).size,
      blocks: new Set(mine.map((m) => m.blockNumber)).size,
      lastBlock: mine.length ? Math.max(...mine.map((m) => m.blockNumber)) - startBlock : 0,
      cpuSeconds: cpu,
      acceptMs,
      firstRejection: rejected[0],
    };
  } finally {
    await bundler?.stop();
    await anvil.stop();
  }
}

interface Summary {
  ops: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  bundles: number;
  rejected: number;
  notIncluded: number;
  cpuSeconds: number;
  rounds: number;
}

function summarize(rounds: RoundResult[]): Summary {
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const ops = rounds.reduce((s, r) => s + r.included, 0);
  const span = rounds.reduce((s, r) => s + r.spanMs, 0) / 1000;
  return {
    ops,
    opsPerSecond: span > 0 ? Number((ops / span).toFixed(1)) : 0,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    bundles: rounds.reduce((s, r) => s + r.bundles, 0),
    rejected: rounds.reduce((s, r) => s + r.rejected, 0),
    notIncluded: rounds.reduce((s, r) => s + (r.accepted - r.included), 0),
    cpuSeconds: Number(rounds.reduce((s, r) => s + r.cpuSeconds, 0).toFixed(2)),
    rounds: rounds.length,
  };
}

async function main(): Promise<void> {
  const output: Record<string, Record<string, unknown>> = {};
  for (const mode of modes) {
    const results: Record<BundlerName, RoundResult[]> = { leash: [], alto: [] };
    for (let round = 1; round <= settings.rounds; round++) {
      for (const name of bundlers) {
        const result = await runRound(mode, name);
        results[name].push(result);
        say(
          `${mode} round ${round} ${name}: ${result.included}/${result.accepted} included ` +
            `(${result.rejected} rejected) in ${result.spanMs} ms (accepted in ${result.acceptMs} ms), ${result.bundles} bundles ` +
            `in ${result.blocks} blocks (last ${result.lastBlock} blocks after the start), ` +
            `p50 ${percentile(
              [...result.latencies].sort((a, b) => a - b),
              50,
            )} ms, cpu ${result.cpuSeconds.toFixed(2)} s` +
            (result.firstRejection ? `; first rejection ${result.firstRejection}` : ""),
        );
      }
    }
    const entry: Record<string, unknown> = {};
    for (const name of bundlers) entry[name] = summarize(results[name]);
    if (values["vs-alto"]) {
      const leash = entry.leash as Summary;
      const alto = entry.alto as Summary;
      const ratio = (a: number, b: number) => (b > 0 ? Number((a / b).toFixed(2)) : null);
      entry.ratios = {
        opsPerSecond: ratio(leash.opsPerSecond, alto.opsPerSecond),
        p50: ratio(leash.p50Ms, alto.p50Ms),
        p99: ratio(leash.p99Ms, alto.p99Ms),
        cpuPerOp: ratio(leash.cpuSeconds / leash.ops, alto.cpuSeconds / alto.ops),
      };
    }
    output[mode] = entry;
    for (const name of bundlers) {
      const s = entry[name] as Summary;
      say(
        `${mode.padEnd(8)} ${name.padEnd(5)} ${s.opsPerSecond} ops/s, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, ` +
          `${s.bundles} bundles, ${s.ops} ops, ${s.rejected} rejected, ${s.notIncluded} not included, cpu ${s.cpuSeconds} s`,
      );
    }
    if (entry.ratios) say(`${mode.padEnd(8)} leash/alto ${JSON.stringify(entry.ratios)}`);
  }
  if (values.json) console.log(JSON.stringify({ settings, modes: output }));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
