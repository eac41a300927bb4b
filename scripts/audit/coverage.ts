/**
 * Line and branch coverage of `contracts/` (mocks excluded), measured with `hardhat test --coverage` in a copy of
 * the project whose production sources carry branch probes (see branchProbes.ts). Working in a copy leaves the
 * repository's artifacts (the production build) untouched.
 *
 * Not run under coverage: the relayer, SDK and CLI suites (they drive a separate `hardhat node` process, so they
 * can't add coverage of the contracts) and the production-build measurements (`@productionBuild`, the gas
 * snapshot), whose numbers instrumentation changes.
 */
import { spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { type FileCoverage, addBranchProbes, fileCoverage } from "./branchProbes.js";
import { productionSources, readSource } from "./solidity.js";

export const SOLC_VERSION = "0.8.28";
export const LINE_TARGET = 95;
export const BRANCH_TARGET = 90;
/** Test files left out of the coverage run, and why. */
export const EXCLUDED_TESTS: Record<string, string> = {
  "test/relayer/": "runs against a separate hardhat node process: adds no coverage of contracts/",
  "test/client/":
    "the SDK's tests run against a separate hardhat node process: no coverage of contracts/",
  "test/cli/":
    "the CLI's tests run `leash` (and its node) in other processes: no coverage of contracts/",
  "test/console/":
    "the owner console's tests drive Chromium against the dev stack in other processes: no coverage of contracts/, and the stack's deterministic addresses are the production build's",
  "test/deploy/":
    "deploys the production build on separately started chains and checks its CREATE2 addresses: instrumented bytecode has other addresses, and other processes add no coverage",
  "test/policy/gas.test.ts":
    "compares production gas with gas-snapshot.json; instrumented code costs more",
};

export type CoverageResult = {
  ok: boolean;
  lines: { hit: number; total: number; percent: number };
  branches: { hit: number; total: number; percent: number };
  files: FileCoverage[];
  tests: { passing: number; failing: number; failures: string[] };
  excludedTests: Record<string, string>;
  log: string;
  seconds: number;
};

const pct = (hit: number, total: number) =>
  total === 0 ? 100 : Math.round((hit / total) * 10_000) / 100;

/** Files of the working tree git knows about or would add (tracked + untracked, ignored files excluded). */
function projectFiles(root: string): string[] {
  const out = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return out.split("\0").filter((f) => f && existsSync(path.join(root, f)));
}

function listTests(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (/\.(ts|sol)$/.test(entry.name)) out.push(rel);
    }
  };
  walk("test");
  return (
    out
      .filter((f) => !Object.keys(EXCLUDED_TESTS).some((x) => f.startsWith(x)))
      // TypeScript helpers aren't test files; Solidity ones (the invariant handlers under utils/) must be compiled
      // with the tests, or the invariant tests have no contracts to fuzz.
      .filter(
        (f) =>
          f.endsWith(".sol") ||
          (!f.startsWith("test/helpers/") && !f.includes("/utils/") && !f.includes("/lib/")),
      )
      .sort()
  );
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, FORCE_COLOR: "0" } });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Hits per coverage tag recorded by a run (every data file of every test runner). */
function readHits(dir: string): Map<string, number> {
  const hits = new Map<string, number>();
  const data = path.join(dir, "coverage", "data");
  if (!existsSync(data)) return hits;
  for (const runner of readdirSync(data)) {
    for (const file of readdirSync(path.join(data, runner))) {
      const entries = JSON.parse(readFileSync(path.join(data, runner, file), "utf8")) as Record<
        string,
        number
      >;
      for (const [tag, count] of Object.entries(entries))
        hits.set(tag, (hits.get(tag) ?? 0) + count);
    }
  }
  return hits;
}

export async function measureCoverage(
  root: string,
  opts: { keep?: boolean } = {},
): Promise<CoverageResult> {
  const started = Date.now();
  const work = mkdtempSync(path.join(tmpdir(), "leash-audit-coverage-"));
  try {
    for (const file of projectFiles(root)) {
      mkdirSync(path.join(work, path.dirname(file)), { recursive: true });
      cpSync(path.join(root, file), path.join(work, file));
    }
    symlinkSync(path.join(root, "node_modules"), path.join(work, "node_modules"), "dir");
    const probed = new Map<string, ReturnType<typeof addBranchProbes>>();
    for (const file of productionSources(root)) {
      const p = addBranchProbes(file, readSource(root, file));
      probed.set(file, p);
      writeFileSync(path.join(work, file), p.transformed);
    }
    const tests = listTests(work);
    const { code, output } = await run("npx", ["hardhat", "test", "--coverage", ...tests], work);
    const hits = readHits(work);
    if (hits.size === 0) {
      throw new Error(`coverage run recorded nothing (exit ${code}):\n${output.slice(-4000)}`);
    }
    const files: FileCoverage[] = [];
    for (const [file, p] of probed) {
      const cov = await fileCoverage(file, p, SOLC_VERSION, (tag) => (hits.get(tag) ?? 0) > 0);
      if (cov.lines.total > 0) files.push(cov);
    }
    // Every production file with code was reached: otherwise the tags didn't match (instrumentation drift).
    const unreached = files.filter((f) => f.lines.hit === 0).map((f) => f.file);
    if (unreached.length > 0) throw new Error(`no coverage recorded for ${unreached.join(", ")}`);
    const sum = (pick: (f: FileCoverage) => { hit: number; total: number }) =>
      files.reduce((a, f) => ({ hit: a.hit + pick(f).hit, total: a.total + pick(f).total }), {
        hit: 0,
        total: 0,
      });
    const lines = sum((f) => f.lines);
    const branches = sum((f) => f.branches);
    // Hardhat's closing summary covers both runners: "389 passing (38 solidity, 351 mocha)".
    const total = /^(\d+) passing \(\d+ solidity, \d+ mocha\)/m.exec(output);
    const passing = total ? Number(total[1]) : 0;
    const failingMatch = /^(\d+) failing \(/m.exec(output);
    const failing = failingMatch ? Number(failingMatch[1]) : code === 0 ? 0 : -1;
    const failures = [...output.matchAll(/^\s+\d+\) (.+)$/gm)].map((m) => m[1].trim()).slice(0, 50);
    const result: CoverageResult = {
      ok: false,
      lines: { ...lines, percent: pct(lines.hit, lines.total) },
      branches: { ...branches, percent: pct(branches.hit, branches.total) },
      files: files.sort((a, b) => a.file.localeCompare(b.file)),
      tests: { passing, failing, failures },
      excludedTests: EXCLUDED_TESTS,
      log: output,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    result.ok =
      code === 0 &&
      failing === 0 &&
      result.lines.percent >= LINE_TARGET &&
      result.branches.percent >= BRANCH_TARGET;
    return result;
  } finally {
    if (!opts.keep) rmSync(work, { recursive: true, force: true });
  }
}

export function coverageMarkdown(r: CoverageResult): string {
  const rows = r.files.map(
    (f) =>
      `| ${f.file} | ${pct(f.lines.hit, f.lines.total)} % (${f.lines.hit}/${f.lines.total}) | ` +
      `${pct(f.branches.hit, f.branches.total)} % (${f.branches.hit}/${f.branches.total}) | ` +
      `${f.lines.uncovered.join(", ") || "-"} | ${f.branches.uncovered.join(", ") || "-"} |`,
  );
  return [
    "# Coverage of contracts/ (mocks excluded)",
    "",
    `Lines **${r.lines.percent} %** (${r.lines.hit}/${r.lines.total}, target ≥ ${LINE_TARGET} %), branches **${r.branches.percent} %** ` +
      `(${r.branches.hit}/${r.branches.total}, target ≥ ${BRANCH_TARGET} %). Instrumented test run: ${r.tests.passing} passing, ` +
      `${r.tests.failing} failing, ${r.seconds} s.`,
    "",
    "Lines as `hardhat test --coverage` counts them. Branches: both outcomes of every `if` (an empty `else {}` probe",
    "is added, in a copy, to each `if` without one); ternaries and `&&`/`||` are not measured. Uncovered branches",
    "are `line:true` (the body never ran) or `line:false` (the condition was never false).",
    "",
    "| file | lines | branches | uncovered lines | uncovered branches |",
    "|---|---:|---:|---|---|",
    ...rows,
    "",
    "Not run under coverage:",
    "",
    ...Object.entries(r.excludedTests).map(([f, why]) => `- \`${f}\`: ${why}`),
    "- tests tagged `@productionBuild` (EIP-170 sizes, ERC-7562 traces): measure the production build",
    ...(r.tests.failures.length > 0
      ? ["", "Failing tests:", "", ...r.tests.failures.map((f) => `- ${f}`)]
      : []),
    "",
  ].join("\n");
}
