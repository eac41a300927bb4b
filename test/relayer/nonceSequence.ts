/**
 * Nonce sequences: an op whose nonce follows ops of the same sender and nonce key still pending in the relayer
 * is accepted when it validates on top of them (ERC-7562 mempools do the same), and the run is bundled in nonce
 * order. The failing sides: a gap in the nonce is still refused (AA25); a successor that fails on top of its
 * predecessors gets its own error; a predecessor dropped before bundling takes its pending successors out with
 * a status naming it (in the same bundle or still queued). Blocks are mined by hand, so "pending" is under
 * the test's control. Real Hardhat node.
 */
import { expect } from "chai";
import { Wallet, parseEther } from "ethers";
import { USER_OPERATION_EVENT_TOPIC } from "../../src/relayer/abi.js";
import type { RunningRelayer } from "../../src/relayer/relayer.js";
import type { UserOperation } from "../../src/relayer/userOp.js";
import {
  buildOp,
  call,
  createAccounts,
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
} from "./helpers.js";

const RECIPIENT = "0x000000000000000000000000000000000000bEEF";

describe("relayer: nonce sequences of one sender and key", function () {
  this.timeout(180_000);
  let chain: TestChain;
  let accounts: TestAccount[];
  let relayer: RunningRelayer;
  let lane = 100n;

  const mine = () => rawRpc(chain.url, "evm_mine");
  const send = (op: UserOperation) =>
    call(relayer.url, "eth_sendUserOperation", [rpcOp(op), chain.entryPointAddress]);
  /** Op `sequence` of a nonce key, built without reading the chain (its predecessors may be pending). */
  const sequenced = (account: TestAccount, key: bigint, sequence: bigint, overrides = {}) =>
    buildOp(chain, account, {
      nonce: (key << 64n) | sequence,
      callData: simpleExecute(RECIPIENT, 1n, "0x"),
      ...overrides,
    });
  async function status(hash: string) {
    const response = await call(relayer.url, "leash_getUserOperationStatus", [hash]);
    return response.result as {
      status: string;
      reason: string | null;
      transactionHash: string | null;
    };
  }
  /** Mines a block every 200 ms until every op is final. */
  async function mineUntilFinal(hashes: string[]) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const states = await Promise.all(hashes.map(status));
      if (states.every((s) => ["included", "failed", "dropped"].includes(s.status))) return states;
      if (Date.now() > deadline) throw new Error(`not final: ${JSON.stringify(states)}`);
      await mine();
      await sleep(200);
    }
  }
  /** Waits until the bundler has put the op in a bundle (status submitted). */
  async function waitSubmitted(hash: string) {
    const deadline = Date.now() + 30_000;
    while ((await status(hash)).status !== "submitted") {
      if (Date.now() > deadline) throw new Error(`op ${hash} never submitted`);
      await sleep(50);
    }
  }

  before(async () => {
    chain = await startChain();
    accounts = await createAccounts(chain, 4, 10n ** 19n);
    relayer = await startTestRelayer(chain, "nonce-sequence", {
      // One bundle in flight: while it is unmined, later ops wait in the queue (as the drop test needs).
      bundler: { maxInFlightBundles: 1, maxOpsPerBundle: 2 },
      limits: { maxPendingPerNonceKey: 3 },
    });
    await rawRpc(chain.url, "evm_setAutomine", [false]);
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
  });

  it("accepts ops whose nonces follow pending ones of the same key (up to the limit) and includes them in nonce order", async () => {
    const account = accounts[0];
    const key = lane++;
    const first = await send(await sequenced(account, key, 0n));
    expect(first.error, JSON.stringify(first.error)).to.equal(undefined);
    await waitSubmitted(first.result as string); // in flight, not mined: the chain's nonce is still 0
    const second = await send(await sequenced(account, key, 1n));
    expect(second.error, JSON.stringify(second.error)).to.equal(undefined);
    const third = await send(await sequenced(account, key, 2n)); // after a queued (not yet bundled) one
    expect(third.error, JSON.stringify(third.error)).to.equal(undefined);

    // A fourth would make four pending on this key: over the limit (3), refused naming the field.
    const fourth = await send(await sequenced(account, key, 3n));
    expect(fourth.error?.code).to.equal(-32602);
    expect(fourth.error?.data).to.deep.include({ field: "nonce", maxPending: 3, pending: 3 });

    const hashes = [first, second, third].map((r) => r.result as string);
    const final = await mineUntilFinal(hashes);
    expect(final.map((s) => s.status)).to.deep.equal(["included", "included", "included"]);
    // On chain in nonce order: the events' (block, log index) rise with the nonce.
    const logs = await chain.provider.getLogs({
      address: chain.entryPointAddress,
      topics: [USER_OPERATION_EVENT_TOPIC],
      fromBlock: 0,
    });
    const position = (hash: string) => {
      const log = logs.find((l) => l.topics[1].toLowerCase() === hash.toLowerCase())!;
      return log.blockNumber * 1_000_000 + log.index;
    };
    expect(position(hashes[0])).to.be.lessThan(position(hashes[1]));
    expect(position(hashes[1])).to.be.lessThan(position(hashes[2]));
    expect(await chain.entryPoint.getFunction("getNonce")(account.address, key)).to.equal(
      (key << 64n) | 3n,
    );
  });

  it("still refuses a nonce gap (AA25), and a successor failing on top of its predecessor with its own error", async () => {
    const account = accounts[1];
    const key = lane++;
    const first = await send(await sequenced(account, key, 0n));
    expect(first.error, JSON.stringify(first.error)).to.equal(undefined);

    const gap = await send(await sequenced(account, key, 2n)); // nonce 1 is missing
    expect(gap.error?.code).to.equal(-32500);
    expect(gap.error?.message).to.match(/AA25/);

    const otherKey = await send(await sequenced(account, lane++, 1n)); // no predecessor on that key at all
    expect(otherKey.error?.code).to.equal(-32500);
    expect(otherKey.error?.message).to.match(/AA25/);

    const stranger = Wallet.createRandom() as unknown as Wallet;
    const badSignature = await sequenced(account, key, 1n);
    signOp(chain, { owner: stranger, address: account.address }, badSignature);
    const refused = await send(badSignature);
    expect(refused.error?.code).to.equal(-32507);
    expect(refused.error?.message).to.match(/AA24/);

    const reverting = await send(
      await sequenced(account, key, 1n, {
        callData: simpleExecute(RECIPIENT, parseEther("1000"), "0x"),
      }),
    );
    expect(reverting.error?.code).to.equal(-32521);

    const final = await mineUntilFinal([first.result as string]);
    expect(final[0].status).to.equal("included");
  });

  it("refuses a successor whose pending predecessor no longer validates, naming that predecessor", async () => {
    const account = accounts[3];
    const key = lane++;
    // The predecessor asks for a large prefund, its successor for a small one.
    const first = await send(await sequenced(account, key, 0n, { callGasLimit: 3_000_000n }));
    expect(first.error, JSON.stringify(first.error)).to.equal(undefined);
    const next = await sequenced(account, key, 1n);
    const prefund = (op: UserOperation) =>
      (op.callGasLimit + op.verificationGasLimit + op.preVerificationGas) * op.maxFeePerGas;
    const deposit = (await chain.entryPoint.getFunction("balanceOf")(account.address)) as bigint;
    const balance = await chain.provider.getBalance(account.address);
    // Enough for the successor alone (so alone it fails only on its nonce, AA25), not for the predecessor.
    const funds = (prefund(next) * 3n) / 2n - deposit;
    expect(
      funds > 0n &&
        funds + deposit < prefund(await sequenced(account, key, 0n, { callGasLimit: 3_000_000n })),
    ).to.equal(true);
    await rawRpc(chain.url, "hardhat_setBalance", [account.address, "0x" + funds.toString(16)]);
    try {
      const successor = await send(next);
      expect(successor.error?.code, JSON.stringify(successor.error)).to.equal(-32500);
      expect(successor.error?.message).to.match(
        /nonce follows pending operations that no longer validate/,
      );
      expect(successor.error?.message).to.include(first.result as string);
      expect(successor.error?.data).to.deep.include({ field: "nonce", pendingOp: first.result });
    } finally {
      await rawRpc(chain.url, "hardhat_setBalance", [account.address, "0x" + balance.toString(16)]);
    }
    const final = await mineUntilFinal([first.result as string]);
    expect(final[0].status).to.equal("included");
  });

  it("keeps a successor queued (not dropped) while its predecessor is leased by another instance, then includes both", async () => {
    const [account, other] = [accounts[0], accounts[3]];
    const holder = await send(await sequenced(other, lane++, 0n));
    expect(holder.error, JSON.stringify(holder.error)).to.equal(undefined);
    await waitSubmitted(holder.result as string); // the bundler now waits for a block

    const key = lane++;
    const first = await send(await sequenced(account, key, 0n));
    const second = await send(await sequenced(account, key, 1n));
    expect([first.error, second.error]).to.deep.equal([undefined, undefined]);
    // Another instance sharing the queue leases the first op (the oldest received one) and holds it.
    const taken = await relayer.store.leaseOps(
      "another-instance",
      chain.entryPointAddress,
      1,
      120_000,
      Date.now(),
    );
    expect(taken.map((op) => op.hash)).to.deep.equal([first.result]);

    // Blocks go by: the second op alone fails AA25, but its predecessor is open: it stays queued.
    for (let i = 0; i < 5; i++) {
      await mine();
      await sleep(200);
    }
    expect((await status(holder.result as string)).status).to.equal("included");
    expect((await status(second.result as string)).status).to.equal("received");

    await relayer.store.releaseOps("another-instance", [first.result as string]);
    const final = await mineUntilFinal([first.result as string, second.result as string]);
    expect(final.map((s) => s.status)).to.deep.equal(["included", "included"]);
  });

  it("drops the pending successors of a predecessor dropped before bundling, naming it, in the bundle and in the queue", async () => {
    const [victim, other] = [accounts[2], accounts[3]];
    // The owner can drain its SimpleAccount directly; give it gas money while blocks are mined by hand.
    await chain.deployer.sendTransaction({ to: victim.owner.address, value: parseEther("1") });
    // Gas comes from a deposit, so every op of the run still validates after the drain below.
    await chain.entryPoint.connect(chain.deployer).getFunction("depositTo")(victim.address, {
      value: parseEther("1"),
    });
    await mine();

    // A bundle in flight and unmined keeps the bundler waiting (maxInFlightBundles 1).
    const holder = await send(await sequenced(other, lane++, 0n));
    expect(holder.error, JSON.stringify(holder.error)).to.equal(undefined);
    await waitSubmitted(holder.result as string);

    const key = lane++;
    const hashes: string[] = [];
    for (const sequence of [0n, 1n, 2n]) {
      // Only the first moves value (1 wei); its successors would succeed on their own after the drain.
      const value = sequence === 0n ? 1n : 0n;
      const op = await sequenced(victim, key, sequence, {
        callData: simpleExecute(RECIPIENT, value, "0x"),
      });
      const response = await send(op);
      expect(response.error, `nonce ${sequence}: ${JSON.stringify(response.error)}`).to.equal(
        undefined,
      );
      hashes.push(response.result as string);
    }
    // Front-run: the account's balance is emptied, so the first op's transfer reverts in the bundle
    // simulation (validation still passes on the deposit) and it is dropped; the others only follow it.
    const balance = await chain.provider.getBalance(victim.address);
    const owner = victim.owner.connect(chain.provider);
    await owner.sendTransaction({
      to: victim.address,
      data: simpleAccountInterface().encodeFunctionData("execute", [RECIPIENT, balance, "0x"]),
      gasLimit: 200_000n,
    });
    const final = await mineUntilFinal([holder.result as string, ...hashes]);
    expect(final[0].status).to.equal("included");
    const [first, second, third] = final.slice(1);
    expect(first.status).to.equal("dropped");
    expect(first.reason).to.match(/execution reverted/);
    // The second was leased into the same bundle, the third was still queued (two ops per bundle).
    for (const successor of [second, third]) {
      expect(successor.status).to.equal("dropped");
      expect(successor.reason).to.include(hashes[0]);
      expect(successor.reason).to.match(/follows/);
    }
    // Nothing of the run reached the chain.
    const logs = await chain.provider.getLogs({
      address: chain.entryPointAddress,
      topics: [USER_OPERATION_EVENT_TOPIC],
      fromBlock: 0,
    });
    const onChain = new Set(logs.map((l) => l.topics[1].toLowerCase()));
    for (const hash of hashes) expect(onChain.has(hash.toLowerCase())).to.equal(false);
  });
});
