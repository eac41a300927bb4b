/**
 * The one storage interface of the relayer. Two backends implement it (SQLite for one process,
 * PostgreSQL for several instances sharing a queue); the relayer never sees SQL.
 *
 * Op lifecycle: received (persisted, acknowledged, queued) -> submitted (in a signed bundle
 * transaction) -> included (UserOperationEvent success) | failed (included but reverted, or given
 * up after repeated bundle failures) | dropped (removed before inclusion, e.g. re-simulation failed).
 */

export type OpStatus = "received" | "submitted" | "included" | "failed" | "dropped";
export const OPEN_OP_STATUSES: readonly OpStatus[] = ["received", "submitted"];

export interface OpRecord {
  hash: string;
  entryPoint: string;
  sender: string;
  nonce: string;
  opJson: string;
  status: OpStatus;
  reason: string | null;
  revertJson: string | null;
  needsSimulation: boolean;
  attempts: number;
  apiKeyId: string | null;
  /** The agent key whose op it is (its nonce key, src/relayer/auth/opAgent.ts), else null. */
  agent: string | null;
  receivedAt: number;
  updatedAt: number;
  includedAt: number | null;
  bundleSigner: string | null;
  bundleNonce: number | null;
  txHash: string | null;
  success: boolean | null;
  actualGasCost: string | null;
  actualGasUsed: string | null;
  blockNumber: number | null;
  blockHash: string | null;
}

export interface NewOpRecord {
  hash: string;
  entryPoint: string;
  sender: string;
  nonce: string;
  opJson: string;
  needsSimulation: boolean;
  apiKeyId: string | null;
  /** See OpRecord.agent. */
  agent: string | null;
  receivedAt: number;
}

export type TxStatus = "pending" | "mined" | "replaced" | "failed";

export interface TxRecord {
  hash: string;
  signer: string;
  nonce: number;
  raw: string;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  gasLimit: string;
  status: TxStatus;
  attempt: number;
  createdAt: number;
  sentBlock: number | null;
  receiptJson: string | null;
  opCount: number;
}

export type NewTxRecord = Omit<TxRecord, "status" | "receiptJson" | "sentBlock">;

export interface OpOutcome {
  hash: string;
  status: "included" | "failed";
  success: boolean;
  reason: string | null;
  revertJson: string | null;
  txHash: string;
  actualGasCost: string;
  actualGasUsed: string;
  blockNumber: number;
  blockHash: string;
}

export interface OpRemoval {
  hash: string;
  status: "dropped" | "failed";
  reason: string;
  revertJson?: string | null;
  /** The wallet rule that refused it, when decoded: kept in the audit row. */
  rule?: string;
}

export interface ApiKeyRecord {
  id: string;
  keyHash: string;
  label: string;
  sender: string; // checksummed address or "*"
  /** Checksummed agent key the key is limited to (its ops only), or null for the whole wallet. */
  agent: string | null;
  scopes: string[];
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  rotatedAt: number | null;
}

export interface AuditInput {
  event: string; // accepted | rejected | included | failed | dropped
  opHash: string | null;
  sender: string | null;
  detail: Record<string, unknown>;
}

export interface AuditRow {
  seq: number;
  at: number;
  event: string;
  opHash: string | null;
  sender: string | null;
  detailJson: string;
  prevHash: string;
  hash: string;
}

export type InsertOpResult = "inserted" | "duplicate-hash" | "duplicate-nonce";

export interface RelayerStore {
  readonly kind: "sqlite" | "postgres";
  close(): Promise<void>;
  /**
   * The PostgreSQL pool and table through which every instance shares rate-limit counters; null on SQLite (one
   * process: limits in memory).
   */
  sharedRateLimitPool(): { pool: import("pg").Pool; table: string } | null;

  insertOp(op: NewOpRecord, audit: AuditInput): Promise<InsertOpResult>;
  getOp(hash: string): Promise<OpRecord | null>;
  /** Open (received or submitted) ops of one sender: its nonce sequences waiting in this relayer. */
  listOpenOpsOfSender(entryPoint: string, sender: string): Promise<OpRecord[]>;
  listOps(filter: { status?: OpStatus; limit: number }): Promise<OpRecord[]>;
  countOpsByStatus(): Promise<Record<OpStatus, number>>;
  /** Claims up to `limit` received ops whose lease is free or expired (SKIP LOCKED on PostgreSQL). */
  leaseOps(
    owner: string,
    entryPoint: string,
    limit: number,
    leaseMs: number,
    now: number,
  ): Promise<OpRecord[]>;
  releaseOps(owner: string, hashes: string[]): Promise<void>;
  markOpsSimulated(hashes: string[]): Promise<void>;
  removeOps(removals: OpRemoval[], now: number): Promise<void>;

  /**
   * Atomically: store the signed bundle tx, move its ops to submitted, advance the signer nonce.
   * Refuses (throws, nothing written) unless `leaseOwner` still holds every op's lease.
   */
  recordBundleTransaction(tx: NewTxRecord, opHashes: string[], leaseOwner: string): Promise<void>;
  /** Stores a fee-bumped replacement of a bundle (same signer and nonce). */
  recordReplacementTransaction(tx: NewTxRecord): Promise<void>;
  markTransactionSent(hash: string, block: number): Promise<void>;
  listPendingTransactions(signer: string): Promise<TxRecord[]>;
  listTransactions(signer: string, nonce: number): Promise<TxRecord[]>;
  getTransaction(hash: string): Promise<TxRecord | null>;
  getBundleOps(signer: string, nonce: number): Promise<OpRecord[]>;
  /** Atomically: the bundle (signer, nonce) was mined in `minedTxHash`; record each op's outcome. */
  finalizeBundle(args: {
    signer: string;
    nonce: number;
    minedTxHash: string;
    receiptJson: string;
    outcomes: OpOutcome[];
    requeue: { hash: string; reason: string }[];
    removals: OpRemoval[];
    now: number;
  }): Promise<void>;
  /** Records outcomes of ops found on-chain outside a tracked bundle (e.g. after a lost receipt). */
  recordOpOutcomes(outcomes: OpOutcome[], now: number): Promise<void>;
  /** The bundle's nonce was consumed without our tx (or it reverted): ops go back to the queue. */
  abandonBundle(args: {
    signer: string;
    nonce: number;
    reason: string;
    maxAttempts: number;
    now: number;
    /** Stored in the same transaction: a tx that takes over the nonce (no gap, even on crash). */
    replacement?: NewTxRecord;
  }): Promise<void>;

  getSignerNonce(signer: string): Promise<number | null>;
  setSignerNonce(signer: string, nextNonce: number): Promise<void>;

  insertApiKey(key: ApiKeyRecord): Promise<void>;
  getApiKey(id: string): Promise<ApiKeyRecord | null>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  updateApiKey(
    id: string,
    patch: Partial<Pick<ApiKeyRecord, "keyHash" | "revokedAt" | "rotatedAt">>,
  ): Promise<boolean>;

  appendAudit(entry: AuditInput): Promise<void>;
  /** Audit rows in seq order, paged so verification runs in bounded memory. */
  readAudit(afterSeq: number, limit: number): Promise<AuditRow[]>;
}
