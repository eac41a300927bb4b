/**
 * Submission edge cases: a bundle stuck behind a base-fee spike is replaced with bumped fees on
 * the same nonce; a bundle the node refuses outright has its ops requeued (then reported failed
 * with the reason) and its nonce filled, so the signer never has a gap.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import {
  HARDHAT_KEYS,
  buildOp,
  call,
  createAccounts,
  rawRpc,
  rpcOp,
  sleep,
  startChain,
  tempDir,
  waitForFinal,
  type TestAccount,
  type TestChain,
} from "./helpers.js";

describe("relayer submission", function () {
  this.timeout(120_000);
  let chain: TestChain;
  let accounts: TestAccount[];

  before(async () => {
    chain = await startChain();
    accounts = await createAccounts(chain, 2);
  });
  after(async () => {
    await chain?.stop();
  });

  it("replaces a bundle stuck for N blocks with fees bumped >= 10% on the same nonce", async () => {
    const signer = new Wallet(HARDHAT_KEYS[1]).address;
    const relayer: RunningRelayer = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: chain.entryPointAddress,
      db: `sqlite:${tempDir()}/replace.sqlite`,
      signer: { privateKey: HARDHAT_KEYS[1] },
      port: 0,
      authRequired: false,
      bundler: { replaceAfterBlocks: 2, feeBumpPercent: 10 },
      logSink: () => {},
    });
    try {
      await rawRpc(chain.url, "evm_setAutomine", [false]);
      await rawRpc(chain.url, "hardhat_setNextBlockBaseFeePerGas", [
        "0x" + (200n * 10n ** 9n).toString(16),
      ]);
      const op = await buildOp(chain, accounts[0]);
      const sent = await call(relayer.url, "eth_sendUserOperation", [
        rpcOp(op),
        chain.entryPointAddress,
      ]);
      expect(sent.error).to.equal(undefined);
      const hash = sent.result as string;
      // Wait for the first attempt to be broadcast, then mine blocks it cannot pay for.
      for (let i = 0; (await relayer.store.listPendingTransactions(signer)).length === 0; i++) {
        if (i > 100) throw new Error("bundle never signed");
        await sleep(50);
      }
      const [first] = await relayer.store.listPendingTransactions(signer);
      let status = "";
      // Mine until it is included (bounded by time, not by a block count a loaded machine may not reach).
      for (const deadline = Date.now() + 120_000; status !== "included" && Date.now() < deadline;) {
        await rawRpc(chain.url, "evm_mine");
        await sleep(250);
        status = (
          (await call(relayer.url, "leash_getUserOperationStatus", [hash])).result as {
            status: string;
          }
        ).status;
      }
      expect(status).to.equal("included");
      const attempts = await relayer.store.listTransactions(signer, first.nonce);
      expect(attempts.length).to.be.greaterThan(1);
      expect(attempts.filter((t) => t.status === "mined").length).to.equal(1);
      expect(attempts.filter((t) => t.status === "replaced").length).to.equal(attempts.length - 1);
      for (let i = 1; i < attempts.length; i++) {
        const previous = attempts[i - 1];
        const current = attempts[i];
        expect(current.nonce).to.equal(first.nonce);
        expect(
          BigInt(current.maxFeePerGas) * 100n >= BigInt(previous.maxFeePerGas) * 110n,
        ).to.equal(true);
        expect(
          BigInt(current.maxPriorityFeePerGas) * 100n >=
            BigInt(previous.maxPriorityFeePerGas) * 110n,
        ).to.equal(true);
      }
      const mined = attempts.find((t) => t.status === "mined")!;
      expect((await chain.provider.getTransaction(mined.hash))?.nonce).to.equal(first.nonce);
      expect(await chain.provider.getTransactionCount(signer, "latest")).to.equal(first.nonce + 1);
      const metrics = await (await fetch(new URL("/metrics", relayer.url))).text();
      expect(metrics).to.match(/leash_relayer_tx_replacements_total [1-9]/);
    } finally {
      await rawRpc(chain.url, "evm_setAutomine", [true]);
      await relayer.close();
    }
  });

  it("a bundle the node refuses is retired: ops requeued then failed with the reason, nonce filled", async () => {
    const signer = new Wallet(HARDHAT_KEYS[2]).address;
    const relayer = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: chain.entryPointAddress,
      db: `sqlite:${tempDir()}/refused.sqlite`,
      signer: { privateKey: HARDHAT_KEYS[2] },
      port: 0,
      authRequired: false,
      // Misconfigured on purpose: above the node's per-transaction gas cap (2^24).
      bundler: { maxBundleGas: 30_000_000n, maxBundleAttempts: 2, maxInFlightBundles: 1 },
      logSink: () => {},
    });
    try {
      // Let the base fee decay after the previous test's spike, and fund the account well beyond two
      // prefunds: if the second op's prefund failed in the bundle's simulation, each op would go alone
      // under the node's cap and the refused-bundle path this test is about would never run.
      for (let i = 0; i < 40; i++) await rawRpc(chain.url, "evm_mine");
      await (
        await chain.deployer.sendTransaction({ to: accounts[1].address, value: 10n ** 19n })
      ).wait();
      // Hold one small bundle unmined so the two big ops queue up and get bundled together.
      await rawRpc(chain.url, "evm_setAutomine", [false]);
      const blocker = await buildOp(chain, accounts[1], { nonceKey: 99n });
      expect(
        (
          await call(relayer.url, "eth_sendUserOperation", [
            rpcOp(blocker),
            chain.entryPointAddress,
          ])
        ).error,
      ).to.equal(undefined);
      for (let i = 0; (await relayer.store.listPendingTransactions(signer)).length === 0; i++) {
        if (i > 100) throw new Error("blocker never signed");
        await sleep(50);
      }
      const ops = await Promise.all(
        [1n, 2n].map((lane) =>
          buildOp(chain, accounts[1], { nonceKey: lane, callGasLimit: 9_000_000n }),
        ),
      );
      const responses = await Promise.all(
        ops.map((op) =>
          call(relayer.url, "eth_sendUserOperation", [rpcOp(op), chain.entryPointAddress]),
        ),
      );
      await rawRpc(chain.url, "evm_setAutomine", [true]);
      await rawRpc(chain.url, "evm_mine");
      for (const response of responses)
        expect(response.error, JSON.stringify(response.error)).to.equal(undefined);
      const finals = await Promise.all(
        responses.map((r) => waitForFinal(relayer.url, r.result as string, {}, 30_000)),
      );
      const statuses = finals.map((f) => f.status).sort();
      // Each op either made it alone in a bundle under the cap, or was given up with the reason.
      for (const final of finals) {
        if (final.status === "failed") expect(final.reason).to.match(/bundle rejected by the node/);
        else expect(final.status).to.equal("included");
      }
      expect(statuses).to.include("failed");
      // The no-op transactions that took the refused bundles' nonces are tracked to inclusion.
      for (let i = 0; (await relayer.store.listPendingTransactions(signer)).length > 0; i++) {
        if (i > 100) throw new Error("filler transactions never mined");
        await sleep(100);
      }
      const latest = await chain.provider.getTransactionCount(signer, "latest");
      expect(await chain.provider.getTransactionCount(signer, "pending")).to.equal(latest);
      const dump = [];
      for (let nonce = 0; nonce < latest + 2; nonce++)
        dump.push(
          (await relayer.store.listTransactions(signer, nonce)).map((t) => [
            nonce,
            t.status,
            t.opCount,
            t.sentBlock,
          ]),
        );
      expect(await relayer.store.getSignerNonce(signer), JSON.stringify(dump)).to.equal(latest);
      for (let nonce = 0; nonce < latest; nonce++) {
        const mined = (await relayer.store.listTransactions(signer, nonce)).filter(
          (t) => t.status === "mined",
        );
        expect(mined.length, `nonce ${nonce}`).to.equal(1);
      }
    } finally {
      await rawRpc(chain.url, "evm_setAutomine", [true]);
      await relayer.close();
    }
  });
});
