/** What every RPC method handler receives, and the shape of a method module. */
import type { z } from "zod";
import type { ApiKeyInfo, ApiKeyScope } from "../auth/apiKeys.js";
import type { RateLimiter } from "../auth/rateLimiter.js";
import type { Bundler } from "../bundler.js";
import type { ChainClient } from "../chain.js";
import type { RelayerConfig } from "../config.js";
import type { RevertDecoder } from "../decodeRevert.js";
import type { OwnerActionService } from "../approvals/service.js";
import type { Logger } from "../logger.js";
import type { NotifyService } from "../notify/service.js";
import type { RelayerMetrics } from "../metrics.js";
import type { SenderReputation } from "../reputation.js";
import type { AcceptSimulator } from "../acceptSimulation.js";
import type { Simulator } from "../simulation.js";
import type { RelayerStore } from "../store/types.js";

export interface RelayerContext {
  config: RelayerConfig;
  chainId: bigint;
  entryPoint: string;
  signerAddress: string;
  beneficiary: string;
  /** Node client for background work: patient retries. */
  chain: ChainClient;
  /** Node client for the request path: short timeout, few retries (a client is waiting). */
  requestChain: ChainClient;
  store: RelayerStore;
  simulator: Simulator;
  /** Simulation of ops being accepted: those arriving together share one eth_call, each answered alone. */
  acceptSimulator: AcceptSimulator;
  decoder: RevertDecoder;
  metrics: RelayerMetrics;
  logger: Logger;
  bundler: Bundler;
  senderRateLimiter: RateLimiter;
  reputation: SenderReputation;
  /** Owners' approvals and guardians' signed actions (src/relayer/approvals). */
  ownerActions: OwnerActionService;
  /** Webhooks and live event streams for owners (src/relayer/notify). */
  notify: NotifyService;
  /** The latest block's base fee, cached briefly for bursts of ops; `fresh` skips the cache. */
  baseFee(options?: { fresh?: boolean }): Promise<bigint>;
}

export interface CallContext {
  relayer: RelayerContext;
  /** The authenticated key, or null when authentication is disabled. */
  apiKey: ApiKeyInfo | null;
  logger: Logger;
}

export interface RpcMethod<Schema extends z.ZodTypeAny = z.ZodTypeAny> {
  name: string;
  scope: ApiKeyScope;
  /** Authenticated by the owner's or guardian's signature it carries: callable without an API key. */
  signatureAuth?: boolean;
  /** Schema of the positional params array. */
  params: Schema;
  handler(params: z.output<Schema>, ctx: CallContext): Promise<unknown>;
}

export function defineMethod<Schema extends z.ZodTypeAny>(
  method: RpcMethod<Schema>,
): RpcMethod<Schema> {
  return method;
}
