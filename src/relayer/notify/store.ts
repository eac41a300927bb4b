/**
 * Durable outbox of the notifications service: webhook endpoints (secret per endpoint), events (id derived
 * from the chain log, so one chain event is one event id forever), one delivery row per event and endpoint,
 * and the block cursor of the chain watcher. Own connection to the relayer's database (same URL).
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { migrate, runScript, type Migration } from "../store/migrations.js";
import { PostgresDriver, SqliteDriver, type SqlDriver } from "../store/sqlDriver.js";

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

export class NotifyStore {
  private constructor(private readonly db: SqlDriver) {}

  static async open(url: string): Promise<NotifyStore> {
    let driver: SqlDriver;
    if (url.startsWith("sqlite:")) {
      const [path, query = ""] = url.slice("sqlite:".length).split("?", 2);
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      const sync = new URLSearchParams(query).get("synchronous") === "normal" ? "normal" : "full";
      driver = new SqliteDriver(path, sync);
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
   * Records events and their deliveries (one per active endpoint of the wallet) and moves the cursor, all in
   * one transaction: a crash replays the same blocks, and the derived ids make the replay a no-op.
   */
  async recordEvents(events: NotifyEvent[], toBlock: number, now: number): Promise<void> {
    await this.db.transaction(async (tx) => {
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
      await tx.run(
        `INSERT INTO notify_cursor (name, block) VALUES ('chain', ?)
         ON CONFLICT (name) DO UPDATE SET block = excluded.block`,
        [toBlock],
      );
    });
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
