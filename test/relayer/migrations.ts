/**
 * Versioned schema migrations, against real SQLite and real PostgreSQL: a database created by the schema as it was
 * before migrations (test/relayer/schemas/before-migrations.sql, main's DDL verbatim) and holding rows of every
 * store (queued ops, an API key, the audit chain, owners' approvals, the webhook outbox) is upgraded by the new
 * stores with nothing lost, and the new columns and tables work; each migration is applied once, in one
 * transaction; a database newer than the code is refused; on PostgreSQL instances starting at once don't apply a
 * migration twice.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { expect } from "chai";
import { Wallet, getAddress, hexlify } from "ethers";
import pg from "pg";
import { ApprovalStore, APPROVALS_MIGRATIONS } from "../../src/relayer/approvals/store.js";
import { AUDIT_GENESIS_HASH, auditRowHash, verifyAuditLog } from "../../src/relayer/audit.js";
import { verifyApiKey } from "../../src/relayer/auth/apiKeys.js";
import { NotifyStore, NOTIFY_MIGRATIONS } from "../../src/relayer/notify/store.js";
import { openStore } from "../../src/relayer/store/index.js";
import { migrate, schemaVersions, type Migration } from "../../src/relayer/store/migrations.js";
import { PostgresDriver, SqliteDriver, type SqlDriver } from "../../src/relayer/store/sqlDriver.js";
import { RELAYER_MIGRATIONS } from "../../src/relayer/store/sqlStore.js";
import { REPO_ROOT, startPostgres, tempDir, type TestPostgres } from "./helpers.js";

const PREVIOUS_SCHEMA = readFileSync(
  join(REPO_ROOT, "test/relayer/schemas/before-migrations.sql"),
  "utf8",
);
const EP = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const WALLET = "0x000000000000000000000000000000000000a11c";

interface Database {
  url: string;
  driver(): SqlDriver;
  /** Runs SQL (several statements) outside the stores, as an old relayer or an operator would. */
  exec(sql: string, params?: (string | number | null)[]): Promise<void>;
  query(sql: string): Promise<Record<string, unknown>[]>;
}

interface Engine {
  name: "sqlite" | "postgres";
  fresh(): Promise<Database>;
}

const sqlite: Engine = {
  name: "sqlite",
  async fresh() {
    const path = `${tempDir()}/relayer.sqlite`;
    const withDb = <T>(fn: (db: DatabaseSync) => T): T => {
      const db = new DatabaseSync(path);
      try {
        return fn(db);
      } finally {
        db.close();
      }
    };
    return {
      url: `sqlite:${path}`,
      driver: () => new SqliteDriver(path),
      exec: async (sql, params) =>
        withDb((db) => (params ? void db.prepare(sql).run(...params) : db.exec(sql))),
      query: async (sql) => withDb((db) => db.prepare(sql).all() as Record<string, unknown>[]),
    };
  },
};

function postgresEngine(server: () => TestPostgres): Engine {
  let n = 0;
  return {
    name: "postgres",
    async fresh() {
      const name = `migrations_${++n}_${randomBytes(3).toString("hex")}`;
      const admin = new pg.Client({ connectionString: server().url });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = server().url.replace(/\/[^/]+$/, `/${name}`);
      const withClient = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          return await fn(client);
        } finally {
          await client.end();
        }
      };
      return {
        url,
        driver: () => new PostgresDriver(url),
        exec: (sql, params) =>
          withClient(async (c) => {
            let i = 0;
            await c.query(params ? sql.replace(/\?/g, () => `$${++i}`) : sql, params);
          }),
        query: (sql) => withClient(async (c) => (await c.query(sql)).rows),
      };
    },
  };
}

/** Columns of every table, to compare an upgraded database with a fresh one. */
async function columns(engine: Engine, db: Database): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  if (engine.name === "sqlite") {
    const tables = await db.query("SELECT name FROM sqlite_master WHERE type = 'table'");
    for (const { name } of tables)
      out[String(name)] = (await db.query(`PRAGMA table_info(${String(name)})`))
        .map((c) => String(c.name))
        .sort();
  } else {
    for (const r of await db.query(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'",
    ))
      (out[String(r.table_name)] ??= []).push(String(r.column_name));
    for (const t of Object.keys(out)) out[t].sort();
  }
  return out;
}

describe("relayer schema migrations", function () {
  this.timeout(120_000);
  let server: TestPostgres;

  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  for (const engine of [sqlite, postgresEngine(() => server)]) {
    describe(engine.name, () => {
      it("upgrades a database created by the previous schema: every row survives, the new columns and tables work", async () => {
        const db = await engine.fresh();
        await db.exec(PREVIOUS_SCHEMA);

        // Rows as the previous relayer wrote them.
        const agent = Wallet.createRandom();
        const agentHash = hexlify(randomBytes(32));
        const agentNonce = (BigInt(agent.address) << 64n) | 3n;
        const agentOpJson = JSON.stringify({
          sender: WALLET,
          nonce: agentNonce.toString(),
          signature: agent.signingKey.sign(agentHash).serialized,
        });
        const ownersHash = hexlify(randomBytes(32));
        const ownersOpJson = JSON.stringify({
          sender: WALLET,
          nonce: "7",
          signature: "0x" + "11".repeat(130),
        });
        const insertOp = `INSERT INTO user_ops (hash, entry_point, sender, nonce, op_json, status, needs_simulation,
          attempts, api_key_id, received_at, updated_at) VALUES (?, ?, ?, ?, ?, 'received', 0, 0, ?, ?, ?)`;
        await db.exec(insertOp, [
          agentHash,
          EP,
          WALLET,
          "0x" + agentNonce.toString(16),
          agentOpJson,
          "0123456789abcdef",
          1_000,
          1_000,
        ]);
        await db.exec(insertOp, [ownersHash, EP, WALLET, "0x7", ownersOpJson, null, 1_001, 1_001]);
        // A row the backfill can't read as an op must not block the upgrade (it gets no agent).
        const unreadableHash = hexlify(randomBytes(32));
        await db.exec(insertOp, [
          unreadableHash,
          EP,
          WALLET,
          "0x8",
          "not json",
          null,
          1_002,
          1_002,
        ]);
        const legacyKey = `leash_0123456789abcdef_${randomBytes(32).toString("base64url")}`;
        await db.exec(
          `INSERT INTO api_keys (id, key_hash, label, sender, scopes, created_at, expires_at, revoked_at, rotated_at)
           VALUES (?, ?, 'old', ?, 'send,read', 1, NULL, NULL, NULL)`,
          [
            "0123456789abcdef",
            createHash("sha256").update(legacyKey).digest("hex"),
            getAddress(WALLET),
          ],
        );
        const auditRow = {
          seq: 1,
          at: 1_000,
          event: "accepted",
          opHash: agentHash,
          sender: WALLET,
          detailJson: "{}",
        };
        await db.exec(
          "INSERT INTO audit_log (seq, at, event, op_hash, sender, detail_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          [
            1,
            1_000,
            "accepted",
            agentHash,
            WALLET,
            "{}",
            AUDIT_GENESIS_HASH,
            auditRowHash(AUDIT_GENESIS_HASH, auditRow),
          ],
        );
        const owner = getAddress("0x00000000000000000000000000000000000000b0");
        await db.exec(
          `INSERT INTO owner_approvals (wallet, proposal_id, owner, deadline, signature, created_at, withdrawn_at)
           VALUES (?, '5', ?, '99999999999', '0xabcd', 2000, NULL)`,
          [getAddress(WALLET), owner],
        );
        await db.exec(
          "INSERT INTO webhook_endpoints (id, wallet, url, secret, created_at, removed_at) VALUES ('ep1', ?, 'http://127.0.0.1:9/hook', 's3cret', 1, NULL)",
          [getAddress(WALLET)],
        );
        await db.exec(
          "INSERT INTO notify_events (id, wallet, type, payload, created_at) VALUES ('ev1', ?, 'agent.refused', '{\"x\":1}', 10)",
          [getAddress(WALLET)],
        );
        await db.exec(
          "INSERT INTO webhook_deliveries (event_id, endpoint_id, status, attempts, next_at, last_error, delivered_at) VALUES ('ev1', 'ep1', 'pending', 1, 20, 'timeout', NULL)",
        );
        await db.exec("INSERT INTO notify_cursor (name, block) VALUES ('chain', 1234)");
        const before = await columns(engine, db);
        expect(before.user_ops).not.to.include("agent");

        // The new relayer opens it: every store migrates its part.
        const store = await openStore(db.url);
        const approvals = await ApprovalStore.open(db.url);
        const notify = await NotifyStore.open(db.url);
        try {
          // Queued ops survive and are still leased; the agent op got its agent from its nonce and signature.
          const agentOp = await store.getOp(agentHash);
          expect(agentOp).to.deep.include({
            status: "received",
            apiKeyId: "0123456789abcdef",
            opJson: agentOpJson,
          });
          expect(agentOp?.agent).to.equal(agent.address);
          expect((await store.getOp(ownersHash))?.agent).to.equal(null);
          expect((await store.getOp(unreadableHash))?.agent).to.equal(null);
          const leased = await store.leaseOps("instance", EP, 10, 1_000, 5_000);
          expect(leased.map((o) => o.hash).sort()).to.deep.equal(
            [agentHash, ownersHash, unreadableHash].sort(),
          );

          // The old key still authenticates, bound to the wallet and to no agent; a new key can name an agent.
          const check = await verifyApiKey(store, legacyKey);
          expect(check.ok && check.info).to.deep.include({
            sender: getAddress(WALLET),
            agent: null,
          });
          await store.insertApiKey({
            id: "fedcba9876543210",
            keyHash: "aa".repeat(32),
            label: "agent",
            sender: getAddress(WALLET),
            agent: agent.address,
            scopes: ["send"],
            createdAt: 2,
            expiresAt: null,
            revokedAt: null,
            rotatedAt: null,
          });
          expect((await store.getApiKey("fedcba9876543210"))?.agent).to.equal(agent.address);

          // A new op records its agent; the audit chain continues from the old row and verifies.
          const newHash = hexlify(randomBytes(32));
          expect(
            await store.insertOp(
              {
                hash: newHash,
                entryPoint: EP,
                sender: WALLET,
                nonce: "0x99",
                opJson: "{}",
                needsSimulation: false,
                apiKeyId: null,
                agent: agent.address,
                receivedAt: 3_000,
              },
              { event: "accepted", opHash: newHash, sender: WALLET, detail: {} },
            ),
          ).to.equal("inserted");
          expect((await store.getOp(newHash))?.agent).to.equal(agent.address);
          expect(await verifyAuditLog(store)).to.deep.include({ ok: true, rows: 2 });

          // Owners' approvals and the webhook outbox survive.
          expect(await approvals.approvals(getAddress(WALLET), 5n)).to.deep.equal([
            {
              wallet: getAddress(WALLET),
              proposalId: 5n,
              owner,
              deadline: 99999999999n,
              signature: "0xabcd",
              createdAt: 2000,
            },
          ]);
          expect(await notify.cursor()).to.equal(1234);
          const due = await notify.due(100, 10);
          expect(due).to.deep.equal([
            {
              eventId: "ev1",
              endpointId: "ep1",
              attempts: 1,
              nextAt: 20,
              url: "http://127.0.0.1:9/hook",
              secret: "s3cret",
              payload: '{"x":1}',
            },
          ]);

          // The shared rate-limit table exists on PostgreSQL only (SQLite keeps its limits in memory).
          const pool = store.sharedRateLimitPool();
          if (engine.name === "postgres") {
            expect(pool?.table).to.equal("rate_limits");
            expect(await db.query("SELECT * FROM rate_limits")).to.deep.equal([]);
          } else expect(pool).to.equal(null);
        } finally {
          await notify.close();
          await approvals.close();
          await store.close();
        }

        // Applied once: opening again applies nothing and keeps the record as it was.
        const driver = db.driver();
        try {
          const versions = await schemaVersions(driver);
          expect(versions.map((v) => `${v.component}/${v.version}`)).to.deep.equal([
            "approvals/1",
            "notify/1",
            "notify/2",
            "relayer/1",
            "relayer/2",
            "relayer/3",
          ]);
          expect(await migrate(driver, "relayer", RELAYER_MIGRATIONS)).to.deep.equal({
            applied: [],
            version: 3,
          });
          expect(await migrate(driver, "approvals", APPROVALS_MIGRATIONS)).to.deep.equal({
            applied: [],
            version: 1,
          });
          expect(await migrate(driver, "notify", NOTIFY_MIGRATIONS)).to.deep.equal({
            applied: [],
            version: 2,
          });
          expect(await schemaVersions(driver)).to.deep.equal(versions);
        } finally {
          await driver.close();
        }

        // An upgraded database has exactly the tables and columns of a fresh one.
        const fresh = await engine.fresh();
        await (await openStore(fresh.url)).close();
        await (await ApprovalStore.open(fresh.url)).close();
        await (await NotifyStore.open(fresh.url)).close();
        expect(await columns(engine, db)).to.deep.equal(await columns(engine, fresh));
      });

      it("a migration is all or nothing: one that fails midway leaves no table and no version behind", async () => {
        const db = await engine.fresh();
        const migrations: Migration[] = [
          {
            version: 1,
            name: "one",
            up: (tx) => tx.run("CREATE TABLE probe_one (id INTEGER)").then(() => {}),
          },
          {
            version: 2,
            name: "two",
            up: async (tx) => {
              await tx.run("CREATE TABLE probe_two (id INTEGER)");
              await tx.run("INSERT INTO probe_one (missing_column) VALUES (1)");
            },
          },
        ];
        const driver = db.driver();
        try {
          let failure: unknown;
          await migrate(driver, "probe", migrations).catch((error: unknown) => (failure = error));
          expect(String(failure)).to.match(/missing_column/);
          expect((await schemaVersions(driver)).map((v) => v.version)).to.deep.equal([1]);
          expect(await driver.query("SELECT COUNT(*) AS n FROM probe_one")).to.deep.equal([
            { n: 0 },
          ]);
          let missing: unknown;
          await driver
            .query("SELECT * FROM probe_two")
            .catch((error: unknown) => (missing = error));
          expect(String(missing)).to.match(/probe_two/);

          // Fixed (a new build), it applies the rest.
          migrations[1] = {
            version: 2,
            name: "two",
            up: (tx) => tx.run("CREATE TABLE probe_two (id INTEGER)").then(() => {}),
          };
          expect(await migrate(driver, "probe", migrations)).to.deep.equal({
            applied: ["probe/0002-two"],
            version: 2,
          });
        } finally {
          await driver.close();
        }
      });

      it("refuses a database migrated by a newer relayer, and a migration list with a gap", async () => {
        const db = await engine.fresh();
        const noop = (version: number): Migration => ({
          version,
          name: `v${version}`,
          up: async () => {},
        });
        const driver = db.driver();
        try {
          await migrate(driver, "probe", [noop(1), noop(2)]);
          let refused: unknown;
          await migrate(driver, "probe", [noop(1)]).catch((error: unknown) => (refused = error));
          expect(String(refused)).to.match(
            /probe schema is at version 2, newer than this relayer knows \(1\)/,
          );
          let gap: unknown;
          await migrate(driver, "probe", [noop(1), noop(3)]).catch(
            (error: unknown) => (gap = error),
          );
          expect(String(gap)).to.match(/numbered 1, 2, 3/);
          // Same versions: accepted, nothing to do.
          expect(await migrate(driver, "probe", [noop(1), noop(2)])).to.deep.equal({
            applied: [],
            version: 2,
          });
        } finally {
          await driver.close();
        }
        // The stores refuse such a database too (and don't leave their connection open).
        await db.exec(
          "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES ('relayer', 99, 'future', 1)",
        );
        let refused: unknown;
        await openStore(db.url).catch((error: unknown) => (refused = error));
        expect(String(refused)).to.match(/relayer schema is at version 99/);
        // So do the approvals and notifications stores, each for its own component.
        for (const [component, open] of [
          ["approvals", () => ApprovalStore.open(db.url)],
          ["notify", () => NotifyStore.open(db.url)],
        ] as const) {
          await db.exec(
            `INSERT INTO schema_migrations (component, version, name, applied_at) VALUES ('${component}', 99, 'future', 1)`,
          );
          let newer: unknown;
          const store = await open().catch((error: unknown) => {
            newer = error;
            return null;
          });
          await store?.close();
          expect(String(newer)).to.match(new RegExp(`${component} schema is at version 99`));
        }
      });
    });
  }

  it("postgres: instances starting at once apply each migration once (advisory lock)", async () => {
    const db = await postgresEngine(() => server).fresh();
    // Not idempotent on purpose: run twice, the CREATE TABLE fails and the row count shows it. The sleep keeps the
    // migration open long enough for the others to be waiting on it.
    const migrations: Migration[] = [
      {
        version: 1,
        name: "race",
        up: async (tx) => {
          await tx.run("CREATE TABLE race_probe (applied_by TEXT)");
          await tx.query("SELECT pg_sleep(0.3)");
          await tx.run("INSERT INTO race_probe (applied_by) VALUES ('one')");
        },
      },
    ];
    const drivers = Array.from({ length: 5 }, () => db.driver());
    try {
      const results = await Promise.all(drivers.map((d) => migrate(d, "race", migrations)));
      expect(results.filter((r) => r.applied.length === 1)).to.have.length(1);
      expect(results.every((r) => r.version === 1)).to.equal(true);
      expect(await db.query("SELECT applied_by FROM race_probe")).to.deep.equal([
        { applied_by: "one" },
      ]);
    } finally {
      await Promise.all(drivers.map((d) => d.close()));
    }

    // Whole relayers' stores opening together on an empty database: one schema, each version recorded once.
    const empty = await postgresEngine(() => server).fresh();
    const stores = await Promise.all([
      openStore(empty.url),
      openStore(empty.url),
      openStore(empty.url),
    ]);
    await Promise.all(stores.map((s) => s.close()));
    expect(
      await empty.query(
        "SELECT version, COUNT(*)::int AS n FROM schema_migrations GROUP BY version ORDER BY version",
      ),
    ).to.deep.equal([
      { version: 1, n: 1 },
      { version: 2, n: 1 },
      { version: 3, n: 1 },
    ]);
  });
});
