/**
 * Relayer benchmark: streams user ops from several SimpleAccount agents through the relayer to
 * a local Hardhat node mining a block every second, and reports throughput and latency.
 *
 *   npm run bench:relayer -- [--ops 1000] [--agents 10] [--concurrency 24] [--sqlite-sync full|normal] [--json]
 *
 * Latency is accept -> included as recorded by the relayer (ack time to the moment it saw the
 * op's UserOperationEvent in a mined bundle). Throughput is ops over the span from the first
 * acknowledgement to the last inclusion. With --json the last line is one JSON object.
 */
import { parseArgs } from "node:util";
import { startRelayer } from "../src/relayer/relayer.js";
import { minimumPreVerificationGas, type UserOperation } from "../src/relayer/userOp.js";
import {
  HARDHAT_KEYS,
  buildOp,
  call,
  createAccounts,
  rpcOp,
  signOp,
  simpleExecute,
  sleep,
  startChain,
  tempDir,
} from "../test/relayer/helpers.js";

const { values } = parseArgs({
  options: {
    ops: { type: "string", default: "1000" },
    agents: { type: "string", default: "10" },
    concurrency: { type: "string", default: "24" },
    "block-time": { type: "string", default: "1000" },
    json: { type: "boolean", default: false },
    // full (default, fsync per commit) or normal (survives process crashes, not power loss)
    "sqlite-sync": { type: "string", default: "full" },
  },
});
const totalOps = Number(values.ops);
const agentCount = Number(values.agents);
const concurrency = Number(values.concurrency);
const blockTimeMs = Number(values["block-time"]);
const say = (line: string) => {
  if (!values.json) console.log(line);
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const chain = await startChain();
  const relayerDir = tempDir("leash-bench-");
  let relayer: Awaited<ReturnType<typeof startRelayer>> | null = null;
  try {
    say(`chain up at ${chain.url}; deploying ${agentCount} SimpleAccount agents`);
    const agents = await createAccounts(chain, agentCount, 10n ** 19n);
    relayer = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: chain.entryPointAddress,
      db: `sqlite:${relayerDir}/bench.sqlite?synchronous=${values["sqlite-sync"]}`,
      signer: { privateKey: HARDHAT_KEYS[1] },
      port: 0,
      authRequired: false,
      logLevel: "warn",
      logSink: (line) => {
        if (!values.json) process.stderr.write(line + "\n");
      },
    });

    // Gas limits from the relayer's own estimate, applied to every op (same shape of call).
    const recipient = "0x000000000000000000000000000000000000bEEF";
    const template = await buildOp(chain, agents[0], {
      nonceKey: 1n,
      callData: simpleExecute(recipient, 1n, "0x"),
    });
    const estimate = (
      await call(relayer.url, "eth_estimateUserOperationGas", [
        rpcOp(template),
        chain.entryPointAddress,
      ])
    ).result as Record<string, string>;
    if (!estimate) throw new Error("estimate failed");
    say(`per-op limits from eth_estimateUserOperationGas: ${JSON.stringify(estimate)}`);

    // Sign everything up front so the measurement is the relayer, not the agents' signing.
    const block = await chain.provider.getBlock("latest");
    const maxFeePerGas = (block?.baseFeePerGas ?? 1_000_000_000n) * 4n + 2_000_000_000n;
    const ops: UserOperation[] = [];
    for (let i = 0; i < totalOps; i++) {
      const agent = agents[i % agentCount];
      const op: UserOperation = {
        ...template,
        sender: agent.address,
        nonce: BigInt(1_000 + i) << 64n, // each op on its own nonce lane: seq 0
        callGasLimit: BigInt(estimate.callGasLimit),
        verificationGasLimit: BigInt(estimate.verificationGasLimit),
        maxFeePerGas,
        maxPriorityFeePerGas: 1_000_000_000n,
      };
      op.preVerificationGas = minimumPreVerificationGas(op) + 1_000n;
      ops.push(signOp(chain, agent, op));
    }
    await chain.setIntervalMining(blockTimeMs);
    say(
      `streaming ${totalOps} ops from ${agentCount} agents (concurrency ${concurrency}, block time ${blockTimeMs} ms)`,
    );

    const hashes: string[] = [];
    const rejected: string[] = [];
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < ops.length) {
          const op = ops[next++];
          const response = await call(relayer!.url, "eth_sendUserOperation", [
            rpcOp(op),
            chain.entryPointAddress,
          ]);
          if (typeof response.result === "string") hashes.push(response.result);
          else rejected.push(JSON.stringify(response.error));
        }
      }),
    );
    const acceptedIn = Date.now() - started;
    say(`accepted ${hashes.length} ops in ${acceptedIn} ms (${rejected.length} rejected)`);

    type Status = {
      status: string;
      receivedAt: number;
      includedAt: number | null;
      transactionHash: string | null;
    };
    const final = new Map<string, Status>();
    const deadline = Date.now() + 120_000;
    while (final.size < hashes.length && Date.now() < deadline) {
      const open = hashes.filter((h) => !final.has(h));
      for (let i = 0; i < open.length; i += 50) {
        const batch = open.slice(i, i + 50).map((hash, j) => ({
          jsonrpc: "2.0",
          id: j,
          method: "leash_getUserOperationStatus",
          params: [hash],
        }));
        const response = (await (
          await fetch(relayer.url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(batch),
          })
        ).json()) as { id: number; result: Status | null }[];
        for (const item of response) {
          const status = item.result;
          if (status && ["included", "failed", "dropped"].includes(status.status))
            final.set(open[i + item.id], status);
        }
      }
      if (final.size < hashes.length) await sleep(250);
    }

    const statuses = [...final.values()];
    const included = statuses.filter((s) => s.status === "included");
    const latencies = included
      .map((s) => (s.includedAt as number) - s.receivedAt)
      .sort((a, b) => a - b);
    const firstAccept = Math.min(...statuses.map((s) => s.receivedAt));
    const lastInclusion = Math.max(...included.map((s) => s.includedAt as number));
    const spanSeconds = (lastInclusion - firstAccept) / 1000;
    const result = {
      ops: included.length,
      opsPerSecond: Number((included.length / spanSeconds).toFixed(1)),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      bundles: new Set(included.map((s) => s.transactionHash)).size,
      failed: totalOps - included.length,
    };
    say(
      `included ${result.ops}/${totalOps} in ${spanSeconds.toFixed(2)} s from first acknowledgement`,
    );
    say(
      `throughput ${result.opsPerSecond} ops/s, latency p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${result.bundles} bundles, ${result.failed} failed`,
    );
    if (rejected.length > 0) say(`first rejection: ${rejected[0]}`);
    if (values.json) console.log(JSON.stringify(result));
  } finally {
    await relayer?.close();
    await chain.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
