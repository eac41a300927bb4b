/**
 * Crash safety. A relayer process is SIGKILLed at random moments while agents stream ops, and
 * restarted, repeatedly; separately the node disappears for seconds mid-stream. Afterwards every
 * acknowledged op must be included exactly once or reported failed/dropped with a reason, and
 * the signer's nonces must have no gap and no reuse.
 */
import { expect } from "chai";
import { USER_OPERATION_EVENT_TOPIC } from "../../src/relayer/abi.js";
import { startRelayer } from "../../src/relayer/relayer.js";
import { openStore } from "../../src/relayer/store/index.js";
import type { RelayerStore } from "../../src/relayer/store/types.js";
import {
  HARDHAT_KEYS,
  buildOp,
  call,
  createAccounts,
  freePort,
  rpcOp,
  sleep,
  relayerCliArgs,
  spawnRelayer,
  startChain,
  startNodeProxy,
  startPostgres,
  tempDir,
  type TestAccount,
  type TestChain,
} from "./helpers.js";

/** Streams ops from several accounts, each on its own nonce lane; records which were acknowledged. */
class OpStream {
  readonly acknowledged: string[] = [];
  readonly errors: string[] = [];
  private running = false;
  private done: Promise<void> | null = null;
  private lane = 1_000n;
  url = "";

  constructor(
    private readonly chain: TestChain,
    private readonly accounts: TestAccount[],
    private readonly concurrency = 4,
  ) {}

  start(): void {
    this.running = true;
    this.done = Promise.all(
      Array.from({ length: this.concurrency }, (_, i) => this.worker(i)),
    ).then(() => {});
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  /** Resolves once `count` more ops have been acknowledged; fails after `timeoutMs` with the context. */
  async waitForMore(count: number, timeoutMs: number, context: () => string): Promise<void> {
    const target = this.acknowledged.length + count;
    const deadline = Date.now() + timeoutMs;
    while (this.acknowledged.length < target) {
      if (Date.now() > deadline)
        throw new Error(
          `no op acknowledged in ${timeoutMs} ms; errors: ${this.errors.join("\n")}\n${context().slice(-3000)}`,
        );
      await sleep(50);
    }
  }

  private async worker(index: number): Promise<void> {
    let n = 0;
    while (this.running) {
      const account = this.accounts[(index + n++) % this.accounts.length];
      try {
        const op = await buildOp(this.chain, account, { nonceKey: this.lane++ });
        const response = await call(this.url, "eth_sendUserOperation", [
          rpcOp(op),
          this.chain.entryPointAddress,
        ]);
        if (typeof response.result === "string") this.acknowledged.push(response.result);
        else if (this.errors.length < 20) this.errors.push(JSON.stringify(response.error));
      } catch (error) {
        if (this.errors.length < 20 && this.url && !String(error).includes("fetch failed"))
          this.errors.push(String(error));
        // relayer down (killed) or node unreachable from the test: not acknowledged, move on
        await sleep(50);
      }
    }
  }
}

async function waitAllFinal(
  url: string,
  hashes: string[],
  timeoutMs: number,
): Promise<Map<string, { status: string; reason: string | null }>> {
  const deadline = Date.now() + timeoutMs;
  const final = new Map<string, { status: string; reason: string | null }>();
  while (final.size < hashes.length) {
    for (const hash of hashes) {
      if (final.has(hash)) continue;
      const response = await call(url, "leash_getUserOperationStatus", [hash]);
      const status = response.result as { status: string; reason: string | null } | null;
      if (status && ["included", "failed", "dropped"].includes(status.status))
        final.set(hash, status);
    }
    if (final.size < hashes.length) {
      if (Date.now() > deadline)
        throw new Error(`${hashes.length - final.size} ops not final in time`);
      await sleep(200);
    }
  }
  return final;
}

/** Exactly-once inclusion and nonce continuity, checked against the chain itself. */
async function assertInvariants(
  chain: TestChain,
  store: RelayerStore,
  signer: string,
  final: Map<string, { status: string; reason: string | null }>,
) {
  const logs = (await chain.provider.send("eth_getLogs", [
    {
      address: chain.entryPointAddress,
      topics: [USER_OPERATION_EVENT_TOPIC],
      fromBlock: "0x0",
      toBlock: "latest",
    },
  ])) as { topics: string[]; transactionHash: string }[];
  const events = new Map<string, number>();
  for (const log of logs)
    events.set(log.topics[1].toLowerCase(), (events.get(log.topics[1].toLowerCase()) ?? 0) + 1);
  for (const [hash, { status, reason }] of final) {
    const count = events.get(hash) ?? 0;
    if (status === "included") expect(count, `included op ${hash}`).to.equal(1);
    else if (status === "dropped") {
      expect(count, `dropped op ${hash}`).to.equal(0);
      expect(reason, `dropped op ${hash} reason`).to.be.a("string").and.not.equal("");
    } else {
      expect(count, `failed op ${hash}`).to.be.at.most(1);
      expect(reason, `failed op ${hash} reason`).to.be.a("string").and.not.equal("");
    }
  }
  const latest = await chain.provider.getTransactionCount(signer, "latest");
  const pending = await chain.provider.getTransactionCount(signer, "pending");
  expect(pending, "nothing left pending").to.equal(latest);
  expect(await store.getSignerNonce(signer), "stored next nonce matches the chain").to.equal(
    latest,
  );
  for (let nonce = 0; nonce < latest; nonce++) {
    const attempts = await store.listTransactions(signer, nonce);
    const mined = attempts.filter((t) => t.status === "mined");
    expect(mined.length, `nonce ${nonce} mined exactly once in the store`).to.equal(1);
    const onChain = await chain.provider.getTransaction(mined[0].hash);
    expect(onChain?.nonce, `nonce ${nonce} on chain`).to.equal(nonce);
  }
  expect(await store.listPendingTransactions(signer)).to.deep.equal([]);
}

describe("relayer crash safety", function () {
  // Generous: every wait is bounded by progress, and a loaded machine only makes progress slower.
  this.timeout(900_000);

  async function crashLoop(
    db: (dir: string) => Promise<{ url: string; stop(): Promise<void> }>,
    rounds: number,
  ) {
    const chain = await startChain();
    const accounts = await createAccounts(chain, 4);
    await chain.setIntervalMining(400);
    const database = await db(tempDir());
    const port = await freePort();
    const signerKey = HARDHAT_KEYS[3];
    const args = [...relayerCliArgs(chain, port, database.url), "--no-auth"];
    const env = { LEASH_RELAYER_PRIVATE_KEY: signerKey };
    const stream = new OpStream(chain, accounts);
    let outputs = "";
    let last: Awaited<ReturnType<typeof spawnRelayer>> | null = null;
    try {
      stream.start();
      for (let round = 0; round <= rounds; round++) {
        const relayer = await spawnRelayer(args, env);
        last = relayer;
        stream.url = relayer.url;
        // Progress, not time, decides when to strike (a loaded machine only makes each round longer): once this
        // instance has acknowledged an op, SIGKILL it at a random moment of its work.
        await stream.waitForMore(1, 120_000, () => relayer.output());
        if (round === rounds) break;
        await sleep(Math.floor(Math.random() * 700));
        await relayer.kill("SIGKILL");
        outputs += relayer.output();
      }
      await stream.stop();
      const acknowledged = [...stream.acknowledged];
      // Every instance, killed or not, acknowledged at least one op.
      expect(acknowledged.length).to.be.at.least(rounds + 1);
      const final = await waitAllFinal(last!.url, acknowledged, 180_000);
      const signer = new (await import("ethers")).Wallet(signerKey).address;
      const store = await openStore(database.url);
      try {
        await assertInvariants(chain, store, signer, final);
        // Every acknowledged op is valid (own nonce lane, funded account): a crash may delay it, never lose it.
        const notIncluded = [...final].filter(([, s]) => s.status !== "included");
        expect(notIncluded, "acknowledged ops not included").to.deep.equal([]);
      } finally {
        await store.close();
      }
      // Graceful shutdown: SIGTERM finishes in-flight work and exits cleanly.
      expect(await last!.kill("SIGTERM")).to.equal(0);
      outputs += last!.output();
      expect(last!.output()).to.include('"msg":"stopped"');
      expect(outputs.toLowerCase()).not.to.include(signerKey.slice(2).toLowerCase());
    } finally {
      await stream.stop();
      await last?.kill("SIGKILL");
      await chain.stop();
      await database.stop();
    }
  }

  it("survives 10 SIGKILLs at random points mid-stream (SQLite): every acknowledged op final exactly once, no nonce gap", async () => {
    await crashLoop(
      async (dir) => ({ url: `sqlite:${dir}/crash.sqlite`, stop: async () => {} }),
      10,
    );
  });

  it("survives 10 SIGKILLs at random points mid-stream (PostgreSQL): same guarantees", async () => {
    await crashLoop(() => startPostgres(), 10);
  });

  it("keeps accepting ops while the node is unreachable for seconds, then includes them exactly once", async () => {
    const chain = await startChain();
    const accounts = await createAccounts(chain, 3);
    await chain.setIntervalMining(400);
    const proxy = await startNodeProxy(chain.port);
    const outageLogs: string[] = [];
    const relayer = await startRelayer({
      rpcUrl: proxy.url,
      entryPoint: chain.entryPointAddress,
      db: `sqlite:${tempDir()}/outage.sqlite`,
      signer: { privateKey: HARDHAT_KEYS[4] },
      port: 0,
      authRequired: false,
      rpcTimeoutMs: 2_000,
      logSink: (line) => outageLogs.push(line),
    });
    const stream = new OpStream(chain, accounts, 3);
    stream.url = relayer.url;
    try {
      stream.start();
      await stream.waitForMore(3, 120_000, () => outageLogs.slice(-40).join("\n"));
      await proxy.cut();
      const health = await fetch(new URL("/health", relayer.url));
      expect(health.status, "health reports the node down").to.equal(503);
      // Calls that need the node answer with the retryable -32003 instead of hanging.
      const estimate = await call(relayer.url, "eth_estimateUserOperationGas", [
        rpcOp(await buildOp(chain, accounts[0], { nonceKey: 1n })),
        chain.entryPointAddress,
      ]);
      expect(estimate.error?.code).to.equal(-32003);
      expect((estimate.error?.data as { retryable: boolean }).retryable).to.equal(true);
      expect((await call(relayer.url, "eth_blockNumber")).error?.code).to.equal(-32003);
      // The node stays down for seconds and until ops were acknowledged during the outage (a loaded machine
      // only makes that take longer).
      await sleep(4_000);
      await stream.waitForMore(3, 120_000, () => outageLogs.slice(-40).join("\n"));
      await proxy.restore();
      await stream.waitForMore(3, 120_000, () => outageLogs.slice(-40).join("\n"));
      await stream.stop();
      const final = await waitAllFinal(relayer.url, stream.acknowledged, 180_000).catch(
        (error: Error) => {
          throw new Error(`${error.message}\n${outageLogs.slice(-40).join("\n")}`);
        },
      );
      const signer = new (await import("ethers")).Wallet(HARDHAT_KEYS[4]).address;
      await assertInvariants(chain, relayer.store, signer, final);
      const included = [...final.values()].filter((s) => s.status === "included").length;
      expect(included).to.equal(stream.acknowledged.length);
      // Ops acknowledged during the outage were queued unsimulated and simulated later.
      const audit = await relayer.store.readAudit(0, 100_000);
      const unsimulated = audit.filter(
        (r) => r.event === "accepted" && JSON.parse(r.detailJson).simulated === false,
      );
      expect(unsimulated.length).to.be.greaterThan(0);
    } finally {
      await stream.stop();
      await relayer.close();
      await proxy.close();
      await chain.stop();
    }
  });
});
