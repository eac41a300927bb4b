/**
 * AgentClient against the real local stack (Hardhat node + relayer with API keys): payments within policy are
 * included, violations come back as typed errors naming the rule and its values, and every client-side check
 * (address, decimals, unknown agent, auth, rate limit, pause, validity, gas budget) fails with its own class.
 */
import { expect } from "chai";
import { Contract, Wallet, ZeroAddress, parseEther, parseUnits } from "ethers";
import {
  AgentClient,
  GasBudgetExhaustedError,
  AgentInactiveError,
  InvalidAddressError,
  InvalidAmountError,
  LeashError,
  OpCostTooHighError,
  OutOfTimeRangeError,
  OwnerClient,
  PendingOperationError,
  PolicyViolationError,
  RateLimitedError,
  RelayerUnavailableError,
  TimeoutError,
  UnauthorizedError,
  UnknownAgentError,
  WalletError,
  WalletPausedError,
  InvalidArgumentError,
  toLeashError,
  walletContract,
} from "../../src/client/index.js";
import { entryPointInterface } from "../../src/relayer/abi.js";
import { packedTuple } from "../../src/relayer/simulation.js";
import { packUserOperation } from "../../src/relayer/userOp.js";
import { handMadeAgentOp, startStack, type Stack } from "./stack.js";

const ERC20_ABI = [
  "function mint(address to, uint256 amount)",
  "function balanceOf(address) view returns (uint256)",
];

async function expectRejection<T extends LeashError>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => T,
): Promise<T> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(type);
    return error as T;
  }
  expect.fail(`expected ${type.name}, but it resolved`);
}

describe("AgentClient", function () {
  this.timeout(120_000);
  let stack: Stack;
  let walletAddress: string;
  let token: Contract;
  let agent: AgentClient;
  let apiKey: string;
  let owners: Wallet[];
  const agentKey = Wallet.createRandom();
  const laterKey = Wallet.createRandom();
  const stingyKey = Wallet.createRandom();
  const shop = Wallet.createRandom().address;
  const stranger = Wallet.createRandom().address;

  before(async () => {
    stack = await startStack();
    owners = [
      await stack.fundedWallet("owner-a"),
      await stack.fundedWallet("owner-b"),
      await stack.fundedWallet("owner-c"),
    ];
    const tokenAddress = await stack.deploy("mocks/MockTokens.sol/MockERC20.json", "Mock", "MCK");
    token = new Contract(tokenAddress, ERC20_ABI, stack.chain.deployer);
    const now = BigInt((await stack.chain.provider.getBlock("latest"))!.timestamp);
    const created = await OwnerClient.createWallet(stack.chain.deployer, {
      factory: stack.factory,
      owners: owners.map((o) => o.address),
      threshold: 2,
      minPauseDuration: 3600,
      agents: [
        {
          key: agentKey.address,
          rules: { maxOpCost: "0.05" },
          limits: {
            native: { perTx: "1", approvalAbove: "0.5", daily: "3", weekly: "5", monthly: "10" },
            [tokenAddress]: { perTx: "100", daily: "250" },
          },
          recipients: [shop],
        },
        // Valid only from tomorrow: its operations are out of their time range today.
        {
          key: laterKey.address,
          validAfter: now + 86_400n,
          limits: { native: { perTx: "1" } },
          recipients: [shop],
        },
        // A gas budget no operation fits in.
        {
          key: stingyKey.address,
          rules: { maxOpCost: 1000n },
          limits: { native: { perTx: "1" } },
          recipients: [shop],
        },
      ],
    });
    walletAddress = created.address;
    // No EntryPoint deposit: the wallet pays its prefund during validation (the SDK's gas headroom).
    await (
      await stack.chain.deployer.sendTransaction({ to: walletAddress, value: parseEther("10") })
    ).wait();
    await (await token.getFunction("mint")(walletAddress, parseEther("1000"))).wait();
    apiKey = await stack.apiKey(walletAddress);
    agent = new AgentClient({
      wallet: walletAddress,
      key: agentKey,
      relayerUrl: stack.relayer.url,
      apiKey,
    });
  });

  after(async () => {
    await stack?.stop();
  });

  it("pays native currency in human units within policy and reports the executed call", async () => {
    const op = await agent.pay(shop, "0.25");
    expect(op.userOpHash).to.match(/^0x[0-9a-f]{64}$/);
    const receipt = await op.wait();
    expect(receipt.outcome).to.equal("executed");
    expect(receipt.calls).to.deep.equal([
      { target: shop, asset: ZeroAddress, amount: parseEther("0.25") },
    ]);
    expect(receipt.actualGasCost > 0n).to.equal(true);
    expect(await stack.chain.provider.getBalance(shop)).to.equal(parseEther("0.25"));
    const status = await agent.status(op.userOpHash);
    expect(status?.status).to.equal("included");
    expect(status?.transactionHash).to.equal(receipt.transactionHash);
    // With its own node and a pinned chain, the agent checks the relayer's report on-chain: same receipt.
    const checking = new AgentClient({
      wallet: walletAddress,
      key: agentKey,
      relayerUrl: stack.relayer.url,
      apiKey,
      provider: stack.chain.provider,
      chainId: stack.chain.chainId,
    });
    expect(await checking.waitForReceipt(op.userOpHash)).to.deep.equal(receipt);
  });

  it("remaining() shows what is left after spending, null where there is no cap", async () => {
    const native = await agent.remaining("native");
    expect(native.decimals).to.equal(18);
    expect(native.perTx).to.equal(parseEther("1"));
    expect(native.daily).to.equal(parseEther("2.75"));
    expect(native.weekly).to.equal(parseEther("4.75"));
    // Above this a payment is escalated to the owners: an agent can tell before paying.
    expect(native.approvalAbove).to.equal(parseEther("0.5"));
    const tokenLeft = await agent.remaining(await token.getAddress());
    expect(tokenLeft.symbol).to.equal("MCK");
    expect(tokenLeft.daily).to.equal(parseEther("250"));
    expect(tokenLeft.weekly).to.equal(null);
    expect(tokenLeft.monthly).to.equal(null);
    expect(tokenLeft.approvalAbove).to.equal(null);
    await expectRejection(agent.remaining("0xnot-an-address"), InvalidAddressError);
  });

  it("transfers tokens with decimals read from the token", async () => {
    const op = await agent.transferToken(await token.getAddress(), shop, "12.5");
    const receipt = await agent.waitForReceipt(op.userOpHash);
    expect(receipt.calls[0].amount).to.equal(parseUnits("12.5", 18));
    expect(await token.getFunction("balanceOf")(shop)).to.equal(parseUnits("12.5", 18));
  });

  it("sends an arbitrary batch with send()", async () => {
    const before = await stack.chain.provider.getBalance(shop);
    const op = await agent.send([
      { target: shop, value: parseEther("0.01") },
      { target: shop, value: parseEther("0.02"), data: "0x" },
    ]);
    const receipt = await op.wait();
    expect(receipt.calls.map((c) => c.amount)).to.deep.equal([
      parseEther("0.01"),
      parseEther("0.02"),
    ]);
    expect(await stack.chain.provider.getBalance(shop)).to.equal(before + parseEther("0.03"));
  });

  it("refuses an overspend with PolicyViolationError naming the rule and its values", async () => {
    const before = await stack.chain.provider.getBalance(shop);
    const error = await expectRejection(agent.pay(shop, "1.5"), PolicyViolationError);
    expect(error.code).to.equal("POLICY_VIOLATION");
    expect(error.rule).to.equal("PolicyPerTxLimitExceeded");
    expect(error.values.amount).to.equal(parseEther("1.5"));
    expect(error.values.cap).to.equal(parseEther("1"));
    expect(error.values.agent).to.equal(agentKey.address);
    expect(error.message).to.contain("PolicyPerTxLimitExceeded");
    expect(await stack.chain.provider.getBalance(shop)).to.equal(before);
  });

  it("refuses a recipient outside the allowlist with the recipient in the values", async () => {
    const error = await expectRejection(agent.pay(stranger, "0.1"), PolicyViolationError);
    expect(error.rule).to.equal("PolicyRecipientNotAllowed");
    expect(error.values.recipient).to.equal(stranger);
    expect(await stack.chain.provider.getBalance(stranger)).to.equal(0n);
  });

  it("escalates a payment above approvalAbove to the owners instead of executing it", async () => {
    const before = await stack.chain.provider.getBalance(shop);
    const receipt = await (await agent.pay(shop, "0.75")).wait();
    expect(receipt.outcome).to.equal("escalated");
    expect(typeof receipt.proposalId).to.equal("bigint");
    expect(receipt.calls).to.deep.equal([]);
    expect(await stack.chain.provider.getBalance(shop)).to.equal(before);
    const owner = new OwnerClient({ wallet: walletAddress, signers: owners.slice(0, 2) });
    const [escalation] = await owner.escalations();
    expect(escalation.id).to.equal(receipt.proposalId);
    expect(escalation.escalatedBy).to.equal(agentKey.address);
    // The owners reject it (the agent's slot frees up for the next tests); the agent learns it.
    const decision = agent.waitForDecision(escalation.id, { pollMs: 100, timeoutMs: 60_000 });
    await owner.cancel(escalation.id);
    expect(await decision).to.deep.equal({ proposalId: escalation.id, decision: "cancelled" });
    const unknown = await expectRejection(agent.waitForDecision(10_000n), WalletError);
    expect(unknown.errorName).to.equal("ProposalNotFound");
    await expectRejection(agent.waitForDecision(0), InvalidArgumentError);
  });

  it("rejects bad addresses and amounts before contacting anyone", async () => {
    const offline = new AgentClient({
      wallet: walletAddress,
      key: agentKey,
      relayerUrl: "http://127.0.0.1:9/",
    });
    const bad = await expectRejection(offline.pay("0x1234", "1"), InvalidAddressError);
    expect(bad.code).to.equal("INVALID_ADDRESS");
    // Mixed case with a wrong EIP-55 checksum.
    const wrongChecksum = shop.slice(0, 2) + shop.slice(2).replace(/[a-f]/, (c) => c.toUpperCase());
    if (wrongChecksum !== shop)
      await expectRejection(offline.pay(wrongChecksum, "1"), InvalidAddressError);
    const decimals = await expectRejection(
      offline.pay(shop, "0.0000000000000000001"),
      InvalidAmountError,
    );
    expect(decimals.message).to.equal("amount 0.0000000000000000001 has more than 18 decimals");
    await expectRejection(offline.pay(shop, "-1"), InvalidAmountError);
    // A zero payment moves nothing and only burns gas.
    const zero = await expectRejection(offline.pay(shop, "0"), InvalidAmountError);
    expect(zero.message).to.contain("greater than zero");
    await expectRejection(offline.pay(shop, 0n), InvalidAmountError);
    await expectRejection(offline.pay(shop, "0.000"), InvalidAmountError);
    await expectRejection(offline.pay(shop, "1e18"), InvalidAmountError);
    // A well-formed request to a relayer that is not there.
    await expectRejection(offline.pay(shop, "0.1"), RelayerUnavailableError);
  });

  it("rejects a token amount with more decimals than the token has", async () => {
    const sixDecimals = await stack.deploy("mocks/MockTokens.sol/MockERC20.json", "Other", "OTH");
    // MockERC20 has 18 decimals: 19 are too many.
    const error = await expectRejection(
      agent.transferToken(sixDecimals, shop, "1.0000000000000000001"),
      InvalidAmountError,
    );
    expect(error.message).to.contain("has more than 18 decimals");
    await expectRejection(agent.transferToken(sixDecimals, shop, "0"), InvalidAmountError);
  });

  it("names an unknown agent key with UnknownAgentError", async () => {
    const outsider = new AgentClient({
      wallet: walletAddress,
      key: Wallet.createRandom().privateKey,
      relayerUrl: stack.relayer.url,
      apiKey,
    });
    const error = await expectRejection(outsider.pay(shop, "0.1"), UnknownAgentError);
    expect(error.code).to.equal("UNKNOWN_AGENT");
    expect(error.message).to.contain(walletAddress);
  });

  it("maps a missing, invalid or mis-scoped API key to UnauthorizedError", async () => {
    const noKey = new AgentClient({
      wallet: walletAddress,
      key: agentKey,
      relayerUrl: stack.relayer.url,
    });
    const missing = await expectRejection(noKey.pay(shop, "0.1"), UnauthorizedError);
    expect(missing.rpcCode).to.equal(-32001);
    const forged = new AgentClient({
      wallet: walletAddress,
      key: agentKey,
      relayerUrl: stack.relayer.url,
      apiKey: "leash_0123456789abcdef_" + "A".repeat(43),
    });
    expect((await expectRejection(forged.pay(shop, "0.1"), UnauthorizedError)).rpcCode).to.equal(
      -32001,
    );
    const readOnly = new AgentClient({
      wallet: walletAddress,
      key: agentKey,
      relayerUrl: stack.relayer.url,
      apiKey: await stack.apiKey(walletAddress, ["read"]),
    });
    const scope = await expectRejection(readOnly.pay(shop, "0.1"), UnauthorizedError);
    expect(scope.rpcCode).to.equal(-32002);
    const otherSender = new AgentClient({
      wallet: walletAddress,
      key: agentKey,
      relayerUrl: stack.relayer.url,
      apiKey: await stack.apiKey(stranger),
    });
    expect(
      (await expectRejection(otherSender.pay(shop, "0.1"), UnauthorizedError)).rpcCode,
    ).to.equal(-32002);
    expect(await stack.chain.provider.getBalance(shop)).to.be.greaterThan(0n);
  });

  it("maps the relayer's throttling to RateLimitedError with the retry time", async () => {
    const tight = await stack.extraRelayer({ perKey: { perMinute: 3 } });
    const limited = new AgentClient({
      wallet: walletAddress,
      key: agentKey,
      relayerUrl: tight.url,
      apiKey: await stack.apiKey(walletAddress, ["send", "read"], tight),
    });
    const error = await expectRejection(
      (async () => {
        for (let i = 0; i < 10; i++) await limited.remaining("native");
      })(),
      RateLimitedError,
    );
    expect(error.code).to.equal("RATE_LIMITED");
    expect(error.retryAfterMs).to.be.greaterThan(0);
    expect(error.retryAfterMs).to.be.at.most(60_000);
  });

  it("refuses a second operation while the first is pending on the agent's nonce lane", async () => {
    const results = await Promise.allSettled([agent.pay(shop, "0.01"), agent.pay(shop, "0.02")]);
    const accepted = results.filter((r) => r.status === "fulfilled");
    const rejected = results.filter((r) => r.status === "rejected");
    expect(accepted).to.have.length(1);
    expect(rejected).to.have.length(1);
    expect((rejected[0] as PromiseRejectedResult).reason).to.be.instanceOf(PendingOperationError);
    await (accepted[0] as PromiseFulfilledResult<{ wait(): Promise<unknown> }>).value.wait();
  });

  it("reports a key that is not valid yet with OutOfTimeRangeError", async () => {
    const later = new AgentClient({
      wallet: walletAddress,
      key: laterKey,
      relayerUrl: stack.relayer.url,
      apiKey,
    });
    const error = await expectRejection(later.pay(shop, "0.1"), OutOfTimeRangeError);
    expect(error.validAfter! > 0n).to.equal(true);
  });

  it("refuses to build an operation that would exceed the agent's gas budget", async () => {
    const stingy = new AgentClient({
      wallet: walletAddress,
      key: stingyKey,
      relayerUrl: stack.relayer.url,
      apiKey,
    });
    const error = await expectRejection(stingy.pay(shop, "0.1"), OpCostTooHighError);
    expect(error.maxOpCost).to.equal(1000n);
    expect(error.maxCost > 1000n).to.equal(true);
  });

  it("reads through the relayer: reverts decode to typed errors, a missing wallet is named", async () => {
    const provider = agent.relayer.provider(stack.chain.chainId);
    const error = await walletContract(walletAddress, provider)
      .getProposal(999n)
      .then(
        () => null,
        (e: unknown) => toLeashError(e),
      );
    expect(error).to.be.instanceOf(WalletError);
    expect((error as WalletError).errorName).to.equal("ProposalNotFound");
    expect((error as WalletError).values).to.deep.equal({ id: 999n });
    const nowhere = new AgentClient({
      wallet: stranger,
      key: agentKey,
      relayerUrl: stack.relayer.url,
      apiKey,
    });
    const missing = await expectRejection(nowhere.pay(shop, "0.1"), InvalidArgumentError);
    expect(missing.message).to.equal(
      `no wallet deployed at ${stranger} on chain ${stack.chain.chainId}`,
    );
  });

  it("times out waiting for an operation the relayer never saw", async () => {
    const error = await expectRejection(
      agent.waitForReceipt("0x" + "ab".repeat(32), { timeoutMs: 300, pollMs: 50 }),
      TimeoutError,
    );
    expect(error.message).to.contain("status: unknown");
    expect(await agent.status("0x" + "ab".repeat(32))).to.equal(null);
  });

  it("reports the pause with WalletPausedError, and a suspended agent with AgentInactiveError", async () => {
    const owner = new OwnerClient({ wallet: walletAddress, signers: owners.slice(0, 2) });
    await owner.pause();
    const paused = await expectRejection(agent.pay(shop, "0.1"), WalletPausedError);
    expect(paused.code).to.equal("WALLET_PAUSED");
    // Unpausing is a loosening: queued for the admin delay (24 h), then executed.
    const unpause = await owner.unpause();
    expect(unpause.status).to.equal("queued");
    await stack.increaseTime(86_400);
    expect((await owner.execute(unpause.proposalId!)).status).to.equal("executed");
    await (await agent.pay(shop, "0.01")).wait();

    await owner.suspendAgent(agentKey.address);
    const inactive = await expectRejection(agent.pay(shop, "0.1"), AgentInactiveError);
    expect(inactive.status).to.equal("suspended");
    expect((await agent.info()).status).to.equal("suspended");
  });

  it("names an agent whose daily gas budget ran out with GasBudgetExhaustedError", async () => {
    // The agent was suspended above: the owners resume it (timelocked).
    const owner = new OwnerClient({ wallet: walletAddress, signers: owners.slice(0, 2) });
    const resumed = await owner.resumeAgent(agentKey.address);
    expect(resumed.status).to.equal("queued");
    await stack.increaseTime(2 * 86_400);
    await owner.execute(resumed.proposalId!);
    // A bundler other than ours includes an op whose execution reverts (a stranger isn't allowlisted): it
    // still costs the wallet gas, so validation charged its maximum cost to the agent's budget.
    const op = await handMadeAgentOp(stack, walletAddress, agentKey, [
      { target: stranger, value: 1n, data: "0x" },
    ]);
    const cost =
      (op.callGasLimit + op.verificationGasLimit + op.preVerificationGas) * op.maxFeePerGas;
    // The owners tighten the budget (instant) to one such op and 1000 wei.
    const tighten = await owner.tightenAgentRules(agentKey.address, {
      rules: { maxOpCost: cost + 1000n, gasPerDay: cost + 1000n },
    });
    expect(tighten.status).to.equal("executed");
    const bundler = await stack.fundedWallet("greedy-bundler");
    const wallet = walletContract(walletAddress, stack.chain.provider);
    // Days passed since the agent's last executed op: what validation charged then still counts until a new
    // day is started, by the next executed op or by anyone through startAgentDay.
    expect((await wallet.gasBudget(agentKey.address))[1]).to.equal(true);
    await (
      await (wallet.connect(bundler) as Contract).getFunction("startAgentDay")(agentKey.address)
    ).wait();
    expect(await wallet.gasBudget(agentKey.address)).to.deep.equal([0n, false]);
    const entryPoint = new Contract(stack.entryPoint, entryPointInterface, bundler);
    await (
      await entryPoint.getFunction("handleOps")([packedTuple(packUserOperation(op))], bundler)
    ).wait();
    expect(await wallet.gasBudget(agentKey.address)).to.deep.equal([cost, false]);
    const exhausted = await expectRejection(agent.pay(shop, "0.01"), GasBudgetExhaustedError);
    expect(exhausted.code).to.equal("GAS_BUDGET_EXHAUSTED");
    expect([
      exhausted.agent,
      exhausted.left,
      exhausted.gasPerDay,
      exhausted.refillPending,
    ]).to.deep.equal([agentKey.address, 1000n, cost + 1000n, false]);
  });
});
