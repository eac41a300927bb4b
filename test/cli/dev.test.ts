/**
 * `leash dev --once` end to end (what `npm start -- --once` runs after the build): local chain,
 * Ignition deployment, demo wallet, relayer, and the six-step scene, each step's outcome checked.
 * Plus the scene runner's failure verdict, which names the step that went wrong.
 */
import { expect } from "chai";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Output } from "../../src/cli/output.js";
import { StepFailure, runScene, sceneFailure, type StepResult } from "../../src/cli/dev/scene.js";
import { errorLine, json, leash, tempDir } from "./helpers.js";

const STEP_TITLES = [
  /^the agent pays 0\.1 ETH to the merchant, within its limits$/,
  /^the agent tries to pay 1\.5 ETH \(per-payment cap 1 ETH\)$/,
  /^the agent asks for 0\.8 ETH \(above its approval threshold of 0\.25 ETH\)$/,
  /^two of the three owners approve the escalation, then it executes$/,
  /^the guardian pauses the wallet; the agent tries to pay$/,
  /^the owners unpause after the minimum pause \(1 h\), then the agent pays again$/,
];

describe("leash dev --once: the one-command local stack and its scene", function () {
  this.timeout(180_000);

  it("runs every step with its expected outcome and exits 0 (JSON report)", async () => {
    const stateDir = tempDir("leash-once-");
    const result = await leash(
      ["--json", "dev", "--once", "--state-dir", stateDir, "--port", "0", "--relayer-port", "0"],
      { cwd: stateDir, timeoutMs: 150_000 },
    );
    expect(result.code, result.stderr).to.equal(0);
    const report = json<{
      ok: boolean;
      wallet: string;
      apiKey: string;
      addresses: Record<string, string>;
      steps: StepResult[];
    }>(result);
    expect(report.ok).to.equal(true);
    expect(report.steps).to.have.length(6);
    report.steps.forEach((step, i) => {
      expect(step.title).to.match(STEP_TITLES[i]);
      expect(step.ok, `step ${i + 1}: ${step.detail}`).to.equal(true);
    });
    const [paid, overspent, escalated, approved, paused, unpaused] = report.steps.map(
      (s) => s.detail,
    );
    expect(paid).to.match(/^executed in tx 0x[0-9a-f]{64}; merchant received 0\.1 ETH$/);
    expect(overspent).to.equal("refused: PolicyPerTxLimitExceeded (amount 1.5 ETH > cap 1 ETH)");
    expect(escalated).to.match(
      /^escalated: ApprovalRequested, proposal 1 waits for 2 of 3 owners$/,
    );
    expect(approved).to.match(/executed; merchant received 0\.8 ETH$/);
    expect(paused).to.equal("paused; the agent's payment was refused: wallet is paused");
    expect(unpaused).to.match(
      /^early unpause refused \(WalletPauseTooShort\); dev chain time advanced 3600 s/,
    );
    expect(Object.keys(report.addresses).sort()).to.deep.equal([
      "entryPoint",
      "factory",
      "governanceModule",
      "implementation",
      "policyModule",
    ]);
    expect(report.apiKey).to.match(/^leash_[0-9a-f]{16}_/);
    // The state a user drives by hand afterwards, and the process released it.
    for (const file of ["config.json", "keys/owner1.json", "keys/agent.json", "relayer.sqlite"])
      expect(existsSync(join(stateDir, file)), file).to.equal(true);
    expect(existsSync(join(stateDir, "dev.pid"))).to.equal(false);
    expect(existsSync(join(stateDir, "ignition/deployments/leash-dev"))).to.equal(true);
  });

  it("prints the stack and each step for people, and ends with the verdict", async () => {
    const stateDir = tempDir("leash-once-");
    const result = await leash(
      ["dev", "--once", "--state-dir", stateDir, "--port", "0", "--relayer-port", "0"],
      { cwd: stateDir, timeoutMs: 150_000 },
    );
    expect(result.code, result.stderr).to.equal(0);
    for (const label of [
      "chain (JSON-RPC)",
      "relayer",
      "EntryPoint v0.8",
      "factory",
      "demo wallet",
      "agent API key",
    ])
      expect(result.stdout).to.match(new RegExp(`^${label.replace(/[()]/g, "\\$&")}\\s+\\S`, "m"));
    const ticks = result.stdout.split("\n").filter((l) => l.startsWith("   ✔ "));
    expect(ticks).to.have.length(6);
    expect(result.stdout).to.match(/✔ scene: 6 of 6 steps had their expected outcome/);
    expect(result.stdout).not.to.include("✖");
    // The one-shot run does not print the "drive it by hand" commands for a stack that is gone.
    expect(result.stdout).not.to.include("Drive the same wallet by hand");
    expect(result.stderr).to.include("local chain at http://127.0.0.1:");
  });

  it("a second leash dev on the same state directory is refused while the first runs", async () => {
    const stateDir = tempDir("leash-lock-");
    const { writeFileSync } = await import("node:fs");
    // This test process stands in for the running `leash dev` that owns the directory.
    writeFileSync(join(stateDir, "dev.pid"), String(process.pid));
    const result = await leash(["dev", "--once", "--state-dir", stateDir, "--port", "0"], {
      cwd: stateDir,
    });
    expect(result.code).to.equal(1);
    expect(errorLine(result)).to.equal(
      `another leash dev (pid ${process.pid}) is using ${stateDir}: stop it first or pass --state-dir`,
    );
  });
});

describe("leash dev scene runner", function () {
  const quiet = new Output(true);

  it("stops at the first unexpected outcome, marks later steps not run, and names the step", async () => {
    const ran: number[] = [];
    const report = await runScene(
      [
        { title: "first", expect: "ok", run: async () => (ran.push(1), "fine") },
        {
          title: "second",
          expect: "a refusal",
          run: async () => {
            ran.push(2);
            throw new StepFailure("expected PolicyPerTxLimitExceeded, but it went through");
          },
        },
        { title: "third", expect: "ok", run: async () => (ran.push(3), "fine") },
      ],
      quiet,
    );
    expect(ran).to.deep.equal([1, 2]);
    expect(report.ok).to.equal(false);
    expect(report.steps.map((s) => s.ok)).to.deep.equal([true, false, null]);
    expect(report.steps[2].detail).to.equal("not run");
    const failure = sceneFailure(report)!;
    expect(failure.exitCode).to.equal(4);
    expect(failure.message).to.equal(
      "scene step 2 (second) did not have its expected outcome: expected PolicyPerTxLimitExceeded, but it went through",
    );
  });

  it("an unexpected error in a step is reported as such, on one line", async () => {
    const report = await runScene(
      [
        {
          title: "boom",
          expect: "ok",
          run: async () => Promise.reject(new Error("node down\n  at x")),
        },
      ],
      quiet,
    );
    expect(report.steps[0].detail).to.equal("unexpected error: node down");
    expect(sceneFailure(report)!.message).to.match(/^scene step 1 \(boom\)/);
  });

  it("every step with its outcome: no failure verdict", async () => {
    const report = await runScene([{ title: "a", expect: "b", run: async () => "c" }], quiet);
    expect(report.ok).to.equal(true);
    expect(sceneFailure(report)).to.equal(null);
  });
});
