/**
 * The relayer's approvals service with a passkey owner (issue 15): the passkey's owner contract (PasskeyOwner,
 * ERC-1271) posts an approval signed by a WebAuthn assertion; the relayer verifies it by simulating the
 * wallet's own check (which calls the owner's `isValidSignature` by eth_call), stores it, and submits it with
 * an EOA owner's once they reach the threshold. A forged passkey approval is refused and stored nowhere.
 * Signed relayer requests (withdraw) from the passkey owner are checked through ERC-1271 too.
 */
import { expect } from "chai";
import { Contract, Wallet, parseEther, type InterfaceAbi } from "ethers";
import {
  OwnerClient,
  approvalNonce,
  passkeyOwnerAddress,
  signApprovalWithPasskey,
  signRelayerRequestWithPasskey,
} from "../../src/client/index.js";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import { IAgentWallet__factory, type IAgentWallet } from "../../typechain-types/index.js";
import { testWallets } from "../helpers/fixtures.js";
import { FLAG_UP, SoftPasskey, encodeUnchecked } from "../helpers/passkey.js";
import {
  HARDHAT_KEYS,
  call,
  deployContract,
  startChain,
  tempDir,
  type TestChain,
} from "./helpers.js";
import { createLeashWallet, deployLeashStack, walletConfig } from "./leashWallet.js";

describe("relayer: approvals service with a passkey owner (ERC-1271)", function () {
  this.timeout(180_000);
  let chain: TestChain;
  let relayer: RunningRelayer;
  let wallet: IAgentWallet;
  let walletAddress: string;
  let implementation: string;
  let passkeyFactory: string;
  let passkeyOwner: string;
  const passkey = new SoftPasskey();
  const intruder = new SoftPasskey();
  const [alice, bob, proposerKey] = testWallets(3, "passkey-relayer-owner");
  const [recipient] = testWallets(1, "passkey-relayer-other");

  const post = (owner: string, signature: string, proposalId: bigint) =>
    call(relayer.url, "leash_postApproval", [
      { wallet: walletAddress, proposalId: proposalId.toString(), owner, signature },
    ]);

  /** A pending owners' proposal paying `recipient` 1 wei, with no approval yet. */
  async function pendingProposal(): Promise<bigint> {
    const w = wallet.connect(proposerKey.connect(chain.provider));
    const now = BigInt((await chain.provider.getBlock("latest"))!.timestamp);
    await (
      await w.propose([{ target: recipient.address, value: 1n, data: "0x" }], now + 86_400n)
    ).wait();
    const id = await wallet.proposalCount();
    await (await w.revokeApproval(id)).wait();
    return id;
  }

  const ownerClient = (signers: Wallet[] = []) =>
    new OwnerClient({
      wallet: walletAddress,
      signers: signers.map((s) => s.connect(chain.provider)),
      provider: chain.provider,
      relayer: { url: relayer.url },
    });

  before(async () => {
    chain = await startChain();
    let factory: Contract;
    ({ implementation, factory } = await deployLeashStack(chain));
    const pkFactory = await deployContract(
      chain,
      "owners/PasskeyOwnerFactory.sol/PasskeyOwnerFactory.json",
    );
    passkeyFactory = await pkFactory.getAddress();
    await (await pkFactory.getFunction("createPasskeyOwner")(passkey.key.x, passkey.key.y)).wait();
    passkeyOwner = passkeyOwnerAddress(passkey.key, passkeyFactory);
    // The intruder's owner contract exists too, but is not an owner of the wallet.
    await (
      await pkFactory.getFunction("createPasskeyOwner")(intruder.key.x, intruder.key.y)
    ).wait();
    // Owners: alice, bob, the proposer and the passkey; 2 of 4.
    walletAddress = await createLeashWallet(
      chain,
      factory,
      walletConfig([alice.address, bob.address, proposerKey.address, passkeyOwner], 2),
      [],
      { balance: parseEther("1"), deposit: 0n },
    );
    await (
      await chain.deployer.sendTransaction({ to: proposerKey.address, value: parseEther("10") })
    ).wait();
    wallet = IAgentWallet__factory.connect(walletAddress, chain.provider);
    relayer = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: chain.entryPointAddress,
      db: `sqlite:${tempDir()}/leash.sqlite`,
      signer: { privateKey: HARDHAT_KEYS[1] },
      port: 0,
      authRequired: true,
      walletImplementations: [implementation],
      walletErrorAbi: IAgentWallet__factory.abi as unknown as InterfaceAbi,
      logSink: () => {},
    });
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
  });

  it("refuses a forged passkey approval (another key, UV cleared, another proposal) and stores none", async () => {
    const id = await pendingProposal();
    const other = await pendingProposal();
    const [, , , expiresAt] = await wallet.getProposal(id);
    const epoch = await wallet.signatureEpoch();
    const sign = (key: SoftPasskey, proposalId = id) =>
      signApprovalWithPasskey({
        wallet: walletAddress,
        chainId: chain.chainId,
        proposalId,
        deadline: expiresAt,
        epoch,
        key: passkey.key,
        factory: passkeyFactory,
        getAssertion: key.authenticator(),
      });
    // Another passkey's assertion, claimed as the owner passkey's.
    const forged = await post(passkeyOwner, (await sign(intruder)).signature, id);
    expect(forged.error?.code).to.equal(-32602);
    expect(forged.error?.message).to.match(/approval refused by the wallet: SignatureInvalid/);
    // The owner passkey's real assertion, but with the User Verified flag cleared (hand-encoded).
    const digest = (await sign(passkey)).digest;
    const noUv = encodeUnchecked(passkey.assert(digest, { flags: FLAG_UP }));
    const unverified = await post(passkeyOwner, noUv, id);
    expect(unverified.error?.code).to.equal(-32602);
    expect(unverified.error?.message).to.match(/SignatureInvalid/);
    // The real passkey's approval of another proposal.
    const elsewhere = await post(passkeyOwner, (await sign(passkey, other)).signature, id);
    expect(elsewhere.error?.code).to.equal(-32602);
    // The intruder's own owner contract with its own valid assertion: not an owner.
    const intruderOwner = passkeyOwnerAddress(intruder.key, passkeyFactory);
    const notOwner = await post(
      intruderOwner,
      (
        await signApprovalWithPasskey({
          wallet: walletAddress,
          chainId: chain.chainId,
          proposalId: id,
          deadline: expiresAt,
          epoch: await wallet.signatureEpoch(),
          key: intruder.key,
          factory: passkeyFactory,
          getAssertion: intruder.authenticator(),
        })
      ).signature,
      id,
    );
    expect(notOwner.error?.code).to.equal(-32602);
    expect(notOwner.error?.message).to.match(/is not an owner of/);
    const listed = await call(relayer.url, "leash_listApprovals", [
      {
        wallet: walletAddress,
        proposalId: id.toString(),
        auth: await ownerClient([alice])
          .signedRequest(alice.connect(chain.provider), "read", id)
          .then((a) => ({ ...a, issuedAt: a.issuedAt.toString() })),
      },
    ]);
    expect(listed.error, JSON.stringify(listed.error)).to.equal(undefined);
    const result = listed.result as { approvedAtRelayer: unknown[]; approvedOnChain: unknown[] };
    expect(result.approvedAtRelayer).to.deep.equal([]);
    expect(result.approvedOnChain).to.deep.equal([]);
  });

  it("accepts a passkey approval, holds it, and submits it with an EOA owner's at the threshold", async () => {
    const id = await pendingProposal();
    const before = await chain.provider.getBalance(recipient.address);
    const first = await ownerClient().approveWithPasskey(id, {
      key: passkey.key,
      factory: passkeyFactory,
      getAssertion: passkey.authenticator(),
    });
    expect(first.status).to.equal("pending");
    expect((await wallet.getProposal(id))[6]).to.equal(0n); // held by the relayer, nothing on chain
    const second = await ownerClient([alice]).approve(id, { timeoutMs: 90_000 });
    expect(second.status).to.equal("executed");
    expect(await chain.provider.getBalance(recipient.address)).to.equal(before + 1n);
    const approved = (
      await wallet.queryFilter(wallet.filters.ProposalApproved(id), 0, "latest")
    ).map((e) => e.args[1] as string);
    // The proposer's (revoked) approval, then the passkey owner and alice in one approveWithSignatures.
    expect(approved.slice(1).sort()).to.deep.equal([alice.address, passkeyOwner].sort());
    expect(await chain.provider.getBalance(alice.address)).to.equal(0n);
    // The relayer used the derived nonce: it is spent now.
    expect(await wallet.isNonceUsed(approvalNonce(walletAddress, id))).to.equal(true);
  });

  it("a passkey owner withdraws its approval with a signed request (ERC-1271); another key can't", async () => {
    const id = await pendingProposal();
    await ownerClient().approveWithPasskey(id, {
      key: passkey.key,
      factory: passkeyFactory,
      getAssertion: passkey.authenticator(),
    });
    const request = async (key: SoftPasskey) => {
      const auth = await signRelayerRequestWithPasskey({
        chainId: chain.chainId,
        action: "withdraw",
        wallet: walletAddress,
        id,
        key: passkey.key,
        factory: passkeyFactory,
        getAssertion: key.authenticator(),
      });
      return { ...auth, issuedAt: auth.issuedAt.toString() };
    };
    const forged = await call(relayer.url, "leash_withdrawApproval", [
      { wallet: walletAddress, proposalId: id.toString(), auth: await request(intruder) },
    ]);
    expect(forged.error?.code).to.equal(-32002);
    // The intruder's own owner contract, with its own valid assertion (ERC-1271 accepts it): not an owner.
    const intruderAuth = await signRelayerRequestWithPasskey({
      chainId: chain.chainId,
      action: "withdraw",
      wallet: walletAddress,
      id,
      key: intruder.key,
      factory: passkeyFactory,
      getAssertion: intruder.authenticator(),
    });
    const notOwner = await call(relayer.url, "leash_withdrawApproval", [
      {
        wallet: walletAddress,
        proposalId: id.toString(),
        auth: { ...intruderAuth, issuedAt: intruderAuth.issuedAt.toString() },
      },
    ]);
    expect(notOwner.error?.code).to.equal(-32002);
    expect(notOwner.error?.message).to.match(/bad request signature/);
    // (The passkey owner withdraws it below: the refused request took nothing back.)
    const withdrawn = await call(relayer.url, "leash_withdrawApproval", [
      { wallet: walletAddress, proposalId: id.toString(), auth: await request(passkey) },
    ]);
    expect(withdrawn.error, JSON.stringify(withdrawn.error)).to.equal(undefined);
    expect(withdrawn.result).to.deep.equal({ withdrawn: true });
    // Alice's approval alone no longer completes the threshold.
    const second = await ownerClient([alice]).approve(id);
    expect(second.status).to.equal("pending");
    expect((await wallet.getProposal(id))[0]).to.equal(1n);
  });
});
