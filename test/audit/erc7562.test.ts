/**
 * ERC-7562 validation rules, checked on a real trace of `validateUserOp` (the EntryPoint calling the wallet,
 * prefund payment included). Public bundlers refuse ops whose validation breaks these rules, and a wallet that
 * broke them could make a bundler's simulation disagree with the chain (bundler DoS). Tagged
 * `@productionBuild`: coverage instrumentation adds calls of its own to every statement.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { type Wallet, zeroPadValue } from "ethers";
import { createWallet, packOwnerSignatures, signDigest, testWallets } from "../helpers/fixtures.js";
import type { PackedUserOp } from "../helpers/fixtures.js";
import {
  agentFixture,
  agentOp,
  deployContractOwner,
  ownerOp,
  pay,
  walletFixture,
} from "../helpers/wallet.js";
import type { Conn, WalletFx } from "../helpers/wallet.js";
import { type StructLog, type Violation, checkValidationTrace } from "./lib/erc7562.js";

const conn: Conn = await network.create();
const { ethers, networkHelpers } = conn;

/** Sends `data` to the wallet from the (impersonated) EntryPoint and returns the trace of that call. */
async function traceFromEntryPoint(fx: WalletFx, wallet: string, data: string) {
  const ep = await fx.entryPoint.getAddress();
  await networkHelpers.impersonateAccount(ep);
  await networkHelpers.setBalance(ep, ethers.parseEther("10"));
  const signer = await ethers.getSigner(ep);
  const tx = await signer.sendTransaction({ to: wallet, data, gasLimit: 3_000_000n });
  const receipt = await tx.wait();
  expect(receipt?.status).to.equal(1);
  const trace = (await conn.provider.request({
    method: "debug_traceTransaction",
    params: [tx.hash, { disableMemory: true, disableStorage: true }],
  })) as { structLogs: StructLog[] };
  expect(trace.structLogs.length).to.be.greaterThan(100);
  return trace.structLogs;
}

async function check(fx: WalletFx, wallet: string, logs: StructLog[]): Promise<Violation[]> {
  return checkValidationTrace(logs, {
    sender: wallet,
    entryPoint: await fx.entryPoint.getAddress(),
    hasCode: async (a) => (await ethers.provider.getCode(a)) !== "0x",
  });
}

/** Traces `validateUserOp(op)` with a prefund to pay, so the payment to the EntryPoint is in the trace. */
async function traceValidation(fx: WalletFx, op: PackedUserOp, wallet = fx.address) {
  const hash = await fx.entryPoint.getUserOpHash(op);
  const data = fx.wallet.interface.encodeFunctionData("validateUserOp", [op, hash, 12_345n]);
  return traceFromEntryPoint(fx, wallet, data);
}

const summary = (v: Violation[]) => v.map((x) => `${x.rule} ${x.op} @${x.address}: ${x.detail}`);

describe("ERC-7562 validation rules @productionBuild", function () {
  it("test_erc7562_agentOpValidation_noBannedOpcodeNoForeignStorageNoCodelessAccess", async function () {
    const fx = await networkHelpers.loadFixture(agentFixture);
    const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)]);
    const violations = await check(fx, fx.address, await traceValidation(fx, op));
    expect(summary(violations)).to.deep.equal([]);
    // A refused op (wrong key) takes other paths through validation: still within the rules.
    const bad = await agentOp(fx, fx.agentKey2, [pay(fx.recipient.address, 1n)], {}, fx.agentKey);
    expect(summary(await check(fx, fx.address, await traceValidation(fx, bad)))).to.deep.equal([]);
  });

  it("test_erc7562_pausedOrSuspendedAgentValidation_staysWithinTheRules", async function () {
    const fx = await networkHelpers.loadFixture(agentFixture);
    const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)]);
    await (await fx.wallet.connect(fx.guardian).pause()).wait();
    expect(summary(await check(fx, fx.address, await traceValidation(fx, op)))).to.deep.equal([]);
  });

  it("test_erc7562_checkerFlagsWhatExecutionDoes_timeAndCodelessRecipient", async function () {
    // Control: execution may use the clock and pay an EOA; the same checker run over it must say so.
    const fx = await networkHelpers.loadFixture(agentFixture);
    const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)]);
    // The EntryPoint runs an agent's op by calling the wallet with its callData (executeAgentCall).
    const violations = await check(
      fx,
      fx.address,
      await traceFromEntryPoint(fx, fx.address, op.callData),
    );
    const rules = new Set(violations.map((v) => `${v.rule} ${v.op}`));
    expect([...rules]).to.include("OP-011 TIMESTAMP");
    expect(
      violations.some(
        (v) => v.rule === "OP-041" && v.detail.includes(fx.recipient.address.toLowerCase()),
      ),
    ).to.equal(true);
  });

  it("test_erc7562_ownerOpValidation_eoaOwners_noViolation", async function () {
    // Finding F-1 (fixed): owner signatures were checked with OpenZeppelin's SignatureChecker, which asks each EOA
    // owner for its code size first (EXTCODESIZE on an address without code, OP-041), so ERC-7562 bundlers refused
    // owner user operations. ECDSA now comes first; an EOA owner's valid signature touches no other account.
    const fx = await networkHelpers.loadFixture(walletFixture);
    for (const signers of [fx.owners.slice(0, 2), fx.owners]) {
      const op = await ownerOp(fx, [pay(fx.recipient.address, 1n)], signers);
      const violations = await check(fx, fx.address, await traceValidation(fx, op));
      expect(summary(violations), `${signers.length} signers`).to.deep.equal([]);
    }
  });

  it("test_erc7562_contractOwnerSignature_readsTheOwnersStorage_documentedLimitation", async function () {
    // Documented limitation L-1: an ERC-1271 owner's isValidSignature runs in validation and reads the owner
    // contract's storage (STO-021 for an unstaked account). Contract owners approve on-chain or through
    // executeWithSignatures; owner user ops signed by them need a bundler that doesn't apply ERC-7562.
    const fx = await networkHelpers.loadFixture(walletFixture);
    const [contractKey, eoa] = testWallets(2, "erc7562-contract-owner");
    const contractOwner = await deployContractOwner(conn, contractKey);
    const contractOwnerAddress = (await contractOwner.getAddress()).toLowerCase();
    const { wallet, address } = await createWallet(ethers, fx.factory, fx.entryPoint, {
      owners: [eoa, { address: contractOwnerAddress } as Wallet],
      threshold: 2,
      salt: zeroPadValue("0x75", 32),
    });
    const twin = { ...fx, wallet, address };
    const op = await ownerOp(twin, [pay(fx.recipient.address, 1n)], []);
    const hash = await fx.entryPoint.getUserOpHash(op);
    // Owners sign the userOpHash in the wallet's signature epoch (EIP-712 `OwnerOperation`).
    const digest = await wallet.hashOwnerOperation(hash);
    const signed = {
      ...op,
      signature: packOwnerSignatures([
        { signer: eoa.address, signature: signDigest(eoa, digest) },
        { signer: contractOwnerAddress, signature: signDigest(contractKey, digest) },
      ]),
    };
    const violations = await check(fx, address, await traceValidation(twin, signed, address));
    expect(
      violations.some(
        (v) => v.rule === "STO-021" && v.detail.endsWith(`of ${contractOwnerAddress}`),
      ),
      JSON.stringify(summary(violations)),
    ).to.equal(true);
    // The signature was valid: validation returned success, so this is the path a real op takes.
    const ep = await ethers.getSigner(await fx.entryPoint.getAddress());
    expect(await wallet.connect(ep).validateUserOp.staticCall(signed, hash, 0n)).to.equal(0n);
  });
});
