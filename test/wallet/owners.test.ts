import { expect } from "chai";
import { network } from "hardhat";
import { sortByAddress, testWallets } from "../helpers/fixtures.js";
import {
  errorData,
  self,
  signedExec,
  applyLoosening,
  queuedFrom,
  walletFixture,
  ADMIN_DELAY,
} from "../helpers/wallet.js";
import type { WalletFx } from "../helpers/wallet.js";

const conn = await network.create();
const { ethers, networkHelpers } = conn;
const load = () => networkHelpers.loadFixture(walletFixture);

/** Runs a batch of owner self-calls through a signed batch and expects the inner revert. */
async function expectSelfCallFails(fx: WalletFx, fn: string, args: unknown[], error: string) {
  await expect(signedExec(conn, fx, [self(fx, fn, args)]))
    .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
    .withArgs(0n, error);
}

describe("OwnerManager", function () {
  describe("only the wallet itself", function () {
    it("test_addOwner_revertsWhenCalledDirectly", async function () {
      const fx = await load();
      for (const caller of [fx.stranger, fx.guardian, fx.ownerSigners[0]]) {
        await expect(fx.wallet.connect(caller).addOwner(fx.stranger.address))
          .to.be.revertedWithCustomError(fx.wallet, "WalletOnlySelf")
          .withArgs(caller.address);
      }
    });

    it("test_removeOwner_revertsWhenCalledDirectly", async function () {
      const fx = await load();
      await expect(fx.wallet.connect(fx.ownerSigners[0]).removeOwner(fx.owners[1].address))
        .to.be.revertedWithCustomError(fx.wallet, "WalletOnlySelf")
        .withArgs(fx.owners[0].address);
    });

    it("test_changeThreshold_revertsWhenCalledDirectly", async function () {
      const fx = await load();
      await expect(fx.wallet.connect(fx.ownerSigners[0]).changeThreshold(1))
        .to.be.revertedWithCustomError(fx.wallet, "WalletOnlySelf")
        .withArgs(fx.owners[0].address);
      expect(await fx.wallet.threshold()).to.equal(2n);
    });
  });

  describe("addOwner", function () {
    it("test_addOwner_succeedsAfterAdminDelay", async function () {
      const fx = await load();
      const newcomer = fx.stranger.address;
      const tx = await signedExec(conn, fx, [self(fx, "addOwner", [newcomer])]);
      // Loosening: queued, not executed.
      expect(await fx.wallet.isOwner(newcomer)).to.equal(false);
      const [state, , , , eta, delay] = await fx.wallet.getProposal(1n);
      expect(state).to.equal(2n);
      expect(delay).to.equal(ADMIN_DELAY);
      const block = await tx.getBlock();
      expect(eta).to.equal(BigInt(block!.timestamp) + ADMIN_DELAY);
      await networkHelpers.time.increaseTo(eta);
      await expect(fx.wallet.execute(1n)).to.emit(fx.wallet, "OwnerAdded").withArgs(newcomer);
      expect(await fx.wallet.isOwner(newcomer)).to.equal(true);
      expect(await fx.wallet.getOwners()).to.deep.equal([
        ...fx.owners.map((o) => o.address),
        newcomer,
      ]);
      expect(await fx.wallet.isGuardian(newcomer)).to.equal(true); // owners are guardians
      expect(await fx.wallet.threshold()).to.equal(2n);
    });

    it("test_addOwner_revertsOnZeroSelfAndDuplicate", async function () {
      const fx = await load();
      await expect(applyLoosening(conn, fx, [self(fx, "addOwner", [ethers.ZeroAddress])]))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("OwnerInvalid(address)", [ethers.ZeroAddress]));
      await expect(applyLoosening(conn, fx, [self(fx, "addOwner", [fx.address])]))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("OwnerInvalid(address)", [fx.address]));
      await expect(applyLoosening(conn, fx, [self(fx, "addOwner", [fx.owners[2].address])]))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("OwnerAlreadyExists(address)", [fx.owners[2].address]));
    });

    it("test_addOwner_revertsOnSeventeenthOwner", async function () {
      const fx = await load();
      const extra = sortByAddress(testWallets(14, "extra-owner")).map((w) => w.address);
      // 3 + 13 = 16 owners: accepted in one batch.
      await applyLoosening(
        conn,
        fx,
        extra.slice(0, 13).map((a) => self(fx, "addOwner", [a])),
      );
      expect((await fx.wallet.getOwners()).length).to.equal(16);
      await expect(applyLoosening(conn, fx, [self(fx, "addOwner", [extra[13]])]))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("OwnerTooMany(uint256,uint256)", [17n, 16n]));
    });
  });

  describe("removeOwner", function () {
    it("test_removeOwner_waitsAdminDelayKeepingThreshold", async function () {
      const fx = await load();
      const gone = fx.owners[0].address;
      // Removing a vetoer is a loosening: queued, the owner stays until the delay is over.
      const tx = await signedExec(conn, fx, [self(fx, "removeOwner", [gone])], fx.owners.slice(1));
      const { id: pid, eta } = await queuedFrom(fx, tx);
      expect(eta).to.equal(BigInt((await tx.getBlock())!.timestamp) + ADMIN_DELAY);
      expect(await fx.wallet.isOwner(gone)).to.equal(true);
      await networkHelpers.time.increaseTo(eta);
      await expect(fx.wallet.execute(pid)).to.emit(fx.wallet, "OwnerRemoved").withArgs(gone);
      expect(await fx.wallet.isOwner(gone)).to.equal(false);
      expect(await fx.wallet.isGuardian(gone)).to.equal(false);
      expect(await fx.wallet.threshold()).to.equal(2n);
      expect([...(await fx.wallet.getOwners())].sort()).to.deep.equal(
        fx.owners
          .slice(1)
          .map((o) => o.address)
          .sort(),
      );
    });

    it("test_removeOwner_revertsWhenItWouldLowerThreshold", async function () {
      const fx = await load();
      await applyLoosening(
        conn,
        fx,
        [self(fx, "removeOwner", [fx.owners[0].address])],
        fx.owners.slice(1),
      );
      // 2-of-2 now: removing another would need threshold 2 of 1 owner.
      await expect(
        signedExec(conn, fx, [self(fx, "removeOwner", [fx.owners[1].address])], fx.owners.slice(1)),
      )
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("OwnerInvalidThreshold(uint256,uint256)", [2n, 1n]));
      expect(await fx.wallet.isOwner(fx.owners[1].address)).to.equal(true);
    });

    it("test_removeOwner_revertsOnUnknownOwner", async function () {
      const fx = await load();
      await expectSelfCallFails(
        fx,
        "removeOwner",
        [fx.stranger.address],
        errorData("OwnerNotFound(address)", [fx.stranger.address]),
      );
    });
  });

  describe("changeThreshold", function () {
    it("test_changeThreshold_raiseIsInstant", async function () {
      const fx = await load();
      await expect(signedExec(conn, fx, [self(fx, "changeThreshold", [3])]))
        .to.emit(fx.wallet, "ThresholdChanged")
        .withArgs(2n, 3n);
      expect(await fx.wallet.threshold()).to.equal(3n);
    });

    it("test_changeThreshold_lowerWaitsAdminDelay", async function () {
      const fx = await load();
      const { id: pid, eta } = await queuedFrom(
        fx,
        await signedExec(conn, fx, [self(fx, "changeThreshold", [1])]),
      );
      expect(await fx.wallet.threshold()).to.equal(2n);
      await networkHelpers.time.increaseTo(eta - 2n);
      await expect(fx.wallet.execute(pid))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalNotReady")
        .withArgs(pid, eta);
      await networkHelpers.time.increaseTo(eta);
      await expect(fx.wallet.execute(pid)).to.emit(fx.wallet, "ThresholdChanged").withArgs(2n, 1n);
      expect(await fx.wallet.threshold()).to.equal(1n);
    });

    it("test_changeThreshold_revertsOnZeroOrAboveOwnerCount", async function () {
      const fx = await load();
      await expect(applyLoosening(conn, fx, [self(fx, "changeThreshold", [0])]))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("OwnerInvalidThreshold(uint256,uint256)", [0n, 3n]));
      await expect(applyLoosening(conn, fx, [self(fx, "changeThreshold", [4])]))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("OwnerInvalidThreshold(uint256,uint256)", [4n, 3n]));
      expect(await fx.wallet.threshold()).to.equal(2n);
    });

    it("test_changeThreshold_lowerThenRemoveOwner", async function () {
      const fx = await load();
      // Lowering M is a loosening (timelocked); afterwards removing owners down to M works.
      await applyLoosening(conn, fx, [self(fx, "changeThreshold", [1])]);
      expect(await fx.wallet.threshold()).to.equal(1n);
      await applyLoosening(
        conn,
        fx,
        [self(fx, "removeOwner", [fx.owners[0].address])],
        [fx.owners[1]],
      );
      await applyLoosening(
        conn,
        fx,
        [self(fx, "removeOwner", [fx.owners[1].address])],
        [fx.owners[2]],
      );
      expect(await fx.wallet.getOwners()).to.deep.equal([fx.owners[2].address]);
      await expect(
        signedExec(conn, fx, [self(fx, "removeOwner", [fx.owners[2].address])], [fx.owners[2]]),
      )
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("OwnerInvalidThreshold(uint256,uint256)", [1n, 0n]));
    });
  });
});
