/**
 * The owner console's server (src/cli/console/server.ts) on its own: it serves only the built page, passes only
 * read-only methods to the node (whose URL credentials the page never sees), passes the page's own credentials
 * to the relayer untouched, streams server-sent events, and says so when the relayer is down.
 */
import { expect } from "chai";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { join } from "node:path";
import { startConsoleServer, type ConsoleServer } from "../../src/cli/console/server.js";
import { tempDir } from "../cli/helpers.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

async function listen(handler: (seen: Seen, res: import("node:http").ServerResponse) => void) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const s = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  return { seen, port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("owner console server", function () {
  this.timeout(30_000);
  let node: Awaited<ReturnType<typeof listen>>;
  let relayer: Awaited<ReturnType<typeof listen>>;
  let server: ConsoleServer;
  let base: string;

  before(async () => {
    const dist = tempDir("leash-console-dist-");
    mkdirSync(join(dist, "assets"));
    writeFileSync(join(dist, "index.html"), "<!doctype html><title>console</title>");
    writeFileSync(join(dist, "assets", "app-1.js"), "console.log(1)");
    node = await listen((s, res) => {
      const calls = JSON.parse(s.body) as { id: number }[] | { id: number };
      const answer = (c: { id: number }) => ({ jsonrpc: "2.0", id: c.id, result: "0x1" });
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(Array.isArray(calls) ? calls.map(answer) : answer(calls)));
    });
    relayer = await listen((s, res) => {
      if (s.url.startsWith("/events")) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(`id: e1\nevent: wallet.paused\ndata: {"ok":true}\n\n`);
        return; // stays open, like the relayer's stream
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, result: "relayed" }));
    });
    server = await startConsoleServer({
      distDir: dist,
      relayerUrl: `http://127.0.0.1:${relayer.port}/`,
      rpcUrl: `http://user:s3cret@127.0.0.1:${node.port}/`,
      chainId: 31337n,
      wallet: "0x00000000000000000000000000000000000000aA",
    });
    base = server.url.replace(/\/$/, "");
  });

  after(async () => {
    await server?.close();
    await node?.close();
    await relayer?.close();
  });

  it("serves the page with a strict CSP, the app's routes as the page, never files outside dist", async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).to.equal(200);
    expect(await page.text()).to.include("<title>console</title>");
    expect(page.headers.get("content-security-policy")).to.include("default-src 'self'");
    expect(page.headers.get("content-security-policy")).to.include("connect-src 'self'");
    expect((await fetch(`${base}/assets/app-1.js`)).headers.get("content-type")).to.match(
      /javascript/,
    );
    expect((await fetch(`${base}/assets/nope.js`)).status).to.equal(404);
    // Dot segments are resolved by the URL parser (the app's page answers), encoded slashes are refused.
    const dotted = await fetch(`${base}/%2e%2e/%2e%2e/%2e%2e/etc/passwd`);
    expect(await dotted.text()).to.include("<title>console</title>");
    expect((await fetch(`${base}/..%2f..%2fpackage.json`)).status).to.equal(404);
    expect(await (await fetch(`${base}/proposals`)).text()).to.include("<title>console</title>");
    expect((await fetch(`${base}/`, { method: "DELETE" })).status).to.equal(405);
  });

  it("its config names the chain and the default wallet, nothing secret", async () => {
    const text = await (await fetch(`${base}/console-config.json`)).text();
    expect(JSON.parse(text)).to.deep.equal({
      chainId: "31337",
      wallet: "0x00000000000000000000000000000000000000aA",
      relayer: "/relayer/",
      chain: "/chain",
    });
    expect(text).to.not.include("s3cret");
  });

  it("passes read-only calls to the node with its credentials; refuses anything that sends or signs", async () => {
    const post = (body: unknown) =>
      fetch(`${base}/chain`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const before = node.seen.length;
    for (const method of [
      "eth_sendRawTransaction",
      "eth_sendTransaction",
      "eth_sign",
      "personal_sign",
      "debug_traceCall",
      "hardhat_setBalance",
      "evm_increaseTime",
    ]) {
      const answer = (await (await post({ jsonrpc: "2.0", id: 7, method, params: [] })).json()) as {
        error: { code: number; message: string };
      };
      expect(answer.error.code, method).to.equal(-32601);
      expect(answer.error.message).to.include(method);
    }
    // One bad call refuses the whole batch.
    const batch = (await (
      await post([
        { jsonrpc: "2.0", id: 1, method: "eth_call", params: [] },
        { jsonrpc: "2.0", id: 2, method: "eth_sendRawTransaction", params: ["0x00"] },
      ])
    ).json()) as { error: { code: number } }[];
    expect(batch[0].error.code).to.equal(-32601);
    expect(node.seen.length).to.equal(before);

    const ok = (await (
      await post({ jsonrpc: "2.0", id: 3, method: "eth_getLogs", params: [{}] })
    ).json()) as {
      result: string;
    };
    expect(ok.result).to.equal("0x1");
    const forwarded = node.seen.at(-1)!;
    expect(forwarded.headers.authorization).to.equal(
      `Basic ${Buffer.from("user:s3cret").toString("base64")}`,
    );
    expect((await post("not json")).status).to.equal(200);
    const big = await fetch(`${base}/chain`, { method: "POST", body: "x".repeat(300 * 1024) });
    expect(big.status).to.equal(413);
  });

  it("passes the page's API key to the relayer untouched and streams its events", async () => {
    const answer = await fetch(`${base}/relayer/`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer leash_abc_def" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "leash_listApprovals", params: [] }),
    });
    expect(((await answer.json()) as { result: string }).result).to.equal("relayed");
    const seen = relayer.seen.at(-1)!;
    expect(seen.headers.authorization).to.equal("Bearer leash_abc_def");
    expect(JSON.parse(seen.body).method).to.equal("leash_listApprovals");

    const controller = new AbortController();
    const stream = await fetch(`${base}/relayer/events?wallet=0xabc`, {
      headers: { authorization: "Bearer leash_abc_def", "last-event-id": "e0" },
      signal: controller.signal,
    });
    expect(stream.headers.get("content-type")).to.equal("text/event-stream");
    const reader = stream.body!.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).to.include("event: wallet.paused");
    controller.abort();
    const opened = relayer.seen.find((s) => s.url.startsWith("/events"))!;
    expect(opened.url).to.equal("/events?wallet=0xabc");
    expect(opened.headers["last-event-id"]).to.equal("e0");
    expect((await fetch(`${base}/relayer/metrics`)).status).to.equal(404);
  });

  it("says the relayer is down when it is unreachable", async () => {
    const dead = await startConsoleServer({
      distDir: tempDir("leash-console-empty-"),
      relayerUrl: "http://127.0.0.1:9/",
      rpcUrl: "http://127.0.0.1:9/",
      chainId: 1n,
    });
    try {
      const health = await fetch(`${dead.url}relayer/health`);
      expect(health.status).to.equal(502);
      expect(((await health.json()) as { error: string }).error).to.equal(
        "the relayer is unreachable",
      );
      // No build: the page says how to make one.
      const page = await fetch(dead.url);
      expect(page.status).to.equal(503);
      expect(await page.text()).to.include("npm run build:console");
    } finally {
      await dead.close();
    }
  });
});

describe("leash console", function () {
  this.timeout(60_000);

  it("refuses to start without a relayer or a reachable chain, in one line", async () => {
    const { leash, errorLine } = await import("../cli/helpers.js");
    const dir = tempDir("leash-console-cfg-");
    const noRelayer = join(dir, "no-relayer.json");
    writeFileSync(noRelayer, JSON.stringify({ rpcUrl: "http://127.0.0.1:9/" }));
    const first = await leash(["--config", noRelayer, "console"]);
    expect(first.code).to.equal(2);
    expect(errorLine(first)).to.equal(
      "no relayer configured: pass --relayer-url or set LEASH_RELAYER_URL",
    );
    const deadChain = join(dir, "dead-chain.json");
    writeFileSync(
      deadChain,
      JSON.stringify({ rpcUrl: "http://127.0.0.1:9/", relayerUrl: "http://127.0.0.1:9/" }),
    );
    const second = await leash(["--config", deadChain, "console", "--port", "0"]);
    expect(second.code).to.not.equal(0);
    expect(errorLine(second)).to.match(/^the chain node does not answer: /);
  });
});
