/**
 * `RelayerStore` over SQL, shared by the SQLite and PostgreSQL backends. Every state change that
 * must be all-or-nothing (an op and its audit row; a signed tx, its ops and the signer nonce; a
 * mined bundle and its ops' outcomes) happens in one transaction.
 */
import { AUDIT_GENESIS_HASH, auditRowHash } from "../audit.js";
import type pg from "pg";
import { nonceKeyAgent } from "../auth/opAgent.js";
import { migrate, runScript, type Migration } from "./migrations.js";
import { PostgresDriver, type SqlDriver, type SqlExecutor, type SqlValue } from "./sqlDriver.js";
import type {
  ApiKeyRecord,
  AuditInput,
  AuditRow,
  InsertOpResult,
  NewOpRecord,
  NewTxRecord,
  OpOutcome,
  OpRecord,
  OpRemoval,
  OpStatus,
  RelayerStore,
  TxRecord,
} from "./types.js";

/** Where rate-limit counters live on PostgreSQL (migration 3). */
export const RATE_LIMIT_TABLE = "rate_limits";

type Row = Record<string, unknown>;

/** The agent of a stored op; null for any op that isn't an agent's, or can't be read as an op. */
function storedOpAgent(opJson: string): string | null {
  try {
    const op = JSON.parse(opJson) as { nonce?: unknown };
    return typeof op.nonce === "string" ? nonceKeyAgent(BigInt(op.nonce)) : null;
  } catch {
    return null;
  }
}

/** The op queue's schema history: append a migration, never edit one (see src/relayer/README.md). */
export const RELAYER_MIGRATIONS: Migration[] = [
  {
    version: 1,
    // The schema as it was before versioned migrations; IF NOT EXISTS adopts such a database as version 1.
    name: "initial",
    up: (tx) =>
      runScript(
        tx,
        `
CREATE TABLE IF NOT EXISTS user_ops (
  hash TEXT PRIMARY KEY,
  entry_point TEXT NOT NULL,
  sender TEXT NOT NULL,
  nonce TEXT NOT NULL,
  op_json TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  revert_json TEXT,
  needs_simulation INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  api_key_id TEXT,
  received_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  included_at BIGINT,
  lease_owner TEXT,
  lease_expires_at BIGINT,
  bundle_signer TEXT,
  bundle_nonce BIGINT,
  tx_hash TEXT,
  success INTEGER,
  actual_gas_cost TEXT,
  actual_gas_used TEXT,
  block_number BIGINT,
  block_hash TEXT
);
CREATE INDEX IF NOT EXISTS user_ops_queue ON user_ops (status, received_at);
CREATE INDEX IF NOT EXISTS user_ops_bundle ON user_ops (bundle_signer, bundle_nonce);
CREATE UNIQUE INDEX IF NOT EXISTS user_ops_open_sender_nonce ON user_ops (sender, nonce)
  WHERE status IN ('received', 'submitted');
CREATE TABLE IF NOT EXISTS transactions (
  hash TEXT PRIMARY KEY,
  signer TEXT NOT NULL,
  nonce BIGINT NOT NULL,
  raw TEXT NOT NULL,
  max_fee_per_gas TEXT NOT NULL,
  max_priority_fee_per_gas TEXT NOT NULL,
  gas_limit TEXT NOT NULL,
  status TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  sent_block BIGINT,
  receipt_json TEXT,
  op_count INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS transactions_signer_status ON transactions (signer, status, nonce);
CREATE TABLE IF NOT EXISTS signer_nonces (
  signer TEXT PRIMARY KEY,
  next_nonce BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  key_hash TEXT NOT NULL,
  label TEXT NOT NULL,
  sender TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  revoked_at BIGINT,
  rotated_at BIGINT
);
CREATE TABLE IF NOT EXISTS audit_log (
  seq BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  event TEXT NOT NULL,
  op_hash TEXT,
  sender TEXT,
  detail_json TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
`,
      ),
  },
  {
    version: 2,
    // API keys scoped to one agent; each op records its agent (src/relayer/auth/opAgent.ts).
    name: "agent-scopes",
    up: async (tx) => {
      await tx.run("ALTER TABLE api_keys ADD COLUMN agent TEXT");
      await tx.run("ALTER TABLE user_ops ADD COLUMN agent TEXT");
      // Ops stored before: their agent from their nonce key, as for ops stored from now on.
      let after = "";
      for (;;) {
        const rows = await tx.query<Row>(
          "SELECT hash, op_json FROM user_ops WHERE hash > ? ORDER BY hash LIMIT 500",
          [after],
        );
        if (rows.length === 0) break;
        for (const row of rows) {
          const agent = storedOpAgent(String(row.op_json));
          if (agent)
            await tx.run("UPDATE user_ops SET agent = ? WHERE hash = ?", [agent, String(row.hash)]);
        }
        after = String(rows[rows.length - 1].hash);
      }
    },
  },
  {
    version: 3,
    // Rate-limit counters shared by every instance on PostgreSQL (rate-limiter-flexible's RateLimiterPostgres
    // table layout). SQLite serves one process: its limits stay in memory, no table.
    name: "shared-rate-limits",
    up: async (tx, dialect) => {
      if (dialect !== "postgres") return;
      await tx.run(
        `CREATE TABLE ${RATE_LIMIT_TABLE} (key VARCHAR(255) PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0, expire BIGINT)`,
      );
    },
  },
];

// Bounds one group commit (SQLite): a burst of ops is split over several transactions.
const MAX_GROUP_COMMIT = 200;

// Any constant: serialises audit appends across PostgreSQL instances.
const AUDIT_LOCK_ID = 4_337_001;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toOpRecord(r: Row): OpRecord {
  return {
    hash: String(r.hash),
    entryPoint: String(r.entry_point),
    sender: String(r.sender),
    nonce: String(r.nonce),
    opJson: String(r.op_json),
    status: r.status as OpStatus,
    reason: str(r.reason),
    revertJson: str(r.revert_json),
    needsSimulation: Number(r.needs_simulation) === 1,
    attempts: Number(r.attempts),
    apiKeyId: str(r.api_key_id),
    agent: str(r.agent),
    receivedAt: Number(r.received_at),
    updatedAt: Number(r.updated_at),
    includedAt: num(r.included_at),
    bundleSigner: str(r.bundle_signer),
    bundleNonce: num(r.bundle_nonce),
    txHash: str(r.tx_hash),
    success: r.success === null || r.success === undefined ? null : Number(r.success) === 1,
    actualGasCost: str(r.actual_gas_cost),
    actualGasUsed: str(r.actual_gas_used),
    blockNumber: num(r.block_number),
    blockHash: str(r.block_hash),
  };
}

function toTxRecord(r: Row): TxRecord {
  return {
    hash: String(r.hash),
    signer: String(r.signer),
    nonce: Number(r.nonce),
    raw: String(r.raw),
    maxFeePerGas: String(r.max_fee_per_gas),
    maxPriorityFeePerGas: String(r.max_priority_fee_per_gas),
    gasLimit: String(r.gas_limit),
    status: r.status as TxRecord["status"],
    attempt: Number(r.attempt),
    createdAt: Number(r.created_at),
    sentBlock: num(r.sent_block),
    receiptJson: str(r.receipt_json),
    opCount: Number(r.op_count),
  };
}

function toApiKeyRecord(r: Row): ApiKeyRecord {
  return {
    id: String(r.id),
    keyHash: String(r.key_hash),
    label: String(r.label),
    sender: String(r.sender),
    agent: str(r.agent),
    scopes: String(r.scopes).split(",").filter(Boolean),
    createdAt: Number(r.created_at),
    expiresAt: num(r.expires_at),
    revokedAt: num(r.revoked_at),
    rotatedAt: num(r.rotated_at),
  };
}

function toAuditRow(r: Row): AuditRow {
  return {
    seq: Number(r.seq),
    at: Number(r.at),
    event: String(r.event),
    opHash: str(r.op_hash),
    sender: str(r.sender),
    detailJson: String(r.detail_json),
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
  };
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => "?").join(", ");
}

export class SqlRelayerStore implements RelayerStore {
  readonly kind: "sqlite" | "postgres";
  private readonly insertQueue: {
    op: NewOpRecord;
    audit: AuditInput;
    resolve(result: InsertOpResult): void;
    reject(error: Error): void;
  }[] = [];
  private insertFlushScheduled = false;

  private constructor(private readonly db: SqlDriver) {
    this.kind = db.dialect;
  }

  static async open(db: SqlDriver): Promise<SqlRelayerStore> {
    try {
      await migrate(db, "relayer", RELAYER_MIGRATIONS);
    } catch (error) {
      await db.close();
      throw error;
    }
    return new SqlRelayerStore(db);
  }

  sharedRateLimitPool(): { pool: pg.Pool; table: string } | null {
    return this.db instanceof PostgresDriver
      ? { pool: this.db.pool, table: RATE_LIMIT_TABLE }
      : null;
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private async appendAuditIn(tx: SqlExecutor, entry: AuditInput, now: number): Promise<void> {
    if (this.db.dialect === "postgres") {
      await tx.query("SELECT pg_advisory_xact_lock(?)", [AUDIT_LOCK_ID]);
    }
    const [last] = await tx.query<Row>("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    const row = {
      seq: last ? Number(last.seq) + 1 : 1,
      at: now,
      event: entry.event,
      opHash: entry.opHash,
      sender: entry.sender,
      detailJson: JSON.stringify(entry.detail),
    };
    const prevHash = last ? String(last.hash) : AUDIT_GENESIS_HASH;
    const hash = auditRowHash(prevHash, row);
    await tx.run(
      "INSERT INTO audit_log (seq, at, event, op_hash, sender, detail_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      [row.seq, row.at, row.event, row.opHash, row.sender, row.detailJson, prevHash, hash],
    );
  }

  /**
   * Persists an op and its audit row before the caller acknowledges it. On SQLite, inserts that
   * arrive in the same event-loop turn share one transaction (group commit): every caller still
   * resolves only after the commit, but the fsync cost is paid once per group.
   */
  insertOp(op: NewOpRecord, audit: AuditInput): Promise<InsertOpResult> {
    if (this.db.dialect !== "sqlite") {
      return this.db.transaction((tx) => this.insertOpIn(tx, op, audit));
    }
    return new Promise<InsertOpResult>((resolve, reject) => {
      this.insertQueue.push({ op, audit, resolve, reject });
      this.scheduleInsertFlush();
    });
  }

  private scheduleInsertFlush(): void {
    if (this.insertFlushScheduled) return;
    this.insertFlushScheduled = true;
    setImmediate(() => void this.flushInserts());
  }

  private async flushInserts(): Promise<void> {
    this.insertFlushScheduled = false;
    const batch = this.insertQueue.splice(0, MAX_GROUP_COMMIT);
    if (this.insertQueue.length > 0) this.scheduleInsertFlush();
    try {
      const results = await this.db.transaction(async (tx) => {
        const out: InsertOpResult[] = [];
        for (const item of batch) out.push(await this.insertOpIn(tx, item.op, item.audit));
        return out;
      });
      batch.forEach((item, i) => item.resolve(results[i]));
    } catch (error) {
      batch.forEach((item) => item.reject(error as Error));
    }
  }

  private async insertOpIn(
    tx: SqlExecutor,
    op: NewOpRecord,
    audit: AuditInput,
  ): Promise<InsertOpResult> {
    const existing = await tx.query<Row>("SELECT hash FROM user_ops WHERE hash = ?", [op.hash]);
    if (existing.length > 0) return "duplicate-hash";
    const open = await tx.query<Row>(
      "SELECT hash FROM user_ops WHERE sender = ? AND nonce = ? AND status IN ('received', 'submitted')",
      [op.sender, op.nonce],
    );
    if (open.length > 0) return "duplicate-nonce";
    await tx.run(
      `INSERT INTO user_ops (hash, entry_point, sender, nonce, op_json, status, needs_simulation,
         attempts, api_key_id, agent, received_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'received', ?, 0, ?, ?, ?, ?)`,
      [
        op.hash,
        op.entryPoint,
        op.sender,
        op.nonce,
        op.opJson,
        op.needsSimulation ? 1 : 0,
        op.apiKeyId,
        op.agent,
        op.receivedAt,
        op.receivedAt,
      ],
    );
    await this.appendAuditIn(tx, audit, op.receivedAt);
    return "inserted";
  }

  async getOp(hash: string): Promise<OpRecord | null> {
    const [row] = await this.db.query<Row>("SELECT * FROM user_ops WHERE hash = ?", [hash]);
    return row ? toOpRecord(row) : null;
  }

  async listOpenOpsOfSender(entryPoint: string, sender: string): Promise<OpRecord[]> {
    const rows = await this.db.query<Row>(
      "SELECT * FROM user_ops WHERE sender = ? AND entry_point = ? AND status IN ('received', 'submitted')",
      [sender, entryPoint],
    );
    return rows.map(toOpRecord);
  }

  async listOps(filter: { status?: OpStatus; limit: number }): Promise<OpRecord[]> {
    const rows = filter.status
      ? await this.db.query<Row>(
          "SELECT * FROM user_ops WHERE status = ? ORDER BY received_at LIMIT ?",
          [filter.status, filter.limit],
        )
      : await this.db.query<Row>("SELECT * FROM user_ops ORDER BY received_at LIMIT ?", [
          filter.limit,
        ]);
    return rows.map(toOpRecord);
  }

  async countOpsByStatus(): Promise<Record<OpStatus, number>> {
    const counts: Record<OpStatus, number> = {
      received: 0,
      submitted: 0,
      included: 0,
      failed: 0,
      dropped: 0,
    };
    const rows = await this.db.query<Row>(
      "SELECT status, COUNT(*) AS n FROM user_ops GROUP BY status",
    );
    for (const row of rows) counts[row.status as OpStatus] = Number(row.n);
    return counts;
  }

  async leaseOps(
    owner: string,
    entryPoint: string,
    limit: number,
    leaseMs: number,
    now: number,
  ): Promise<OpRecord[]> {
    const lockClause = this.db.dialect === "postgres" ? "FOR UPDATE SKIP LOCKED" : "";
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<Row>(
        `UPDATE user_ops SET lease_owner = ?, lease_expires_at = ?
         WHERE hash IN (
           SELECT hash FROM user_ops
           WHERE status = 'received' AND entry_point = ?
             AND (lease_owner IS NULL OR lease_expires_at < ? OR lease_owner = ?)
           ORDER BY received_at LIMIT ? ${lockClause})
         RETURNING *`,
        [owner, now + leaseMs, entryPoint, now, owner, limit],
      );
      return rows.map(toOpRecord).sort((a, b) => a.receivedAt - b.receivedAt);
    });
  }

  async releaseOps(owner: string, hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    await this.db.run(
      `UPDATE user_ops SET lease_owner = NULL, lease_expires_at = NULL
       WHERE lease_owner = ? AND hash IN (${placeholders(hashes.length)})`,
      [owner, ...hashes],
    );
  }

  async markOpsSimulated(hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    await this.db.run(
      `UPDATE user_ops SET needs_simulation = 0 WHERE hash IN (${placeholders(hashes.length)})`,
      hashes,
    );
  }

  private async removeOpsIn(tx: SqlExecutor, removals: OpRemoval[], now: number): Promise<void> {
    for (const removal of removals) {
      const [row] = await tx.query<Row>("SELECT sender FROM user_ops WHERE hash = ?", [
        removal.hash,
      ]);
      await tx.run(
        `UPDATE user_ops SET status = ?, reason = ?, revert_json = ?, updated_at = ?,
           lease_owner = NULL, lease_expires_at = NULL WHERE hash = ?`,
        [removal.status, removal.reason, removal.revertJson ?? null, now, removal.hash],
      );
      await this.appendAuditIn(
        tx,
        {
          event: removal.status,
          opHash: removal.hash,
          sender: row ? String(row.sender) : null,
          detail: {
            reason: removal.reason,
            ...(removal.rule ? { rule: removal.rule } : {}),
          },
        },
        now,
      );
    }
  }

  async removeOps(removals: OpRemoval[], now: number): Promise<void> {
    if (removals.length === 0) return;
    await this.db.transaction((tx) => this.removeOpsIn(tx, removals, now));
  }

  private async insertTx(tx: SqlExecutor, record: NewTxRecord): Promise<void> {
    await tx.run(
      `INSERT INTO transactions (hash, signer, nonce, raw, max_fee_per_gas, max_priority_fee_per_gas,
         gas_limit, status, attempt, created_at, op_count)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
      [
        record.hash,
        record.signer,
        record.nonce,
        record.raw,
        record.maxFeePerGas,
        record.maxPriorityFeePerGas,
        record.gasLimit,
        record.attempt,
        record.createdAt,
        record.opCount,
      ],
    );
  }

  async recordBundleTransaction(
    record: NewTxRecord,
    opHashes: string[],
    leaseOwner: string,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.insertTx(tx, record);
      const updated = await tx.run(
        `UPDATE user_ops SET status = 'submitted', bundle_signer = ?, bundle_nonce = ?, tx_hash = ?,
           updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
         WHERE status = 'received' AND lease_owner = ? AND hash IN (${placeholders(opHashes.length)})`,
        [record.signer, record.nonce, record.hash, record.createdAt, leaseOwner, ...opHashes],
      );
      if (updated !== opHashes.length) {
        // Someone else took an op (lease expired and re-leased): refuse the whole bundle.
        throw new Error(`bundle lost ${opHashes.length - updated} op(s) to another owner`);
      }
      await this.setSignerNonceIn(tx, record.signer, record.nonce + 1, record.createdAt);
    });
  }

  async recordReplacementTransaction(record: NewTxRecord): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.insertTx(tx, record);
      await tx.run(
        "UPDATE user_ops SET tx_hash = ?, updated_at = ? WHERE bundle_signer = ? AND bundle_nonce = ? AND status = 'submitted'",
        [record.hash, record.createdAt, record.signer, record.nonce],
      );
    });
  }

  async markTransactionSent(hash: string, block: number): Promise<void> {
    await this.db.run("UPDATE transactions SET sent_block = ? WHERE hash = ?", [block, hash]);
  }

  async listPendingTransactions(signer: string): Promise<TxRecord[]> {
    const rows = await this.db.query<Row>(
      "SELECT * FROM transactions WHERE signer = ? AND status = 'pending' ORDER BY nonce, attempt",
      [signer],
    );
    return rows.map(toTxRecord);
  }

  async listTransactions(signer: string, nonce: number): Promise<TxRecord[]> {
    const rows = await this.db.query<Row>(
      "SELECT * FROM transactions WHERE signer = ? AND nonce = ? ORDER BY attempt",
      [signer, nonce],
    );
    return rows.map(toTxRecord);
  }

  async getTransaction(hash: string): Promise<TxRecord | null> {
    const [row] = await this.db.query<Row>("SELECT * FROM transactions WHERE hash = ?", [hash]);
    return row ? toTxRecord(row) : null;
  }

  async getBundleOps(signer: string, nonce: number): Promise<OpRecord[]> {
    const rows = await this.db.query<Row>(
      "SELECT * FROM user_ops WHERE bundle_signer = ? AND bundle_nonce = ? AND status = 'submitted'",
      [signer, nonce],
    );
    return rows.map(toOpRecord);
  }

  private async recordOutcomesIn(
    tx: SqlExecutor,
    outcomes: OpOutcome[],
    now: number,
  ): Promise<void> {
    for (const o of outcomes) {
      const [row] = await tx.query<Row>("SELECT sender, status FROM user_ops WHERE hash = ?", [
        o.hash,
      ]);
      await tx.run(
        `UPDATE user_ops SET status = ?, success = ?, reason = ?, revert_json = ?, tx_hash = ?,
           actual_gas_cost = ?, actual_gas_used = ?, block_number = ?, block_hash = ?,
           included_at = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
         WHERE hash = ?`,
        [
          o.status,
          o.success ? 1 : 0,
          o.reason,
          o.revertJson,
          o.txHash,
          o.actualGasCost,
          o.actualGasUsed,
          o.blockNumber,
          o.blockHash,
          now,
          now,
          o.hash,
        ],
      );
      if (row && row.status !== o.status) {
        await this.appendAuditIn(
          tx,
          {
            event: o.status,
            opHash: o.hash,
            sender: String(row.sender),
            detail: {
              txHash: o.txHash,
              blockNumber: o.blockNumber,
              success: o.success,
              reason: o.reason,
            },
          },
          now,
        );
      }
    }
  }

  async recordOpOutcomes(outcomes: OpOutcome[], now: number): Promise<void> {
    if (outcomes.length === 0) return;
    await this.db.transaction((tx) => this.recordOutcomesIn(tx, outcomes, now));
  }

  async finalizeBundle(args: {
    signer: string;
    nonce: number;
    minedTxHash: string;
    receiptJson: string;
    outcomes: OpOutcome[];
    requeue: { hash: string; reason: string }[];
    removals: OpRemoval[];
    now: number;
  }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run("UPDATE transactions SET status = 'mined', receipt_json = ? WHERE hash = ?", [
        args.receiptJson,
        args.minedTxHash,
      ]);
      await tx.run(
        "UPDATE transactions SET status = 'replaced' WHERE signer = ? AND nonce = ? AND hash <> ? AND status = 'pending'",
        [args.signer, args.nonce, args.minedTxHash],
      );
      await this.recordOutcomesIn(tx, args.outcomes, args.now);
      for (const r of args.requeue) {
        await tx.run(
          `UPDATE user_ops SET status = 'received', attempts = attempts + 1, reason = ?, bundle_signer = NULL,
             bundle_nonce = NULL, tx_hash = NULL, updated_at = ? WHERE hash = ? AND status = 'submitted'`,
          [r.reason, args.now, r.hash],
        );
      }
      await this.removeOpsIn(tx, args.removals, args.now);
    });
  }

  async abandonBundle(args: {
    signer: string;
    nonce: number;
    reason: string;
    maxAttempts: number;
    now: number;
    replacement?: NewTxRecord;
  }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        "UPDATE transactions SET status = 'failed' WHERE signer = ? AND nonce = ? AND status = 'pending'",
        [args.signer, args.nonce],
      );
      const ops = (
        await tx.query<Row>(
          "SELECT * FROM user_ops WHERE bundle_signer = ? AND bundle_nonce = ? AND status = 'submitted'",
          [args.signer, args.nonce],
        )
      ).map(toOpRecord);
      const removals: OpRemoval[] = [];
      for (const op of ops) {
        if (op.attempts + 1 >= args.maxAttempts) {
          removals.push({
            hash: op.hash,
            status: "failed",
            reason: `${args.reason} (gave up after ${op.attempts + 1} bundles)`,
          });
          continue;
        }
        await tx.run(
          `UPDATE user_ops SET status = 'received', attempts = attempts + 1, reason = ?, bundle_signer = NULL,
             bundle_nonce = NULL, tx_hash = NULL, updated_at = ? WHERE hash = ?`,
          [args.reason, args.now, op.hash],
        );
      }
      await this.removeOpsIn(tx, removals, args.now);
      if (args.replacement) await this.insertTx(tx, args.replacement);
    });
  }

  private async setSignerNonceIn(tx: SqlExecutor, signer: string, next: number, now: number) {
    const changed = await tx.run(
      "UPDATE signer_nonces SET next_nonce = ?, updated_at = ? WHERE signer = ?",
      [next, now, signer],
    );
    if (changed === 0) {
      await tx.run("INSERT INTO signer_nonces (signer, next_nonce, updated_at) VALUES (?, ?, ?)", [
        signer,
        next,
        now,
      ]);
    }
  }

  async getSignerNonce(signer: string): Promise<number | null> {
    const [row] = await this.db.query<Row>(
      "SELECT next_nonce FROM signer_nonces WHERE signer = ?",
      [signer],
    );
    return row ? Number(row.next_nonce) : null;
  }

  async setSignerNonce(signer: string, nextNonce: number): Promise<void> {
    await this.db.transaction((tx) => this.setSignerNonceIn(tx, signer, nextNonce, Date.now()));
  }

  async insertApiKey(key: ApiKeyRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO api_keys (id, key_hash, label, sender, agent, scopes, created_at, expires_at, revoked_at,
         rotated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        key.id,
        key.keyHash,
        key.label,
        key.sender,
        key.agent,
        key.scopes.join(","),
        key.createdAt,
        key.expiresAt,
        key.revokedAt,
        key.rotatedAt,
      ],
    );
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    const [row] = await this.db.query<Row>("SELECT * FROM api_keys WHERE id = ?", [id]);
    return row ? toApiKeyRecord(row) : null;
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return (await this.db.query<Row>("SELECT * FROM api_keys ORDER BY created_at, id")).map(
      toApiKeyRecord,
    );
  }

  async updateApiKey(
    id: string,
    patch: Partial<Pick<ApiKeyRecord, "keyHash" | "revokedAt" | "rotatedAt">>,
  ): Promise<boolean> {
    const sets: string[] = [];
    const values: SqlValue[] = [];
    if (patch.keyHash !== undefined) {
      sets.push("key_hash = ?");
      values.push(patch.keyHash);
    }
    if (patch.revokedAt !== undefined) {
      sets.push("revoked_at = ?");
      values.push(patch.revokedAt);
    }
    if (patch.rotatedAt !== undefined) {
      sets.push("rotated_at = ?");
      values.push(patch.rotatedAt);
    }
    if (sets.length === 0) return false;
    return (
      (await this.db.run(`UPDATE api_keys SET ${sets.join(", ")} WHERE id = ?`, [...values, id])) >
      0
    );
  }

  async appendAudit(entry: AuditInput): Promise<void> {
    await this.db.transaction((tx) => this.appendAuditIn(tx, entry, Date.now()));
  }

  async readAudit(afterSeq: number, limit: number): Promise<AuditRow[]> {
    const rows = await this.db.query<Row>(
      "SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
      [afterSeq, limit],
    );
    return rows.map(toAuditRow);
  }
}
