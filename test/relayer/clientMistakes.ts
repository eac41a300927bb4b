/**
 * Client mistakes are -32602 (or their ERC-7769 code) naming the field, never "internal error";
 * valid ops the node's EIP-7623 calldata floor would trip in a naive simulation are accepted;
 * the economic floor refuses fees that can't cover the relayer's cost (required value in `data`).
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import { loadConfig } from "../../src/relayer/main.js";
import { resolveConfig } from "../../src/relayer/config.js";
import { attemptsWithin } from "../../src/relayer/chain.js";
import type { UserOperation } from "../../src/relayer/userOp.js";
import {
  HARDHAT_KEYS,
  buildOp,
  call,
  createAccounts,
  rawRpc,
  rpcOp,
  signOp,
  simpleExecute,
  startChain,
  tempDir,
  waitForFinal,
  type TestAccount,
  type TestChain,
} from "./helpers.js";

describe("relayer: client mistakes, calldata floor and the economic floor", function () {
  this.timeout(120_000);
  let chain: TestChain;
  let accounts: TestAccount[];
  let relayer: RunningRelayer;
  const logs: Record<string, unknown>[] = [];

  before(async () => {
    chain = await startChain();
    accounts = await createAccounts(chain, 4);
    relayer = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: chain.entryPointAddress,
      db: `sqlite:${tempDir()}/mistakes.sqlite`,
      signer: { privateKey: HARDHAT_KEYS[1] },
      port: 0,
      authRequired: false,
      logSink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
    });
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
  });

  const send = (url: string, op: UserOperation) =>
    call(url, "eth_sendUserOperation", [rpcOp(op), chain.entryPointAddress]);

  async function baseFee(): Promise<bigint> {
    return (await chain.provider.getBlock("latest"))!.baseFeePerGas!;
  }

  it("callGasLimit 0 with callData: -32602 naming callGasLimit, and an audit row", async () => {
    const op = await buildOp(chain, accounts[0], { callGasLimit: 0n });
    const response = await send(relayer.url, op);
    expect(response.error?.code, JSON.stringify(response.error)).to.equal(-32602);
    expect(response.error?.message).to.contain("callGasLimit");
    expect((response.error?.data as { field: string }).field).to.equal("callGasLimit");
    const audit = await relayer.store.readAudit(0, 1_000);
    expect(
      audit.some((row) => row.event === "rejected" && row.detailJson.includes("callGasLimit")),
    ).to.equal(true);
  });

  it("accepts and includes a 2 KB callData op with a tight callGasLimit (simulation above the EIP-7623 floor)", async () => {
    const data = "0x" + "ab".repeat(2048);
    // Execution of a call with 2 KB of data to the account itself: cheap, but the calldata floor
    // of a top-level call carrying it (21000 + 40/byte) is far above its callGasLimit.
    const op = await buildOp(chain, accounts[1], {
      callData: simpleExecute(Wallet.createRandom().address, 0n, data),
      callGasLimit: 40_000n,
    });
    const response = await send(relayer.url, op);
    expect(response.error, JSON.stringify(response.error)).to.equal(undefined);
    const final = await waitForFinal(relayer.url, response.result as string);
    expect(final.status).to.equal("included");
    expect(final.success).to.equal(true);
  });

  it("refuses a zero priority fee with -32602 and the required value, unless configured", async () => {
    const op = await buildOp(chain, accounts[2], { maxPriorityFeePerGas: 0n });
    const response = await send(relayer.url, op);
    expect(response.error?.code).to.equal(-32602);
    const data = response.error?.data as { field: string; minimum: string };
    expect(data.field).to.equal("maxPriorityFeePerGas");
    expect(BigInt(data.minimum)).to.equal(relayer.config.limits.minPriorityFeePerGas);
    expect(BigInt(data.minimum) > 0n).to.equal(true);

    const free = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: chain.entryPointAddress,
      db: `sqlite:${tempDir()}/free.sqlite`,
      signer: { privateKey: HARDHAT_KEYS[2] },
      port: 0,
      authRequired: false,
      limits: { minPriorityFeePerGas: 0n },
      logSink: () => {},
    });
    try {
      const accepted = await send(free.url, op);
      expect(accepted.error, JSON.stringify(accepted.error)).to.equal(undefined);
      expect((await waitForFinal(free.url, accepted.result as string)).status).to.equal("included");
    } finally {
      await free.close();
    }
  });

  it("refuses maxFeePerGas below base fee + margin + minimum tip with the required value; accepts it exactly", async () => {
    await rawRpc(chain.url, "evm_setAutomine", [false]);
    try {
      const fee = await baseFee();
      const { feeMarginPercent, minPriorityFeePerGas } = relayer.config.limits;
      const required = (fee * (100n + feeMarginPercent)) / 100n + minPriorityFeePerGas;
      const low = await buildOp(chain, accounts[3], {
        maxFeePerGas: required - 1n,
        maxPriorityFeePerGas: minPriorityFeePerGas,
      });
      const refused = await send(relayer.url, low);
      expect(refused.error?.code).to.equal(-32602);
      const data = refused.error?.data as { field: string; minimum: string };
      expect(data.field).to.equal("maxFeePerGas");
      expect(BigInt(data.minimum)).to.equal(required);
      const exact = signOp(chain, accounts[3], { ...low, maxFeePerGas: required });
      const accepted = await send(relayer.url, exact);
      expect(accepted.error, JSON.stringify(accepted.error)).to.equal(undefined);
    } finally {
      await rawRpc(chain.url, "evm_setAutomine", [true]);
    }
  });

  it("the economic floor is set by flag or environment", () => {
    const base = ["--rpc-url", "http://127.0.0.1:1", "--entry-point", chain.entryPointAddress];
    const fromFlags = loadConfig(
      [...base, "--min-priority-fee", "0", "--fee-margin-percent", "40"],
      {},
    );
    expect(fromFlags.limits).to.deep.include({ minPriorityFeePerGas: 0n, feeMarginPercent: 40n });
    const fromEnv = loadConfig(base, {
      LEASH_RELAYER_MIN_PRIORITY_FEE: "0x3b9aca00",
      LEASH_RELAYER_FEE_MARGIN_PERCENT: "10",
    });
    expect(fromEnv.limits).to.deep.include({
      minPriorityFeePerGas: 1_000_000_000n,
      feeMarginPercent: 10n,
    });
    expect(() => loadConfig([...base, "--min-priority-fee", "1.5gwei"], {})).to.throw(
      /non-negative/,
    );
  });

  it("the start-up wait for the node is set in seconds by flag or environment; a bad value is refused", () => {
    const base = ["--rpc-url", "http://127.0.0.1:1", "--entry-point", chain.entryPointAddress];
    expect(resolveConfig(loadConfig(base, {})).nodeStartupWaitMs).to.equal(30_000);
    expect(loadConfig([...base, "--node-wait", "5"], {}).nodeStartupWaitMs).to.equal(5_000);
    expect(loadConfig(base, { LEASH_RELAYER_NODE_WAIT: "0" }).nodeStartupWaitMs).to.equal(0);
    for (const bad of ["-1", "1.5", "30s", ""])
      expect(() => loadConfig(base, { LEASH_RELAYER_NODE_WAIT: bad }), bad).to.throw(
        /--node-wait must be a whole number of seconds/,
      );
    expect(() => loadConfig([...base, "--node-wait", "soon"], {})).to.throw(
      /--node-wait must be a whole number of seconds, got "soon"/,
    );
    expect(() =>
      resolveConfig({ ...loadConfig(base, {}), nodeStartupWaitMs: -1 } as never),
    ).to.throw(/nodeStartupWaitMs must be a non-negative integer/);
    // The backoff (100 ms doubling to 2 s) gets at least the wait: 0 s is one attempt, 30 s is 20.
    expect(attemptsWithin(0, 100, 2_000)).to.equal(1);
    expect(attemptsWithin(100, 100, 2_000)).to.equal(2);
    expect(attemptsWithin(2_000, 100, 2_000)).to.equal(6);
    expect(attemptsWithin(30_000, 100, 2_000)).to.equal(20);
  });

  it("never answered internal error above: no method failure was logged", () => {
    expect(logs.filter((l) => l.msg === "method failed")).to.deep.equal([]);
  });
});
