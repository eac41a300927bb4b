/**
 * The SDK's pure parts: amount and address parsing, and the mapping of relayer JSON-RPC errors and revert data
 * to typed errors (including codes the live tests can't provoke on demand, like -32003).
 */
import { expect } from "chai";
import { createServer } from "node:http";
import { inspect } from "node:util";
import { toCliError } from "../../src/cli/errors.js";
import { Interface, Wallet, ZeroAddress } from "ethers";
import {
  AgentClient,
  CallFailedError,
  ExecutionRevertedError,
  InvalidAddressError,
  InvalidAmountError,
  InvalidArgumentError,
  LeashError,
  OperationDroppedError,
  OutOfTimeRangeError,
  PendingOperationError,
  PolicyViolationError,
  RateLimitedError,
  RelayerRequestError,
  RelayerUnavailableError,
  SignatureError,
  UnauthorizedError,
  UnknownAgentError,
  ValidationError,
  WalletError,
  WalletPausedError,
  errorFromRpc,
  exactLimitBelow,
  formatAmount,
  parseAmount,
  toAddress,
  toAsset,
  toLeashError,
  toAgentRules,
  toAssetLimits,
  walletInterface,
  type AssetInfo,
} from "../../src/client/index.js";

describe("client units and error mapping", () => {
  it("parses human amounts exactly and refuses extra decimals, signs and exponents", () => {
    expect(parseAmount("1.5", 18)).to.equal(1_500_000_000_000_000_000n);
    expect(parseAmount("0.000001", 6)).to.equal(1n);
    expect(parseAmount("12.500000", 6)).to.equal(12_500_000n);
    expect(parseAmount(" 3 ", 0)).to.equal(3n);
    expect(parseAmount(42n, 18)).to.equal(42n);
    expect(() => parseAmount("0.0000001", 6)).to.throw(
      InvalidAmountError,
      "amount 0.0000001 has more than 6 decimals",
    );
    for (const bad of ["-1", "1e3", "1,5", ".5", "", "0x10", "1.2.3"])
      expect(() => parseAmount(bad, 18), bad).to.throw(InvalidAmountError);
    expect(() => parseAmount(-1n, 18)).to.throw(InvalidAmountError);
    expect(() => parseAmount("1" + "0".repeat(80), 0)).to.throw(InvalidAmountError, "too large");
    expect(formatAmount(1_500_000_000_000_000_000n, 18)).to.equal("1.5");
    expect(formatAmount(10n ** 18n, 18)).to.equal("1");
    expect(formatAmount(1n, 6)).to.equal("0.000001");
  });

  it("checksums addresses and rejects malformed or mis-checksummed ones", () => {
    const address = Wallet.createRandom().address;
    expect(toAddress(address.toLowerCase())).to.equal(address);
    expect(toAsset("native")).to.equal(ZeroAddress);
    expect(toAsset("ETH")).to.equal(ZeroAddress);
    expect(() => toAddress("0x1234", "recipient")).to.throw(
      InvalidAddressError,
      "recipient is not a valid address: 0x1234",
    );
    const flipped = address
      .replace(/[a-f]/, (c) => c.toUpperCase())
      .replace(/[A-F]/, (c) => c.toLowerCase());
    if (flipped !== address && flipped.toLowerCase() === address.toLowerCase())
      expect(() => toAddress(flipped)).to.throw(InvalidAddressError);
    expect(() => toAddress(42)).to.throw(InvalidAddressError);
  });

  it("validates agent rules", () => {
    expect(toAgentRules({ allowedDays: [0, 1, 2, 3, 4], allowedHours: [9, 10] })).to.include({
      allowedDays: 0b11111,
      allowedHours: (1 << 9) | (1 << 10),
    });
    expect(() => toAgentRules({ allowedDays: [7] })).to.throw(InvalidArgumentError);
    expect(() => toAgentRules({ allowedHours: [] })).to.throw(InvalidArgumentError);
    expect(() => toAgentRules({ maxOpCost: "0" })).to.throw(InvalidArgumentError);
  });

  it("offers the nearest exact limit below and refuses a limit the wallet can't hold exactly, before signing", async () => {
    // The wallet packs an asset's limits as a mantissa below 2^43 times a power of ten (DecimalAmount.sol).
    const maxMantissa = 2n ** 43n - 1n;
    expect(exactLimitBelow(0n)).to.equal(0n);
    expect(exactLimitBelow(maxMantissa)).to.equal(maxMantissa);
    // One above: the best is the largest 13-digit mantissa, not the coarser 8796093022200 + 10.
    expect(exactLimitBelow(maxMantissa + 1n)).to.equal(maxMantissa);
    expect(exactLimitBelow(1_234_567_890_123_456_789n)).to.equal(1_234_567_890_123_000_000n);
    expect(exactLimitBelow(9_234_567_890_123_456_789n)).to.equal(9_234_567_890_120_000_000n);
    expect(exactLimitBelow(10n ** 40n)).to.equal(10n ** 40n);
    expect(exactLimitBelow(2n ** 256n - 1n)).to.equal(maxMantissa * 10n ** 31n);
    expect(() => exactLimitBelow(-1n)).to.throw(InvalidArgumentError);
    const assets = { of: async () => ({ decimals: 18 }) } as unknown as AssetInfo;
    const ok = await toAssetLimits(assets, ZeroAddress, {
      perTx: "0.123456789012",
      daily: "1000000",
    });
    expect(ok.perTx).to.equal(123_456_789_012n * 10n ** 6n);
    for (const field of ["perTx", "approvalAbove", "daily", "weekly", "monthly"] as const) {
      const err = await toAssetLimits(assets, ZeroAddress, { [field]: "1.0000000000001" }).catch(
        (e: unknown) => e,
      );
      expect(err, field).to.be.instanceOf(InvalidArgumentError);
      expect((err as Error).message).to.equal(
        `${field} 1000000000000100000 has more significant digits than a limit holds (at most 12); 1000000000000000000 fits`,
      );
    }
    // The wallet's own refusal decodes with its value, for callers that bypass the builders.
    const revert = walletInterface.encodeErrorResult("PolicyLimitTooPrecise", [2n ** 43n]);
    const decoded = toLeashError(Object.assign(new Error("reverted"), { data: revert }));
    expect(decoded).to.be.instanceOf(LeashError);
    expect(decoded.message).to.contain("PolicyLimitTooPrecise");
  });

  it("maps every relayer error code to its typed error", () => {
    const agent = Wallet.createRandom().address;
    const revert = walletInterface.encodeErrorResult("PolicyDailyLimitExceeded", [
      agent,
      ZeroAddress,
      5n,
      7n,
      10n,
    ]);
    const policy = errorFromRpc({
      code: -32521,
      message: "execution reverted: PolicyDailyLimitExceeded(...)",
      data: { reason: "x", rule: "PolicyDailyLimitExceeded", args: {}, revert: { data: revert } },
    });
    expect(policy).to.be.instanceOf(PolicyViolationError);
    expect((policy as PolicyViolationError).rule).to.equal("PolicyDailyLimitExceeded");
    expect((policy as PolicyViolationError).values).to.deep.equal({
      agent,
      asset: ZeroAddress,
      spent: 5n,
      amount: 7n,
      cap: 10n,
    });
    // Without revert bytes, the rule and JSON args still make a PolicyViolationError.
    const fromArgs = errorFromRpc({
      code: -32521,
      message: "m",
      data: { rule: "PolicyTooSoon", args: { agent, lastOpAt: "100", minSeconds: "60" } },
    }) as PolicyViolationError;
    expect(fromArgs.values).to.deep.equal({ agent, lastOpAt: 100n, minSeconds: 60n });
    expect(errorFromRpc({ code: -32521, message: "m", data: { reason: "boom" } })).to.be.instanceOf(
      ExecutionRevertedError,
    );
    const throttled = errorFromRpc({
      code: -32504,
      message: "slow down",
      data: { retryAfterMs: 750 },
    });
    expect(throttled).to.be.instanceOf(RateLimitedError);
    expect((throttled as RateLimitedError).retryAfterMs).to.equal(750);
    expect(errorFromRpc({ code: -32001, message: "no key" })).to.be.instanceOf(UnauthorizedError);
    expect(errorFromRpc({ code: -32002, message: "scope" })).to.be.instanceOf(UnauthorizedError);
    expect(errorFromRpc({ code: -32507, message: "sig" })).to.be.instanceOf(SignatureError);
    expect(errorFromRpc({ code: -32503, message: "AA22" })).to.be.instanceOf(OutOfTimeRangeError);
    const aa21 = errorFromRpc({
      code: -32500,
      message: "rejected in validation: AA21 didn't pay prefund",
    });
    expect(aa21).to.be.instanceOf(ValidationError);
    expect((aa21 as ValidationError).aaCode).to.equal("AA21");
    expect(errorFromRpc({ code: -32500, message: "AA25 invalid account nonce" })).to.be.instanceOf(
      PendingOperationError,
    );
    const down = errorFromRpc({ code: -32003, message: "node down", data: { retryAfterMs: 1000 } });
    expect(down).to.be.instanceOf(RelayerUnavailableError);
    expect(errorFromRpc({ code: -32602, message: "invalid params: nonce" })).to.be.instanceOf(
      RelayerRequestError,
    );
    for (const e of [policy, throttled, down]) expect(e).to.be.instanceOf(LeashError);
  });

  it("an owner action the wallet refuses through the relayer names the proposal state and dates its times (SDK and CLI line)", () => {
    // leash_executeProposal / leash_submitGuardianAction answer with the decoded revert itself as data.
    const relayerError = (name: string, args: unknown[]) => {
      const data = walletInterface.encodeErrorResult(name, args);
      const parsed = walletInterface.parseError(data)!;
      const named: Record<string, string> = {};
      parsed.fragment.inputs.forEach((input, i) => (named[input.name] = String(parsed.args[i])));
      return errorFromRpc({
        code: -32521,
        message: `the wallet would refuse it: ${name}(…)`,
        data: { kind: "custom", rule: name, args: named, data },
      });
    };
    const executedTwice = relayerError("ProposalInvalidState", [2n, 3n]);
    expect(executedTwice).to.be.instanceOf(WalletError);
    expect(executedTwice).to.not.be.instanceOf(PolicyViolationError);
    expect(executedTwice.message).to.equal(
      "wallet reverted: ProposalInvalidState(id=2, state=executed)",
    );
    expect(toCliError(executedTwice).message).to.equal(
      "wallet reverted: ProposalInvalidState(id=2, state=executed)",
    );
    const early = toCliError(relayerError("ProposalNotReady", [2n, 1_800_000_000n]));
    expect(early.message).to.equal(
      "wallet reverted: ProposalNotReady(id=2, eta=1800000000 (2027-01-15T08:00:00Z))",
    );
    const suspended = toCliError(
      relayerError("AgentInvalidStatus", ["0x2222222222222222222222222222222222222222", 2n]),
    );
    expect(suspended.message).to.equal(
      "wallet reverted: AgentInvalidStatus(agent=0x2222222222222222222222222222222222222222, status=suspended)",
    );
    // A policy rule in the same shape stays a policy violation, its amounts in ETH on the CLI line.
    const agent = Wallet.createRandom().address;
    const policy = relayerError("PolicyPerTxLimitExceeded", [
      agent,
      ZeroAddress,
      2n * 10n ** 18n,
      10n ** 18n,
    ]);
    expect(policy).to.be.instanceOf(PolicyViolationError);
    expect(toCliError(policy).message).to.equal(
      `policy violation: PolicyPerTxLimitExceeded(agent=${agent}, asset=${ZeroAddress}, amount=2 ETH, cap=1 ETH)`,
    );
  });

  it("decodes wallet custom errors from a reverted call, unwrapping failed self-calls", () => {
    const paused = toLeashError({
      code: "CALL_EXCEPTION",
      data: walletInterface.encodeErrorResult("WalletPaused", []),
    });
    expect(paused).to.be.instanceOf(WalletPausedError);
    const notFound = toLeashError({
      info: { error: { data: walletInterface.encodeErrorResult("AgentNotFound", [ZeroAddress]) } },
    });
    expect(notFound).to.be.instanceOf(UnknownAgentError);
    const inner = walletInterface.encodeErrorResult("ProposalNotReady", [3n, 99n]);
    const wrapped = toLeashError({
      data: walletInterface.encodeErrorResult("WalletCallFailed", [0n, inner]),
    });
    expect(wrapped).to.be.instanceOf(WalletError);
    expect((wrapped as WalletError).errorName).to.equal("ProposalNotReady");
    const tokenError = new Interface([
      "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
    ]).encodeErrorResult("ERC20InsufficientBalance", [ZeroAddress, 1n, 2n]);
    const failed = toLeashError({
      data: walletInterface.encodeErrorResult("WalletCallFailed", [1n, tokenError]),
    });
    expect(failed).to.be.instanceOf(CallFailedError);
    expect((failed as CallFailedError).index).to.equal(1);
    expect((failed as CallFailedError).inner?.name).to.equal("ERC20InsufficientBalance");
    expect(toLeashError(new Error("weird\nsecond line"))).to.be.instanceOf(ExecutionRevertedError);
    expect(toLeashError(new Error("weird\nsecond line")).message).to.not.contain("\n");
    const json = paused.toJSON();
    expect(json).to.include({ name: "WalletPausedError", code: "WALLET_PAUSED" });
  });

  it("waitForReceipt throws the decoded error of a failed op and OperationDroppedError for a dropped one", async () => {
    const agent = Wallet.createRandom().address;
    const revert = walletInterface.encodeErrorResult("PolicyTooSoon", [agent, 100n, 60n]);
    const statuses: Record<string, unknown> = {
      ["0x" + "01".repeat(32)]: { status: "failed", reason: "reverted", revert: { data: revert } },
      ["0x" + "02".repeat(32)]: {
        status: "dropped",
        reason: "AA25 invalid account nonce",
        revert: null,
      },
    };
    // A stand-in relayer: only the status method, answering from the table above.
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const { id, params } = JSON.parse(body) as { id: number; params: string[] };
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({
            jsonrpc: "2.0",
            id,
            result: { blockNumber: null, ...(statuses[params[0]] as object) },
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const client = new AgentClient({
        wallet: Wallet.createRandom().address,
        key: Wallet.createRandom(),
        relayerUrl: `http://127.0.0.1:${port}/`,
      });
      const failed = await client.waitForReceipt("0x" + "01".repeat(32)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(failed).to.be.instanceOf(PolicyViolationError);
      expect((failed as PolicyViolationError).values).to.deep.equal({
        agent,
        lastOpAt: 100n,
        minSeconds: 60n,
      });
      const dropped = await client.waitForReceipt("0x" + "02".repeat(32)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(dropped).to.be.instanceOf(OperationDroppedError);
      expect((dropped as OperationDroppedError).reason).to.equal("AA25 invalid account nonce");
      await client.waitForReceipt("0x12").then(
        () => expect.fail("resolved"),
        (e: unknown) => expect(e).to.be.instanceOf(InvalidArgumentError),
      );
    } finally {
      server.close();
    }
  });

  it("never shows the agent key or the API key when the client is inspected", () => {
    const key = Wallet.createRandom();
    const apiKey = "leash_0123456789abcdef_" + "S".repeat(43);
    const client = new AgentClient({
      wallet: Wallet.createRandom().address,
      key: key.privateKey,
      relayerUrl: "http://127.0.0.1:9/",
      apiKey,
    });
    const shown = inspect(client, { depth: 10, showHidden: true });
    expect(shown).to.not.contain(key.privateKey.slice(2));
    expect(shown).to.not.contain(apiKey);
    expect(() => new AgentClient({ wallet: ZeroAddress, key: "0x1234", relayerUrl: "x" })).to.throw(
      InvalidArgumentError,
      "agent key must be",
    );
  });

  it("a call that reverted without data says what usually causes it; with data, shows it", () => {
    expect(new CallFailedError(0, null, "0x").message).to.equal(
      "call 0 of the batch failed: reverted without a reason (a payment: the wallet may lack the funds, or the recipient refuses them)",
    );
    expect(new CallFailedError(1, null, "0x12345678").message).to.equal(
      "call 1 of the batch failed: reverted with 0x12345678",
    );
  });
});
