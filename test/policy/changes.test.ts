import { expect } from "chai";
import { Wallet } from "ethers";
import {
  type CallStruct,
  type Connection,
  NATIVE,
  type PolicyWorld,
  addAgent,
  agentOp,
  buildAgentOpFor,
  decodeError,
  deployPolicyWorld,
  expectOpError,
  expectSuccess,
  isolatedFixture,
  limits,
  nativePay,
  ownersRun,
  ownersSignedTx,
  ownersSubmit,
  rules,
  selfCall,
  sendAgentOp,
  spentOf,
  utc,
  walletInterface,
} from "../helpers/policy.js";
import { buildUserOp, signOwnerOp } from "../helpers/fixtures.js";

const T = utc(2030, 7, 2, 10); // Tuesday
const LIMITS = limits({ perTx: 100n, daily: 250n, weekly: 600n, monthly: 1_000n });
const RULES = rules({ maxOpsPerHour: 10, maxOpsPerDay: 50 });

const changesFixture = isolatedFixture(async function changesFixture(conn: Connection) {
  const world = await deployPolicyWorld(conn);
  const [a, b, c] = world.agents;
  const [r0, r1] = world.recipients;
  await addAgent(world, a.address, {
    assets: [[NATIVE, LIMITS]],
    recipients: [r0, r1],
    rules: RULES,
  });
  await addAgent(world, b.address, {
    assets: [[NATIVE, { ...LIMITS, approvalAbove: 50n }]],
    recipients: [r0],
    rules: RULES,
  });
  // c's key is valid from T to T + 1 day only.
  await addAgent(world, c.address, {
    assets: [[NATIVE, LIMITS]],
    recipients: [r0],
    validAfter: Number(T),
    validUntil: Number(T + 86400n),
  });
  await ownersRun(world, [selfCall(world, "setWalletCaps", [NATIVE, 400n, 700n, 900n])]);
  return { world, a, b, c, r0, r1 };
});

function inner(name: string, args: unknown[]): string {
  return walletInterface.encodeErrorResult(name, args);
}

/**
 * A change that loosens: the wallet's own dry run asks for the admin delay, and the owners' signed batch is queued
 * with it instead of running (nothing changes now).
 */
async function expectWaitsAdminDelay(world: PolicyWorld, call: CallStruct) {
  const delay = await world.wallet.adminDelay();
  expect(delay).to.be.greaterThan(0n);
  expect(await world.wallet.requiredDelay.staticCall([call])).to.equal(delay);
  expect(await ownersSubmit(world, [call])).to.not.equal(undefined);
}

/** handleOps must refuse the agent's op at validation (the EntryPoint's FailedOp). */
async function expectValidationFails(world: PolicyWorld, key: Wallet, reason: string, at?: bigint) {
  await expect(sendAgentOp(world, key, [nativePay(world.recipients[0], 1n)], { at }))
    .to.be.revertedWithCustomError(world.entryPoint, "FailedOp")
    .withArgs(0n, reason);
  // A reverted handleOps mines no block: consume the pinned timestamp so later transactions don't inherit it.
  if (at !== undefined) await world.networkHelpers.mine();
}

describe("Policy: changing the rules", function () {
  describe("a setter is instant only when it narrows (its delay decided by effect)", function () {
    it("test_setAssetLimits_eachLooserField_waitsTheAdminDelay", async function () {
      const { world, a, b } = await changesFixture();
      const t = (l: typeof LIMITS, agent = a.address) =>
        selfCall(world, "setAssetLimits", [agent, NATIVE, l]);
      await expectWaitsAdminDelay(world, t({ ...LIMITS, perTx: 101n }));
      await expectWaitsAdminDelay(world, t({ ...LIMITS, perTx: 0n }));
      await expectWaitsAdminDelay(world, t({ ...LIMITS, daily: 251n }));
      await expectWaitsAdminDelay(world, t({ ...LIMITS, weekly: 0n }));
      await expectWaitsAdminDelay(world, t({ ...LIMITS, monthly: 1_001n }));
      // approvalAbove: 0 means "never escalate", the loosest value.
      const bl = { ...LIMITS, approvalAbove: 50n };
      await expectWaitsAdminDelay(world, t({ ...bl, approvalAbove: 51n }, b.address));
      await expectWaitsAdminDelay(world, t({ ...bl, approvalAbove: 0n }, b.address));
      const [l] = await world.wallet.getAssetLimits(a.address, NATIVE);
      expect([l.perTx, l.approvalAbove, l.daily, l.weekly, l.monthly]).to.deep.equal([
        100n,
        0n,
        250n,
        600n,
        1_000n,
      ]);
    });

    it("test_setAssetLimits_stricter_appliesImmediately", async function () {
      const { world, a, r0 } = await changesFixture();
      const tighter = { ...LIMITS, perTx: 50n, approvalAbove: 40n };
      const queued = await ownersSubmit(world, [
        selfCall(world, "setAssetLimits", [a.address, NATIVE, tighter]),
      ]);
      expect(queued).to.equal(undefined); // ran at once, no timelock
      const [l] = await world.wallet.getAssetLimits(a.address, NATIVE);
      expect([l.perTx, l.approvalAbove, l.daily, l.weekly, l.monthly]).to.deep.equal([
        50n,
        40n,
        250n,
        600n,
        1_000n,
      ]);
      expectOpError(
        await agentOp(world, a, [nativePay(r0, 51n)], { at: T }),
        "PolicyPerTxLimitExceeded",
        [a.address, NATIVE, 51n, 50n],
      );
      expectSuccess(await agentOp(world, a, [nativePay(r0, 40n)], { at: T + 1n }));
    });

    it("test_setAssetLimits_belowWhatWasSpent_keepsTheSpend", async function () {
      const { world, a, r0 } = await changesFixture();
      expectSuccess(await agentOp(world, a, [nativePay(r0, 100n), nativePay(r0, 100n)], { at: T }));
      await ownersRun(world, [
        selfCall(world, "setAssetLimits", [a.address, NATIVE, { ...LIMITS, daily: 220n }]),
      ]);
      expect((await world.wallet.remaining(a.address, NATIVE))[1]).to.equal(20n);
      expectOpError(
        await agentOp(world, a, [nativePay(r0, 21n)], { at: T + 10n }),
        "PolicyDailyLimitExceeded",
        [a.address, NATIVE, 200n, 21n, 220n],
      );
      expectSuccess(await agentOp(world, a, [nativePay(r0, 20n)], { at: T + 11n }));
      await ownersRun(world, [
        selfCall(world, "setAssetLimits", [a.address, NATIVE, { ...LIMITS, daily: 150n }]),
      ]);
      // Weekly: own 600 - 220 < wallet 700 - 220; monthly: wallet 900 - 220 < own 1000 - 220.
      expect(await world.wallet.remaining(a.address, NATIVE)).to.deep.equal([0n, 0n, 380n, 680n]);
      expectOpError(
        await agentOp(world, a, [nativePay(r0, 1n)], { at: T + 20n }),
        "PolicyDailyLimitExceeded",
        [a.address, NATIVE, 220n, 1n, 150n],
      );
    });

    it("test_setWalletCaps_looserWaits_stricterApplies", async function () {
      const { world, a, r0 } = await changesFixture();
      const t = (d: bigint, w: bigint, m: bigint) =>
        selfCall(world, "setWalletCaps", [NATIVE, d, w, m]);
      await expectWaitsAdminDelay(world, t(401n, 700n, 900n));
      await expectWaitsAdminDelay(world, t(400n, 0n, 900n));
      await expectWaitsAdminDelay(world, t(400n, 700n, 901n));
      await ownersRun(world, [t(150n, 700n, 900n)]);
      expectSuccess(await agentOp(world, a, [nativePay(r0, 100n), nativePay(r0, 50n)], { at: T }));
      expectOpError(
        await agentOp(world, a, [nativePay(r0, 1n)], { at: T + 1n }),
        "PolicyWalletDailyCapExceeded",
        [NATIVE, 150n, 1n, 150n],
      );
    });

    it("test_setAgentRules_looserWaits_stricterApplies", async function () {
      const { world, a, r0 } = await changesFixture();
      const t = (r: typeof RULES) => selfCall(world, "setAgentRules", [a.address, 0, 0, r]);
      await expectWaitsAdminDelay(world, t({ ...RULES, maxOpsPerHour: 11 }));
      await expectWaitsAdminDelay(world, t({ ...RULES, maxOpsPerDay: 0 }));
      await expectWaitsAdminDelay(world, t({ ...RULES, maxOpCost: RULES.maxOpCost + 1n }));
      await ownersRun(world, [t({ ...RULES, maxOpsPerHour: 1 })]);
      expectSuccess(await agentOp(world, a, [nativePay(r0, 1n)], { at: T }));
      expectOpError(
        await agentOp(world, a, [nativePay(r0, 1n)], { at: T + 1n }),
        "PolicyHourlyOpsExceeded",
        [a.address, 1n, 1n],
      );
    });

    it("test_setAssetLimits_unbounded_refused", async function () {
      const { world, a } = await changesFixture();
      // The owners' batch is tried when submitted: the refusal comes at once, nothing is queued.
      await expect(
        ownersSignedTx(world, [selfCall(world, "setAssetLimits", [a.address, NATIVE, limits({})])]),
      )
        .to.be.revertedWithCustomError(world.wallet, "WalletCallFailed")
        .withArgs(0n, inner("PolicyUnboundedAsset", [a.address, NATIVE]));
    });
  });

  describe("loosening waits out the timelock and keeps what was spent", function () {
    it("test_setAssetLimits_raise_isQueued_thenKeepsSpent", async function () {
      const { world, a, r0 } = await changesFixture();
      await world.networkHelpers.time.setNextBlockTimestamp(T);
      expectSuccess(await agentOp(world, a, [nativePay(r0, 100n), nativePay(r0, 100n)]));
      const raised = { ...LIMITS, perTx: 500n, daily: 1_000n, weekly: 2_000n, monthly: 3_000n };
      const queued = await ownersSubmit(world, [
        selfCall(world, "setAssetLimits", [a.address, NATIVE, raised]),
      ]);
      expect(queued).to.not.equal(undefined);
      // Until the eta nothing changed.
      expect((await world.wallet.getAssetLimits(a.address, NATIVE))[0].perTx).to.equal(100n);
      await expect(world.wallet.execute(queued!.id)).to.be.revertedWithCustomError(
        world.wallet,
        "ProposalNotReady",
      );
      await world.networkHelpers.time.increaseTo(queued!.eta);
      await (await world.wallet.execute(queued!.id)).wait();
      // A day later (same week and month): the week's and month's spend are still there.
      expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([0n, 200n, 200n]);
      // The wallet-wide caps (400 / 700 / 900, 200 spent this week and month) now bind.
      expect(await world.wallet.remaining(a.address, NATIVE)).to.deep.equal([
        400n,
        400n,
        500n,
        700n,
      ]);
    });

    it("test_removeThenReAddAsset_keepsSpent", async function () {
      const { world, a, r0 } = await changesFixture();
      expectSuccess(await agentOp(world, a, [nativePay(r0, 100n), nativePay(r0, 100n)], { at: T }));
      await ownersRun(world, [selfCall(world, "removeAssetLimits", [a.address, NATIVE])]);
      expectOpError(
        await agentOp(world, a, [nativePay(r0, 1n)], { at: T + 100n }),
        "PolicyAssetNotAllowed",
        [a.address, NATIVE],
      );
      await ownersRun(world, [selfCall(world, "setAssetLimits", [a.address, NATIVE, LIMITS])]);
      expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([0n, 200n, 200n]);
      // Monthly: the wallet's 900 - 200 is below the agent's 1000 - 200.
      expect(await world.wallet.remaining(a.address, NATIVE)).to.deep.equal([
        100n,
        250n,
        400n,
        700n,
      ]);
    });
  });

  describe("agent lifecycle", function () {
    it("test_rotateAgentKey_keepsCountersAndPolicy_oldKeyDead", async function () {
      const { world, a, r0 } = await changesFixture();
      const newKey = new Wallet(Wallet.createRandom().privateKey);
      expectSuccess(await agentOp(world, a, [nativePay(r0, 100n), nativePay(r0, 100n)], { at: T }));
      await ownersRun(world, [selfCall(world, "rotateAgentKey", [a.address, newKey.address])]);
      expect((await world.wallet.getAgent(a.address))[0]).to.equal(newKey.address);
      expect(await world.wallet.agentOfKey(newKey.address)).to.equal(a.address);
      expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([0n, 200n, 200n]);
      // The new key spends as agent a: a's counters and caps.
      expectSuccess(await agentOp(world, newKey, [nativePay(r0, 100n)]));
      expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([100n, 300n, 300n]);
      expect(await spentOf(world, newKey.address, NATIVE)).to.deep.equal([0n, 0n, 0n]);
      expectOpError(
        await agentOp(world, newKey, [nativePay(r0, 101n)]),
        "PolicyPerTxLimitExceeded",
        [a.address, NATIVE, 101n, 100n],
      );
      await expectValidationFails(world, a, "AA24 signature error");
    });

    it("test_revokedAgent_cannotSpend_norBeResumed", async function () {
      const { world, a } = await changesFixture();
      await expect(world.wallet.connect(world.guardian).revokeAgent(a.address))
        .to.emit(world.wallet, "AgentRevoked")
        .withArgs(a.address, world.guardian.address);
      await expectValidationFails(world, a, "AA24 signature error", T);
      await expect(ownersSignedTx(world, [selfCall(world, "resumeAgent", [a.address])]))
        .to.be.revertedWithCustomError(world.wallet, "WalletCallFailed")
        .withArgs(0n, inner("AgentInvalidStatus", [a.address, 3n]));
      await expectValidationFails(world, a, "AA24 signature error");
    });

    it("test_suspendedAgent_cannotSpend_untilResumed", async function () {
      const { world, a, r0 } = await changesFixture();
      await (await world.wallet.connect(world.guardian).suspendAgent(a.address)).wait();
      await expectValidationFails(world, a, "AA24 signature error", T);
      await ownersRun(world, [selfCall(world, "resumeAgent", [a.address])]);
      expectSuccess(await agentOp(world, a, [nativePay(r0, 1n)]));
    });

    it("test_strangerCannotSuspendOrRevoke", async function () {
      const { world, a } = await changesFixture();
      await expect(world.wallet.connect(world.stranger).suspendAgent(a.address))
        .to.be.revertedWithCustomError(world.wallet, "GuardianUnauthorized")
        .withArgs(world.stranger.address);
      await expect(world.wallet.connect(world.stranger).revokeAgent(a.address))
        .to.be.revertedWithCustomError(world.wallet, "GuardianUnauthorized")
        .withArgs(world.stranger.address);
    });

    it("test_keyValidity_validAfterExclusive_validUntilInclusive", async function () {
      const { world, c, r0 } = await changesFixture();
      // EntryPoint v0.8 treats validAfter as exclusive (`block.timestamp <= validAfter` is out of range).
      await expectValidationFails(world, c, "AA22 expired or not due", T);
      expectSuccess(await agentOp(world, c, [nativePay(r0, 1n)], { at: T + 1n }));
      expectSuccess(await agentOp(world, c, [nativePay(r0, 1n)], { at: T + 86400n }));
      await expectValidationFails(world, c, "AA22 expired or not due", T + 86400n + 1n);
    });

    it("test_pausedWallet_refusesAgentOpsAtValidation", async function () {
      const { world, a } = await changesFixture();
      await (await world.wallet.connect(world.guardian).pause()).wait();
      await expectValidationFails(world, a, "AA24 signature error", T);
    });

    it("test_pauseOrRevokeEarlierInTheSameBundle_stopsTheAgentOpAtExecution", async function () {
      const { world, a, r0 } = await changesFixture();
      for (const [fn, error, args] of [
        ["pause", "WalletPaused", []],
        ["revokeAgent", "AgentInvalidStatus", [a.address, 3n]],
      ] as [string, string, unknown[]][]) {
        const snapshot = await world.networkHelpers.takeSnapshot();
        const ownerCall = selfCall(world, fn, fn === "pause" ? [] : [a.address]);
        let ownerOp = await buildUserOp(world.entryPoint, world.address, 0n, [ownerCall], {
          call: 1_000_000n,
        });
        ownerOp = await signOwnerOp(world.entryPoint, ownerOp, world.owners.slice(0, 2));
        const agentUserOp = await buildAgentOpFor(world, a, [nativePay(r0, 100n)]);
        const before = await world.ethers.provider.getBalance(r0);
        const receipt = await (
          await world.entryPoint.handleOps([ownerOp, agentUserOp], world.bundler.address)
        ).wait();
        const events = receipt!.logs
          .map((l) => {
            try {
              return world.entryPoint.interface.parseLog(l);
            } catch {
              return null;
            }
          })
          .filter((e) => e !== null);
        const outcomes = events
          .filter((e) => e!.name === "UserOperationEvent")
          .map((e) => e!.args.success);
        expect(outcomes).to.deep.equal([true, false]);
        const reason = events.find((e) => e!.name === "UserOperationRevertReason")!.args
          .revertReason as string;
        const err = decodeError(reason);
        expect(err?.name).to.equal(error);
        expect(err?.args.toArray()).to.deep.equal(args);
        expect(await world.ethers.provider.getBalance(r0)).to.equal(before);
        expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([0n, 0n, 0n]);
        await snapshot.restore();
      }
    });
  });
});
