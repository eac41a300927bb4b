/**
 * Durable storage of the owners' approvals service: the approvals owners posted (until withdrawn or
 * submitted) and one row per action the relayer took for a proposal (`approve`, `execute`), whose primary
 * key makes taking it a once-only claim on both backends. It opens its own connection to the relayer's
 * database (same URL as the op queue: same durability, SQLite FULL sync or PostgreSQL) and owns its tables.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { migrate, runScript, type Migration } from "../store/migrations.js";
import { PostgresDriver, SqliteDriver, type SqlDriver } from "../store/sqlDriver.js";

/** This store's schema history: append a migration, never edit one (see src/relayer/README.md). */
export const APPROVALS_MIGRATIONS: Migration[] = [
  {
    version: 1,
    // The schema as it was before versioned migrations; IF NOT EXISTS adopts such a database as version 1.
    name: "initial",
    up: (tx) =>
      runScript(
        tx,
        `
CREATE TABLE IF NOT EXISTS owner_approvals (
  wallet TEXT NOT NULL,
  proposal_id TEXT NOT NULL,
  owner TEXT NOT NULL,
  deadline TEXT NOT NULL,
  signature TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  withdrawn_at BIGINT,
  PRIMARY KEY (wallet, proposal_id, owner)
);
CREATE TABLE IF NOT EXISTS proposal_actions (
  wallet TEXT NOT NULL,
  proposal_id TEXT NOT NULL,
  action TEXT NOT NULL,
  status TEXT NOT NULL,
  tx_hash TEXT,
  reason TEXT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (wallet, proposal_id, action)
);
`,
      ),
  },
];

export interface StoredApproval {
  wallet: string;
  proposalId: bigint;
  owner: string;
  deadline: bigint;
  signature: string;
  createdAt: number;
}

export type ProposalAction = "approve" | "execute";

export interface ActionRecord {
  status: "sending" | "sent" | "done" | "failed";
  txHash: string | null;
  reason: string | null;
  updatedAt: number;
}

type Row = Record<string, unknown>;

export class ApprovalStore {
  private constructor(private readonly db: SqlDriver) {}

  static async open(url: string): Promise<ApprovalStore> {
    let driver: SqlDriver;
    if (url.startsWith("sqlite:")) {
      const [path, query = ""] = url.slice("sqlite:".length).split("?", 2);
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      const sync = new URLSearchParams(query).get("synchronous") === "normal" ? "normal" : "full";
      driver = SqliteDriver.shared(path, sync);
    } else {
      driver = new PostgresDriver(url);
    }
    // Versioned, once per database, serialised across instances (src/relayer/store/migrations.ts).
    try {
      await migrate(driver, "approvals", APPROVALS_MIGRATIONS);
    } catch (error) {
      await driver.close();
      throw error;
    }
    return new ApprovalStore(driver);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** Stores (or replaces, e.g. after a withdrawal) one owner's approval. */
  async putApproval(a: StoredApproval): Promise<void> {
    const params = [
      a.wallet,
      a.proposalId.toString(),
      a.owner,
      a.deadline.toString(),
      a.signature,
      a.createdAt,
    ];
    await this.db.run(
      `INSERT INTO owner_approvals (wallet, proposal_id, owner, deadline, signature, created_at, withdrawn_at)
       VALUES (?, ?, ?, ?, ?, ?, NULL)
       ON CONFLICT (wallet, proposal_id, owner) DO UPDATE SET deadline = excluded.deadline,
         signature = excluded.signature, created_at = excluded.created_at, withdrawn_at = NULL`,
      params,
    );
  }

  /** Withdraws an approval not yet submitted; false when there was none (or it was already submitted). */
  async withdrawApproval(wallet: string, id: bigint, owner: string, now: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const taken = await tx.query(
        "SELECT status FROM proposal_actions WHERE wallet = ? AND proposal_id = ? AND action = 'approve'",
        [wallet, id.toString()],
      );
      if (taken.length > 0) return false;
      const changed = await tx.run(
        "UPDATE owner_approvals SET withdrawn_at = ? WHERE wallet = ? AND proposal_id = ? AND owner = ? AND withdrawn_at IS NULL",
        [now, wallet, id.toString(), owner],
      );
      return changed > 0;
    });
  }

  async approvals(wallet: string, id?: bigint): Promise<StoredApproval[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM owner_approvals WHERE wallet = ? AND withdrawn_at IS NULL
       ${id === undefined ? "" : "AND proposal_id = ?"} ORDER BY created_at, owner`,
      id === undefined ? [wallet] : [wallet, id.toString()],
    );
    return rows.map((r) => ({
      wallet: String(r.wallet),
      proposalId: BigInt(String(r.proposal_id)),
      owner: String(r.owner),
      deadline: BigInt(String(r.deadline)),
      signature: String(r.signature),
      createdAt: Number(r.created_at),
    }));
  }

  /** Proposals with live approvals and no finished action: what the service must look at after a restart. */
  async openProposals(): Promise<{ wallet: string; proposalId: bigint }[]> {
    const rows = await this.db.query<Row>(
      `SELECT DISTINCT a.wallet, a.proposal_id FROM owner_approvals a
       WHERE a.withdrawn_at IS NULL AND NOT EXISTS (
         SELECT 1 FROM proposal_actions p WHERE p.wallet = a.wallet AND p.proposal_id = a.proposal_id
           AND p.action = 'execute' AND p.status IN ('done', 'failed'))`,
    );
    return rows.map((r) => ({
      wallet: String(r.wallet),
      proposalId: BigInt(String(r.proposal_id)),
    }));
  }

  /** Takes `action` for the proposal: true for exactly one caller, across restarts and instances. */
  async claimAction(
    wallet: string,
    id: bigint,
    action: ProposalAction,
    now: number,
  ): Promise<boolean> {
    const inserted = await this.db.run(
      `INSERT INTO proposal_actions (wallet, proposal_id, action, status, updated_at) VALUES (?, ?, ?, 'sending', ?)
       ON CONFLICT (wallet, proposal_id, action) DO NOTHING`,
      [wallet, id.toString(), action, now],
    );
    return inserted === 1;
  }

  async action(wallet: string, id: bigint, action: ProposalAction): Promise<ActionRecord | null> {
    const [row] = await this.db.query<Row>(
      "SELECT * FROM proposal_actions WHERE wallet = ? AND proposal_id = ? AND action = ?",
      [wallet, id.toString(), action],
    );
    if (!row) return null;
    return {
      status: row.status as ActionRecord["status"],
      txHash: row.tx_hash === null ? null : String(row.tx_hash),
      reason: row.reason === null ? null : String(row.reason),
      updatedAt: Number(row.updated_at),
    };
  }

  async setAction(
    wallet: string,
    id: bigint,
    action: ProposalAction,
    patch: { status: ActionRecord["status"]; txHash?: string | null; reason?: string | null },
    now: number,
  ): Promise<void> {
    await this.db.run(
      `UPDATE proposal_actions SET status = ?, tx_hash = COALESCE(?, tx_hash), reason = ?, updated_at = ?
       WHERE wallet = ? AND proposal_id = ? AND action = ?`,
      [
        patch.status,
        patch.txHash ?? null,
        patch.reason ?? null,
        now,
        wallet,
        id.toString(),
        action,
      ],
    );
  }
}
