/**
 * A small JSON-RPC client for the Leash relayer: sends the API key (Bearer), bounds the wait, and maps every
 * failure (HTTP, transport, JSON-RPC error) to a typed `LeashError`. Also builds an ethers provider that reads
 * through the relayer (it forwards read-only node methods), so an agent needs only the relayer URL and its key.
 */
import {
  JsonRpcApiProvider,
  Network,
  type JsonRpcError,
  type JsonRpcPayload,
  type JsonRpcResult,
} from "ethers";
import { RelayerUnavailableError, errorFromRpc, type RpcErrorObject } from "./errors.js";

export interface RelayerRpcOptions {
  /** The relayer's JSON-RPC URL, e.g. http://127.0.0.1:4337/ */
  url: string;
  /** API key (`leash_<id>_<secret>`), sent as `Authorization: Bearer`. */
  apiKey?: string;
  /** Per-request timeout (default 15 s). */
  timeoutMs?: number;
}

/** Status of an accepted operation, as `leash_getUserOperationStatus` reports it. */
export interface OperationStatus {
  userOpHash: string;
  status: "received" | "submitted" | "included" | "failed" | "dropped";
  reason: string | null;
  revert: { kind?: string; data?: string; rule?: string; args?: Record<string, unknown> } | null;
  transactionHash: string | null;
  blockNumber: number | null;
  success: boolean | null;
  attempts: number;
  receivedAt: number;
  includedAt: number | null;
  updatedAt: number;
}

let nextId = 1;

/**
 * JSON-RPC client of one relayer (URL + API key).
 *
 * @example
 * const rpc = new RelayerRpc({ url: "http://127.0.0.1:4337/", apiKey });
 * const status = await rpc.status(hash);
 */
export class RelayerRpc {
  readonly url: string;
  // A true private field: the key never shows up when the client object is logged or inspected.
  readonly #apiKey?: string;
  private readonly timeoutMs: number;

  constructor(options: RelayerRpcOptions) {
    this.url = options.url;
    this.#apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /**
   * Calls `method` and returns its result; throws the typed error the relayer's answer maps to.
   *
   * @example
   * const chainId = await rpc.request<string>("eth_chainId");
   */
  async request<T>(method: string, params: unknown[] = []): Promise<T> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers,
        body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }, (_k, v: unknown) =>
          typeof v === "bigint" ? "0x" + v.toString(16) : v,
        ),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const reason = (error as Error)?.name === "TimeoutError" ? "timed out" : "unreachable";
      throw new RelayerUnavailableError(`relayer at ${this.url} ${reason} (${method})`, 1000, {
        cause: error,
      });
    }
    let body: { result?: T; error?: RpcErrorObject } | null = null;
    try {
      body = (await response.json()) as { result?: T; error?: RpcErrorObject };
    } catch {
      body = null;
    }
    if (body?.error) throw errorFromRpc(body.error);
    if (!response.ok || !body) {
      throw new RelayerUnavailableError(
        `relayer at ${this.url} answered HTTP ${response.status} to ${method}`,
      );
    }
    return body.result as T;
  }

  /**
   * Where an accepted operation is (null if the relayer never accepted it).
   *
   * @example
   * const s = await rpc.status(hash); // { status: "included", transactionHash: "0x..", ... }
   */
  async status(userOpHash: string): Promise<OperationStatus | null> {
    const raw = await this.request<Record<string, unknown> | null>("leash_getUserOperationStatus", [
      userOpHash,
    ]);
    if (!raw) return null;
    return {
      ...(raw as unknown as OperationStatus),
      blockNumber: raw.blockNumber === null ? null : Number(raw.blockNumber as string),
    };
  }

  /**
   * An ethers provider whose reads go through the relayer (eth_call, balances, blocks, fees), with the API key.
   * Auth, rate-limit and availability failures surface as the SDK's typed errors; reverts stay ethers
   * CALL_EXCEPTIONs (with their data) for `toLeashError` to decode.
   *
   * @example
   * const provider = rpc.provider(31337n); await provider.getBlockNumber();
   */
  provider(chainId: bigint): RelayerProvider {
    return new RelayerProvider(this, chainId);
  }

  /**
   * One raw JSON-RPC exchange: transport failures throw, JSON-RPC errors are returned.
   *
   * @example
   * const answer = await rpc.exchange({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
   */
  async exchange(payload: JsonRpcPayload): Promise<JsonRpcResult | JsonRpcError> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers,
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new RelayerUnavailableError(
        `relayer at ${this.url} unreachable (${payload.method})`,
        1000,
        {
          cause: error,
        },
      );
    }
    let body: (JsonRpcResult | JsonRpcError) | null = null;
    try {
      body = (await response.json()) as JsonRpcResult | JsonRpcError;
    } catch {
      body = null;
    }
    if (!body) {
      throw new RelayerUnavailableError(
        `relayer at ${this.url} answered HTTP ${response.status} to ${payload.method}`,
      );
    }
    return { ...body, id: payload.id };
  }
}

/** Errors that say nothing about the call itself: thrown as typed SDK errors, not handed to ethers. */
const NON_CALL_ERRORS = new Set([-32001, -32002, -32003, -32504]);

/** An ethers provider over the relayer's forwarded read-only methods. */
export class RelayerProvider extends JsonRpcApiProvider {
  constructor(
    private readonly rpc: RelayerRpc,
    chainId: bigint,
  ) {
    // A static network: ethers would otherwise retry chain detection forever on an auth failure.
    super(Network.from(chainId), { staticNetwork: Network.from(chainId), batchMaxCount: 1 });
  }

  override async _send(
    payload: JsonRpcPayload | JsonRpcPayload[],
  ): Promise<(JsonRpcResult | JsonRpcError)[]> {
    const payloads = Array.isArray(payload) ? payload : [payload];
    const results: (JsonRpcResult | JsonRpcError)[] = [];
    for (const p of payloads) {
      const result = await this.rpc.exchange(p);
      if ("error" in result && NON_CALL_ERRORS.has(result.error.code)) {
        throw errorFromRpc(result.error as RpcErrorObject);
      }
      results.push(result);
    }
    return results;
  }
}
