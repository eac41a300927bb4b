import { expect } from "chai";
import { network } from "hardhat";
import {
  AbiCoder,
  Signature,
  dataSlice,
  getAddress,
  TypedDataEncoder,
  concat,
  getBytes,
  hexlify,
  keccak256,
  solidityPacked,
  toBeHex,
  zeroPadValue,
} from "ethers";
import type { Wallet } from "ethers";
import { IAgentWallet__factory } from "../../typechain-types/index.js";
import type { IAgentWallet } from "../../typechain-types/index.js";
import {
  createWallet,
  ownerSignDigest,
  packOwnerSignatures,
  signDigest,
  testWallets,
} from "../helpers/fixtures.js";
import type { CallStruct } from "../helpers/fixtures.js";
import {
  ERC1271_INVALID,
  ERC1271_MAGIC,
  ProposalState,
  SECP256K1_N,
  deployContractOwner,
  errorData,
  freshNonce,
  latest,
  pay,
  self,
  signCalls,
  walletFixture,
} from "../helpers/wallet.js";
import type { Conn, WalletFx } from "../helpers/wallet.js";

const conn: Conn = await network.create();
const { ethers, networkHelpers } = conn;
const load = () => networkHelpers.loadFixture(walletFixture);

const EXECUTE_TYPES = {
  ExecuteCalls: [
    { name: "calls", type: "Call[]" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
    { name: "epoch", type: "uint256" },
  ],
  Call: [
    { name: "target", type: "address" },
    { name: "value", type: "uint256" },
    { name: "data", type: "bytes" },
  ],
};

async function domain(walletAddress: string, chainId?: bigint) {
  return {
    name: "Leash AgentWallet",
    version: "1",
    chainId: chainId ?? (await ethers.provider.getNetwork()).chainId,
    verifyingContract: walletAddress,
  };
}

/** One packed entry, exactly as given (no sorting). */
function entry(signer: string, signature: string): string {
  return solidityPacked(
    ["address", "uint16", "bytes"],
    [signer, getBytes(signature).length, signature],
  );
}

/** The same signature with s' = n - s and the other v: a valid but high-s (malleable) form. */
function malleate(signature: string): string {
  const sig = Signature.from(signature);
  const highS = SECP256K1_N - BigInt(sig.s);
  return concat([sig.r, zeroPadValue(toBeHex(highS), 32), sig.v === 27 ? "0x1c" : "0x1b"]);
}

/** What the EVM's ecrecover precompile returns for `signature` (it accepts high-s forms). */
async function ecrecoverPrecompile(digest: string, signature: string): Promise<string> {
  const bytes = getBytes(signature);
  const data = AbiCoder.defaultAbiCoder().encode(
    ["bytes32", "uint8", "bytes32", "bytes32"],
    [digest, bytes[64], bytes.slice(0, 32), bytes.slice(32, 64)],
  );
  const result = await ethers.provider.call({
    to: "0x0000000000000000000000000000000000000001",
    data,
  });
  return getAddress(dataSlice(result, 12));
}

async function setup(fx: WalletFx, calls: CallStruct[] = [pay(fx.recipient.address, 1000n)]) {
  const nonce = freshNonce();
  const deadline = (await latest(conn)) + 3600n;
  const digest = await fx.wallet.hashSignedCalls(calls, nonce, deadline);
  return { calls, nonce, deadline, digest };
}

/** A second wallet with the very same owners, threshold and guardians (another salt). */
async function twinWallet(fx: WalletFx): Promise<IAgentWallet> {
  const { wallet } = await createWallet(ethers, fx.factory, fx.entryPoint, {
    owners: fx.owners,
    threshold: 2,
    guardians: [fx.guardian.address],
    salt: zeroPadValue("0x77", 32),
  });
  return wallet;
}

describe("executeWithSignatures", function () {
  it("test_hashSignedCalls_matchesEip712TypedData", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx, [
      pay(fx.recipient.address, 5n),
      self(fx, "pause", []),
    ]);
    const expected = TypedDataEncoder.hash(await domain(fx.address), EXECUTE_TYPES, {
      calls,
      nonce,
      deadline,
      epoch: await fx.wallet.signatureEpoch(),
    });
    expect(digest).to.equal(expected);
  });

  it("test_executeWithSignatures_twoOfThreeExecutesAtOnce", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx);
    const sigs = ownerSignDigest([fx.owners[0], fx.owners[2]], digest);
    const before = await ethers.provider.getBalance(fx.recipient.address);
    await expect(fx.wallet.connect(fx.stranger).executeWithSignatures(calls, nonce, deadline, sigs))
      .to.emit(fx.wallet, "SignedCallsExecuted")
      .withArgs(digest, nonce, 2n);
    expect(await ethers.provider.getBalance(fx.recipient.address)).to.equal(before + 1000n);
    expect(await fx.wallet.isNonceUsed(nonce)).to.equal(true);
    expect(await fx.wallet.proposalCount()).to.equal(0n);
  });

  it("test_executeWithSignatures_emitsApprovedCallsExecutedWithSignersAndCalls", async function () {
    const fx = await load();
    const calls = [pay(fx.recipient.address, 1000n), pay(fx.outsider.address, 7n)];
    const { nonce, deadline, digest } = await setup(fx, calls);
    const signers = [fx.owners[0], fx.owners[2]];
    const receipt = await (
      await fx.wallet.executeWithSignatures(
        calls,
        nonce,
        deadline,
        ownerSignDigest(signers, digest),
      )
    ).wait();
    const events = receipt!.logs
      .map((l) => fx.wallet.interface.parseLog(l))
      .filter((e) => e?.name === "ApprovedCallsExecuted");
    expect(events).to.have.length(1);
    // Who approved, in the order the wallet checked them (ascending), and exactly what ran.
    expect([...events[0]!.args.signers]).to.deep.equal(signers.map((o) => o.address));
    expect(events[0]!.args.calls.map((c: CallStruct) => [c.target, c.value, c.data])).to.deep.equal(
      calls.map((c) => [c.target, c.value, c.data]),
    );
  });

  it("test_executeWithSignatures_queuedLooseningEmitsNoApprovedCallsExecuted", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx, [
      self(fx, "addGuardian", [fx.stranger.address]),
    ]);
    const tx = fx.wallet.executeWithSignatures(
      calls,
      nonce,
      deadline,
      ownerSignDigest(fx.owners.slice(0, 2), digest),
    );
    await expect(tx).to.emit(fx.wallet, "ProposalQueued");
    await expect(tx).to.not.emit(fx.wallet, "ApprovedCallsExecuted");
  });

  it("test_executeWithSignatures_implementationRejectsEmptySignatures", async function () {
    // Never initialized, it has threshold 0: zero signatures must not count as the owners' approval.
    const fx = await load();
    const deadline = (await latest(conn)) + 3600n;
    const asWallet = IAgentWallet__factory.connect(
      await fx.implementation.getAddress(),
      fx.stranger,
    );
    expect(await asWallet.threshold()).to.equal(0n);
    await expect(
      asWallet.executeWithSignatures([pay(fx.recipient.address, 0n)], freshNonce(), deadline, "0x"),
    ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
    // The module has no such function (the core runs owners' signatures): called directly it answers nothing.
    const asModule = IAgentWallet__factory.connect(await fx.module.getAddress(), fx.stranger);
    const selector = asModule.interface.getFunction("executeWithSignatures")!.selector;
    await expect(
      asModule.executeWithSignatures([pay(fx.recipient.address, 0n)], freshNonce(), deadline, "0x"),
    )
      .to.be.revertedWithCustomError(fx.lens, "LensUnknownView")
      .withArgs(selector);
  });

  it("test_executeWithSignatures_allOwnersAccepted", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx);
    await expect(
      fx.wallet.executeWithSignatures(calls, nonce, deadline, ownerSignDigest(fx.owners, digest)),
    )
      .to.emit(fx.wallet, "SignedCallsExecuted")
      .withArgs(digest, nonce, 3n);
  });

  it("test_executeWithSignatures_forwardsMsgValue", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx);
    const before = await ethers.provider.getBalance(fx.address);
    await fx.wallet.executeWithSignatures(
      calls,
      nonce,
      deadline,
      ownerSignDigest(fx.owners.slice(0, 2), digest),
      {
        value: 5000n,
      },
    );
    expect(await ethers.provider.getBalance(fx.address)).to.equal(before + 4000n);
  });

  it("test_executeWithSignatures_erc1271ContractOwner", async function () {
    const fx = await load();
    const [contractKey, eoa] = testWallets(2, "contract-owner");
    const contractOwner = await deployContractOwner(conn, contractKey);
    const contractOwnerAddress = await contractOwner.getAddress();
    const { wallet } = await createWallet(ethers, fx.factory, fx.entryPoint, {
      owners: [eoa, { address: contractOwnerAddress } as Wallet],
      threshold: 2,
      salt: zeroPadValue("0x55", 32),
    });
    const calls = [pay(fx.recipient.address, 7n)];
    const nonce = 1n;
    const deadline = (await latest(conn)) + 3600n;
    const digest = await wallet.hashSignedCalls(calls, nonce, deadline);
    const sigs = packOwnerSignatures([
      { signer: eoa.address, signature: signDigest(eoa, digest) },
      { signer: contractOwnerAddress, signature: signDigest(contractKey, digest) },
    ]);
    // The contract owner refusing makes the whole set invalid.
    await contractOwner.setRejectAll(true);
    await expect(wallet.executeWithSignatures(calls, nonce, deadline, sigs))
      .to.be.revertedWithCustomError(wallet, "SignatureInvalid")
      .withArgs(digest);
    await contractOwner.setRejectAll(false);
    await expect(wallet.executeWithSignatures(calls, nonce, deadline, sigs))
      .to.emit(wallet, "SignedCallsExecuted")
      .withArgs(digest, nonce, 2n);
  });

  it("test_propose_erc1271ContractOwnerOnChainAndSignatures", async function () {
    const fx = await load();
    const [contractKey, eoa] = testWallets(2, "contract-owner-2");
    const contractOwner = await deployContractOwner(conn, contractKey);
    const contractOwnerAddress = await contractOwner.getAddress();
    const { wallet, address } = await createWallet(ethers, fx.factory, fx.entryPoint, {
      owners: [eoa, { address: contractOwnerAddress } as Wallet],
      threshold: 2,
      salt: zeroPadValue("0x56", 32),
    });
    // The contract owner proposes on-chain (as msg.sender), the EOA owner approves, anyone executes.
    const calls = [pay(fx.recipient.address, 9n)];
    const expiresAt = (await latest(conn)) + 3600n;
    const proposeData = wallet.interface.encodeFunctionData("propose", [calls, expiresAt]);
    await expect(contractOwner.exec(address, proposeData))
      .to.emit(wallet, "ProposalApproved")
      .withArgs(1n, contractOwnerAddress, 1n);
    await networkHelpers.setBalance(eoa.address, ethers.parseEther("1"));
    const eoaSigner = await ethers.getImpersonatedSigner(eoa.address);
    await expect(wallet.connect(eoaSigner).approve(1n)).to.emit(wallet, "ProposalQueued");
    const before = await ethers.provider.getBalance(fx.recipient.address);
    await (await wallet.execute(1n)).wait();
    expect(await ethers.provider.getBalance(fx.recipient.address)).to.equal(before + 9n);
    // ERC-1271 for the wallet itself: the contract owner's signature counts like an EOA's.
    const hash = keccak256("0xbeef");
    const safe = await wallet.replaySafeHash(hash);
    const sigs = packOwnerSignatures([
      { signer: eoa.address, signature: signDigest(eoa, safe) },
      { signer: contractOwnerAddress, signature: signDigest(contractKey, safe) },
    ]);
    expect(await wallet.isValidSignature(hash, sigs)).to.equal(ERC1271_MAGIC);
    await (await contractOwner.setRejectAll(true)).wait();
    expect(await wallet.isValidSignature(hash, sigs)).to.equal(ERC1271_INVALID);
  });

  it("test_executeWithSignatures_revertsWithFewerThanThreshold", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx);
    await expect(
      fx.wallet.executeWithSignatures(
        calls,
        nonce,
        deadline,
        ownerSignDigest([fx.owners[1]], digest),
      ),
    )
      .to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid")
      .withArgs(digest);
    expect(await fx.wallet.isNonceUsed(nonce)).to.equal(false);
  });

  it("test_executeWithSignatures_revertsOnUnsortedSigners", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx);
    const [a, b] = fx.owners; // ascending by construction
    const descending = concat([
      entry(b.address, signDigest(b, digest)),
      entry(a.address, signDigest(a, digest)),
    ]);
    await expect(fx.wallet.executeWithSignatures(calls, nonce, deadline, descending))
      .to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid")
      .withArgs(digest);
    const ascending = concat([
      entry(a.address, signDigest(a, digest)),
      entry(b.address, signDigest(b, digest)),
    ]);
    await expect(fx.wallet.executeWithSignatures(calls, nonce, deadline, ascending)).to.emit(
      fx.wallet,
      "SignedCallsExecuted",
    );
  });

  it("test_executeWithSignatures_revertsOnDuplicateSigner", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx);
    const a = fx.owners[0];
    const twice = concat([
      entry(a.address, signDigest(a, digest)),
      entry(a.address, signDigest(a, digest)),
    ]);
    await expect(fx.wallet.executeWithSignatures(calls, nonce, deadline, twice))
      .to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid")
      .withArgs(digest);
  });

  it("test_executeWithSignatures_revertsOnNonOwnerSigner", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx);
    const [intruder] = testWallets(1, "intruder");
    // Alone with one owner, and even on top of M valid owner signatures: every entry must be an owner.
    await expect(
      fx.wallet.executeWithSignatures(
        calls,
        nonce,
        deadline,
        ownerSignDigest([fx.owners[0], intruder], digest),
      ),
    ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
    await expect(
      fx.wallet.executeWithSignatures(
        calls,
        nonce,
        deadline,
        ownerSignDigest([fx.owners[0], fx.owners[1], intruder], digest),
      ),
    ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
    // An owner entry carrying someone else's signature is refused too.
    const forged = packOwnerSignatures([
      { signer: fx.owners[0].address, signature: signDigest(fx.owners[0], digest) },
      { signer: fx.owners[1].address, signature: signDigest(intruder, digest) },
    ]);
    await expect(
      fx.wallet.executeWithSignatures(calls, nonce, deadline, forged),
    ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
  });

  it("test_executeWithSignatures_revertsOnMalleableHighS", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx);
    const [a, b] = fx.owners;
    const sigA = signDigest(a, digest);
    const highS = malleate(sigA);
    // Same key, same digest: ecrecover would accept it, the wallet must not.
    expect(await ecrecoverPrecompile(digest, highS)).to.equal(a.address);
    const sigs = packOwnerSignatures([
      { signer: a.address, signature: highS },
      { signer: b.address, signature: signDigest(b, digest) },
    ]);
    await expect(fx.wallet.executeWithSignatures(calls, nonce, deadline, sigs))
      .to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid")
      .withArgs(digest);
  });

  it("test_executeWithSignatures_revertsOnEmptyZeroOrGarbageSignatures", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx);
    const [a, b] = fx.owners;
    const zeroSig = hexlify(new Uint8Array(65));
    const garbage = keccak256("0x01") + keccak256("0x02").slice(2) + "1b";
    const cases = [
      "0x",
      hexlify(new Uint8Array(100)),
      concat([entry(a.address, zeroSig), entry(b.address, zeroSig)]),
      concat([entry(a.address, garbage), entry(b.address, signDigest(b, digest))]),
      concat([entry(a.address, "0x"), entry(b.address, signDigest(b, digest))]),
      keccak256("0xdead"),
    ];
    for (const sigs of cases) {
      await expect(fx.wallet.executeWithSignatures(calls, nonce, deadline, sigs))
        .to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid")
        .withArgs(digest);
    }
  });

  it("test_executeWithSignatures_revertsOnTruncatedEncoding", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx);
    const full = getBytes(ownerSignDigest(fx.owners.slice(0, 2), digest));
    // Cut inside the last signature, inside its length field, and inside its signer address.
    for (const cut of [1, 66, 67, 80]) {
      await expect(
        fx.wallet.executeWithSignatures(calls, nonce, deadline, full.slice(0, full.length - cut)),
      )
        .to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid")
        .withArgs(digest);
    }
    // A length field that claims more bytes than there are.
    const first = entry(fx.owners[0].address, signDigest(fx.owners[0], digest));
    const lying = concat([
      first,
      solidityPacked(["address", "uint16"], [fx.owners[1].address, 65]),
      "0x1234",
    ]);
    await expect(
      fx.wallet.executeWithSignatures(calls, nonce, deadline, lying),
    ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
    // Trailing bytes after a valid set.
    await expect(
      fx.wallet.executeWithSignatures(calls, nonce, deadline, concat([full, "0x00"])),
    ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
  });

  it("test_executeWithSignatures_revertsOnReusedNonce", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx);
    const sigs = ownerSignDigest(fx.owners.slice(0, 2), digest);
    await (await fx.wallet.executeWithSignatures(calls, nonce, deadline, sigs)).wait();
    await expect(fx.wallet.executeWithSignatures(calls, nonce, deadline, sigs))
      .to.be.revertedWithCustomError(fx.wallet, "SignatureNonceUsed")
      .withArgs(nonce);
    // Another batch signed over the same nonce is refused as well.
    const other = [pay(fx.recipient.address, 1n)];
    const sigs2 = await signCalls(fx.wallet, other, fx.owners.slice(0, 2), nonce, deadline);
    await expect(fx.wallet.executeWithSignatures(other, nonce, deadline, sigs2))
      .to.be.revertedWithCustomError(fx.wallet, "SignatureNonceUsed")
      .withArgs(nonce);
  });

  it("test_executeWithSignatures_deadlineBoundary", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx);
    const sigs = ownerSignDigest(fx.owners.slice(0, 2), digest);
    await networkHelpers.time.setNextBlockTimestamp(deadline + 1n);
    await expect(fx.wallet.executeWithSignatures(calls, nonce, deadline, sigs))
      .to.be.revertedWithCustomError(fx.wallet, "SignatureExpired")
      .withArgs(deadline);
    // At the deadline itself it still executes.
    const second = await setup(fx);
    const sigs2 = ownerSignDigest(fx.owners.slice(0, 2), second.digest);
    await networkHelpers.time.setNextBlockTimestamp(second.deadline);
    await expect(
      fx.wallet.executeWithSignatures(second.calls, second.nonce, second.deadline, sigs2),
    ).to.emit(fx.wallet, "SignedCallsExecuted");
  });

  it("test_executeWithSignatures_revertsOnReplayToWalletWithSameOwners", async function () {
    const fx = await load();
    const twin = await twinWallet(fx);
    const { calls, nonce, deadline, digest } = await setup(fx);
    const sigs = ownerSignDigest(fx.owners.slice(0, 2), digest);
    const twinDigest = await twin.hashSignedCalls(calls, nonce, deadline);
    expect(twinDigest).to.not.equal(digest);
    await expect(twin.executeWithSignatures(calls, nonce, deadline, sigs))
      .to.be.revertedWithCustomError(twin, "SignatureInvalid")
      .withArgs(twinDigest);
    // The signatures are still good where they belong.
    await expect(fx.wallet.executeWithSignatures(calls, nonce, deadline, sigs)).to.emit(
      fx.wallet,
      "SignedCallsExecuted",
    );
  });

  it("test_executeWithSignatures_revertsOnReplayFromOtherChainId", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx);
    const otherChain = TypedDataEncoder.hash(await domain(fx.address, 10n), EXECUTE_TYPES, {
      calls,
      nonce,
      deadline,
      epoch: await fx.wallet.signatureEpoch(),
    });
    expect(otherChain).to.not.equal(digest);
    const sigs = ownerSignDigest(fx.owners, otherChain);
    await expect(fx.wallet.executeWithSignatures(calls, nonce, deadline, sigs))
      .to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid")
      .withArgs(digest);
  });

  it("test_executeWithSignatures_revertsOnAlteredBatch", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx);
    const sigs = ownerSignDigest(fx.owners.slice(0, 2), digest);
    const altered = [pay(fx.stranger.address, 1000n)];
    await expect(
      fx.wallet.executeWithSignatures(altered, nonce, deadline, sigs),
    ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
    await expect(
      fx.wallet.executeWithSignatures(calls, nonce, deadline + 1n, sigs),
    ).to.be.revertedWithCustomError(fx.wallet, "SignatureInvalid");
  });

  it("test_executeWithSignatures_loosenningBatchIsQueuedNotExecuted", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx, [
      pay(fx.recipient.address, 1n),
      self(fx, "addGuardian", [fx.stranger.address]),
    ]);
    const signers = [fx.owners[0], fx.owners[2]];
    const sigs = ownerSignDigest(signers, digest);
    expect(await fx.wallet.executeWithSignatures.staticCall(calls, nonce, deadline, sigs)).to.equal(
      1n,
    );
    const before = await ethers.provider.getBalance(fx.recipient.address);
    const tx = fx.wallet.executeWithSignatures(calls, nonce, deadline, sigs);
    await expect(tx).to.emit(fx.wallet, "ProposalQueued");
    await expect(tx).to.not.emit(fx.wallet, "SignedCallsExecuted");
    await expect(tx).to.not.emit(fx.wallet, "GuardianAdded");
    // Nothing of the batch ran (not even the payment), the nonce is spent, the signers' approvals recorded.
    expect(await ethers.provider.getBalance(fx.recipient.address)).to.equal(before);
    expect(await fx.wallet.isGuardian(fx.stranger.address)).to.equal(false);
    expect(await fx.wallet.isNonceUsed(nonce)).to.equal(true);
    const [state, proposer, , , eta, delay, approvals] = await fx.wallet.getProposal(1n);
    expect(state).to.equal(ProposalState.Queued);
    expect(proposer).to.equal(fx.address);
    expect(delay).to.equal(24n * 3600n);
    expect(approvals).to.equal(2n);
    expect(await fx.wallet.hasApproved(1n, fx.owners[0].address)).to.equal(true);
    expect(await fx.wallet.hasApproved(1n, fx.owners[1].address)).to.equal(false);
    await networkHelpers.time.increaseTo(eta);
    await expect(fx.wallet.execute(1n))
      .to.emit(fx.wallet, "GuardianAdded")
      .withArgs(fx.stranger.address);
    expect(await ethers.provider.getBalance(fx.recipient.address)).to.equal(before + 1n);
  });

  it("test_executeWithSignatures_revertsOnEmptyOrOversizedBatch", async function () {
    const fx = await load();
    const deadline = (await latest(conn)) + 3600n;
    await expect(fx.wallet.executeWithSignatures([], 1n, deadline, "0x"))
      .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidCallCount")
      .withArgs(0n, 32n);
    const many = Array.from({ length: 33 }, () => pay(fx.recipient.address, 1n));
    await expect(fx.wallet.executeWithSignatures(many, 1n, deadline, "0x"))
      .to.be.revertedWithCustomError(fx.wallet, "ProposalInvalidCallCount")
      .withArgs(33n, 32n);
  });

  it("test_executeWithSignatures_bubblesFailedCall", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx, [
      pay(fx.recipient.address, 1n),
      self(fx, "unpause", []),
    ]);
    await expect(
      fx.wallet.executeWithSignatures(calls, nonce, deadline, ownerSignDigest(fx.owners, digest)),
    )
      .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
      .withArgs(1n, errorData("WalletNotPaused()"));
    // The whole batch reverted: the nonce is still free.
    expect(await fx.wallet.isNonceUsed(nonce)).to.equal(false);
  });
});

describe("invalidateNonce", function () {
  it("test_invalidateNonce_byGuardianBlocksSignedBatch", async function () {
    const fx = await load();
    const { calls, nonce, deadline, digest } = await setup(fx);
    const sigs = ownerSignDigest(fx.owners, digest);
    await expect(fx.wallet.connect(fx.guardian).invalidateNonce(nonce))
      .to.emit(fx.wallet, "SignatureNonceInvalidated")
      .withArgs(nonce, fx.guardian.address);
    expect(await fx.wallet.isNonceUsed(nonce)).to.equal(true);
    await expect(fx.wallet.executeWithSignatures(calls, nonce, deadline, sigs))
      .to.be.revertedWithCustomError(fx.wallet, "SignatureNonceUsed")
      .withArgs(nonce);
  });

  it("test_invalidateNonce_byOwnerAlone", async function () {
    const fx = await load();
    await expect(fx.wallet.connect(fx.ownerSigners[1]).invalidateNonce(42n))
      .to.emit(fx.wallet, "SignatureNonceInvalidated")
      .withArgs(42n, fx.owners[1].address);
    expect(await fx.wallet.isNonceUsed(42n)).to.equal(true);
  });

  it("test_invalidateNonce_revertsForStranger", async function () {
    const fx = await load();
    await expect(fx.wallet.connect(fx.stranger).invalidateNonce(7n))
      .to.be.revertedWithCustomError(fx.wallet, "GuardianUnauthorized")
      .withArgs(fx.stranger.address);
    expect(await fx.wallet.isNonceUsed(7n)).to.equal(false);
  });

  it("test_invalidateNonce_revertsWhenAlreadyUsed", async function () {
    const fx = await load();
    await (await fx.wallet.connect(fx.guardian).invalidateNonce(7n)).wait();
    await expect(fx.wallet.connect(fx.guardian).invalidateNonce(7n))
      .to.be.revertedWithCustomError(fx.wallet, "SignatureNonceUsed")
      .withArgs(7n);
  });
});

describe("isValidSignature (ERC-1271)", function () {
  const hash = keccak256("0x1234");

  it("test_replaySafeHash_matchesEip712LeashMessage", async function () {
    const fx = await load();
    const expected = TypedDataEncoder.hash(
      await domain(fx.address),
      {
        LeashMessage: [
          { name: "hash", type: "bytes32" },
          { name: "epoch", type: "uint256" },
        ],
      },
      { hash, epoch: await fx.wallet.signatureEpoch() },
    );
    expect(await fx.wallet.replaySafeHash(hash)).to.equal(expected);
  });

  it("test_isValidSignature_ownersThresholdAccepted", async function () {
    const fx = await load();
    const safe = await fx.wallet.replaySafeHash(hash);
    expect(
      await fx.wallet.isValidSignature(hash, ownerSignDigest(fx.owners.slice(1), safe)),
    ).to.equal(ERC1271_MAGIC);
    expect(await fx.wallet.isValidSignature(hash, ownerSignDigest(fx.owners, safe))).to.equal(
      ERC1271_MAGIC,
    );
  });

  it("test_isValidSignature_rawHashRejected", async function () {
    const fx = await load();
    // Owners must sign the wallet-bound hash, not the raw one.
    expect(await fx.wallet.isValidSignature(hash, ownerSignDigest(fx.owners, hash))).to.equal(
      ERC1271_INVALID,
    );
  });

  it("test_isValidSignature_fewerThanThresholdRejected", async function () {
    const fx = await load();
    const safe = await fx.wallet.replaySafeHash(hash);
    expect(await fx.wallet.isValidSignature(hash, ownerSignDigest([fx.owners[0]], safe))).to.equal(
      ERC1271_INVALID,
    );
    expect(await fx.wallet.isValidSignature(hash, "0x")).to.equal(ERC1271_INVALID);
  });

  it("test_isValidSignature_agentSignatureRejected", async function () {
    const fx = await load();
    const safe = await fx.wallet.replaySafeHash(hash);
    const agent = fx.agentKey;
    // Plain 65-byte ECDSA by the agent key, over the raw and over the wallet-bound hash.
    expect(await fx.wallet.isValidSignature(hash, signDigest(agent, hash))).to.equal(
      ERC1271_INVALID,
    );
    expect(await fx.wallet.isValidSignature(hash, signDigest(agent, safe))).to.equal(
      ERC1271_INVALID,
    );
    // Packed as if it were an owner, alongside M real owners.
    expect(
      await fx.wallet.isValidSignature(
        hash,
        ownerSignDigest([fx.owners[0], fx.owners[1], agent], safe),
      ),
    ).to.equal(ERC1271_INVALID);
  });

  it("test_isValidSignature_replayAcrossWalletsRejected", async function () {
    const fx = await load();
    const twin = await twinWallet(fx);
    const sigs = ownerSignDigest(fx.owners, await fx.wallet.replaySafeHash(hash));
    expect(await fx.wallet.isValidSignature(hash, sigs)).to.equal(ERC1271_MAGIC);
    expect(await twin.isValidSignature(hash, sigs)).to.equal(ERC1271_INVALID);
  });

  it("test_isValidSignature_malleableHighSRejected", async function () {
    const fx = await load();
    const safe = await fx.wallet.replaySafeHash(hash);
    const sigs = packOwnerSignatures([
      { signer: fx.owners[0].address, signature: malleate(signDigest(fx.owners[0], safe)) },
      { signer: fx.owners[1].address, signature: signDigest(fx.owners[1], safe) },
    ]);
    expect(await fx.wallet.isValidSignature(hash, sigs)).to.equal(ERC1271_INVALID);
  });

  it("test_isValidSignature_atMostSixteenEntries", async function () {
    const fx = await load();
    const owners = testWallets(16, "sixteen").sort((a, b) =>
      BigInt(a.address) < BigInt(b.address) ? -1 : 1,
    );
    const { wallet } = await createWallet(ethers, fx.factory, fx.entryPoint, {
      owners,
      threshold: 16,
      salt: zeroPadValue("0x16", 32),
      fund: 0n,
    });
    const safe = await wallet.replaySafeHash(hash);
    const all = ownerSignDigest(owners, safe);
    expect(await wallet.isValidSignature(hash, all)).to.equal(ERC1271_MAGIC);
    // A 17th entry (even a well-formed one) makes the set invalid: the parser stops at MAX_OWNERS.
    const [extra] = testWallets(1, "seventeenth");
    expect(
      await wallet.isValidSignature(
        hash,
        concat([all, entry(extra.address, signDigest(extra, safe))]),
      ),
    ).to.equal(ERC1271_INVALID);
  });

  it("test_isValidSignature_implementationRejectsEmptySignature", async function () {
    const fx = await load();
    const impl = IAgentWallet__factory.connect(
      await fx.implementation.getAddress(),
      ethers.provider,
    );
    expect(await impl.isValidSignature(hash, "0x")).to.equal(ERC1271_INVALID);
  });

  it("test_isValidSignature_implementationHasNoOwners", async function () {
    const fx = await load();
    const impl = IAgentWallet__factory.connect(
      await fx.implementation.getAddress(),
      ethers.provider,
    );
    const safe = await impl.replaySafeHash(hash);
    expect(await impl.isValidSignature(hash, ownerSignDigest(fx.owners, safe))).to.equal(
      ERC1271_INVALID,
    );
  });
});
