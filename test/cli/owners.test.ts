/**
 * Owners and guardians without ETH (issue 14): against a running `leash dev` stack, the guardian's and two
 * owners' keys are emptied to 0 ETH, then the guardian pauses the wallet and the owners approve and execute an
 * escalated payment, all from the CLI through the relayer. A direct transaction from an empty key is refused
 * in one line saying so.
 */
import { expect } from "chai";
import { parseEther } from "ethers";
import {
  cleanEnv,
  errorLine,
  json,
  leash,
  rpc,
  startDevStack,
  type DevStackProcess,
  type RunResult,
} from "./helpers.js";

describe("leash CLI: owners and guardians act with 0 ETH through the relayer", function () {
  this.timeout(180_000);
  let stack: DevStackProcess;
  const env = cleanEnv({ LEASH_KEYSTORE_PASSWORD: "leash-dev" });
  const run = (args: string[]): Promise<RunResult> =>
    leash(["--config", stack.configPath, ...args], { env, timeoutMs: 120_000 });
  const balance = async (a: string) =>
    BigInt(await rpc<string>(stack.config.rpcUrl, "eth_getBalance", [a, "latest"]));

  before(async () => {
    stack = await startDevStack();
    const { owners, guardian } = stack.config.demo;
    for (const key of [...owners, guardian])
      await rpc(stack.config.rpcUrl, "hardhat_setBalance", [key, "0x0"]);
  });

  after(async () => {
    if (stack) await stack.stop();
  });

  it("an escalated payment: owner1 then owner2 approve with 0 ETH; the relayer approves and executes it once", async () => {
    const { merchant, owners } = stack.config.demo;
    const escalated = json<{ outcome: string; proposalId: string }>(
      await run(["--json", "pay", merchant, "0.5"]),
    );
    expect(escalated.outcome).to.equal("escalated");
    const id = escalated.proposalId;
    const merchantBefore = await balance(merchant);

    // What the owner sees before approving: the payment decoded, amounts in ETH, dates with "in …".
    const shown0 = await run(["proposal", "show", id]);
    expect(shown0.code, shown0.stderr).to.equal(0);
    // The chain's clock is this computer's: no note about it.
    expect(shown0.stderr).to.not.include("chain's clock");
    expect(shown0.stdout).to.match(new RegExp(`proposal ${id}: pending`));
    expect(shown0.stdout).to.match(/escalated payment of agent 0x/);
    expect(shown0.stdout).to.match(/0\. pay\n\s+to\s+0x[0-9a-fA-F]{40}\n\s+amount\s+0\.5 ETH/);
    expect(shown0.stdout).to.match(
      /expires\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(UTC[^)]*\), in (7 d|6 d 23 h)/,
    );
    // Not in a terminal and no --yes: nothing is approved unseen.
    const unconfirmed = await run(["proposal", "approve", id, "--as", "owner1"]);
    expect(unconfirmed.code).to.equal(2);
    expect(errorLine(unconfirmed)).to.match(/unconfirmed: run it in a terminal .* or pass --yes/);

    const first = await run(["--json", "proposal", "approve", id, "--as", "owner1", "--yes"]);
    expect(first.code, first.stderr).to.equal(0);
    expect(json<{ status: string }>(first).status).to.equal("pending");
    // The approval waits at the relayer: nothing on chain yet.
    const pending = json<{ state: string; approvals: string }>(
      await run(["--json", "proposal", "show", id]),
    );
    expect([pending.state, pending.approvals]).to.deep.equal(["pending", "0"]);

    const second = await run(["--json", "proposal", "approve", id, "--as", "owner2", "--yes"]);
    expect(second.code, second.stderr).to.equal(0);
    expect(json<{ status: string }>(second).status).to.equal("executed");
    const shown = json<{ state: string; approvedBy: string[] }>(
      await run(["--json", "proposal", "show", id]),
    );
    expect(shown.state).to.equal("executed");
    expect([...shown.approvedBy].sort()).to.deep.equal([...owners.slice(0, 2)].sort());
    expect((await balance(merchant)) - merchantBefore).to.equal(parseEther("0.5"));
    for (const o of owners.slice(0, 2)) expect(await balance(o)).to.equal(0n);
  });

  it("a non-owner's approval is refused by the relayer", async () => {
    const escalated = json<{ proposalId: string }>(
      await run(["--json", "pay", stack.config.demo.merchant, "0.5"]),
    );
    const refused = await run([
      "proposal",
      "approve",
      escalated.proposalId,
      "--as",
      "guardian",
      "--yes",
    ]);
    expect(refused.code).to.equal(3);
    expect(errorLine(refused)).to.match(/is not an owner of wallet/);
  });

  it("a wallet without ETH: pay says the wallet's balance is below the payment and how to fund it", async () => {
    const { merchant } = stack.config.demo;
    const wallet = stack.config.wallet;
    const setBalance = (wei: bigint) =>
      rpc(stack.config.rpcUrl, "hardhat_setBalance", [wallet, "0x" + wei.toString(16)]);
    const before = await balance(wallet);
    await setBalance(0n);
    try {
      const refused = await run(["pay", merchant, "0.05"]);
      expect(refused.code).to.equal(3);
      expect(errorLine(refused)).to.equal(
        `wallet ${wallet} holds 0 ETH, less than the 0.05 ETH this payment sends: fund the wallet (on a local chain: \`leash fund ${wallet} <amount>\`)`,
      );
      // Funded for the payment: it goes through.
      await setBalance(parseEther("0.06"));
      const paid = await run(["--json", "pay", merchant, "0.05"]);
      expect(paid.code, paid.stderr).to.equal(0);
      expect(json<{ outcome: string }>(paid).outcome).to.equal("executed");
    } finally {
      await setBalance(before);
    }
  });

  it("--direct, or creating a wallet, with a 0-ETH key fails in one line saying the key has no ETH", async () => {
    const direct = await run(["--direct", "pause", "--as", "guardian"]);
    expect(direct.code).to.not.equal(0);
    expect(errorLine(direct)).to.match(/has no ETH to pay gas for a direct transaction/);
    // Creating a wallet is always a direct transaction: a key without ETH is told so, not "could not coalesce".
    const owner3 = stack.config.demo.owners[2];
    const create = await run([
      "wallet",
      "create",
      "--owner",
      owner3,
      "--salt",
      "no-eth",
      "--as",
      "owner3",
    ]);
    expect(create.code).to.not.equal(0);
    expect(errorLine(create)).to.equal(
      `${owner3} has no ETH to pay gas for creating the wallet: fund this key (on a local chain: \`leash fund ${owner3} <amount>\`) or create the wallet from another one`,
    );
  });

  it("the guardian (0 ETH) pauses through the relayer; the agent is refused", async () => {
    const { guardian, merchant } = stack.config.demo;
    const paused = await run(["--json", "pause", "--as", "guardian"]);
    expect(paused.code, paused.stderr).to.equal(0);
    expect(json<{ status: string }>(paused).status).to.equal("executed");
    const info = json<{ paused: boolean }>(await run(["--json", "wallet", "show"]));
    expect(info.paused).to.equal(true);
    expect(await balance(guardian)).to.equal(0n);
    const refused = await run(["pay", merchant, "0.01"]);
    expect(refused.code).to.equal(3);
    expect(errorLine(refused)).to.match(/^wallet is paused/);
    // Pausing again is refused up front by simulation: the relayer pays nothing for it.
    const again = await run(["pause", "--as", "guardian"]);
    expect(again.code).to.not.equal(0);
    expect(errorLine(again)).to.match(/WalletPaused/);
  });

  it("with 0 ETH: owners queue and execute a timelocked change and unpause; the guardian vetoes, suspends and revokes", async () => {
    const { owners, guardian, agent } = stack.config.demo;
    const loosen = async () => {
      const queued = await run([
        "--json",
        "policy",
        "set",
        agent,
        "--daily",
        "3",
        "--as",
        "owner1,owner2",
      ]);
      expect(queued.code, queued.stderr).to.equal(0);
      const result = json<{ status: string; proposalId: string }>(queued);
      expect(result.status).to.equal("queued");
      return result.proposalId;
    };
    const kept = await loosen();
    const vetoed = await loosen();
    const veto = await run(["--json", "proposal", "cancel", vetoed, "--as", "guardian"]);
    expect(veto.code, veto.stderr).to.equal(0);
    const early = await run(["proposal", "execute", kept, "--as", "owner1"]);
    expect(early.code).to.equal(3);
    expect(errorLine(early)).to.match(/ProposalNotReady\(id=\d+, eta=\d+ \(\d{4}-/);
    // The timelock (24 h) and the minimum pause (1 h) pass on the dev chain.
    await rpc(stack.config.rpcUrl, "evm_increaseTime", [86_400 + 60]);
    await rpc(stack.config.rpcUrl, "evm_mine", []);
    // Times shown are chain times, now a day ahead of this computer's: the list says so (stderr only).
    const listed = await run(["proposal", "list"]);
    expect(listed.code, listed.stderr).to.equal(0);
    expect(listed.stderr).to.match(
      /^note: the chain's clock is 1 d( \d+ (min|s))? ahead of this computer's .*times shown are chain times$/m,
    );
    const listedJson = await run(["--json", "proposal", "list"]);
    expect(listedJson.stderr).to.not.include("chain's clock");
    const executed = await run(["--json", "proposal", "execute", kept, "--as", "owner1"]);
    expect(executed.code, executed.stderr).to.equal(0);
    expect(json<{ status: string }>(executed).status).to.equal("executed");
    const again = await run(["proposal", "execute", kept, "--as", "owner1"]);
    expect(again.code).to.equal(3);
    expect(errorLine(again)).to.match(/ProposalInvalidState\(id=\d+, state=executed\)/);
    const cancelledTwice = await run(["proposal", "execute", vetoed, "--as", "owner2"]);
    expect(errorLine(cancelledTwice)).to.match(/state=cancelled/);
    // Unpausing is a loosening (F-17): queued for the admin delay, then any owner executes it.
    const unpaused = await run(["--json", "unpause", "--as", "owner1,owner2"]);
    expect(unpaused.code, unpaused.stderr).to.equal(0);
    const unpause = json<{ status: string; proposalId: string }>(unpaused);
    expect(unpause.status).to.equal("queued");
    expect(json<{ paused: boolean }>(await run(["--json", "wallet", "show"])).paused).to.equal(
      true,
    );
    await rpc(stack.config.rpcUrl, "evm_increaseTime", [86_400 + 60]);
    await rpc(stack.config.rpcUrl, "evm_mine", []);
    const resumed = await run([
      "--json",
      "proposal",
      "execute",
      unpause.proposalId,
      "--as",
      "owner1",
    ]);
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect(json<{ paused: boolean }>(await run(["--json", "wallet", "show"])).paused).to.equal(
      false,
    );
    for (const verb of ["suspend", "revoke"]) {
      const acted = await run(["--json", "agent", verb, agent, "--as", "guardian"]);
      expect(acted.code, acted.stderr).to.equal(0);
    }
    const refused = await run(["pay", stack.config.demo.merchant, "0.01"]);
    expect(refused.code).to.equal(3);
    expect(errorLine(refused)).to.match(/revoked/);
    for (const key of [...owners.slice(0, 2), guardian]) expect(await balance(key)).to.equal(0n);
  });

  it("leash webhook add|list|test|remove: an owner manages the wallet's webhooks (guardian refused)", async () => {
    const added = await run([
      "--json",
      "webhook",
      "add",
      "http://127.0.0.1:9/hook",
      "--as",
      "owner1",
    ]);
    expect(added.code, added.stderr).to.equal(0);
    const { id, secret } = json<{ id: string; secret: string }>(added);
    expect(secret).to.match(/^whsec_/);
    const list = json<{ id: string; url: string }[]>(
      await run(["--json", "webhook", "list", "--as", "owner2"]),
    );
    expect(list.map((w) => [w.id, w.url])).to.deep.equal([[id, "http://127.0.0.1:9/hook"]]);
    expect(JSON.stringify(list)).to.not.include(secret);
    const tested = await run(["--json", "webhook", "test", "--as", "owner1"]);
    expect(json<{ eventId: string }>(tested).eventId).to.match(/^test:/);
    const byGuardian = await run(["webhook", "list", "--as", "guardian"]);
    expect(byGuardian.code).to.equal(3);
    const removed = await run(["webhook", "remove", id, "--as", "owner1"]);
    expect(removed.code, removed.stderr).to.equal(0);
    const again = await run(["webhook", "remove", id, "--as", "owner1"]);
    expect(again.code).to.equal(2);
  });
});
