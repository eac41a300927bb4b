/**
 * A minimal JSON-RPC client for the node. We don't use ethers' provider here because the relayer
 * needs exact control over timeouts, retries and the difference between "the node is down"
 * (retry with backoff) and "the node answered with an error" (e.g. a revert: never retried).
 */
import type { Logger } from "./logger.js";
import { nodeEndpoint, redactUrlCredentials } from "./nodeUrl.js";

export class NodeUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NodeUnavailableError";
  }
}

/** The node answered 401/403: its URL's credentials are wrong. Retrying can't help, so it isn't retried. */
export class NodeCredentialsRefusedError extends NodeUnavailableError {
  constructor(message: string) {
    super(message);
    this.name = "NodeCredentialsRefusedError";
  }
}

export class NodeRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: unknown,
  ) {
    super(message);
    this.name = "NodeRpcError";
  }

  /** Revert bytes of a failed eth_call / eth_estimateGas, wherever the node put them. */
  get revertData(): string | undefined {
    const d = this.data as unknown;
    if (typeof d === "string" && d.startsWith("0x")) return d;
    if (d && typeof d === "object" && typeof (d as { data?: unknown }).data === "string") {
      return (d as { data: string }).data;
    }
    return undefined;
  }
}

export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const NO_RETRY: RetryPolicy = { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 };

/**
 * The attempts of a backoff (`initialDelayMs`, doubling, capped at `maxDelayMs`) whose waits add up to at least
 * `waitMs`: the node gets that long to answer. 0 = one attempt, no wait.
 */
export function attemptsWithin(waitMs: number, initialDelayMs: number, maxDelayMs: number): number {
  let attempts = 1;
  let waited = 0;
  for (let delay = initialDelayMs; waited < waitMs; delay = Math.min(delay * 2, maxDelayMs)) {
    waited += delay;
    attempts++;
  }
  return attempts;
}

export interface ChainClientOptions {
  /** The node's URL; userinfo (`user:password@`) is sent as an `Authorization: Basic` header. */
  url: string;
  timeoutMs: number;
  retry: RetryPolicy;
  logger: Logger;
}

const MAX_BATCH = 50;

interface PendingCall {
  id: number;
  method: string;
  params: unknown[];
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface RpcAnswer {
  id?: number;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ChainClient {
  private nextId = 1;
  private queue: PendingCall[] = [];
  private flushScheduled = false;
  private readonly url: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: ChainClientOptions) {
    const endpoint = nodeEndpoint(options.url);
    this.url = endpoint.url;
    this.headers = { "content-type": "application/json" };
    if (endpoint.authorization) this.headers.authorization = endpoint.authorization;
  }

  /**
   * Sends one request; retries only when the node is unreachable (not when it refuses the credentials), with
   * exponential backoff.
   */
  async request<T = unknown>(method: string, params: unknown[], retry?: RetryPolicy): Promise<T> {
    const policy = retry ?? this.options.retry;
    let delay = policy.initialDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.requestOnce<T>(method, params);
      } catch (error) {
        if (
          !(error instanceof NodeUnavailableError) ||
          error instanceof NodeCredentialsRefusedError ||
          attempt >= policy.attempts
        )
          throw error;
        this.options.logger.warn("node unreachable, retrying", { method, attempt, delayMs: delay });
        await sleep(delay);
        delay = Math.min(delay * 2, policy.maxDelayMs);
      }
    }
  }

  /**
   * Requests issued in the same turn of the event loop go out as one JSON-RPC batch: under load
   * this saves the node most of its per-HTTP-request overhead. `eth_sendRawTransaction` is never
   * batched, so a broadcast's outcome is always its own.
   */
  private requestOnce<T>(method: string, params: unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: PendingCall = {
        id: this.nextId++,
        method,
        params,
        resolve: resolve as (value: unknown) => void,
        reject,
      };
      if (method === "eth_sendRawTransaction") {
        void this.flush([pending]);
        return;
      }
      this.queue.push(pending);
      if (this.queue.length >= MAX_BATCH) {
        void this.flush(this.queue.splice(0));
      } else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          if (this.queue.length > 0) void this.flush(this.queue.splice(0));
        });
      }
    });
  }

  private async flush(calls: PendingCall[]): Promise<void> {
    const label = calls.length === 1 ? calls[0].method : `batch of ${calls.length}`;
    const failAll = (error: Error) => calls.forEach((c) => c.reject(error));
    const body = JSON.stringify(
      calls.length === 1
        ? { jsonrpc: "2.0", id: calls[0].id, method: calls[0].method, params: calls[0].params }
        : calls.map((c) => ({ jsonrpc: "2.0", id: c.id, method: c.method, params: c.params })),
    );
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: this.headers,
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      // The URL we fetch has no credentials, but a library's message might still quote one.
      return failAll(
        new NodeUnavailableError(`${label}: ${redactUrlCredentials((error as Error).message)}`),
      );
    }
    if (response.status === 401 || response.status === 403) {
      return failAll(
        new NodeCredentialsRefusedError(
          `${label}: HTTP ${response.status} (the node refused the URL's credentials)`,
        ),
      );
    }
    if (response.status >= 500 || response.status === 429) {
      return failAll(new NodeUnavailableError(`${label}: HTTP ${response.status}`));
    }
    let payload: unknown;
    try {
      payload = await response.json();
    } catch (error) {
      return failAll(
        new NodeUnavailableError(`${label}: unreadable response (${(error as Error).message})`),
      );
    }
    const answers = Array.isArray(payload) ? (payload as RpcAnswer[]) : [payload as RpcAnswer];
    const byId = new Map(answers.map((a) => [a?.id, a]));
    for (const call of calls) {
      const answer =
        byId.get(call.id) ?? (answers.length === 1 && calls.length === 1 ? answers[0] : undefined);
      if (!answer) {
        call.reject(new NodeUnavailableError(`${call.method}: no answer in the batch response`));
      } else if (answer.error) {
        call.reject(
          new NodeRpcError(answer.error.code, String(answer.error.message), answer.error.data),
        );
      } else {
        call.resolve(answer.result);
      }
    }
  }

  async chainId(): Promise<bigint> {
    return BigInt(await this.request<string>("eth_chainId", []));
  }

  async blockNumber(): Promise<number> {
    return Number(BigInt(await this.request<string>("eth_blockNumber", [])));
  }

  async latestBaseFee(): Promise<bigint> {
    return (await this.latestBlockLimits()).baseFee;
  }

  /** The latest block's base fee and gas limit (one eth_getBlockByNumber). */
  async latestBlockLimits(): Promise<{ baseFee: bigint; gasLimit: bigint }> {
    const block = await this.request<{ baseFeePerGas?: string; gasLimit?: string } | null>(
      "eth_getBlockByNumber",
      ["latest", false],
    );
    return {
      baseFee: BigInt(block?.baseFeePerGas ?? "0x0"),
      gasLimit: BigInt(block?.gasLimit ?? "0x0"),
    };
  }

  async transactionCount(address: string, tag: "latest" | "pending"): Promise<number> {
    return Number(BigInt(await this.request<string>("eth_getTransactionCount", [address, tag])));
  }

  async balance(address: string): Promise<bigint> {
    return BigInt(await this.request<string>("eth_getBalance", [address, "latest"]));
  }

  async getCode(address: string): Promise<string> {
    return await this.request<string>("eth_getCode", [address, "latest"]);
  }

  /** eth_call; a revert becomes `{ reverted: true, data }`, any other node error is thrown. */
  async call(
    tx: { from?: string; to: string; data: string; gas?: bigint },
    block: string = "latest",
    retry?: RetryPolicy,
    stateOverride?: Record<string, { code: string }>,
  ): Promise<
    { reverted: false; result: string } | { reverted: true; data: string; message: string }
  > {
    const callObject: Record<string, string> = { to: tx.to, data: tx.data };
    if (tx.from) callObject.from = tx.from;
    if (tx.gas !== undefined) callObject.gas = "0x" + tx.gas.toString(16);
    const params: unknown[] = [callObject, block];
    if (stateOverride) params.push(stateOverride);
    try {
      const result = await this.request<string>("eth_call", params, retry);
      return { reverted: false, result };
    } catch (error) {
      if (
        error instanceof NodeRpcError &&
        (error.revertData !== undefined || /revert/i.test(error.message))
      ) {
        return { reverted: true, data: error.revertData ?? "0x", message: error.message };
      }
      throw error;
    }
  }

  async estimateGas(tx: { from?: string; to: string; data: string }): Promise<bigint> {
    return BigInt(await this.request<string>("eth_estimateGas", [tx]));
  }

  async sendRawTransaction(raw: string): Promise<string> {
    return await this.request<string>("eth_sendRawTransaction", [raw], NO_RETRY);
  }

  async getTransactionReceipt(hash: string): Promise<RpcReceipt | null> {
    return await this.request<RpcReceipt | null>("eth_getTransactionReceipt", [hash]);
  }

  async getTransactionByHash(hash: string): Promise<Record<string, unknown> | null> {
    return await this.request<Record<string, unknown> | null>("eth_getTransactionByHash", [hash]);
  }

  async getLogs(filter: Record<string, unknown>): Promise<RpcLog[]> {
    return await this.request<RpcLog[]>("eth_getLogs", [filter]);
  }
}

export interface RpcLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  transactionIndex: string;
  logIndex: string;
  removed?: boolean;
}

export interface RpcReceipt {
  transactionHash: string;
  blockHash: string;
  blockNumber: string;
  status: string;
  gasUsed: string;
  effectiveGasPrice?: string;
  logs: RpcLog[];
  [key: string]: unknown;
}

/**
 * Follows the chain head by polling `eth_blockNumber` (one cheap call; works on any HTTP node) and calls
 * `onHead` once per new block number. The bundler uses it to act the moment a block appears: its
 * in-flight bundles may be mined, so their slots free up and queued ops can go into the next block.
 * Polls only while `active()` says there is something to wait for; a failed poll is retried next time.
 */
export class HeadWatcher {
  private latestBlock = -1;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<number> | null = null;
  private stopped = true;

  constructor(
    private readonly chain: ChainClient,
    private readonly options: {
      intervalMs: number;
      onHead: (blockNumber: number) => void;
      active: () => boolean;
      logger: Logger;
    },
  ) {}

  /** The highest block number seen so far (-1 before the first poll). */
  get latest(): number {
    return this.latestBlock;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Polls now (sharing a poll already under way) and returns the latest block number seen. */
  poll(): Promise<number> {
    this.polling ??= this.chain
      .request<string>("eth_blockNumber", [], NO_RETRY)
      .then((hex) => {
        const blockNumber = Number(BigInt(hex));
        if (blockNumber > this.latestBlock) {
          this.latestBlock = blockNumber;
          this.options.onHead(blockNumber);
        }
        return this.latestBlock;
      })
      .catch((error: unknown) => {
        this.options.logger.debug("head poll failed", { error });
        return this.latestBlock;
      })
      .finally(() => {
        this.polling = null;
      });
    return this.polling;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      if (!this.options.active()) return this.schedule();
      void this.poll().finally(() => this.schedule());
    }, this.options.intervalMs);
    // Never keeps the process alive on its own.
    this.timer.unref();
  }
}
