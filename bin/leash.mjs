#!/usr/bin/env node
// The `leash` command outside npm scripts (`npm link`, or `bin/leash.mjs ...` from anywhere):
// runs src/cli/main.ts with the project's tsx loader on Node 22 (the node@22 devDependency when
// the node on PATH is older, as `npm run` would), passing arguments, stdio, signals and exit code.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const [major, minor] = process.versions.node.split(".").map(Number);
const bundledNode = join(root, "node_modules", "node", "bin", "node");
const node =
  (major < 22 || (major === 22 && minor < 12)) && existsSync(bundledNode)
    ? bundledNode
    : process.execPath;
const loader = pathToFileURL(join(root, "node_modules", "tsx", "dist", "loader.mjs")).href;
const child = spawn(
  node,
  ["--import", loader, join(root, "src", "cli", "main.ts"), ...process.argv.slice(2)],
  { stdio: "inherit" },
);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => {
  process.exit(code ?? (signal === "SIGINT" ? 130 : 1));
});
