/**
 * leash_submitSignedBatch's failing side, at the relayer: a batch signed by fewer owners than the threshold, by an
 * owner and a stranger, or by strangers only is refused with the wallet's own error and nothing is sent (the
 * relayer's signer pays nothing, the batch nonce stays unused); the same batch at the threshold goes through once,
 * and its replay is refused.
 */
import { expect } from "chai";
import { Wallet, parseEther, type InterfaceAbi } from "ethers";
import { OwnerClient, packOwnerSignatures, type SignedBatch } from "../../src/client/owner.js";
import type { RunningRelayer } from "../../src/relayer/relayer.js";
import { IAgentWallet__factory, type IAgentWallet } from "../../typechain-types/index.js";
import { testWallets } from "../helpers/fixtures.js";
import { HARDHAT_KEYS, call, startChain, startTestRelayer, type TestChain } from "./helpers.js";
import { createLeashWallet, deployLeashStack, sortedOwners, walletConfig } from "./leashWallet.js";

describe("relayer: leash_submitSignedBatch refuses a batch below the threshold, unpaid", function () {
  this.timeout(180_000);
  let chain: TestChain;
  let relayer: RunningRelayer;
  let wallet: IAgentWallet;
  let walletAddress: string;
  let batch: SignedBatch;
  const owners = sortedOwners(3, "signed-batch-owner");
  const [stranger, otherStranger, recipient] = testWallets(3, "signed-batch-other");
  const signerAddress = new Wallet(HARDHAT_KEYS[1]).address;

  /** `batch` with the signatures of `signers` only, packed as executeWithSignatures takes them. */
  async function submit(signers: Wallet[]) {
    const signed = await new OwnerClient({
      wallet: walletAddress,
      signers: signers.map((s) => s.connect(chain.provider)),
      provider: chain.provider,
    }).sign({ ...batch, signatures: [] });
    return call(relayer.url, "leash_submitSignedBatch", [
      {
        wallet: walletAddress,
        calls: batch.calls.map((c) => ({
          target: c.target,
          value: c.value.toString(),
          data: c.data,
        })),
        nonce: batch.nonce.toString(),
        deadline: batch.deadline.toString(),
        signatures: packOwnerSignatures(signed.signatures),
      },
    ]);
  }

  before(async () => {
    chain = await startChain();
    const { implementation, factory } = await deployLeashStack(chain);
    // 2 of 3 owners, none of them funded: the relayer pays for a valid batch.
    walletAddress = await createLeashWallet(
      chain,
      factory,
      walletConfig(
        owners.map((o) => o.address),
        2,
      ),
      [],
      { balance: parseEther("1"), deposit: 0n },
    );
    wallet = IAgentWallet__factory.connect(walletAddress, chain.provider);
    relayer = await startTestRelayer(chain, "signed-batch", {
      authRequired: true,
      walletImplementations: [implementation],
      walletErrorAbi: IAgentWallet__factory.abi as unknown as InterfaceAbi,
    });
    batch = await new OwnerClient({
      wallet: walletAddress,
      signers: [],
      provider: chain.provider,
    }).sign([{ target: recipient.address, value: 1n, data: "0x" }]);
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
  });

  it("refuses one owner alone, an owner with a stranger, and strangers only; sends nothing", async () => {
    const sentBefore = await chain.provider.getTransactionCount(signerAddress, "latest");
    for (const signers of [[owners[0]], [owners[1], stranger], [stranger, otherStranger]]) {
      const answer = await submit(signers);
      expect(answer.result, JSON.stringify(answer)).to.equal(undefined);
      expect(answer.error?.code).to.equal(-32521);
      expect(answer.error?.message).to.match(/SignatureInvalid/);
    }
    expect(await chain.provider.getTransactionCount(signerAddress, "latest")).to.equal(sentBefore);
    expect(await chain.provider.getTransactionCount(signerAddress, "pending")).to.equal(sentBefore);
    expect(await wallet.isNonceUsed(batch.nonce)).to.equal(false);
  });

  it("sends the batch at the threshold, once: its replay is refused", async () => {
    const accepted = await submit([owners[0], owners[2]]);
    expect(accepted.error, JSON.stringify(accepted.error)).to.equal(undefined);
    const { transactionHash } = accepted.result as { transactionHash: string };
    const receipt = await chain.provider.waitForTransaction(transactionHash, 1, 60_000);
    expect(receipt?.status).to.equal(1);
    expect(receipt?.from).to.equal(signerAddress);
    expect(await wallet.isNonceUsed(batch.nonce)).to.equal(true);

    const replay = await submit([owners[0], owners[2]]);
    expect(replay.result, JSON.stringify(replay)).to.equal(undefined);
    expect(replay.error?.code).to.equal(-32521);
  });
});
