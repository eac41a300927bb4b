/**
 * Bundling follows the chain's blocks. On a chain mining a block every second, with the relayer's fallback
 * poll set to 10 s (so only an accepted op's nudge or a new block can wake the bundler in time):
 * - an op accepted while the relayer is idle is included in the next block or the one after;
 * - an op accepted while the previous bundle is still in flight (one bundle in flight at most) is bundled as
 *   soon as the block holding that bundle is seen, so it lands in the block after it, not ten blocks later.
 * Assertions are on block numbers relative to acceptance, never on wall time.
 */
import { expect } from "chai";
import type { RunningRelayer } from "../../src/relayer/relayer.js";
import {
  buildOp,
  call,
  createAccounts,
  rawRpc,
  rpcOp,
  sleep,
  startChain,
  startTestRelayer,
  type TestAccount,
  type TestChain,
  waitForFinal,
} from "./helpers.js";

describe("relayer bundles on each new block", function () {
  this.timeout(180_000);
  let chain: TestChain;
  let accounts: TestAccount[];
  let relayer: RunningRelayer;
  let lane = 1n;

  const blockNumber = async () =>
    Number(BigInt((await rawRpc(chain.url, "eth_blockNumber")) as string));

  /** Sends one op; returns its hash and the latest block number just after it was acknowledged. */
  async function send(account: TestAccount): Promise<{ hash: string; latestAtAck: number }> {
    const op = await buildOp(chain, account, { nonceKey: lane++ });
    const response = await call(relayer.url, "eth_sendUserOperation", [
      rpcOp(op),
      chain.entryPointAddress,
    ]);
    expect(response.error, JSON.stringify(response.error)).to.equal(undefined);
    return { hash: response.result as string, latestAtAck: await blockNumber() };
  }

  async function inclusionBlock(hash: string): Promise<{ block: number; tx: string }> {
    const final = await waitForFinal(relayer.url, hash, {}, 60_000);
    expect(final.status, JSON.stringify(final)).to.equal("included");
    const receipt = await chain.provider.getTransactionReceipt(final.transactionHash!);
    return { block: receipt!.blockNumber, tx: final.transactionHash! };
  }

  async function status(hash: string): Promise<string> {
    const response = await call(relayer.url, "leash_getUserOperationStatus", [hash]);
    return (response.result as { status: string }).status;
  }

  before(async () => {
    chain = await startChain();
    accounts = await createAccounts(chain, 2, 10n ** 19n);
    await chain.setIntervalMining(1_000);
    relayer = await startTestRelayer(chain, "new-block", {
      // Without the new-block trigger an op waiting for room would sit for ten blocks.
      bundler: { pollIntervalMs: 10_000, maxInFlightBundles: 1 },
    });
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
  });

  it("includes an op accepted while idle in the next block or the one after", async () => {
    // Idle: nothing queued, nothing in flight, for two blocks.
    const start = await blockNumber();
    while ((await blockNumber()) < start + 2) await sleep(100);
    const before = await blockNumber();
    const { hash, latestAtAck } = await send(accounts[0]);
    const { block } = await inclusionBlock(hash);
    expect(block).to.be.greaterThan(before);
    expect(block, `accepted at block ${latestAtAck}`).to.be.at.most(latestAtAck + 2);
  });

  it("bundles an op that waited behind an in-flight bundle as soon as that bundle's block is seen", async () => {
    let exercised = 0;
    for (let attempt = 0; attempt < 4 && exercised < 2; attempt++) {
      const first = await send(accounts[0]);
      // Wait until its bundle is in flight, then send the next op: with one bundle in flight at most it
      // must wait for that bundle's block.
      while ((await status(first.hash)) === "received") await sleep(20);
      const second = await send(accounts[1]);
      const firstWasInFlight = (await status(first.hash)) === "submitted";
      const [a, b] = await Promise.all([inclusionBlock(first.hash), inclusionBlock(second.hash)]);
      if (!firstWasInFlight) continue; // mined before the second op was acknowledged: try again
      exercised++;
      expect(b.tx).to.not.equal(a.tx);
      expect(b.block).to.be.greaterThan(a.block);
      // The block after the in-flight bundle's, or the one after that if the head moved meanwhile.
      expect(
        b.block,
        `first in block ${a.block}, second acknowledged at ${second.latestAtAck}`,
      ).to.be.at.most(Math.max(a.block, second.latestAtAck) + 2);
      expect(b.block - a.block, "blocks between the two bundles").to.be.at.most(2);
    }
    expect(exercised, "an op accepted while a bundle was in flight").to.be.greaterThan(0);
  });
});
