import { expect } from "chai";
import { network } from "hardhat";
import { sortByAddress, testWallets } from "../helpers/fixtures.js";
import {
  ADMIN_DELAY,
  MIN_PAUSE,
  SIG_VALIDATION_FAILED,
  agentFixture,
  agentOp,
  applyLoosening,
  errorData,
  latest,
  ownerOp,
  pay,
  queuedFrom,
  self,
  signCalls,
  signedExec,
  validateAsEntryPoint,
  walletFixture,
} from "../helpers/wallet.js";
import type { Conn } from "../helpers/wallet.js";

const conn: Conn = await network.create();
const { ethers, networkHelpers } = conn;
const load = () => networkHelpers.loadFixture(walletFixture);
const loadAgent = () => networkHelpers.loadFixture(agentFixture);

describe("GuardianManager and the emergency pause", function () {
  describe("pause", function () {
    it("test_pause_byGuardian", async function () {
      const fx = await load();
      const tx = await fx.wallet.connect(fx.guardian).pause();
      const at = BigInt((await tx.getBlock())!.timestamp);
      await expect(tx).to.emit(fx.wallet, "Paused").withArgs(fx.guardian.address, at);
      expect(await fx.wallet.paused()).to.equal(true);
      expect(await fx.wallet.pausedAt()).to.equal(at);
    });

    it("test_pause_byOwnerAlone", async function () {
      const fx = await load();
      await expect(fx.wallet.connect(fx.ownerSigners[2]).pause())
        .to.emit(fx.wallet, "Paused")
        .withArgs(fx.owners[2].address, (t: bigint) => t > 0n);
      expect(await fx.wallet.paused()).to.equal(true);
    });

    it("test_pause_revertsForNonGuardian", async function () {
      const fx = await load();
      await expect(fx.wallet.connect(fx.stranger).pause())
        .to.be.revertedWithCustomError(fx.wallet, "GuardianUnauthorized")
        .withArgs(fx.stranger.address);
      expect(await fx.wallet.paused()).to.equal(false);
    });

    it("test_pause_revertsWhenAlreadyPaused", async function () {
      const fx = await load();
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      const pausedAt = await fx.wallet.pausedAt();
      await expect(fx.wallet.connect(fx.ownerSigners[0]).pause()).to.be.revertedWithCustomError(
        fx.wallet,
        "WalletPaused",
      );
      // A second pause can't restart the clock either.
      expect(await fx.wallet.pausedAt()).to.equal(pausedAt);
    });
  });

  describe("unpause", function () {
    it("test_unpause_revertsWhenCalledDirectly", async function () {
      const fx = await load();
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      for (const caller of [fx.guardian, fx.ownerSigners[0]]) {
        await expect(fx.wallet.connect(caller).unpause())
          .to.be.revertedWithCustomError(fx.wallet, "WalletOnlySelf")
          .withArgs(caller.address);
      }
      expect(await fx.wallet.paused()).to.equal(true);
    });

    // Issue 11: lifting the pause lets every agent move again, so it is a loosening like any other: an owners'
    // proposal that waits the admin delay and that any guardian may veto. Pausing stays instant.
    it("test_unpause_waitsAdminDelay_thenTheOwnersLiftIt", async function () {
      const fx = await load();
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      const pausedAt = await fx.wallet.pausedAt();
      await networkHelpers.time.setNextBlockTimestamp(pausedAt + MIN_PAUSE);
      const tx = await signedExec(conn, fx, [self(fx, "unpause", [])]);
      const { id, eta } = await queuedFrom(fx, tx);
      // Not instant, even with the minimum pause over: queued for the admin delay.
      expect(eta).to.equal(pausedAt + MIN_PAUSE + ADMIN_DELAY);
      expect(await fx.wallet.paused()).to.equal(true);
      await networkHelpers.time.setNextBlockTimestamp(eta - 1n);
      await expect(fx.wallet.execute(id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalNotReady")
        .withArgs(id, eta);
      await networkHelpers.time.setNextBlockTimestamp(eta);
      await expect(fx.wallet.connect(fx.stranger).execute(id))
        .to.emit(fx.wallet, "Unpaused")
        .withArgs(eta);
      expect(await fx.wallet.paused()).to.equal(false);
      expect(await fx.wallet.pausedAt()).to.equal(0n);
    });

    it("test_unpause_queuedDuringTheMinimumPause_waitsTheLongerOfBoth", async function () {
      const fx = await load();
      // A minimum pause longer than the admin delay (raising it is an instant tightening).
      const minPause = 3n * ADMIN_DELAY;
      await (await signedExec(conn, fx, [self(fx, "setMinPauseDuration", [minPause])])).wait();
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      const pausedAt = await fx.wallet.pausedAt();
      // Queued at once instead of failing on the minimum pause: its eta is the end of the minimum pause.
      const { id, eta } = await queuedFrom(
        fx,
        await signedExec(conn, fx, [self(fx, "unpause", [])]),
      );
      expect(eta).to.equal(pausedAt + minPause);
      await networkHelpers.time.setNextBlockTimestamp(eta - 1n);
      await expect(fx.wallet.execute(id)).to.be.revertedWithCustomError(
        fx.wallet,
        "ProposalNotReady",
      );
      await networkHelpers.time.setNextBlockTimestamp(eta);
      await expect(fx.wallet.execute(id)).to.emit(fx.wallet, "Unpaused");
    });

    it("test_unpause_minimumPauseRaisedWhileQueued_bindsTheQueuedUnpause", async function () {
      const fx = await load();
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      const pausedAt = await fx.wallet.pausedAt();
      const { id, eta } = await queuedFrom(
        fx,
        await signedExec(conn, fx, [self(fx, "unpause", [])]),
      );
      // The owners lengthen the guaranteed pause while the unpause waits: the queued unpause must respect it.
      const minPause = 5n * ADMIN_DELAY;
      await (await signedExec(conn, fx, [self(fx, "setMinPauseDuration", [minPause])])).wait();
      await networkHelpers.time.increaseTo(eta);
      await expect(fx.wallet.execute(id))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(
          0n,
          errorData("WalletPauseTooShort(uint256,uint256)", [pausedAt, pausedAt + minPause]),
        );
      expect(await fx.wallet.paused()).to.equal(true);
    });

    it("test_unpause_vetoableByAGuardian_andPauseStaysInstant", async function () {
      const fx = await load();
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      await networkHelpers.time.increase(MIN_PAUSE);
      const { id, eta } = await queuedFrom(
        fx,
        await signedExec(conn, fx, [self(fx, "unpause", [])]),
      );
      await expect(fx.wallet.connect(fx.guardian).cancel(id))
        .to.emit(fx.wallet, "ProposalCancelled")
        .withArgs(id, fx.guardian.address);
      await networkHelpers.time.increaseTo(eta);
      await expect(fx.wallet.execute(id)).to.be.revertedWithCustomError(
        fx.wallet,
        "ProposalInvalidState",
      );
      expect(await fx.wallet.paused()).to.equal(true);
      // Once lifted (queued again, not vetoed), one guardian pauses again at once: never throttled.
      await applyLoosening(conn, fx, [self(fx, "unpause", [])]);
      expect(await fx.wallet.paused()).to.equal(false);
      await expect(fx.wallet.connect(fx.guardian).pause()).to.emit(fx.wallet, "Paused");
      expect(await fx.wallet.paused()).to.equal(true);
    });

    it("test_unpause_aHostileGuardianCantBlockItForEver", async function () {
      const fx = await load();
      // A guardian that pauses and vetoes every unpause: the owners lift the pause in the same batch that
      // removes it, which it can't veto (its own removal), so the pause ends one admin delay later.
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      const batch = [self(fx, "removeGuardian", [fx.guardian.address]), self(fx, "unpause", [])];
      const { id, eta } = await queuedFrom(fx, await signedExec(conn, fx, batch));
      await expect(fx.wallet.connect(fx.guardian).cancel(id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalVetoOfOwnRemoval")
        .withArgs(id, fx.guardian.address);
      await networkHelpers.time.increaseTo(eta);
      await expect(fx.wallet.execute(id)).to.emit(fx.wallet, "Unpaused");
      expect(await fx.wallet.paused()).to.equal(false);
      await expect(fx.wallet.connect(fx.guardian).pause())
        .to.be.revertedWithCustomError(fx.wallet, "GuardianUnauthorized")
        .withArgs(fx.guardian.address);
    });

    it("test_unpause_throughOnChainProposalNeedsThreshold", async function () {
      const fx = await load();
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      await networkHelpers.time.increase(MIN_PAUSE);
      const expiresAt = (await latest(conn)) + 86400n;
      await (
        await fx.wallet.connect(fx.ownerSigners[0]).propose([self(fx, "unpause", [])], expiresAt)
      ).wait();
      // One approval of two: not executable.
      await expect(fx.wallet.execute(1n)).to.be.revertedWithCustomError(
        fx.wallet,
        "ProposalInvalidState",
      );
      await (await fx.wallet.connect(fx.ownerSigners[1]).approve(1n)).wait();
      const eta = (await fx.wallet.getProposal(1n))[4];
      await expect(fx.wallet.execute(1n)).to.be.revertedWithCustomError(
        fx.wallet,
        "ProposalNotReady",
      );
      await networkHelpers.time.increaseTo(eta);
      await expect(fx.wallet.connect(fx.stranger).execute(1n)).to.emit(fx.wallet, "Unpaused");
      expect(await fx.wallet.paused()).to.equal(false);
    });

    it("test_unpause_revertsWithOneSignature", async function () {
      const fx = await load();
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      await networkHelpers.time.increase(MIN_PAUSE);
      await expect(
        signedExec(conn, fx, [self(fx, "unpause", [])], [fx.owners[0]]),
      ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
      expect(await fx.wallet.paused()).to.equal(true);
    });

    it("test_unpause_revertsWhenNotPaused", async function () {
      const fx = await load();
      await expect(signedExec(conn, fx, [self(fx, "unpause", [])]))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("WalletNotPaused()"));
    });
  });

  describe("while paused", function () {
    it("test_handleOps_agentOpFailsValidationWhilePaused", async function () {
      const fx = await loadAgent();
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1000n)]);
      expect(await validateAsEntryPoint(conn, fx, op)).to.equal(SIG_VALIDATION_FAILED);
      await expect(fx.entryPoint.handleOps([op], fx.bundler.address))
        .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
        .withArgs(0n, "AA24 signature error");
      // After the owners unpause, the very same operation goes through.
      await networkHelpers.time.increase(MIN_PAUSE);
      await applyLoosening(conn, fx, [self(fx, "unpause", [])]);
      expect(await validateAsEntryPoint(conn, fx, op)).to.equal(0n);
      const before = await ethers.provider.getBalance(fx.recipient.address);
      await (await fx.entryPoint.handleOps([op], fx.bundler.address)).wait();
      expect(await ethers.provider.getBalance(fx.recipient.address)).to.equal(before + 1000n);
    });

    it("test_execute_ownerProposalRescuesFundsWhilePaused", async function () {
      const fx = await load();
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      const rescue = fx.outsider.address;
      const balance = await ethers.provider.getBalance(fx.address);
      // Off-chain signed batch, at once.
      await (await signedExec(conn, fx, [pay(rescue, balance / 2n)])).wait();
      // On-chain proposal too.
      const expiresAt = (await latest(conn)) + 86400n;
      await (
        await fx.wallet.connect(fx.ownerSigners[0]).propose([pay(rescue, balance / 2n)], expiresAt)
      ).wait();
      await (await fx.wallet.connect(fx.ownerSigners[1]).approve(1n)).wait();
      await (await fx.wallet.execute(1n)).wait();
      expect(await ethers.provider.getBalance(rescue)).to.equal(balance);
      expect(await ethers.provider.getBalance(fx.address)).to.equal(0n);
      expect(await fx.wallet.paused()).to.equal(true);
    });

    it("test_handleOps_ownerOpExecutesWhilePaused", async function () {
      const fx = await load();
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      const op = await ownerOp(fx, [pay(fx.outsider.address, 123n)]);
      const before = await ethers.provider.getBalance(fx.outsider.address);
      await (await fx.entryPoint.handleOps([op], fx.bundler.address)).wait();
      expect(await ethers.provider.getBalance(fx.outsider.address)).to.equal(before + 123n);
    });
  });

  describe("guardian set", function () {
    it("test_addGuardian_timelockedThenGuardianCanPause", async function () {
      const fx = await load();
      const tx = await signedExec(conn, fx, [self(fx, "addGuardian", [fx.stranger.address])]);
      const { id: pid, eta } = await queuedFrom(fx, tx);
      expect(await fx.wallet.isGuardian(fx.stranger.address)).to.equal(false);
      await networkHelpers.time.increaseTo(eta);
      await expect(fx.wallet.execute(pid))
        .to.emit(fx.wallet, "GuardianAdded")
        .withArgs(fx.stranger.address);
      expect(await fx.wallet.getGuardians()).to.deep.equal([
        fx.guardian.address,
        fx.stranger.address,
      ]);
      await expect(fx.wallet.connect(fx.stranger).pause()).to.emit(fx.wallet, "Paused");
    });

    it("test_addGuardian_revertsWhenCalledDirectly", async function () {
      const fx = await load();
      await expect(fx.wallet.connect(fx.guardian).addGuardian(fx.stranger.address))
        .to.be.revertedWithCustomError(fx.wallet, "WalletOnlySelf")
        .withArgs(fx.guardian.address);
    });

    it("test_addGuardian_revertsOnInvalidOrDuplicate", async function () {
      const fx = await load();
      const cases: [string, string][] = [
        [ethers.ZeroAddress, errorData("GuardianInvalid(address)", [ethers.ZeroAddress])],
        [fx.address, errorData("GuardianInvalid(address)", [fx.address])],
        [fx.guardian.address, errorData("GuardianAlreadyExists(address)", [fx.guardian.address])],
      ];
      for (const [who, error] of cases) {
        await expect(applyLoosening(conn, fx, [self(fx, "addGuardian", [who])]))
          .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
          .withArgs(0n, error);
      }
    });

    it("test_addGuardian_revertsOnSeventeenth", async function () {
      const fx = await load();
      const more = sortByAddress(testWallets(16, "guardian")).map((w) => w.address);
      await applyLoosening(
        conn,
        fx,
        more.slice(0, 15).map((g) => self(fx, "addGuardian", [g])),
      );
      expect((await fx.wallet.getGuardians()).length).to.equal(16);
      await expect(applyLoosening(conn, fx, [self(fx, "addGuardian", [more[15]])]))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("GuardianTooMany(uint256,uint256)", [17n, 16n]));
    });

    it("test_removeGuardian_waitsAdminDelayAndLosesPowers", async function () {
      const fx = await load();
      const tx = await signedExec(conn, fx, [self(fx, "removeGuardian", [fx.guardian.address])]);
      const { id: pid, eta } = await queuedFrom(fx, tx);
      expect(eta).to.equal(BigInt((await tx.getBlock())!.timestamp) + ADMIN_DELAY);
      expect(await fx.wallet.isGuardian(fx.guardian.address)).to.equal(true);
      await networkHelpers.time.increaseTo(eta);
      await expect(fx.wallet.execute(pid))
        .to.emit(fx.wallet, "GuardianRemoved")
        .withArgs(fx.guardian.address);
      expect(await fx.wallet.isGuardian(fx.guardian.address)).to.equal(false);
      expect(await fx.wallet.getGuardians()).to.deep.equal([]);
      await expect(fx.wallet.connect(fx.guardian).pause())
        .to.be.revertedWithCustomError(fx.wallet, "GuardianUnauthorized")
        .withArgs(fx.guardian.address);
    });

    it("test_removeGuardian_revertsOnUnknownOrOwner", async function () {
      const fx = await load();
      // Owners are guardians by role, but not removable as guardians.
      for (const who of [fx.stranger.address, fx.owners[0].address]) {
        await expect(signedExec(conn, fx, [self(fx, "removeGuardian", [who])]))
          .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
          .withArgs(0n, errorData("GuardianNotFound(address)", [who]));
      }
    });

    it("test_removeGuardian_keepsOthersInList", async function () {
      const fx = await load();
      await applyLoosening(conn, fx, [
        self(fx, "addGuardian", [fx.stranger.address]),
        self(fx, "addGuardian", [fx.outsider.address]),
      ]);
      await applyLoosening(conn, fx, [self(fx, "removeGuardian", [fx.guardian.address])]);
      expect([...(await fx.wallet.getGuardians())].sort()).to.deep.equal(
        [fx.stranger.address, fx.outsider.address].sort(),
      );
    });
  });

  describe("a hostile guardian", function () {
    it("test_cancel_guardianCantVetoItsOwnRemovalButOthersCan", async function () {
      const fx = await load();
      const g = fx.guardian.address;
      const removal = [self(fx, "removeGuardian", [g])];
      // The guardian burns the nonce of the owners' signed batch...
      const nonce = 555_555n;
      const deadline = (await latest(conn)) + 3600n;
      const sigs = await signCalls(fx.wallet, removal, fx.owners.slice(0, 2), nonce, deadline);
      await (await fx.wallet.connect(fx.guardian).invalidateNonce(nonce)).wait();
      await expect(fx.wallet.executeWithSignatures(removal, nonce, deadline, sigs))
        .to.be.revertedWithCustomError(fx.wallet, "SignatureNonceUsed")
        .withArgs(nonce);
      // ...but can't veto the proposal that removes it, pending or queued.
      const expiresAt = (await latest(conn)) + 86400n;
      await (await fx.wallet.connect(fx.ownerSigners[0]).propose(removal, expiresAt)).wait();
      await expect(fx.wallet.connect(fx.guardian).cancel(1n))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalVetoOfOwnRemoval")
        .withArgs(1n, g);
      // Trailing bytes still run the removal: they don't hide it from the check.
      const padded = [{ ...removal[0], data: removal[0].data + "00" }];
      await (await fx.wallet.connect(fx.ownerSigners[0]).propose(padded, expiresAt)).wait();
      await expect(fx.wallet.connect(fx.guardian).cancel(2n))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalVetoOfOwnRemoval")
        .withArgs(2n, g);
      // Everyone else can: another owner vetoes the padded copy.
      await expect(fx.wallet.connect(fx.ownerSigners[2]).cancel(2n)).to.emit(
        fx.wallet,
        "ProposalCancelled",
      );
      // An owner user operation is queued the same way: still nothing the guardian can veto.
      const op = await ownerOp(fx, removal);
      await (await fx.entryPoint.handleOps([op], fx.bundler.address)).wait();
      expect(await fx.wallet.proposalCount()).to.equal(3n);
      await expect(fx.wallet.connect(fx.guardian).cancel(3n))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalVetoOfOwnRemoval")
        .withArgs(3n, g);
      await (await fx.wallet.connect(fx.ownerSigners[1]).approve(1n)).wait();
      await networkHelpers.time.increase(ADMIN_DELAY);
      await expect(fx.wallet.execute(1n)).to.emit(fx.wallet, "GuardianRemoved").withArgs(g);
      await expect(fx.wallet.connect(fx.guardian).cancel(3n))
        .to.be.revertedWithCustomError(fx.wallet, "GuardianUnauthorized")
        .withArgs(g);
    });
  });

  describe("setMinPauseDuration", function () {
    it("test_setMinPauseDuration_raiseIsInstant", async function () {
      const fx = await load();
      await expect(signedExec(conn, fx, [self(fx, "setMinPauseDuration", [7200])]))
        .to.emit(fx.wallet, "MinPauseDurationChanged")
        .withArgs(MIN_PAUSE, 7200n);
      expect(await fx.wallet.minPauseDuration()).to.equal(7200n);
    });

    it("test_setMinPauseDuration_lowerTimelocked", async function () {
      const fx = await load();
      const { id: pid, eta } = await queuedFrom(
        fx,
        await signedExec(conn, fx, [self(fx, "setMinPauseDuration", [60])]),
      );
      expect(await fx.wallet.minPauseDuration()).to.equal(MIN_PAUSE);
      await networkHelpers.time.increaseTo(eta);
      await expect(fx.wallet.execute(pid))
        .to.emit(fx.wallet, "MinPauseDurationChanged")
        .withArgs(MIN_PAUSE, 60n);
      expect(await fx.wallet.minPauseDuration()).to.equal(60n);
    });

    it("test_setMinPauseDuration_revertsAboveMax", async function () {
      const fx = await load();
      const max = 30n * 86400n;
      await expect(applyLoosening(conn, fx, [self(fx, "setMinPauseDuration", [max + 1n])]))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("WalletInvalidPauseDuration(uint256,uint256)", [max + 1n, max]));
      await (await signedExec(conn, fx, [self(fx, "setMinPauseDuration", [max])])).wait();
      expect(await fx.wallet.minPauseDuration()).to.equal(max);
    });

    it("test_setMinPauseDuration_revertsWhenCalledDirectly", async function () {
      const fx = await load();
      await expect(fx.wallet.connect(fx.ownerSigners[0]).setMinPauseDuration(0))
        .to.be.revertedWithCustomError(fx.wallet, "WalletOnlySelf")
        .withArgs(fx.owners[0].address);
    });
  });
});
