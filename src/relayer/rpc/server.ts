/**
 * HTTP front door: JSON-RPC 2.0 on POST, /health and /metrics on GET. Everything a caller
 * controls is bounded (body size, batch size, id and method length) and every failure becomes a
 * JSON-RPC error object; no stack trace ever leaves the process.
 */
import { randomUUID } from "node:crypto";
import { type IncomingMessage, type ServerResponse, createServer, type Server } from "node:http";
import type { ZodError } from "zod";
import { type ApiKeyInfo, verifyApiKey } from "../auth/apiKeys.js";
import { serveEvents } from "./events.js";
import type { RateLimiter } from "../auth/rateLimiter.js";
import { NodeUnavailableError } from "../chain.js";
import {
  ForbiddenError,
  InternalError,
  InvalidParamsError,
  InvalidRequestError,
  MethodNotFoundError,
  ParseError,
  RpcError,
  ThrottledError,
  UnauthorizedError,
  UnavailableError,
} from "../errors.js";
import { AuthFailureLimiter } from "../auth/authFailures.js";
import { methodRegistry } from "./methods/index.js";
import type { RelayerContext } from "./types.js";
import type { Logger } from "../logger.js";

type JsonRpcId = string | number | null;

interface JsonRpcResponse {
  jsonrpc: "2.0";
  id: JsonRpcId;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

class BodyTooLargeError extends Error {}
class RequestDeadlineError extends Error {}

/**
 * Reads the body within `maxBytes` and `deadlineMs` (the whole request, so a 1-byte-per-second
 * body is cut). On overflow it stops buffering but keeps the socket open so the 413 can be read;
 * the caller answers with `connection: close`, after which the socket is destroyed.
 */
function readBody(req: IncomingMessage, maxBytes: number, deadlineMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > maxBytes) {
      reject(new BodyTooLargeError());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        req.removeListener("data", onData);
        req.resume(); // discard the rest instead of buffering it
        reject(error);
      } else resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(() => settle(new RequestDeadlineError()), deadlineMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        settle(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => settle(null));
    req.on("error", (error) => settle(error));
  });
}

function zodMessage(error: ZodError): {
  message: string;
  issues: { path: string; message: string }[];
} {
  const issues = error.issues.slice(0, 5).map((issue) => ({
    path: issue.path.join(".").slice(0, 100),
    message: issue.message.slice(0, 200),
  }));
  const first = issues[0];
  return {
    message: `invalid params: ${first ? `${first.path || "params"}: ${first.message}` : "bad input"}`,
    issues,
  };
}

function presentedKey(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (typeof header === "string" && header.toLowerCase().startsWith("bearer "))
    return header.slice(7).trim();
  const apiKey = req.headers["x-api-key"];
  if (typeof apiKey === "string") return apiKey.trim();
  return null;
}

const isValidId = (id: unknown): id is JsonRpcId =>
  id === null ||
  (typeof id === "string" && id.length <= 128) ||
  (typeof id === "number" && Number.isFinite(id));

/** Whether every request in the payload is a method authenticated by its own signature. */
function onlySignatureAuth(payload: unknown): boolean {
  const messages = Array.isArray(payload) ? payload : [payload];
  return (
    messages.length > 0 &&
    messages.every((m) => {
      const name = (m as { method?: unknown } | null)?.method;
      return typeof name === "string" && methodRegistry.get(name)?.signatureAuth === true;
    })
  );
}

export class RpcServer {
  readonly server: Server;
  private inFlight = 0;
  private accepting = true;
  private idle: (() => void) | null = null;
  private readonly authFailures: AuthFailureLimiter;
  private readonly log: Logger;
  /** Open event streams, ended on close (they would otherwise hold the server open for ever). */
  private readonly streams = new Set<() => void>();

  constructor(
    private readonly ctx: RelayerContext,
    private readonly keyRateLimiter: RateLimiter,
  ) {
    this.log = ctx.logger.child({ component: "rpc" });
    // Checked every second (default 30 s): the header and request deadlines are then kept closely.
    this.server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
      this.inFlight++;
      this.route(req, res)
        .catch((error: unknown) => {
          this.log.error("unhandled request error", { error });
          if (!res.headersSent)
            this.sendJson(res, 500, {
              jsonrpc: "2.0",
              id: null,
              error: new InternalError().toJSON(),
            });
        })
        .finally(() => {
          this.inFlight--;
          if (this.inFlight === 0) this.idle?.();
        });
    });
    const { limits } = ctx.config;
    this.server.headersTimeout = Math.min(10_000, limits.requestDeadlineMs);
    this.server.requestTimeout = limits.requestDeadlineMs;
    this.server.maxConnections = limits.maxConnections;
    this.server.maxRequestsPerSocket = limits.maxRequestsPerConnection;
    this.server.keepAliveTimeout = 5_000;
    this.authFailures = new AuthFailureLimiter(limits);
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        const address = this.server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  }

  /** Stops accepting connections and waits for in-flight requests (and their DB writes). */
  async close(): Promise<void> {
    this.accepting = false;
    for (const stop of [...this.streams]) stop();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    this.server.closeAllConnections();
    await closed;
  }

  private sendJson(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body, (_k, v) =>
      typeof v === "bigint" ? "0x" + v.toString(16) : v,
    );
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
    });
    res.end(text);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (!this.accepting) {
      res.writeHead(503, { connection: "close" }).end();
      return;
    }
    if (req.method === "GET" && path === "/health") return this.health(res);
    if (req.method === "GET" && path === "/metrics") return this.metrics(res);
    if (req.method === "GET" && path === "/events") {
      // A key is optional (an owner's signed request also reads); a presented key must be valid.
      const presented = presentedKey(req);
      if (presented) {
        // Key guessing through this route counts against the same limits as through JSON-RPC.
        const client = req.socket.remoteAddress ?? "unknown";
        if (await this.authFailures.blocked(client)) {
          this.sendJson(res, 429, { error: "too many failed authentications" });
          return;
        }
        const check = await verifyApiKey(this.ctx.store, presented);
        if (!check.ok) {
          await this.authFailures.record(client);
          this.ctx.metrics.authFailures.inc({ reason: check.reason });
          this.sendJson(res, 401, { error: "invalid API key" });
          return;
        }
        return serveEvents(this.ctx, req, res, check.info, this.streams);
      }
      return serveEvents(this.ctx, req, res, null, this.streams);
    }
    if (req.method !== "POST" || (path !== "/" && path !== "/rpc")) {
      this.sendJson(res, 404, { error: "not found" });
      return;
    }
    const { limits } = this.ctx.config;
    let body: Buffer;
    try {
      body = await readBody(req, limits.maxBodyBytes, limits.requestDeadlineMs);
    } catch (error) {
      const tooLarge = error instanceof BodyTooLargeError;
      if (tooLarge || error instanceof RequestDeadlineError) {
        // The answer first, then the connection goes: the client can read why.
        res.setHeader("connection", "close");
        res.once("finish", () => setTimeout(() => req.socket.destroy(), 1_000).unref());
        this.sendJson(res, tooLarge ? 413 : 408, {
          jsonrpc: "2.0",
          id: null,
          error: new InvalidRequestError(
            tooLarge
              ? `request body exceeds ${limits.maxBodyBytes} bytes`
              : `request not received within ${limits.requestDeadlineMs} ms`,
          ).toJSON(),
        });
        return;
      }
      throw error;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString("utf8"));
    } catch {
      this.sendJson(res, 200, { jsonrpc: "2.0", id: null, error: new ParseError().toJSON() });
      return;
    }

    let apiKey: ApiKeyInfo | null = null;
    if (this.ctx.config.authRequired) {
      const client = req.socket.remoteAddress ?? "unknown";
      // Owners' and guardians' methods authenticate by the signature they carry: no API key needed, and neither
      // a bad key (e.g. an agent's revoked key in the same config) nor other clients' failed guesses may block a
      // guardian's pause.
      const signatureAuth = onlySignatureAuth(payload);
      const blocked = signatureAuth ? null : await this.authFailures.blocked(client);
      if (blocked) {
        this.sendJson(res, 429, {
          jsonrpc: "2.0",
          id: null,
          error: new ThrottledError(
            `too many failed authentications ${blocked.scope === "client" ? "from this address" : "overall"}`,
            blocked.retryAfterMs,
          ).toJSON(),
        });
        return;
      }
      const presented = presentedKey(req);
      const check = presented ? await verifyApiKey(this.ctx.store, presented) : null;
      if (signatureAuth) {
        // fall through: apiKey is the key's info if it is valid, else null
      } else if (!check || !check.ok) {
        const reason = check ? check.reason : "missing";
        const { sampled, failures } = await this.authFailures.record(client);
        this.ctx.metrics.authFailures.inc({ reason });
        // A sample, not every failure: a key-guessing flood must not fill the disk with log lines.
        if (sampled) this.log.warn("authentication failed", { client, reason, failures });
        this.sendJson(res, 401, {
          jsonrpc: "2.0",
          id: null,
          error: new UnauthorizedError().toJSON(),
        });
        return;
      }
      apiKey = check?.ok ? check.info : null;
    }

    if (Array.isArray(payload)) {
      if (payload.length === 0) {
        this.sendJson(res, 200, {
          jsonrpc: "2.0",
          id: null,
          error: new InvalidRequestError("empty batch").toJSON(),
        });
        return;
      }
      if (payload.length > this.ctx.config.limits.maxBatchSize) {
        this.sendJson(res, 200, {
          jsonrpc: "2.0",
          id: null,
          error: new InvalidRequestError(
            `batch exceeds ${this.ctx.config.limits.maxBatchSize} requests`,
          ).toJSON(),
        });
        return;
      }
      const responses: JsonRpcResponse[] = [];
      // Sequential on purpose: a batch cannot multiply the work done concurrently.
      for (const message of payload) {
        const response = await this.handleMessage(message, apiKey);
        if (response) responses.push(response);
      }
      if (responses.length === 0) res.writeHead(204).end();
      else this.sendJson(res, 200, responses);
      return;
    }
    const response = await this.handleMessage(payload, apiKey);
    if (response) this.sendJson(res, 200, response);
    else res.writeHead(204).end();
  }

  /** Returns null for notifications (no id), which get no response. */
  private async handleMessage(
    message: unknown,
    apiKey: ApiKeyInfo | null,
  ): Promise<JsonRpcResponse | null> {
    if (message === null || typeof message !== "object" || Array.isArray(message)) {
      return {
        jsonrpc: "2.0",
        id: null,
        error: new InvalidRequestError("request must be an object").toJSON(),
      };
    }
    const request = message as Record<string, unknown>;
    const hasId = "id" in request;
    const id: JsonRpcId = isValidId(request.id) ? request.id : null;
    const fail = (error: RpcError): JsonRpcResponse => ({
      jsonrpc: "2.0",
      id,
      error: error.toJSON(),
    });
    if (hasId && !isValidId(request.id))
      return fail(new InvalidRequestError("id must be a string, number or null"));
    if (request.jsonrpc !== "2.0") return fail(new InvalidRequestError('jsonrpc must be "2.0"'));
    if (
      typeof request.method !== "string" ||
      request.method.length === 0 ||
      request.method.length > 100
    ) {
      return fail(new InvalidRequestError("method must be a non-empty string"));
    }
    const started = Date.now();
    const method = methodRegistry.get(request.method);
    // One id per JSON-RPC request (a batch gets one each): every line logged while serving it
    // carries it, so a client's report of one failure finds all of its lines.
    const log = this.log.child({
      requestId: randomUUID(),
      method: request.method.slice(0, 100),
      apiKeyId: apiKey?.id ?? null,
    });
    const result = await this.execute(request.method, request.params, apiKey, log);
    this.ctx.metrics.rpcRequests.inc({
      method: method ? request.method : "unknown",
      code: result.error ? String(result.error.code) : "0",
    });
    log.debug("rpc", {
      ms: Date.now() - started,
      code: result.error?.code,
    });
    if (!hasId) return null;
    return result.error ? fail(result.error) : { jsonrpc: "2.0", id, result: result.value ?? null };
  }

  private async execute(
    name: string,
    rawParams: unknown,
    apiKey: ApiKeyInfo | null,
    logger: Logger,
  ): Promise<{ error?: RpcError; value?: unknown }> {
    const method = methodRegistry.get(name);
    if (!method) return { error: new MethodNotFoundError(name) };
    // A guardian's pause must never wait behind the limits that protect the relayer from agents.
    if (apiKey && !method.signatureAuth) {
      if (!apiKey.scopes.includes(method.scope)) {
        return { error: new ForbiddenError(`this API key lacks the "${method.scope}" scope`) };
      }
      const limit = await this.keyRateLimiter.take(apiKey.id);
      if (!limit.allowed) {
        return {
          error: new ThrottledError(
            `rate limit for this API key exceeded (${limit.tier})`,
            limit.retryAfterMs,
          ),
        };
      }
    }
    if (rawParams !== undefined && !Array.isArray(rawParams)) {
      return { error: new InvalidParamsError("params must be an array") };
    }
    const parsed = method.params.safeParse(rawParams ?? []);
    if (!parsed.success) {
      const { message, issues } = zodMessage(parsed.error);
      return { error: new InvalidParamsError(message, { issues }) };
    }
    try {
      return { value: await method.handler(parsed.data, { relayer: this.ctx, apiKey, logger }) };
    } catch (error) {
      if (error instanceof RpcError) return { error };
      if (error instanceof NodeUnavailableError) return { error: new UnavailableError() };
      logger.error("method failed", { error });
      return { error: new InternalError() };
    }
  }

  private async health(res: ServerResponse): Promise<void> {
    const { requestChain, store, config, signerAddress } = this.ctx;
    let nodeReachable = false;
    let balance: bigint | null = null;
    let blockNumber: number | null = null;
    try {
      blockNumber = await requestChain.blockNumber();
      balance = await requestChain.balance(signerAddress);
      nodeReachable = true;
    } catch {
      nodeReachable = false;
    }
    const counts = await store.countOpsByStatus();
    const queueDepth = counts.received + counts.submitted;
    const balanceOk = balance !== null && balance >= config.bundler.minSignerBalanceWei;
    const healthy = nodeReachable && balanceOk;
    this.sendJson(res, healthy ? 200 : 503, {
      status: healthy ? "ok" : "unhealthy",
      nodeReachable,
      blockNumber,
      signer: signerAddress,
      signerBalanceWei: balance === null ? null : balance.toString(),
      signerBalanceOk: balanceOk,
      queueDepth,
    });
  }

  private async metrics(res: ServerResponse): Promise<void> {
    const { metrics } = this.ctx;
    const text = await metrics.render();
    res.writeHead(200, {
      "content-type": metrics.contentType,
      "content-length": Buffer.byteLength(text),
    });
    res.end(text);
  }
}
