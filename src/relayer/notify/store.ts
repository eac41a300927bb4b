/**
 * Durable outbox of the notifications service: webhook endpoints (secret per endpoint), events (id derived
 * from the chain log, so one chain event is one event id forever), one delivery row per event and endpoint,
 * the block cursor of the chain watcher, and the timers (chain times to look at again: a queued proposal's
 * eta, an agent key's validUntil) with the wallets whose past logs were read for them. Own connection to the
 * relayer's database (same URL).
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { migrate, runScript, type Migration } from "../store/migrations.js";
import {
  PostgresDriver,
  SqliteDriver,
  type SqlDriver,
  type SqlExecutor,
} from "../store/sqlDriver.js";

/** This store's schema history: append a migration, never edit one (see src/relayer/README.md). */
export const NOTIFY_MIGRATIONS: Migration[] = [
  {
    version: 1,
    // The schema as it was before versioned migrations; IF NOT EXISTS adopts such a database as version 1.
    name: "initial",
    up: (tx) =>
      runScript(
        tx,
        `
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  id TEXT PRIMARY KEY,
  wallet TEXT NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  removed_at BIGINT
);
CREATE TABLE IF NOT EXISTS notify_events (
  id TEXT PRIMARY KEY,
  wallet TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  event_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_at BIGINT NOT NULL,
  last_error TEXT,
  delivered_at BIGINT,
  PRIMARY KEY (event_id, endpoint_id)
);
CREATE TABLE IF NOT EXISTS notify_cursor (
  name TEXT PRIMARY KEY,
  block BIGINT NOT NULL
);
`,
      ),
  },
  {
    version: 2,
    // Durable timers for proposal.executable and agent.key_expiring, and the wallets whose past logs were read.
    name: "notify_timers",
    up: (tx) =>
      runScript(
        tx,
        `
CREATE TABLE IF NOT EXISTS notify_timers (
  id TEXT PRIMARY KEY,
  wallet TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  at BIGINT NOT NULL,
  done_at BIGINT
);
CREATE INDEX IF NOT EXISTS notify_timers_due ON notify_timers (done_at, at);
CREATE TABLE IF NOT EXISTS notify_wallets (
  wallet TEXT PRIMARY KEY,
  seeded_at BIGINT NOT NULL
);
`,
      ),
  },
];

export interface Endpoint {
  id: string;
  wallet: string;
  url: string;
  secret: string;
  createdAt: number;
}

export interface NotifyEvent {
  id: string;
  wallet: string;
  type: string;
  payload: string;
}

/**
 * A chain time the watcher must look at again: a queued proposal's eta (`proposal.executable`) or an agent
 * key's validUntil (`agent.key_expiring`). Its id is the id of the event it may become, so a timer armed twice
 * (a replayed block range, a wallet seeded after its logs were seen) still yields one event.
 */
export interface NotifyTimer {
  id: string;
  wallet: string;
  kind: "proposal.executable" | "agent.key_expiring";
  /** The proposal id (decimal) or the agent's address. */
  subject: string;
  /** Chain time (unix seconds): the eta, or the key's validUntil. */
  at: number;
}

export interface DueDelivery {
  eventId: string;
  endpointId: string;
  attempts: number;
  nextAt: number;
  url: string;
  secret: string;
  payload: string;
}

type Row = Record<string, unknown>;
type Tx = SqlExecutor;

async function insertEvents(tx: Tx, events: NotifyEvent[], now: number): Promise<void> {
  for (const e of events) {
    const inserted = await tx.run(
      `INSERT INTO notify_events (id, wallet, type, payload, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
      [e.id, e.wallet, e.type, e.payload, now],
    );
    if (inserted === 0) continue;
    const endpoints = await tx.query<Row>(
      "SELECT id FROM webhook_endpoints WHERE wallet = ? AND removed_at IS NULL",
      [e.wallet],
    );
    for (const ep of endpoints)
      await tx.run(
        `INSERT INTO webhook_deliveries (event_id, endpoint_id, status, attempts, next_at)
         VALUES (?, ?, 'pending', 0, ?) ON CONFLICT (event_id, endpoint_id) DO NOTHING`,
        [e.id, String(ep.id), now],
      );
  }
}

/** Arms (or re-arms, e.g. a proposal queued again with another eta) timers; an emitted event stays unique. */
async function armTimers(tx: Tx, timers: NotifyTimer[]): Promise<void> {
  for (const t of timers)
    await tx.run(
      `INSERT INTO notify_timers (id, wallet, kind, subject, at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET at = excluded.at, done_at = NULL`,
      [t.id, t.wallet, t.kind, t.subject, t.at],
    );
}

async function setCursor(tx: Tx, name: string, value: number): Promise<void> {
  await tx.run(
    `INSERT INTO notify_cursor (name, block) VALUES (?, ?)
     ON CONFLICT (name) DO UPDATE SET block = excluded.block`,
    [name, value],
  );
}

export class NotifyStore {
  private constructor(private readonly db: SqlDriver) {}

  static async open(url: string): Promise<NotifyStore> {
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
      await migrate(driver, "notify", NOTIFY_MIGRATIONS);
    } catch (error) {
      await driver.close();
      throw error;
    }
    return new NotifyStore(driver);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  async addEndpoint(e: Endpoint): Promise<void> {
    await this.db.run(
      "INSERT INTO webhook_endpoints (id, wallet, url, secret, created_at) VALUES (?, ?, ?, ?, ?)",
      [e.id, e.wallet, e.url, e.secret, e.createdAt],
    );
  }

  async removeEndpoint(wallet: string, id: string, now: number): Promise<boolean> {
    return (
      (await this.db.run(
        "UPDATE webhook_endpoints SET removed_at = ? WHERE id = ? AND wallet = ? AND removed_at IS NULL",
        [now, id, wallet],
      )) > 0
    );
  }

  async endpoints(wallet?: string): Promise<Endpoint[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM webhook_endpoints WHERE removed_at IS NULL ${wallet ? "AND wallet = ?" : ""} ORDER BY created_at`,
      wallet ? [wallet] : [],
    );
    return rows.map((r) => ({
      id: String(r.id),
      wallet: String(r.wallet),
      url: String(r.url),
      secret: String(r.secret),
      createdAt: Number(r.created_at),
    }));
  }

  async cursor(): Promise<number | null> {
    const [row] = await this.db.query<Row>("SELECT block FROM notify_cursor WHERE name = 'chain'");
    return row ? Number(row.block) : null;
  }

  /**
   * Records events and their deliveries (one per active endpoint of the wallet), arms the timers the logs
   * imply, and moves the cursor, all in one transaction: a crash replays the same blocks, and the derived ids
   * make the replay a no-op.
   */
  async recordEvents(
    events: NotifyEvent[],
    toBlock: number,
    now: number,
    timers: NotifyTimer[] = [],
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await insertEvents(tx, events, now);
      await armTimers(tx, timers);
      await setCursor(tx, "chain", toBlock);
    });
  }

  /** Records events that don't come from the chain watcher (refusals, tests), leaving its cursor alone. */
  async recordOffChainEvents(events: NotifyEvent[], now: number): Promise<void> {
    await this.db.transaction((tx) => insertEvents(tx, events, now));
  }

  /** Wallets of `wallets` whose past logs have not been read for timers yet. */
  async unseeded(wallets: string[]): Promise<string[]> {
    if (wallets.length === 0) return [];
    const rows = await this.db.query<Row>("SELECT wallet FROM notify_wallets");
    const seeded = new Set(rows.map((r) => String(r.wallet)));
    return wallets.filter((w) => !seeded.has(w));
  }

  /** Arms the timers found in a newly watched wallet's past logs, and marks it seeded (one transaction). */
  async seedWallet(wallet: string, timers: NotifyTimer[], now: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await armTimers(tx, timers);
      await tx.run(
        "INSERT INTO notify_wallets (wallet, seeded_at) VALUES (?, ?) ON CONFLICT (wallet) DO NOTHING",
        [wallet, now],
      );
    });
  }

  /**
   * Timers to look at now: proposals whose eta is at most `executableBy`, keys whose validUntil is at most
   * `expiringBy` (chain time + the notice window), earliest first, at most `limit`.
   */
  async dueTimers(executableBy: number, expiringBy: number, limit: number): Promise<NotifyTimer[]> {
    const rows = await this.db.query<Row>(
      `SELECT id, wallet, kind, subject, at FROM notify_timers
       WHERE done_at IS NULL AND ((kind = 'proposal.executable' AND at <= ?)
         OR (kind = 'agent.key_expiring' AND at <= ?))
       ORDER BY at, id LIMIT ?`,
      [executableBy, expiringBy, limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      wallet: String(r.wallet),
      kind: String(r.kind) as NotifyTimer["kind"],
      subject: String(r.subject),
      at: Number(r.at),
    }));
  }

  /**
   * Closes looked-at timers and records the events some of them became, in one transaction. `clock`, when
   * given, is the chain time up to which every due timer has now been looked at.
   */
  async finishTimers(
    timerIds: string[],
    events: NotifyEvent[],
    now: number,
    clock?: number,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await insertEvents(tx, events, now);
      for (const id of timerIds)
        await tx.run("UPDATE notify_timers SET done_at = ? WHERE id = ?", [now, id]);
      if (clock !== undefined) await setCursor(tx, "deadlines", clock);
    });
  }

  /**
   * Moves the deadlines cursor alone: one statement, no transaction (a transaction held across awaits on
   * SQLite makes the relayer's other connections to the file wait).
   */
  async setDeadlinesCheckedUntil(clock: number): Promise<void> {
    await setCursor(this.db, "deadlines", clock);
  }

  /** The chain time up to which due timers have all been looked at (null before the first check). */
  async deadlinesCheckedUntil(): Promise<number | null> {
    const [row] = await this.db.query<Row>(
      "SELECT block FROM notify_cursor WHERE name = 'deadlines'",
    );
    return row ? Number(row.block) : null;
  }

  /**
   * Events of `wallet` recorded after the event `lastId`, ordered by (recording time, id); none when that id
   * is unknown or another wallet's (nothing to resume from).
   */
  async eventsAfter(wallet: string, lastId: string, limit: number): Promise<NotifyEvent[]> {
    const [last] = await this.db.query<Row>(
      "SELECT created_at FROM notify_events WHERE id = ? AND wallet = ?",
      [lastId, wallet],
    );
    if (!last) return [];
    const at = Number(last.created_at);
    const rows = await this.db.query<Row>(
      `SELECT id, wallet, type, payload FROM notify_events
       WHERE wallet = ? AND (created_at > ? OR (created_at = ? AND id > ?))
       ORDER BY created_at, id LIMIT ?`,
      [wallet, at, at, lastId, limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      wallet: String(r.wallet),
      type: String(r.type),
      payload: String(r.payload),
    }));
  }

  /** Every recorded event of `wallet`, in recording order. */
  async events(wallet: string): Promise<NotifyEvent[]> {
    const rows = await this.db.query<Row>(
      "SELECT id, wallet, type, payload FROM notify_events WHERE wallet = ? ORDER BY created_at, id",
      [wallet],
    );
    return rows.map((r) => ({
      id: String(r.id),
      wallet: String(r.wallet),
      type: String(r.type),
      payload: String(r.payload),
    }));
  }

  async due(now: number, limit: number): Promise<DueDelivery[]> {
    const rows = await this.db.query<Row>(
      `SELECT d.event_id, d.endpoint_id, d.attempts, d.next_at, w.url, w.secret, e.payload
       FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
       JOIN notify_events e ON e.id = d.event_id
       WHERE d.status = 'pending' AND d.next_at <= ? AND w.removed_at IS NULL
       ORDER BY d.next_at LIMIT ?`,
      [now, limit],
    );
    return rows.map((r) => ({
      eventId: String(r.event_id),
      endpointId: String(r.endpoint_id),
      attempts: Number(r.attempts),
      nextAt: Number(r.next_at),
      url: String(r.url),
      secret: String(r.secret),
      payload: String(r.payload),
    }));
  }

  /** Compare-and-set on `next_at`: of several instances, one takes the attempt. */
  async claim(d: DueDelivery, until: number): Promise<boolean> {
    return (
      (await this.db.run(
        "UPDATE webhook_deliveries SET next_at = ? WHERE event_id = ? AND endpoint_id = ? AND next_at = ? AND status = 'pending'",
        [until, d.eventId, d.endpointId, d.nextAt],
      )) === 1
    );
  }

  async delivered(d: DueDelivery, now: number): Promise<void> {
    await this.db.run(
      "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE event_id = ? AND endpoint_id = ?",
      [now, d.eventId, d.endpointId],
    );
  }

  async failed(d: DueDelivery, error: string, nextAt: number | null): Promise<void> {
    await this.db.run(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = ?, next_at = ?, status = ?
       WHERE event_id = ? AND endpoint_id = ?`,
      [
        error.slice(0, 300),
        nextAt ?? 0,
        nextAt === null ? "failed" : "pending",
        d.eventId,
        d.endpointId,
      ],
    );
  }

  async deliveries(
    endpointId: string,
  ): Promise<{ eventId: string; status: string; attempts: number }[]> {
    const rows = await this.db.query<Row>(
      "SELECT event_id, status, attempts FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY event_id",
      [endpointId],
    );
    return rows.map((r) => ({
      eventId: String(r.event_id),
      status: String(r.status),
      attempts: Number(r.attempts),
    }));
  }
}
