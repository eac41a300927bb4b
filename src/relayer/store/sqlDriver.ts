/**
 * A thin driver layer so the store's SQL is written once. Queries use `?` placeholders; the
 * PostgreSQL driver rewrites them to `$n`. Integers come back as JS numbers on both backends
 * (values we store as integers are millisecond timestamps, nonces and counters, all < 2^53).
 */
import { resolve } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import pg from "pg";

export type SqlValue = string | number | null;

export interface SqlExecutor {
  query<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T[]>;
  run(sql: string, params?: SqlValue[]): Promise<number>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: "sqlite" | "postgres";
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` while holding a lock every process using the database contends for: a PostgreSQL session advisory
   * lock (held on a connection of its own, so `fn` may use the pool and transactions). On SQLite `fn` just runs:
   * its transactions already take the database's write lock (BEGIN IMMEDIATE).
   */
  exclusive<T>(lockId: number, fn: () => Promise<T>): Promise<T>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

const MAX_CACHED_STATEMENTS = 256;

/** Serialises async critical sections on the single SQLite connection. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/** The open connection of each SQLite file in this process, with how many stores use it. */
const sharedSqlite = new Map<string, { driver: SqliteDriver; users: number }>();

export class SqliteDriver implements SqlDriver {
  readonly dialect = "sqlite" as const;
  private readonly db: DatabaseSync;
  private readonly mutex = new Mutex();
  private readonly executor: SqlExecutor;
  private readonly statements = new Map<string, StatementSync>();
  private sharedAs: string | null = null;

  /**
   * The connection to `path` every store of this process uses (opened on first use, closed when the last
   * user closes it). One connection per file, not one per store: node:sqlite waits for a lock synchronously
   * (busy_timeout), so a store waiting for another store's connection in the same process blocks the very
   * event loop that connection needs to finish, and everything stalls for the whole timeout (seen as a 5 s
   * stop of the relayer with "database is locked" in the notifier). Sharing it, the stores' transactions
   * queue on one mutex instead. `:memory:` databases are never shared (each is its own database).
   */
  static shared(path: string, synchronous: "full" | "normal" = "full"): SqliteDriver {
    if (path === ":memory:") return new SqliteDriver(path, synchronous);
    const key = resolve(path);
    const open = sharedSqlite.get(key);
    if (open) {
      open.users++;
      return open.driver;
    }
    const driver = new SqliteDriver(path, synchronous);
    driver.sharedAs = key;
    sharedSqlite.set(key, { driver, users: 1 });
    return driver;
  }

  /**
   * `synchronous`: FULL (default) fsyncs every commit, so an acknowledged op survives power loss;
   * NORMAL (WAL) survives process crashes (SIGKILL) but may lose the last commits on an OS crash,
   * and is much faster because node:sqlite's synchronous fsync otherwise blocks the event loop.
   */
  constructor(path: string, synchronous: "full" | "normal" = "full") {
    this.db = new DatabaseSync(path);
    // WAL: readers don't block the writer, and a killed process leaves a consistent database.
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec(`PRAGMA synchronous = ${synchronous === "normal" ? "NORMAL" : "FULL"}`);
    this.db.exec("PRAGMA busy_timeout = 5000");
    this.executor = {
      query: async <T>(sql: string, params: SqlValue[] = []) =>
        this.statement(sql).all(...(params as SQLInputValue[])) as T[],
      run: async (sql: string, params: SqlValue[] = []) =>
        Number(this.statement(sql).run(...(params as SQLInputValue[])).changes),
    };
  }

  /**
   * The compiled statement for `sql`, kept for reuse: compiling costs ~25 us, running a typical one ~1 us,
   * and an accepted op runs about ten. Bounded: SQL with a variable number of placeholders makes new entries.
   */
  private statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  query<T>(sql: string, params?: SqlValue[]): Promise<T[]> {
    return this.mutex.run(() => this.executor.query<T>(sql, params));
  }

  run(sql: string, params?: SqlValue[]): Promise<number> {
    return this.mutex.run(() => this.executor.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn(this.executor);
        this.db.exec("COMMIT");
        return result;
      } catch (error) {
        this.db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  exclusive<T>(_lockId: number, fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  async exec(sql: string): Promise<void> {
    await this.mutex.run(async () => this.db.exec(sql));
  }

  async close(): Promise<void> {
    if (this.sharedAs !== null) {
      const open = sharedSqlite.get(this.sharedAs);
      if (open && --open.users > 0) return;
      sharedSqlite.delete(this.sharedAs);
      this.sharedAs = null;
    }
    await this.mutex.run(async () => {
      this.statements.clear();
      this.db.close();
    });
  }
}

function toPostgresPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const INT8_OID = 20;

export class PostgresDriver implements SqlDriver {
  readonly dialect = "postgres" as const;
  /** Shared with what must use the same connections (the PostgreSQL rate limiter). */
  readonly pool: pg.Pool;

  constructor(connectionString: string) {
    this.pool = new pg.Pool({
      connectionString,
      max: 8,
      types: {
        getTypeParser: ((oid: number, format?: string) =>
          oid === INT8_OID
            ? (value: string) => Number(value)
            : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on("error", () => {});
  }

  private static executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
    return {
      query: async <T>(sql: string, params: SqlValue[] = []) =>
        (await client.query(toPostgresPlaceholders(sql), params)).rows as T[],
      run: async (sql: string, params: SqlValue[] = []) =>
        (await client.query(toPostgresPlaceholders(sql), params)).rowCount ?? 0,
    };
  }

  query<T>(sql: string, params?: SqlValue[]): Promise<T[]> {
    return PostgresDriver.executor(this.pool).query<T>(sql, params);
  }

  run(sql: string, params?: SqlValue[]): Promise<number> {
    return PostgresDriver.executor(this.pool).run(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await fn(PostgresDriver.executor(client));
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async exclusive<T>(lockId: number, fn: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock($1)", [lockId]);
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    try {
      return await fn();
    } finally {
      // A failed unlock means the session is gone, and its lock with it: drop that connection.
      const unlocked = await client.query("SELECT pg_advisory_unlock($1)", [lockId]).then(
        () => undefined,
        (error: Error) => error,
      );
      client.release(unlocked);
    }
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
