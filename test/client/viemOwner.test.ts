/**
 * The viem owner helpers (src/client/viem/owner.ts) and the one typed-data builder they share with the ethers
 * path (src/client/signedActions.ts): every payload signs to the same bytes with viem and ethers, and the
 * helpers' refusals — a stranger's pause, an approval in an epoch that is not the wallet's — hold against the
 * real relayer, unpaid.
 */
import { expect } from "chai";
import { Wallet, parseEther, recoverAddress } from "ethers";
import { createPublicClient, http, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  OwnerClient,
  RelayerRpc,
  approvalTypedData,
  executeCallsTypedData,
  guardianActionTypedData,
  ownerOperationTypedData,
  pauseLeashWallet,
  relayerRequestTypedData,
  signLeashApproval,
  signLeashGuardianAction,
  signTypedDataWith,
  typedDataDigest,
  walletContract,
  walletInterface,
  type LeashTypedData,
} from "../../src/client/index.js";
import { startStack, type Stack } from "./stack.js";

describe("viem owner helpers and the shared EIP-712 payloads", function () {
  this.timeout(120_000);
  let stack: Stack;
  let alice: Wallet;
  let bob: Wallet;
  let guardian: Wallet;
  let walletAddress: string;
  let apiKey: string;
  const stranger = Wallet.createRandom();

  before(async () => {
    stack = await startStack();
    alice = await stack.fundedWallet("viem-alice");
    bob = await stack.fundedWallet("viem-bob");
    guardian = await stack.fundedWallet("viem-guardian");
    const input = {
      factory: stack.factory,
      // Three of three: alice's proposal and bob's approval leave it pending, so what the relayer holds shows.
      owners: [alice.address, bob.address, Wallet.createRandom().address],
      threshold: 3,
      guardians: [guardian.address],
      minPauseDuration: 3600,
      salt: "viem-owner-tests",
      agents: [],
    };
    walletAddress = (await OwnerClient.createWallet(stack.chain.deployer, input)).address;
    await (
      await stack.chain.deployer.sendTransaction({ to: walletAddress, value: parseEther("1") })
    ).wait();
    apiKey = await stack.apiKey(walletAddress);
  });

  after(async () => {
    await stack?.stop();
  });

  const client = () => createPublicClient({ transport: http(stack.chain.url) });

  it("every signed action's payload signs to the same bytes with viem and ethers, over its digest", async () => {
    const chainId = stack.chain.chainId;
    const account = privateKeyToAccount(alice.privateKey as Hex);
    const payloads: LeashTypedData[] = [
      approvalTypedData({
        wallet: walletAddress,
        chainId,
        proposalId: 7n,
        deadline: 99n,
        epoch: 3n,
      }),
      guardianActionTypedData({
        wallet: walletAddress,
        chainId,
        data: walletInterface.encodeFunctionData("pause", []),
        nonce: 5n,
        deadline: 99n,
        epoch: 3n,
      }),
      executeCallsTypedData({
        wallet: walletAddress,
        chainId,
        calls: [{ target: walletAddress, value: 1n, data: "0x1234" }],
        nonce: 5n,
        deadline: 99n,
        epoch: 3n,
      }),
      ownerOperationTypedData({
        wallet: walletAddress,
        chainId,
        userOpHash: `0x${"ab".repeat(32)}`,
        epoch: 3n,
      }),
      relayerRequestTypedData({
        chainId,
        action: "withdraw",
        wallet: walletAddress,
        id: 7n,
        issuedAt: 1_764_700_000n,
      }),
    ];
    for (const payload of payloads) {
      const viaEthers = await signTypedDataWith(alice, payload);
      const viaViem = await account.signTypedData(
        payload as Parameters<typeof account.signTypedData>[0],
      );
      expect(viaViem, payload.primaryType).to.equal(viaEthers);
      expect(recoverAddress(typedDataDigest(payload), viaViem), payload.primaryType).to.equal(
        alice.address,
      );
    }
    // The viem helpers sign exactly those payloads.
    expect(
      await signLeashApproval({
        signer: account,
        wallet: walletAddress as Hex,
        chainId,
        proposalId: 7n,
        deadline: 99n,
        epoch: 3n,
      }),
    ).to.equal(await signTypedDataWith(alice, payloads[0]));
    expect(
      await signLeashGuardianAction({
        signer: account,
        wallet: walletAddress as Hex,
        chainId,
        data: walletInterface.encodeFunctionData("pause", []) as Hex,
        nonce: 5n,
        deadline: 99n,
        epoch: 3n,
      }),
    ).to.equal(await signTypedDataWith(alice, payloads[1]));
    // Another epoch is another digest: a signature never carries over an owner or guardian change.
    const otherEpoch = approvalTypedData({
      wallet: walletAddress,
      chainId,
      proposalId: 7n,
      deadline: 99n,
      epoch: 4n,
    });
    expect(typedDataDigest(otherEpoch)).to.not.equal(typedDataDigest(payloads[0]));
  });

  it("pauseLeashWallet: a stranger's viem pause is refused before anything is sent, the wallet stays unpaused", async () => {
    const relayerNonce = await stack.chain.provider.getTransactionCount(
      stack.relayer.signerAddress,
    );
    const refused = await pauseLeashWallet({
      client: client(),
      signer: privateKeyToAccount(stranger.privateKey as Hex),
      wallet: walletAddress as Hex,
      relayerUrl: stack.relayer.url,
      apiKey,
    }).catch((e: Error) => e);
    expect(refused).to.be.instanceOf(Error);
    expect(await walletContract(walletAddress, stack.chain.provider).paused()).to.equal(false);
    expect(await stack.chain.provider.getTransactionCount(stack.relayer.signerAddress)).to.equal(
      relayerNonce,
    );
  });

  it("an owner's viem approval signed in an epoch that is not the wallet's is refused; in the wallet's epoch it counts", async () => {
    const aliceOnly = new OwnerClient({ wallet: walletAddress, signers: [alice] });
    const proposed = await aliceOnly.propose(aliceOnly.calls.setUtcOffset(3600));
    const id = proposed.proposalId!;
    const proposal = await aliceOnly.proposal(id);
    expect(proposal.state).to.equal("pending");
    const epoch = await walletContract(walletAddress, stack.chain.provider).signatureEpoch();
    const relayer = new RelayerRpc({ url: stack.relayer.url, apiKey });
    const post = (signature: Hex) =>
      relayer.request<{ approvedAtRelayer: { owner: string }[] }>("leash_postApproval", [
        { wallet: walletAddress, proposalId: id.toString(), owner: bob.address, signature },
      ]);
    const sign = (e: bigint) =>
      signLeashApproval({
        signer: privateKeyToAccount(bob.privateKey as Hex),
        wallet: walletAddress as Hex,
        chainId: stack.chain.chainId,
        proposalId: id,
        deadline: proposal.expiresAt,
        epoch: e,
      });
    const stale = await post(await sign(epoch + 1n)).catch((e: Error) => e);
    expect(stale).to.be.instanceOf(Error);
    const listed = await relayer.request<{ approvedAtRelayer: { owner: string }[] }>(
      "leash_listApprovals",
      [{ wallet: walletAddress, proposalId: id.toString() }],
    );
    expect(listed.approvedAtRelayer).to.deep.equal([]);
    // The control case: the same owner, the wallet's epoch.
    const accepted = await post(await sign(epoch));
    expect(accepted.approvedAtRelayer.map((a) => a.owner)).to.deep.equal([bob.address]);
  });
});
