/**
 * The relayer never pays for an op it could have refused: each bundle is simulated as a whole
 * (validation and execution, after our own bundles still in the mempool) and failing ops are
 * dropped with the decoded rule; a bundle that reverts on-chain anyway (front-run between
 * simulation and inclusion) has its culprit found, dropped and held against its sender, whose
 * later ops are throttled then refused (-32504). Real Hardhat node, real Leash wallet.
 */
import { expect } from "chai";
import { Wallet, parseEther, zeroPadValue, type InterfaceAbi } from "ethers";
import { USER_OPERATION_EVENT_TOPIC } from "../../src/relayer/abi.js";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import { SenderReputation } from "../../src/relayer/reputation.js";
import { type UserOperation } from "../../src/relayer/userOp.js";
import { IAgentWallet__factory } from "../../typechain-types/index.js";
import { testWallets, type CallStruct } from "../helpers/fixtures.js";
import {
  HARDHAT_KEYS,
  buildOp,
  call,
  createAccounts,
  entryPointInterface,
  rawRpc,
  rpcOp,
  signOp,
  simpleAccountInterface,
  simpleExecute,
  sleep,
  startChain,
  tempDir,
  waitForFinal,
  type TestAccount,
  type TestChain,
} from "./helpers.js";
import { deployLeashWallet, leashAgentOp } from "./leashWallet.js";

async function status(url: string, hash: string): Promise<string> {
  const response = await call(url, "leash_getUserOperationStatus", [hash]);
  return (response.result as { status: string } | null)?.status ?? "unknown";
}

/** Waits until the bundler has dealt with the op (sent it, or dropped it) while blocks are held. */
async function waitUntilHandled(url: string, hash: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const current = await status(url, hash);
    if (current !== "received") return current;
    if (Date.now() > deadline) throw new Error(`op ${hash} still received`);
    await sleep(100);
  }
}

/** Every UserOperationEvent the EntryPoint emitted for `sender`: success flags. */
async function onChainOutcomes(chain: TestChain, sender: string): Promise<boolean[]> {
  const logs = await chain.provider.getLogs({
    address: chain.entryPointAddress,
    topics: [USER_OPERATION_EVENT_TOPIC, null, zeroPadValue(sender, 32)],
    fromBlock: 0,
  });
  return logs.map((log) => Boolean(entryPointInterface.parseLog(log)?.args.success));
}

/** Bundle transactions the relayer's signer sent that reverted. */
async function revertedBundles(chain: TestChain, signer: string): Promise<number> {
  const latest = await chain.provider.getBlockNumber();
  let reverted = 0;
  for (let n = 0; n <= latest; n++) {
    const block = await chain.provider.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      if (tx.from.toLowerCase() !== signer.toLowerCase() || tx.to !== chain.entryPointAddress)
        continue;
      const receipt = await chain.provider.getTransactionReceipt(tx.hash);
      if (receipt?.status === 0) reverted++;
    }
  }
  return reverted;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(new URL("/metrics", url))).text();
  const line = text.split("\n").find((l) => l.startsWith(name + " ") || l.startsWith(name + "{"));
  return line ? Number(line.split(" ").pop()) : 0;
}

describe("relayer bundle safety: simulation before every bundle, culprits, reputation", function () {
  this.timeout(180_000);
  let chain: TestChain;
  let relayer: RunningRelayer;
  let walletAddress: string;
  let owners: Wallet[];
  let simpleAccounts: TestAccount[];
  const [agentA, agentB, allowed] = testWallets(3, "relayer-bundle-safety");
  const signerAddress = new Wallet(HARDHAT_KEYS[1]).address;

  before(async () => {
    chain = await startChain();
    const ep = chain.entryPointAddress;
    // Two agents, each allowed 1 ETH per op, sharing a wallet-wide daily cap of 1 ETH.
    ({ address: walletAddress, owners } = await deployLeashWallet(chain, {
      agents: [agentA, agentB],
      recipients: [allowed.address],
      walletDailyCap: parseEther("1"),
      seed: "relayer-bundle-safety",
    }));
    simpleAccounts = await createAccounts(chain, 1, parseEther("1"));

    relayer = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: ep,
      db: `sqlite:${tempDir()}/bundle-safety.sqlite`,
      signer: { privateKey: HARDHAT_KEYS[1] },
      port: 0,
      authRequired: false,
      walletErrorAbi: IAgentWallet__factory.abi as unknown as InterfaceAbi,
      // Low thresholds so one test sees both steps: 1 failure throttles, 2 refuse.
      reputation: { throttleAfterFailures: 1, banAfterFailures: 2, throttleIntervalMs: 60_000 },
      logSink: () => {},
    });
  });

  afterEach(async () => {
    await rawRpc(chain.url, "evm_setAutomine", [true]);
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
  });

  function agentOp(agent: Wallet, calls: CallStruct[]): Promise<UserOperation> {
    return leashAgentOp(chain, walletAddress, agent.address, calls, agent);
  }

  async function send(op: UserOperation) {
    return call(relayer.url, "eth_sendUserOperation", [rpcOp(op), chain.entryPointAddress]);
  }

  it("two agents racing a wallet-wide cap: one included, the other dropped with the rule, no failing op broadcast", async () => {
    const paidBefore = await chain.provider.getBalance(allowed.address);
    // Blocks are held so both ops are accepted against the same state, then bundled.
    await rawRpc(chain.url, "evm_setAutomine", [false]);
    const opA = await agentOp(agentA, [
      { target: allowed.address, value: parseEther("0.7"), data: "0x" },
    ]);
    const opB = await agentOp(agentB, [
      { target: allowed.address, value: parseEther("0.7"), data: "0x" },
    ]);
    const [sentA, sentB] = await Promise.all([send(opA), send(opB)]);
    expect(sentA.error, JSON.stringify(sentA.error)).to.equal(undefined);
    expect(sentB.error, JSON.stringify(sentB.error)).to.equal(undefined);
    const hashes = [sentA.result as string, sentB.result as string];
    await Promise.all(hashes.map((h) => waitUntilHandled(relayer.url, h)));
    await rawRpc(chain.url, "evm_mine");
    await rawRpc(chain.url, "evm_setAutomine", [true]);
    const finals = await Promise.all(hashes.map((h) => waitForFinal(relayer.url, h)));
    const included = finals.filter((f) => f.status === "included");
    const dropped = finals.filter((f) => f.status === "dropped");
    expect(included.length, JSON.stringify(finals)).to.equal(1);
    expect(dropped.length, JSON.stringify(finals)).to.equal(1);
    expect(dropped[0].reason).to.contain("PolicyWalletDailyCapExceeded");
    expect((dropped[0].revert as { rule?: string }).rule).to.equal("PolicyWalletDailyCapExceeded");
    expect(await chain.provider.getBalance(allowed.address)).to.equal(
      paidBefore + parseEther("0.7"),
    );
    // Nothing the relayer broadcast failed: every op event on-chain is a success.
    expect(await onChainOutcomes(chain, walletAddress)).to.not.include(false);
    expect(await revertedBundles(chain, signerAddress)).to.equal(0);
    // The audit log names the rule for the dropped op.
    const audit = await relayer.store.readAudit(0, 1_000);
    const droppedHash = hashes[finals.indexOf(dropped[0])];
    const row = audit.find((r) => r.event === "dropped" && r.opHash === droppedHash);
    expect(row, "dropped audit row").to.not.equal(undefined);
    expect(JSON.parse(row!.detailJson)).to.deep.include({ rule: "PolicyWalletDailyCapExceeded" });
  });

  it("front-run (wallet paused between simulation and inclusion): the op is not paid for or resubmitted", async () => {
    await rawRpc(chain.url, "evm_setAutomine", [false]);
    const op = await agentOp(agentA, [{ target: allowed.address, value: 1n, data: "0x" }]);
    const sent = await send(op);
    expect(sent.error, JSON.stringify(sent.error)).to.equal(undefined);
    const hash = sent.result as string;
    expect(await waitUntilHandled(relayer.url, hash)).to.equal("submitted");
    // An owner pauses the wallet with a higher tip: mined before the bundle.
    const wallet = IAgentWallet__factory.connect(walletAddress, owners[0]);
    await wallet.pause({
      maxPriorityFeePerGas: 50n * 10n ** 9n,
      maxFeePerGas: 500n * 10n ** 9n,
      gasLimit: 200_000n,
    });
    await rawRpc(chain.url, "evm_mine");
    await rawRpc(chain.url, "evm_setAutomine", [true]);
    const final = await waitForFinal(relayer.url, hash);
    expect(await wallet.paused()).to.equal(true);
    // A paused wallet refuses agent signatures (AA24): the bundle reverted, its op is the culprit.
    expect(final.status, JSON.stringify(final)).to.equal("dropped");
    expect(final.reason).to.contain("reverted its bundle");
    expect(final.reason).to.contain("AA24");
    // Not resubmitted: at most the one bundle that was front-run carries it.
    await sleep(1_500);
    expect(await status(relayer.url, hash)).to.equal(final.status);
    expect(await onChainOutcomes(chain, walletAddress)).to.have.length.at.most(2);
  });

  it("front-run (account drained before its bundle): culprit dropped, counted, sender throttled then refused with -32504", async () => {
    const account = simpleAccounts[0];
    const revertsBefore = await revertedBundles(chain, signerAddress);
    const revertMetricBefore = await metric(relayer.url, "leash_relayer_bundle_reverts_total");
    const culpritsBefore = await metric(relayer.url, "leash_relayer_culprit_ops_total");
    const owner = account.owner.connect(chain.provider);
    await (
      await chain.deployer.sendTransaction({ to: owner.address, value: parseEther("1") })
    ).wait();
    await rawRpc(chain.url, "evm_setAutomine", [false]);
    const op = await buildOp(chain, account, {
      callData: simpleExecute(allowed.address, 1n, "0x"),
    });
    const sent = await send(op);
    expect(sent.error, JSON.stringify(sent.error)).to.equal(undefined);
    const hash = sent.result as string;
    expect(await waitUntilHandled(relayer.url, hash)).to.equal("submitted");
    // The account's owner empties it directly (SimpleAccount lets its owner call execute).
    const balance = await chain.provider.getBalance(account.address);
    const deposit = (await chain.entryPoint.getFunction("balanceOf")(account.address)) as bigint;
    const fees = { maxPriorityFeePerGas: 50n * 10n ** 9n, maxFeePerGas: 500n * 10n ** 9n };
    const ownerNonce = await owner.getNonce();
    await owner.sendTransaction({
      to: account.address,
      data: simpleAccountInterface().encodeFunctionData("withdrawDepositTo", [
        chain.deployer.address,
        deposit,
      ]),
      nonce: ownerNonce,
      gasLimit: 200_000n,
      ...fees,
    });
    await owner.sendTransaction({
      nonce: ownerNonce + 1,
      to: account.address,
      data: simpleExecute(chain.deployer.address, balance, "0x"),
      maxPriorityFeePerGas: 50n * 10n ** 9n,
      maxFeePerGas: 500n * 10n ** 9n,
      gasLimit: 200_000n,
    });
    await rawRpc(chain.url, "evm_mine");
    await rawRpc(chain.url, "evm_setAutomine", [true]);
    const final = await waitForFinal(relayer.url, hash);
    expect(final.status, JSON.stringify(final)).to.equal("dropped");
    expect(final.reason).to.contain("reverted its bundle");
    expect(final.reason).to.contain("AA21");
    expect(await revertedBundles(chain, signerAddress)).to.equal(revertsBefore + 1);
    expect(await metric(relayer.url, "leash_relayer_bundle_reverts_total")).to.equal(
      revertMetricBefore + 1,
    );
    expect(await metric(relayer.url, "leash_relayer_culprit_ops_total")).to.equal(
      culpritsBefore + 1,
    );
    expect(await metric(relayer.url, "leash_relayer_senders_throttled")).to.be.at.least(1);

    // Throttled: one op per interval; the next one is refused with the reason in `data`.
    await (
      await chain.deployer.sendTransaction({ to: account.address, value: parseEther("1") })
    ).wait();
    const allowance = await send(await buildOp(chain, account));
    expect(allowance.error, JSON.stringify(allowance.error)).to.equal(undefined);
    const next = await send(await buildOp(chain, account, { nonceKey: 1n }));
    expect(next.error?.code).to.equal(-32504);
    const data = next.error?.data as { reputation: string; retryAfterMs: number };
    expect(data.reputation).to.equal("throttled");
    expect(data.retryAfterMs).to.be.greaterThan(0);
    // Another sender is not affected.
    const [otherAccount] = await createAccounts(chain, 1, parseEther("1"));
    const other = await send(await buildOp(chain, otherAccount));
    expect(other.error?.code, JSON.stringify(other.error)).to.not.equal(-32504);
  });

  it("keeps a sender's reputation separate from validation refusals (refused ops never count)", async () => {
    const [fresh] = await createAccounts(chain, 1, parseEther("1"));
    for (let i = 0; i < 3; i++) {
      const op = await buildOp(chain, fresh, { sign: false });
      signOp(chain, { ...fresh, owner: Wallet.createRandom() as unknown as Wallet }, op);
      expect((await send(op)).error?.code).to.equal(-32507);
    }
    const ok = await send(await buildOp(chain, fresh));
    expect(ok.error, JSON.stringify(ok.error)).to.equal(undefined);
    expect((await waitForFinal(relayer.url, ok.result as string)).status).to.equal("included");
  });
});

describe("SenderReputation", () => {
  const config = {
    throttleAfterFailures: 2,
    banAfterFailures: 3,
    windowMs: 1_000,
    throttleIntervalMs: 100,
    banMs: 500,
    maxSenders: 2,
  };
  const sender = "0x00000000000000000000000000000000000000aa";

  it("admits freely below the throttle threshold, then one op per interval, then refuses for banMs", () => {
    const reputation = new SenderReputation(config);
    expect(reputation.admit(sender, 0)).to.deep.equal({ allowed: true, status: "ok" });
    expect(reputation.recordFailure(sender, 0)).to.equal("ok");
    expect(reputation.admit(sender, 1).allowed).to.equal(true);
    expect(reputation.recordFailure(sender, 10)).to.equal("throttled");
    expect(reputation.admit(sender, 200)).to.deep.equal({ allowed: true, status: "throttled" });
    const refused = reputation.admit(sender, 250);
    expect(refused).to.deep.include({ allowed: false, status: "throttled", retryAfterMs: 50 });
    expect(reputation.admit(sender, 300).allowed).to.equal(true);
    expect(reputation.recordFailure(sender, 400)).to.equal("banned");
    expect(reputation.admit(sender, 899)).to.deep.include({
      allowed: false,
      status: "banned",
      retryAfterMs: 1,
    });
    expect(reputation.counts(899)).to.deep.equal({ throttled: 0, banned: 1 });
    // The ban ends and the failures that caused it are forgotten.
    expect(reputation.admit(sender, 900)).to.deep.equal({ allowed: true, status: "ok" });
  });

  it("forgets failures older than the window and bounds the senders it tracks", () => {
    const reputation = new SenderReputation(config);
    reputation.recordFailure(sender, 0);
    reputation.recordFailure(sender, 10);
    expect(reputation.status(sender, 500)).to.equal("throttled");
    expect(reputation.status(sender, 1_011)).to.equal("ok");
    reputation.recordFailure(sender, 2_000);
    reputation.recordFailure(sender, 2_001);
    reputation.recordFailure("0x00000000000000000000000000000000000000bb", 2_002);
    reputation.recordFailure("0x00000000000000000000000000000000000000cc", 2_003);
    // maxSenders 2: the least recently failing sender was forgotten.
    expect(reputation.status(sender, 2_004)).to.equal("ok");
  });

  it("refuses a configuration where banning comes before throttling", () => {
    expect(() => new SenderReputation({ ...config, banAfterFailures: 1 })).to.throw(/reputation/);
  });
});
