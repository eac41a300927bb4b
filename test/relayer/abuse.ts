/**
 * Abuse limits of the HTTP front door, both sides of each: body size (413 for sized and chunked
 * bodies, read by the client rather than a reset), whole-request deadline (a slow body gets 408),
 * connection cap, failed-authentication throttling per client and overall with sampled logging,
 * and API keys that read and estimate only for their own sender.
 */
import { expect } from "chai";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { createApiKey } from "../../src/relayer/auth/apiKeys.js";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import {
  HARDHAT_KEYS,
  buildOp,
  call,
  createAccounts,
  rpcOp,
  sleep,
  startChain,
  tempDir,
  waitForFinal,
  type TestAccount,
  type TestChain,
} from "./helpers.js";

const WRONG_KEY = `leash_${"0".repeat(16)}_${"A".repeat(43)}`;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** POSTs `chunks` (chunked transfer, no content-length) with `gapMs` between writes. */
function postChunks(
  url: string,
  chunks: Buffer[],
  gapMs: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", headers: { "content-type": "application/json", ...headers } },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    let i = 0;
    let answered = false;
    req.on("response", () => (answered = true));
    const next = () => {
      if (answered || req.destroyed) return;
      if (i >= chunks.length) {
        req.end();
        return;
      }
      const ok = req.write(chunks[i++]);
      if (gapMs > 0) setTimeout(next, gapMs);
      else if (ok) setImmediate(next);
      else req.once("drain", next);
    };
    next();
  });
}

/** GET on a new connection (no pooled keep-alive socket): the status, or "dropped". */
function getOnNewConnection(url: string): Promise<number | "dropped"> {
  return new Promise((resolve) => {
    const req = request(url, { method: "GET", agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve("dropped"));
    req.setTimeout(5_000, () => req.destroy());
    req.end();
  });
}

describe("relayer abuse limits", function () {
  this.timeout(120_000);
  let chain: TestChain;
  let accounts: TestAccount[];
  let relayer: RunningRelayer;
  const logs: Record<string, unknown>[] = [];
  let readKey: string;

  before(async () => {
    chain = await startChain();
    accounts = await createAccounts(chain, 2);
    relayer = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: chain.entryPointAddress,
      db: `sqlite:${tempDir()}/abuse.sqlite`,
      signer: { privateKey: HARDHAT_KEYS[1] },
      port: 0,
      limits: {
        maxBodyBytes: 64 * 1024,
        requestDeadlineMs: 1_500,
        maxConnections: 4,
        authFailuresPerClient: 5,
        authFailuresOverall: 1_000,
        authFailureWindowSeconds: 30,
      },
      logSink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
    });
    ({ key: readKey } = await createApiKey(relayer.store, {
      sender: "*",
      scopes: ["read"],
      label: "reader",
    }));
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
  });

  it("answers 413 to a 10 MB chunked body and to a declared oversized body; a body at the limit is parsed", async () => {
    const chunked = await postChunks(
      relayer.url,
      Array.from({ length: 160 }, () => Buffer.alloc(64 * 1024, 0x20)),
      0,
    );
    expect(chunked.status).to.equal(413);
    expect((JSON.parse(chunked.body) as { error: { code: number } }).error.code).to.equal(-32600);
    const sized = await fetch(relayer.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "x".repeat(64 * 1024 + 1),
    });
    expect(sized.status).to.equal(413);
    // Exactly at the limit: read, parsed and answered.
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId" });
    const atLimit = await fetch(relayer.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(readKey) },
      body: body + " ".repeat(64 * 1024 - body.length),
    });
    expect(atLimit.status).to.equal(200);
    expect(((await atLimit.json()) as { result: string }).result).to.equal(
      "0x" + chain.chainId.toString(16),
    );
  });

  it("cuts a body trickling in at a few bytes a second with 408 at the request deadline; a prompt one is served", async () => {
    const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId" }));
    const started = Date.now();
    const slow = await postChunks(
      relayer.url,
      Array.from(body, (b) => Buffer.from([b])),
      250,
    );
    expect(slow.status).to.equal(408);
    expect(Date.now() - started).to.be.lessThan(body.length * 250);
    const prompt = await postChunks(relayer.url, [body], 0, bearer(readKey));
    expect(prompt.status).to.equal(200);
  });

  it("a key bound to a sender reads and estimates only for that sender", async () => {
    const [mine, theirs] = accounts;
    const { key: mineKey } = await createApiKey(relayer.store, {
      sender: mine.address,
      scopes: ["send", "read"],
      label: "mine",
    });
    const { key: theirKey } = await createApiKey(relayer.store, {
      sender: theirs.address,
      scopes: ["send", "read"],
      label: "theirs",
    });
    const sendAs = async (key: string, account: TestAccount) => {
      const response = await call(
        relayer.url,
        "eth_sendUserOperation",
        [rpcOp(await buildOp(chain, account)), chain.entryPointAddress],
        bearer(key),
      );
      expect(response.error, JSON.stringify(response.error)).to.equal(undefined);
      return response.result as string;
    };
    const myOp = await sendAs(mineKey, mine);
    const theirOp = await sendAs(theirKey, theirs);
    await waitForFinal(relayer.url, myOp, bearer(mineKey));
    await waitForFinal(relayer.url, theirOp, bearer(theirKey));
    for (const method of [
      "eth_getUserOperationByHash",
      "eth_getUserOperationReceipt",
      "leash_getUserOperationStatus",
    ]) {
      const own = await call(relayer.url, method, [myOp], bearer(mineKey));
      expect(own.result, method).to.not.equal(null);
      const other = await call(relayer.url, method, [theirOp], bearer(mineKey));
      expect(other.error, method).to.equal(undefined);
      expect(other.result, method).to.equal(null);
    }
    const estimateFor = async (account: TestAccount) => {
      const params = rpcOp(await buildOp(chain, account)) as Record<string, unknown>;
      delete params.callGasLimit;
      delete params.verificationGasLimit;
      delete params.preVerificationGas;
      return call(
        relayer.url,
        "eth_estimateUserOperationGas",
        [params, chain.entryPointAddress],
        bearer(mineKey),
      );
    };
    expect((await estimateFor(mine)).error).to.equal(undefined);
    expect((await estimateFor(theirs)).error?.code).to.equal(-32002);
  });
  it("throttles failed authentication per client (429, -32504) and logs a sample, not every failure", async () => {
    const before = logs.filter((l) => l.msg === "authentication failed").length;
    for (let i = 0; i < 5; i++) {
      const response = await call(relayer.url, "eth_chainId", [], bearer(WRONG_KEY));
      expect(response.httpStatus).to.equal(401);
    }
    const throttled = await call(relayer.url, "eth_chainId", [], bearer(WRONG_KEY));
    expect(throttled.httpStatus).to.equal(429);
    expect(throttled.error?.code).to.equal(-32504);
    expect((throttled.error?.data as { retryAfterMs: number }).retryAfterMs).to.be.greaterThan(0);
    // Even a valid key from that address waits: the key is not looked up while throttled.
    const { key } = await createApiKey(relayer.store, {
      sender: "*",
      scopes: ["read"],
      label: "ok",
    });
    expect((await call(relayer.url, "eth_chainId", [], bearer(key))).httpStatus).to.equal(429);
    const logged = logs.filter((l) => l.msg === "authentication failed").length - before;
    expect(logged).to.be.at.least(1);
    expect(logged).to.be.lessThan(5);
    const metrics = await (await fetch(new URL("/metrics", relayer.url))).text();
    expect(metrics).to.match(/leash_relayer_auth_failures_total\{reason="[a-z_-]+"\} [1-9]/);
  });

  it("throttles failed authentication overall, across clients", async () => {
    const strict = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: chain.entryPointAddress,
      db: `sqlite:${tempDir()}/abuse-overall.sqlite`,
      signer: { privateKey: HARDHAT_KEYS[2] },
      port: 0,
      limits: { authFailuresPerClient: 100, authFailuresOverall: 3 },
      logSink: () => {},
    });
    try {
      for (let i = 0; i < 3; i++)
        expect((await call(strict.url, "eth_chainId", [], bearer(WRONG_KEY))).httpStatus).to.equal(
          401,
        );
      const refused = await call(strict.url, "eth_chainId", [], bearer(WRONG_KEY));
      expect(refused.httpStatus).to.equal(429);
      expect(refused.error?.message).to.contain("overall");
    } finally {
      await strict.close();
    }
  });

  it("caps open connections: beyond maxConnections a connection is dropped, and served again once one closes", async () => {
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const socket = connect(Number(new URL(relayer.url).port), "127.0.0.1");
        await new Promise((r) => socket.once("connect", r));
        sockets.push(socket);
      }
      await sleep(200);
      const health = new URL("/health", relayer.url).toString();
      expect(await getOnNewConnection(health)).to.equal("dropped");
      sockets.pop()!.destroy();
      // Served again once under the cap (pooled keep-alive sockets of earlier tests time out too).
      let status: number | "dropped" = "dropped";
      for (let i = 0; i < 40 && status === "dropped"; i++) {
        await sleep(250);
        status = await getOnNewConnection(health);
      }
      expect(status).to.be.oneOf([200, 503]);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });
});
