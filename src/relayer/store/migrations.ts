/**
 * Versioned schema migrations for the relayer's database (SQLite and PostgreSQL), run by umzug with a storage of
 * our own: the table `schema_migrations`, one row per (component, version). Each store (the op queue, the owners'
 * approvals, the notifications outbox) owns one component and its numbered migrations; `migrate()` applies the
 * pending ones in order when the store opens.
 *
 * - Each migration runs in one transaction with the insert of its version row (both engines have transactional
 *   DDL): it is applied entirely, recorded, or not at all. The row is written there, not by umzug's
 *   `logMigration`, so a crash can never leave a migration applied but unrecorded (it would run twice).
 * - Several instances may start at once. On PostgreSQL the whole run holds a session advisory lock, so a second
 *   instance waits and then finds nothing pending; on SQLite the transaction starts with BEGIN IMMEDIATE (the
 *   database's write lock). In both, the migration re-checks its version row inside its transaction and skips
 *   itself if another process recorded it meanwhile.
 * - A database whose component is at a version this code doesn't know (a newer relayer migrated it) is refused:
 *   an older relayer would write rows the newer schema doesn't expect.
 */
import { Umzug, type UmzugStorage } from "umzug";
import type { SqlDriver, SqlExecutor } from "./sqlDriver.js";

export type Dialect = SqlDriver["dialect"];

export interface Migration {
  /** 1, 2, 3… within the component: the order, and the number recorded in `schema_migrations`. */
  version: number;
  /** Short, for people: what the migration does (recorded beside the version). */
  name: string;
  /** Runs inside the migration's transaction. */
  up(tx: SqlExecutor, dialect: Dialect): Promise<void>;
}

/** Any constant: the PostgreSQL advisory lock every instance takes while migrating. */
export const MIGRATION_LOCK_ID = 4_337_002;

const VERSION_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  component TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL,
  PRIMARY KEY (component, version)
)`;

/** Splits a script of `;`-terminated statements (no `;` inside literals) into statements. */
export function statements(sql: string): string[] {
  return sql
    .split(";")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Runs each statement of `sql` in `tx`. */
export async function runScript(tx: SqlExecutor, sql: string): Promise<void> {
  for (const statement of statements(sql)) await tx.run(statement);
}

const migrationName = (component: string, m: Pick<Migration, "version" | "name">) =>
  `${component}/${String(m.version).padStart(4, "0")}-${m.name}`;

function checkList(component: string, migrations: Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(
        `migrations of ${component} must be numbered 1, 2, 3… in order (found ${m.version} at position ${i + 1})`,
      );
  });
}

export interface MigrationResult {
  /** Names of the migrations this call applied (empty when the schema was current). */
  applied: string[];
  /** The component's schema version after the call. */
  version: number;
}

/** Applies the component's pending migrations; see the module comment for the guarantees. */
export async function migrate(
  db: SqlDriver,
  component: string,
  migrations: Migration[],
): Promise<MigrationResult> {
  checkList(component, migrations);
  return db.exclusive(MIGRATION_LOCK_ID, async () => {
    await db.run(VERSION_TABLE);
    const recorded = async (tx: SqlExecutor = db) =>
      (
        await tx.query<{ version: number }>(
          "SELECT version FROM schema_migrations WHERE component = ? ORDER BY version",
          [component],
        )
      ).map((r) => Number(r.version));
    const known = migrations.length;
    const newest = Math.max(0, ...(await recorded()));
    if (newest > known)
      throw new Error(
        `the database's ${component} schema is at version ${newest}, newer than this relayer knows (${known}): run a newer relayer`,
      );

    const byName = new Map(migrations.map((m) => [migrationName(component, m), m]));
    // What this call applied (not what umzug ran: a migration may find it was applied meanwhile and skip).
    const applied: string[] = [];
    const storage: UmzugStorage<SqlDriver> = {
      executed: async () =>
        (await recorded())
          .map((v) => migrations[v - 1])
          .filter(Boolean)
          .map((m) => migrationName(component, m)),
      // Recorded by the migration's own transaction (below), atomically with its changes.
      logMigration: async () => {},
      unlogMigration: async () => {
        throw new Error("schema migrations are never reverted: add a new migration instead");
      },
    };
    const umzug = new Umzug<SqlDriver>({
      migrations: [...byName].map(([name, m]) => ({
        name,
        up: async ({ context }) => {
          const done = await context.transaction(async (tx) => {
            // Another process may have applied it since `executed` was read (SQLite has no advisory lock).
            if ((await recorded(tx)).includes(m.version)) return false;
            await m.up(tx, context.dialect);
            await tx.run(
              "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)",
              [component, m.version, m.name, Date.now()],
            );
            return true;
          });
          if (done) applied.push(name);
        },
      })),
      context: db,
      storage,
      logger: undefined,
    });
    await umzug.up();
    return { applied, version: Math.max(0, ...(await recorded())) };
  });
}

/** The recorded versions of every component (for tests and operators). */
export async function schemaVersions(
  db: SqlExecutor,
): Promise<{ component: string; version: number; name: string; appliedAt: number }[]> {
  const rows = await db.query<Record<string, unknown>>(
    "SELECT component, version, name, applied_at FROM schema_migrations ORDER BY component, version",
  );
  return rows.map((r) => ({
    component: String(r.component),
    version: Number(r.version),
    name: String(r.name),
    appliedAt: Number(r.applied_at),
  }));
}
