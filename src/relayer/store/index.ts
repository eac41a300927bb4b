/**
 * Opens the store named by a URL: `sqlite:<path>` (default backend; append
 * `?synchronous=normal` to trade power-loss durability for speed) or `postgres://...`.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { PostgresDriver, SqliteDriver } from "./sqlDriver.js";
import { SqlRelayerStore } from "./sqlStore.js";
import type { RelayerStore } from "./types.js";

export type { RelayerStore } from "./types.js";

export async function openStore(url: string): Promise<RelayerStore> {
  if (url.startsWith("sqlite:")) {
    const [path, query = ""] = url.slice("sqlite:".length).split("?", 2);
    if (!path) throw new Error("sqlite store URL needs a path: sqlite:<path>");
    const synchronous = new URLSearchParams(query).get("synchronous") ?? "full";
    if (synchronous !== "full" && synchronous !== "normal") {
      throw new Error("sqlite synchronous must be full or normal");
    }
    // The default path (.leash/relayer.sqlite) lives in a directory that may not exist yet.
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    return SqlRelayerStore.open(SqliteDriver.shared(path, synchronous));
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    return SqlRelayerStore.open(new PostgresDriver(url));
  }
  throw new Error("unsupported store URL: use sqlite:<path> or postgres://...");
}
