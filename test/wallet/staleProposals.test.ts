import { expect } from "chai";
import { network } from "hardhat";
import {
  ADMIN_DELAY,
  AgentStatus,
  MIN_PAUSE,
  ProposalState,
  agentFixture,
  latest,
  queuedFrom,
  self,
  signedExec,
  walletFixture,
} from "../helpers/wallet.js";
import type { Signer } from "ethers";
import type { Conn, WalletFx } from "../helpers/wallet.js";

const conn: Conn = await network.create();
const { networkHelpers } = conn;
const load = () => networkHelpers.loadFixture(walletFixture);
const loadAgent = () => networkHelpers.loadFixture(agentFixture);

/** Owners queue `calls` (a loosening, created and queued by one signed batch) and return the proposal with the
 * time it was created. */
async function queue(fx: WalletFx, calls: Parameters<typeof signedExec>[2]) {
  const queued = await queuedFrom(fx, await signedExec(conn, fx, calls));
  return { ...queued, proposedAt: await latest(conn) };
}

/** Owner 0 proposes `calls` on-chain (long expiry) and owner 1 approves: queued with the admin delay, even when
 * its dry run fails now. */
async function proposeAndApprove(fx: WalletFx, calls: Parameters<typeof signedExec>[2]) {
  const expiresAt = (await latest(conn)) + 60n * 86400n;
  await (await fx.wallet.connect(fx.ownerSigners[0]).propose(calls, expiresAt)).wait();
  const proposedAt = await latest(conn);
  const id = await fx.wallet.proposalCount();
  const queued = await queuedFrom(fx, await fx.wallet.connect(fx.ownerSigners[1]).approve(id));
  return { ...queued, proposedAt };
}

/** The revert data of a proposal's call refused as older than the change it would undo. */
function olderThanChange(fx: WalletFx, proposedAt: bigint, changedAt: bigint): string {
  return fx.wallet.interface.encodeErrorResult("ProposalOlderThanChange", [proposedAt, changedAt]);
}

/** `by`'s `execute(id)` is refused: call `index` of the proposal (created at `proposedAt`) would undo a change
 * made at `changedAt`. */
async function expectStale(
  fx: WalletFx,
  by: Signer,
  id: bigint,
  proposedAt: bigint,
  changedAt: bigint,
  index = 0n,
) {
  await expect(fx.wallet.connect(by).execute(id))
    .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
    .withArgs(index, olderThanChange(fx, proposedAt, changedAt));
}

// Finding F-19 (attacker review, 2026-12-04): a queued proposal is not tied to the state it was approved in. A
// failed `execute` reverts and leaves it Queued until its grace period ends, and anyone may execute it: a duplicate
// or pre-armed `unpause`, `resumeAgent` or owner/guardian change could undo a later pause, suspension or removal at
// once, with no owner acting after it and no veto window. A proposal may not undo a pause, a suspension or a
// membership change made after it was created.
describe("stale queued proposals", function () {
  describe("unpause", function () {
    it("test_execute_unpauseQueuedInAnEarlierPause_cannotLiftALaterOne", async function () {
      const fx = await load();
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      // The owners lift pause #1, and the unpause is queued twice (two tools, or a retry).
      const a = await queue(fx, [self(fx, "unpause", [])]);
      const b = await queue(fx, [self(fx, "unpause", [])]);
      await networkHelpers.time.increaseTo(a.eta > b.eta ? a.eta : b.eta);
      await (await fx.wallet.execute(a.id)).wait();
      expect(await fx.wallet.paused()).to.equal(false);
      // Pause #2, days later; no owner signs anything after it.
      await networkHelpers.time.increase(5n * 86400n);
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      const pausedAt = await latest(conn);
      await networkHelpers.time.increase(MIN_PAUSE);
      await expectStale(fx, fx.stranger, b.id, b.proposedAt, pausedAt);
      expect(await fx.wallet.paused()).to.equal(true);
      expect((await fx.wallet.getProposal(b.id))[0]).to.equal(ProposalState.Queued);
      // The passing side: an unpause the owners queue during this pause lifts it after its delay.
      const c = await queue(fx, [self(fx, "unpause", [])]);
      await networkHelpers.time.increaseTo(c.eta);
      await expect(fx.wallet.connect(fx.stranger).execute(c.id)).to.emit(fx.wallet, "Unpaused");
      expect(await fx.wallet.paused()).to.equal(false);
    });

    it("test_execute_unpauseQueuedBeforeThePause_refused", async function () {
      const fx = await load();
      // A stolen quorum pre-arms an unpause while the wallet is not paused (queued with the admin delay).
      const armed = await proposeAndApprove(fx, [self(fx, "unpause", [])]);
      expect((await fx.wallet.getProposal(armed.id))[0]).to.equal(ProposalState.Queued);
      await networkHelpers.time.increase(ADMIN_DELAY + 3600n);
      // The guardian pauses in one transaction; the pre-armed unpause can't end it.
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      const pausedAt = await latest(conn);
      await networkHelpers.time.increase(MIN_PAUSE);
      await expectStale(fx, fx.stranger, armed.id, armed.proposedAt, pausedAt);
      expect(await fx.wallet.paused()).to.equal(true);
    });
    it("test_execute_unpauseProposedInThePausesBlock_runsAfterItsWholeDelay", async function () {
      // Same timestamp (one block here; consecutive blocks on some nodes): the proposal is not older than the
      // pause, and it can't run before a whole admin delay after it, so the veto window is there.
      const fx = await load();
      await conn.provider.request({ method: "evm_setAutomine", params: [false] });
      try {
        const paused = await fx.wallet.connect(fx.guardian).pause();
        const proposed = await signedExec(conn, fx, [self(fx, "unpause", [])]);
        await conn.provider.request({ method: "evm_mine", params: [] });
        await paused.wait();
        const { id, eta } = await queuedFrom(fx, proposed);
        const pausedAt = await latest(conn);
        expect(eta - pausedAt).to.be.greaterThanOrEqual(ADMIN_DELAY);
        await conn.provider.request({ method: "evm_setAutomine", params: [true] });
        await networkHelpers.time.increaseTo(eta);
        await expect(fx.wallet.connect(fx.stranger).execute(id)).to.emit(fx.wallet, "Unpaused");
      } finally {
        await conn.provider.request({ method: "evm_setAutomine", params: [true] });
      }
    });
  });

  describe("resumeAgent", function () {
    it("test_execute_resumeQueuedBeforeTheSuspension_refused", async function () {
      const fx = await loadAgent();
      const agent = fx.agentKey.address;
      await (await fx.wallet.connect(fx.guardian).suspendAgent(agent)).wait();
      const a = await queue(fx, [self(fx, "resumeAgent", [agent])]);
      const b = await queue(fx, [self(fx, "resumeAgent", [agent])]);
      await networkHelpers.time.increaseTo(a.eta > b.eta ? a.eta : b.eta);
      await (await fx.wallet.execute(a.id)).wait();
      // The agent misbehaves again: suspension #2. The duplicate resume can't undo it.
      await networkHelpers.time.increase(3n * 86400n);
      await (await fx.wallet.connect(fx.guardian).suspendAgent(agent)).wait();
      const suspendedAt = await latest(conn);
      await expectStale(fx, fx.stranger, b.id, b.proposedAt, suspendedAt);
      expect((await fx.wallet.getAgent(agent))[1]).to.equal(AgentStatus.Suspended);
      // The passing side: a resume queued after this suspension runs after its delay.
      const c = await queue(fx, [self(fx, "resumeAgent", [agent])]);
      await networkHelpers.time.increaseTo(c.eta);
      await expect(fx.wallet.execute(c.id)).to.emit(fx.wallet, "AgentResumed");
      expect((await fx.wallet.getAgent(agent))[1]).to.equal(AgentStatus.Active);
    });
  });

  describe("owners and guardians", function () {
    it("test_execute_addOwnerQueuedBeforeThatOwnersRemoval_refused", async function () {
      const fx = await load();
      const x = fx.outsider.address;
      const a = await queue(fx, [self(fx, "addOwner", [x])]);
      const b = await queue(fx, [self(fx, "addOwner", [x])]);
      await networkHelpers.time.increaseTo(a.eta > b.eta ? a.eta : b.eta);
      await (await fx.wallet.execute(a.id)).wait();
      // X's key is stolen; the owners remove X (after the admin delay).
      const r = await queue(fx, [self(fx, "removeOwner", [x])]);
      await networkHelpers.time.increaseTo(r.eta);
      await (await fx.wallet.execute(r.id)).wait();
      const removedAt = await latest(conn);
      // The thief's try with the stale duplicate: refused, X stays out.
      await expectStale(fx, fx.stranger, b.id, b.proposedAt, removedAt);
      expect(await fx.wallet.isOwner(x)).to.equal(false);
      // The passing side: the owners may add X back with a proposal queued after the removal.
      const c = await queue(fx, [self(fx, "addOwner", [x])]);
      await networkHelpers.time.increaseTo(c.eta);
      await expect(fx.wallet.execute(c.id)).to.emit(fx.wallet, "OwnerAdded").withArgs(x);
    });

    it("test_execute_removeOwnerQueuedBeforeAnEarlierRemoval_refusedAfterTheReAdd", async function () {
      const fx = await load();
      const y = fx.owners[2].address;
      // The removal of owner Y is queued twice; the first runs, the owners later add Y back.
      const a = await queue(fx, [self(fx, "removeOwner", [y])]);
      const b = await queue(fx, [self(fx, "removeOwner", [y])]);
      await networkHelpers.time.increaseTo(a.eta > b.eta ? a.eta : b.eta);
      await (await fx.wallet.execute(a.id)).wait();
      const c = await queue(fx, [self(fx, "addOwner", [y])]);
      await networkHelpers.time.increaseTo(c.eta);
      await (await fx.wallet.execute(c.id)).wait();
      const readdedAt = await latest(conn);
      expect(await fx.wallet.isOwner(y)).to.equal(true);
      // The stale duplicate can't remove the vetoer the owners chose to bring back (the re-add is the latest
      // change of Y's membership).
      await expectStale(fx, fx.stranger, b.id, b.proposedAt, readdedAt);
      expect(await fx.wallet.isOwner(y)).to.equal(true);
    });

    it("test_execute_addGuardianQueuedBeforeThatGuardiansRemoval_refused", async function () {
      const fx = await load();
      const g = fx.guardian.address;
      // Proposed and approved while G is a guardian (its dry run fails, so it waits the admin delay), then G is
      // removed.
      const stale = await proposeAndApprove(fx, [self(fx, "addGuardian", [g])]);
      const r = await queue(fx, [self(fx, "removeGuardian", [g])]);
      await networkHelpers.time.increaseTo(r.eta > stale.eta ? r.eta : stale.eta);
      await (await fx.wallet.execute(r.id)).wait();
      const removedAt = await latest(conn);
      await expectStale(fx, fx.stranger, stale.id, stale.proposedAt, removedAt);
      expect(await fx.wallet.isGuardian(g)).to.equal(false);
      // The passing side: a guardian re-added by a proposal queued after its removal.
      const c = await queue(fx, [self(fx, "addGuardian", [g])]);
      await networkHelpers.time.increaseTo(c.eta);
      await expect(fx.wallet.execute(c.id)).to.emit(fx.wallet, "GuardianAdded").withArgs(g);
    });
  });

  // A second attacker review, of the fix itself (2026-12-04), found three ways around its first version.
  describe("what the first version of the fix missed", function () {
    it("test_execute_refreshedByOneOwner_revokeAndReapprove_stillRefused", async function () {
      const fx = await load();
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      const a = await queue(fx, [self(fx, "unpause", [])]);
      const b = await proposeAndApprove(fx, [self(fx, "unpause", [])]);
      await networkHelpers.time.increaseTo(a.eta > b.eta ? a.eta : b.eta);
      await (await fx.wallet.execute(a.id)).wait();
      await networkHelpers.time.increase(5n * 86400n);
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      const pausedAt = await latest(conn);
      // One owner alone re-queues the duplicate (the other's approval, given in pause #1, still counts)...
      const lone = fx.ownerSigners[0];
      await (await fx.wallet.connect(lone).revokeApproval(b.id)).wait();
      const requeued = await queuedFrom(fx, await fx.wallet.connect(lone).approve(b.id));
      await networkHelpers.time.increaseTo(requeued.eta);
      // ...but what it may undo is decided by when it was created.
      await expectStale(fx, fx.stranger, b.id, b.proposedAt, pausedAt);
      expect(await fx.wallet.paused()).to.equal(true);
    });

    it("test_execute_removedGuardianCantComeBackAsAnOwner_norARemovedOwnerAsAGuardian", async function () {
      const fx = await load();
      const g = fx.guardian.address;
      const x = fx.owners[2].address;
      // Created while each still holds its role; each removal runs first.
      const removeG = await queue(fx, [self(fx, "removeGuardian", [g])]);
      const removeX = await queue(fx, [self(fx, "removeOwner", [x])]);
      await networkHelpers.time.increase(60n);
      const promoteG = await queue(fx, [self(fx, "addOwner", [g])]);
      const guardX = await proposeAndApprove(fx, [self(fx, "addGuardian", [x])]);
      await networkHelpers.time.increaseTo(removeX.eta);
      await (await fx.wallet.execute(removeG.id)).wait();
      const gRemovedAt = await latest(conn);
      await (await fx.wallet.execute(removeX.id)).wait();
      const xRemovedAt = await latest(conn);
      await networkHelpers.time.increaseTo(promoteG.eta > guardX.eta ? promoteG.eta : guardX.eta);
      // G itself runs its promotion, X's thief the guardian role: both refused (an owner is a guardian too, so one
      // removal record serves both roles).
      await expectStale(fx, fx.guardian, promoteG.id, promoteG.proposedAt, gRemovedAt);
      await expectStale(fx, fx.ownerSigners[2], guardX.id, guardX.proposedAt, xRemovedAt);
      expect(await fx.wallet.isGuardian(g)).to.equal(false);
      expect(await fx.wallet.isGuardian(x)).to.equal(false);
    });

    it("test_execute_removalProposedBeforeTheAddressWasAdded_refused", async function () {
      // A removal proposed in advance (it waits the admin delay although its dry run fails now) can't remove a
      // vetoer the owners add later: the add is the later change.
      const fx = await load();
      const z = fx.outsider.address;
      const armed = await proposeAndApprove(fx, [self(fx, "removeOwner", [z])]);
      const add = await queue(fx, [self(fx, "addOwner", [z])]);
      await networkHelpers.time.increaseTo(add.eta > armed.eta ? add.eta : armed.eta);
      await (await fx.wallet.execute(add.id)).wait();
      const addedAt = await latest(conn);
      await expectStale(fx, fx.stranger, armed.id, armed.proposedAt, addedAt);
      expect(await fx.wallet.isOwner(z)).to.equal(true);
      // The passing side: a removal proposed after the add runs after its delay.
      const remove = await queue(fx, [self(fx, "removeOwner", [z])]);
      await networkHelpers.time.increaseTo(remove.eta);
      await expect(fx.wallet.execute(remove.id)).to.emit(fx.wallet, "OwnerRemoved").withArgs(z);
    });

    it("test_execute_removeAndReAddInOneBatch_refused", async function () {
      // Documented (docs/error-fixes.json): re-adding an address removed earlier in the same run would undo that
      // removal; to end an owner's old signatures, remove it, then add it back with a new proposal.
      const fx = await load();
      const y = fx.owners[2].address;
      const p = await queue(fx, [self(fx, "removeOwner", [y]), self(fx, "addOwner", [y])]);
      const runAt = p.eta + 1n;
      await networkHelpers.time.setNextBlockTimestamp(runAt);
      await expectStale(fx, fx.stranger, p.id, p.proposedAt, runAt, 1n);
      expect(await fx.wallet.isOwner(y)).to.equal(true);
    });

    it("test_rescue_aHostileGuardianCanVoidAResumeInTheRescue_notTheRemovalAlone", async function () {
      // A-6's bound with this fix: a hostile guardian that runs an earlier queued undo itself (anyone may) and
      // suspends again voids a rescue that also resumes; a rescue that only removes it can't be voided.
      const fx = await loadAgent();
      const agent = fx.agentKey.address;
      const g = fx.guardian.address;
      await (await fx.wallet.connect(fx.guardian).suspendAgent(agent)).wait();
      const plain = await queue(fx, [self(fx, "resumeAgent", [agent])]);
      await networkHelpers.time.increase(600n);
      const rescue = await queue(fx, [
        self(fx, "removeGuardian", [g]),
        self(fx, "resumeAgent", [agent]),
      ]);
      const removalOnly = await queue(fx, [self(fx, "removeGuardian", [g])]);
      await networkHelpers.time.increaseTo(plain.eta);
      await (await fx.wallet.connect(fx.guardian).execute(plain.id)).wait();
      await (await fx.wallet.connect(fx.guardian).suspendAgent(agent)).wait();
      const suspendedAt = await latest(conn);
      await networkHelpers.time.increaseTo(removalOnly.eta);
      await expectStale(fx, fx.stranger, rescue.id, rescue.proposedAt, suspendedAt, 1n);
      await expect(fx.wallet.connect(fx.guardian).cancel(removalOnly.id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalVetoOfOwnRemoval")
        .withArgs(removalOnly.id, g);
      await expect(fx.wallet.execute(removalOnly.id))
        .to.emit(fx.wallet, "GuardianRemoved")
        .withArgs(g);
      expect(await fx.wallet.isGuardian(g)).to.equal(false);
    });
  });
});
