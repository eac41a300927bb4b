/**
 * Rate limits shared by relayer instances on one PostgreSQL: requests alternate between two instances, and a key
 * (or a sender) gets its limit once, not once per instance. Counts of accepted and refused requests only, no
 * timing: the windows (an hour, a day) outlast the test.
 */
import { expect } from "chai";
import { createApiKey } from "../../src/relayer/auth/apiKeys.js";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import {
  HARDHAT_KEYS,
  buildOp,
  call,
  createAccounts,
  rpcOp,
  startChain,
  startPostgres,
  type TestAccount,
  type TestChain,
  type TestPostgres,
} from "./helpers.js";

const THROTTLED = -32504;
const PER_KEY = 5;
const PER_SENDER = 3;

describe("rate limits shared by two relayer instances on PostgreSQL", function () {
  this.timeout(180_000);
  let chain: TestChain;
  let postgres: TestPostgres;
  let accounts: TestAccount[];
  const relayers: RunningRelayer[] = [];

  before(async () => {
    [chain, postgres] = await Promise.all([startChain(), startPostgres()]);
    accounts = await createAccounts(chain, 2);
    for (const key of [HARDHAT_KEYS[1], HARDHAT_KEYS[2]])
      relayers.push(
        await startRelayer({
          rpcUrl: chain.url,
          entryPoint: chain.entryPointAddress,
          db: postgres.url,
          signer: { privateKey: key },
          port: 0,
          rateLimits: { perKey: { perHour: PER_KEY }, perSender: { perDay: PER_SENDER } },
          logSink: () => {},
        }),
      );
  });

  after(async () => {
    for (const relayer of relayers) await relayer.close();
    await chain?.stop();
    await postgres?.stop();
  });

  /** Tallies answers: accepted, throttled (-32504, with retryAfterMs), anything else is a test failure. */
  function tally(responses: { error?: { code: number; data?: unknown } }[]) {
    let accepted = 0;
    let throttled = 0;
    for (const r of responses) {
      if (!r.error) accepted++;
      else {
        expect(r.error.code, JSON.stringify(r.error)).to.equal(THROTTLED);
        expect((r.error.data as { retryAfterMs: number }).retryAfterMs).to.be.greaterThan(0);
        throttled++;
      }
    }
    return { accepted, throttled };
  }

  it("per key: over both instances the key gets its limit once; another key is not affected", async () => {
    const { key } = await createApiKey(relayers[0].store, { sender: "*", scopes: ["read"] });
    const headers = { authorization: `Bearer ${key}` };
    const responses = [];
    for (let i = 0; i < 4 * PER_KEY; i++)
      responses.push(await call(relayers[i % 2].url, "eth_chainId", [], headers));
    // The first PER_KEY pass (both instances served some), every later one is refused by both.
    expect(tally(responses)).to.deep.equal({ accepted: PER_KEY, throttled: 3 * PER_KEY });
    expect(responses.slice(0, PER_KEY).every((r) => !r.error)).to.equal(true);
    for (const relayer of relayers)
      expect((await call(relayer.url, "eth_chainId", [], headers)).error?.code).to.equal(THROTTLED);

    const other = await createApiKey(relayers[1].store, { sender: "*", scopes: ["read"] });
    for (const relayer of relayers)
      expect(
        (await call(relayer.url, "eth_chainId", [], { authorization: `Bearer ${other.key}` }))
          .error,
      ).to.equal(undefined);
  });

  it("per sender: over both instances a sender gets its limit once; another sender is not affected", async () => {
    // A fresh key per op: the per-key limit never bites, only the sender's can.
    const freshKey = async () => ({
      authorization: `Bearer ${(await createApiKey(relayers[0].store, { sender: "*", scopes: ["send"] })).key}`,
    });
    const responses = [];
    for (let i = 0; i < 3 * PER_SENDER; i++) {
      // Separate nonce lanes: each op is valid on its own, only the limit can refuse it.
      const op = await buildOp(chain, accounts[0], { nonceKey: BigInt(1_000 + i) });
      responses.push(
        await call(
          relayers[i % 2].url,
          "eth_sendUserOperation",
          [rpcOp(op), chain.entryPointAddress],
          await freshKey(),
        ),
      );
    }
    expect(tally(responses)).to.deep.equal({ accepted: PER_SENDER, throttled: 2 * PER_SENDER });

    const other = await buildOp(chain, accounts[1], { nonceKey: 2_000n });
    const ok = await call(
      relayers[1].url,
      "eth_sendUserOperation",
      [rpcOp(other), chain.entryPointAddress],
      await freshKey(),
    );
    expect(ok.error, JSON.stringify(ok.error)).to.equal(undefined);
  });
});
