import { expect } from "chai";
import { network } from "hardhat";
import type { Signer, TypedDataDomain } from "ethers";
import { ownerSignDigest, signDigest, testWallets } from "../helpers/fixtures.js";
import {
  AgentStatus,
  ProposalState,
  agentFixture,
  freshNonce,
  latest,
  pay,
  self,
  walletFixture,
} from "../helpers/wallet.js";
import type { Conn, WalletFx } from "../helpers/wallet.js";

const conn: Conn = await network.create();
const { ethers, networkHelpers } = conn;
const load = () => networkHelpers.loadFixture(walletFixture);
const loadAgent = () => networkHelpers.loadFixture(agentFixture);

const GUARDIAN_TYPES = {
  GuardianAction: [
    { name: "data", type: "bytes" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
    { name: "epoch", type: "uint256" },
  ],
};

async function domain(fx: WalletFx): Promise<TypedDataDomain> {
  const { chainId } = await ethers.provider.getNetwork();
  return { name: "Leash AgentWallet", version: "1", chainId, verifyingContract: fx.address };
}

/** A guardian's typed-data signature over `data`, as a wallet app would make it. */
async function guardianSign(
  fx: WalletFx,
  signer: Signer,
  data: string,
  nonce: bigint,
  deadline: bigint,
) {
  const epoch = await fx.wallet.signatureEpoch();
  return signer.signTypedData(await domain(fx), GUARDIAN_TYPES, { data, nonce, deadline, epoch });
}

const pauseData = () => ethers.Interface.from(["function pause()"]).encodeFunctionData("pause", []);

/** An owner proposal paying `recipient` 1 wei, approved by nobody but its proposer's approval revoked. */
async function pendingProposal(fx: WalletFx): Promise<bigint> {
  const expiresAt = (await latest(conn)) + 86_400n;
  await (
    await fx.wallet.connect(fx.ownerSigners[0]).propose([pay(fx.recipient.address, 1n)], expiresAt)
  ).wait();
  const id = await fx.wallet.proposalCount();
  await (await fx.wallet.connect(fx.ownerSigners[0]).revokeApproval(id)).wait();
  return id;
}

/**
 * Owners' signed approval of proposal `id`: fresh nonce, a deadline `validFor` seconds ahead, each signer's
 * signature over the wallet's approval digest (of proposal `signedId`, `id` unless a test signs another).
 */
async function signedApproval(
  fx: WalletFx,
  id: bigint,
  signers: ReturnType<typeof testWallets>,
  { signedId = id, validFor = 600n }: { signedId?: bigint; validFor?: bigint } = {},
) {
  const nonce = freshNonce();
  const deadline = (await latest(conn)) + validFor;
  const digest = await fx.wallet.hashProposalApproval(signedId, nonce, deadline);
  const sigs = ownerSignDigest(signers, digest);
  return {
    nonce,
    deadline,
    digest,
    sigs,
    /** Submits it (by `from`, default the wallet's default runner). */
    submit: (from?: Signer) =>
      (from ? fx.wallet.connect(from) : fx.wallet).approveWithSignatures(id, nonce, deadline, sigs),
  };
}

describe("ISignedActions: guardian actions and proposal approvals by signature", function () {
  describe("executeGuardianAction", function () {
    it("test_executeGuardianAction_pauseSubmittedByStranger", async function () {
      const fx = await load();
      const nonce = freshNonce();
      const deadline = (await latest(conn)) + 600n;
      const data = pauseData();
      const sig = await guardianSign(fx, fx.guardian, data, nonce, deadline);
      expect(await fx.wallet.hashGuardianAction(data, nonce, deadline)).to.equal(
        ethers.TypedDataEncoder.hash(await domain(fx), GUARDIAN_TYPES, {
          data,
          nonce,
          deadline,
          epoch: await fx.wallet.signatureEpoch(),
        }),
      );
      const tx = fx.wallet
        .connect(fx.stranger)
        .executeGuardianAction(fx.guardian.address, data, nonce, deadline, sig);
      await expect(tx)
        .to.emit(fx.wallet, "GuardianActionSigned")
        .withArgs(fx.guardian.address, data.slice(0, 10), nonce);
      await expect(tx).to.emit(fx.wallet, "Paused");
      expect(await fx.wallet.paused()).to.equal(true);
      expect(await fx.wallet.isNonceUsed(nonce)).to.equal(true);
    });

    it("test_executeGuardianAction_suspendAgentByOwnerKey", async function () {
      const fx = await loadAgent();
      const nonce = freshNonce();
      const deadline = (await latest(conn)) + 600n;
      const data = fx.wallet.interface.encodeFunctionData("suspendAgent", [fx.agentKey.address]);
      const digest = await fx.wallet.hashGuardianAction(data, nonce, deadline);
      const sig = signDigest(fx.owners[0], digest);
      await (
        await fx.wallet
          .connect(fx.stranger)
          .executeGuardianAction(fx.owners[0].address, data, nonce, deadline, sig)
      ).wait();
      expect((await fx.wallet.getAgent(fx.agentKey.address))[1]).to.equal(AgentStatus.Suspended);
    });

    it("test_executeGuardianAction_eachActionRunsAsTheGuardianWhoSigned_eventsNameThem", async function () {
      // The action runs as the signer, not as the wallet: every event names the guardian, so the record says who
      // paused, vetoed or revoked (a stranger submitted each one).
      const fx = await loadAgent();
      const id = await pendingProposal(fx);
      const deadline = (await latest(conn)) + 600n;
      const g = fx.guardian.address;
      const run = async (data: string) => {
        const nonce = freshNonce();
        const sig = await guardianSign(fx, fx.guardian, data, nonce, deadline);
        return fx.wallet.connect(fx.stranger).executeGuardianAction(g, data, nonce, deadline, sig);
      };
      const cancel = fx.wallet.interface.encodeFunctionData("cancel", [id]);
      await expect(run(cancel)).to.emit(fx.wallet, "ProposalCancelled").withArgs(id, g);
      expect((await fx.wallet.getProposal(id))[0]).to.equal(ProposalState.Cancelled);
      const revoke = fx.wallet.interface.encodeFunctionData("revokeAgent", [fx.agentKey.address]);
      await expect(run(revoke)).to.emit(fx.wallet, "AgentRevoked").withArgs(fx.agentKey.address, g);
      expect((await fx.wallet.getAgent(fx.agentKey.address))[1]).to.equal(AgentStatus.Revoked);
      const tx = run(pauseData());
      await expect(tx).to.emit(fx.wallet, "Paused");
      const receipt = await (await tx).wait();
      const paused = receipt!.logs
        .map((l) => {
          try {
            return fx.wallet.interface.parseLog(l);
          } catch {
            return null;
          }
        })
        .find((e) => e?.name === "Paused");
      expect(paused!.args[0]).to.equal(g);
      // The same action again is refused by the action's own rule, as a direct call would be.
      await expect(run(revoke))
        .to.be.revertedWithCustomError(fx.wallet, "AgentInvalidStatus")
        .withArgs(fx.agentKey.address, AgentStatus.Revoked);
    });

    it("test_executeGuardianAction_revertsOnReplay", async function () {
      const fx = await load();
      const nonce = freshNonce();
      const deadline = (await latest(conn)) + 7n * 86_400n;
      const data = pauseData();
      const sig = await guardianSign(fx, fx.guardian, data, nonce, deadline);
      await (
        await fx.wallet.executeGuardianAction(fx.guardian.address, data, nonce, deadline, sig)
      ).wait();
      await networkHelpers.time.increase(3600);
      await (
        await fx.wallet
          .connect(fx.ownerSigners[0])
          .propose([self(fx, "unpause", [])], (await latest(conn)) + 3600n)
      ).wait();
      const id = await fx.wallet.proposalCount();
      await (await fx.wallet.connect(fx.ownerSigners[1]).approve(id)).wait();
      // Unpausing is a loosening: it executes once the admin delay has passed.
      await networkHelpers.time.increaseTo((await fx.wallet.getProposal(id))[4]);
      await (await fx.wallet.execute(id)).wait();
      expect(await fx.wallet.paused()).to.equal(false);
      // The same signature can't pause the wallet again once the owners lifted the pause.
      await expect(fx.wallet.executeGuardianAction(fx.guardian.address, data, nonce, deadline, sig))
        .to.be.revertedWithCustomError(fx.wallet, "SignatureNonceUsed")
        .withArgs(nonce);
    });

    // Accepted (THREAT_MODEL D-5): signed actions share the nonces any one owner or guardian may burn, so a hostile
    // owner who sees a guardian's signed pause first can void it. The pause itself can't be blocked: the guardian
    // sends `pause()` in one transaction of its own.
    it("test_executeGuardianAction_nonceBurnedByAnotherOwner_refused_directPauseStillWorks", async function () {
      const fx = await load();
      const nonce = freshNonce();
      const deadline = (await latest(conn)) + 600n;
      const data = pauseData();
      const sig = await guardianSign(fx, fx.guardian, data, nonce, deadline);
      await (await fx.wallet.connect(fx.ownerSigners[0]).invalidateNonce(nonce)).wait();
      await expect(
        fx.wallet
          .connect(fx.stranger)
          .executeGuardianAction(fx.guardian.address, data, nonce, deadline, sig),
      )
        .to.be.revertedWithCustomError(fx.wallet, "SignatureNonceUsed")
        .withArgs(nonce);
      expect(await fx.wallet.paused()).to.equal(false);
      await expect(fx.wallet.connect(fx.guardian).pause()).to.emit(fx.wallet, "Paused");
      expect(await fx.wallet.paused()).to.equal(true);
    });

    it("test_executeGuardianAction_revertsForStrangerSigner", async function () {
      const fx = await load();
      const nonce = freshNonce();
      const deadline = (await latest(conn)) + 600n;
      const data = pauseData();
      const sig = await guardianSign(fx, fx.stranger, data, nonce, deadline);
      await expect(fx.wallet.executeGuardianAction(fx.stranger.address, data, nonce, deadline, sig))
        .to.be.revertedWithCustomError(fx.wallet, "GuardianUnauthorized")
        .withArgs(fx.stranger.address);
    });

    it("test_executeGuardianAction_revertsForSignatureOfAnotherKey", async function () {
      const fx = await load();
      const nonce = freshNonce();
      const deadline = (await latest(conn)) + 600n;
      const data = pauseData();
      // Signed by a stranger but claimed as the guardian's.
      const sig = await guardianSign(fx, fx.stranger, data, nonce, deadline);
      const digest = await fx.wallet.hashGuardianAction(data, nonce, deadline);
      await expect(fx.wallet.executeGuardianAction(fx.guardian.address, data, nonce, deadline, sig))
        .to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid")
        .withArgs(digest);
      expect(await fx.wallet.paused()).to.equal(false);
      expect(await fx.wallet.isNonceUsed(nonce)).to.equal(false);
    });

    it("test_executeGuardianAction_revertsForLooseningAction", async function () {
      const fx = await load();
      const nonce = freshNonce();
      const deadline = (await latest(conn)) + 600n;
      for (const data of [
        fx.wallet.interface.encodeFunctionData("unpause"),
        fx.wallet.interface.encodeFunctionData("addOwner", [fx.stranger.address]),
        fx.wallet.interface.encodeFunctionData("invalidateNonce", [1n]),
        "0x",
        "0x8456",
      ]) {
        const sig = await guardianSign(fx, fx.guardian, data, nonce, deadline);
        await expect(
          fx.wallet.executeGuardianAction(fx.guardian.address, data, nonce, deadline, sig),
        ).to.be.revertedWithCustomError(fx.wallet, "SignedActionNotAllowed");
      }
    });

    it("test_executeGuardianAction_revertsAfterDeadline", async function () {
      const fx = await load();
      const nonce = freshNonce();
      const deadline = (await latest(conn)) + 10n;
      const data = pauseData();
      const sig = await guardianSign(fx, fx.guardian, data, nonce, deadline);
      await networkHelpers.time.increase(20);
      await expect(fx.wallet.executeGuardianAction(fx.guardian.address, data, nonce, deadline, sig))
        .to.be.revertedWithCustomError(fx.wallet, "SignatureExpired")
        .withArgs(deadline);
    });

    it("test_executeGuardianAction_revertsOnOtherWalletsSignature", async function () {
      const fx = await load();
      const nonce = freshNonce();
      const deadline = (await latest(conn)) + 600n;
      const data = pauseData();
      const { chainId } = await ethers.provider.getNetwork();
      const other = {
        name: "Leash AgentWallet",
        version: "1",
        chainId,
        verifyingContract: fx.stranger.address,
      };
      const epoch = await fx.wallet.signatureEpoch();
      const sig = await fx.guardian.signTypedData(other, GUARDIAN_TYPES, {
        data,
        nonce,
        deadline,
        epoch,
      });
      await expect(
        fx.wallet.executeGuardianAction(fx.guardian.address, data, nonce, deadline, sig),
      ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
    });

    it("test_executeGuardianAction_bubblesActionRevert", async function () {
      const fx = await load();
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      const nonce = freshNonce();
      const deadline = (await latest(conn)) + 600n;
      const data = pauseData();
      const sig = await guardianSign(fx, fx.guardian, data, nonce, deadline);
      await expect(
        fx.wallet.executeGuardianAction(fx.guardian.address, data, nonce, deadline, sig),
      ).to.be.revertedWithCustomError(fx.wallet, "WalletPaused");
      // The failed action spent nothing: the nonce is still free.
      expect(await fx.wallet.isNonceUsed(nonce)).to.equal(false);
    });
  });

  describe("approveWithSignatures", function () {
    it("test_approveWithSignatures_thresholdQueuesAndStrangerExecutes", async function () {
      const fx = await load();
      await networkHelpers.setBalance(fx.address, ethers.parseEther("1"));
      const id = await pendingProposal(fx);
      const tx = (await signedApproval(fx, id, fx.owners.slice(0, 2))).submit(fx.stranger);
      await expect(tx)
        .to.emit(fx.wallet, "ProposalApproved")
        .withArgs(id, fx.owners[0].address, 1n);
      await expect(tx)
        .to.emit(fx.wallet, "ProposalApproved")
        .withArgs(id, fx.owners[1].address, 2n);
      await expect(tx).to.emit(fx.wallet, "ProposalQueued");
      await expect(fx.wallet.connect(fx.stranger).execute(id)).to.changeEtherBalance(
        ethers,
        fx.recipient.address,
        1n,
      );
    });

    it("test_approveWithSignatures_oneOwnerThenAnotherAddsUp", async function () {
      const fx = await load();
      const id = await pendingProposal(fx);
      for (const [i, owner] of fx.owners.slice(0, 2).entries()) {
        await (await (await signedApproval(fx, id, [owner])).submit()).wait();
        expect((await fx.wallet.getProposal(id))[0]).to.equal(
          i === 0 ? ProposalState.Pending : ProposalState.Queued,
        );
      }
    });

    it("test_approveWithSignatures_skipsOwnerWhoAlreadyApproved", async function () {
      const fx = await load();
      const id = await pendingProposal(fx);
      await (await fx.wallet.connect(fx.ownerSigners[0]).approve(id)).wait();
      const tx = (await signedApproval(fx, id, fx.owners.slice(0, 1))).submit();
      await expect(tx).not.to.emit(fx.wallet, "ProposalApproved");
      expect((await fx.wallet.getProposal(id))[6]).to.equal(1n);
    });

    it("test_approveWithSignatures_revertsForNonOwner", async function () {
      const fx = await load();
      const id = await pendingProposal(fx);
      const approval = await signedApproval(fx, id, testWallets(1, "not-an-owner"));
      await expect(approval.submit())
        .to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid")
        .withArgs(approval.digest);
    });

    it("test_approveWithSignatures_revertsForSignatureOverAnotherProposal", async function () {
      const fx = await load();
      const id = await pendingProposal(fx);
      const other = await pendingProposal(fx);
      const approval = await signedApproval(fx, id, fx.owners.slice(0, 2), { signedId: other });
      await expect(approval.submit()).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
    });

    it("test_approveWithSignatures_revertsWithNoSignature", async function () {
      const fx = await load();
      const id = await pendingProposal(fx);
      const deadline = (await latest(conn)) + 600n;
      await expect(
        fx.wallet.approveWithSignatures(id, freshNonce(), deadline, "0x"),
      ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
    });

    it("test_approveWithSignatures_revertsOnReplayAfterRevocation", async function () {
      const fx = await load();
      const id = await pendingProposal(fx);
      const approval = await signedApproval(fx, id, fx.owners.slice(0, 1));
      await (await approval.submit()).wait();
      await (await fx.wallet.connect(fx.ownerSigners[0]).revokeApproval(id)).wait();
      await expect(approval.submit())
        .to.be.revertedWithCustomError(fx.wallet, "SignatureNonceUsed")
        .withArgs(approval.nonce);
    });

    it("test_approveWithSignatures_revertsWhenNotPending", async function () {
      const fx = await load();
      const id = await pendingProposal(fx);
      await (await fx.wallet.connect(fx.guardian).cancel(id)).wait();
      await expect((await signedApproval(fx, id, fx.owners.slice(0, 2))).submit())
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidState")
        .withArgs(id, ProposalState.Cancelled);
    });

    it("test_approveWithSignatures_revertsOnAnExpiredProposal", async function () {
      const fx = await load();
      const id = await pendingProposal(fx);
      const expiresAt = (await fx.wallet.getProposal(id))[3];
      await networkHelpers.time.increaseTo(expiresAt + 1n);
      const approval = await signedApproval(fx, id, fx.owners.slice(0, 2));
      await expect(approval.submit())
        .to.be.revertedWithCustomError(fx.wallet, "ProposalExpired")
        .withArgs(id, expiresAt);
      // Nothing recorded, the nonce still unused.
      expect(await fx.wallet.hasApproved(id, fx.owners[0].address)).to.equal(false);
      expect(await fx.wallet.isNonceUsed(approval.nonce)).to.equal(false);
    });

    it("test_approveWithSignatures_revertsAfterDeadline", async function () {
      const fx = await load();
      const id = await pendingProposal(fx);
      const approval = await signedApproval(fx, id, fx.owners.slice(0, 2), { validFor: 10n });
      await networkHelpers.time.increase(20);
      await expect(approval.submit())
        .to.be.revertedWithCustomError(fx.wallet, "SignatureExpired")
        .withArgs(approval.deadline);
    });
  });
});
