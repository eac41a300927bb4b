/**
 * eth_estimateUserOperationGas must give limits that hold in the state an op really meets at inclusion,
 * not only in the state it was estimated in. A SimpleAccount that pays its own prefund (no EntryPoint
 * deposit) sends two ops estimated back to back, the second before the first is mined: the EntryPoint asks
 * the account for the missing funds in validation (a value call and a deposit write), which counts against
 * verificationGasLimit (AA26) and which a `validateUserOp` measured with no missing funds never sees.
 * Both ops must be accepted and, the second in a further bundle simulated on top of the pending first,
 * mined in one block. (Each op has its own nonce key, so what is tested is the prefund stacking, not a
 * nonce sequence: those are test/relayer/nonceSequence.ts.) The failing side: an op whose
 * verificationGasLimit really is too low is refused at once with the AA26 reason and never submitted.
 * Blocks are mined by hand, so "one block" does not depend on timing.
 */
import { expect } from "chai";
import { Wallet, parseEther } from "ethers";
import type { RunningRelayer } from "../../src/relayer/relayer.js";
import type { UserOperation } from "../../src/relayer/userOp.js";
import {
  buildOp,
  call,
  createAccounts,
  HARDHAT_KEYS,
  rawRpc,
  rpcOp,
  signOp,
  simpleAccountInterface,
  simpleExecute,
  sleep,
  startChain,
  startTestRelayer,
  type TestAccount,
  type TestChain,
  waitForFinal,
} from "./helpers.js";

describe("relayer estimates cover the state an op meets at inclusion", function () {
  this.timeout(180_000);
  let chain: TestChain;
  let relayer: RunningRelayer;
  let account: TestAccount;
  const recipient = Wallet.createRandom().address;
  const signerAddress = new Wallet(HARDHAT_KEYS[1]).address;

  const deposit = async () =>
    (await chain.entryPoint.getFunction("balanceOf")(account.address)) as bigint;

  /** Asks the relayer for limits (as a client does before sending) and signs the op with them. */
  async function estimated(op: UserOperation): Promise<UserOperation> {
    const response = await call(relayer.url, "eth_estimateUserOperationGas", [
      rpcOp(op),
      chain.entryPointAddress,
    ]);
    expect(response.error, JSON.stringify(response.error)).to.equal(undefined);
    const limits = response.result as Record<string, string>;
    return signOp(chain, account, {
      ...op,
      verificationGasLimit: BigInt(limits.verificationGasLimit),
      callGasLimit: BigInt(limits.callGasLimit),
      preVerificationGas: BigInt(limits.preVerificationGas),
    });
  }

  async function status(hash: string): Promise<string> {
    const response = await call(relayer.url, "leash_getUserOperationStatus", [hash]);
    return (response.result as { status: string }).status;
  }

  async function waitForStatus(hash: string, wanted: string): Promise<void> {
    for (let i = 0; i < 600; i++) {
      if ((await status(hash)) === wanted) return;
      await sleep(100);
    }
    throw new Error(`op ${hash} never reached ${wanted}: ${await status(hash)}`);
  }

  before(async () => {
    chain = await startChain();
    [account] = await createAccounts(chain, 1, 10n ** 19n);
    // The account's owner takes the deposit left by the deploying op: from now on the account pays each
    // op's prefund from its balance during validation, as a fresh account does.
    const owner = account.owner.connect(chain.provider);
    await (
      await chain.deployer.sendTransaction({ to: owner.address, value: parseEther("1") })
    ).wait();
    await (
      await owner.sendTransaction({
        to: account.address,
        data: simpleAccountInterface().encodeFunctionData("withdrawDepositTo", [
          owner.address,
          await deposit(),
        ]),
      })
    ).wait();
    expect(await deposit()).to.equal(0n);
    relayer = await startTestRelayer(chain, "estimate-stacking");
    // From here on a block is mined only when the test says so.
    await rawRpc(chain.url, "evm_setAutomine", [false]);
    await rawRpc(chain.url, "evm_setIntervalMining", [0]);
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
  });

  it("two ops of one sender estimated back to back are accepted, sent in two bundles and mined in one block", async () => {
    // Both estimated before either is sent, let alone mined.
    const first = await estimated(
      await buildOp(chain, account, { nonceKey: 5n, callData: simpleExecute(recipient, 1n, "0x") }),
    );
    const second = await estimated(
      await buildOp(chain, account, { nonceKey: 7n, callData: simpleExecute(recipient, 2n, "0x") }),
    );
    // The first is bundled before the second is sent, so the second goes out in a further bundle, simulated
    // on top of the pending first one: both bundles in the mempool before any block is mined.
    const hashes: string[] = [];
    for (const op of [first, second]) {
      const response = await call(relayer.url, "eth_sendUserOperation", [
        rpcOp(op),
        chain.entryPointAddress,
      ]);
      expect(response.error, JSON.stringify(response.error)).to.equal(undefined);
      hashes.push(response.result as string);
      await waitForStatus(hashes[hashes.length - 1], "submitted");
    }
    await rawRpc(chain.url, "evm_mine");
    const blocks: number[] = [];
    const bundles: string[] = [];
    for (const hash of hashes) {
      const final = await waitForFinal(relayer.url, hash, {}, 60_000);
      expect(final.status, JSON.stringify(final)).to.equal("included");
      const receipt = await chain.provider.getTransactionReceipt(final.transactionHash!);
      expect(receipt!.status).to.equal(1);
      blocks.push(receipt!.blockNumber);
      bundles.push(final.transactionHash!);
    }
    expect(blocks[1]).to.equal(blocks[0]);
    expect(new Set(bundles).size, "two bundles").to.equal(2);
    expect(await chain.provider.getBalance(recipient)).to.equal(3n);
    for (const key of [5n, 7n])
      expect(await chain.entryPoint.getFunction("getNonce")(account.address, key)).to.equal(
        (key << 64n) + 1n,
      );
  });

  it("an op whose verificationGasLimit is truly too low is refused with AA26 and never submitted", async () => {
    const key = 6n << 64n;
    const op = await estimated(
      await buildOp(chain, account, { nonce: key, callData: simpleExecute(recipient, 4n, "0x") }),
    );
    // 40,000 is enough for the account's validateUserOp (ecrecover, the prefund payment) but not for that plus
    // the EntryPoint's own part (the deposit, the new nonce key's slot): AA26, not an account failure.
    const tooLow = signOp(chain, account, { ...op, verificationGasLimit: 40_000n });
    expect(op.verificationGasLimit > 40_000n).to.equal(true);
    const signerNonce = await chain.provider.getTransactionCount(signerAddress, "pending");
    const response = await call(relayer.url, "eth_sendUserOperation", [
      rpcOp(tooLow),
      chain.entryPointAddress,
    ]);
    expect(response.error?.code, JSON.stringify(response)).to.equal(-32500);
    expect(response.error?.message).to.contain("AA26 over verificationGasLimit");
    await rawRpc(chain.url, "evm_mine");
    expect(await chain.provider.getTransactionCount(signerAddress, "pending")).to.equal(
      signerNonce,
    );
    expect(await chain.entryPoint.getFunction("getNonce")(account.address, 6n)).to.equal(key);
    expect(await chain.provider.getBalance(recipient)).to.equal(3n);
    // The same op with the estimated limit goes through: only the limit was wrong.
    const accepted = await call(relayer.url, "eth_sendUserOperation", [
      rpcOp(op),
      chain.entryPointAddress,
    ]);
    expect(accepted.error, JSON.stringify(accepted.error)).to.equal(undefined);
    await waitForStatus(accepted.result as string, "submitted");
    await rawRpc(chain.url, "evm_mine");
    const final = await waitForFinal(relayer.url, accepted.result as string, {}, 60_000);
    expect(final.status, JSON.stringify(final)).to.equal("included");
    expect(await chain.provider.getBalance(recipient)).to.equal(7n);
  });
});
