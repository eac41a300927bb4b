import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, Wallet, concat } from "ethers";
import { ownerOperationDigest } from "../../src/client/signedActions.js";
import {
  NATIVE,
  type PackedUserOp,
  buildUserOp,
  createWallet,
  executeUserOpCallData,
  ownerSignDigest,
  signAgentOp,
  signOwnerOp,
  testWallets,
} from "../helpers/fixtures.js";
import {
  AgentStatus,
  ProposalState,
  REENTRANT_CALL,
  addAgent,
  agentFixture,
  agentOp,
  applyLoosening,
  defaultLimits,
  errorData,
  freshNonce,
  latest,
  ownerOp,
  pay,
  self,
  signCalls,
  signedExec,
  walletFixture,
} from "../helpers/wallet.js";
import type { Conn, WalletFx } from "../helpers/wallet.js";
import { IAgentWallet__factory } from "../../typechain-types/index.js";

const conn: Conn = await network.create();
const { ethers, networkHelpers } = conn;
const load = () => networkHelpers.loadFixture(walletFixture);
const loadAgent = () => networkHelpers.loadFixture(agentFixture);
const walletInterface = IAgentWallet__factory.createInterface();

async function asEntryPoint(fx: WalletFx) {
  const ep = await fx.entryPoint.getAddress();
  await networkHelpers.impersonateAccount(ep);
  await networkHelpers.setBalance(ep, ethers.parseEther("10"));
  return ethers.getSigner(ep);
}

async function receiverFixture(c: Conn) {
  const fx = await walletFixture(c);
  const receiver = await c.ethers.deployContract("ReentrantReceiver");
  return { ...fx, receiver, receiverAddress: await receiver.getAddress() };
}

describe("user operations through the real EntryPoint", function () {
  describe("owner operations", function () {
    it("test_handleOps_ownerOpPaysWithoutOwnerEth", async function () {
      const { ethers: e } = conn;
      const fx = await load();
      // Owners that never held any ETH.
      const owners = testWallets(3, "penniless").sort((a, b) =>
        BigInt(a.address) < BigInt(b.address) ? -1 : 1,
      );
      const { wallet, address } = await createWallet(e, fx.factory, fx.entryPoint, {
        owners,
        threshold: 2,
        salt: ethers.zeroPadValue("0x99", 32),
      });
      const fx2 = { ...fx, wallet, address, owners };
      const op = await ownerOp(fx2, [pay(fx.outsider.address, 777n)], [owners[0], owners[2]]);
      const depositBefore = await fx.entryPoint.balanceOf(address);
      const before = await e.provider.getBalance(fx.outsider.address);
      await expect(fx.entryPoint.connect(fx.bundler).handleOps([op], fx.bundler.address))
        .to.emit(fx.entryPoint, "UserOperationEvent")
        .withArgs(
          await fx.entryPoint.getUserOpHash(op),
          address,
          e.ZeroAddress,
          0n,
          true,
          (v: bigint) => v > 0n,
          (v: bigint) => v > 0n,
        );
      expect(await e.provider.getBalance(fx.outsider.address)).to.equal(before + 777n);
      for (const o of owners) expect(await e.provider.getBalance(o.address)).to.equal(0n);
      // Gas came out of the wallet's deposit.
      expect(await fx.entryPoint.balanceOf(address)).to.be.lessThan(depositBefore);
    });

    it("test_handleOps_ownerOpEmitsApprovedCallsExecuted", async function () {
      const fx = await load();
      const calls = [pay(fx.outsider.address, 5n)];
      const signers = [fx.owners[0], fx.owners[1]];
      const op = await ownerOp(fx, calls, signers);
      await expect(fx.entryPoint.connect(fx.bundler).handleOps([op], fx.bundler.address))
        .to.emit(fx.wallet, "ApprovedCallsExecuted")
        .withArgs(
          signers.map((o) => o.address),
          calls.map((c) => [c.target, c.value, c.data]),
        );
    });

    it("test_handleOps_ownerOpWithFewerThanThresholdFails", async function () {
      const fx = await load();
      const op = await ownerOp(fx, [pay(fx.outsider.address, 1n)], [fx.owners[1]]);
      await expect(fx.entryPoint.handleOps([op], fx.bundler.address))
        .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
        .withArgs(0n, "AA24 signature error");
    });

    it("test_handleOps_ownerOpSignedByAgentKeyFails", async function () {
      const fx = await loadAgent();
      const op = await ownerOp(fx, [pay(fx.outsider.address, 1n)], [fx.owners[0], fx.agentKey]);
      await expect(fx.entryPoint.handleOps([op], fx.bundler.address))
        .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
        .withArgs(0n, "AA24 signature error");
    });

    it("test_handleOps_ownerOpLooseningIsQueued", async function () {
      const fx = await load();
      const op = await ownerOp(fx, [self(fx, "addGuardian", [fx.stranger.address])]);
      await expect(fx.entryPoint.handleOps([op], fx.bundler.address)).to.emit(
        fx.wallet,
        "ProposalQueued",
      );
      expect(await fx.wallet.isGuardian(fx.stranger.address)).to.equal(false);
      const [state, proposer, , , , , approvals] = await fx.wallet.getProposal(1n);
      expect([state, proposer, approvals]).to.deep.equal([ProposalState.Queued, fx.address, 2n]);
    });

    it("test_executeUserOp_ownerOpRecheckSignatures", async function () {
      const fx = await load();
      const op = await ownerOp(fx, [pay(fx.outsider.address, 1n)], [fx.owners[0]]);
      const hash = await fx.entryPoint.getUserOpHash(op);
      const ep = await asEntryPoint(fx);
      await expect(fx.wallet.connect(ep).executeUserOp(op, hash))
        .to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid")
        .withArgs(await fx.wallet.hashOwnerOperation(hash));
    });

    it("test_executeUserOp_revertsOnEmptyBatchOrAnAgentsNonceKey", async function () {
      const fx = await loadAgent();
      const ep = await asEntryPoint(fx);
      const empty = await ownerOp(fx, [], [fx.owners[0], fx.owners[1]]);
      await expect(
        fx.wallet.connect(ep).executeUserOp(empty, await fx.entryPoint.getUserOpHash(empty)),
      )
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidCallCount")
        .withArgs(0n, 32n);
      const emptyBatch = await agentOp(fx, fx.agentKey, []);
      await expect(ep.sendTransaction({ to: fx.address, data: emptyBatch.callData }))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidCallCount")
        .withArgs(0n, 32n);
      // executeUserOp runs the owners' lane only (validation never lets an agent's op reach it): an op on an
      // agent's key, or on a key wider than an address, is refused before anything runs.
      const op = await ownerOp(fx, [pay(fx.recipient.address, 1n)], [fx.owners[0], fx.owners[1]]);
      for (const nonceKey of [
        BigInt(fx.agentKey.address),
        (1n << 160n) | BigInt(fx.agentKey.address),
      ]) {
        const onKey = { ...op, nonce: nonceKey << 64n };
        await expect(
          fx.wallet.connect(ep).executeUserOp(onKey, await fx.entryPoint.getUserOpHash(onKey)),
        )
          .to.be.revertedWithCustomError(fx.wallet, "WalletInvalidNonceKey")
          .withArgs(nonceKey);
      }
      expect(await ethers.provider.getBalance(fx.recipient.address)).to.equal(0n);
    });
  });

  describe("agent operations", function () {
    it("test_handleOps_agentPaysWithinPolicy", async function () {
      const fx = await loadAgent();
      const op = await agentOp(fx, fx.agentKey, [
        pay(fx.recipient.address, ethers.parseEther("0.25")),
      ]);
      const before = await ethers.provider.getBalance(fx.recipient.address);
      const tx = fx.entryPoint.handleOps([op], fx.bundler.address);
      await expect(tx)
        .to.emit(fx.wallet, "AgentCallExecuted")
        .withArgs(fx.agentKey.address, fx.recipient.address, NATIVE, ethers.parseEther("0.25"));
      await expect(tx)
        .to.emit(fx.entryPoint, "UserOperationEvent")
        .withArgs(
          await fx.entryPoint.getUserOpHash(op),
          fx.address,
          ethers.ZeroAddress,
          op.nonce,
          true,
          (v: bigint) => v > 0n,
          (v: bigint) => v > 0n,
        );
      expect(await ethers.provider.getBalance(fx.recipient.address)).to.equal(
        before + ethers.parseEther("0.25"),
      );
      expect((await fx.wallet.spent(fx.agentKey.address, NATIVE))[0]).to.equal(
        ethers.parseEther("0.25"),
      );
    });

    it("test_handleOps_agentPolicyViolationRevertsInsideOp", async function () {
      const fx = await loadAgent();
      const op = await agentOp(fx, fx.agentKey, [pay(fx.outsider.address, 1n)]);
      await expect(fx.entryPoint.handleOps([op], fx.bundler.address))
        .to.emit(fx.entryPoint, "UserOperationRevertReason")
        .withArgs(
          await fx.entryPoint.getUserOpHash(op),
          fx.address,
          op.nonce,
          errorData("PolicyRecipientNotAllowed(address,address)", [
            fx.agentKey.address,
            fx.outsider.address,
          ]),
        );
    });

    it("test_handleOps_agentOneCallAndBatchEntryPointsPayAlike", async function () {
      // One call goes through executeAgentCall, a batch through executeAgentCalls; a batch of one through the
      // batch entry point pays and counts like the one-call form.
      const fx = await loadAgent();
      const batchOfOne = walletInterface.encodeFunctionData("executeAgentCalls", [
        fx.agentKey.address,
        [pay(fx.recipient.address, 2n)],
      ]);
      const forms: [string, (op: PackedUserOp) => string, bigint, bigint][] = [
        ["executeAgentCall", (op) => op.callData, 1n, 1n],
        ["executeAgentCalls, one call", () => batchOfOne, 2n, 2n],
      ];
      let total = 0n;
      for (const [name, callData, value, counted] of forms) {
        const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, value)]);
        const signed = await signAgentOp(
          fx.entryPoint,
          { ...op, callData: callData(op) },
          fx.agentKey,
        );
        await expect(fx.entryPoint.handleOps([signed], fx.bundler.address), name)
          .to.emit(fx.wallet, "AgentCallExecuted")
          .withArgs(fx.agentKey.address, fx.recipient.address, NATIVE, value);
        total += counted;
        expect((await fx.wallet.spent(fx.agentKey.address, NATIVE))[0], name).to.equal(total);
      }
      const batch = await agentOp(fx, fx.agentKey, [
        pay(fx.recipient.address, 3n),
        pay(fx.recipient.address, 4n),
      ]);
      expect(batch.callData.slice(0, 10)).to.equal(
        walletInterface.getFunction("executeAgentCalls")!.selector,
      );
      await (await fx.entryPoint.handleOps([batch], fx.bundler.address)).wait();
      expect((await fx.wallet.spent(fx.agentKey.address, NATIVE))[0]).to.equal(total + 7n);
    });

    it("test_validateUserOp_agentOpMustCallItsEntryPointWithItsOwnKey", async function () {
      // Execution trusts the key named in the callData: validation must refuse every op whose callData names
      // another key, uses the owners' entry point, or is too short to name one, even though the agent signed it.
      const fx = await loadAgent();
      const key = fx.agentKey.address;
      const stranger = Wallet.createRandom().address;
      const call = pay(fx.recipient.address, 1n);
      const word = (v: bigint) => ethers.toBeHex(v, 32);
      const oneCall = walletInterface.getFunction("executeAgentCall")!.selector;
      const forged: [string, string][] = [
        [
          "another key",
          walletInterface.encodeFunctionData("executeAgentCall", [stranger, call.target, 1n, "0x"]),
        ],
        [
          "another key, batch",
          walletInterface.encodeFunctionData("executeAgentCalls", [stranger, [call, call]]),
        ],
        // The key's word with a bit set above the address: not the nonce key (which is exactly the address).
        [
          "dirty key word",
          concat([
            oneCall,
            word(BigInt(key) | (1n << 200n)),
            ethers.dataSlice(
              walletInterface.encodeFunctionData("executeAgentCall", [key, call.target, 1n, "0x"]),
              36,
            ),
          ]),
        ],
        ["owners' entry point", executeUserOpCallData([call])],
        ["selector only", oneCall],
        ["a 35-byte key word", concat([oneCall, ethers.dataSlice(word(BigInt(key)), 0, 31)])],
        ["another function", walletInterface.encodeFunctionData("execute", [1n])],
      ];
      for (const [name, callData] of forged) {
        const op = await agentOp(fx, fx.agentKey, [call]);
        const signed = await signAgentOp(fx.entryPoint, { ...op, callData }, fx.agentKey);
        await expect(fx.entryPoint.handleOps([signed], fx.bundler.address), name)
          .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
          .withArgs(0n, "AA24 signature error");
      }
      // A nonce key wider than an address whose low 160 bits are the agent's key, with callData naming that same
      // wide word: no agent's lane (it would be a second one for the key), refused even though the key signed.
      const wide = (1n << 160n) | BigInt(key);
      const op = await agentOp(fx, fx.agentKey, [call]);
      const wideOp = {
        ...op,
        nonce: await fx.entryPoint.getNonce(fx.address, wide),
        callData: concat([
          oneCall,
          word(wide),
          ethers.dataSlice(
            walletInterface.encodeFunctionData("executeAgentCall", [key, call.target, 1n, "0x"]),
            36,
          ),
        ]),
      };
      await expect(
        fx.entryPoint.handleOps(
          [await signAgentOp(fx.entryPoint, wideOp, fx.agentKey)],
          fx.bundler.address,
        ),
      )
        .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
        .withArgs(0n, "AA24 signature error");
      // The owners' lane can't reach an agent's entry point either, whoever signs.
      const asOwners = await ownerOp(fx, [call], [fx.owners[0], fx.owners[1]]);
      const viaAgentEntry = {
        ...asOwners,
        callData: walletInterface.encodeFunctionData("executeAgentCall", [
          key,
          call.target,
          1n,
          "0x",
        ]),
      };
      for (const signed of [
        await signOwnerOp(fx.entryPoint, viaAgentEntry, [fx.owners[0], fx.owners[1]]),
        await signAgentOp(fx.entryPoint, viaAgentEntry, fx.agentKey),
      ]) {
        await expect(fx.entryPoint.handleOps([signed], fx.bundler.address))
          .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
          .withArgs(0n, "AA24 signature error");
      }
      expect(await ethers.provider.getBalance(fx.recipient.address)).to.equal(0n);
      expect((await fx.wallet.spent(key, NATIVE))[0]).to.equal(0n);
    });

    it("test_handleOps_agentNonceKeysAreIndependent", async function () {
      const fx = await loadAgent();
      const ownerNonce = await fx.entryPoint.getNonce(fx.address, 0n);
      const op1 = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)]);
      await (await fx.entryPoint.handleOps([op1], fx.bundler.address)).wait();
      expect(await fx.entryPoint.getNonce(fx.address, BigInt(fx.agentKey.address))).to.equal(
        op1.nonce + 1n,
      );
      expect(await fx.entryPoint.getNonce(fx.address, 0n)).to.equal(ownerNonce);
    });
  });

  describe("replay", function () {
    it("test_handleOps_sameAgentOpTwiceFailsAA25", async function () {
      const fx = await loadAgent();
      const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1000n)]);
      await (await fx.entryPoint.handleOps([op], fx.bundler.address)).wait();
      const before = await ethers.provider.getBalance(fx.recipient.address);
      await expect(fx.entryPoint.handleOps([op], fx.bundler.address))
        .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
        .withArgs(0n, "AA25 invalid account nonce");
      expect(await ethers.provider.getBalance(fx.recipient.address)).to.equal(before);
    });

    it("test_handleOps_sameOpTwiceInOneBundleFailsAA25", async function () {
      const fx = await loadAgent();
      const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1000n)]);
      await expect(fx.entryPoint.handleOps([op, op], fx.bundler.address))
        .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
        .withArgs(1n, "AA25 invalid account nonce");
    });

    it("test_handleOps_sameOwnerOpTwiceFailsAA25", async function () {
      const fx = await load();
      const op = await ownerOp(fx, [pay(fx.outsider.address, 1n)]);
      await (await fx.entryPoint.handleOps([op], fx.bundler.address)).wait();
      await expect(fx.entryPoint.handleOps([op], fx.bundler.address))
        .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
        .withArgs(0n, "AA25 invalid account nonce");
    });

    it("test_handleOps_ownerOpReplayedOnTwinWalletFails", async function () {
      const fx = await load();
      const { wallet: twin, address: twinAddress } = await createWallet(
        ethers,
        fx.factory,
        fx.entryPoint,
        {
          owners: fx.owners,
          threshold: 2,
          guardians: [fx.guardian.address],
          salt: ethers.zeroPadValue("0x98", 32),
        },
      );
      expect(await twin.threshold()).to.equal(2n);
      const op = await ownerOp(fx, [pay(fx.outsider.address, 1n)]);
      // Same signature, other sender: the userOpHash differs, the signatures don't match it.
      await expect(fx.entryPoint.handleOps([{ ...op, sender: twinAddress }], fx.bundler.address))
        .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
        .withArgs(0n, "AA24 signature error");
    });
  });

  describe("same bundle: owners tighten, then the agent", function () {
    it("test_executeUserOp_agentOpAfterOwnerSuspendInSameBundleReverts", async function () {
      const fx = await loadAgent();
      const agentOpSigned = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1000n)]);
      const suspend = await ownerOp(fx, [self(fx, "suspendAgent", [fx.agentKey.address])]);
      const before = await ethers.provider.getBalance(fx.recipient.address);
      // Both validate first, then execute in order: the agent's op is re-checked at execution.
      await expect(fx.entryPoint.handleOps([suspend, agentOpSigned], fx.bundler.address))
        .to.emit(fx.entryPoint, "UserOperationRevertReason")
        .withArgs(
          await fx.entryPoint.getUserOpHash(agentOpSigned),
          fx.address,
          agentOpSigned.nonce,
          errorData("AgentInvalidStatus(address,uint8)", [
            fx.agentKey.address,
            AgentStatus.Suspended,
          ]),
        );
      expect(await ethers.provider.getBalance(fx.recipient.address)).to.equal(before);
    });

    it("test_executeUserOp_agentOpAfterOwnerPauseInSameBundleReverts", async function () {
      const fx = await loadAgent();
      const agentOpSigned = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1000n)]);
      const pause = await ownerOp(fx, [self(fx, "pause", [])]);
      await expect(fx.entryPoint.handleOps([pause, agentOpSigned], fx.bundler.address))
        .to.emit(fx.entryPoint, "UserOperationRevertReason")
        .withArgs(
          await fx.entryPoint.getUserOpHash(agentOpSigned),
          fx.address,
          agentOpSigned.nonce,
          errorData("WalletPaused()"),
        );
      expect(await fx.wallet.paused()).to.equal(true);
    });
  });

  describe("reentrancy", function () {
    it("test_executeWithSignatures_paymentReceiverCannotReenterExecute", async function () {
      const fx = await networkHelpers.loadFixture(receiverFixture);
      // A queued tightening proposal the receiver would like to trigger mid-payment.
      const expiresAt = (await latest(conn)) + 86400n;
      await (
        await fx.wallet.connect(fx.ownerSigners[0]).propose([self(fx, "pause", [])], expiresAt)
      ).wait();
      await (await fx.wallet.connect(fx.ownerSigners[1]).approve(1n)).wait();
      await (
        await fx.receiver.setCallback(
          fx.address,
          fx.wallet.interface.encodeFunctionData("execute", [1n]),
          true,
        )
      ).wait();
      await expect(signedExec(conn, fx, [pay(fx.receiverAddress, 100n)]))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, REENTRANT_CALL);
      expect((await fx.wallet.getProposal(1n))[0]).to.equal(ProposalState.Queued);
    });

    it("test_execute_paymentReceiverCannotReenterExecuteWithSignatures", async function () {
      const fx = await networkHelpers.loadFixture(receiverFixture);
      // The receiver holds a fully valid signed batch (paying itself again) and replays it mid-payment.
      const inner = [pay(fx.receiverAddress, 50n)];
      const nonce = freshNonce();
      const deadline = (await latest(conn)) + 86400n;
      const sigs = await signCalls(fx.wallet, inner, fx.owners, nonce, deadline);
      const reenter = fx.wallet.interface.encodeFunctionData("executeWithSignatures", [
        inner,
        nonce,
        deadline,
        sigs,
      ]);
      await (await fx.receiver.setCallback(fx.address, reenter, true)).wait();
      const expiresAt = (await latest(conn)) + 86400n;
      await (
        await fx.wallet
          .connect(fx.ownerSigners[0])
          .propose([pay(fx.receiverAddress, 100n)], expiresAt)
      ).wait();
      await (await fx.wallet.connect(fx.ownerSigners[1]).approve(1n)).wait();
      await expect(fx.wallet.execute(1n))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, REENTRANT_CALL);
      expect(await fx.wallet.isNonceUsed(nonce)).to.equal(false);
      // Outside of a payment the same signed batch works: only re-entry was refused.
      await (await fx.receiver.setCallback(ethers.ZeroAddress, "0x", false)).wait();
      await (await fx.wallet.executeWithSignatures(inner, nonce, deadline, sigs)).wait();
      expect(await fx.receiver.received()).to.equal(50n);
    });

    it("test_executeWithSignatures_paymentReceiverCannotReenterItself", async function () {
      const fx = await networkHelpers.loadFixture(receiverFixture);
      const inner = [pay(fx.receiverAddress, 1n)];
      const innerNonce = freshNonce();
      const deadline = (await latest(conn)) + 86400n;
      const innerSigs = await signCalls(fx.wallet, inner, fx.owners, innerNonce, deadline);
      const reenter = fx.wallet.interface.encodeFunctionData("executeWithSignatures", [
        inner,
        innerNonce,
        deadline,
        innerSigs,
      ]);
      await (await fx.receiver.setCallback(fx.address, reenter, true)).wait();
      await expect(signedExec(conn, fx, [pay(fx.receiverAddress, 100n)]))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, REENTRANT_CALL);
    });

    it("test_executeUserOp_paymentReceiverCannotCallExecuteUserOp", async function () {
      const fx = await networkHelpers.loadFixture(receiverFixture);
      const op = await ownerOp(fx, [pay(fx.outsider.address, 1n)]);
      const hash = await fx.entryPoint.getUserOpHash(op);
      const reenter = fx.wallet.interface.encodeFunctionData("executeUserOp", [op, hash]);
      await (await fx.receiver.setCallback(fx.address, reenter, true)).wait();
      await expect(signedExec(conn, fx, [pay(fx.receiverAddress, 100n)]))
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("WalletOnlyEntryPoint(address)", [fx.receiverAddress]));
    });

    it("test_handleOps_ownerOpPaymentReceiverOnlyGetsPermissionlessExecute", async function () {
      const fx = await networkHelpers.loadFixture(receiverFixture);
      const expiresAt = (await latest(conn)) + 86400n;
      await (
        await fx.wallet.connect(fx.ownerSigners[0]).propose([self(fx, "pause", [])], expiresAt)
      ).wait();
      await (await fx.wallet.connect(fx.ownerSigners[1]).approve(1n)).wait();
      await (
        await fx.receiver.setCallback(
          fx.address,
          fx.wallet.interface.encodeFunctionData("execute", [1n]),
          true,
        )
      ).wait();
      // Owner operations aren't under the guard (so owners without ETH can run `execute(id)`): a receiver
      // re-entering `execute` can only run a proposal that is already approved and due, which anyone may
      // run anyway. Re-entering the running batch itself is impossible: `executeUserOp` is EntryPoint-only.
      const op = await ownerOp(fx, [pay(fx.receiverAddress, 100n)]);
      await expect(fx.entryPoint.handleOps([op], fx.bundler.address))
        .to.emit(fx.wallet, "ProposalExecuted")
        .withArgs(1n, fx.receiverAddress);
      expect(await fx.wallet.paused()).to.equal(true);
      expect(await fx.receiver.received()).to.equal(100n);
    });

    it("test_handleOps_agentPaymentReceiverCannotReenter", async function () {
      const fx = await networkHelpers.loadFixture(receiverFixture);
      const key = testWallets(1, "reentrancy-agent")[0];
      const rules = {
        maxOpCost: ethers.parseEther("0.1"),
        maxOpsPerHour: 0,
        maxOpsPerDay: 0,
        minSecondsBetweenOps: 0,
        allowedHours: 0xffffff,
        allowedDays: 0x7f,
        gasPerDay: ethers.parseEther("1"),
      };
      await applyLoosening(conn, fx, [
        self(fx, "addAgent", [key.address, 0, 0, rules]),
        self(fx, "setAssetLimits", [key.address, NATIVE, defaultLimits(ethers)]),
        self(fx, "allowRecipient", [key.address, fx.receiverAddress]),
      ]);
      const expiresAt = (await latest(conn)) + 86400n;
      await (
        await fx.wallet
          .connect(fx.ownerSigners[0])
          .propose([pay(fx.receiverAddress, 1n)], expiresAt)
      ).wait();
      await (await fx.wallet.connect(fx.ownerSigners[1]).approve(2n)).wait();
      await (
        await fx.receiver.setCallback(
          fx.address,
          fx.wallet.interface.encodeFunctionData("execute", [2n]),
          true,
        )
      ).wait();
      const op = await agentOp(fx, key, [pay(fx.receiverAddress, 100n)]);
      const reason = concat([
        fx.wallet.interface.getError("WalletCallFailed")!.selector,
        AbiCoder.defaultAbiCoder().encode(["uint256", "bytes"], [0n, REENTRANT_CALL]),
      ]);
      await expect(fx.entryPoint.handleOps([op], fx.bundler.address))
        .to.emit(fx.entryPoint, "UserOperationRevertReason")
        .withArgs(await fx.entryPoint.getUserOpHash(op), fx.address, op.nonce, reason);
      expect((await fx.wallet.getProposal(2n))[0]).to.equal(ProposalState.Queued);
      expect((await fx.wallet.spent(key.address, NATIVE))[0]).to.equal(0n);
    });
  });

  describe("EntryPoint deposit", function () {
    it("test_withdrawDepositTo_byOwnersAtOnce", async function () {
      const fx = await load();
      expect(await fx.wallet.getDeposit()).to.equal(ethers.parseEther("1"));
      const before = await ethers.provider.getBalance(fx.outsider.address);
      await (
        await signedExec(conn, fx, [
          self(fx, "withdrawDepositTo", [fx.outsider.address, ethers.parseEther("0.4")]),
        ])
      ).wait();
      expect(await fx.wallet.getDeposit()).to.equal(ethers.parseEther("0.6"));
      expect(await ethers.provider.getBalance(fx.outsider.address)).to.equal(
        before + ethers.parseEther("0.4"),
      );
    });

    it("test_withdrawDepositTo_revertsWhenCalledDirectly", async function () {
      const fx = await load();
      await expect(
        fx.wallet.connect(fx.ownerSigners[0]).withdrawDepositTo(fx.owners[0].address, 1n),
      )
        .to.be.revertedWithCustomError(fx.wallet, "WalletOnlySelf")
        .withArgs(fx.owners[0].address);
    });

    it("test_receive_emitsReceived", async function () {
      const fx = await load();
      await expect(fx.stranger.sendTransaction({ to: fx.address, value: 5n }))
        .to.emit(fx.wallet, "Received")
        .withArgs(fx.stranger.address, 5n);
    });
  });

  describe("escalated payments", function () {
    async function escalationFixture(c: Conn) {
      const fx = await walletFixture(c);
      // Proposal 1 is the owners' batch adding the agent; the escalation is proposal 2.
      await addAgent(c, fx, fx.agentKey, {
        limits: { ...defaultLimits(c.ethers), approvalAbove: c.ethers.parseEther("0.5") },
      });
      return fx;
    }

    it("test_execute_escalatedAgentPaymentAfterOwnerApproval", async function () {
      const fx = await networkHelpers.loadFixture(escalationFixture);
      const amount = ethers.parseEther("0.8");
      const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, amount)]);
      const before = await ethers.provider.getBalance(fx.recipient.address);
      await expect(fx.entryPoint.handleOps([op], fx.bundler.address))
        .to.emit(fx.wallet, "ApprovalRequested")
        .withArgs(2n, fx.agentKey.address, NATIVE, amount, fx.recipient.address);
      expect(await ethers.provider.getBalance(fx.recipient.address)).to.equal(before);
      const [state, proposer, escalatedBy, , , delay, approvals] = await fx.wallet.getProposal(2n);
      expect([state, proposer, escalatedBy, delay, approvals]).to.deep.equal([
        ProposalState.Pending,
        fx.agentKey.address,
        fx.agentKey.address,
        0n,
        0n,
      ]);
      await (await fx.wallet.connect(fx.ownerSigners[0]).approve(2n)).wait();
      await (await fx.wallet.connect(fx.ownerSigners[1]).approve(2n)).wait();
      await expect(fx.wallet.execute(2n))
        .to.emit(fx.wallet, "AgentCallExecuted")
        .withArgs(fx.agentKey.address, fx.recipient.address, NATIVE, amount);
      expect(await ethers.provider.getBalance(fx.recipient.address)).to.equal(before + amount);
      expect((await fx.wallet.spent(fx.agentKey.address, NATIVE))[0]).to.equal(amount);
    });

    it("test_handleOps_oneOpenEscalationPerAgent", async function () {
      const fx = await networkHelpers.loadFixture(escalationFixture);
      const big = ethers.parseEther("0.8");
      const escalate = async () => {
        const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, big)]);
        return { op, tx: fx.entryPoint.handleOps([op], fx.bundler.address) };
      };
      await (await (await escalate()).tx).wait();
      // Pending (2) and then queued (2): a second escalation is refused with the open one's id.
      const pendingError = errorData("PolicyEscalationPending(address,uint256)", [
        fx.agentKey.address,
        2n,
      ]);
      for (const step of ["pending", "queued"]) {
        if (step === "queued") {
          await (await fx.wallet.connect(fx.ownerSigners[0]).approve(2n)).wait();
          await (await fx.wallet.connect(fx.ownerSigners[1]).approve(2n)).wait();
          expect((await fx.wallet.getProposal(2n))[0]).to.equal(ProposalState.Queued);
        }
        const { op, tx } = await escalate();
        await expect(tx)
          .to.emit(fx.entryPoint, "UserOperationRevertReason")
          .withArgs(await fx.entryPoint.getUserOpHash(op), fx.address, op.nonce, pendingError);
      }
      // Once the open one is cancelled, the agent may escalate again.
      await (await fx.wallet.connect(fx.guardian).cancel(2n)).wait();
      await expect((await escalate()).tx)
        .to.emit(fx.wallet, "ApprovalRequested")
        .withArgs(3n, fx.agentKey.address, NATIVE, big, fx.recipient.address);
      // A pending escalation past its expiry (7 days) no longer blocks either.
      await networkHelpers.time.increase(7n * 86400n + 1n);
      await expect((await escalate()).tx).to.emit(fx.wallet, "ApprovalRequested");
    });

    it("test_execute_escalatedPaymentRefusedWhilePausedOrAgentSuspended", async function () {
      const fx = await networkHelpers.loadFixture(escalationFixture);
      const op = await agentOp(fx, fx.agentKey, [
        pay(fx.recipient.address, ethers.parseEther("0.8")),
      ]);
      await (await fx.entryPoint.handleOps([op], fx.bundler.address)).wait();
      await (await fx.wallet.connect(fx.ownerSigners[0]).approve(2n)).wait();
      await (await fx.wallet.connect(fx.ownerSigners[1]).approve(2n)).wait();
      await (await fx.wallet.connect(fx.guardian).pause()).wait();
      await expect(fx.wallet.execute(2n)).to.be.revertedWithCustomError(fx.wallet, "WalletPaused");
      await networkHelpers.time.increase(3600);
      // Unpausing is a loosening: queued for the admin delay.
      await applyLoosening(conn, fx, [self(fx, "unpause", [])]);
      await (await fx.wallet.connect(fx.guardian).suspendAgent(fx.agentKey.address)).wait();
      await expect(fx.wallet.execute(2n))
        .to.be.revertedWithCustomError(fx.wallet, "AgentInvalidStatus")
        .withArgs(fx.agentKey.address, AgentStatus.Suspended);
    });
  });

  it("test_handleOps_roundTripMatchesSignOwnerOpHelper", async function () {
    // The packed owner signature over the userOpHash in the signature epoch (EIP-712 `OwnerOperation`, as the
    // SDK computes it) is exactly what the fixtures produce.
    const fx = await load();
    const op = await buildUserOp(fx.entryPoint, fx.address, 0n, [pay(fx.outsider.address, 1n)], {
      verification: 600_000n,
    });
    const signed = await signOwnerOp(fx.entryPoint, op, fx.owners.slice(0, 2));
    const hash = await fx.entryPoint.getUserOpHash(op);
    const { chainId } = await ethers.provider.getNetwork();
    const digest = ownerOperationDigest(
      fx.address,
      chainId,
      hash,
      await fx.wallet.signatureEpoch(),
    );
    expect(await fx.wallet.hashOwnerOperation(hash)).to.equal(digest);
    expect(signed.signature).to.equal(ownerSignDigest(fx.owners.slice(0, 2), digest));
    await (await fx.entryPoint.handleOps([signed], fx.bundler.address)).wait();
    expect(await fx.entryPoint.getNonce(fx.address, 0n)).to.equal(1n);
  });
});
