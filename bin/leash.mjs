#!/usr/bin/env node
// The `leash` command (`npm run leash`, `npx leash`, `npm link`, or `bin/leash.mjs ...` from anywhere).
// Runs the built CLI (dist/, `npm run build:cli`) when it is up to date with its sources: in this
// process on Node >= 22.12, with V8's compile cache, so `leash --help` starts in well under a second.
// Otherwise it runs src/cli/main.ts through the project's tsx loader (seconds to start) and says so
// in one line on stderr. Node older than 22.12 gets the node@22 devDependency, as `npm run` would.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import module from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CLI_MAIN, ROOT, cliBuildState } from "../scripts/cli-build.mjs";

const [major, minor] = process.versions.node.split(".").map(Number);
const oldNode = major < 22 || (major === 22 && minor < 12);
const bundledNode = join(ROOT, "node_modules", "node", "bin", "node");
const state = cliBuildState();

if (state === "fresh" && !oldNode) {
  // Cached bytecode of ethers, commander and the CLI: most of the start-up time is compiling them.
  module.enableCompileCache?.(join(ROOT, "dist", ".compile-cache"));
  await import(pathToFileURL(CLI_MAIN).href);
} else {
  let args;
  if (state === "fresh") args = [CLI_MAIN];
  else {
    process.stderr.write(
      `leash: the built CLI is ${state === "missing" ? "missing" : "out of date"}, running from TypeScript (slow start); \`npm run build:cli\` builds it\n`,
    );
    const loader = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
    args = ["--import", loader, join(ROOT, "src", "cli", "main.ts")];
  }
  const node = oldNode && existsSync(bundledNode) ? bundledNode : process.execPath;
  const child = spawn(node, [...args, ...process.argv.slice(2)], { stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code, signal) => {
    process.exit(code ?? (signal === "SIGINT" ? 130 : 1));
  });
}
