/**
 * Passkey owners (issue 15): a WebAuthn P-256 key as one owner of a Leash wallet through PasskeyOwner
 * (ERC-1271 over OpenZeppelin's WebAuthn.verify), created by PasskeyOwnerFactory. Real P-256 keys and real
 * assertion structures (test/helpers/passkey.ts); attacker cases first.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, concat, getBytes, hexlify, keccak256, toBeHex, zeroPadValue } from "ethers";
import {
  P256_N,
  addPasskeyOwnerCalls,
  approvalDigest,
  approvalNonce,
  decodeWebAuthnAuth,
  encodePasskeySignature,
  encodeWebAuthnAuth,
  passkeyOwnerAddress,
  passkeyOwnerImplementation,
  signApprovalWithPasskey,
  OwnerClient,
} from "../../src/client/index.js";
import { buildUserOp, packOwnerSignatures, signDigest } from "../helpers/fixtures.js";
import { type StructLog, checkValidationTrace } from "../audit/lib/erc7562.js";
import {
  ADMIN_DELAY,
  ERC1271_INVALID,
  ERC1271_MAGIC,
  ProposalState,
  addAgent,
  agentOp,
  defaultLimits,
  latest,
  pay,
  self,
  signedExec,
  walletFixture,
} from "../helpers/wallet.js";
import type { Conn, WalletFx } from "../helpers/wallet.js";
import {
  FLAG_BE,
  FLAG_BS,
  FLAG_UP,
  FLAG_UV,
  SoftPasskey,
  encodeUnchecked,
} from "../helpers/passkey.js";

const conn: Conn = await network.create();
const { ethers, networkHelpers } = conn;

const passkey = new SoftPasskey();
const otherPasskey = new SoftPasskey();
const ESCALATED = ethers.parseEther("0.8");

/** A 2-of-3 wallet, an agent whose payments above 0.5 ETH need the owners, and a PasskeyOwnerFactory. */
async function baseFixture() {
  const fx = await walletFixture(conn);
  await addAgent(conn, fx, fx.agentKey, {
    limits: { ...defaultLimits(ethers), approvalAbove: ethers.parseEther("0.5") },
  });
  const factory = await ethers.deployContract("PasskeyOwnerFactory");
  return { fx, factory, factoryAddress: await factory.getAddress() };
}

/** The owners add the passkey through the timelocked proposal flow (propose, approve, wait, execute). */
async function addThroughProposal(
  fx: WalletFx,
  factoryAddress: string,
  key = passkey.key,
): Promise<{ owner: string; id: bigint; eta: bigint; queuedAt: bigint }> {
  const calls = addPasskeyOwnerCalls(fx.address, key, factoryAddress);
  const expiresAt = (await latest(conn)) + 7n * 86_400n;
  await (await fx.wallet.connect(fx.ownerSigners[0]).propose(calls, expiresAt)).wait();
  const id = await fx.wallet.proposalCount();
  await (await fx.wallet.connect(fx.ownerSigners[1]).approve(id)).wait();
  const queuedAt = await latest(conn);
  const [state, , , , eta] = await fx.wallet.getProposal(id);
  expect(state).to.equal(ProposalState.Queued);
  return { owner: passkeyOwnerAddress(key, factoryAddress), id, eta, queuedAt };
}

async function passkeyFixture() {
  const base = await baseFixture();
  const added = await addThroughProposal(base.fx, base.factoryAddress);
  await networkHelpers.time.increaseTo(added.eta);
  await (await base.fx.wallet.execute(added.id)).wait();
  return { ...base, passkeyOwner: added.owner };
}

const loadBase = () => networkHelpers.loadFixture(baseFixture);
const loadPasskey = () => networkHelpers.loadFixture(passkeyFixture);

/** The agent asks for a payment above approvalAbove: the wallet opens an escalation proposal. */
async function escalate(fx: WalletFx): Promise<bigint> {
  const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, ESCALATED)]);
  await (await fx.entryPoint.handleOps([op], fx.bundler.address)).wait();
  const id = await fx.wallet.proposalCount();
  const [state, , escalatedBy] = await fx.wallet.getProposal(id);
  expect([state, escalatedBy]).to.deep.equal([ProposalState.Pending, fx.agentKey.address]);
  return id;
}

/** The approval digest, nonce and deadline the wallet expects for proposal `id`. */
async function approvalParams(fx: WalletFx, id: bigint) {
  const [, , , expiresAt] = await fx.wallet.getProposal(id);
  const nonce = approvalNonce(fx.address, id);
  const digest = await fx.wallet.hashProposalApproval(id, nonce, expiresAt);
  return { nonce, deadline: expiresAt, digest };
}

let nonceCounter = 1n << 200n;
/** The passkey's approval of `id` under a fresh nonce (not the relayer's derived one), packed. */
async function freshApproval(fx: WalletFx, id: bigint, owner: string) {
  const [, , , deadline] = await fx.wallet.getProposal(id);
  const nonce = ++nonceCounter;
  const digest = await fx.wallet.hashProposalApproval(id, nonce, deadline);
  const packed = packOwnerSignatures([{ signer: owner, signature: passkeySignature(digest) }]);
  return { nonce, deadline, digest, packed };
}

function passkeySignature(digest: string, signer = passkey, options = {}) {
  return encodePasskeySignature(signer.assert(digest, options), digest);
}

describe("Passkey owners (PasskeyOwner, PasskeyOwnerFactory, src/client/passkey.ts)", function () {
  this.timeout(120_000);

  describe("PasskeyOwner.isValidSignature: an attacker's signatures are refused", function () {
    async function ownerContract() {
      const { factory, factoryAddress } = await loadBase();
      await (await factory.createPasskeyOwner(passkey.key.x, passkey.key.y)).wait();
      const address = passkeyOwnerAddress(passkey.key, factoryAddress);
      return ethers.getContractAt("PasskeyOwner", address);
    }
    const digest = keccak256("0x1234");

    it("test_passkeyOwner_acceptsItsKeysAssertionOverTheHash (the control case)", async function () {
      const owner = await ownerContract();
      expect(await owner.isValidSignature(digest, passkeySignature(digest))).to.equal(
        ERC1271_MAGIC,
      );
    });

    it("test_passkeyOwner_refusesAnAssertionOverAnotherHash", async function () {
      const owner = await ownerContract();
      const other = keccak256("0x5678");
      expect(await owner.isValidSignature(digest, passkeySignature(other))).to.equal(
        ERC1271_INVALID,
      );
    });

    it("test_passkeyOwner_refusesAnotherKeysAssertion", async function () {
      const owner = await ownerContract();
      // Well-formed, challenge right, but signed by another passkey.
      const forged = encodePasskeySignature(
        passkey.assert(digest, { signWith: otherPasskey.privateKey }),
        digest,
      );
      expect(await owner.isValidSignature(digest, forged)).to.equal(ERC1271_INVALID);
      expect(await owner.isValidSignature(digest, passkeySignature(digest, otherPasskey))).to.equal(
        ERC1271_INVALID,
      );
    });

    it("test_passkeyOwner_refusesTheHighSTwinOfAValidSignature", async function () {
      const owner = await ownerContract();
      const auth = decodeWebAuthnAuth(passkeySignature(digest));
      // The SDK normalised s; its twin n - s verifies in plain ECDSA but is refused (malleability).
      expect(auth.s <= P256_N / 2n).to.equal(true);
      const twin = encodeWebAuthnAuth({ ...auth, s: P256_N - auth.s });
      expect(await owner.isValidSignature(digest, twin)).to.equal(ERC1271_INVALID);
      expect(await owner.isValidSignature(digest, encodeWebAuthnAuth(auth))).to.equal(
        ERC1271_MAGIC,
      );
    });

    it("test_passkeyOwner_refusesClearedUserPresenceOrUserVerification", async function () {
      const owner = await ownerContract();
      for (const flags of [FLAG_UV, FLAG_UP, 0]) {
        const assertion = passkey.assert(digest, { flags });
        // The SDK refuses to encode these; an attacker encodes them by hand.
        expect(() => encodePasskeySignature(assertion, digest)).to.throw(/flag is not set/);
        const auth = encodeUnchecked(assertion);
        expect(await owner.isValidSignature(digest, auth), `flags ${flags}`).to.equal(
          ERC1271_INVALID,
        );
      }
      // Backup state without backup eligibility is inconsistent: refused too; with it, accepted.
      const bsOnly = encodeUnchecked(
        passkey.assert(digest, { flags: FLAG_UP | FLAG_UV | FLAG_BS }),
      );
      expect(await owner.isValidSignature(digest, bsOnly)).to.equal(ERC1271_INVALID);
      const synced = encodeUnchecked(
        passkey.assert(digest, { flags: FLAG_UP | FLAG_UV | FLAG_BE | FLAG_BS }),
      );
      expect(await owner.isValidSignature(digest, synced)).to.equal(ERC1271_MAGIC);
    });

    it("test_passkeyOwner_refusesARegistrationCeremonyAndAMovedChallenge", async function () {
      const owner = await ownerContract();
      const create = encodeUnchecked(passkey.assert(digest, { type: "webauthn.create" }));
      expect(await owner.isValidSignature(digest, create)).to.equal(ERC1271_INVALID);
      // A typeIndex or challengeIndex pointing elsewhere in the client data.
      const auth = decodeWebAuthnAuth(passkeySignature(digest));
      for (const moved of [
        { ...auth, typeIndex: auth.typeIndex + 1 },
        { ...auth, challengeIndex: auth.challengeIndex + 1 },
        { ...auth, challengeIndex: 2 ** 40 },
      ])
        expect(await owner.isValidSignature(digest, encodeWebAuthnAuth(moved))).to.equal(
          ERC1271_INVALID,
        );
    });

    it("test_passkeyOwner_malformedBytesReturnInvalidNeverRevert", async function () {
      const owner = await ownerContract();
      const good = passkeySignature(digest);
      const coder = AbiCoder.defaultAbiCoder();
      const huge = zeroPadValue(toBeHex((1n << 256n) - 1n), 32);
      const head = getBytes(good).slice(0, 0xc0);
      const blobs: [string, string][] = [
        ["empty", "0x"],
        ["65-byte ECDSA-shaped", hexlify(new Uint8Array(65).fill(0x11))],
        ["header only", hexlify(head)],
        // 40 bytes: past the ABI padding (at most 31), into the client data itself.
        ["truncated into the client data", good.slice(0, -80)],
        ["tuple-wrapped (abi.encode of the struct)", coder.encode(["bytes"], [good])],
        [
          "authenticatorData offset past the end",
          concat([head.slice(0, 0x80), huge, head.slice(0xa0)]),
        ],
        ["clientDataJSON offset past the end", concat([head.slice(0, 0xa0), huge])],
        ["authenticatorData length past the end", concat([head, huge, getBytes(good).slice(0xe0)])],
        ["300 bytes of 0x07", hexlify(new Uint8Array(300).fill(7))],
      ];
      for (const [label, blob] of blobs) {
        expect(await owner.isValidSignature(digest, blob), label).to.equal(ERC1271_INVALID);
      }
    });

    it("test_passkeyOwner_keyLivesInCodeNotStorage", async function () {
      const owner = await ownerContract();
      expect(await owner.publicKey()).to.deep.equal([passkey.key.x, passkey.key.y]);
      expect(await owner.requiresUserVerification()).to.equal(true);
      const address = await owner.getAddress();
      for (const slot of [0n, 1n, 2n])
        expect(await ethers.provider.getStorage(address, slot)).to.equal(zeroPadValue("0x", 32));
      const code = await ethers.provider.getCode(address);
      expect(code.toLowerCase()).to.include(passkey.key.x.slice(2).toLowerCase());
      expect(code.toLowerCase()).to.include(passkey.key.y.slice(2).toLowerCase());
    });
  });

  describe("PasskeyOwnerFactory", function () {
    it("test_factory_passkeyOwnersAreClonesOfOneImplementation_cheapToCreate", async function () {
      const { factory, factoryAddress } = await loadBase();
      const implementation: string = await factory.implementation();
      expect(implementation).to.equal(passkeyOwnerImplementation(factoryAddress));
      const receipt = await (await factory.createPasskeyOwner(passkey.key.x, passkey.key.y)).wait();
      // A 109-byte clone, not a 5 KB contract: adding a passkey owner stays cheap on every chain.
      expect(receipt!.gasUsed < 150_000n, `${receipt!.gasUsed} gas`).to.equal(true);
      const code = await ethers.provider.getCode(passkeyOwnerAddress(passkey.key, factoryAddress));
      expect((code.length - 2) / 2).to.equal(0x2d + 64);
      expect(code.toLowerCase()).to.include(implementation.slice(2).toLowerCase());
      // The implementation called directly has no key and accepts nothing.
      const bare = await ethers.getContractAt("PasskeyOwner", implementation);
      const digest = keccak256("0x99");
      expect(await bare.isValidSignature(digest, passkeySignature(digest))).to.equal(
        ERC1271_INVALID,
      );
      expect(await bare.publicKey()).to.deep.equal([
        zeroPadValue("0x", 32),
        zeroPadValue("0x", 32),
      ]);
      // Clones of it made some other way (no arguments, or more than a key) have no key either: no revert.
      const [deployer] = await ethers.getSigners();
      for (const args of ["0x", concat([passkey.key.x, passkey.key.y, passkey.key.x])]) {
        const initCode = concat([
          "0x61",
          toBeHex(getBytes(args).length + 0x2d, 2),
          "0x3d81600a3d39f3363d3d373d3d3d363d73",
          implementation,
          "0x5af43d82803e903d91602b57fd5bf3",
          args,
        ]);
        const receipt = await (await deployer.sendTransaction({ data: initCode })).wait();
        const foreign = await ethers.getContractAt("PasskeyOwner", receipt!.contractAddress!);
        expect(await foreign.isValidSignature(digest, passkeySignature(digest)), args).to.equal(
          ERC1271_INVALID,
        );
        expect(await foreign.publicKey()).to.deep.equal([
          zeroPadValue("0x", 32),
          zeroPadValue("0x", 32),
        ]);
      }
    });

    it("test_factory_createsAtThePredictedAddressAndIsIdempotent", async function () {
      const { factory, factoryAddress } = await loadBase();
      const predicted = passkeyOwnerAddress(passkey.key, factoryAddress);
      expect(await factory.passkeyOwnerAddress(passkey.key.x, passkey.key.y)).to.equal(predicted);
      expect(await ethers.provider.getCode(predicted)).to.equal("0x");
      await expect(factory.createPasskeyOwner(passkey.key.x, passkey.key.y))
        .to.emit(factory, "PasskeyOwnerCreated")
        .withArgs(predicted, passkey.key.x, passkey.key.y);
      const code = await ethers.provider.getCode(predicted);
      expect(code).not.to.equal("0x");
      // Again (anyone, e.g. front-running a queued proposal): the same address, nothing deployed or emitted.
      const [, stranger] = await ethers.getSigners();
      expect(
        await factory.connect(stranger).createPasskeyOwner.staticCall(passkey.key.x, passkey.key.y),
      ).to.equal(predicted);
      await expect(
        factory.connect(stranger).createPasskeyOwner(passkey.key.x, passkey.key.y),
      ).not.to.emit(factory, "PasskeyOwnerCreated");
      expect(await ethers.provider.getCode(predicted)).to.equal(code);
      // Another key, another address; the JWK coordinates agree with the SDK's SPKI parser.
      expect(passkey.jwkKey()).to.deep.equal(passkey.key);
      expect(passkeyOwnerAddress(otherPasskey.key, factoryAddress)).not.to.equal(predicted);
    });

    it("test_factory_refusesAPointOffTheCurve", async function () {
      const { factory } = await loadBase();
      const y = toBeHex(BigInt(passkey.key.y) ^ 1n, 32);
      await expect(factory.createPasskeyOwner(passkey.key.x, y))
        .to.be.revertedWithCustomError(factory, "PasskeyOwnerInvalidKey")
        .withArgs(passkey.key.x, y);
      const zero = zeroPadValue("0x", 32);
      await expect(factory.createPasskeyOwner(zero, zero))
        .to.be.revertedWithCustomError(factory, "PasskeyOwnerInvalidKey")
        .withArgs(zero, zero);
    });
  });

  describe("a passkey owner in a wallet", function () {
    it("test_addPasskeyOwner_isTimelockedThroughTheProposalFlow", async function () {
      const { fx, factoryAddress } = await loadBase();
      const added = await addThroughProposal(fx, factoryAddress);
      expect(added.eta - added.queuedAt).to.equal(ADMIN_DELAY);
      expect(await fx.wallet.isOwner(added.owner)).to.equal(false);
      await expect(fx.wallet.execute(added.id))
        .to.be.revertedWithCustomError(fx.wallet, "ProposalNotReady")
        .withArgs(added.id, added.eta);
      await networkHelpers.time.increaseTo(added.eta);
      await expect(fx.wallet.execute(added.id))
        .to.emit(fx.wallet, "OwnerAdded")
        .withArgs(added.owner);
      expect(await fx.wallet.isOwner(added.owner)).to.equal(true);
      expect(await ethers.provider.getCode(added.owner)).not.to.equal("0x");
    });

    it("test_passkeyOwner_approvesAnEscalatedPaymentWithAnotherOwnerAndItExecutes", async function () {
      const { fx, passkeyOwner } = await loadPasskey();
      const id = await escalate(fx);
      const { nonce, deadline, digest } = await approvalParams(fx, id);
      const { chainId } = await ethers.provider.getNetwork();
      expect(
        approvalDigest(fx.address, chainId, id, deadline, await fx.wallet.signatureEpoch()),
      ).to.equal(digest);
      const signatures = packOwnerSignatures([
        { signer: passkeyOwner, signature: passkeySignature(digest) },
        { signer: fx.owners[0].address, signature: signDigest(fx.owners[0], digest) },
      ]);
      // Anyone submits (the relayer, here a stranger): the owners need no ETH.
      const tx = fx.wallet
        .connect(fx.stranger)
        .approveWithSignatures(id, nonce, deadline, signatures);
      await expect(tx)
        .to.emit(fx.wallet, "ProposalApproved")
        .withArgs(id, passkeyOwner, (n: bigint) => n >= 1n);
      await expect(tx).to.emit(fx.wallet, "ProposalQueued");
      await expect(fx.wallet.connect(fx.stranger).execute(id)).to.changeEtherBalance(
        ethers,
        fx.recipient.address,
        ESCALATED,
      );
      expect((await fx.wallet.getProposal(id))[0]).to.equal(ProposalState.Executed);
    });

    it("test_passkeyOwner_countsTowardTheThresholdExactlyOnce", async function () {
      const { fx, passkeyOwner } = await loadPasskey();
      const id = await escalate(fx);
      const { nonce, deadline, digest } = await approvalParams(fx, id);
      const sig = passkeySignature(digest);
      // Its entry twice in one pack: refused (signers strictly ascending), nothing recorded.
      const twice = concat([
        packOwnerSignatures([{ signer: passkeyOwner, signature: sig }]),
        packOwnerSignatures([{ signer: passkeyOwner, signature: sig }]),
      ]);
      await expect(fx.wallet.approveWithSignatures(id, nonce, deadline, twice))
        .to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid")
        .withArgs(digest);
      // Alone: one approval of two, still pending.
      const alone = packOwnerSignatures([{ signer: passkeyOwner, signature: sig }]);
      await (await fx.wallet.approveWithSignatures(id, nonce, deadline, alone)).wait();
      let [state, , , , , , approvals] = await fx.wallet.getProposal(id);
      expect([state, approvals]).to.deep.equal([ProposalState.Pending, 1n]);
      expect(await fx.wallet.hasApproved(id, passkeyOwner)).to.equal(true);
      // The same signature again: its nonce is spent.
      await expect(fx.wallet.approveWithSignatures(id, nonce, deadline, alone))
        .to.be.revertedWithCustomError(fx.wallet, "SignatureNonceUsed")
        .withArgs(nonce);
      // A fresh assertion under a fresh nonce is valid, but the owner already approved: skipped, still one.
      const fresh = await freshApproval(fx, id, passkeyOwner);
      await expect(
        fx.wallet.approveWithSignatures(id, fresh.nonce, fresh.deadline, fresh.packed),
      ).not.to.emit(fx.wallet, "ProposalApproved");
      [state, , , , , , approvals] = await fx.wallet.getProposal(id);
      expect([state, approvals]).to.deep.equal([ProposalState.Pending, 1n]);
      // A second owner completes the threshold.
      await (await fx.wallet.connect(fx.ownerSigners[2]).approve(id)).wait();
      expect((await fx.wallet.getProposal(id))[0]).to.equal(ProposalState.Queued);
    });

    it("test_passkeyOwner_signatureForAnotherWalletsDigestOrAnotherProposalIsRefused", async function () {
      const { fx, passkeyOwner, factory } = await loadPasskey();
      const id = await escalate(fx);
      const { nonce, deadline, digest } = await approvalParams(fx, id);
      const { chainId } = await ethers.provider.getNetwork();
      // The same proposal id and deadline, but the digest of another wallet (its EIP-712 domain).
      const otherWallet = "0x00000000000000000000000000000000000000aa";
      const foreign = approvalDigest(
        otherWallet,
        chainId,
        id,
        deadline,
        await fx.wallet.signatureEpoch(),
      );
      expect(foreign).not.to.equal(digest);
      const forOther = packOwnerSignatures([
        { signer: passkeyOwner, signature: passkeySignature(foreign) },
      ]);
      await expect(fx.wallet.approveWithSignatures(id, nonce, deadline, forOther))
        .to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid")
        .withArgs(digest);
      // Another chain's digest of this same wallet.
      const otherChain = approvalDigest(
        fx.address,
        chainId + 1n,
        id,
        deadline,
        await fx.wallet.signatureEpoch(),
      );
      const forChain = packOwnerSignatures([
        { signer: passkeyOwner, signature: passkeySignature(otherChain) },
      ]);
      await expect(
        fx.wallet.approveWithSignatures(id, nonce, deadline, forChain),
      ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
      // The passkey owner's real assertion over this digest, made unacceptable: high s, UP or UV cleared,
      // truncated, a registration.
      const auth = decodeWebAuthnAuth(passkeySignature(digest));
      const weakened: [string, string][] = [
        ["high s", encodeWebAuthnAuth({ ...auth, s: P256_N - auth.s })],
        ["UP cleared", encodeUnchecked(passkey.assert(digest, { flags: FLAG_UV }))],
        ["UV cleared", encodeUnchecked(passkey.assert(digest, { flags: FLAG_UP }))],
        ["truncated", passkeySignature(digest).slice(0, -80)],
        ["webauthn.create", encodeUnchecked(passkey.assert(digest, { type: "webauthn.create" }))],
      ];
      for (const [label, signature] of weakened)
        await expect(
          fx.wallet.approveWithSignatures(
            id,
            nonce,
            deadline,
            packOwnerSignatures([{ signer: passkeyOwner, signature }]),
          ),
          label,
        )
          .to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid")
          .withArgs(digest);
      // Another key claiming to be the passkey owner.
      const wrongKey = packOwnerSignatures([
        { signer: passkeyOwner, signature: passkeySignature(digest, otherPasskey) },
      ]);
      await expect(
        fx.wallet.approveWithSignatures(id, nonce, deadline, wrongKey),
      ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
      // A passkey owner contract that is not an owner of this wallet, with a valid assertion of its own key.
      await (await factory.createPasskeyOwner(otherPasskey.key.x, otherPasskey.key.y)).wait();
      const stranger = passkeyOwnerAddress(otherPasskey.key, await factory.getAddress());
      const notOwner = packOwnerSignatures([
        { signer: stranger, signature: passkeySignature(digest, otherPasskey) },
      ]);
      await expect(
        fx.wallet.approveWithSignatures(id, nonce, deadline, notOwner),
      ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
      expect((await fx.wallet.getProposal(id))[6]).to.equal(0n);
    });

    it("test_passkeyOwner_removedOwnersApprovalsNoLongerCount", async function () {
      const { fx, passkeyOwner } = await loadPasskey();
      const id = await escalate(fx);
      const { nonce, deadline, digest } = await approvalParams(fx, id);
      const alone = packOwnerSignatures([
        { signer: passkeyOwner, signature: passkeySignature(digest) },
      ]);
      await (await fx.wallet.approveWithSignatures(id, nonce, deadline, alone)).wait();
      expect((await fx.wallet.getProposal(id))[6]).to.equal(1n);
      // The owners remove it (signed by two EOA owners; executed now or after its delay).
      const removal = await signedExec(conn, fx, [self(fx, "removeOwner", [passkeyOwner])]);
      const receipt = await removal.wait();
      const queued = receipt!.logs
        .map((l) => {
          try {
            return fx.wallet.interface.parseLog(l);
          } catch {
            return null;
          }
        })
        .find((l) => l?.name === "ProposalQueued");
      if (queued) {
        await networkHelpers.time.increaseTo(queued.args[1]);
        await (await fx.wallet.execute(queued.args[0])).wait();
      }
      expect(await fx.wallet.isOwner(passkeyOwner)).to.equal(false);
      const [state, , , , , , approvals] = await fx.wallet.getProposal(id);
      expect([state, approvals]).to.deep.equal([ProposalState.Pending, 0n]);
      // Its signature (fresh nonce, fresh assertion) no longer approves anything either.
      const later = await freshApproval(fx, id, passkeyOwner);
      await expect(fx.wallet.approveWithSignatures(id, later.nonce, later.deadline, later.packed))
        .to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid")
        .withArgs(later.digest);
    });

    it("test_ownerClient_approveWithPasskey_sendsApproveWithSignatures", async function () {
      const { fx, passkeyOwner, factoryAddress } = await loadPasskey();
      const id = await escalate(fx);
      const client = new OwnerClient({ wallet: fx.address, signers: [fx.stranger] });
      // A passkey that is not an owner: a clear error before anything is signed or sent.
      let asked = false;
      await expect(
        client.approveWithPasskey(id, {
          key: otherPasskey.key,
          factory: factoryAddress,
          getAssertion: async (req) => {
            asked = true;
            return otherPasskey.authenticator()(req);
          },
        }),
      ).to.be.rejectedWith(/is not an owner of wallet/);
      expect(asked).to.equal(false);
      const result = await client.approveWithPasskey(id, {
        key: passkey.key,
        factory: factoryAddress,
        getAssertion: passkey.authenticator(),
      });
      expect(result.status).to.equal("pending");
      expect(await fx.wallet.hasApproved(id, passkeyOwner)).to.equal(true);
      // The SDK's signing helper produces the same digest the wallet checks.
      const { chainId } = await ethers.provider.getNetwork();
      const { deadline, digest } = await approvalParams(fx, id);
      const signed = await signApprovalWithPasskey({
        wallet: fx.address,
        chainId,
        proposalId: id,
        deadline,
        epoch: await fx.wallet.signatureEpoch(),
        key: passkey.key,
        factory: factoryAddress,
        getAssertion: passkey.authenticator(),
      });
      expect([signed.owner, signed.digest]).to.deep.equal([passkeyOwner, digest]);
    });
  });
});

/** The P-256 verification precompile (RIP-7212 on rollups, EIP-7951 on L1 since Fusaka). */
const P256_PRECOMPILE = "0x0000000000000000000000000000000000000100";

describe("an owners' user operation signed by a passkey owner @productionBuild", function () {
  this.timeout(120_000);

  it("test_passkeyOwner_signsAnOwnersUserOperation_validationReadsNoStorageOfTheOwner", async function () {
    const { fx, passkeyOwner } = await loadPasskey();
    const op = await buildUserOp(fx.entryPoint, fx.address, 0n, [pay(fx.recipient.address, 1n)], {
      verification: 600_000n,
      call: 2_000_000n,
    });
    const hash: string = await fx.entryPoint.getUserOpHash(op);
    // Owners sign the userOpHash in the wallet's signature epoch (EIP-712 `OwnerOperation`).
    const digest: string = await fx.wallet.hashOwnerOperation(hash);
    const signed = {
      ...op,
      signature: packOwnerSignatures([
        { signer: passkeyOwner, signature: passkeySignature(digest) },
        { signer: fx.owners[0].address, signature: signDigest(fx.owners[0], digest) },
      ]),
    };
    // Validation, traced as the EntryPoint runs it (A-2: a contract owner reading its storage breaks ERC-7562;
    // PasskeyOwner keeps its key in code, so nothing of it is read).
    const ep = await fx.entryPoint.getAddress();
    await networkHelpers.impersonateAccount(ep);
    await networkHelpers.setBalance(ep, ethers.parseEther("10"));
    const data = fx.wallet.interface.encodeFunctionData("validateUserOp", [signed, hash, 0n]);
    const tx = await (
      await ethers.getSigner(ep)
    ).sendTransaction({
      to: fx.address,
      data,
      gasLimit: 3_000_000n,
    });
    await tx.wait();
    const trace = (await conn.provider.request({
      method: "debug_traceTransaction",
      params: [tx.hash, { disableMemory: true, disableStorage: true }],
    })) as { structLogs: StructLog[] };
    // The trace is the real validation: it asks the passkey owner (ERC-1271) by STATICCALL.
    const asked = trace.structLogs.filter(
      (l) =>
        l.op === "STATICCALL" &&
        BigInt("0x" + l.stack![l.stack!.length - 2].replace(/^0x/, "")) === BigInt(passkeyOwner),
    );
    expect(asked.length).to.be.greaterThan(0);
    const violations = await checkValidationTrace(trace.structLogs, {
      sender: fx.address,
      entryPoint: ep,
      hasCode: async (a) => (await ethers.provider.getCode(a)) !== "0x",
    });
    // The one call the checker can't place is OpenZeppelin's P256 probing the verification precompile at
    // 0x100, a precompile wherever it exists (codeless like every precompile); nothing else, no storage.
    const others = violations.filter(
      (v) => !(v.rule === "OP-041" && v.detail.includes(P256_PRECOMPILE)),
    );
    expect(others, JSON.stringify(others)).to.deep.equal([]);
    expect(violations.some((v) => v.rule.startsWith("STO"))).to.equal(false);
    await networkHelpers.stopImpersonatingAccount(ep);
    // And the operation runs: the passkey counted as one of the two owners.
    await expect(fx.entryPoint.handleOps([signed], fx.bundler.address)).to.changeEtherBalance(
      ethers,
      fx.recipient.address,
      1n,
    );
  });
});

describe("passkey owners on a chain without the P-256 precompile (Solidity verification)", function () {
  this.timeout(120_000);

  it("test_passkeyOwner_cancunChain_acceptsTheKeysAssertionAndRefusesForgeries", async function () {
    // Before EIP-7951 (and on rollups without RIP-7212) 0x100 is empty: OpenZeppelin's P256 verifies in
    // Solidity. The same rules must hold on that path.
    const cancun = await network.create({ override: { hardfork: "cancun" } } as never);
    try {
      const factory = await cancun.ethers.deployContract("PasskeyOwnerFactory");
      await (await factory.createPasskeyOwner(passkey.key.x, passkey.key.y)).wait();
      const owner = await cancun.ethers.getContractAt(
        "PasskeyOwner",
        passkeyOwnerAddress(passkey.key, await factory.getAddress()),
      );
      const digest = keccak256("0xcafe");
      const good = passkeySignature(digest);
      expect(await owner.isValidSignature(digest, good)).to.equal(ERC1271_MAGIC);
      const auth = decodeWebAuthnAuth(good);
      const refused: [string, string][] = [
        ["high s", encodeWebAuthnAuth({ ...auth, s: P256_N - auth.s })],
        ["another key", passkeySignature(digest, otherPasskey)],
        ["another hash", passkeySignature(keccak256("0xbeef"))],
        ["UV cleared", encodeUnchecked(passkey.assert(digest, { flags: FLAG_UP }))],
        ["r = 0", encodeWebAuthnAuth({ ...auth, r: 0n })],
        ["s = n", encodeWebAuthnAuth({ ...auth, s: P256_N })],
      ];
      for (const [label, sig] of refused)
        expect(await owner.isValidSignature(digest, sig), label).to.equal(ERC1271_INVALID);
      // The fallback is the expensive path; the precompile path (default hardfork) is an order cheaper.
      const solidityGas = await owner.isValidSignature.estimateGas(digest, good);
      const precompiled = await ethers.deployContract("PasskeyOwnerFactory");
      await (await precompiled.createPasskeyOwner(passkey.key.x, passkey.key.y)).wait();
      const fast = await ethers.getContractAt(
        "PasskeyOwner",
        passkeyOwnerAddress(passkey.key, await precompiled.getAddress()),
      );
      const precompileGas = await fast.isValidSignature.estimateGas(digest, good);
      expect(solidityGas > precompileGas * 3n, `${solidityGas} vs ${precompileGas}`).to.equal(true);
    } finally {
      await cancun.close();
    }
  });
});
