/**
 * The CLI against one running `leash dev` stack (chain + relayer + demo wallet), driven the way
 * docs/QUICKSTART.md tells a user to: owners, guardian and agent keys from the dev config.
 * Tests run in order and build on each other (one stack keeps the suite fast).
 */
import { expect } from "chai";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Wallet, parseEther } from "ethers";
import {
  cleanEnv,
  errorLine,
  json,
  leash,
  rpc,
  spawnLeash,
  startDevStack,
  tempDir,
  type DevStackProcess,
  type RunResult,
} from "./helpers.js";

/** Hardhat's well-known dev account #2: a second relayer signer (the dev stack's uses #1). */
const HARDHAT_KEY_2 = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

describe("leash CLI against a running dev stack", function () {
  this.timeout(120_000);
  let stack: DevStackProcess;
  let agent: string;
  let merchant: string;
  const env = cleanEnv({ LEASH_KEYSTORE_PASSWORD: "leash-dev" });
  const run = (args: string[], extraEnv: NodeJS.ProcessEnv = env): Promise<RunResult> =>
    leash(["--config", stack.configPath, ...args], { env: extraEnv });

  before(async () => {
    stack = await startDevStack();
    agent = stack.config.demo.agent;
    merchant = stack.config.demo.merchant;
  });

  after(async () => {
    if (!stack) return;
    const code = await stack.stop();
    // Ctrl-C is a clean shutdown: exit 0, the chain gone, the state dir released.
    expect(code, stack.output()).to.equal(0);
    expect(existsSync(join(stack.stateDir, "dev.pid"))).to.equal(false);
    let chainUp = true;
    try {
      await rpc(stack.config.rpcUrl, "eth_chainId");
    } catch {
      chainUp = false;
    }
    expect(chainUp).to.equal(false);
  });

  it("leash dev printed the stack and wrote a config that the CLI reads", async () => {
    expect(stack.output()).to.include(`demo wallet`);
    expect(stack.output()).to.include(stack.config.wallet);
    expect(stack.output()).to.match(/agent API key\s+leash_[0-9a-f]{16}_/);
    const show = await run(["--json", "wallet", "show"]);
    expect(show.code, show.stderr).to.equal(0);
    const info = json<{
      owners: string[];
      threshold: string;
      guardians: string[];
      paused: boolean;
      balance: string;
    }>(show);
    expect(info.owners).to.deep.equal(stack.config.demo.owners);
    expect(info.threshold).to.equal("2");
    expect(info.guardians).to.deep.equal([stack.config.demo.guardian]);
    expect(info.paused).to.equal(false);
    expect(info.balance).to.equal(parseEther("10").toString());
  });

  it("the dev stack's agent API key is scoped to the agent; the owners' key reads the wallet's approvals", async () => {
    expect(stack.output()).to.match(/owners' API key\s+leash_[0-9a-f]{16}_/);
    const { apiKey, ownerApiKey, relayerUrl, wallet } = stack.config;
    expect(apiKey).to.not.equal(ownerApiKey);
    const listApprovals = async (key: string) =>
      (await (
        await fetch(relayerUrl, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "leash_listApprovals",
            params: [{ wallet, proposalId: "0x1" }],
          }),
        })
      ).json()) as { result?: unknown; error?: { code: number; message: string } };
    // A stolen agent key can't read what the owners are approving.
    const refused = await listApprovals(apiKey);
    expect(refused.result).to.equal(undefined);
    expect(refused.error?.code).to.equal(-32002);
    expect(refused.error?.message).to.match(/signed request, or an API key scoped to this wallet/);
    // The owners' key gets past access: the relayer looks the proposal up (none exists yet on this stack).
    const allowed = await listApprovals(ownerApiKey);
    expect(allowed.error?.code, JSON.stringify(allowed.error)).to.equal(-32602);
    expect(allowed.error?.message).to.match(/ProposalNotFound\(id=1\)/);
    const keys = json<{ label: string; agent: string | null; sender: string }[]>(
      await run(["--json", "apikey", "list"]),
    );
    expect(keys.map((k) => [k.label, k.sender, k.agent]).sort()).to.deep.equal([
      ["leash dev agent", wallet, agent],
      ["leash dev owners", wallet, null],
    ]);
  });

  it("agent list and policy show the demo agent and its limits (table and JSON)", async () => {
    const list = json<{ agent: string; status: string }[]>(await run(["--json", "agent", "list"]));
    expect(list.map((a) => [a.agent, a.status])).to.deep.equal([[agent, "active"]]);
    const table = await run(["policy", "show", agent]);
    expect(table.code).to.equal(0);
    expect(table.stdout).to.match(/per tx\s+1 ETH\s+-\s+1 ETH/);
    expect(table.stdout).to.match(/daily\s+2 ETH\s+0 ETH\s+2 ETH/);
    // The allowlists too (read from events, confirmed by the wallet's views).
    expect(table.stdout).to.match(new RegExp(`recipients\\s+${stack.config.demo.merchant}`));
    expect(table.stdout).to.match(/allowed calls\s+none/);
    const policy = json<{
      limits: Record<string, string>;
      enabled: boolean;
      recipients: string[];
      calls: unknown[];
    }>(await run(["--json", "policy", "show", agent]));
    expect(policy.enabled).to.equal(true);
    expect(policy.recipients).to.deep.equal([stack.config.demo.merchant]);
    expect(policy.calls).to.deep.equal([]);
    expect(policy.limits).to.deep.equal({
      perTx: parseEther("1").toString(),
      approvalAbove: parseEther("0.25").toString(),
      daily: parseEther("2").toString(),
      weekly: parseEther("5").toString(),
      monthly: parseEther("10").toString(),
    });
  });

  it("bad input: unknown agent, bad address, too many decimals", async () => {
    const stranger = Wallet.createRandom().address;
    const unknown = await run(["policy", "show", stranger]);
    expect(unknown.code).to.equal(3);
    expect(errorLine(unknown)).to.equal(
      `${stranger} is not an agent of wallet ${stack.config.wallet}`,
    );
    const suspendUnknown = await run(["agent", "suspend", stranger, "--as", "guardian"]);
    expect(suspendUnknown.code).to.equal(3);
    expect(errorLine(suspendUnknown)).to.match(/is not an agent of wallet/);
    const badAddress = await run(["pay", "0x12345", "0.1"]);
    expect(badAddress.code).to.equal(2);
    expect(errorLine(badAddress)).to.equal("recipient is not an address: 0x12345");
    const decimals = await run(["pay", merchant, "0.0000000000000000001"]);
    expect(decimals.code).to.equal(2);
    expect(errorLine(decimals)).to.equal("amount 0.0000000000000000001 has more than 18 decimals");
    const negative = await run(["pay", merchant, "-1"]);
    expect(negative.code).to.equal(2);
    for (const zero of ["0", "0.00", ".0"]) {
      const refused = await run(["pay", merchant, zero]);
      expect(refused.code).to.equal(2);
      expect(errorLine(refused)).to.equal(
        "amount must be greater than zero (a zero payment moves nothing and only costs gas)",
      );
    }
  });

  it("pay without the keystore password (no terminal) fails before touching the relayer", async () => {
    const noPassword = await run(["pay", merchant, "0.1"], cleanEnv());
    expect(noPassword.code).to.equal(2);
    expect(errorLine(noPassword)).to.equal(
      "keystore password needed: set LEASH_KEYSTORE_PASSWORD or run the command in a terminal",
    );
  });

  it("the agent pays within its limits: executed, exit 0", async () => {
    const before = BigInt(
      (await rpc(stack.config.rpcUrl, "eth_getBalance", [merchant, "latest"])) as string,
    );
    const paid = await run(["--json", "pay", merchant, "0.05"]);
    expect(paid.code, paid.stderr).to.equal(0);
    const receipt = json<{ outcome: string; transactionHash: string }>(paid);
    expect(receipt.outcome).to.equal("executed");
    expect(receipt.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    const after = BigInt(
      (await rpc(stack.config.rpcUrl, "eth_getBalance", [merchant, "latest"])) as string,
    );
    expect(after - before).to.equal(parseEther("0.05"));
  });

  it("an overspend is refused with the rule and values named, exit 3 (and as JSON)", async () => {
    const refused = await run(["pay", merchant, "5"]);
    expect(refused.code).to.equal(3);
    expect(errorLine(refused)).to.equal(
      `policy violation: PolicyPerTxLimitExceeded(agent=${agent}, asset=0x0000000000000000000000000000000000000000, amount=5 ETH, cap=1 ETH)`,
    );
    const asJson = await run(["--json", "pay", merchant, "5"]);
    expect(asJson.code).to.equal(3);
    const { error } = JSON.parse(asJson.stderr.trim()) as {
      error: { code: string; rule: string; values: Record<string, string> };
    };
    expect(error.code).to.equal("POLICY_VIOLATION");
    expect(error.rule).to.equal("PolicyPerTxLimitExceeded");
    expect(error.values.cap).to.equal(parseEther("1").toString());
    const notAllowed = await run(["pay", Wallet.createRandom().address, "0.01"]);
    expect(notAllowed.code).to.equal(3);
    expect(errorLine(notAllowed)).to.match(/^policy violation: PolicyRecipientNotAllowed\(/);
  });

  it("a large payment escalates; two owners approve on-chain; it executes", async () => {
    const escalated = json<{ outcome: string; proposalId: string }>(
      await run(["--json", "pay", merchant, "0.5"]),
    );
    expect(escalated.outcome).to.equal("escalated");
    const id = escalated.proposalId;
    const open = json<
      { id: string; state: string; escalatedBy: string; calls: { description: string }[] }[]
    >(await run(["--json", "proposal", "list"]));
    expect(open.map((p) => [p.id, p.state, p.escalatedBy])).to.deep.equal([[id, "pending", agent]]);
    expect(open[0].calls[0].description).to.equal(`pay 0.5 ETH to ${merchant}`);
    const table = await run(["proposal", "list"]);
    expect(table.stdout).to.match(
      new RegExp(`^${id}\\s+pending\\s+escalation by agent ${agent}\\s+0/2`, "m"),
    );

    const first = await run([
      "--json",
      "--direct",
      "proposal",
      "approve",
      id,
      "--as",
      "owner1",
      "--yes",
    ]);
    expect(json<{ status: string }>(first).status).to.equal("pending");
    const again = await run(["--direct", "proposal", "approve", id, "--as", "owner1", "--yes"]);
    expect(again.code).to.equal(3);
    expect(errorLine(again)).to.match(/^wallet reverted: ProposalAlreadyApproved\(id=/);
    const notOwner = await run(["--direct", "proposal", "approve", id, "--as", "agent", "--yes"]);
    expect(notOwner.code).to.equal(3);
    expect(errorLine(notOwner)).to.match(/is not an owner of wallet/);
    const second = await run([
      "--json",
      "--direct",
      "proposal",
      "approve",
      id,
      "--as",
      "owner2",
      "--yes",
    ]);
    expect(json<{ status: string }>(second).status).to.equal("queued");
    const executed = await run(["--json", "--direct", "proposal", "execute", id]);
    expect(executed.code, executed.stderr).to.equal(0);
    const shown = json<{ state: string; approvedBy: string[] }>(
      await run(["--json", "proposal", "show", id]),
    );
    expect(shown.state).to.equal("executed");
    expect(shown.approvedBy).to.have.length(2);
    const twice = await run(["--direct", "proposal", "execute", id]);
    expect(twice.code).to.equal(3);
    const missing = await run(["proposal", "show", "999"]);
    expect(missing.code).to.equal(2);
    expect(errorLine(missing)).to.equal(`no proposal 999 in wallet ${stack.config.wallet}`);
  });

  it("policy tighten runs at once with two owners; policy set (loosening) is queued behind the timelock", async () => {
    const tightened = await run([
      "--json",
      "policy",
      "tighten",
      agent,
      "--daily",
      "1.5",
      "--as",
      "owner1,owner2",
    ]);
    expect(tightened.code, tightened.stderr).to.equal(0);
    expect(json<{ status: string }>(tightened).status).to.equal("executed");
    const policy = json<{ limits: Record<string, string> }>(
      await run(["--json", "policy", "show", agent]),
    );
    expect(policy.limits.daily).to.equal(parseEther("1.5").toString());
    expect(policy.limits.perTx).to.equal(parseEther("1").toString()); // untouched fields kept
    const loosen = await run(["policy", "tighten", agent, "--daily", "3", "--as", "owner1,owner2"]);
    expect(loosen.code).to.equal(3);
    expect(errorLine(loosen)).to.match(/tightenAssetLimits: the change loosens .*leash policy set/);
    const set = await run([
      "--json",
      "policy",
      "set",
      agent,
      "--daily",
      "3",
      "--as",
      "owner1,owner2",
    ]);
    expect(set.code, set.stderr).to.equal(0);
    const queued = json<{ status: string; eta: string; proposalId: string }>(set);
    expect(queued.status).to.equal("queued");
    const now = Number(
      (
        (await rpc(stack.config.rpcUrl, "eth_getBlockByNumber", ["latest", false])) as {
          timestamp: string;
        }
      ).timestamp,
    );
    expect(Number(queued.eta) - now).to.be.within(86_390, 86_400);
    const early = await run(["proposal", "execute", queued.proposalId]);
    expect(early.code).to.equal(3);
    expect(errorLine(early)).to.match(/ProposalNotReady/);
    const nothing = await run(["policy", "set", agent, "--as", "owner1"]);
    expect(nothing.code).to.equal(2);
    // A limit with more significant digits than the wallet holds exactly: one line naming the amount that
    // fits, exit 2, nothing signed or proposed.
    const proposalsBefore = await run(["--json", "proposal", "list"]);
    const tooPrecise = await run([
      "policy",
      "set",
      agent,
      "--daily",
      "1.0000000000001",
      "--as",
      "owner1,owner2",
    ]);
    expect(tooPrecise.code).to.equal(2);
    expect(errorLine(tooPrecise)).to.match(
      /daily 1000000000000100000 has more significant digits than a limit holds \(at most 12\); 1000000000000000000 fits/,
    );
    expect((await run(["--json", "proposal", "list"])).stdout).to.equal(proposalsBefore.stdout);
  });

  it("off-chain approval: one owner signs a batch file, another adds a signature, anyone submits", async () => {
    const file = join(tempDir(), "batch.json");
    const signed = await run([
      "policy",
      "tighten",
      agent,
      "--per-tx",
      "0.9",
      "--as",
      "owner1",
      "--batch",
      file,
    ]);
    expect(signed.code, signed.stderr).to.equal(0);
    expect(JSON.parse(readFileSync(file, "utf8")).signatures).to.have.length(1);
    expect(signed.stdout).to.include(
      `next: 1 more owner(s) run \`leash proposal sign ${file}\`, then \`leash proposal execute --batch ${file}\``,
    );
    const tooFew = await run(["proposal", "execute", "--batch", file]);
    expect(tooFew.code).to.equal(3);
    const second = await run(["proposal", "sign", file, "--as", "owner3", "--yes"]);
    expect(second.code, second.stderr).to.equal(0);
    expect(JSON.parse(readFileSync(file, "utf8")).signatures).to.have.length(2);
    // 2 of 2: nobody else is sent to sign it; the one step left is submitting it.
    expect(second.stdout).to.match(/signatures\s+2 of 2/);
    expect(second.stdout).to.include(
      `threshold reached: next: \`leash proposal execute --batch ${file}\``,
    );
    expect(second.stdout).to.not.include("proposal sign");
    const submitted = await run(["--json", "proposal", "execute", "--batch", file]);
    expect(submitted.code, submitted.stderr).to.equal(0);
    expect(json<{ status: string }>(submitted).status).to.equal("executed");
    const policy = json<{ limits: Record<string, string> }>(
      await run(["--json", "policy", "show", agent]),
    );
    expect(policy.limits.perTx).to.equal(parseEther("0.9").toString());
    const both = await run(["proposal", "execute", "1", "--batch", file]);
    expect(both.code).to.equal(2);
  });

  it("proposal sign shows every call decoded, the delay and the chain, and signs only once confirmed, for this chain", async () => {
    const chainId = BigInt((await rpc(stack.config.rpcUrl, "eth_chainId")) as string);
    const file = join(tempDir(), "loosen.json");
    const shop = Wallet.createRandom().address;
    const made = await run([
      "policy",
      "set",
      agent,
      "--daily",
      "4",
      "--allow-recipient",
      shop,
      "--as",
      "owner1",
      "--batch",
      file,
    ]);
    expect(made.code, made.stderr).to.equal(0);
    const original = readFileSync(file, "utf8");
    const firstSigner = (JSON.parse(original) as { signatures: { signer: string }[] }).signatures[0]
      .signer;

    // No terminal and no --yes: one error line, nothing signed, no key decrypted.
    const unconfirmed = await run(["proposal", "sign", file, "--as", "owner3"]);
    expect(unconfirmed.code).to.equal(2);
    expect(errorLine(unconfirmed)).to.equal(
      `not signing ${file} unconfirmed: run it in a terminal to review and confirm, or pass --yes`,
    );
    expect(unconfirmed.stdout).to.equal("");
    expect(readFileSync(file, "utf8")).to.equal(original);

    // A file naming another chain is refused even with --yes: its signature would be valid there.
    const forged = join(tempDir(), "other-chain.json");
    writeFileSync(forged, JSON.stringify({ ...JSON.parse(original), chainId: "1" }));
    const other = await run(["proposal", "sign", forged, "--as", "owner3", "--yes"]);
    expect(other.code).to.equal(1);
    expect(errorLine(other)).to.equal(
      `the batch is for chain 1, but the client is on chain ${chainId}: nothing signed`,
    );
    expect(JSON.parse(readFileSync(forged, "utf8")).signatures).to.have.length(1);

    // --yes: the review comes first (stderr), then the signature is added.
    const signed = await run(["proposal", "sign", file, "--as", "owner3", "--yes"]);
    expect(signed.code, signed.stderr).to.equal(0);
    const review = signed.stderr;
    const wallet = stack.config.wallet;
    expect(review).to.include(`batch for wallet ${wallet} on chain ${chainId}`);
    expect(review).to.include("calls (2):");
    expect(review).to.include(`0. setAssetLimits on ${wallet}  [timelocked 1 d]`);
    expect(review).to.include(`1. allowRecipient on ${wallet}  [timelocked 1 d]`);
    // Field names and human amounts, as `proposal show` prints them.
    expect(review).to.match(/limits\.daily\s+4(\.0)? ETH/);
    expect(review).to.match(new RegExp(`recipient\\s+${shop}`));
    expect(review).to.include("effect     queued for 1 d once submitted");
    expect(review).to.include(`signatures 1 of 2 (${firstSigner})`);
    expect(review).to.match(/valid until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(UTC[^)]*\), in /);
    expect(review.indexOf("effect")).to.be.lessThan(review.indexOf(`signing ${file}`));
    expect(JSON.parse(readFileSync(file, "utf8")).signatures).to.have.length(2);

    // --json: the review is part of the result.
    const asJson = await run(["--json", "proposal", "sign", file, "--as", "owner2", "--yes"]);
    expect(asJson.code, asJson.stderr).to.equal(0);
    const result = json<{
      chainId: string;
      signatures: unknown[];
      review: { delay: string; calls: { description: string; delay: string }[] };
    }>(asJson);
    expect(result.chainId).to.equal(chainId.toString());
    expect(result.signatures).to.have.length(3);
    expect(result.review.delay).to.equal("86400");
    expect(result.review.calls.map((c) => c.description.split("(")[0])).to.deep.equal([
      "setAssetLimits",
      "allowRecipient",
    ]);

    // What was signed reads exactly as the proposal it becomes: the same calls block in `proposal show`.
    const queued = await run(["--json", "proposal", "execute", "--batch", file]);
    expect(queued.code, queued.stderr).to.equal(0);
    const { proposalId } = json<{ proposalId: string }>(queued);
    const shown = await run(["proposal", "show", proposalId]);
    expect(shown.code, shown.stderr).to.equal(0);
    const callsBlock = (text: string) =>
      text
        .slice(text.indexOf("  calls (2):"))
        .split("\n")
        .filter((l) => /^ {4}/.test(l))
        .map((l) => l.replace(/ {2}\[timelocked [^\]]*\]$/, ""));
    expect(callsBlock(shown.stdout)).to.have.length.above(2);
    expect(callsBlock(review)).to.deep.equal(callsBlock(shown.stdout));
  });

  it("wallet create: --predict gives the address the factory then deploys to, with an agent set up at creation", async () => {
    const owners = [Wallet.createRandom().address, Wallet.createRandom().address];
    const key = Wallet.createRandom().address;
    const args = [
      "wallet",
      "create",
      "--owner",
      owners[0],
      "--owner",
      owners[1],
      "--threshold",
      "2",
      "--min-pause",
      "2h",
      "--salt",
      "cli-test",
      "--agent",
      key,
      "--per-tx",
      "0.2",
      "--daily",
      "1",
      "--recipient",
      merchant,
      "--as",
      "owner3",
    ];
    const predicted = json<{ address: string }>(await run(["--json", ...args, "--predict"]));
    const created = await run(["--json", ...args]);
    expect(created.code, created.stderr).to.equal(0);
    const result = json<{ address: string; created: boolean }>(created);
    expect(result).to.deep.include({ address: predicted.address, created: true });
    const again = json<{ created: boolean }>(await run(["--json", ...args]));
    expect(again.created).to.equal(false);
    const info = json<{ owners: string[]; threshold: string; minPauseDuration: string }>(
      await run(["--json", "--wallet", result.address, "wallet", "show"]),
    );
    expect(info).to.deep.include({ owners, threshold: "2", minPauseDuration: "7200" });
    const policy = json<{ limits: { perTx: string } }>(
      await run(["--json", "--wallet", result.address, "policy", "show", key]),
    );
    expect(policy.limits.perTx).to.equal(parseEther("0.2").toString());
    const badThreshold = await run([
      "wallet",
      "create",
      "--owner",
      owners[0],
      "--threshold",
      "2",
      "--as",
      "owner3",
    ]);
    expect(badThreshold.code).to.equal(2);
    expect(errorLine(badThreshold)).to.equal(
      "threshold must be between 1 and the number of owners (1)",
    );
    const noWallet = await run(["--wallet", Wallet.createRandom().address, "wallet", "show"]);
    expect(noWallet.code).to.equal(2);
    expect(errorLine(noWallet)).to.match(/^no wallet deployed at 0x[0-9a-fA-F]{40} on this chain$/);
  });

  it("agent rotate is queued behind the timelock; resuming an active agent is refused up front", async () => {
    const newKey = Wallet.createRandom().address;
    const rotate = json<{ status: string; eta: string }>(
      await run(["--json", "agent", "rotate", agent, newKey, "--as", "owner1,owner2"]),
    );
    expect(rotate.status).to.equal("queued");
    const resume = await run(["agent", "resume", agent, "--as", "owner1,owner2"]);
    expect(resume.code).to.equal(3);
    expect(errorLine(resume)).to.equal(
      `agent ${agent} is active: only a suspended agent can be resumed`,
    );
  });

  it("agent add by one owner waits for approvals; a guardian vetoes it", async () => {
    const key = Wallet.createRandom().address;
    const added = await run([
      "--json",
      "agent",
      "add",
      key,
      "--per-tx",
      "0.1",
      "--daily",
      "0.5",
      "--recipient",
      merchant,
      "--as",
      "owner1",
    ]);
    expect(added.code, added.stderr).to.equal(0);
    const pending = json<{ status: string; proposalId: string }>(added);
    expect(pending.status).to.equal("pending");
    const cancelled = await run(["proposal", "cancel", pending.proposalId, "--as", "guardian"]);
    expect(cancelled.code, cancelled.stderr).to.equal(0);
    const shown = json<{ state: string }>(
      await run(["--json", "proposal", "show", pending.proposalId]),
    );
    expect(shown.state).to.equal("cancelled");
  });

  it("a guardian pauses: the agent is refused; owners' unpause is queued for the admin delay, then executed", async () => {
    const notGuardian = await run(["pause", "--as", "agent"]);
    expect(notGuardian.code).to.equal(3);
    const paused = await run(["pause", "--as", "guardian"]);
    expect(paused.code, paused.stderr).to.equal(0);
    const refused = await run(["pay", merchant, "0.01"]);
    expect(refused.code).to.equal(3);
    expect(errorLine(refused)).to.match(/^wallet is paused/);
    const queuedText = await run(["unpause", "--as", "owner1,owner2"]);
    expect(queuedText.code, queuedText.stderr).to.equal(0);
    const id = /unpause: proposal (\d+) is queued, executable from /.exec(queuedText.stdout)?.[1];
    expect(id, queuedText.stdout).to.be.a("string");
    const early = await run(["proposal", "execute", id!]);
    expect(early.code).to.equal(3);
    expect(errorLine(early)).to.match(/ProposalNotReady/);
    await rpc(stack.config.rpcUrl, "evm_increaseTime", [86_400]);
    await rpc(stack.config.rpcUrl, "evm_mine", []);
    const unpaused = await run(["proposal", "execute", id!]);
    expect(unpaused.code, unpaused.stderr).to.equal(0);
    const paid = await run(["pay", merchant, "0.01"]);
    expect(paid.code, paid.stderr).to.equal(0);
  });

  it("audit history and report rebuild what happened; the relayer's audit log verifies", async () => {
    const payments = json<{ kind: string; amount: string; counterparty: string }[]>(
      await run(["--json", "audit", "history", "--kind", "payment"]),
    );
    expect(payments.map((p) => p.amount)).to.deep.equal(
      ["0.05", "0.5", "0.01"].map((a) => parseEther(a).toString()),
    );
    expect(new Set(payments.map((p) => p.counterparty))).to.deep.equal(new Set([merchant]));
    const history = await run(["audit", "history", "--agent", agent]);
    expect(history.stdout).to.match(/escalation\s+ApprovalRequested/);
    // Amounts in the asset's decimals and symbol.
    expect(history.stdout).to.match(/AgentCallExecuted\s+0x[0-9a-fA-F]{40}\s+0\.\d+ ETH/);
    const badKind = await run(["audit", "history", "--kind", "payments"]);
    expect(badKind.code).to.equal(2);
    const csv = await run(["audit", "report", "--format", "csv"]);
    expect(csv.code).to.equal(0);
    expect(csv.stdout.split("\r\n")[0]).to.equal(
      "time,block,transaction,kind,event,agent,asset,amount,counterparty,proposal,details,clock,rule",
    );
    const report = JSON.parse((await run(["audit", "report"])).stdout) as {
      totals: { byAsset: { formatted: string }[] };
    };
    expect(report.totals.byAsset.map((t) => t.formatted)).to.deep.equal(["0.56"]);
    const verified = json<{ ok: boolean; rows: number }>(await run(["--json", "audit", "verify"]));
    expect(verified.ok).to.equal(true);
    expect(verified.rows).to.be.greaterThan(0);
  });

  it("relayer start runs a relayer on the dev chain until SIGTERM (canonical EntryPoint by default); a malformed entry point is refused", async () => {
    const entryPoint = (
      JSON.parse(readFileSync(stack.configPath, "utf8")) as { entryPoint: string }
    ).entryPoint;
    // The dev chain has EntryPoint v0.8 at its canonical address, the relayer's default.
    expect(entryPoint).to.equal("0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108");
    const bad = await leash(
      [
        "relayer",
        "start",
        "--rpc-url",
        stack.config.rpcUrl,
        "--entry-point",
        "0x4337",
        "--db",
        "sqlite::memory:",
      ],
      {
        env: cleanEnv({ LEASH_RELAYER_PRIVATE_KEY: HARDHAT_KEY_2 }),
      },
    );
    expect(bad.code).to.equal(1);
    expect(errorLine(bad)).to.equal(
      "relayer failed to start: config: entryPoint must be an address",
    );
    const db = join(tempDir(), "relayer.sqlite");
    const child = spawnLeash(
      ["relayer", "start", "--rpc-url", stack.config.rpcUrl, "--port", "0", "--db", `sqlite:${db}`],
      { env: cleanEnv({ LEASH_RELAYER_PRIVATE_KEY: HARDHAT_KEY_2 }) },
    );
    let output = "";
    child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`relayer did not start:\n${output}`)),
          30_000,
        );
        const check = () => {
          const match = /relayer listening on (http:\/\/\S+\/) \(signer (0x[0-9a-fA-F]{40})\)/.exec(
            output,
          );
          if (match) {
            clearTimeout(timer);
            resolveUrl(match[1]);
          }
        };
        child.stdout!.on("data", check);
        child.stderr!.on("data", check);
        void exited.then(() => reject(new Error(`relayer exited:\n${output}`)));
      });
      expect(output).to.include(`(signer ${new Wallet(HARDHAT_KEY_2).address})`);
      expect(output).not.to.include(HARDHAT_KEY_2.slice(2));
      expect((await fetch(`${url}health`)).status).to.equal(200);
      // API keys are on by default: a key made with `leash apikey create` on its store works.
      const call = (headers: Record<string, string>) =>
        fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        });
      expect((await call({})).status).to.equal(401);
      const created = await leash(
        ["--json", "apikey", "create", "--sender", "*", "--db", `sqlite:${db}`],
        {
          env,
        },
      );
      const { key } = json<{ key: string }>(created);
      const answer = (await (await call({ authorization: `Bearer ${key}` })).json()) as {
        result: string;
      };
      expect(answer.result).to.equal("0x7a69");
      child.kill("SIGTERM");
      expect(await exited).to.equal(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("a suspended agent is refused by name; revoking its API key locks it out of the relayer", async () => {
    const keys = json<{ id: string; label: string; status: string }[]>(
      await run(["--json", "apikey", "list"]),
    );
    expect(keys.map((k) => [k.label, k.status]).sort()).to.deep.equal([
      ["leash dev agent", "active"],
      ["leash dev owners", "active"],
    ]);
    const agentKey = keys.find((k) => k.label === "leash dev agent")!;
    const suspended = await run(["agent", "suspend", agent, "--as", "guardian"]);
    expect(suspended.code, suspended.stderr).to.equal(0);
    const list = json<{ status: string }[]>(await run(["--json", "agent", "list"]));
    expect(list[0].status).to.equal("suspended");
    const refused = await run(["pay", merchant, "0.01"]);
    expect(refused.code).to.equal(3);
    expect(errorLine(refused)).to.equal(`agent ${agent} is suspended`);
    expect((await run(["apikey", "revoke", agentKey.id])).code).to.equal(0);
    const unauthorized = await run(["pay", merchant, "0.01"]);
    expect(unauthorized.code).to.equal(3);
    expect(errorLine(unauthorized)).to.match(/API key/i);
    // It says how to get one.
    expect(errorLine(unauthorized)).to.include("leash apikey create --sender <wallet>");
    const revoked = await run(["agent", "revoke", agent, "--as", "guardian"]);
    expect(revoked.code, revoked.stderr).to.equal(0);
    const after = json<{ status: string }[]>(await run(["--json", "agent", "list"]));
    expect(after[0].status).to.equal("revoked");
  });
});
