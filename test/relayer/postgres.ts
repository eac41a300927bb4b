/**
 * Two relayer instances, each with its own signer, sharing one PostgreSQL queue under load:
 * every acknowledged op is included exactly once, both signers keep contiguous nonces, and the
 * shared audit chain stays valid under concurrent appends.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { USER_OPERATION_EVENT_TOPIC } from "../../src/relayer/abi.js";
import { verifyAuditLog } from "../../src/relayer/audit.js";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import {
  HARDHAT_KEYS,
  buildOp,
  call,
  createAccounts,
  rpcOp,
  sleep,
  startChain,
  startPostgres,
  type TestChain,
  type TestPostgres,
} from "./helpers.js";

describe("relayer on PostgreSQL with two instances", function () {
  this.timeout(180_000);
  let chain: TestChain;
  let postgres: TestPostgres;
  const relayers: RunningRelayer[] = [];

  before(async () => {
    [chain, postgres] = await Promise.all([startChain(), startPostgres()]);
  });

  after(async () => {
    for (const relayer of relayers) await relayer.close();
    await chain?.stop();
    await postgres?.stop();
  });

  it("shares one queue: no op lost or sent twice, each signer's nonces contiguous", async () => {
    const accounts = await createAccounts(chain, 6);
    await chain.setIntervalMining(500);
    for (const key of [HARDHAT_KEYS[1], HARDHAT_KEYS[2]]) {
      relayers.push(
        await startRelayer({
          rpcUrl: chain.url,
          entryPoint: chain.entryPointAddress,
          db: postgres.url,
          signer: { privateKey: key },
          port: 0,
          authRequired: false,
          // Small bundles so both instances get work.
          bundler: { maxOpsPerBundle: 8 },
          logSink: () => {},
        }),
      );
    }
    const acknowledged: string[] = [];
    let lane = 1n;
    const total = 120;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const op = await buildOp(chain, accounts[i % accounts.length], { nonceKey: lane++ });
        const relayer = relayers[i % 2];
        const response = await call(relayer.url, "eth_sendUserOperation", [
          rpcOp(op),
          chain.entryPointAddress,
        ]);
        expect(response.error, JSON.stringify(response.error)).to.equal(undefined);
        acknowledged.push(response.result as string);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    expect(acknowledged.length).to.equal(total);

    const deadline = Date.now() + 90_000;
    let statuses: { status: string; transactionHash: string | null }[] = [];
    for (;;) {
      statuses = await Promise.all(
        acknowledged.map(async (hash, i) => {
          const response = await call(relayers[(i + 1) % 2].url, "leash_getUserOperationStatus", [
            hash,
          ]);
          return response.result as { status: string; transactionHash: string | null };
        }),
      );
      if (statuses.every((s) => s.status === "included")) break;
      if (Date.now() > deadline)
        throw new Error(
          `not all included: ${JSON.stringify(statuses.filter((s) => s.status !== "included").slice(0, 3))}`,
        );
      await sleep(300);
    }

    const logs = (await chain.provider.send("eth_getLogs", [
      {
        address: chain.entryPointAddress,
        topics: [USER_OPERATION_EVENT_TOPIC],
        fromBlock: "0x0",
        toBlock: "latest",
      },
    ])) as { topics: string[] }[];
    const counts = new Map<string, number>();
    for (const log of logs)
      counts.set(log.topics[1].toLowerCase(), (counts.get(log.topics[1].toLowerCase()) ?? 0) + 1);
    for (const hash of acknowledged) expect(counts.get(hash), hash).to.equal(1);

    const bundlers = new Set<string>();
    for (const hash of acknowledged) {
      const record = await relayers[0].store.getOp(hash);
      bundlers.add(record!.bundleSigner!);
    }
    expect(bundlers.size, "both instances bundled ops").to.equal(2);

    for (const key of [HARDHAT_KEYS[1], HARDHAT_KEYS[2]]) {
      const signer = new Wallet(key).address;
      const latest = await chain.provider.getTransactionCount(signer, "latest");
      expect(await chain.provider.getTransactionCount(signer, "pending")).to.equal(latest);
      expect(await relayers[0].store.getSignerNonce(signer)).to.equal(latest);
      for (let nonce = 0; nonce < latest; nonce++) {
        const mined = (await relayers[0].store.listTransactions(signer, nonce)).filter(
          (t) => t.status === "mined",
        );
        expect(mined.length, `${signer} nonce ${nonce}`).to.equal(1);
      }
    }
    const audit = await verifyAuditLog(relayers[0].store);
    expect(audit.ok, JSON.stringify(audit)).to.equal(true);
  });
});
