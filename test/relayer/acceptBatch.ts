/**
 * Ops arriving together are simulated for acceptance in one eth_call (LeashBundleSimulator.simulateEach through
 * AcceptSimulator), and each gets exactly the answer its own simulation would give: valid ops accepted, an
 * invalid signature or an execution revert refused with the same error as when sent alone, and no op sees
 * another's state changes (one that drains the account doesn't fail the next). An op whose limits the call's
 * gas can't cover is answered by its own simulation instead. Real Hardhat node, real relayer.
 */
import { createServer, type Server } from "node:http";
import { expect } from "chai";
import { Wallet } from "ethers";
import { AcceptSimulator } from "../../src/relayer/acceptSimulation.js";
import { bundleSimulatorInterface } from "../../src/relayer/abi.js";
import { ChainClient } from "../../src/relayer/chain.js";
import { RevertDecoder } from "../../src/relayer/decodeRevert.js";
import { silentLogger } from "../../src/relayer/logger.js";
import type { RunningRelayer } from "../../src/relayer/relayer.js";
import { type BundleExecution, Simulator } from "../../src/relayer/simulation.js";
import type { UserOperation } from "../../src/relayer/userOp.js";
import {
  buildOp,
  call,
  createAccounts,
  freePort,
  HARDHAT_KEYS,
  rpcOp,
  signOp,
  simpleExecute,
  startChain,
  startTestRelayer,
  type TestAccount,
  type TestChain,
} from "./helpers.js";

const SIMULATE_EACH_SELECTOR = bundleSimulatorInterface.getFunction("simulateEach")!.selector;
const RECIPIENT = "0x000000000000000000000000000000000000bEEF";

/** An HTTP proxy in front of the node that counts the eth_calls running simulateEach, and all eth_calls. */
async function startCountingProxy(target: string) {
  const counts = { ethCalls: 0, simulateEachCalls: 0 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const parsed = JSON.parse(body) as unknown;
      for (const message of (Array.isArray(parsed) ? parsed : [parsed]) as {
        method: string;
        params: { data?: string }[];
      }[]) {
        if (message.method !== "eth_call") continue;
        counts.ethCalls++;
        if (message.params[0].data?.includes(SIMULATE_EACH_SELECTOR.slice(2)))
          counts.simulateEachCalls++;
      }
      fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body })
        .then(async (upstream) => {
          response.writeHead(upstream.status, { "content-type": "application/json" });
          response.end(await upstream.text());
        })
        .catch(() => {
          response.writeHead(502);
          response.end();
        });
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What a test compares: the verdict, the op named, the error, each execution's outcome. */
function verdict(result: BundleExecution | null) {
  if (result === null) return null;
  if (!result.ok)
    return {
      ok: false,
      opIndex: result.opIndex,
      code: result.error.code,
      message: result.error.message,
    };
  return {
    ok: true,
    executions: result.results.map((r) => ({
      success: r.success,
      error: r.error?.message ?? null,
    })),
  };
}

describe("relayer: ops arriving together share one acceptance simulation", function () {
  this.timeout(180_000);
  let chain: TestChain;
  let accounts: TestAccount[];
  let simulator: Simulator;
  let lane = 1n;

  const balanceOf = async (address: string) => chain.provider.getBalance(address);
  const transfer = (account: TestAccount, value: bigint) =>
    buildOp(chain, account, { nonceKey: lane++, callData: simpleExecute(RECIPIENT, value, "0x") });
  /** A valid op whose signature is then made by a stranger's key: AA24. */
  const strangerSigned = async (account: TestAccount) => {
    const op = await transfer(account, 1n);
    signOp(
      chain,
      { owner: Wallet.createRandom() as unknown as Wallet, address: account.address },
      op,
    );
    return op;
  };

  before(async () => {
    chain = await startChain();
    accounts = await createAccounts(chain, 4, 10n ** 19n);
    const client = new ChainClient({
      url: chain.url,
      timeoutMs: 30_000,
      retry: { attempts: 2, initialDelayMs: 50, maxDelayMs: 200 },
      logger: silentLogger,
    });
    const from = new Wallet(HARDHAT_KEYS[1]).address;
    simulator = new Simulator(client, chain.entryPointAddress, from, from, new RevertDecoder());
  });

  after(async () => {
    await chain?.stop();
  });

  it("simulateEach answers every op exactly as its own simulateBundle([op]), state rolled back between ops", async () => {
    const [a, b, c] = accounts;
    const balance = await balanceOf(a.address);
    const ops: UserOperation[] = [
      await transfer(a, 1n), // valid
      await strangerSigned(b), // AA24
      await transfer(c, (await balanceOf(c.address)) * 2n), // execution reverts: more than it has
      await transfer(a, balance - 10n ** 18n), // drains a (valid alone)
      await transfer(a, 2n * 10n ** 18n), // valid alone; fails after the drain if state were shared
    ];
    const batch = await simulator.simulateEach(ops);
    const alone = await Promise.all(ops.map((op) => simulator.simulateBundle([op])));
    expect(batch.map(verdict)).to.deep.equal(alone.map(verdict));
    // The answers are the ones named above, not merely equal.
    expect(verdict(batch[0])).to.deep.equal({
      ok: true,
      executions: [{ success: true, error: null }],
    });
    expect(verdict(batch[1])).to.include({ ok: false, opIndex: 0 });
    expect(verdict(batch[1])!.message).to.match(/AA24/);
    expect(verdict(batch[2])!.ok).to.equal(true);
    expect(verdict(batch[2])!.executions![0].success).to.equal(false);
    expect(verdict(batch[3])!.executions![0].success).to.equal(true);
    expect(verdict(batch[4])!.executions![0].success).to.equal(true);
    // The same two ops simulated as one bundle do share state: the second fails after the drain.
    const shared = await simulator.simulateBundle([ops[3], ops[4]]);
    expect(shared.ok && shared.results.map((r) => r.success)).to.deep.equal([true, false]);
  });

  it("leaves an op the call's gas can't cover unanswered (null) and AcceptSimulator asks for it alone", async () => {
    const block = await chain.provider.getBlock("latest");
    // Twice this limit is more than any eth_call gets (its cap is at most the block gas limit here).
    const huge = block!.gasLimit;
    const small = await transfer(accounts[0], 1n);
    const big = await buildOp(chain, accounts[1], {
      nonceKey: lane++,
      callData: simpleExecute(RECIPIENT, 1n, "0x"),
      callGasLimit: huge,
    });
    const after = await strangerSigned(accounts[2]);
    const batch = await simulator.simulateEach([small, big, after]);
    expect(verdict(batch[0])).to.deep.equal({
      ok: true,
      executions: [{ success: true, error: null }],
    });
    // From the first op without enough gas on, nothing is answered (never a refusal for want of gas).
    expect(batch.slice(1)).to.deep.equal([null, null]);

    // AcceptSimulator (each op over its gas budget goes alone) gives each op its own simulation's answer.
    const accept = new AcceptSimulator(simulator, silentLogger, {
      maxOps: 64,
      maxGas: 10n ** 12n,
      maxInFlight: 2,
    });
    const answers = await Promise.all([small, big, after].map((op) => accept.simulate(op)));
    const alone = await Promise.all(
      [small, big, after].map((op) => simulator.simulateBundle([op])),
    );
    expect(answers.map(verdict)).to.deep.equal(alone.map(verdict));
    expect(verdict(answers[2])!.message).to.match(/AA24/);
  });

  it("ops arriving one by one while a call is in flight wait for it and go together in the next call", async () => {
    const proxy = await startCountingProxy(chain.url);
    try {
      const from = new Wallet(HARDHAT_KEYS[1]).address;
      const client = new ChainClient({
        url: proxy.url,
        timeoutMs: 30_000,
        retry: { attempts: 2, initialDelayMs: 50, maxDelayMs: 200 },
        logger: silentLogger,
      });
      const counted = new Simulator(
        client,
        chain.entryPointAddress,
        from,
        from,
        new RevertDecoder(),
      );
      const accept = new AcceptSimulator(counted, silentLogger, {
        maxOps: 64,
        maxGas: 10n ** 12n,
        maxInFlight: 1,
      });
      const first = await transfer(accounts[0], 1n);
      const later = await Promise.all([1, 2, 3, 0].map((i) => transfer(accounts[i], 1n)));
      later.push(await strangerSigned(accounts[1]));
      // The first op goes at once, alone; each later op arrives in a turn of its own while it is in flight.
      const answers = [accept.simulate(first)];
      for (const op of later) {
        await new Promise((resolve) => setImmediate(resolve));
        answers.push(accept.simulate(op));
      }
      const verdicts = (await Promise.all(answers)).map(verdict);
      // One call for the first op, one simulateEach for the five that waited (not five calls of their own).
      expect(proxy.counts).to.deep.equal({ ethCalls: 2, simulateEachCalls: 1 });
      const alone = await Promise.all(
        [first, ...later].map((op) => simulator.simulateBundle([op])),
      );
      expect(verdicts).to.deep.equal(alone.map(verdict));
      expect(verdicts[5]!.message).to.match(/AA24/);
    } finally {
      await proxy.close();
    }
  });

  describe("through eth_sendUserOperation", function () {
    let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
    let relayer: RunningRelayer;

    before(async () => {
      proxy = await startCountingProxy(chain.url);
      relayer = await startTestRelayer(chain, "accept-batch", {
        rpcUrl: proxy.url,
        // The bundler stays out of the way: only acceptance talks to the node here.
        bundler: { pollIntervalMs: 60_000 },
      });
    });

    after(async () => {
      await relayer?.close();
      await proxy?.close();
    });

    const send = (op: UserOperation) =>
      call(relayer.url, "eth_sendUserOperation", [rpcOp(op), chain.entryPointAddress]);

    it("accepts the valid ops of a burst and refuses the others with the errors they get alone, in fewer eth_calls than ops", async () => {
      await chain.setIntervalMining(0);
      await chain.provider.send("evm_setAutomine", [false]); // nothing mined meanwhile: same state for all
      try {
        const valid = await Promise.all(
          Array.from({ length: 12 }, (_, i) => transfer(accounts[i % accounts.length], 1n)),
        );
        const badSignature = await strangerSigned(accounts[1]);
        const reverting = await transfer(accounts[2], (await balanceOf(accounts[2].address)) * 2n);
        const before = { ...proxy.counts };
        const responses = await Promise.all([...valid, badSignature, reverting].map(send));
        const calls = proxy.counts.ethCalls - before.ethCalls;
        expect(proxy.counts.simulateEachCalls - before.simulateEachCalls).to.be.greaterThan(0);
        expect(calls, "eth_calls for 14 ops").to.be.lessThan(14);

        responses.slice(0, 12).forEach((r, i) => {
          expect(r.error, JSON.stringify(r.error)).to.equal(undefined);
          expect(r.result, `op ${i}`).to.match(/^0x[0-9a-f]{64}$/);
        });
        const [signatureRefusal, revertRefusal] = responses.slice(12);
        expect(signatureRefusal.error?.code).to.equal(-32507);
        expect(signatureRefusal.error?.message).to.match(/AA24/);
        expect(revertRefusal.error?.code).to.equal(-32521);

        // Sent alone, each refused op gets the very same error.
        const aloneSignature = await send(badSignature);
        const aloneRevert = await send(reverting);
        expect(aloneSignature.error).to.deep.equal(signatureRefusal.error);
        expect(aloneRevert.error).to.deep.equal(revertRefusal.error);
      } finally {
        await chain.provider.send("evm_setAutomine", [true]);
      }
    });
  });
});
