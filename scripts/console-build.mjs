// The owner console's build (console/ → console/dist/, Vite): whether it is up to date with its sources, and
// how to build it. `npm run build:console` builds; `node scripts/console-build.mjs --if-stale` (what `npm start`
// and the console tests run first) builds only when a source changed, so a clean clone works and a warm one
// starts at once. Plain JavaScript: it runs before anything is compiled.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const CONSOLE_DIR = join(ROOT, "console");
export const CONSOLE_DIST = join(CONSOLE_DIR, "dist");
const STAMP = join(CONSOLE_DIST, ".build-stamp");
/** What the page is built from: its own sources and the SDK modules it imports. */
const SOURCES = [
  "console/src",
  "console/index.html",
  "console/vite.config.ts",
  "console/tsconfig.json",
  "src/client",
];
const SKIP = new Set(["dist", "node_modules"]);

function files(path, found = []) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return found;
  }
  if (!stat.isDirectory()) found.push(path);
  else
    for (const entry of readdirSync(path).sort())
      if (!SKIP.has(entry)) files(join(path, entry), found);
  return found;
}

function sourcesHash() {
  const hash = createHash("sha256");
  for (const source of SOURCES)
    for (const path of files(join(ROOT, source)))
      hash.update(`${relative(ROOT, path)}\0${readFileSync(path)}\0`);
  return hash.digest("hex");
}

/** "missing", "stale" or "fresh": by content, so a checkout that only touched mtimes rebuilds nothing. */
export function consoleBuildState() {
  if (!existsSync(join(CONSOLE_DIST, "index.html")) || !existsSync(STAMP)) return "missing";
  return readFileSync(STAMP, "utf8").trim() === sourcesHash() ? "fresh" : "stale";
}

export async function buildConsole() {
  const hash = sourcesHash();
  const { build } = await import("vite");
  await build({ configFile: join(CONSOLE_DIR, "vite.config.ts"), logLevel: "warn" });
  writeFileSync(STAMP, `${hash}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifStale = process.argv.includes("--if-stale");
  if (ifStale && consoleBuildState() === "fresh") process.exit(0);
  process.stderr.write("leash: building the owner console (vite → console/dist/)…\n");
  try {
    await buildConsole();
  } catch (error) {
    process.stderr.write(`leash: the console build failed: ${error?.message ?? error}\n`);
    process.exit(1);
  }
}
