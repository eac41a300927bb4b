/**
 * `leash dev --once` end to end (what `npm start -- --once` runs after the build): local chain,
 * Ignition deployment, demo wallet, relayer, and the six-step scene, each step's outcome checked.
 * Plus the scene runner's failure verdict, which names the step that went wrong.
 */
import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { predictStackAddresses } from "../../deploy/deterministic.js";
import { spawnTracked, stopTracked } from "../helpers/children.js";
import { Output } from "../../src/cli/output.js";
import { startLocalChain, type LocalChain } from "../../src/cli/dev/chain.js";
import { StepFailure, runScene, sceneFailure, type StepResult } from "../../src/cli/dev/scene.js";
import {
  REPO_ROOT,
  cleanEnv,
  errorLine,
  json,
  leash,
  rpc,
  startDevStack,
  tempDir,
  type DevStackProcess,
} from "./helpers.js";

const configOf = (stateDir: string) =>
  JSON.parse(readFileSync(join(stateDir, "config.json"), "utf8")) as {
    factory: string;
    wallet: string;
    rpcUrl: string;
    demo: { merchant: string };
  };

/** The scene's JSON report: every step with its expected outcome. */
function expectSceneOk(report: { ok: boolean; steps: StepResult[] }): void {
  expect(report.ok).to.equal(true);
  expect(report.steps).to.have.length(6);
  report.steps.forEach((step, i) => {
    expect(step.title).to.match(STEP_TITLES[i]);
    expect(step.ok, `step ${i + 1}: ${step.detail}`).to.equal(true);
  });
}

const STEP_TITLES = [
  /^the agent pays 0\.1 ETH to the merchant, within its limits$/,
  /^the agent tries to pay 1\.5 ETH \(per-payment cap 1 ETH\)$/,
  /^the agent asks for 0\.8 ETH \(above its approval threshold of 0\.25 ETH\)$/,
  /^two of the three owners approve the escalation, then it executes$/,
  /^the guardian pauses the wallet; the agent tries to pay$/,
  /^the owners unpause: a loosening, queued for the admin delay; then the agent pays again$/,
];

/** The factory `.leash/config.json` recorded after `--once` on Hardhat's node (first test below). */
let hardhatFactory: string | undefined;

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
      /^unpause queued as proposal \d+; early execution refused \(ProposalNotReady\); dev chain time advanced \d+ s \(evm_increaseTime/,
    );
    expect(Object.keys(report.addresses).sort()).to.deep.equal([
      "entryPoint",
      "factory",
      "implementation",
      "lens",
      "module",
      "passkeyOwnerFactory",
    ]);
    expect(report.apiKey).to.match(/^leash_[0-9a-f]{16}_/);
    // The state a user drives by hand afterwards, and the process released it.
    for (const file of ["config.json", "keys/owner1.json", "keys/agent.json", "relayer.sqlite"])
      expect(existsSync(join(stateDir, file)), file).to.equal(true);
    expect(existsSync(join(stateDir, "dev.pid"))).to.equal(false);
    expect(existsSync(join(stateDir, "ignition/deployments/leash-dev"))).to.equal(true);
    // Deterministic: the factory is where the build says it is on every chain.
    hardhatFactory = configOf(stateDir).factory;
    expect(hardhatFactory).to.equal(report.addresses.factory);
    expect(hardhatFactory).to.equal(predictStackAddresses(REPO_ROOT).factory);
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

describe("leash dev --rpc-url: the stack and the scene on a node you run (anvil)", function () {
  this.timeout(240_000);
  let anvil: LocalChain;

  before(async () => {
    anvil = await startLocalChain({
      projectRoot: REPO_ROOT,
      logFile: join(tempDir("leash-anvil-"), "anvil.log"),
      kind: "anvil",
    });
  });
  after(async () => anvil?.stop());

  it("runs every step on a fresh anvil, records the same factory as on Hardhat's node, and leaves the node running", async () => {
    const stateDir = tempDir("leash-anvil-once-");
    const result = await leash(
      [
        "--json",
        "dev",
        "--once",
        "--rpc-url",
        anvil.url,
        "--state-dir",
        stateDir,
        "--relayer-port",
        "0",
      ],
      { cwd: stateDir, timeoutMs: 200_000 },
    );
    expect(result.code, result.stderr).to.equal(0);
    const report = json<{ ok: boolean; steps: StepResult[]; chain: string; chainId: string }>(
      result,
    );
    expectSceneOk(report);
    expect(report.chain).to.equal(anvil.url);
    const recorded = configOf(stateDir);
    expect(recorded.rpcUrl).to.equal(anvil.url);
    expect(recorded.factory).to.equal(predictStackAddresses(REPO_ROOT).factory);
    if (hardhatFactory !== undefined) expect(recorded.factory).to.equal(hardhatFactory);
    // Someone else's node: leash dev does not stop it.
    expect(await rpc<string>(anvil.url, "eth_chainId")).to.equal("0x7a69");
  });

  it("a second run on the same node finds the contracts deployed and runs the scene again", async () => {
    const stateDir = tempDir("leash-anvil-again-");
    const result = await leash(
      [
        "--json",
        "dev",
        "--once",
        "--rpc-url",
        anvil.url,
        "--state-dir",
        stateDir,
        "--relayer-port",
        "0",
      ],
      { cwd: stateDir, timeoutMs: 200_000 },
    );
    expect(result.code, result.stderr).to.equal(0);
    const report = json<{ ok: boolean; steps: StepResult[]; deployed: boolean }>(result);
    expectSceneOk(report);
    expect(report.deployed).to.equal(false);
  });

  it("wallet create defaults to the deterministic factory once the chain has it", async () => {
    const owner = "0x1000000000000000000000000000000000000001";
    const predicted = await leash(
      ["--json", "--rpc-url", anvil.url, "wallet", "create", "--owner", owner, "--predict"],
      { env: cleanEnv() },
    );
    expect(predicted.code, predicted.stderr).to.equal(0);
    const explicit = await leash(
      [
        "--json",
        "--rpc-url",
        anvil.url,
        "wallet",
        "create",
        "--owner",
        owner,
        "--predict",
        "--factory",
        predictStackAddresses(REPO_ROOT).factory,
      ],
      { env: cleanEnv() },
    );
    expect(json(predicted)).to.deep.equal(json(explicit));
  });

  it("refuses a URL where no node answers, and --rpc-url with --persist", async () => {
    const stateDir = tempDir("leash-anvil-bad-");
    const down = await leash(
      ["dev", "--once", "--rpc-url", "http://127.0.0.1:9", "--state-dir", stateDir],
      {
        cwd: stateDir,
      },
    );
    expect(down.code).to.equal(1);
    expect(errorLine(down)).to.match(/^no JSON-RPC node answers at http:\/\/127\.0\.0\.1:9: /);
    const both = await leash(
      ["dev", "--once", "--rpc-url", anvil.url, "--persist", "--state-dir", stateDir],
      {
        cwd: stateDir,
      },
    );
    expect(both.code).to.equal(1);
    expect(errorLine(both)).to.equal(
      "--rpc-url uses a node you run (it keeps its own state): don't combine it with --persist or --chain",
    );
  });
});

describe("leash fund: test ETH on local chains only", function () {
  this.timeout(120_000);

  it("adds to a balance on anvil; refuses a zero or malformed amount and a non-local chain", async () => {
    const { freePort } = await import("../../src/cli/dev/chain.js");
    const local = await startLocalChain({
      projectRoot: REPO_ROOT,
      logFile: join(tempDir("leash-fund-"), "anvil.log"),
      kind: "anvil",
    });
    const port = await freePort();
    // A node that says it is Base (chain id 8453): no dev funding there. `.bin/anvil` is npm's wrapper around
    // the binary: tracked as a process group, so stopping it stops the binary too (it was left running).
    const base = spawnTracked(
      join(REPO_ROOT, "node_modules/.bin/anvil"),
      ["--port", String(port), "--chain-id", "8453"],
      { stdio: "ignore" },
    );
    try {
      const who = "0x00000000000000000000000000000000000f00d1";
      const env = cleanEnv();
      const first = await leash(["--json", "--rpc-url", local.url, "fund", who, "1.5"], { env });
      expect(first.code, first.stderr).to.equal(0);
      expect(json(first)).to.deep.equal({
        address: "0x00000000000000000000000000000000000f00D1", // checksummed
        added: "1500000000000000000",
        balance: "1500000000000000000",
      });
      const second = await leash(["--rpc-url", local.url, "fund", who, "1"], { env });
      expect(second.stdout).to.include("+1 ETH, balance 2.5 ETH");
      expect(BigInt(await rpc<string>(local.url, "eth_getBalance", [who, "latest"]))).to.equal(
        2_500_000_000_000_000_000n,
      );
      // A chain without Leash: the default factory is named as missing, not called.
      const noFactory = await leash(
        ["--rpc-url", local.url, "wallet", "create", "--owner", who, "--predict"],
        { env },
      );
      expect(noFactory.code).to.equal(2);
      expect(errorLine(noFactory)).to.equal(
        `no Leash factory at ${predictStackAddresses(REPO_ROOT).factory} on chain 31337: deploy it (docs/DEPLOY.md) or pass --factory`,
      );
      const zero = await leash(["--rpc-url", local.url, "fund", who, "0"], { env });
      expect(zero.code).to.equal(2);
      expect(errorLine(zero)).to.equal("amount must be more than 0");
      const bad = await leash(["--rpc-url", local.url, "fund", who, "1.0000000000000000001"], {
        env,
      });
      expect(bad.code).to.equal(2);
      const url = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 100; i++) {
        if (
          await rpc(url, "eth_chainId").then(
            () => true,
            () => false,
          )
        )
          break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const remote = await leash(["--rpc-url", url, "fund", who, "1"], { env });
      expect(remote.code).to.equal(2);
      expect(errorLine(remote)).to.equal(
        "leash fund only works on a local chain (chain id 31337 or 1337); this is chain 8453",
      );
      expect(BigInt(await rpc<string>(url, "eth_getBalance", [who, "latest"]))).to.equal(0n);
    } finally {
      await stopTracked(base, "SIGKILL");
      await local.stop();
    }
  });
});

describe("leash dev --persist: the dev stack keeps its state across restarts", function () {
  this.timeout(300_000);
  const env = cleanEnv({ LEASH_KEYSTORE_PASSWORD: "leash-dev" });
  let stack: DevStackProcess | undefined;
  after(async () => {
    await stack?.stop();
  });

  const balance = async (url: string, address: string) =>
    BigInt(await rpc<string>(url, "eth_getBalance", [address, "latest"]));

  it("a restarted stack still serves the wallet made before the restart; --reset starts clean", async () => {
    const stateDir = tempDir("leash-persist-");
    stack = await startDevStack({ stateDir, args: ["--persist"] });
    const first = configOf(stateDir);
    const paid = await leash(
      ["--config", stack.configPath, "--json", "pay", first.demo.merchant, "0.05"],
      { env },
    );
    expect(paid.code, paid.stderr).to.equal(0);
    const merchantBefore = await balance(first.rpcUrl, first.demo.merchant);
    expect(merchantBefore).to.equal(50_000_000_000_000_000n);
    expect(await stack.stop(), stack.output()).to.equal(0);
    stack = undefined;
    expect(existsSync(join(stateDir, "chain-state.json"))).to.equal(true);

    stack = await startDevStack({ stateDir, args: ["--persist"] });
    expect(stack.output()).to.include("Restored the persisted stack");
    const second = configOf(stateDir);
    expect(second.wallet).to.equal(first.wallet);
    expect(second.factory).to.equal(first.factory);
    // The chain's state (the earlier payment), the keys, the API key and the relayer's database survived.
    expect(await balance(second.rpcUrl, first.demo.merchant)).to.equal(merchantBefore);
    const again = await leash(
      ["--config", stack.configPath, "--json", "pay", first.demo.merchant, "0.05"],
      {
        env,
      },
    );
    expect(again.code, again.stderr).to.equal(0);
    expect(json<{ outcome: string }>(again).outcome).to.equal("executed");
    expect(await balance(second.rpcUrl, first.demo.merchant)).to.equal(2n * merchantBefore);
    const show = await leash(["--config", stack.configPath, "--json", "wallet", "show"], { env });
    expect(show.code, show.stderr).to.equal(0);
    expect(await stack.stop()).to.equal(0);
    stack = undefined;

    stack = await startDevStack({ stateDir, args: ["--persist", "--reset"] });
    const fresh = configOf(stateDir);
    expect(fresh.wallet).not.to.equal(first.wallet);
    expect(await rpc<string>(fresh.rpcUrl, "eth_getCode", [first.wallet, "latest"])).to.equal("0x");
    expect(await balance(fresh.rpcUrl, first.demo.merchant)).to.equal(0n);
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
