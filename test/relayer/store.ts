/**
 * The RelayerStore contract, run identically against SQLite and PostgreSQL: op lifecycle,
 * leasing, bundle bookkeeping, signer nonces, API keys, and the hash-chained audit log.
 */
import { DatabaseSync } from "node:sqlite";
import { expect } from "chai";
import pg from "pg";
import { verifyAuditLog } from "../../src/relayer/audit.js";
import { openStore } from "../../src/relayer/store/index.js";
import type { NewOpRecord, RelayerStore } from "../../src/relayer/store/types.js";
import { startPostgres, tempDir, type TestPostgres } from "./helpers.js";

const SIGNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const EP = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

function op(i: number, sender = "0x000000000000000000000000000000000000a11c"): NewOpRecord {
  return {
    hash: "0x" + i.toString(16).padStart(64, "0"),
    entryPoint: EP,
    sender,
    nonce: "0x" + i.toString(16),
    opJson: JSON.stringify({ i }),
    needsSimulation: false,
    apiKeyId: null,
    agent: null,
    receivedAt: 1_000 + i,
  };
}

const audit = (o: NewOpRecord) => ({
  event: "accepted",
  opHash: o.hash,
  sender: o.sender,
  detail: { i: o.nonce },
});

interface Backend {
  name: string;
  open(): Promise<RelayerStore>;
  /** Raw SQL against the same database, to simulate an attacker editing rows. */
  tamper(sql: string): Promise<void>;
  stop(): Promise<void>;
}

async function sqliteBackend(): Promise<Backend> {
  const path = `${tempDir()}/store.sqlite`;
  return {
    name: "sqlite",
    open: () => openStore(`sqlite:${path}`),
    tamper: async (sql) => {
      const db = new DatabaseSync(path);
      db.exec(sql);
      db.close();
    },
    stop: async () => {},
  };
}

async function postgresBackend(): Promise<Backend> {
  const server: TestPostgres = await startPostgres();
  return {
    name: "postgres",
    open: () => openStore(server.url),
    tamper: async (sql) => {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      await client.query(sql);
      await client.end();
    },
    stop: () => server.stop(),
  };
}

for (const makeBackend of [sqliteBackend, postgresBackend]) {
  describe(`relayer store (${makeBackend === sqliteBackend ? "sqlite" : "postgres"})`, function () {
    this.timeout(60_000);
    let backend: Backend;
    let store: RelayerStore;

    before(async () => {
      backend = await makeBackend();
      store = await backend.open();
    });
    after(async () => {
      await store?.close();
      await backend?.stop();
    });

    it("persists an op with its audit row and refuses duplicates", async () => {
      expect(await store.insertOp(op(1), audit(op(1)))).to.equal("inserted");
      expect(await store.insertOp(op(1), audit(op(1)))).to.equal("duplicate-hash");
      const sameNonce = { ...op(1), hash: "0x" + "ee".repeat(32) };
      expect(await store.insertOp(sameNonce, audit(sameNonce))).to.equal("duplicate-nonce");
      const record = await store.getOp(op(1).hash);
      expect(record).to.deep.include({ status: "received", sender: op(1).sender, attempts: 0 });
      expect((await store.countOpsByStatus()).received).to.equal(1);
    });

    it("leases each op to one owner at a time; an expired lease can be taken over", async () => {
      for (let i = 2; i <= 10; i++) await store.insertOp(op(i), audit(op(i)));
      const now = 50_000;
      const [a, b] = await Promise.all([
        store.leaseOps("A", EP, 5, 1_000, now),
        store.leaseOps("B", EP, 5, 1_000, now),
      ]);
      const hashesA = new Set(a.map((r) => r.hash));
      expect(b.filter((r) => hashesA.has(r.hash))).to.deep.equal([]);
      expect(a.length + b.length).to.equal(10);
      expect(await store.leaseOps("C", EP, 10, 1_000, now + 10)).to.deep.equal([]);
      const takenOver = await store.leaseOps("C", EP, 10, 1_000, now + 2_000);
      expect(takenOver.length).to.equal(10);
      await store.releaseOps(
        "C",
        takenOver.map((r) => r.hash),
      );
    });

    it("records a bundle atomically: ops submitted, signer nonce advanced; refuses ops it does not hold", async () => {
      const leased = await store.leaseOps("A", EP, 3, 10_000, 100_000);
      const tx = {
        hash: "0x" + "aa".repeat(32),
        signer: SIGNER,
        nonce: 7,
        raw: "0x02",
        maxFeePerGas: "10",
        maxPriorityFeePerGas: "1",
        gasLimit: "100000",
        attempt: 1,
        createdAt: 100_001,
        opCount: 3,
      };
      await store.recordBundleTransaction(
        tx,
        leased.map((r) => r.hash),
        "A",
      );
      expect(await store.getSignerNonce(SIGNER)).to.equal(8);
      expect((await store.getBundleOps(SIGNER, 7)).length).to.equal(3);
      expect((await store.listPendingTransactions(SIGNER)).map((t) => t.hash)).to.deep.equal([
        tx.hash,
      ]);

      let refused: unknown;
      try {
        await store.recordBundleTransaction(
          { ...tx, hash: "0x" + "ab".repeat(32), nonce: 8 },
          [leased[0].hash],
          "A",
        );
      } catch (error) {
        refused = error;
      }
      expect(String(refused)).to.match(/lost/);

      // An op whose lease expired and was taken by another instance cannot be bundled by the first.
      const stolen = { ...op(40), receivedAt: 0 };
      await store.insertOp(stolen, audit(stolen));
      const [mine] = await store.leaseOps("A", EP, 1, 10, 150_000);
      expect(mine.hash).to.equal(stolen.hash);
      const [theirs] = await store.leaseOps("B", EP, 1, 10_000, 150_100);
      expect(theirs.hash).to.equal(stolen.hash);
      refused = undefined;
      try {
        await store.recordBundleTransaction(
          { ...tx, hash: "0x" + "ac".repeat(32), nonce: 8 },
          [stolen.hash],
          "A",
        );
      } catch (error) {
        refused = error;
      }
      expect(String(refused)).to.match(/lost/);
      await store.removeOps(
        [{ hash: stolen.hash, status: "dropped", reason: "test cleanup" }],
        150_200,
      );
      expect(await store.getSignerNonce(SIGNER)).to.equal(8);
      expect(await store.getTransaction("0x" + "ab".repeat(32))).to.equal(null);

      // A replacement keeps the nonce; finalizing marks the other attempt replaced.
      await store.recordReplacementTransaction({
        ...tx,
        hash: "0x" + "bb".repeat(32),
        attempt: 2,
        maxFeePerGas: "12",
      });
      expect((await store.listTransactions(SIGNER, 7)).length).to.equal(2);
      const [first, second, third] = leased;
      await store.finalizeBundle({
        signer: SIGNER,
        nonce: 7,
        minedTxHash: "0x" + "bb".repeat(32),
        receiptJson: "{}",
        outcomes: [
          {
            hash: first.hash,
            status: "included",
            success: true,
            reason: null,
            revertJson: null,
            txHash: "0x" + "bb".repeat(32),
            actualGasCost: "0x1",
            actualGasUsed: "0x1",
            blockNumber: 5,
            blockHash: "0x" + "cc".repeat(32),
          },
          {
            hash: second.hash,
            status: "failed",
            success: false,
            reason: "execution reverted: X",
            revertJson: null,
            txHash: "0x" + "bb".repeat(32),
            actualGasCost: "0x1",
            actualGasUsed: "0x1",
            blockNumber: 5,
            blockHash: "0x" + "cc".repeat(32),
          },
        ],
        requeue: [{ hash: third.hash, reason: "missing" }],
        removals: [],
        now: 100_002,
      });
      const statuses = await Promise.all(leased.map((r) => store.getOp(r.hash)));
      expect(statuses.map((s) => s?.status)).to.deep.equal(["included", "failed", "received"]);
      expect(statuses[2]?.attempts).to.equal(1);
      const attempts = await store.listTransactions(SIGNER, 7);
      expect(attempts.map((t) => t.status)).to.deep.equal(["replaced", "mined"]);
      expect(await store.listPendingTransactions(SIGNER)).to.deep.equal([]);
    });

    it("abandoning a bundle requeues its ops, and gives up (failed, with reason) after max attempts", async () => {
      const fresh = { ...op(50), receivedAt: 1 }; // oldest, so it is leased first
      await store.insertOp(fresh, audit(fresh));
      const leased = await store.leaseOps("A", EP, 1, 10_000, 200_000);
      expect(leased[0].hash).to.equal(fresh.hash);
      const base = {
        signer: SIGNER,
        raw: "0x02",
        maxFeePerGas: "10",
        maxPriorityFeePerGas: "1",
        gasLimit: "100000",
        attempt: 1,
        createdAt: 200_001,
        opCount: 1,
      };
      await store.recordBundleTransaction(
        { ...base, hash: "0x" + "d1".repeat(32), nonce: 8 },
        [leased[0].hash],
        "A",
      );
      await store.abandonBundle({
        signer: SIGNER,
        nonce: 8,
        reason: "nonce consumed",
        maxAttempts: 2,
        now: 200_002,
      });
      expect((await store.getOp(leased[0].hash))?.status).to.equal("received");
      const again = await store.leaseOps("A", EP, 50, 10_000, 300_000);
      const sameOp = again.find((r) => r.hash === leased[0].hash)!;
      await store.recordBundleTransaction(
        { ...base, hash: "0x" + "d2".repeat(32), nonce: 9 },
        [sameOp.hash],
        "A",
      );
      await store.releaseOps(
        "A",
        again.filter((r) => r.hash !== sameOp.hash).map((r) => r.hash),
      );
      await store.abandonBundle({
        signer: SIGNER,
        nonce: 9,
        reason: "nonce consumed",
        maxAttempts: 2,
        now: 300_002,
      });
      const final = await store.getOp(leased[0].hash);
      expect(final?.status).to.equal("failed");
      expect(final?.reason).to.match(/nonce consumed \(gave up after 2 bundles\)/);
      expect(await store.getSignerNonce(SIGNER)).to.equal(10);
    });

    it("lists one sender's open ops for nonce sequences: not final ones, not other senders' or entry points'", async () => {
      const sender = "0x0000000000000000000000000000000000005e01";
      const [first, second, dropped] = [901, 902, 903].map((i) => op(i, sender));
      const otherSender = op(904, "0x0000000000000000000000000000000000005e02");
      const otherEntryPoint = { ...op(905, sender), entryPoint: SIGNER };
      for (const o of [first, second, dropped, otherSender, otherEntryPoint])
        expect(await store.insertOp(o, audit(o))).to.equal("inserted");
      await store.removeOps([{ hash: dropped.hash, status: "dropped", reason: "test" }], 60_000);
      const open = await store.listOpenOpsOfSender(EP, sender);
      expect(open.map((r) => r.hash).sort()).to.deep.equal([first.hash, second.hash].sort());
      expect(open.map((r) => r.nonce).sort()).to.deep.equal([first.nonce, second.nonce].sort());
      expect(
        await store.listOpenOpsOfSender(EP, "0x0000000000000000000000000000000000005e03"),
      ).to.deep.equal([]);
    });

    it("stores API keys and applies revocation and rotation patches", async () => {
      await store.insertApiKey({
        id: "0123456789abcdef",
        keyHash: "ff".repeat(32),
        label: "agent-1",
        sender: "*",
        agent: null,
        scopes: ["send", "read"],
        createdAt: 1,
        expiresAt: null,
        revokedAt: null,
        rotatedAt: null,
      });
      expect(
        await store.updateApiKey("0123456789abcdef", { keyHash: "ee".repeat(32), rotatedAt: 2 }),
      ).to.equal(true);
      expect(await store.updateApiKey("0123456789abcdef", { revokedAt: 3 })).to.equal(true);
      expect(await store.getApiKey("0123456789abcdef")).to.deep.include({
        keyHash: "ee".repeat(32),
        rotatedAt: 2,
        revokedAt: 3,
      });
      expect((await store.listApiKeys()).map((k) => k.scopes)).to.deep.equal([["send", "read"]]);
      expect(await store.updateApiKey("missing", { revokedAt: 1 })).to.equal(false);
    });

    it("the audit log verifies, and any edited or deleted row is detected", async () => {
      for (let i = 0; i < 5; i++) {
        await store.appendAudit({
          event: "rejected",
          opHash: null,
          sender: null,
          detail: { code: -32602, i },
        });
      }
      const clean = await verifyAuditLog(store, 3);
      expect(clean.ok).to.equal(true);
      const rows = await store.readAudit(0, 1000);
      expect(clean).to.deep.include({ rows: rows.length });
      const middle = rows[Math.floor(rows.length / 2)].seq;

      await backend.tamper(`UPDATE audit_log SET detail_json = '{"code":0}' WHERE seq = ${middle}`);
      const edited = await verifyAuditLog(store);
      expect(edited).to.deep.include({ ok: false, badSeq: middle });

      await backend.tamper(
        `UPDATE audit_log SET detail_json = '${rows[middle - 1].detailJson.replace(/'/g, "''")}' WHERE seq = ${middle}`,
      );
      expect((await verifyAuditLog(store)).ok).to.equal(true);

      await backend.tamper(`DELETE FROM audit_log WHERE seq = ${middle}`);
      const deleted = await verifyAuditLog(store);
      expect(deleted).to.deep.include({ ok: false, badSeq: middle });
    });
  });
}
