/**
 * The built CLI (`npm run build:cli` → dist/): bin/leash.mjs runs it, not tsx, when it is up to date; it
 * answers --version and --help like the TypeScript source; `--json` output is clean on stdout through
 * `npm run -s leash`; a source rewritten with the same content (what `hardhat build` does to typechain-types/)
 * or typechain's barrels in another line order keep the build usable, while a stale build falls back to tsx
 * with a one-line hint.
 * No timing is asserted (a loaded machine must not fail it); the README gives the measured numbers.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, cleanEnv, tempDir, type RunResult } from "./helpers.js";

const BIN = join(REPO_ROOT, "bin/leash.mjs");
const BUILD = join(REPO_ROOT, "scripts/cli-build.mjs");
const STAMP = join(REPO_ROOT, "dist/.cli-build-stamp");
const HINT = "running from TypeScript";

function run(
  command: string,
  args: string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const child = spawn(command, args, { cwd: options.cwd ?? tempDir(), env: cleanEnv() });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${args.join(" ")} timed out\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const buildState = async (): Promise<string> => {
  const result = await run(process.execPath, [
    "--input-type=module",
    "-e",
    `import { cliBuildState } from ${JSON.stringify(BUILD)}; console.log(cliBuildState());`,
  ]);
  expect(result.code, result.stderr).to.equal(0);
  return result.stdout.trim();
};

describe("leash CLI built to JavaScript (dist/)", function () {
  this.timeout(120_000);

  before(async function () {
    // tsc over the CLI's sources: tens of seconds on a loaded machine.
    this.timeout(600_000);
    const built = await run(process.execPath, [BUILD, "--if-stale"], {
      cwd: REPO_ROOT,
      timeoutMs: 590_000,
    });
    expect(built.code, built.stdout + built.stderr).to.equal(0);
    expect(built.stdout).to.equal("");
  });

  it("bin/leash.mjs runs the build, not tsx: --version and --help", async () => {
    expect(await buildState()).to.equal("fresh");
    const version = await run(process.execPath, [BIN, "--version"]);
    expect(version.code, version.stderr).to.equal(0);
    expect(version.stdout.trim()).to.equal("0.1.0");
    expect(version.stderr).not.to.include(HINT);
    const help = await run(process.execPath, [BIN, "--help"]);
    expect(help.code, help.stderr).to.equal(0);
    expect(help.stderr).not.to.include(HINT);
    for (const command of ["dev", "wallet", "agent", "pay", "mcp", "relayer", "apikey", "audit"])
      expect(help.stdout).to.match(new RegExp(`^  ${command}\\b`, "m"));
  });

  it("the built relayer knows Leash wallets as the source does (artifacts found from dist/)", async () => {
    const probe = (module: string) =>
      run(
        process.execPath,
        [
          ...(module.endsWith(".ts") ? ["--import", "tsx"] : []),
          "--input-type=module",
          "-e",
          `const m = await import(${JSON.stringify(module)}); console.log(JSON.stringify({ hash: m.leashProxyCodeHash(), implementations: m.knownImplementations() }));`,
        ],
        { cwd: REPO_ROOT },
      );
    const built = await probe(join(REPO_ROOT, "dist/src/relayer/approvals/leashWallets.js"));
    const source = await probe(join(REPO_ROOT, "src/relayer/approvals/leashWallets.ts"));
    expect(built.code, built.stderr).to.equal(0);
    expect(source.code, source.stderr).to.equal(0);
    const fromDist = JSON.parse(built.stdout) as { hash: string | null; implementations: string[] };
    expect(fromDist.hash).to.match(/^0x[0-9a-f]{64}$/);
    expect(fromDist.implementations).to.have.length(1);
    expect(fromDist).to.deep.equal(JSON.parse(source.stdout));
  });

  it("dist/src/cli/main.js runs on its own, with the same usage errors and exit codes", async () => {
    const main = join(REPO_ROOT, "dist/src/cli/main.js");
    const version = await run(process.execPath, [main, "--version"]);
    expect(version.code, version.stderr).to.equal(0);
    expect(version.stdout.trim()).to.equal("0.1.0");
    const unknown = await run(process.execPath, [main, "frobnicate", "--json"]);
    expect(unknown.code).to.equal(2);
    expect(unknown.stdout).to.equal("");
    expect(JSON.parse(unknown.stderr).error.message).to.equal("unknown command 'frobnicate'");
  });

  it("npm run -s leash -- --json …: one JSON document on stdout, nothing else", async () => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const result = await run(npm, ["run", "-s", "leash", "--", "--json", "config", "show"], {
      cwd: REPO_ROOT,
    });
    expect(result.code, result.stderr).to.equal(0);
    const shown = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(shown).to.have.property("rpcUrl");
    expect(result.stderr).not.to.include(HINT);
  });

  it("a source rewritten with the same content keeps the build fresh; the stamp moves forward", async () => {
    // What `hardhat build` does to typechain-types/ on every run.
    const source = join(REPO_ROOT, "typechain-types/index.ts");
    const later = new Date(statSync(STAMP).mtimeMs + 5_000);
    utimesSync(source, later, later);
    const hash = readFileSync(STAMP, "utf8");
    expect(await buildState()).to.equal("fresh");
    expect(statSync(STAMP).mtimeMs).to.be.greaterThan(later.getTime() - 1);
    expect(readFileSync(STAMP, "utf8")).to.equal(hash);
  });

  it("typechain's barrels rewritten in another line order (each hardhat build) are no change", async () => {
    const barrel = join(REPO_ROOT, "typechain-types/index.ts");
    const original = readFileSync(barrel, "utf8");
    try {
      writeFileSync(barrel, original.split("\n").reverse().join("\n"));
      expect(await buildState()).to.equal("fresh");
    } finally {
      writeFileSync(barrel, original);
    }
  });

  it("a stale build is never run: bin/leash.mjs falls back to tsx with a one-line hint", async () => {
    // A generated file, restored below: a line more is a change of content (a new ABI, a new contract).
    const barrel = join(REPO_ROOT, "typechain-types/index.ts");
    const original = readFileSync(barrel, "utf8");
    try {
      writeFileSync(barrel, `${original}\nexport type LeashStaleProbe = 1;\n`);
      expect(await buildState()).to.equal("stale");
      const version = await run(process.execPath, [BIN, "--version"]);
      expect(version.code, version.stderr).to.equal(0);
      expect(version.stdout.trim()).to.equal("0.1.0");
      expect(version.stderr.trim()).to.equal(
        "leash: the built CLI is out of date, running from TypeScript (slow start); `npm run build:cli` builds it",
      );
    } finally {
      writeFileSync(barrel, original);
    }
    expect(await buildState()).to.equal("fresh");
  });
});
