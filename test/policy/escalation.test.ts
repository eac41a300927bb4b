import { expect } from "chai";
import { parseEther } from "ethers";
import {
  type Connection,
  NATIVE,
  type PolicyWorld,
  addAgent,
  agentOp,
  deployPolicyWorld,
  deployTokens,
  expectOpError,
  expectSuccess,
  isolatedFixture,
  limits,
  nativePay,
  ownersRun,
  rules,
  selfCall,
  spentOf,
  tokenPay,
  utc,
  walletSpent,
} from "../helpers/policy.js";

const T = utc(2030, 7, 2, 10);
const ESCALATION_LIFETIME = 7n * 86400n;
const LIMITS = limits({ perTx: 1_000n, approvalAbove: 100n, daily: 1_500n });
enum State {
  None,
  Pending,
  Queued,
  Executed,
  Cancelled,
}

const escalationFixture = isolatedFixture(async function escalationFixture(conn: Connection) {
  const world = await deployPolicyWorld(conn);
  const tokens = await deployTokens(world);
  const token = await tokens.erc20.getAddress();
  const [a, b] = world.agents;
  const r0 = world.recipients[0];
  for (const agent of [a, b]) {
    await addAgent(world, agent.address, {
      assets: [
        [NATIVE, LIMITS],
        [token, LIMITS],
      ],
      recipients: [r0],
    });
  }
  await ownersRun(world, [selfCall(world, "setWalletCaps", [NATIVE, 2_000n, 0n, 0n])]);
  // Owners approve on-chain from their own keys: give them gas money.
  for (const o of world.owners) await world.networkHelpers.setBalance(o.address, parseEther("1"));
  return { world, tokens, token, a, b, r0 };
});

function asOwner(world: PolicyWorld, i: number) {
  return world.wallet.connect(world.owners[i].connect(world.ethers.provider));
}

async function approveByOwners(world: PolicyWorld, id: bigint) {
  await (await asOwner(world, 0).approve(id)).wait();
  await (await asOwner(world, 1).approve(id)).wait();
}

function requested(world: PolicyWorld, res: Awaited<ReturnType<typeof agentOp>>) {
  return res.walletEvents.filter((e) => e.name === "ApprovalRequested");
}

/** 14 payments of 100 (never above approvalAbove) in one batch: 1400 of the 1500 daily cap. */
function fill1400(r: string) {
  return Array.from({ length: 14 }, () => nativePay(r, 100n));
}

describe("Policy: escalation of payments above approvalAbove", function () {
  it("test_escalation_aboveApprovalAbove_requestsApprovalAndMovesNothing", async function () {
    const { world, a, r0 } = await escalationFixture();
    const before = await world.ethers.provider.getBalance(r0);
    const count = await world.wallet.proposalCount();
    const res = await agentOp(world, a, [nativePay(r0, 101n)], { at: T });
    expectSuccess(res);
    const [ev] = requested(world, res);
    const id = count + 1n;
    expect(ev.args.toArray()).to.deep.equal([id, a.address, NATIVE, 101n, r0]);
    expect(res.walletEvents.some((e) => e.name === "AgentCallExecuted")).to.equal(false);
    expect(await world.ethers.provider.getBalance(r0)).to.equal(before);
    expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([0n, 0n, 0n]);
    const [state, proposer, escalatedBy, expiresAt, , delay, approvals] =
      await world.wallet.getProposal(id);
    expect([state, proposer, escalatedBy, expiresAt, delay, approvals]).to.deep.equal([
      BigInt(State.Pending),
      a.address,
      a.address,
      T + ESCALATION_LIFETIME,
      0n,
      0n,
    ]);
    const [call] = await world.wallet.getProposalCalls(id);
    expect([call.target, call.value, call.data]).to.deep.equal([r0, 101n, "0x"]);
  });

  it("test_escalation_exactlyAtApprovalAbove_executesDirectly", async function () {
    const { world, a, r0 } = await escalationFixture();
    const count = await world.wallet.proposalCount();
    const res = await agentOp(world, a, [nativePay(r0, 100n)], { at: T });
    expectSuccess(res);
    expect(requested(world, res)).to.have.length(0);
    expect(await world.wallet.proposalCount()).to.equal(count);
    expect((await spentOf(world, a.address, NATIVE))[0]).to.equal(100n);
  });

  it("test_escalation_ownersApproveAndExecute_countedExactlyOnce", async function () {
    const { world, a, r0 } = await escalationFixture();
    const res = await agentOp(world, a, [nativePay(r0, 150n)], { at: T });
    const id = requested(world, res)[0].args[0] as bigint;
    await approveByOwners(world, id);
    expect((await world.wallet.getProposal(id))[0]).to.equal(BigInt(State.Queued));
    const before = await world.ethers.provider.getBalance(r0);
    await expect(world.wallet.connect(world.stranger).execute(id))
      .to.emit(world.wallet, "AgentCallExecuted")
      .withArgs(a.address, r0, NATIVE, 150n);
    expect(await world.ethers.provider.getBalance(r0)).to.equal(before + 150n);
    expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([150n, 150n, 150n]);
    expect(await walletSpent(world, NATIVE)).to.deep.equal([150n, 150n, 150n]);
    await expect(world.wallet.execute(id))
      .to.be.revertedWithCustomError(world.wallet, "ProposalInvalidState")
      .withArgs(id, BigInt(State.Executed));
    expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([150n, 150n, 150n]);
    expect(await walletSpent(world, NATIVE)).to.deep.equal([150n, 150n, 150n]);
  });

  it("test_escalation_oneApprovalIsNotEnough", async function () {
    const { world, a, r0 } = await escalationFixture();
    const res = await agentOp(world, a, [nativePay(r0, 150n)], { at: T });
    const id = requested(world, res)[0].args[0] as bigint;
    await (await asOwner(world, 0).approve(id)).wait();
    await expect(world.wallet.execute(id))
      .to.be.revertedWithCustomError(world.wallet, "ProposalInvalidState")
      .withArgs(id, BigInt(State.Pending));
    await expect(world.wallet.connect(world.stranger).approve(id))
      .to.be.revertedWithCustomError(world.wallet, "OwnerUnauthorized")
      .withArgs(world.stranger.address);
  });

  it("test_escalation_tokenPayment_escalatesWithTokenAsset", async function () {
    const { world, tokens, token, a, r0 } = await escalationFixture();
    const res = await agentOp(world, a, [tokenPay(token, r0, 500n)], { at: T });
    expectSuccess(res);
    const [ev] = requested(world, res);
    expect(ev.args.toArray().slice(1)).to.deep.equal([a.address, token, 500n, r0]);
    expect(await tokens.erc20.balanceOf(r0)).to.equal(0n);
    await approveByOwners(world, ev.args[0] as bigint);
    await (await world.wallet.execute(ev.args[0] as bigint)).wait();
    expect(await tokens.erc20.balanceOf(r0)).to.equal(500n);
    expect(await spentOf(world, a.address, token)).to.deep.equal([500n, 500n, 500n]);
  });

  it("test_escalation_aboveHardCaps_revertsInsteadOfEscalating", async function () {
    const { world, a, r0 } = await escalationFixture();
    const count = await world.wallet.proposalCount();
    expectOpError(
      await agentOp(world, a, [nativePay(r0, 1_001n)], { at: T }),
      "PolicyPerTxLimitExceeded",
      [a.address, NATIVE, 1_001n, 1_000n],
    );
    expectSuccess(await agentOp(world, a, fill1400(r0), { at: T + 1n }));
    expectOpError(
      await agentOp(world, a, [nativePay(r0, 101n)], { at: T + 2n }),
      "PolicyDailyLimitExceeded",
      [a.address, NATIVE, 1_400n, 101n, 1_500n],
    );
    expect(await world.wallet.proposalCount()).to.equal(count);
  });

  it("test_escalation_batchTotalAboveDailyCap_revertsInsteadOfEscalating", async function () {
    const { world, a, r0 } = await escalationFixture();
    // Each payment is within the hard caps, but the batch is counted as a whole (1800 > daily 1500): an
    // escalation that could never execute today must not be created (nor take the agent's one slot).
    const count = await world.wallet.proposalCount();
    const res = await agentOp(world, a, [nativePay(r0, 900n), nativePay(r0, 900n)], { at: T });
    expectOpError(res, "PolicyDailyLimitExceeded", [a.address, NATIVE, 0n, 1_800n, 1_500n]);
    expect(await world.wallet.proposalCount()).to.equal(count);
  });

  it("test_escalation_aboveWalletWideCap_revertsInsteadOfEscalating", async function () {
    const { world, a, b, r0 } = await escalationFixture();
    expectSuccess(await agentOp(world, a, fill1400(r0), { at: T }));
    // b's own daily cap has room, the wallet's (2000) has 600 left.
    const res = await agentOp(world, b, [nativePay(r0, 601n)], { at: T + 1n });
    expectOpError(res, "PolicyWalletDailyCapExceeded", [NATIVE, 1_400n, 601n, 2_000n]);
    expectSuccess(await agentOp(world, b, [nativePay(r0, 600n)], { at: T + 2n })); // escalates
  });

  it("test_escalation_secondWhileOneIsOpen_refused_untilCancelled", async function () {
    const { world, a, b, r0 } = await escalationFixture();
    const first = requested(world, await agentOp(world, a, [nativePay(r0, 150n)], { at: T }))[0]
      .args[0] as bigint;
    const second = await agentOp(world, a, [nativePay(r0, 200n)], { at: T + 1n });
    expectOpError(second, "PolicyEscalationPending", [a.address, first]);
    // Another agent is not blocked by a's escalation.
    expectSuccess(await agentOp(world, b, [nativePay(r0, 200n)], { at: T + 2n }));
    // A queued (approved, not yet executed) escalation still counts as open.
    await approveByOwners(world, first);
    expectOpError(
      await agentOp(world, a, [nativePay(r0, 200n)], { at: T + 100n }),
      "PolicyEscalationPending",
      [a.address, first],
    );
    await (await world.wallet.connect(world.guardian).cancel(first)).wait();
    const third = await agentOp(world, a, [nativePay(r0, 200n)], { at: T + 200n });
    expectSuccess(third);
    expect(requested(world, third)).to.have.length(1);
  });

  it("test_escalation_expiresAfterSevenDays_thenCannotBeApproved_andANewOneIsAllowed", async function () {
    const { world, a, r0 } = await escalationFixture();
    const id = requested(world, await agentOp(world, a, [nativePay(r0, 150n)], { at: T }))[0]
      .args[0] as bigint;
    expectOpError(
      await agentOp(world, a, [nativePay(r0, 150n)], { at: T + ESCALATION_LIFETIME }),
      "PolicyEscalationPending",
      [a.address, id],
    );
    await world.networkHelpers.time.setNextBlockTimestamp(T + ESCALATION_LIFETIME + 1n);
    await expect(asOwner(world, 0).approve(id))
      .to.be.revertedWithCustomError(world.wallet, "ProposalExpired")
      .withArgs(id, T + ESCALATION_LIFETIME);
    const next = await agentOp(world, a, [nativePay(r0, 150n)], {
      at: T + ESCALATION_LIFETIME + 2n,
    });
    expect(requested(world, next)).to.have.length(1);
  });

  it("test_escalation_executeRefusedWhilePaused", async function () {
    const { world, a, r0 } = await escalationFixture();
    const id = requested(world, await agentOp(world, a, [nativePay(r0, 150n)], { at: T }))[0]
      .args[0] as bigint;
    await approveByOwners(world, id);
    await (await world.wallet.connect(world.guardian).pause()).wait();
    const before = await world.ethers.provider.getBalance(r0);
    await expect(world.wallet.execute(id)).to.be.revertedWithCustomError(
      world.wallet,
      "WalletPaused",
    );
    expect(await world.ethers.provider.getBalance(r0)).to.equal(before);
    expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([0n, 0n, 0n]);
  });

  it("test_escalation_executeRefusedWhenAgentSuspendedOrRevoked", async function () {
    const { world, a, r0 } = await escalationFixture();
    const id = requested(world, await agentOp(world, a, [nativePay(r0, 150n)], { at: T }))[0]
      .args[0] as bigint;
    await approveByOwners(world, id);
    await (await world.wallet.connect(world.guardian).suspendAgent(a.address)).wait();
    await expect(world.wallet.execute(id))
      .to.be.revertedWithCustomError(world.wallet, "AgentInvalidStatus")
      .withArgs(a.address, 2n);
    await (await world.wallet.connect(world.guardian).revokeAgent(a.address)).wait();
    await expect(world.wallet.execute(id))
      .to.be.revertedWithCustomError(world.wallet, "AgentInvalidStatus")
      .withArgs(a.address, 3n);
    expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([0n, 0n, 0n]);
  });

  it("test_escalation_capsRecheckedAtExecution", async function () {
    const { world, a, r0 } = await escalationFixture();
    const id = requested(world, await agentOp(world, a, [nativePay(r0, 150n)], { at: T }))[0]
      .args[0] as bigint;
    expectSuccess(await agentOp(world, a, fill1400(r0), { at: T + 1n }));
    await approveByOwners(world, id);
    // Approved, but 1400 + 150 > 1500: the owners can't make the agent pass its hard cap.
    await expect(world.wallet.execute(id))
      .to.be.revertedWithCustomError(world.wallet, "PolicyDailyLimitExceeded")
      .withArgs(a.address, NATIVE, 1_400n, 150n, 1_500n);
    // The next day it fits.
    await world.networkHelpers.time.setNextBlockTimestamp(utc(2030, 7, 3));
    await (await world.wallet.execute(id)).wait();
    expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([150n, 1_550n, 1_550n]);
  });

  it("test_escalation_recipientRecheckedAtExecution", async function () {
    const { world, a, r0 } = await escalationFixture();
    const id = requested(world, await agentOp(world, a, [nativePay(r0, 150n)], { at: T }))[0]
      .args[0] as bigint;
    await ownersRun(world, [selfCall(world, "removeRecipient", [a.address, r0])]);
    await approveByOwners(world, id);
    await expect(world.wallet.execute(id))
      .to.be.revertedWithCustomError(world.wallet, "PolicyRecipientNotAllowed")
      .withArgs(a.address, r0);
  });

  it("test_escalation_batchWithOneLargeCall_escalatesWholeBatch_andCountsAllOnExecution", async function () {
    const { world, a, r0 } = await escalationFixture();
    const before = await world.ethers.provider.getBalance(r0);
    const res = await agentOp(world, a, [nativePay(r0, 50n), nativePay(r0, 150n)], { at: T });
    expectSuccess(res);
    const evs = requested(world, res);
    expect(evs).to.have.length(1);
    expect(evs[0].args[3]).to.equal(150n);
    expect(await world.ethers.provider.getBalance(r0)).to.equal(before);
    const id = evs[0].args[0] as bigint;
    await approveByOwners(world, id);
    await (await world.wallet.execute(id)).wait();
    expect(await world.ethers.provider.getBalance(r0)).to.equal(before + 200n);
    expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([200n, 200n, 200n]);
    expect(await walletSpent(world, NATIVE)).to.deep.equal([200n, 200n, 200n]);
  });

  it("test_escalation_tokenHookCannotExecuteTheEscalationDuringAnAgentOp", async function () {
    const { world, tokens, a, b, r0 } = await escalationFixture();
    const reentrant = await tokens.reentrant.getAddress();
    await ownersRun(world, [
      selfCall(world, "setAssetLimits", [b.address, reentrant, limits({ perTx: 10n })]),
    ]);
    const id = requested(world, await agentOp(world, a, [nativePay(r0, 150n)], { at: T }))[0]
      .args[0] as bigint;
    await approveByOwners(world, id);
    await (
      await tokens.reentrant.arm(
        world.address,
        world.wallet.interface.encodeFunctionData("execute", [id]),
      )
    ).wait();
    expectSuccess(await agentOp(world, b, [tokenPay(reentrant, r0, 10n)], { at: T + 100n }));
    expect(await tokens.reentrant.reentryOk()).to.equal(false);
    expect((await world.wallet.getProposal(id))[0]).to.equal(BigInt(State.Queued));
    await (await world.wallet.execute(id)).wait();
    expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([150n, 150n, 150n]);
  });
});

// An attacker review (2026-12-04) noted that the code's comment claimed every other rule applies to an approved
// escalation; the hour and weekday masks and the velocity limits don't (they pace the agent's own operations, and
// anyone may run the owners' decision within the grace period). The comment now says so; this pins it.
const pacedAgentFixture = isolatedFixture(async function pacedAgentFixture(conn: Connection) {
  const world = await deployPolicyWorld(conn);
  const [a] = world.agents;
  const r0 = world.recipients[0];
  await addAgent(world, a.address, {
    rules: rules({ allowedHours: 1 << 10, maxOpsPerDay: 1 }), // only the 10:00 hour, one op a day
    assets: [[NATIVE, LIMITS]],
    recipients: [r0],
  });
  for (const o of world.owners) await world.networkHelpers.setBalance(o.address, parseEther("1"));
  return { world, a, r0 };
});

describe("Policy: an approved escalation and the agent's pacing rules", function () {
  it("test_execute_approvedEscalation_runsOutsideTheAgentsHoursAndVelocity_withinItsCaps", async function () {
    const { world, a, r0 } = await pacedAgentFixture();
    // 10:00: the agent's one op of the day escalates a payment of 150 with 14 of 10 riding along.
    const calls = [nativePay(r0, 150n), ...Array.from({ length: 14 }, () => nativePay(r0, 10n))];
    const res = await agentOp(world, a, calls, { at: T });
    const id = requested(world, res)[0].args[0] as bigint;
    await approveByOwners(world, id);
    // 23:00: the agent's own op is refused by the hour mask (and would be by ops per day)...
    expectOpError(
      await agentOp(world, a, [nativePay(r0, 1n)], { at: T + 13n * 3600n }),
      "PolicyOutsideAllowedHours",
    );
    // ...while anyone may run the owners' decision then, counted against the caps like any payment.
    const before = await world.ethers.provider.getBalance(r0);
    await (await world.wallet.connect(world.stranger).execute(id)).wait();
    expect((await world.ethers.provider.getBalance(r0)) - before).to.equal(290n);
    expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([290n, 290n, 290n]);
  });
});
