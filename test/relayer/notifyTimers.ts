/**
 * Notifications about a time rather than a log (issue 14): `proposal.executable` when a queued proposal's eta
 * has passed, and `agent.key_expiring` when an agent key's validUntil is within the notice window (24 h by
 * default). Against a real node whose clock jumps (evm_setNextBlockTimestamp), the real Leash wallet and the
 * relayer's real outbox: each is emitted once (across a relayer restart), only while it is true on chain (not
 * for a cancelled, executed or expired proposal, nor a revoked agent or a validity changed meanwhile), and
 * delivered through the same signed webhooks as the other events.
 */
import { expect } from "chai";
import { parseEther, type Contract, type InterfaceAbi } from "ethers";
import { createServer, type Server } from "node:http";
import { OwnerClient } from "../../src/client/owner.js";
import { verifyWebhook } from "../../src/client/webhooks.js";
import { resolveConfig } from "../../src/relayer/config.js";
import { DEFAULT_KEY_EXPIRY_NOTICE_SECONDS } from "../../src/relayer/notify/service.js";
import { NotifyStore } from "../../src/relayer/notify/store.js";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import { IAgentWallet__factory, type IAgentWallet } from "../../typechain-types/index.js";
import { encodeWalletCall, testWallets } from "../helpers/fixtures.js";
import {
  HARDHAT_KEYS,
  freePort,
  rawRpc,
  sleep,
  startChain,
  tempDir,
  type TestChain,
} from "./helpers.js";
import {
  TEST_AGENT_RULES as RULES,
  createLeashWallet,
  deployLeashStack,
  walletConfig,
} from "./leashWallet.js";

const HOUR = 3_600;
const DAY = 86_400;

interface Payload {
  id: string;
  type: string;
  args: Record<string, string>;
  chainTime: number;
  expiresIn?: number;
  expired?: boolean;
}

describe("relayer: proposal.executable and agent.key_expiring notifications on a jumping clock", function () {
  this.timeout(300_000);
  let chain: TestChain;
  let relayer: RunningRelayer;
  let notifyStore: NotifyStore;
  let wallet: IAgentWallet;
  let walletAddress: string;
  let implementation: string;
  let receiver: Server;
  let t0: number;
  const db = `sqlite:${tempDir()}/leash.sqlite`;
  const [owner] = testWallets(1, "timers-owner");
  const [agentA, agentB, agentC] = testWallets(3, "timers-agent");
  const received: { id: string; body: string; signature: string }[] = [];
  let secret = "";

  const start = () =>
    startRelayer({
      rpcUrl: chain.url,
      entryPoint: chain.entryPointAddress,
      db,
      signer: { privateKey: HARDHAT_KEYS[1] },
      port: 0,
      walletImplementations: [implementation],
      walletErrorAbi: IAgentWallet__factory.abi as unknown as InterfaceAbi,
      logSink: () => {},
    });

  /**
   * A node call, tried again when the node closed an idle keep-alive socket just as it was reused (undici's
   * "other side closed"); both calls used here are safe to repeat.
   */
  async function node(method: string, params: unknown[]): Promise<void> {
    try {
      await rawRpc(chain.url, method, params);
    } catch (error) {
      if (!/fetch failed/.test((error as Error).message)) throw error;
      await rawRpc(chain.url, method, params);
    }
  }

  /** Mines a block at chain time `t` (the clock jumps there) and waits until the relayer looked at it. */
  async function jumpTo(t: number): Promise<void> {
    await node("evm_setNextBlockTimestamp", [t]);
    await settle();
  }

  /** Mines a block and waits until every timer due at its time has been looked at. */
  async function settle(): Promise<number> {
    await node("evm_mine", []);
    const t = (await chain.provider.getBlock("latest"))!.timestamp;
    const deadline = Date.now() + 90_000;
    while (((await notifyStore.deadlinesCheckedUntil()) ?? -1) < t) {
      if (Date.now() > deadline) throw new Error(`the relayer never looked at chain time ${t}`);
      await sleep(100);
    }
    return t;
  }

  async function recorded(type: string): Promise<Payload[]> {
    return (await notifyStore.events(walletAddress))
      .filter((e) => e.type === type)
      .map((e) => JSON.parse(e.payload) as Payload);
  }

  const asOwner = () => wallet.connect(owner.connect(chain.provider));
  const now = async () => (await chain.provider.getBlock("latest"))!.timestamp;

  /** A loosening the single owner proposes: queued at once with the admin delay (24 h). */
  async function proposeValidity(agent: string, validUntil: number): Promise<bigint> {
    const call = {
      target: walletAddress,
      value: 0n,
      data: wallet.interface.encodeFunctionData("setAgentRules", [agent, 0, validUntil, RULES]),
    };
    await (await asOwner().propose([call], BigInt((await now()) + 20 * DAY))).wait();
    const id = await wallet.proposalCount();
    expect((await wallet.getProposal(id))[0]).to.equal(2n); // queued
    return id;
  }

  before(async () => {
    chain = await startChain();
    let factory: Contract;
    ({ implementation, factory } = await deployLeashStack(chain));

    t0 = await now();
    const config = walletConfig([owner.address], 1);
    // Agents set up with the wallet, before any webhook: the relayer must find them in the past logs.
    const setupData = [
      encodeWalletCall("addAgent", [agentA.address, 0, t0 + 30 * DAY, RULES]),
      encodeWalletCall("addAgent", [agentB.address, 0, t0 + 200 * DAY, RULES]),
      encodeWalletCall("addAgent", [agentC.address, 0, t0 + 100 * DAY, RULES]),
    ];
    walletAddress = await createLeashWallet(chain, factory, config, setupData, {
      balance: 0n,
      deposit: 0n,
    });
    await (
      await chain.deployer.sendTransaction({ to: owner.address, value: parseEther("10") })
    ).wait();
    wallet = IAgentWallet__factory.connect(walletAddress, chain.provider);

    const port = await freePort();
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push({
          id: String(req.headers["leash-event-id"]),
          signature: String(req.headers["leash-signature"]),
          body,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(port, "127.0.0.1", () => r()));

    relayer = await start();
    notifyStore = await NotifyStore.open(db);
    const owners = new OwnerClient({
      wallet: walletAddress,
      signers: [owner.connect(chain.provider)],
      provider: chain.provider,
      relayer: { url: relayer.url },
    });
    secret = (await owners.addWebhook(`http://127.0.0.1:${port}/hook`)).secret;
  });

  after(async () => {
    await relayer?.close();
    await notifyStore?.close();
    await new Promise((r) => receiver?.close(r));
    await chain?.stop();
  });

  it("agent.key_expiring: not before the 24 h window (configurable), once inside it, for an agent set up before the webhook", async () => {
    const validUntil = t0 + 30 * DAY;
    await settle();
    expect(await recorded("agent.key_expiring")).to.deep.equal([]);
    // One hour outside the window: nothing yet.
    await jumpTo(validUntil - 25 * HOUR);
    expect(await recorded("agent.key_expiring")).to.deep.equal([]);
    // The window is configurable: a relayer told 26 h notifies now.
    const wideDb = `sqlite:${tempDir()}/wide.sqlite`;
    const wide = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: chain.entryPointAddress,
      db: wideDb,
      signer: { privateKey: HARDHAT_KEYS[2] },
      port: 0,
      walletImplementations: [implementation],
      keyExpiryNoticeSeconds: 26 * HOUR,
      logSink: () => {},
    });
    const wideStore = await NotifyStore.open(wideDb);
    try {
      await new OwnerClient({
        wallet: walletAddress,
        signers: [owner.connect(chain.provider)],
        provider: chain.provider,
        relayer: { url: wide.url },
      }).addWebhook("http://127.0.0.1:9/unused");
      const t = await settle();
      const deadline = Date.now() + 90_000;
      while (((await wideStore.deadlinesCheckedUntil()) ?? -1) < t) {
        if (Date.now() > deadline) throw new Error("the 26 h relayer never looked");
        await sleep(100);
      }
      const wideNotices = (await wideStore.events(walletAddress))
        .filter((e) => e.type === "agent.key_expiring")
        .map((e) => JSON.parse(e.payload) as Payload);
      expect(wideNotices.map((n) => [n.args.agent, n.expiresIn])).to.deep.equal([
        [agentA.address, validUntil - t],
      ]);
      expect(validUntil - t).to.be.greaterThan(24 * HOUR);
      expect(await recorded("agent.key_expiring")).to.deep.equal([]);
    } finally {
      await wide.close();
      await wideStore.close();
    }
    // Inside it.
    await jumpTo(validUntil - 23 * HOUR);
    const [notice, ...more] = await recorded("agent.key_expiring");
    expect(more).to.deep.equal([]);
    expect(notice.args).to.deep.include({
      agent: agentA.address,
      key: agentA.address,
      validUntil: validUntil.toString(),
    });
    expect(notice.expiresIn).to.equal(23 * HOUR);
    expect(notice.expired).to.equal(false);
    expect(notice.id).to.equal(
      `key_expiring:${walletAddress.toLowerCase()}:${agentA.address.toLowerCase()}:${validUntil}`,
    );
    // Later blocks don't repeat it.
    await jumpTo(validUntil - 22 * HOUR);
    expect(await recorded("agent.key_expiring")).to.have.length(1);
  });

  it("proposal.executable: once its eta has passed; never for a cancelled one; once across a restart", async () => {
    const newValidity = (await now()) + 40 * DAY;
    const extension = await proposeValidity(agentA.address, newValidity);
    const cancelled = await proposeValidity(agentB.address, t0 + 201 * DAY);
    await (await asOwner().cancel(cancelled)).wait();
    const eta = Number((await wallet.getProposal(extension))[4]);
    expect(eta).to.be.greaterThan(await now()); // a loosening: the admin delay
    // One second before the eta: not yet.
    await jumpTo(eta - 1);
    expect(await recorded("proposal.executable")).to.deep.equal([]);
    await jumpTo(eta);
    const [executable, ...more] = await recorded("proposal.executable");
    expect(more).to.deep.equal([]);
    expect(executable.args).to.deep.include({ id: extension.toString(), eta: eta.toString() });
    expect(executable.id).to.equal(`executable:${walletAddress.toLowerCase()}:${extension}`);

    // A restart finds both timers done: nothing is emitted again.
    await relayer.close();
    relayer = await start();
    await jumpTo(eta + HOUR);
    expect(await recorded("proposal.executable")).to.have.length(1);
    expect(await recorded("agent.key_expiring")).to.have.length(1);

    await (await asOwner().execute(extension)).wait();
    const [, , , validUntil] = await wallet.getAgent(agentA.address);
    expect(validUntil).to.equal(BigInt(newValidity));
  });

  it("proposal.executable: never for a proposal executed in the block its eta passed, nor one past its grace period", async () => {
    const executedAtOnce = await proposeValidity(agentB.address, t0 + 150 * DAY);
    const eta = Number((await wallet.getProposal(executedAtOnce))[4]);
    // The clock jumps and the proposal executes in the same block: it was never executable for a watcher.
    await node("evm_setNextBlockTimestamp", [eta + 60]);
    await (await asOwner().execute(executedAtOnce)).wait();
    await settle();
    expect((await recorded("proposal.executable")).map((p) => p.args.id)).to.not.include(
      executedAtOnce.toString(),
    );

    const stale = await proposeValidity(agentB.address, t0 + 160 * DAY);
    const staleEta = Number((await wallet.getProposal(stale))[4]);
    // The clock jumps past its eta and its 14-day grace period at once: it can't execute any more.
    await jumpTo(staleEta + 14 * DAY + 1);
    const refused = await asOwner()
      .execute.staticCall(stale)
      .then(() => null)
      .catch((e: { data?: string }) => wallet.interface.parseError(e.data ?? "0x")?.name);
    expect(refused).to.equal("ProposalExpired");
    expect((await recorded("proposal.executable")).map((p) => p.args.id)).to.not.include(
      stale.toString(),
    );
  });

  it("agent.key_expiring: an extended key notifies again near its new end; a jump past expiry says expired; a revoked agent or a replaced validity says nothing", async () => {
    await (await asOwner().revokeAgent(agentC.address)).wait();
    const [, , , newValidUntil] = await wallet.getAgent(agentA.address);
    const [, , , bValidUntil] = await wallet.getAgent(agentB.address);
    expect(bValidUntil).to.equal(BigInt(t0 + 150 * DAY));
    // agentA's extended key, inside its new window.
    await jumpTo(Number(newValidUntil) - 2 * HOUR);
    const notices = await recorded("agent.key_expiring");
    expect(notices.map((n) => [n.args.agent, n.args.validUntil])).to.deep.equal([
      [agentA.address, (t0 + 30 * DAY).toString()],
      [agentA.address, newValidUntil.toString()],
    ]);
    // The clock jumps over agentB's whole window and agentC's (revoked) expiry.
    await jumpTo(t0 + 250 * DAY);
    const all = await recorded("agent.key_expiring");
    const forB = all.filter((n) => n.args.agent === agentB.address);
    // One notice, for the validity in force (150 days), not for the replaced one (200 days): it expired.
    expect(forB.map((n) => n.args.validUntil)).to.deep.equal([(t0 + 150 * DAY).toString()]);
    expect(forB[0].expired).to.equal(true);
    expect(forB[0].expiresIn).to.equal(0);
    expect(all.filter((n) => n.args.agent === agentC.address)).to.deep.equal([]);
    expect(all).to.have.length(3);
  });

  it("delivers each of them once through the signed webhook outbox", async () => {
    const events = (await notifyStore.events(walletAddress)).filter((e) =>
      ["proposal.executable", "agent.key_expiring"].includes(e.type),
    );
    expect(events).to.have.length(4);
    const deadline = Date.now() + 60_000;
    const ids = () => new Set(received.map((r) => r.id));
    while (events.some((e) => !ids().has(e.id)) && Date.now() < deadline) await sleep(200);
    for (const e of events) {
      const deliveries = received.filter((r) => r.id === e.id);
      expect(deliveries, e.id).to.have.length(1);
      expect(verifyWebhook(secret, deliveries[0].signature, deliveries[0].body)).to.equal(true);
      expect(JSON.parse(deliveries[0].body)).to.deep.include({ id: e.id, type: e.type });
    }
  });

  it("a node that refuses the past-logs range doesn't stop the watcher: the wallet is watched from then on", async () => {
    // A node in front of the real one that refuses eth_getLogs from block 0, as providers with a range cap do.
    const refusedRanges: unknown[] = [];
    const proxy = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const request = JSON.parse(body) as {
          id: number;
          method: string;
          params: { fromBlock?: string }[];
        };
        if (request.method === "eth_getLogs" && request.params[0]?.fromBlock === "0x0") {
          refusedRanges.push(request.params[0]);
          res.writeHead(200, { "content-type": "application/json" });
          res.end(
            JSON.stringify({
              jsonrpc: "2.0",
              id: request.id,
              error: { code: -32005, message: "query exceeds max block range 2000" },
            }),
          );
          return;
        }
        void fetch(chain.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        })
          .then(async (r) => {
            res.writeHead(r.status, { "content-type": "application/json" });
            res.end(await r.text());
          })
          .catch(() => res.writeHead(502).end());
      });
    });
    const proxyPort = await freePort();
    await new Promise<void>((r) => proxy.listen(proxyPort, "127.0.0.1", () => r()));
    const capDb = `sqlite:${tempDir()}/capped.sqlite`;
    const logs: string[] = [];
    const capped = await startRelayer({
      rpcUrl: `http://127.0.0.1:${proxyPort}`,
      entryPoint: chain.entryPointAddress,
      db: capDb,
      signer: { privateKey: HARDHAT_KEYS[3] },
      port: 0,
      walletImplementations: [implementation],
      logSink: (line) => logs.push(String(line)),
    });
    const cappedStore = await NotifyStore.open(capDb);
    try {
      await new OwnerClient({
        wallet: walletAddress,
        signers: [owner.connect(chain.provider)],
        provider: chain.provider,
        relayer: { url: capped.url },
      }).addWebhook("http://127.0.0.1:9/unused");
      const waitFor = async (t: number) => {
        const deadline = Date.now() + 90_000;
        while (((await cappedStore.deadlinesCheckedUntil()) ?? -1) < t) {
          if (Date.now() > deadline) throw new Error(`the capped relayer is stuck before ${t}`);
          await sleep(100);
        }
      };
      // A proposal queued once the wallet is watched is still seen, and becomes executable.
      await waitFor(await settle());
      const id = await proposeValidity(agentB.address, (await now()) + 30 * DAY);
      const eta = Number((await wallet.getProposal(id))[4]);
      await jumpTo(eta);
      await waitFor(eta);
      const executable = (await cappedStore.events(walletAddress)).filter(
        (e) => e.type === "proposal.executable",
      );
      expect(executable.map((e) => e.id)).to.deep.equal([
        `executable:${walletAddress.toLowerCase()}:${id}`,
      ]);
      // Refused a few times, then given up on (with a warning) rather than asked for every poll.
      const deadline = Date.now() + 90_000;
      while (!logs.join("\n").includes("past logs unavailable")) {
        if (Date.now() > deadline) throw new Error(`no warning; refused ${refusedRanges.length}`);
        await sleep(100);
      }
      const refused = refusedRanges.length;
      expect(refused).to.equal(3);
      await waitFor(await settle());
      await waitFor(await settle());
      expect(refusedRanges).to.have.length(refused);
    } finally {
      await capped.close();
      await cappedStore.close();
      await new Promise((r) => proxy.close(r));
    }
  });

  it("the notice window is a non-negative whole number of seconds (config)", () => {
    const base = {
      rpcUrl: "http://127.0.0.1:1",
      entryPoint: "0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108",
      db: "sqlite::memory:",
      signer: {},
    };
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 60])
      expect(() => resolveConfig({ ...base, keyExpiryNoticeSeconds: bad })).to.throw(
        "config: keyExpiryNoticeSeconds must be a non-negative integer (seconds)",
      );
    expect(resolveConfig({ ...base, keyExpiryNoticeSeconds: 0 }).keyExpiryNoticeSeconds).to.equal(
      0,
    );
    expect(resolveConfig(base).keyExpiryNoticeSeconds).to.equal(undefined); // 24 h in the service
    expect(DEFAULT_KEY_EXPIRY_NOTICE_SECONDS).to.equal(24 * HOUR);
  });
});
