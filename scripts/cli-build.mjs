// The built CLI (`dist/`, from tsconfig.cli.json): whether it is up to date with its sources, and how to
// build it. bin/leash.mjs asks before running dist/ (a stale build must never run); `npm run build:cli`
// builds it; `node scripts/cli-build.mjs --if-stale` (what `npm start` and `npm run leash` run first)
// builds only when a source changed. Plain JavaScript: it must run before anything is compiled.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  readFileSync,
  readdirSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const CLI_MAIN = join(ROOT, "dist", "src", "cli", "main.js");
const STAMP = join(ROOT, "dist", ".cli-build-stamp");
/** Everything tsconfig.cli.json compiles from, and the configs themselves. */
const SOURCES = [
  "src/cli",
  "src/client",
  "src/relayer",
  "src/projectRoot.ts",
  "deploy",
  "typechain-types",
  "hardhat.config.ts",
  "tsconfig.json",
  "tsconfig.cli.json",
];
const SKIP = new Set(["dist", "node_modules", "deployments"]);
const MAX_DEPTH = 8;

/** The source files (.ts, .json) under `path`, with their modification times, sorted by path. */
function sourceFiles(path, found = [], depth = 0) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return found;
  }
  if (!stat.isDirectory()) {
    // Declarations (.d.ts, e.g. typechain's hardhat.d.ts) emit nothing.
    if (/\.(ts|json)$/.test(path) && !path.endsWith(".d.ts"))
      found.push({ path, mtimeMs: stat.mtimeMs });
  } else if (depth < MAX_DEPTH) {
    for (const entry of readdirSync(path).sort()) {
      if (!SKIP.has(entry)) sourceFiles(join(path, entry), found, depth + 1);
    }
  }
  return found;
}

const allSources = () => SOURCES.flatMap((source) => sourceFiles(join(ROOT, source)));

const GENERATED = join(ROOT, "typechain-types");

/**
 * What the build was made from: every source's path and content. typechain writes its barrel files
 * (typechain-types/index.ts) in a different line order on each `hardhat build`: its files count by their
 * set of lines, so a reordering is no change, while a changed ABI or bytecode line still is.
 */
function sourcesHash(files) {
  const hash = createHash("sha256");
  for (const { path } of files) {
    const text = readFileSync(path, "utf8");
    const content = path.startsWith(GENERATED) ? text.split("\n").sort().join("\n") : text;
    hash.update(`${relative(ROOT, path)}\0${content}\0`);
  }
  return hash.digest("hex");
}

/**
 * "missing" (never built), "stale" (a source changed since the build) or "fresh". Modification times
 * first (a few ms); when a source looks newer, its content decides: `hardhat build` rewrites
 * typechain-types/ on every run, unchanged, and that must not send every command to the slow path.
 */
export function cliBuildState() {
  if (!existsSync(CLI_MAIN) || !existsSync(STAMP)) return "missing";
  const built = statSync(STAMP).mtimeMs;
  const files = allSources();
  if (files.every((file) => file.mtimeMs <= built)) return "fresh";
  if (sourcesHash(files) !== readFileSync(STAMP, "utf8").trim()) return "stale";
  // Same content: move the stamp forward so the next run takes the fast path again.
  const now = new Date();
  utimesSync(STAMP, now, now);
  return "fresh";
}

/**
 * Compiles the CLI into dist/ with tsc. The stamp holds the sources' hash and the build's start time, so
 * an edit made during the build counts as a change.
 */
export function buildCli() {
  const started = new Date();
  const hash = sourcesHash(allSources());
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.cli.json")], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0) return result.status ?? 1;
  writeFileSync(STAMP, `${hash}\n`);
  utimesSync(STAMP, started, started);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifStale = process.argv.includes("--if-stale");
  if (ifStale && cliBuildState() === "fresh") process.exit(0);
  // stderr only: `npm run -s leash -- --json …` keeps stdout for the command's JSON.
  process.stderr.write("leash: building the CLI (tsc -p tsconfig.cli.json → dist/)…\n");
  process.exit(buildCli());
}
