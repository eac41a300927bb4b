/**
 * AuditClient against the real local stack: agents pay (one escalation approved by the owners), owners
 * tighten a policy and pause, the relayer rejects an op; the history rebuilt from events alone, its filters,
 * totals, policy changes and approvals, the relayer's rejected-op log joined in, JSON and CSV reports.
 */
import { expect } from "chai";
import { Contract, Wallet, ZeroAddress, parseEther } from "ethers";
import {
  AgentClient,
  AssetInfo,
  AuditClient,
  InvalidAddressError,
  InvalidArgumentError,
  OwnerClient,
  type AuditEntry,
} from "../../src/client/index.js";
import { toRpcUserOperation } from "../../src/relayer/userOp.js";
import { call } from "../relayer/helpers.js";
import { handMadeAgentOp, startStack, type Stack } from "./stack.js";

/** Minimal RFC 4180 parser for the round trip. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += c;
  }
  return rows;
}

describe("AuditClient", function () {
  this.timeout(120_000);
  let stack: Stack;
  let walletAddress: string;
  let tokenAddress: string;
  let audit: AuditClient;
  let later: number;
  let escalationId: bigint;
  const agentA = Wallet.createRandom();
  const agentB = Wallet.createRandom();
  const shop = Wallet.createRandom().address;
  const stranger = Wallet.createRandom().address;
  let owners: Wallet[];

  before(async () => {
    stack = await startStack();
    owners = [await stack.fundedWallet("audit-a"), await stack.fundedWallet("audit-b")];
    const guardian = await stack.fundedWallet("audit-guardian");
    tokenAddress = await stack.deploy("mocks/MockTokens.sol/MockERC20.json", "Mock", "MCK");
    const { address } = await OwnerClient.createWallet(stack.chain.deployer, {
      factory: stack.factory,
      owners: owners.map((o) => o.address),
      threshold: 2,
      guardians: [guardian.address],
      agents: [
        {
          key: agentA.address,
          limits: {
            native: { perTx: "1", approvalAbove: "0.5", daily: "3" },
            [tokenAddress]: { perTx: "100" },
          },
          recipients: [shop],
        },
        { key: agentB.address, limits: { native: { perTx: "1" } }, recipients: [shop] },
      ],
    });
    walletAddress = address;
    await (
      await stack.chain.deployer.sendTransaction({ to: walletAddress, value: parseEther("10") })
    ).wait();
    const token = new Contract(
      tokenAddress,
      ["function mint(address,uint256)"],
      stack.chain.deployer,
    );
    await (await token.getFunction("mint")(walletAddress, parseEther("1000"))).wait();

    const apiKey = await stack.apiKey(walletAddress);
    const relayerUrl = stack.relayer.url;
    const a = new AgentClient({ wallet: walletAddress, key: agentA, relayerUrl, apiKey });
    const b = new AgentClient({ wallet: walletAddress, key: agentB, relayerUrl, apiKey });
    await (await a.pay(shop, "0.25")).wait();
    await (await a.transferToken(tokenAddress, shop, "10")).wait();
    await (await b.pay(shop, "0.1")).wait();
    await stack.increaseTime(7200);
    later = (await stack.chain.provider.getBlock("latest"))!.timestamp;
    await (await a.pay(shop, "0.3")).wait();
    const escalated = await (await a.pay(shop, "0.75")).wait();
    escalationId = escalated.proposalId!;
    const ownerClient = new OwnerClient({ wallet: walletAddress, signers: owners });
    await ownerClient.approveAll(escalationId);
    await ownerClient.execute(escalationId);
    await ownerClient.tightenAssetLimits(agentA.address, "native", {
      perTx: "0.9",
      approvalAbove: "0.5",
      daily: "3",
    });
    await new OwnerClient({ wallet: walletAddress, signers: [guardian] }).pause();
    // Unpausing is a loosening: queued for the admin delay (24 h), then executed.
    const unpause = await ownerClient.unpause();
    await stack.increaseTime(86_400);
    await ownerClient.execute(unpause.proposalId!);

    // An op sent straight to the relayer (no SDK pre-checks): rejected and audit-logged, never on chain.
    const op = await handMadeAgentOp(stack, walletAddress, agentA, [
      { target: stranger, value: parseEther("0.1"), data: "0x" },
    ]);
    const rejected = await call(
      relayerUrl,
      "eth_sendUserOperation",
      [toRpcUserOperation(op), stack.entryPoint],
      { authorization: `Bearer ${apiKey}` },
    );
    expect(rejected.error?.code).to.equal(-32521);

    audit = new AuditClient({
      wallet: walletAddress,
      provider: stack.chain.provider,
      relayerStore: stack.relayer.store,
    });
  });

  after(async () => {
    await stack?.stop();
  });

  const payments = (entries: AuditEntry[]) =>
    entries
      .filter((e) => e.kind === "payment")
      .map((e) => [e.agent, e.asset, e.amount, e.counterparty]);

  it("rebuilds the payments from events, oldest first, with agent, asset, amount and payee", async () => {
    const history = await audit.history();
    expect(payments(history)).to.deep.equal([
      [agentA.address, ZeroAddress, parseEther("0.25"), shop],
      [agentA.address, tokenAddress, parseEther("10"), tokenAddress],
      [agentB.address, ZeroAddress, parseEther("0.1"), shop],
      [agentA.address, ZeroAddress, parseEther("0.3"), shop],
      [agentA.address, ZeroAddress, parseEther("0.75"), shop],
    ]);
    for (let i = 1; i < history.length; i++)
      expect(history[i].timestamp).to.be.at.least(history[i - 1].timestamp);
    const first = history.find((e) => e.kind === "payment")!;
    const receipt = await stack.chain.provider.getTransactionReceipt(first.transactionHash!);
    expect(receipt!.blockNumber).to.equal(first.blockNumber);
    expect(history.map((e) => e.event)).to.include.members([
      "Paused",
      "Unpaused",
      "WalletInitialized",
    ]);
  });

  it("filters by agent, kind and time range, and refuses bad filters", async () => {
    const onlyB = await audit.history({ agent: agentB.address });
    expect(onlyB.length).to.be.greaterThan(0);
    expect(onlyB.every((e) => e.agent === agentB.address)).to.equal(true);
    expect(payments(onlyB)).to.deep.equal([[agentB.address, ZeroAddress, parseEther("0.1"), shop]]);
    expect(onlyB.map((e) => e.event)).to.include.members(["AgentAdded", "AssetLimitsChanged"]);

    const laterPayments = await audit.history({ kinds: ["payment"], from: later });
    expect(laterPayments.map((e) => e.amount)).to.deep.equal([
      parseEther("0.3"),
      parseEther("0.75"),
    ]);
    const earlier = await audit.history({ kinds: ["payment"], to: new Date((later - 1) * 1000) });
    expect(earlier).to.have.length(3);
    const pauses = await audit.history({ kinds: ["pause"] });
    expect(pauses.map((e) => e.event)).to.deep.equal(["Paused", "Unpaused"]);

    let failed = false;
    await audit.history({ agent: "0xnope" }).catch((e: unknown) => {
      failed = e instanceof InvalidAddressError;
    });
    expect(failed).to.equal(true);
    await audit.history({ from: later, to: later - 10 }).then(
      () => expect.fail("resolved"),
      (e: unknown) => expect(e).to.be.instanceOf(InvalidArgumentError),
    );
    await audit.history({ kinds: ["bogus" as never] }).then(
      () => expect.fail("resolved"),
      (e: unknown) => expect(e).to.be.instanceOf(InvalidArgumentError),
    );
  });

  it("shows each asset's amounts in its own decimals and symbol; a token it can't read in base units, never as 18 decimals", async () => {
    const usdc = await stack.deploy(
      "mocks/MockTokens.sol/MockERC20Decimals.json",
      "USD Coin",
      "USDC",
      6,
    );
    const assets = new AssetInfo(stack.chain.provider);
    expect(await assets.text(usdc, 2_500_000n)).to.equal("2.5 USDC");
    expect(await assets.text(null, parseEther("0.1"))).to.equal("0.1 ETH");
    expect(await assets.text(ZeroAddress, 1n)).to.equal("0.000000000000000001 ETH");
    expect(await assets.text(tokenAddress, parseEther("10"))).to.equal("10 MCK");
    // An address with no token behind it: the raw amount and the address, not a made-up unit.
    expect(await assets.text(stranger, 2_500_000n)).to.equal(
      `2500000 base units of token ${stranger}`,
    );
  });

  it("totals spending per agent and asset, and per asset", async () => {
    const totals = await audit.totals();
    const row = (agent: string, asset: string) =>
      totals.byAgent.find((t) => t.agent === agent && t.asset === asset);
    expect(row(agentA.address, ZeroAddress)).to.include({
      count: 3,
      amount: parseEther("1.3"),
      formatted: "1.3",
      symbol: "ETH",
    });
    expect(row(agentA.address, tokenAddress)).to.include({
      count: 1,
      amount: parseEther("10"),
      symbol: "MCK",
      formatted: "10",
    });
    expect(row(agentB.address, ZeroAddress)).to.include({ count: 1, amount: parseEther("0.1") });
    expect(totals.byAsset.find((t) => t.asset === ZeroAddress)).to.include({
      count: 4,
      amount: parseEther("1.4"),
    });
    const agentBOnly = await audit.totals({ agent: agentB.address });
    expect(agentBOnly.byAsset).to.have.length(1);
    expect(agentBOnly.byAsset[0].amount).to.equal(parseEther("0.1"));
  });

  it("lists policy changes with old and new values, and the owners' approvals", async () => {
    const changes = await audit.policyChanges({ agent: agentA.address });
    const limitChanges = changes.filter(
      (e) => e.event === "AssetLimitsChanged" && e.asset === ZeroAddress,
    );
    expect(limitChanges).to.have.length(2);
    const tighten = limitChanges[1];
    const oldLimits = JSON.parse(tighten.details.oldLimits) as string[];
    const newLimits = JSON.parse(tighten.details.newLimits) as string[];
    expect(oldLimits[0]).to.equal(parseEther("1").toString());
    expect(newLimits[0]).to.equal(parseEther("0.9").toString());
    expect(changes.some((e) => e.event === "AgentAdded")).to.equal(true);

    const approvals = await audit.approvals();
    const forEscalation = approvals.filter((e) => e.proposalId === escalationId);
    expect(forEscalation.map((e) => e.event)).to.deep.equal([
      "ProposalCreated",
      "ApprovalRequested",
      "ProposalApproved",
      "ProposalApproved",
      "ProposalQueued",
      "ProposalExecuted",
    ]);
    expect(forEscalation[0].agent).to.equal(agentA.address);
    expect(
      forEscalation.filter((e) => e.event === "ProposalApproved").map((e) => e.counterparty),
    ).to.have.members(owners.map((o) => o.address));
    expect(approvals.some((e) => e.event === "SignedCallsExecuted")).to.equal(true);
    // The owners' immediate batch (the tightening) names who approved it and what ran.
    const immediate = approvals.filter((e) => e.event === "ApprovedCallsExecuted");
    expect(immediate.length).to.be.greaterThan(0);
    const signers = JSON.parse(immediate[immediate.length - 1].details.signers) as string[];
    expect(signers.length).to.be.at.least(2);
    for (const s of signers) expect(owners.map((o) => o.address)).to.include(s);
  });

  it("joins in the relayer's rejected ops when its store is given", async () => {
    const rejected = (await audit.history({ kinds: ["rejected"] }))[0];
    expect(rejected.event).to.equal("rejected");
    expect(rejected.agent).to.equal(agentA.address);
    expect(rejected.details.code).to.equal("-32521");
    expect(rejected.details.reason).to.contain("PolicyRecipientNotAllowed");
    expect(rejected.details.reason).to.contain(stranger);
    expect(rejected.blockNumber).to.equal(null);
    // The refusal is readable without parsing the reason: its rule, its values, and the clock it was timed by.
    expect(rejected.rule).to.equal("PolicyRecipientNotAllowed");
    expect(rejected.counterparty).to.equal(stranger);
    expect(rejected.clock).to.equal("relayer");
    expect((await audit.history({ kinds: ["payment"] }))[0].clock).to.equal("chain");
    const chainOnly = new AuditClient({ wallet: walletAddress, provider: stack.chain.provider });
    expect(await chainOnly.history({ kinds: ["rejected"] })).to.deep.equal([]);
    // Filtering by agent keeps the agent's rejected ops.
    expect(
      (await audit.history({ agent: agentA.address, kinds: ["rejected"] })).map((e) => e.event),
    ).to.deep.equal(["rejected"]);
  });

  it("reports as JSON and CSV", async () => {
    const report = await audit.report();
    expect(report.wallet).to.equal(walletAddress);
    expect(report.counts.payment).to.equal(5);
    expect(report.counts.rejected).to.equal(1);
    expect(report.totals.byAsset.find((t) => t.asset === ZeroAddress)?.amount).to.equal(
      parseEther("1.4"),
    );
    const json = JSON.parse(audit.toJSON(report)) as {
      chainId: string;
      entries: { amount: string | null; kind: string }[];
    };
    expect(json.chainId).to.equal(stack.chain.chainId.toString());
    expect(json.entries.filter((e) => e.kind === "payment").map((e) => e.amount)).to.deep.equal(
      ["0.25", "10", "0.1", "0.3", "0.75"].map((v) => parseEther(v).toString()),
    );

    const csv = audit.toCSV(report.entries);
    const rows = parseCsv(csv);
    expect(rows[0]).to.deep.equal([
      "time",
      "block",
      "transaction",
      "kind",
      "event",
      "agent",
      "asset",
      "amount",
      "counterparty",
      "proposal",
      "details",
      "clock",
      "rule",
    ]);
    expect(rows).to.have.length(report.entries.length + 1);
    rows.slice(1).forEach((r, i) => {
      const e = report.entries[i];
      expect(r[3]).to.equal(e.kind);
      expect(r[7]).to.equal(e.amount === null ? "" : e.amount.toString());
      expect(JSON.parse(r[10])).to.deep.equal(e.details);
      expect(r[11]).to.equal(e.kind === "rejected" ? "relayer" : "chain");
      expect(r[12]).to.equal(e.rule ?? "");
    });
  });

  it("escapes CSV cells and neutralises spreadsheet formulas", () => {
    const entry: AuditEntry = {
      kind: "rejected",
      event: '=HYPERLINK("http://evil")',
      timestamp: 0,
      clock: "relayer",
      rule: null,
      blockNumber: null,
      transactionHash: null,
      logIndex: null,
      agent: null,
      asset: null,
      amount: null,
      counterparty: null,
      proposalId: null,
      details: { reason: 'a, "b"\nc' },
    };
    const rows = parseCsv(audit.toCSV([entry]));
    expect(rows[1][4]).to.equal('\'=HYPERLINK("http://evil")');
    expect(JSON.parse(rows[1][10])).to.deep.equal({ reason: 'a, "b"\nc' });
  });
});
