/**
 * The owner console's web server (`leash console`, and `leash dev` starts one): the built page (console/dist,
 * `npm run build:console`) and two same-origin proxies, so the page needs no CORS and never sees a node URL's
 * credentials:
 *   /relayer/        → the relayer: JSON-RPC (POST), `GET /events` (server-sent events, streamed), `GET /health`.
 *                      The page's API key or owner signatures pass through untouched; the relayer checks them.
 *   /chain           → the chain node, read-only JSON-RPC (public chain state: the wallet's views and events),
 *                      an allowlist of methods; nothing that signs or sends.
 *   /console-config.json → the chain id and the default wallet (nothing secret).
 * The page holds no secret and the server adds none: everything the relayer guards still needs the user's API key
 * or an owner's signature. It listens on 127.0.0.1 unless told otherwise.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { request as httpsRequest } from "node:https";
import { extname, join, normalize, resolve, sep } from "node:path";
import { nodeEndpoint } from "../../relayer/nodeUrl.js";
import { PROJECT_ROOT } from "../../projectRoot.js";

/** Where `npm run build:console` puts the page. */
export const CONSOLE_DIST = join(PROJECT_ROOT, "console", "dist");

/** Read-only methods the page sends to the node (ethers' provider reads and event queries). */
export const CHAIN_METHODS = new Set([
  "eth_chainId",
  "net_version",
  "eth_blockNumber",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_call",
  "eth_getCode",
  "eth_getBalance",
  "eth_getStorageAt",
  "eth_getLogs",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
]);

const MAX_BODY_BYTES = 256 * 1024;
const MAX_BATCH = 100;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

export interface ConsoleServerOptions {
  /** The built page (console/dist). */
  distDir: string;
  relayerUrl: string;
  rpcUrl: string;
  chainId: bigint;
  /** The wallet the page opens by default (any Leash wallet can be typed in). */
  wallet?: string;
  host?: string;
  port?: number;
}

export interface ConsoleServer {
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, type = "application/json") {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(body);
}

function rpcError(id: unknown, code: number, message: string) {
  return { jsonrpc: "2.0", id: id ?? null, error: { code, message } };
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Forwards one request to `target` and streams the answer back (also an endless SSE stream). */
function proxy(
  req: IncomingMessage,
  res: ServerResponse,
  target: URL,
  headers: Record<string, string>,
  body: Buffer | undefined,
  down: string,
): void {
  const requestFn = target.protocol === "https:" ? httpsRequest : httpRequest;
  const upstream = requestFn(
    target,
    { method: req.method, headers: body ? { ...headers, "content-length": body.length } : headers },
    (answer) => {
      const passed: Record<string, string | string[]> = { ...SECURITY_HEADERS };
      for (const name of ["content-type", "cache-control", "retry-after"]) {
        const value = answer.headers[name];
        if (value !== undefined) passed[name] = value;
      }
      if (String(answer.headers["content-type"] ?? "").startsWith("text/event-stream"))
        passed["x-accel-buffering"] = "no";
      res.writeHead(answer.statusCode ?? 502, passed);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => {
    if (!res.headersSent)
      send(res, 502, JSON.stringify({ error: `${down} is unreachable`, unreachable: down }));
    else res.end();
  });
  // The page left (an event stream closed): stop reading from the relayer too.
  res.on("close", () => upstream.destroy());
  upstream.end(body);
}

function relayerHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = { accept: String(req.headers.accept ?? "*/*") };
  for (const name of ["authorization", "x-api-key", "last-event-id", "content-type"]) {
    const value = req.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  return headers;
}

async function forwardChain(
  req: IncomingMessage,
  res: ServerResponse,
  rpcUrl: string,
): Promise<void> {
  const body = await readBody(req);
  if (!body) return send(res, 413, JSON.stringify(rpcError(null, -32600, "request too large")));
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return send(res, 400, JSON.stringify(rpcError(null, -32700, "parse error")));
  }
  const calls = Array.isArray(parsed) ? parsed : [parsed];
  if (calls.length === 0 || calls.length > MAX_BATCH)
    return send(res, 400, JSON.stringify(rpcError(null, -32600, `1 to ${MAX_BATCH} calls`)));
  for (const call of calls) {
    const method = (call as { method?: unknown })?.method;
    if (typeof method !== "string" || !CHAIN_METHODS.has(method)) {
      const id = (call as { id?: unknown })?.id;
      const answer = rpcError(id, -32601, `method not allowed through the console: ${method}`);
      return send(res, 200, JSON.stringify(Array.isArray(parsed) ? [answer] : answer));
    }
  }
  const node = nodeEndpoint(rpcUrl);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (node.authorization) headers.authorization = node.authorization;
  proxy(req, res, new URL(node.url), headers, body, "the chain node");
}

function serveStatic(res: ServerResponse, distDir: string, pathname: string): void {
  const root = resolve(distDir);
  if (!existsSync(join(root, "index.html")))
    return send(
      res,
      503,
      "<!doctype html><title>Leash console</title><p>The console is not built: run <code>npm run build:console</code>.</p>",
      "text/html; charset=utf-8",
    );
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return send(res, 400, JSON.stringify({ error: "bad path" }));
  }
  const wanted = normalize(join(root, decoded));
  if (wanted !== root && !wanted.startsWith(root + sep))
    return send(res, 404, JSON.stringify({ error: "not found" }));
  let file = wanted;
  if (!existsSync(file) || statSync(file).isDirectory()) {
    // Asset paths that don't exist are 404s; any other path is the app (one page).
    if (decoded.startsWith("/assets/"))
      return send(res, 404, JSON.stringify({ error: "not found" }));
    file = join(root, "index.html");
  }
  const type = CONTENT_TYPES[extname(file)] ?? "application/octet-stream";
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    "content-type": type,
    "content-length": statSync(file).size,
    // Hashed asset names never change content; the page itself is always revalidated.
    "cache-control": file.includes(`${sep}assets${sep}`)
      ? "public, max-age=31536000, immutable"
      : "no-cache",
  });
  createReadStream(file).pipe(res);
}

/** Starts the console's server; resolves once it listens. */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const relayerBase = new URL(
    options.relayerUrl.endsWith("/") ? options.relayerUrl : options.relayerUrl + "/",
  );
  const config = JSON.stringify({
    chainId: options.chainId.toString(),
    wallet: options.wallet ?? null,
    relayer: "/relayer/",
    chain: "/chain",
  });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://console");
    const path = url.pathname;
    const handle = async () => {
      if (path === "/console-config.json" && req.method === "GET") return send(res, 200, config);
      if (path === "/chain") {
        if (req.method !== "POST") return send(res, 405, JSON.stringify({ error: "POST only" }));
        return forwardChain(req, res, options.rpcUrl);
      }
      if (path === "/relayer/" || path === "/relayer") {
        if (req.method !== "POST") return send(res, 405, JSON.stringify({ error: "POST only" }));
        const body = await readBody(req);
        if (!body)
          return send(res, 413, JSON.stringify(rpcError(null, -32600, "request too large")));
        return proxy(req, res, relayerBase, relayerHeaders(req), body, "the relayer");
      }
      if ((path === "/relayer/events" || path === "/relayer/health") && req.method === "GET") {
        const target = new URL(path.slice("/relayer/".length) + url.search, relayerBase);
        return proxy(req, res, target, relayerHeaders(req), undefined, "the relayer");
      }
      if (path.startsWith("/relayer/"))
        return send(res, 404, JSON.stringify({ error: "not found" }));
      if (req.method !== "GET" && req.method !== "HEAD")
        return send(res, 405, JSON.stringify({ error: "GET only" }));
      return serveStatic(res, options.distDir, path);
    };
    handle().catch(() => {
      if (!res.headersSent) send(res, 500, JSON.stringify({ error: "console server error" }));
      else res.end();
    });
  });
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    // "localhost" rather than 127.0.0.1: WebAuthn (passkeys) refuses IP addresses as relying party ids.
    url: `http://${host === "127.0.0.1" ? "localhost" : host.includes(":") ? `[${host}]` : host}:${port}/`,
    close: () =>
      new Promise<void>((resolveClose) => {
        // Open event streams never end by themselves.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolveClose());
      }),
  };
}
