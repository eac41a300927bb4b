/**
 * `toLeashSmartAccount` and `paymentOutcome` against the real local stack (Hardhat node + Leash relayer with
 * API keys): viem's own bundler client and permissionless's smart account client pay under policy (estimate →
 * send → receipt, every gas field from the relayer's estimate, none overridden), an over-cap payment is refused naming the rule, an escalation is reported as escalated,
 * and the account refuses what the session key must never sign.
 */
import { expect } from "chai";
import { Wallet, parseEther as ethersParseEther } from "ethers";
import { createSmartAccountClient } from "permissionless";
import {
  encodeAbiParameters,
  encodeErrorResult,
  encodeEventTopics,
  createPublicClient,
  defineChain,
  http,
  parseEther,
  zeroAddress,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
} from "viem";
import { createBundlerClient, type UserOperationReceipt } from "viem/account-abstraction";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  AgentClient,
  TimeoutError,
  InvalidArgumentError,
  OwnerClient,
  UnknownAgentError,
  LEASH_STUB_SIGNATURE,
  decodeLeashCalls,
  encodeLeashCalls,
  paymentOutcome,
  toLeashSmartAccount,
  type LeashSmartAccount,
} from "../../src/client/index.js";
import { agentWalletAbi } from "../../src/client/abi/generated.js";
import { startStack, type Stack } from "./stack.js";

const REVERT_REASON_EVENT = {
  type: "event",
  name: "UserOperationRevertReason",
  inputs: [
    { name: "userOpHash", type: "bytes32", indexed: true },
    { name: "sender", type: "address", indexed: true },
    { name: "nonce", type: "uint256", indexed: false },
    { name: "revertReason", type: "bytes", indexed: false },
  ],
} as const;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  expect.fail("expected a rejection, but it resolved");
}

describe("toLeashSmartAccount (viem)", function () {
  this.timeout(180_000);
  let stack: Stack;
  let client: PublicClient;
  let chain: Chain;
  let account: LeashSmartAccount;
  let wallet: Address;
  let relayerTransport: ReturnType<typeof http>;
  let owners: Wallet[];
  let apiKey: string;
  const agentKey = generatePrivateKey();
  const agent = privateKeyToAccount(agentKey);
  const shop = Wallet.createRandom().address as Address;

  before(async () => {
    stack = await startStack();
    owners = [await stack.fundedWallet("viem-a"), await stack.fundedWallet("viem-b")];
    const created = await OwnerClient.createWallet(stack.chain.deployer, {
      factory: stack.factory,
      owners: owners.map((o) => o.address),
      threshold: 2,
      minPauseDuration: 3600,
      agents: [
        {
          key: agent.address,
          rules: { maxOpCost: "0.05" },
          limits: { native: { perTx: "1", approvalAbove: "0.5", daily: "5" } },
          recipients: [shop],
        },
      ],
    });
    wallet = created.address as Address;
    await (
      await stack.chain.deployer.sendTransaction({ to: wallet, value: ethersParseEther("10") })
    ).wait();
    apiKey = await stack.apiKey(wallet);
    chain = defineChain({
      id: Number(stack.chain.chainId),
      name: "hardhat",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [stack.chain.url] } },
    });
    client = createPublicClient({ chain, transport: http(stack.chain.url) });
    relayerTransport = http(stack.relayer.url, {
      fetchOptions: { headers: { authorization: `Bearer ${apiKey}` } },
    });
    account = await toLeashSmartAccount({ client, address: wallet, agent });
  });

  after(async () => {
    await stack?.stop();
  });

  it("test_createBundlerClient_paysWithinPolicy: estimate → send → receipt, reported as paid", async () => {
    const bundler = createBundlerClient({ account, client, transport: relayerTransport });
    const calls = [{ to: shop, value: parseEther("0.1") }];
    const gas = await bundler.estimateUserOperationGas({ calls });
    expect(gas.callGasLimit > 0n && gas.verificationGasLimit > 0n).to.equal(true);
    const hash = await bundler.sendUserOperation({ calls });
    const receipt = await bundler.waitForUserOperationReceipt({ hash, timeout: 60_000 });
    expect(receipt.success).to.equal(true);
    // viem filled every gas field from the relayer's estimate (stub signature): no override anywhere.
    const { userOperation: sent } = await bundler.getUserOperation({ hash });
    // (eth_estimateGas's search may land a few units apart between the two estimates.)
    for (const field of ["verificationGasLimit", "callGasLimit", "preVerificationGas"] as const)
      expect(Number(sent[field])).to.be.closeTo(
        Number(gas[field]),
        Math.ceil(Number(gas[field]) / 100),
      );
    const outcome = paymentOutcome(receipt);
    expect(outcome).to.deep.include({ status: "paid", userOpHash: hash });
    expect(outcome.status === "paid" && outcome.calls).to.deep.equal([
      { target: shop, asset: zeroAddress, amount: parseEther("0.1") },
    ]);
    expect(await client.getBalance({ address: shop })).to.equal(parseEther("0.1"));
    // The op went on the agent's own nonce lane (key = session key address).
    const nonce = await account.getNonce();
    expect(nonce >> 64n).to.equal(BigInt(agent.address));
    expect(nonce & ((1n << 64n) - 1n)).to.equal(1n);
  });

  it("test_createSmartAccountClient_paysWithinPolicy: permissionless sends through the same account", async () => {
    const smart = createSmartAccountClient({
      account,
      chain,
      client,
      bundlerTransport: relayerTransport,
    });
    const before = await client.getBalance({ address: shop });
    const txHash = await smart.sendTransaction({
      calls: [{ to: shop, value: parseEther("0.2") }],
    });
    expect(txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect((await client.getBalance({ address: shop })) - before).to.equal(parseEther("0.2"));
  });

  it("test_sendUserOperation_overPerTxCap: throws naming PolicyPerTxLimitExceeded", async () => {
    const bundler = createBundlerClient({ account, client, transport: relayerTransport });
    const error = await rejection(
      bundler.sendUserOperation({
        calls: [{ to: shop, value: parseEther("1.5") }],
      }),
    );
    expect(String(error)).to.contain("PolicyPerTxLimitExceeded");
  });

  it("test_paymentOutcome_escalated: a payment above approvalAbove is escalated with its proposal id", async () => {
    const bundler = createBundlerClient({ account, client, transport: relayerTransport });
    const before = await client.getBalance({ address: shop });
    const hash = await bundler.sendUserOperation({
      calls: [{ to: shop, value: parseEther("0.75") }],
    });
    const receipt = await bundler.waitForUserOperationReceipt({ hash, timeout: 60_000 });
    // The bundler says success: only the outcome tells that nothing was paid.
    expect(receipt.success).to.equal(true);
    const outcome = paymentOutcome(receipt);
    expect(outcome.status).to.equal("escalated");
    if (outcome.status !== "escalated") return;
    const [escalation] = await new OwnerClient({
      wallet,
      signers: [],
      provider: stack.chain.provider,
    }).escalations();
    expect(outcome.proposalId).to.equal(escalation.id);
    expect(outcome.payments).to.deep.equal([
      { recipient: shop, asset: zeroAddress, amount: parseEther("0.75") },
    ]);
    expect(await client.getBalance({ address: shop })).to.equal(before);
    // The owners approve it: the agent waiting on the decision learns it was paid.
    const sdkAgent = new AgentClient({
      wallet,
      key: agentKey,
      relayerUrl: stack.relayer.url,
      apiKey,
      provider: stack.chain.provider,
    });
    const decision = sdkAgent.waitForDecision(outcome.proposalId, {
      pollMs: 100,
      timeoutMs: 60_000,
    });
    const ownerClient = new OwnerClient({ wallet, signers: owners });
    const approved = await ownerClient.approveAll(outcome.proposalId);
    if (approved.status === "queued") {
      // Paying out an escalation waits the wallet's delay, then anyone executes it.
      const now = BigInt((await client.getBlock()).timestamp);
      await stack.increaseTime(approved.eta! - now + 1n);
      await ownerClient.execute(outcome.proposalId);
    }
    expect(await decision).to.deep.equal({ proposalId: outcome.proposalId, decision: "executed" });
    expect((await client.getBalance({ address: shop })) - before).to.equal(parseEther("0.75"));
  });

  it("test_waitForDecision_expired: an escalation nobody approves in time is reported expired", async () => {
    const bundler = createBundlerClient({ account, client, transport: relayerTransport });
    const hash = await bundler.sendUserOperation({
      calls: [{ to: shop, value: parseEther("0.6") }],
    });
    const outcome = paymentOutcome(
      await bundler.waitForUserOperationReceipt({ hash, timeout: 60_000 }),
    );
    if (outcome.status !== "escalated") expect.fail(`expected escalated, got ${outcome.status}`);
    const sdkAgent = new AgentClient({
      wallet,
      key: agentKey,
      relayerUrl: stack.relayer.url,
      apiKey,
      provider: stack.chain.provider,
    });
    const pending = sdkAgent.waitForDecision(outcome.proposalId, { pollMs: 100, timeoutMs: 1_000 });
    expect(await rejection(pending)).to.be.instanceOf(TimeoutError);
    const { expiresAt } = await new OwnerClient({
      wallet,
      signers: [],
      provider: stack.chain.provider,
    }).proposal(outcome.proposalId);
    const now = BigInt((await client.getBlock()).timestamp);
    await stack.increaseTime(expiresAt - now + 1n);
    expect(await sdkAgent.waitForDecision(outcome.proposalId, { pollMs: 100 })).to.deep.equal({
      proposalId: outcome.proposalId,
      decision: "expired",
    });
  });

  it("test_paymentOutcome_failed: a reverted op decodes to the wallet's rule and values", () => {
    // Built as a bundler reports an op whose execution reverted (the relayer refuses those before sending).
    const userOpHash = `0x${"ab".repeat(32)}` as Hex;
    const revertReason = encodeErrorResult({
      abi: agentWalletAbi,
      errorName: "PolicyDailyLimitExceeded",
      args: [agent.address, zeroAddress, parseEther("2"), parseEther("4.5"), parseEther("5")],
    });
    const topics = encodeEventTopics({
      abi: [REVERT_REASON_EVENT],
      eventName: "UserOperationRevertReason",
      args: { userOpHash, sender: wallet },
    });
    const log = {
      address: account.entryPoint.address,
      topics,
      data: encodeAbiParameters([{ type: "uint256" }, { type: "bytes" }], [1n, revertReason]),
    };
    const receipt = {
      userOpHash,
      sender: wallet,
      success: false,
      logs: [log],
      receipt: { transactionHash: `0x${"cd".repeat(32)}` },
    } as unknown as UserOperationReceipt;
    const outcome = paymentOutcome(receipt);
    expect(outcome.status).to.equal("failed");
    if (outcome.status !== "failed") return;
    expect(outcome.rule).to.equal("PolicyDailyLimitExceeded");
    expect(outcome.values?.cap).to.equal(parseEther("5"));
    expect(outcome.error.message).to.contain("PolicyDailyLimitExceeded");
    // Revert bytes no one knows: still failed, never paid.
    const unknown = paymentOutcome({
      ...receipt,
      logs: [
        {
          ...log,
          data: encodeAbiParameters([{ type: "uint256" }, { type: "bytes" }], [1n, "0x12345678"]),
        },
      ],
    } as unknown as UserOperationReceipt);
    expect(unknown.status).to.equal("failed");
    expect(unknown.status === "failed" && unknown.rule).to.equal(undefined);
  });

  it("test_encodeLeashCalls_roundTrip: one call is executeAgentCall, 2..32 are executeAgentCalls, both name the key", () => {
    const key = agent.address;
    const one = [{ to: shop, value: 1n, data: "0x" as Hex }];
    const single = encodeLeashCalls(key, one);
    expect(single.slice(0, 10)).to.equal("0x5ae6909d"); // executeAgentCall(address,address,uint256,bytes)
    expect(decodeLeashCalls(single)).to.deep.equal({ key, calls: one });
    const calls = [...one, { to: wallet, value: 0n, data: "0xdeadbeef" as Hex }];
    const batch = encodeLeashCalls(key, calls);
    expect(batch.slice(0, 10)).to.equal("0x3c5b0a19"); // executeAgentCalls(address,(address,uint256,bytes)[])
    expect(decodeLeashCalls(batch)).to.deep.equal({ key, calls });
    expect(() => encodeLeashCalls(key, [])).to.throw(InvalidArgumentError);
    expect(() => encodeLeashCalls(key, Array(33).fill({ to: shop }))).to.throw(
      InvalidArgumentError,
    );
    expect(() => decodeLeashCalls("0xa9059cbb")).to.throw(InvalidArgumentError);
    // The owners' entry point is no agent operation.
    expect(() => decodeLeashCalls(("0x8dd7712f" + "00".repeat(64)) as Hex)).to.throw(
      InvalidArgumentError,
    );
  });

  it("test_signUserOperation_refusesForeignOps: other sender, other nonce lane, other function, paymaster", async () => {
    const nonce = await account.getNonce();
    const good = {
      sender: wallet,
      nonce,
      callData: encodeLeashCalls(agent.address, [{ to: shop, value: 1n }]),
      callGasLimit: 100_000n,
      verificationGasLimit: 100_000n,
      preVerificationGas: 50_000n,
      maxFeePerGas: 1n,
      maxPriorityFeePerGas: 1n,
      signature: "0x" as Hex,
    };
    expect(await account.signUserOperation(good)).to.match(/^0x[0-9a-f]{130}$/);
    const stranger = Wallet.createRandom().address as Address;
    for (const bad of [
      { ...good, sender: stranger },
      { ...good, nonce: 0n }, // the owners' lane
      { ...good, nonce: (BigInt(stranger) << 64n) | 0n },
      { ...good, callData: "0xa9059cbb" as Hex },
      // Its own lane, but callData naming another key: the wallet would refuse it, the account doesn't sign it.
      { ...good, callData: encodeLeashCalls(stranger, [{ to: shop, value: 1n }]) },
      { ...good, paymaster: stranger, paymasterData: "0x" as Hex },
      { ...good, factory: stranger, factoryData: "0x" as Hex },
    ])
      expect(await rejection(account.signUserOperation(bad))).to.be.instanceOf(
        InvalidArgumentError,
      );
    // Agents can never sign for the wallet (its ERC-1271 accepts owners only).
    expect(await rejection(account.signMessage({ message: "hi" }))).to.be.instanceOf(
      InvalidArgumentError,
    );
  });

  it("test_toLeashSmartAccount_rejectsUnknownKeyAndMissingWallet", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey());
    expect(
      await rejection(toLeashSmartAccount({ client, address: wallet, agent: stranger })),
    ).to.be.instanceOf(UnknownAgentError);
    expect(await rejection(toLeashSmartAccount({ client, address: shop, agent }))).to.be.instanceOf(
      InvalidArgumentError,
    );
    expect(
      await rejection(toLeashSmartAccount({ client, address: "0x1234" as Address, agent })),
    ).to.be.instanceOf(InvalidArgumentError);
    expect(await account.getStubSignature()).to.equal(LEASH_STUB_SIGNATURE);
  });
});
