/** API keys (hashing, scopes, sender binding, expiry, rotation, revocation) and rate limits. */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import {
  createApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
  verifyApiKey,
} from "../../src/relayer/auth/apiKeys.js";
import { RateLimiter } from "../../src/relayer/auth/rateLimiter.js";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import {
  HARDHAT_KEYS,
  buildOp,
  call,
  createAccounts,
  rpcOp,
  startChain,
  tempDir,
  type TestAccount,
  type TestChain,
} from "./helpers.js";

describe("relayer API keys and rate limits", function () {
  this.timeout(120_000);
  let chain: TestChain;
  let relayer: RunningRelayer;
  let accounts: TestAccount[];
  let dbPath: string;
  const logLines: string[] = [];
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  before(async () => {
    chain = await startChain();
    accounts = await createAccounts(chain, 2);
    dbPath = `${tempDir()}/relayer.sqlite`;
    relayer = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: chain.entryPointAddress,
      db: `sqlite:${dbPath}`,
      signer: { privateKey: HARDHAT_KEYS[1] },
      port: 0,
      rateLimits: { perKey: { perHour: 1000 }, perSender: {} },
      logLevel: "debug",
      logSink: (line) => logLines.push(line),
    });
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
  });

  it("requires a key by default: missing, malformed and unknown keys get -32001 (HTTP 401)", async () => {
    const missing = await call(relayer.url, "eth_chainId");
    expect(missing.httpStatus).to.equal(401);
    expect(missing.error?.code).to.equal(-32001);
    const malformed = await call(relayer.url, "eth_chainId", [], bearer("not-a-key"));
    expect(malformed.error?.code).to.equal(-32001);
    const unknown = await call(
      relayer.url,
      "eth_chainId",
      [],
      bearer(`leash_${"0".repeat(16)}_${"A".repeat(43)}`),
    );
    expect(unknown.error?.code).to.equal(-32001);
  });

  it("accepts a valid key in Authorization: Bearer and in x-api-key; a tampered secret fails", async () => {
    const { key } = await createApiKey(relayer.store, {
      sender: "*",
      scopes: ["read"],
      label: "reader",
    });
    expect((await call(relayer.url, "eth_chainId", [], bearer(key))).result).to.equal(
      "0x" + chain.chainId.toString(16),
    );
    expect((await call(relayer.url, "eth_chainId", [], { "x-api-key": key })).result).to.equal(
      "0x" + chain.chainId.toString(16),
    );
    const tampered = key.slice(0, -1) + (key.endsWith("A") ? "B" : "A");
    expect((await call(relayer.url, "eth_chainId", [], bearer(tampered))).error?.code).to.equal(
      -32001,
    );
  });

  it("stores only a SHA-256 hash: the key appears neither in listings, the database file nor the logs", async () => {
    const { key, info } = await createApiKey(relayer.store, {
      sender: "*",
      scopes: ["send", "read"],
    });
    await call(relayer.url, "eth_chainId", [], bearer(key));
    const listed = await listApiKeys(relayer.store);
    expect(listed.find((k) => k.id === info.id)).to.deep.include({ sender: "*", revokedAt: null });
    expect(JSON.stringify(listed)).not.to.include(key.split("_").slice(2).join("_"));
    const secret = key.split("_").slice(2).join("_");
    for (const file of [dbPath, `${dbPath}-wal`]) {
      let content = "";
      try {
        content = readFileSync(file).toString("latin1");
      } catch {
        continue;
      }
      expect(content.includes(secret), file).to.equal(false);
    }
    expect(logLines.join("\n")).not.to.include(secret);
  });

  it("rejects expired and revoked keys", async () => {
    const expired = await createApiKey(relayer.store, {
      sender: "*",
      scopes: ["read"],
      expiresAt: Date.now() - 1,
    });
    expect((await call(relayer.url, "eth_chainId", [], bearer(expired.key))).error?.code).to.equal(
      -32001,
    );
    expect((await verifyApiKey(relayer.store, expired.key)).ok).to.equal(false);

    const live = await createApiKey(relayer.store, {
      sender: "*",
      scopes: ["read"],
      expiresAt: Date.now() + 60_000,
    });
    expect((await call(relayer.url, "eth_chainId", [], bearer(live.key))).error).to.equal(
      undefined,
    );
    expect(await revokeApiKey(relayer.store, live.info.id)).to.equal(true);
    expect((await call(relayer.url, "eth_chainId", [], bearer(live.key))).error?.code).to.equal(
      -32001,
    );
    expect(await revokeApiKey(relayer.store, live.info.id)).to.equal(false);
  });

  it("rotation issues a new secret for the same id and the old one stops working", async () => {
    const original = await createApiKey(relayer.store, { sender: "*", scopes: ["read"] });
    const rotated = await rotateApiKey(relayer.store, original.info.id);
    expect(rotated.info.id).to.equal(original.info.id);
    expect(rotated.key).not.to.equal(original.key);
    expect((await call(relayer.url, "eth_chainId", [], bearer(original.key))).error?.code).to.equal(
      -32001,
    );
    expect((await call(relayer.url, "eth_chainId", [], bearer(rotated.key))).error).to.equal(
      undefined,
    );
  });

  it("enforces scopes: a read-only key cannot send (-32002), a send-only key cannot read", async () => {
    const reader = await createApiKey(relayer.store, { sender: "*", scopes: ["read"] });
    const op = await buildOp(chain, accounts[0]);
    const sent = await call(
      relayer.url,
      "eth_sendUserOperation",
      [rpcOp(op), chain.entryPointAddress],
      bearer(reader.key),
    );
    expect(sent.error?.code).to.equal(-32002);
    const sender = await createApiKey(relayer.store, { sender: "*", scopes: ["send"] });
    expect((await call(relayer.url, "eth_chainId", [], bearer(sender.key))).error?.code).to.equal(
      -32002,
    );
  });

  it("a key bound to a sender may only send that sender's ops", async () => {
    const bound = await createApiKey(relayer.store, {
      sender: accounts[0].address.toLowerCase(),
      scopes: ["send", "read"],
    });
    expect(bound.info.sender).to.equal(accounts[0].address);
    const other = await buildOp(chain, accounts[1]);
    const refused = await call(
      relayer.url,
      "eth_sendUserOperation",
      [rpcOp(other), chain.entryPointAddress],
      bearer(bound.key),
    );
    expect(refused.error?.code).to.equal(-32002);
    const own = await buildOp(chain, accounts[0]);
    const accepted = await call(
      relayer.url,
      "eth_sendUserOperation",
      [rpcOp(own), chain.entryPointAddress],
      bearer(bound.key),
    );
    expect(accepted.error).to.equal(undefined);
    expect(accepted.result).to.match(/^0x[0-9a-f]{64}$/);
  });

  it("validates key creation input", async () => {
    let thrown: unknown;
    try {
      await createApiKey(relayer.store, { sender: "not-an-address", scopes: ["send"] });
    } catch (error) {
      thrown = error;
    }
    expect(String(thrown)).to.match(/sender must be an address/);
    thrown = undefined;
    try {
      await createApiKey(relayer.store, { sender: "*", scopes: [] });
    } catch (error) {
      thrown = error;
    }
    expect(String(thrown)).to.match(/scopes/);
  });

  describe("rate limits over a running relayer", () => {
    let limited: RunningRelayer;
    before(async () => {
      limited = await startRelayer({
        rpcUrl: chain.url,
        entryPoint: chain.entryPointAddress,
        db: `sqlite:${tempDir()}/limited.sqlite`,
        signer: { privateKey: HARDHAT_KEYS[2] },
        port: 0,
        rateLimits: { perKey: { perHour: 5 }, perSender: { perDay: 2 } },
        logSink: () => {},
      });
    });
    after(async () => {
      await limited?.close();
    });

    it("per key: the limit-th request passes, the next gets -32504 with retryAfterMs", async () => {
      const { key } = await createApiKey(limited.store, { sender: "*", scopes: ["read"] });
      for (let i = 1; i <= 5; i++) {
        const ok = await call(limited.url, "eth_chainId", [], bearer(key));
        expect(ok.error, `request ${i}`).to.equal(undefined);
      }
      const throttled = await call(limited.url, "eth_chainId", [], bearer(key));
      expect(throttled.error?.code).to.equal(-32504);
      const retryAfterMs = (throttled.error?.data as { retryAfterMs: number }).retryAfterMs;
      expect(retryAfterMs).to.be.greaterThan(0);
      expect(retryAfterMs).to.be.at.most(3_600_000);
      // Another key is not affected.
      const fresh = await createApiKey(limited.store, { sender: "*", scopes: ["read"] });
      expect((await call(limited.url, "eth_chainId", [], bearer(fresh.key))).error).to.equal(
        undefined,
      );
    });

    it("per sender: the limit-th op is accepted, the next for that sender gets -32504", async () => {
      const { key } = await createApiKey(limited.store, { sender: "*", scopes: ["send", "read"] });
      for (let i = 1; i <= 2; i++) {
        const op = await buildOp(chain, accounts[1], { nonceKey: BigInt(100 + i) });
        const ok = await call(
          limited.url,
          "eth_sendUserOperation",
          [rpcOp(op), chain.entryPointAddress],
          bearer(key),
        );
        expect(ok.error, `op ${i}`).to.equal(undefined);
      }
      const op = await buildOp(chain, accounts[1], { nonceKey: 200n });
      const throttled = await call(
        limited.url,
        "eth_sendUserOperation",
        [rpcOp(op), chain.entryPointAddress],
        bearer(key),
      );
      expect(throttled.error?.code).to.equal(-32504);
      expect((throttled.error?.data as { retryAfterMs: number }).retryAfterMs).to.be.greaterThan(0);
      const otherSender = await buildOp(chain, accounts[0], { nonceKey: 201n });
      const ok = await call(
        limited.url,
        "eth_sendUserOperation",
        [rpcOp(otherSender), chain.entryPointAddress],
        bearer(key),
      );
      expect(ok.error).to.equal(undefined);
    });
  });

  describe("RateLimiter tiers at the edge (in memory, as on SQLite)", () => {
    it("the limit-th request passes, the next is refused by the tier it exceeds, with retryAfterMs", async () => {
      const limiter = RateLimiter.create("test", { perMinute: 3, perHour: 5 }, null);
      expect(limiter.shared).to.equal(false);
      for (let i = 1; i <= 3; i++)
        expect(await limiter.take("k"), `request ${i}`).to.deep.equal({ allowed: true });
      const refused = await limiter.take("k");
      expect(refused).to.deep.include({ allowed: false, tier: "perMinute" });
      const { retryAfterMs } = refused as { retryAfterMs: number };
      expect(retryAfterMs).to.be.greaterThan(0);
      expect(retryAfterMs).to.be.at.most(60_000);
      // Another subject has its own counters.
      expect(await limiter.take("other")).to.deep.equal({ allowed: true });
    });

    it("a request refused by a short window is not charged to the longer ones", async () => {
      const limiter = RateLimiter.create("test", { perMinute: 2, perDay: 10 }, null);
      for (let i = 0; i < 2; i++) expect((await limiter.take("k")).allowed).to.equal(true);
      for (let i = 0; i < 5; i++) expect((await limiter.take("k")).allowed).to.equal(false);
      expect(await limiter.usage("k")).to.deep.equal({ perMinute: 7, perDay: 2 });
    });

    it("a limit of 0 refuses everything; a negative or fractional limit is a config error", async () => {
      const closed = RateLimiter.create("test", { perHour: 0 }, null);
      expect(await closed.take("k")).to.deep.include({ allowed: false, tier: "perHour" });
      expect(() => RateLimiter.create("test", { perHour: -1 }, null)).to.throw(/perHour/);
      expect(() => RateLimiter.create("test", { perDay: 1.5 }, null)).to.throw(/perDay/);
    });
  });
});
