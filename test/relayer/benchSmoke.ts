/**
 * `npm run bench:relayer -- --quick --json` (a few ops per mode, the Leash relayer only): the script runs
 * end to end on anvil with the canonical EntryPoint and prints one JSON object with, for each of the three
 * modes, throughput, latency percentiles and bundle count, every op included. Shape only: the numbers are
 * the benchmark's business, not a test's.
 */
import { expect } from "chai";
import { join } from "node:path";
import { spawnTracked } from "../helpers/children.js";
import { REPO_ROOT } from "./helpers.js";

interface ModeSummary {
  ops: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  bundles: number;
  rejected: number;
  notIncluded: number;
}

describe("bench:relayer --quick", function () {
  this.timeout(300_000);

  it("prints ops/s, p50/p99 and bundles for the 1 s, automine and burst modes", async () => {
    const child = spawnTracked(
      process.execPath,
      ["--import", "tsx", join(REPO_ROOT, "scripts/bench-relayer.ts"), "--quick", "--json"],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, NODE_NO_WARNINGS: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-5_000)));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code, stderr).to.equal(0);
    const lines = stdout.trim().split("\n");
    const report = JSON.parse(lines[lines.length - 1]) as {
      settings: { streamOps: number; burstSenders: number; burstSize: number };
      modes: Record<string, { leash: ModeSummary; alto?: unknown }>;
    };
    expect(Object.keys(report.modes)).to.deep.equal(["1s", "automine", "burst"]);
    const expected: Record<string, number> = {
      "1s": report.settings.streamOps,
      automine: report.settings.streamOps,
      burst: report.settings.burstSenders * report.settings.burstSize,
    };
    for (const [mode, entry] of Object.entries(report.modes)) {
      const s = entry.leash;
      expect(s.ops, mode).to.equal(expected[mode]);
      expect(s.rejected, mode).to.equal(0);
      expect(s.notIncluded, mode).to.equal(0);
      expect(s.opsPerSecond, mode).to.be.greaterThan(0);
      expect(s.p50Ms, mode).to.be.at.most(s.p99Ms);
      expect(s.bundles, mode).to.be.within(1, s.ops);
      expect(entry.alto, "Alto runs only with --vs-alto").to.equal(undefined);
    }
  });
});
