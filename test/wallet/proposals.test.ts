import { expect } from "chai";
import { network } from "hardhat";
import type { CallStruct } from "../helpers/fixtures.js";
import {
  ADMIN_DELAY,
  GRACE_PERIOD,
  ProposalState,
  applyLoosening,
  errorData,
  latest,
  pay,
  self,
  signedExec,
  walletFixture,
} from "../helpers/wallet.js";
import type { Conn, WalletFx } from "../helpers/wallet.js";

const conn: Conn = await network.create();
const { ethers, networkHelpers } = conn;
const load = () => networkHelpers.loadFixture(walletFixture);
const MAX_LIFETIME = 90n * 86400n;

/** Owner 0 proposes `calls` (expiring in 7 days); returns the id and the expiry. */
async function propose(fx: WalletFx, calls: CallStruct[], by = 0) {
  const expiresAt = (await latest(conn)) + 7n * 86400n;
  const w = fx.wallet.connect(fx.ownerSigners[by]);
  const id = await w.propose.staticCall(calls, expiresAt);
  await (await w.propose(calls, expiresAt)).wait();
  return { id, expiresAt };
}

/** Proposes an admin-delayed call and lets owner 1 approve it: queued. */
async function queuedAdminProposal(fx: WalletFx) {
  const calls = [self(fx, "addGuardian", [fx.stranger.address])];
  const { id } = await propose(fx, calls);
  await (await fx.wallet.connect(fx.ownerSigners[1]).approve(id)).wait();
  const [, , , , eta] = await fx.wallet.getProposal(id);
  return { id, eta, calls };
}

describe("ProposalManager", function () {
  describe("propose", function () {
    it("test_propose_createsPendingProposalWithProposerApproval", async function () {
      const fx = await load();
      const calls = [self(fx, "addGuardian", [fx.stranger.address])];
      const expiresAt = (await latest(conn)) + 86400n;
      const tx = fx.wallet.connect(fx.ownerSigners[0]).propose(calls, expiresAt);
      await expect(tx)
        .to.emit(fx.wallet, "ProposalCreated")
        .withArgs(
          1n,
          fx.owners[0].address,
          ethers.ZeroAddress,
          (c: unknown[]) => c.length === 1,
          expiresAt,
          ADMIN_DELAY,
        );
      await expect(tx)
        .to.emit(fx.wallet, "ProposalApproved")
        .withArgs(1n, fx.owners[0].address, 1n);
      await expect(tx).to.not.emit(fx.wallet, "ProposalQueued");
      const [state, proposer, escalatedBy, exp, eta, delay, approvals] =
        await fx.wallet.getProposal(1n);
      expect([state, proposer, escalatedBy, exp, eta, delay, approvals]).to.deep.equal([
        ProposalState.Pending,
        fx.owners[0].address,
        ethers.ZeroAddress,
        expiresAt,
        0n,
        ADMIN_DELAY,
        1n,
      ]);
      expect(await fx.wallet.proposalCount()).to.equal(1n);
      expect(await fx.wallet.hasApproved(1n, fx.owners[0].address)).to.equal(true);
      const stored = await fx.wallet.getProposalCalls(1n);
      expect(stored.map((c) => [c.target, c.value, c.data])).to.deep.equal(
        calls.map((c) => [c.target, c.value, c.data]),
      );
    });

    it("test_propose_revertsForNonOwner", async function () {
      const fx = await load();
      const expiresAt = (await latest(conn)) + 86400n;
      for (const caller of [fx.guardian, fx.stranger]) {
        await expect(fx.wallet.connect(caller).propose([pay(fx.recipient.address, 1n)], expiresAt))
          .to.be.revertedWithCustomError(fx.wallet, "OwnerUnauthorized")
          .withArgs(caller.address);
      }
    });

    it("test_propose_revertsOnInvalidExpiry", async function () {
      const fx = await load();
      const w = fx.wallet.connect(fx.ownerSigners[0]);
      const calls = [pay(fx.recipient.address, 1n)];
      const now = (await latest(conn)) + 10n;
      await networkHelpers.time.setNextBlockTimestamp(now);
      await expect(w.propose(calls, now))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidExpiry")
        .withArgs(now, now + MAX_LIFETIME);
      await networkHelpers.time.setNextBlockTimestamp(now + 1n);
      await expect(w.propose(calls, now + 1n + MAX_LIFETIME + 1n))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidExpiry")
        .withArgs(now + 1n + MAX_LIFETIME + 1n, now + 1n + MAX_LIFETIME);
      // Exactly the maximum lifetime is fine.
      await networkHelpers.time.setNextBlockTimestamp(now + 2n);
      await expect(w.propose(calls, now + 2n + MAX_LIFETIME)).to.emit(fx.wallet, "ProposalCreated");
    });

    it("test_propose_revertsOnEmptyOrOversizedBatch", async function () {
      const fx = await load();
      const expiresAt = (await latest(conn)) + 86400n;
      const w = fx.wallet.connect(fx.ownerSigners[0]);
      await expect(w.propose([], expiresAt))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidCallCount")
        .withArgs(0n, 32n);
      const many = Array.from({ length: 33 }, () => pay(fx.recipient.address, 1n));
      await expect(w.propose(many, expiresAt))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidCallCount")
        .withArgs(33n, 32n);
    });

    it("test_propose_queuesAtOnceWhenThresholdIsOne", async function () {
      const fx = await load();
      const lower = [self(fx, "changeThreshold", [1])];
      const { id } = await propose(fx, lower);
      await (await fx.wallet.connect(fx.ownerSigners[1]).approve(id)).wait();
      await networkHelpers.time.increaseTo((await fx.wallet.getProposal(id))[4]);
      await (await fx.wallet.execute(id)).wait();
      expect(await fx.wallet.threshold()).to.equal(1n);
      // With M = 1 the proposer's own approval queues the proposal.
      const expiresAt = (await latest(conn)) + 3600n;
      const tx = fx.wallet
        .connect(fx.ownerSigners[2])
        .propose([pay(fx.recipient.address, 1n)], expiresAt);
      await expect(tx).to.emit(fx.wallet, "ProposalQueued");
    });
  });

  describe("approve", function () {
    it("test_approve_reachingThresholdQueuesWithEta", async function () {
      const fx = await load();
      const { id } = await propose(fx, [self(fx, "addGuardian", [fx.stranger.address])]);
      const tx = await fx.wallet.connect(fx.ownerSigners[2]).approve(id);
      const at = BigInt((await tx.getBlock())!.timestamp);
      await expect(tx)
        .to.emit(fx.wallet, "ProposalApproved")
        .withArgs(id, fx.owners[2].address, 2n);
      await expect(tx)
        .to.emit(fx.wallet, "ProposalQueued")
        .withArgs(id, at + ADMIN_DELAY);
      const [state, , , , eta, , approvals] = await fx.wallet.getProposal(id);
      expect(state).to.equal(ProposalState.Queued);
      expect(eta).to.equal(at + ADMIN_DELAY);
      expect(approvals).to.equal(2n);
    });

    it("test_approve_tighteningProposalEtaIsNow", async function () {
      const fx = await load();
      const { id } = await propose(fx, [self(fx, "pause", [])]);
      const tx = await fx.wallet.connect(fx.ownerSigners[1]).approve(id);
      const at = BigInt((await tx.getBlock())!.timestamp);
      await expect(tx).to.emit(fx.wallet, "ProposalQueued").withArgs(id, at);
      await expect(fx.wallet.connect(fx.stranger).execute(id))
        .to.emit(fx.wallet, "Paused")
        .withArgs(fx.address, (v: bigint) => v > at - 1n);
    });

    it("test_approve_revertsForNonOwner", async function () {
      const fx = await load();
      const { id } = await propose(fx, [pay(fx.recipient.address, 1n)]);
      await expect(fx.wallet.connect(fx.guardian).approve(id))
        .to.be.revertedWithCustomError(fx.wallet, "OwnerUnauthorized")
        .withArgs(fx.guardian.address);
    });

    it("test_approve_revertsWhenAlreadyApproved", async function () {
      const fx = await load();
      const { id } = await propose(fx, [pay(fx.recipient.address, 1n)]);
      await expect(fx.wallet.connect(fx.ownerSigners[0]).approve(id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalAlreadyApproved")
        .withArgs(id, fx.owners[0].address);
    });

    it("test_approve_revertsWhenQueued", async function () {
      const fx = await load();
      const { id } = await queuedAdminProposal(fx);
      await expect(fx.wallet.connect(fx.ownerSigners[2]).approve(id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidState")
        .withArgs(id, ProposalState.Queued);
    });

    it("test_approve_revertsAfterExpiry", async function () {
      const fx = await load();
      const { id, expiresAt } = await propose(fx, [pay(fx.recipient.address, 1n)]);
      await networkHelpers.time.setNextBlockTimestamp(expiresAt + 1n);
      await expect(fx.wallet.connect(fx.ownerSigners[1]).approve(id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalExpired")
        .withArgs(id, expiresAt);
    });

    it("test_approve_atExpiryStillAccepted", async function () {
      const fx = await load();
      const { id, expiresAt } = await propose(fx, [pay(fx.recipient.address, 1n)]);
      await networkHelpers.time.setNextBlockTimestamp(expiresAt);
      await expect(fx.wallet.connect(fx.ownerSigners[1]).approve(id)).to.emit(
        fx.wallet,
        "ProposalQueued",
      );
    });

    it("test_approve_revertsOnUnknownProposal", async function () {
      const fx = await load();
      await expect(fx.wallet.connect(fx.ownerSigners[1]).approve(99n))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalNotFound")
        .withArgs(99n);
      await expect(fx.wallet.getProposal(0n))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalNotFound")
        .withArgs(0n);
    });
  });

  describe("revokeApproval", function () {
    it("test_revokeApproval_onPendingLowersCount", async function () {
      const fx = await load();
      const { id } = await propose(fx, [pay(fx.recipient.address, 1n)]);
      await expect(fx.wallet.connect(fx.ownerSigners[0]).revokeApproval(id))
        .to.emit(fx.wallet, "ProposalApprovalRevoked")
        .withArgs(id, fx.owners[0].address, 0n);
      expect(await fx.wallet.hasApproved(id, fx.owners[0].address)).to.equal(false);
      const [state, , , , , , approvals] = await fx.wallet.getProposal(id);
      expect(state).to.equal(ProposalState.Pending);
      expect(approvals).to.equal(0n);
    });

    it("test_revokeApproval_unqueuesBelowThreshold", async function () {
      const fx = await load();
      const { id } = await queuedAdminProposal(fx);
      const tx = fx.wallet.connect(fx.ownerSigners[1]).revokeApproval(id);
      await expect(tx)
        .to.emit(fx.wallet, "ProposalApprovalRevoked")
        .withArgs(id, fx.owners[1].address, 1n);
      await expect(tx).to.emit(fx.wallet, "ProposalUnqueued").withArgs(id);
      const [state, , , , eta] = await fx.wallet.getProposal(id);
      expect(state).to.equal(ProposalState.Pending);
      expect(eta).to.equal(0n);
      await networkHelpers.time.increase(ADMIN_DELAY + 1n);
      await expect(fx.wallet.execute(id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidState")
        .withArgs(id, ProposalState.Pending);
      // Re-approval queues it again with a fresh eta: the delay starts over.
      const again = await fx.wallet.connect(fx.ownerSigners[2]).approve(id);
      const at = BigInt((await again.getBlock())!.timestamp);
      await expect(again)
        .to.emit(fx.wallet, "ProposalQueued")
        .withArgs(id, at + ADMIN_DELAY);
    });

    it("test_revokeApproval_staysQueuedAboveThreshold", async function () {
      const fx = await load();
      // A batch signed by all three owners is queued with three approvals.
      await (
        await signedExec(conn, fx, [self(fx, "addGuardian", [fx.outsider.address])], fx.owners)
      ).wait();
      const tx = fx.wallet.connect(fx.ownerSigners[2]).revokeApproval(1n);
      await expect(tx)
        .to.emit(fx.wallet, "ProposalApprovalRevoked")
        .withArgs(1n, fx.owners[2].address, 2n);
      await expect(tx).to.not.emit(fx.wallet, "ProposalUnqueued");
      expect((await fx.wallet.getProposal(1n))[0]).to.equal(ProposalState.Queued);
    });

    it("test_revokeApproval_revertsWhenNotApproved", async function () {
      const fx = await load();
      const { id } = await queuedAdminProposal(fx);
      await expect(fx.wallet.connect(fx.ownerSigners[2]).revokeApproval(id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalNotApproved")
        .withArgs(id, fx.owners[2].address);
    });

    it("test_revokeApproval_revertsForNonOwnerAndFinishedProposals", async function () {
      const fx = await load();
      const { id, eta } = await queuedAdminProposal(fx);
      await expect(fx.wallet.connect(fx.guardian).revokeApproval(id))
        .to.be.revertedWithCustomError(fx.wallet, "OwnerUnauthorized")
        .withArgs(fx.guardian.address);
      await networkHelpers.time.increaseTo(eta);
      await (await fx.wallet.execute(id)).wait();
      await expect(fx.wallet.connect(fx.ownerSigners[0]).revokeApproval(id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidState")
        .withArgs(id, ProposalState.Executed);
      await expect(fx.wallet.connect(fx.ownerSigners[0]).revokeApproval(77n))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalNotFound")
        .withArgs(77n);
    });
  });

  describe("execute", function () {
    it("test_execute_revertsBeforeEtaAndSucceedsAtEta", async function () {
      const fx = await load();
      const { id, eta } = await queuedAdminProposal(fx);
      await networkHelpers.time.setNextBlockTimestamp(eta - 1n);
      await expect(fx.wallet.execute(id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalNotReady")
        .withArgs(id, eta);
      await networkHelpers.time.setNextBlockTimestamp(eta);
      const tx = fx.wallet.connect(fx.stranger).execute(id);
      await expect(tx).to.emit(fx.wallet, "ProposalExecuted").withArgs(id, fx.stranger.address);
      await expect(tx).to.emit(fx.wallet, "GuardianAdded").withArgs(fx.stranger.address);
      expect((await fx.wallet.getProposal(id))[0]).to.equal(ProposalState.Executed);
    });

    it("test_execute_revertsWhenExecutedTwice", async function () {
      const fx = await load();
      const { id, eta } = await queuedAdminProposal(fx);
      await networkHelpers.time.increaseTo(eta);
      await (await fx.wallet.execute(id)).wait();
      await expect(fx.wallet.execute(id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidState")
        .withArgs(id, ProposalState.Executed);
    });

    it("test_execute_revertsWhilePending", async function () {
      const fx = await load();
      const { id } = await propose(fx, [pay(fx.recipient.address, 1n)]);
      await expect(fx.wallet.execute(id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidState")
        .withArgs(id, ProposalState.Pending);
      await expect(fx.wallet.execute(5n))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalNotFound")
        .withArgs(5n);
    });

    it("test_execute_revertsWhenStaleAfterGracePeriod", async function () {
      const fx = await load();
      const { id, eta } = await queuedAdminProposal(fx);
      await networkHelpers.time.setNextBlockTimestamp(eta + GRACE_PERIOD + 1n);
      await expect(fx.wallet.execute(id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalExpired")
        .withArgs(id, eta + GRACE_PERIOD);
    });

    it("test_execute_atEndOfGracePeriodSucceeds", async function () {
      const fx = await load();
      const { id, eta } = await queuedAdminProposal(fx);
      await networkHelpers.time.setNextBlockTimestamp(eta + GRACE_PERIOD);
      await expect(fx.wallet.execute(id)).to.emit(fx.wallet, "ProposalExecuted");
    });

    it("test_execute_revertsWithInsufficientApprovalsAfterOwnerRemoved", async function () {
      const fx = await load();
      const { id, eta } = await queuedAdminProposal(fx); // approved by owners 0 and 1
      // Owners 1 and 2 remove owner 1 (after the admin delay): its approval no longer counts.
      await applyLoosening(
        conn,
        fx,
        [self(fx, "removeOwner", [fx.owners[1].address])],
        fx.owners.slice(1),
      );
      expect((await fx.wallet.getProposal(id))[6]).to.equal(1n);
      expect(await latest(conn)).to.be.greaterThanOrEqual(eta);
      await expect(fx.wallet.execute(id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInsufficientApprovals")
        .withArgs(id, 1n, 2n);
      expect(await fx.wallet.isGuardian(fx.stranger.address)).to.equal(false);
    });

    it("test_execute_bubblesFailedCallAsWalletCallFailed", async function () {
      const fx = await load();
      // Call 1 fails: `removeGuardian` of someone who is not a guardian.
      const calls = [
        pay(fx.recipient.address, 1n),
        self(fx, "removeGuardian", [fx.stranger.address]),
      ];
      const { id } = await propose(fx, calls);
      await (await fx.wallet.connect(fx.ownerSigners[1]).approve(id)).wait();
      // A batch that can't run when queued gets the admin delay as its eta.
      await networkHelpers.time.increase(ADMIN_DELAY);
      await expect(fx.wallet.execute(id))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(1n, errorData("GuardianNotFound(address)", [fx.stranger.address]));
      // Nothing happened: still queued, can be retried or cancelled.
      expect((await fx.wallet.getProposal(id))[0]).to.equal(ProposalState.Queued);
    });

    it("test_execute_paysWithAttachedValue", async function () {
      const fx = await load();
      const { id } = await propose(fx, [pay(fx.recipient.address, 10n)]);
      await (await fx.wallet.connect(fx.ownerSigners[1]).approve(id)).wait();
      const before = await ethers.provider.getBalance(fx.recipient.address);
      await (await fx.wallet.execute(id, { value: 10n })).wait();
      expect(await ethers.provider.getBalance(fx.recipient.address)).to.equal(before + 10n);
    });
  });

  describe("cancel", function () {
    it("test_cancel_byGuardianVetoesQueuedProposal", async function () {
      const fx = await load();
      const { id, eta } = await queuedAdminProposal(fx);
      await expect(fx.wallet.connect(fx.guardian).cancel(id))
        .to.emit(fx.wallet, "ProposalCancelled")
        .withArgs(id, fx.guardian.address);
      await networkHelpers.time.increaseTo(eta);
      await expect(fx.wallet.execute(id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidState")
        .withArgs(id, ProposalState.Cancelled);
    });

    it("test_cancel_byOwnerOnPending", async function () {
      const fx = await load();
      const { id } = await propose(fx, [pay(fx.recipient.address, 1n)]);
      await expect(fx.wallet.connect(fx.ownerSigners[2]).cancel(id))
        .to.emit(fx.wallet, "ProposalCancelled")
        .withArgs(id, fx.owners[2].address);
      await expect(fx.wallet.connect(fx.ownerSigners[1]).approve(id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidState")
        .withArgs(id, ProposalState.Cancelled);
    });

    it("test_cancel_revertsForStranger", async function () {
      const fx = await load();
      const { id } = await propose(fx, [pay(fx.recipient.address, 1n)]);
      await expect(fx.wallet.connect(fx.stranger).cancel(id))
        .to.be.revertedWithCustomError(fx.wallet, "GuardianUnauthorized")
        .withArgs(fx.stranger.address);
    });

    it("test_cancel_revertsOnFinishedOrUnknownProposal", async function () {
      const fx = await load();
      const { id } = await propose(fx, [pay(fx.recipient.address, 1n)]);
      await (await fx.wallet.connect(fx.guardian).cancel(id)).wait();
      await expect(fx.wallet.connect(fx.guardian).cancel(id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidState")
        .withArgs(id, ProposalState.Cancelled);
      await expect(fx.wallet.connect(fx.guardian).cancel(9n))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalNotFound")
        .withArgs(9n);
    });

    it("test_cancel_vetoesQueuedSignedBatch", async function () {
      const fx = await load();
      await (await signedExec(conn, fx, [self(fx, "addGuardian", [fx.stranger.address])])).wait();
      await expect(fx.wallet.connect(fx.guardian).cancel(1n)).to.emit(
        fx.wallet,
        "ProposalCancelled",
      );
      await networkHelpers.time.increase(ADMIN_DELAY);
      await expect(fx.wallet.execute(1n)).to.be.revertedWithCustomError(
        fx.wallet,
        "ProposalInvalidState",
      );
    });
  });
});
