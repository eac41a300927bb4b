import { expect } from "chai";
import { network } from "hardhat";
import {
  ADMIN_DELAY,
  NATIVE,
  ProposalState,
  UPGRADE_DELAY,
  agentFixture,
  applyLoosening,
  defaultLimits,
  ERC1271_INVALID,
  ERC1271_MAGIC,
  errorData,
  freshNonce,
  latest,
  ownerOp,
  queuedFrom,
  self,
  signCalls,
  signedExec,
  walletFixture,
} from "../helpers/wallet.js";
import type { Conn, WalletFx } from "../helpers/wallet.js";
import { encodeWalletCall, ownerSignDigest, signDigest, testWallets } from "../helpers/fixtures.js";

// Issue 11, classes 2, 4, 5 and 6: a change's delay is decided by its effect, beside its setter; the timelock
// can't be shortened from inside; vetoers can't be removed instantly; stale approvals never come back.
const conn: Conn = await network.create();
const { ethers, networkHelpers } = conn;
const load = () => networkHelpers.loadFixture(walletFixture);
const loadAgent = () => networkHelpers.loadFixture(agentFixture);
const DAY = 86400n;
const TRANSFER = "0xa9059cbb";

async function isQueued(fx: WalletFx, tx: Awaited<ReturnType<typeof signedExec>>) {
  const receipt = await tx.wait();
  return receipt!.logs.some((l) => {
    try {
      return fx.wallet.interface.parseLog(l)?.name === "ProposalQueued";
    } catch {
      return false;
    }
  });
}

describe("Tighten vs loosen by effect (issue 11)", function () {
  describe("class 2: a tightening can't loosen", function () {
    async function tokenAgent(withPermission: boolean) {
      const fx = await loadAgent();
      const a = fx.agentKey.address;
      const token = await ethers.deployContract("MockERC20", ["Mock", "MCK"]);
      const t = await token.getAddress();
      await (await token.mint(fx.address, ethers.parseEther("1000"))).wait();
      const setup = [self(fx, "setAssetLimits", [a, t, defaultLimits(ethers)])];
      // A generic permission on the token's transfer selector: without the token's limits it would let the
      // agent's transfers through uncapped and unchecked.
      if (withPermission) setup.push(self(fx, "setCallPermission", [a, t, TRANSFER, 0, 0]));
      await applyLoosening(conn, fx, setup);
      return { fx, a, t };
    }

    it("test_removeAssetLimits_thePermissionThatWouldMoveTheTokenCanNotBeGranted", async function () {
      // The reviewer's path needed a generic permission on the token's transfer selector; none can be granted
      // (the try of the batch reverts with the setter's refusal), so removing the limits only ever tightens.
      await expect(tokenAgent(true)).to.be.rejectedWith(
        /WalletCallFailed|PolicyPermissionMovesTokens/,
      );
      const { fx, a, t } = await tokenAgent(false);
      expect((await fx.wallet.getCallPermission(a, t, TRANSFER)).allowed).to.equal(false);
    });

    it("test_removeAssetLimits_instantWhenNothingElseMovesTheToken", async function () {
      const { fx, a, t } = await tokenAgent(false);
      const tx = await signedExec(conn, fx, [self(fx, "removeAssetLimits", [a, t])]);
      expect(await isQueued(fx, tx)).to.equal(false);
      expect((await fx.wallet.getAssetLimits(a, t))[1]).to.equal(false);
      // Native limits: removing them is always a tightening (value then needs limits nobody has).
      const tx2 = await signedExec(conn, fx, [self(fx, "removeAssetLimits", [a, NATIVE])]);
      expect(await isQueued(fx, tx2)).to.equal(false);
    });

    it("test_setAssetLimits_tighteningIsInstantLooseningQueued", async function () {
      const fx = await loadAgent();
      const a = fx.agentKey.address;
      const limits = defaultLimits(ethers);
      const lower = { ...limits, daily: limits.daily / 2n };
      await expect(signedExec(conn, fx, [self(fx, "setAssetLimits", [a, NATIVE, lower])])).to.emit(
        fx.wallet,
        "AssetLimitsChanged",
      );
      // Back up to the old daily cap: a loosening now.
      const tx = await signedExec(conn, fx, [self(fx, "setAssetLimits", [a, NATIVE, limits])]);
      expect(await isQueued(fx, tx)).to.equal(true);
      expect((await fx.wallet.getAssetLimits(a, NATIVE))[0].daily).to.equal(lower.daily);
    });

    it("test_execute_queuedTighteningThatBecameALooseningWaitsAdminDelay", async function () {
      const fx = await loadAgent();
      const a = fx.agentKey.address;
      const limits = defaultLimits(ethers);
      const half = { ...limits, daily: limits.daily / 2n };
      // Proposed while it tightens: queued with no delay.
      const expiresAt = (await latest(conn)) + 7n * DAY;
      await (
        await fx.wallet
          .connect(fx.ownerSigners[0])
          .propose([self(fx, "setAssetLimits", [a, NATIVE, half])], expiresAt)
      ).wait();
      const pid = await fx.wallet.proposalCount();
      const approveTx = await fx.wallet.connect(fx.ownerSigners[1]).approve(pid);
      const queuedAt = BigInt((await approveTx.getBlock())!.timestamp);
      expect((await fx.wallet.getProposal(pid))[5]).to.equal(0n);
      // Meanwhile the owners cut the cap further: the queued change would now raise it.
      const quarter = { ...limits, daily: limits.daily / 4n };
      await (await signedExec(conn, fx, [self(fx, "setAssetLimits", [a, NATIVE, quarter])])).wait();
      await expect(fx.wallet.execute(pid))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("TimelockNotReady(uint256)", [queuedAt + ADMIN_DELAY]));
      await networkHelpers.time.increaseTo(queuedAt + ADMIN_DELAY);
      await (await fx.wallet.execute(pid)).wait();
      expect((await fx.wallet.getAssetLimits(a, NATIVE))[0].daily).to.equal(half.daily);
    });

    it("test_setCallPermission_narrowingIsInstantWideningQueued", async function () {
      const fx = await loadAgent();
      const a = fx.agentKey.address;
      const target = fx.outsider.address;
      const sel = "0x12345678";
      const expiry = (await latest(conn)) + 30n * DAY;
      await applyLoosening(conn, fx, [
        self(fx, "setCallPermission", [a, target, sel, 100, expiry]),
      ]);
      const narrower = await signedExec(conn, fx, [
        self(fx, "setCallPermission", [a, target, sel, 50, expiry - DAY]),
      ]);
      expect(await isQueued(fx, narrower)).to.equal(false);
      for (const [maxValue, expiresAt] of [
        [51n, expiry - DAY], // more value
        [50n, expiry], // later expiry
        [50n, 0n], // no expiry
      ]) {
        const tx = await signedExec(conn, fx, [
          self(fx, "setCallPermission", [a, target, sel, maxValue, expiresAt]),
        ]);
        expect(await isQueued(fx, tx), `${maxValue}/${expiresAt}`).to.equal(true);
      }
    });

    it("test_setWalletCaps_newCapInstantLiftingOrRaisingQueued", async function () {
      const fx = await load();
      const tx = await signedExec(conn, fx, [self(fx, "setWalletCaps", [NATIVE, 10, 20, 30])]);
      expect(await isQueued(fx, tx)).to.equal(false);
      for (const caps of [
        [11, 20, 30],
        [10, 0, 30],
        [0, 0, 0],
      ]) {
        const t = await signedExec(conn, fx, [self(fx, "setWalletCaps", [NATIVE, ...caps])]);
        expect(await isQueued(fx, t), String(caps)).to.equal(true);
      }
    });
  });

  describe("class 4: the timelock can't be shortened from inside", function () {
    it("test_setDelays_revertsWhenUpgradeDelayBelowAdminDelay", async function () {
      const fx = await load();
      for (const [admin, upgrade] of [
        [2n * DAY, DAY], // lowering the upgrade delay under the admin delay
        [8n * DAY, 7n * DAY], // raising the admin delay over the upgrade delay
      ]) {
        await expect(signedExec(conn, fx, [self(fx, "setDelays", [admin, upgrade])]))
          .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
          .withArgs(0n, errorData("TimelockUpgradeBelowAdmin(uint256,uint256)", [upgrade, admin]));
      }
    });

    it("test_execute_delayRaisedWhileLooseningPendingBindsIt", async function () {
      const fx = await load();
      const tx = await signedExec(conn, fx, [self(fx, "addGuardian", [fx.stranger.address])]);
      const { id: pid, eta } = await queuedFrom(fx, tx);
      const queuedAt = eta - ADMIN_DELAY;
      // Raising a delay is a tightening: instant, and it binds what is already queued.
      await (
        await signedExec(conn, fx, [self(fx, "setDelays", [2n * ADMIN_DELAY, UPGRADE_DELAY])])
      ).wait();
      await networkHelpers.time.increaseTo(eta);
      await expect(fx.wallet.execute(pid))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("TimelockNotReady(uint256)", [queuedAt + 2n * ADMIN_DELAY]));
      await networkHelpers.time.increaseTo(queuedAt + 2n * ADMIN_DELAY);
      await expect(fx.wallet.execute(pid)).to.emit(fx.wallet, "GuardianAdded");
    });

    it("test_execute_upgradeWaitsUpgradeDelayRaisedAfterQueueing", async function () {
      const fx = await load();
      const v2 = await ethers.deployContract("AgentWalletV2Mock", [
        await fx.entryPoint.getAddress(),
        await fx.module.getAddress(),
      ]);
      const up = {
        target: fx.address,
        value: 0n,
        data: new ethers.Interface(["function upgradeToAndCall(address,bytes)"]).encodeFunctionData(
          "upgradeToAndCall",
          [await v2.getAddress(), "0x"],
        ),
      };
      // Even next to tightenings only, an upgrade waits the upgrade delay.
      const tx = await signedExec(conn, fx, [self(fx, "pause", []), up]);
      const { id: pid, eta } = await queuedFrom(fx, tx);
      const queuedAt = eta - UPGRADE_DELAY;
      expect(await fx.wallet.paused()).to.equal(false);
      await (
        await signedExec(conn, fx, [self(fx, "setDelays", [ADMIN_DELAY, 2n * UPGRADE_DELAY])])
      ).wait();
      await networkHelpers.time.increaseTo(eta);
      await expect(fx.wallet.execute(pid))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(1n, errorData("TimelockNotReady(uint256)", [queuedAt + 2n * UPGRADE_DELAY]));
    });

    it("test_tryCalls_refusedWhenNestedInAnotherTry", async function () {
      const fx = await load();
      // A batch that tries another batch inside its own try: refused, so one record can't hide another.
      const inner = [self(fx, "addGuardian", [fx.stranger.address])];
      const nested = {
        target: fx.address,
        value: 0n,
        data: fx.wallet.interface.encodeFunctionData("tryCalls", [inner, true]),
      };
      await expect(signedExec(conn, fx, [nested]))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("TimelockNoBatch()"));
      expect(await fx.wallet.isGuardian(fx.stranger.address)).to.equal(false);
    });
  });

  describe("the try can't be fooled by another contract", function () {
    it("test_submit_forgedDelayErrorFromAnotherContractIsACallFailure", async function () {
      const fx = await load();
      // A payee that answers with the wallet's own "queue me" error, to turn a failed payment into a proposal.
      const forged = errorData("TimelockDelayRequired(uint256)", [0n]);
      const payee = await ethers.deployContract("RevertWithMock", [forged]);
      await expect(
        signedExec(conn, fx, [{ target: await payee.getAddress(), value: 1n, data: "0x" }]),
      )
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, forged);
      expect(await fx.wallet.proposalCount()).to.equal(0n);
    });
  });

  describe("class 5: vetoers can't be removed instantly", function () {
    it("test_submit_ownersRemovingEveryOtherVetoerAreQueuedAndVetoable", async function () {
      const fx = await load();
      const [o0, o1, o2] = fx.owners;
      // Owners 0 and 1 try to drop the guardian and owner 2 in one batch, then loosen freely.
      const batch = [
        self(fx, "removeGuardian", [fx.guardian.address]),
        self(fx, "removeOwner", [o2.address]),
      ];
      const tx = await signedExec(conn, fx, batch, [o0, o1]);
      const { id: pid, eta } = await queuedFrom(fx, tx);
      expect(eta).to.equal(BigInt((await tx.getBlock())!.timestamp) + ADMIN_DELAY);
      expect(await fx.wallet.isGuardian(fx.guardian.address)).to.equal(true);
      expect(await fx.wallet.isOwner(o2.address)).to.equal(true);
      // A batch removing several vetoers can be vetoed by each of them.
      await expect(fx.wallet.connect(fx.guardian).cancel(pid)).to.emit(
        fx.wallet,
        "ProposalCancelled",
      );
      // Alone, owner 2's removal can't be vetoed by owner 2, but by the guardian.
      const { id: pid2 } = await queuedFrom(
        fx,
        await signedExec(conn, fx, [self(fx, "removeOwner", [o2.address])], [o0, o1]),
      );
      await expect(fx.wallet.connect(fx.ownerSigners[2]).cancel(pid2))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalVetoOfOwnRemoval")
        .withArgs(pid2, o2.address);
      await expect(fx.wallet.connect(fx.guardian).cancel(pid2)).to.emit(
        fx.wallet,
        "ProposalCancelled",
      );
    });

    it("test_handleOps_ownerOpRemovingAGuardianIsQueued", async function () {
      const fx = await load();
      const op = await ownerOp(fx, [self(fx, "removeGuardian", [fx.guardian.address])]);
      await expect(fx.entryPoint.handleOps([op], fx.bundler.address)).to.emit(
        fx.wallet,
        "ProposalQueued",
      );
      expect(await fx.wallet.isGuardian(fx.guardian.address)).to.equal(true);
    });
  });

  describe("class 6: stale approvals never come back", function () {
    it("test_approve_removedThenReAddedOwnerStartsWithNoApprovals", async function () {
      const fx = await load();
      const [o0, o1, o2] = fx.owners;
      const expiresAt = (await latest(conn)) + 60n * DAY;
      await (
        await fx.wallet
          .connect(fx.ownerSigners[0])
          .propose([self(fx, "addGuardian", [fx.stranger.address])], expiresAt)
      ).wait();
      const pid = await fx.wallet.proposalCount();
      expect(await fx.wallet.hasApproved(pid, o0.address)).to.equal(true);
      await applyLoosening(conn, fx, [self(fx, "removeOwner", [o0.address])], [o1, o2]);
      await applyLoosening(conn, fx, [self(fx, "addOwner", [o0.address])], [o1, o2]);
      expect(await fx.wallet.isOwner(o0.address)).to.equal(true);
      // The approval given before the removal is gone for good.
      expect(await fx.wallet.hasApproved(pid, o0.address)).to.equal(false);
      expect((await fx.wallet.getProposal(pid))[6]).to.equal(0n);
      await (await fx.wallet.connect(fx.ownerSigners[1]).approve(pid)).wait();
      expect((await fx.wallet.getProposal(pid))[0]).to.equal(ProposalState.Pending);
      // The re-added owner may approve again, in its new term.
      await (await fx.wallet.connect(fx.ownerSigners[0]).approve(pid)).wait();
      expect((await fx.wallet.getProposal(pid))[0]).to.equal(ProposalState.Queued);
    });

    // Signatures made before a removal: the owner is re-added while the signature's nonce is unused and its
    // deadline not passed. Each test removes and re-adds the signer, shows the old signature refused, then the
    // same signer's fresh signature accepted (the rule refuses stale signatures, not the signer).
    async function removeAndReAddOwner(fx: WalletFx, owner: string) {
      const [, o1, o2] = fx.owners;
      await applyLoosening(conn, fx, [self(fx, "removeOwner", [owner])], [o1, o2]);
      await applyLoosening(conn, fx, [self(fx, "addOwner", [owner])], [o1, o2]);
      expect(await fx.wallet.isOwner(owner)).to.equal(true);
    }

    it("test_executeWithSignatures_signedBeforeRemoval_refusedAfterReAdd", async function () {
      const fx = await load();
      const [o0, o1] = fx.owners;
      const calls = [self(fx, "setMinPauseDuration", [7200n])]; // an instant tightening
      const nonce = freshNonce();
      const deadline = (await latest(conn)) + 30n * DAY;
      const stale = await signCalls(fx.wallet, calls, [o0, o1], nonce, deadline);
      const epoch = await fx.wallet.signatureEpoch();
      await removeAndReAddOwner(fx, o0.address);
      expect(await fx.wallet.signatureEpoch()).to.equal(epoch + 2n);
      await expect(
        fx.wallet.executeWithSignatures(calls, nonce, deadline, stale),
      ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
      expect(await fx.wallet.isNonceUsed(nonce)).to.equal(false);
      const fresh = await signCalls(fx.wallet, calls, [o0, o1], nonce, deadline);
      await (await fx.wallet.executeWithSignatures(calls, nonce, deadline, fresh)).wait();
      expect(await fx.wallet.minPauseDuration()).to.equal(7200n);
    });

    it("test_approveWithSignatures_signedBeforeRemoval_refusedAfterReAdd", async function () {
      const fx = await load();
      const [o0] = fx.owners;
      const expiresAt = (await latest(conn)) + 60n * DAY;
      await (
        await fx.wallet
          .connect(fx.ownerSigners[1])
          .propose([self(fx, "addGuardian", [fx.stranger.address])], expiresAt)
      ).wait();
      const pid = await fx.wallet.proposalCount();
      const nonce = freshNonce();
      const stale = ownerSignDigest(
        [o0],
        await fx.wallet.hashProposalApproval(pid, nonce, expiresAt),
      );
      await removeAndReAddOwner(fx, o0.address);
      await expect(
        fx.wallet.approveWithSignatures(pid, nonce, expiresAt, stale),
      ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
      expect(await fx.wallet.hasApproved(pid, o0.address)).to.equal(false);
      const fresh = ownerSignDigest(
        [o0],
        await fx.wallet.hashProposalApproval(pid, nonce, expiresAt),
      );
      await (await fx.wallet.approveWithSignatures(pid, nonce, expiresAt, fresh)).wait();
      expect(await fx.wallet.hasApproved(pid, o0.address)).to.equal(true);
      expect((await fx.wallet.getProposal(pid))[0]).to.equal(ProposalState.Queued);
    });

    it("test_executeGuardianAction_signedBeforeRemoval_refusedAfterReAdd", async function () {
      const fx = await load();
      const [g] = testWallets(1, "re-added guardian");
      await applyLoosening(conn, fx, [self(fx, "addGuardian", [g.address])]);
      const data = encodeWalletCall("pause", []);
      const nonce = freshNonce();
      const deadline = (await latest(conn)) + 30n * DAY;
      const stale = signDigest(g, await fx.wallet.hashGuardianAction(data, nonce, deadline));
      await applyLoosening(conn, fx, [self(fx, "removeGuardian", [g.address])]);
      await applyLoosening(conn, fx, [self(fx, "addGuardian", [g.address])]);
      expect(await fx.wallet.isGuardian(g.address)).to.equal(true);
      await expect(
        fx.wallet
          .connect(fx.stranger)
          .executeGuardianAction(g.address, data, nonce, deadline, stale),
      ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
      expect(await fx.wallet.paused()).to.equal(false);
      const fresh = signDigest(g, await fx.wallet.hashGuardianAction(data, nonce, deadline));
      await (
        await fx.wallet
          .connect(fx.stranger)
          .executeGuardianAction(g.address, data, nonce, deadline, fresh)
      ).wait();
      expect(await fx.wallet.paused()).to.equal(true);
    });

    it("test_handleOps_ownerOpSignedBeforeRemoval_failsAfterReAdd", async function () {
      const fx = await load();
      const [o0, o1] = fx.owners;
      // Removal and re-adding run through executeWithSignatures/execute: the owners' nonce lane (key 0) of the
      // EntryPoint doesn't move, so the old op's nonce is still the next one.
      const op = await ownerOp(fx, [self(fx, "setMinPauseDuration", [7200n])], [o0, o1]);
      await removeAndReAddOwner(fx, o0.address);
      await expect(fx.entryPoint.handleOps([op], fx.bundler.address))
        .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
        .withArgs(0n, "AA24 signature error");
      const fresh = await ownerOp(fx, [self(fx, "setMinPauseDuration", [7200n])], [o0, o1]);
      expect(fresh.nonce).to.equal(op.nonce);
      await (await fx.entryPoint.handleOps([fresh], fx.bundler.address)).wait();
      expect(await fx.wallet.minPauseDuration()).to.equal(7200n);
    });

    it("test_isValidSignature_signedBeforeRemoval_invalidAfterReAdd", async function () {
      const fx = await load();
      const [o0, o1] = fx.owners;
      const hash = ethers.id("a Permit2 allowance the owners once signed");
      const stale = ownerSignDigest([o0, o1], await fx.wallet.replaySafeHash(hash));
      expect(await fx.wallet.isValidSignature(hash, stale)).to.equal(ERC1271_MAGIC);
      await removeAndReAddOwner(fx, o0.address);
      expect(await fx.wallet.isValidSignature(hash, stale)).to.equal(ERC1271_INVALID);
      const fresh = ownerSignDigest([o0, o1], await fx.wallet.replaySafeHash(hash));
      expect(await fx.wallet.isValidSignature(hash, fresh)).to.equal(ERC1271_MAGIC);
    });

    it("test_signatureEpoch_movesOnEveryOwnerOrGuardianChange_andOnlyThen", async function () {
      const fx = await load();
      const [o0, o1] = fx.owners;
      const [g, o3] = testWallets(2, "epoch signer changes");
      const epoch = await fx.wallet.signatureEpoch();
      // A tightening changes no signer: the epoch stays.
      await (await signedExec(conn, fx, [self(fx, "setMinPauseDuration", [7200n])])).wait();
      expect(await fx.wallet.signatureEpoch()).to.equal(epoch);
      // The owners sign a batch; then only a guardian is added, no owner changes: the batch is void all the same.
      const calls = [self(fx, "setMinPauseDuration", [7201n])];
      const nonce = freshNonce();
      const deadline = (await latest(conn)) + 30n * DAY;
      const signedBefore = await signCalls(fx.wallet, calls, [o0, o1], nonce, deadline);
      await applyLoosening(conn, fx, [self(fx, "addGuardian", [g.address])]);
      expect(await fx.wallet.signatureEpoch()).to.equal(epoch + 1n);
      await expect(
        fx.wallet.executeWithSignatures(calls, nonce, deadline, signedBefore),
      ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
      await applyLoosening(conn, fx, [self(fx, "removeGuardian", [g.address])]);
      expect(await fx.wallet.signatureEpoch()).to.equal(epoch + 2n);
      await applyLoosening(conn, fx, [self(fx, "addOwner", [o3.address])]);
      expect(await fx.wallet.signatureEpoch()).to.equal(epoch + 3n);
      await applyLoosening(conn, fx, [self(fx, "removeOwner", [o3.address])]);
      expect(await fx.wallet.signatureEpoch()).to.equal(epoch + 4n);
      expect(await fx.wallet.minPauseDuration()).to.equal(7200n);
    });

    it("test_executeWithSignatures_removedOwnersSignatureRefused", async function () {
      const fx = await load();
      const [o0, o1, o2] = fx.owners;
      const calls = [self(fx, "pause", [])];
      const nonce = 777n;
      const deadline = (await latest(conn)) + 30n * DAY;
      const sigs = await signCalls(fx.wallet, calls, [o0, o1], nonce, deadline);
      await applyLoosening(conn, fx, [self(fx, "removeOwner", [o0.address])], [o1, o2]);
      await expect(
        fx.wallet.executeWithSignatures(calls, nonce, deadline, sigs),
      ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
    });
  });
});
