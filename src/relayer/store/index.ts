/** Opens the store named by a URL: `sqlite:<path>` (default backend) or `postgres://...`. */
import { PostgresDriver, SqliteDriver } from "./sqlDriver.js";
import { SqlRelayerStore } from "./sqlStore.js";
import type { RelayerStore } from "./types.js";

export type { RelayerStore } from "./types.js";

export async function openStore(url: string): Promise<RelayerStore> {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    if (!path) throw new Error("sqlite store URL needs a path: sqlite:<path>");
    return SqlRelayerStore.open(new SqliteDriver(path));
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    return SqlRelayerStore.open(new PostgresDriver(url));
  }
  throw new Error("unsupported store URL: use sqlite:<path> or postgres://...");
}
