/**
 * OwnerClient against the real local stack: wallet creation at its counterfactual address, the on-chain
 * proposal flow through the timelock, EIP-712 approvals collected off-chain, escalations approved by the
 * owners, pause/unpause, agents, owners, guardians, delays and an upgrade, each with its failure side.
 */
import { expect } from "chai";
import { Contract, Wallet, ZeroAddress, parseEther } from "ethers";
import {
  AgentClient,
  InvalidAddressError,
  InvalidArgumentError,
  LeashError,
  NotATighteningError,
  NotOwnerError,
  OwnerClient,
  WalletError,
  mergeSignatures,
  parseSignedBatch,
  serializeSignedBatch,
  walletContract,
  type WalletConfigInput,
} from "../../src/client/index.js";
import { startStack, type Stack } from "./stack.js";

async function expectRejection<T extends LeashError>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => T,
): Promise<T> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(type);
    return error as T;
  }
  expect.fail(`expected ${type.name}, but it resolved`);
}

const DAY = 86_400n;

describe("OwnerClient", function () {
  this.timeout(120_000);
  let stack: Stack;
  let alice: Wallet;
  let bob: Wallet;
  let carol: Wallet;
  let guardian: Wallet;
  let input: WalletConfigInput;
  let walletAddress: string;
  let owners: OwnerClient; // alice + bob: the threshold locally
  let aliceOnly: OwnerClient;
  let bobOnly: OwnerClient;
  let guardianClient: OwnerClient;
  const agentKey = Wallet.createRandom();
  const shop = Wallet.createRandom().address;

  const now = async () => BigInt((await stack.chain.provider.getBlock("latest"))!.timestamp);

  before(async () => {
    stack = await startStack();
    alice = await stack.fundedWallet("alice");
    bob = await stack.fundedWallet("bob");
    carol = await stack.fundedWallet("carol");
    guardian = await stack.fundedWallet("guardian");
    input = {
      factory: stack.factory,
      owners: [alice.address, bob.address, carol.address],
      threshold: 2,
      guardians: [guardian.address],
      minPauseDuration: 3600,
      salt: "owner-tests",
      agents: [
        {
          key: agentKey.address,
          limits: { native: { perTx: "2", approvalAbove: "0.5", daily: "5" } },
          recipients: [shop],
        },
      ],
    };
  });

  after(async () => {
    await stack?.stop();
  });

  it("getAddress predicts where createWallet deploys; creating again is a no-op", async () => {
    const predicted = await OwnerClient.getAddress(stack.chain.provider, input);
    expect(await stack.chain.provider.getCode(predicted)).to.equal("0x");
    const created = await OwnerClient.createWallet(stack.chain.deployer, input);
    expect(created).to.include({ address: predicted, created: true });
    expect(await stack.chain.provider.getCode(predicted)).to.not.equal("0x");
    const again = await OwnerClient.createWallet(stack.chain.deployer, input);
    expect(again).to.deep.equal({ address: predicted, created: false, transactionHash: null });
    walletAddress = predicted;
    await (
      await stack.chain.deployer.sendTransaction({ to: walletAddress, value: parseEther("10") })
    ).wait();
    owners = new OwnerClient({ wallet: walletAddress, signers: [alice, bob] });
    aliceOnly = new OwnerClient({ wallet: walletAddress, signers: [alice] });
    bobOnly = new OwnerClient({ wallet: walletAddress, signers: [bob] });
    guardianClient = new OwnerClient({ wallet: walletAddress, signers: [guardian] });
  });

  it("refuses a bad wallet configuration with a clear error", async () => {
    await expectRejection(
      OwnerClient.getAddress(stack.chain.provider, { ...input, threshold: 4 }),
      InvalidArgumentError,
    );
    const bad = await expectRejection(
      OwnerClient.getAddress(stack.chain.provider, { ...input, owners: [alice.address, "0xdead"] }),
      InvalidAddressError,
    );
    expect(bad.message).to.equal("owner 1 is not a valid address: 0xdead");
    await expectRejection(
      OwnerClient.getAddress(stack.chain.provider, {
        ...input,
        agents: [{ key: agentKey.address, limits: { native: { perTx: "0.0000000000000000001" } } }],
      }),
      LeashError,
    );
  });

  it("info() shows the governance state", async () => {
    const info = await owners.info();
    expect(info.owners).to.deep.equal([alice.address, bob.address, carol.address]);
    expect(info.threshold).to.equal(2n);
    expect(info.guardians).to.deep.equal([guardian.address]);
    expect(info.paused).to.equal(false);
    expect(info.adminDelay).to.equal(DAY);
    expect(info.upgradeDelay).to.equal(7n * DAY);
    expect(info.entryPoint).to.equal(stack.entryPoint);
    expect(info.balance).to.equal(parseEther("10"));
    const agents = await owners.agents();
    expect(agents.map((a) => [a.agent, a.status])).to.deep.equal([[agentKey.address, "active"]]);
    const policy = await owners.policy(agentKey.address, "native");
    expect(policy.limits.perTx).to.equal(parseEther("2"));
    expect(policy.limits.approvalAbove).to.equal(parseEther("0.5"));
    expect(policy.remaining.daily).to.equal(parseEther("5"));
    // A client without keys reads, and refuses to act.
    const reader = new OwnerClient({
      wallet: walletAddress,
      signers: [],
      provider: stack.chain.provider,
    });
    expect((await reader.info()).threshold).to.equal(2n);
    await expectRejection(reader.pause(), NotOwnerError);
    await expectRejection(reader.execute(1n), NotOwnerError);
  });

  it("runs a loosening proposal through approve, the timelock and execute", async () => {
    const newAgent = Wallet.createRandom().address;
    const proposed = await aliceOnly.addAgent({
      key: newAgent,
      limits: { native: { perTx: "0.1", daily: "0.3" } },
      recipients: [shop],
    });
    expect(proposed.status).to.equal("pending");
    const id = proposed.proposalId!;
    const pending = await owners.proposal(id);
    expect(pending.state).to.equal("pending");
    expect(pending.approvedBy).to.deep.equal([alice.address]);
    expect(pending.calls.map((c) => c.description.split("(")[0])).to.deep.equal([
      "addAgent",
      "setAssetLimits",
      "allowRecipient",
    ]);
    expect((await owners.pendingProposals()).map((p) => p.id)).to.include(id);

    // A guardian is not an owner: it can't approve.
    await expectRejection(guardianClient.approve(id), NotOwnerError);

    const approved = await bobOnly.approve(id);
    expect(approved.status).to.equal("queued");
    expect(approved.eta).to.equal((await now()) + DAY);
    const early = await expectRejection(owners.execute(id), WalletError);
    expect(early.errorName).to.equal("ProposalNotReady");
    expect(early.values.eta).to.equal(approved.eta);
    await expectRejection(bobOnly.approve(id), WalletError);

    await stack.increaseTime(DAY);
    expect((await owners.execute(id)).status).to.equal("executed");
    expect((await owners.proposal(id)).state).to.equal("executed");
    expect((await owners.agent(newAgent)).status).to.equal("active");
    expect((await owners.pendingProposals()).map((p) => p.id)).to.not.include(id);
  });

  it("collects EIP-712 signatures off-chain and submits them with executeWithSignatures", async () => {
    const calls = await owners.calls.tightenAssetLimits(agentKey.address, "native", {
      perTx: "1.5",
      approvalAbove: "0.5",
      daily: "4",
    });
    // Alice signs and hands the batch over as JSON; Bob adds his signature.
    const fromAlice = await aliceOnly.sign(calls);
    expect(fromAlice.signatures.map((s) => s.signer)).to.deep.equal([alice.address]);
    const received = parseSignedBatch(serializeSignedBatch(fromAlice));
    expect(received).to.deep.equal(fromAlice);
    const digest = await (
      await import("../../src/client/contracts.js")
    )
      .walletContract(walletAddress, stack.chain.provider)
      .hashSignedCalls(received.calls, received.nonce, received.deadline);
    expect(received.digest).to.equal(digest);

    // One signature is below the threshold: the wallet refuses.
    const alone = await expectRejection(aliceOnly.executeSigned(received), WalletError);
    expect(alone.errorName).to.equal("SignatureInvalid");

    const fromBob = await bobOnly.sign(received);
    const merged = mergeSignatures(fromAlice, fromBob);
    expect(merged.signatures).to.have.length(2);
    const result = await bobOnly.executeSigned(merged);
    expect(result.status).to.equal("executed");
    const policy = await owners.policy(agentKey.address, "native");
    expect(policy.limits.perTx).to.equal(parseEther("1.5"));
    expect(policy.limits.daily).to.equal(parseEther("4"));

    // The same signatures can't be replayed (nonce used).
    const replay = await expectRejection(bobOnly.executeSigned(merged), WalletError);
    expect(replay.errorName).to.equal("SignatureNonceUsed");
    const other = await aliceOnly.sign(calls);
    expect(() => mergeSignatures(fromAlice, other)).to.throw(InvalidArgumentError);
  });

  it("submit() queues loosening batches with an eta and runs tightening ones at once", async () => {
    const loosen = await owners.setAssetLimits(agentKey.address, "native", {
      perTx: "2",
      approvalAbove: "0.5",
      daily: "5",
    });
    expect(loosen.status).to.equal("queued");
    expect(loosen.eta).to.equal((await now()) + DAY);
    const tighten = await owners.tightenAgentRules(agentKey.address, {
      rules: { maxOpCost: "0.09" },
    });
    expect(tighten.status).to.equal("executed");
    expect((await owners.agent(agentKey.address)).rules.maxOpCost).to.equal(parseEther("0.09"));
    // A "tightening" that loosens a field is refused before anything is signed: the wallet's own dry run says
    // it would wait the admin delay.
    const proposalsBefore = (await owners.pendingProposals()).length;
    const notTighter = await expectRejection(
      owners.tightenAssetLimits(agentKey.address, "native", { perTx: "3", daily: "4" }),
      NotATighteningError,
    );
    expect(notTighter.action).to.equal("tightenAssetLimits");
    expect(notTighter.delay).to.equal(DAY);
    expect((await owners.pendingProposals()).length).to.equal(proposalsBefore);
    expect((await owners.policy(agentKey.address, "native")).limits.perTx).to.equal(
      parseEther("1.5"),
    );
    await stack.increaseTime(DAY);
    await owners.execute(loosen.proposalId!);
    expect((await owners.policy(agentKey.address, "native")).limits.perTx).to.equal(
      parseEther("2"),
    );
  });

  it("owners act through the relayer with a user operation the wallet pays for", async () => {
    const viaRelayer = new OwnerClient({
      wallet: walletAddress,
      signers: [alice, bob],
      relayer: { url: stack.relayer.url, apiKey: await stack.apiKey(walletAddress) },
    });
    const [aliceBefore, bobBefore, walletBefore] = await Promise.all(
      [alice.address, bob.address, walletAddress].map((a) => stack.chain.provider.getBalance(a)),
    );
    // A first cap only tightens: executed at once. Raising it is a loosening: queued.
    const first = await viaRelayer.submitViaRelayer(
      await viaRelayer.calls.setWalletCaps("native", { daily: "5", weekly: "20" }),
    );
    expect(first.status).to.equal("executed");
    const loosen = await viaRelayer.submitViaRelayer(
      await viaRelayer.calls.setWalletCaps("native", { daily: "6", weekly: "20" }),
    );
    expect(loosen.status).to.equal("queued");
    expect(loosen.eta).to.equal((await now()) + DAY);
    await stack.increaseTime(DAY);
    await viaRelayer.execute(loosen.proposalId!);
    const tighten = await viaRelayer.submitViaRelayer(
      await viaRelayer.calls.tightenWalletCaps("native", { daily: "4", weekly: "20" }),
    );
    expect(tighten.status).to.equal("executed");
    const [enabled, caps] = await walletContract(walletAddress, stack.chain.provider).walletCaps(
      ZeroAddress,
    );
    expect(enabled).to.equal(true);
    expect([caps[0], caps[1], caps[2]]).to.deep.equal([parseEther("4"), parseEther("20"), 0n]);
    // Owners paid nothing: their operations came from the wallet, `execute` from the relayer's signer.
    expect(await stack.chain.provider.getBalance(bob.address)).to.equal(bobBefore);
    expect(await stack.chain.provider.getBalance(walletAddress)).to.be.lessThan(walletBefore);
    expect(await stack.chain.provider.getBalance(alice.address)).to.equal(aliceBefore);
    // One owner key is below the threshold.
    const alone = new OwnerClient({
      wallet: walletAddress,
      signers: [alice],
      relayer: { url: stack.relayer.url, apiKey: await stack.apiKey(walletAddress) },
    });
    await expectRejection(
      alone.submitViaRelayer(
        await alone.calls.tightenWalletCaps("native", { daily: "3", weekly: "20" }),
      ),
      NotOwnerError,
    );
    await expectRejection(
      owners.submitViaRelayer(owners.calls.removeRecipient(agentKey.address, shop)),
      InvalidArgumentError,
    );
  });

  it("lists an agent's escalated payment and executes it once the owners approve", async () => {
    const agent = new AgentClient({
      wallet: walletAddress,
      key: agentKey,
      relayerUrl: stack.relayer.url,
      apiKey: await stack.apiKey(walletAddress),
    });
    const receipt = await (await agent.pay(shop, "1.25")).wait();
    expect(receipt.outcome).to.equal("escalated");
    const [escalation] = await owners.escalations();
    expect(escalation.id).to.equal(receipt.proposalId);
    expect(escalation.escalatedBy).to.equal(agentKey.address);
    expect(escalation.state).to.equal("pending");
    expect(escalation.approvals).to.equal(0n);
    expect(escalation.calls[0]).to.include({ target: shop, value: parseEther("1.25") });
    expect(escalation.calls[0].description).to.equal(`pay ${parseEther("1.25")} wei to ${shop}`);

    expect(await stack.chain.provider.getBalance(shop)).to.equal(0n);
    const approved = await owners.approveAll(escalation.id);
    expect(approved.status).to.equal("queued");
    expect(approved.eta! <= (await now())).to.equal(true);
    await owners.execute(escalation.id);
    expect(await stack.chain.provider.getBalance(shop)).to.equal(parseEther("1.25"));
    expect(await owners.escalations()).to.deep.equal([]);
    // Approving what is already executed: the local check finds no one able to approve.
    await expectRejection(owners.approveAll(escalation.id), NotOwnerError);
  });

  it("a guardian pauses at once; owners' unpause is queued for the admin delay, then executes", async () => {
    const stranger = new OwnerClient({ wallet: walletAddress, signers: [carol, alice] });
    await expectRejection(
      new OwnerClient({
        wallet: walletAddress,
        signers: [Wallet.createRandom().connect(stack.chain.provider)],
      }).pause(),
      NotOwnerError,
    );
    await guardianClient.pause();
    expect((await owners.info()).paused).to.equal(true);
    // Unpausing lets every agent move again: a loosening, queued (any guardian could veto it).
    const queued = await stranger.unpause();
    expect(queued.status).to.equal("queued");
    const info = await owners.info();
    expect(queued.eta).to.equal(
      BigInt((await stack.chain.provider.getBlock("latest"))!.timestamp) + info.adminDelay,
    );
    const early = await expectRejection(owners.execute(queued.proposalId!), WalletError);
    expect(early.errorName).to.equal("ProposalNotReady");
    expect((await owners.info()).paused).to.equal(true);
    await stack.increaseTime(Number(info.adminDelay));
    expect((await owners.execute(queued.proposalId!)).status).to.equal("executed");
    expect((await owners.info()).paused).to.equal(false);
  });

  it("suspends, resumes (timelocked), rotates and revokes agents", async () => {
    await guardianClient.suspendAgent(agentKey.address);
    expect((await owners.agent(agentKey.address)).status).to.equal("suspended");
    const resume = await owners.resumeAgent(agentKey.address);
    expect(resume.status).to.equal("queued");
    const rotatedKey = Wallet.createRandom().address;
    const rotate = await owners.rotateAgentKey(agentKey.address, rotatedKey);
    expect(rotate.status).to.equal("queued");
    await stack.increaseTime(DAY);
    await owners.execute(resume.proposalId!);
    await owners.execute(rotate.proposalId!);
    const rotated = await owners.agent(agentKey.address);
    expect(rotated).to.include({ status: "active", key: rotatedKey });
    // Looking the agent up by its new key finds the same agent.
    expect((await owners.agent(rotatedKey)).agent).to.equal(agentKey.address);
    await guardianClient.revokeAgent(agentKey.address);
    expect((await owners.agent(agentKey.address)).status).to.equal("revoked");
    const again = await expectRejection(guardianClient.suspendAgent(agentKey.address), WalletError);
    expect(again.errorName).to.equal("AgentInvalidStatus");
  });

  it("vetoes a queued proposal and takes back an approval", async () => {
    const proposed = await aliceOnly.propose(owners.calls.allowRecipient(agentKey.address, shop));
    expect(proposed.status).to.equal("pending");
    const revoked = await aliceOnly.revokeApproval(proposed.proposalId!);
    expect(revoked.status).to.equal("pending");
    expect((await owners.proposal(proposed.proposalId!)).approvals).to.equal(0n);
    await guardianClient.cancel(proposed.proposalId!);
    expect((await owners.proposal(proposed.proposalId!)).state).to.equal("cancelled");
    const late = await expectRejection(bobOnly.approve(proposed.proposalId!), WalletError);
    expect(late.errorName).to.equal("ProposalInvalidState");
  });

  it("leaves expired proposals out of the pending list", async () => {
    const proposed = await aliceOnly.propose(owners.calls.allowRecipient(agentKey.address, shop), {
      expiresIn: 3600,
    });
    expect((await owners.pendingProposals()).map((p) => p.id)).to.include(proposed.proposalId);
    await stack.increaseTime(3601);
    expect((await owners.pendingProposals()).map((p) => p.id)).to.not.include(proposed.proposalId);
    const all = await owners.pendingProposals({ includeExpired: true });
    expect(all.find((p) => p.id === proposed.proposalId)).to.include({
      expired: true,
      state: "pending",
    });
    const late = await expectRejection(bobOnly.approve(proposed.proposalId!), WalletError);
    expect(late.errorName).to.equal("ProposalExpired");
  });

  it("manages owners, guardians and delays through the timelock", async () => {
    const dave = Wallet.createRandom().address;
    const second = Wallet.createRandom().address;
    const addOwner = await owners.addOwner(dave);
    const addGuardian = await owners.addGuardian(second);
    const delays = await owners.setDelays(2n * DAY, 8n * DAY);
    // Raising both delays only tightens: at once, and it binds what is queued.
    expect([addOwner.status, addGuardian.status, delays.status]).to.deep.equal([
      "queued",
      "queued",
      "executed",
    ]);
    await stack.increaseTime(2n * DAY);
    await owners.execute(addOwner.proposalId!);
    await owners.execute(addGuardian.proposalId!);
    expect((await owners.info()).owners).to.include(dave);
    expect((await owners.info()).guardians).to.include(second);
    // Removing a vetoer is a loosening too; raising the threshold is instant, lowering it waits.
    const removeGuardian = await owners.removeGuardian(second);
    const removeOwner = await owners.removeOwner(dave);
    expect([removeGuardian.status, removeOwner.status]).to.deep.equal(["queued", "queued"]);
    expect((await owners.changeThreshold(1)).status).to.equal("queued");
    expect((await owners.changeThreshold(2)).status).to.equal("executed");
    await stack.increaseTime(2n * DAY);
    await owners.execute(removeGuardian.proposalId!);
    await owners.execute(removeOwner.proposalId!);
    expect((await owners.info()).guardians).to.not.include(second);
    const info = await owners.info();
    expect([info.adminDelay, info.upgradeDelay]).to.deep.equal([2n * DAY, 8n * DAY]);
    expect(info.owners).to.not.include(dave);
    await expectRejection(owners.addOwner("not-an-address"), InvalidAddressError);
  });

  it("schedules an upgrade and executes it after the upgrade delay", async () => {
    const v2 = await stack.deploy(
      "mocks/AgentWalletV2Mock.sol/AgentWalletV2Mock.json",
      stack.entryPoint,
      stack.module,
    );
    const v2Interface = new Contract(v2, ["function initializeV2(uint256)"]).interface;
    const scheduled = await owners.scheduleUpgrade(
      v2,
      v2Interface.encodeFunctionData("initializeV2", [42n]),
    );
    expect(scheduled.status).to.equal("queued");
    expect(scheduled.eta).to.equal((await now()) + 8n * DAY);
    const description = (await owners.proposal(scheduled.proposalId!)).calls[0].description;
    expect(description).to.match(new RegExp(`^upgradeToAndCall\\(${v2}, 0x`));
    const early = await expectRejection(owners.executeUpgrade(scheduled.proposalId!), WalletError);
    expect(early.errorName).to.equal("ProposalNotReady");
    await stack.increaseTime(8n * DAY);
    await owners.executeUpgrade(scheduled.proposalId!);
    const upgraded = new Contract(
      walletAddress,
      ["function version() view returns (uint256)", "function marker() view returns (uint256)"],
      stack.chain.provider,
    );
    expect(await upgraded.getFunction("version")()).to.equal(2n);
    expect(await upgraded.getFunction("marker")()).to.equal(42n);
  });
});
