/** Relayer configuration: every bound an attacker could push against is a number here. */
import type { InterfaceAbi } from "ethers";
import type { RateLimitTiers } from "./auth/rateLimiter.js";
import type { LogLevel, LogSink } from "./logger.js";
import { DEFAULT_REPUTATION, type ReputationConfig } from "./reputation.js";

export interface SignerConfig {
  /** Path to an encrypted JSON keystore (ethers / geth format). */
  keystorePath?: string;
  keystorePassword?: string;
  /** Raw private key: accepted only on local chains (31337 / 1337). */
  privateKey?: string;
}

export interface InputLimits {
  maxBodyBytes: number;
  /** The whole request (headers and body) must arrive within this; else 408. */
  requestDeadlineMs: number;
  maxConnections: number;
  maxRequestsPerConnection: number;
  /** Failed authentications allowed per client address / over all clients per window. */
  authFailuresPerClient: number;
  authFailuresOverall: number;
  authFailureWindowSeconds: number;
  maxBatchSize: number;
  maxCallDataBytes: number;
  maxInitCodeBytes: number;
  maxSignatureBytes: number;
  maxPaymasterDataBytes: number;
  maxVerificationGasLimit: bigint;
  maxCallGasLimit: bigint;
  maxPreVerificationGas: bigint;
  maxPaymasterGasLimit: bigint;
  /**
   * The economic floor. maxPriorityFeePerGas must be at least this (0 only when configured so), and
   * maxFeePerGas at least baseFee × (100 + feeMarginPercent) / 100 + minPriorityFeePerGas: the base
   * fee may rise between acceptance and inclusion (12.5 % a block), and bundles never tip more than
   * their ops do, so an op passing this covers what its gas costs the relayer.
   */
  minPriorityFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  feeMarginPercent: bigint;
  /**
   * Ops of one sender and nonce key that may be pending at once (a nonce sequence, see nonceSequence.ts):
   * each further op is simulated on top of all of them, so this bounds that work.
   */
  maxPendingPerNonceKey: number;
}

export interface BundlerConfig {
  maxOpsPerBundle: number;
  /** Gas limit cap of one bundle tx; must stay under the node's per-tx cap (2^24 since Osaka). */
  maxBundleGas: bigint;
  /**
   * Bundles (consecutive signer nonces) that may be pending at once; fewer while their gas limits fill a
   * block. Kept well under the per-account slots of a node's mempool (geth: 16).
   */
  maxInFlightBundles: number;
  pollIntervalMs: number;
  /** How often the head is polled (eth_blockNumber) while bundles are in flight, to bundle on each new block. */
  headPollMs: number;
  /** Replace a bundle transaction not mined after this many blocks. */
  replaceAfterBlocks: number;
  /** Fee bump for replacements, percent (>= 10 as nodes require). */
  feeBumpPercent: number;
  leaseMs: number;
  /** An op whose bundle fails this many times is reported failed. */
  maxBundleAttempts: number;
  /** Health turns 503 when the signer balance is below this. */
  minSignerBalanceWei: bigint;
  /** How far back to search logs when checking whether an op was already included. */
  inclusionLookbackBlocks: number;
}

export interface RelayerConfig {
  rpcUrl: string;
  /** The EntryPoint v0.8 this relayer bundles for (one signer, one nonce sequence). */
  entryPoint: string;
  host: string;
  port: number;
  /** `sqlite:<path>` or a postgres:// URL. */
  db: string;
  signer: SignerConfig;
  /** Receives the bundle fees; defaults to the signer. */
  beneficiary?: string;
  authRequired: boolean;
  rateLimits: { perKey: RateLimitTiers; perSender: RateLimitTiers };
  limits: InputLimits;
  bundler: BundlerConfig;
  /** When a sender whose accepted ops keep failing later is throttled, then refused. */
  reputation: ReputationConfig;
  /** ABI (error fragments) of wallet contracts, so their reverts decode as `{ rule, args }`. */
  walletErrorAbi?: InterfaceAbi;
  /**
   * Leash wallet implementations (ERC-1967 slot values) the relayer submits owners' and guardians' signed
   * actions for, besides the deterministic implementation of the current build; e.g. an older version
   * still in use, or a stack deployed without CREATE2. Any other contract is refused.
   */
  walletImplementations?: string[];
  /** `agent.key_expiring` is notified when a key's validUntil is at most this many seconds away (24 h). */
  keyExpiryNoticeSeconds?: number;
  /** How often an idle GET /events stream gets a heartbeat comment (default 15 s). */
  sseHeartbeatMs?: number;
  /** Distinguishes instances sharing one PostgreSQL queue (lease owner). */
  instanceId?: string;
  rpcTimeoutMs: number;
  /**
   * How long start-up waits for the node to answer before the relayer exits (default 30 s: a relayer restarted
   * alongside its node is normal); 0 fails at once.
   */
  nodeStartupWaitMs: number;
  /** Attempts for node calls made while accepting an op (kept short: the client is waiting). */
  acceptRetryAttempts: number;
  logLevel: LogLevel;
  logSink?: LogSink;
}

export const DEFAULT_LIMITS: InputLimits = {
  maxBodyBytes: 512 * 1024,
  requestDeadlineMs: 10_000,
  maxConnections: 1_024,
  maxRequestsPerConnection: 10_000,
  authFailuresPerClient: 20,
  authFailuresOverall: 500,
  authFailureWindowSeconds: 60,
  maxBatchSize: 50,
  maxCallDataBytes: 32 * 1024,
  maxInitCodeBytes: 16 * 1024,
  maxSignatureBytes: 2 * 1024,
  maxPaymasterDataBytes: 4 * 1024,
  maxVerificationGasLimit: 3_000_000n,
  maxCallGasLimit: 10_000_000n,
  maxPreVerificationGas: 2_000_000n,
  maxPaymasterGasLimit: 3_000_000n,
  minPriorityFeePerGas: 1_000_000n,
  maxPriorityFeePerGas: 1_000_000_000_000n,
  feeMarginPercent: 25n,
  maxPendingPerNonceKey: 8,
};

export const DEFAULT_BUNDLER: BundlerConfig = {
  maxOpsPerBundle: 100,
  maxBundleGas: 16_000_000n,
  maxInFlightBundles: 8,
  pollIntervalMs: 100,
  headPollMs: 50,
  replaceAfterBlocks: 3,
  feeBumpPercent: 15,
  leaseMs: 30_000,
  maxBundleAttempts: 3,
  minSignerBalanceWei: 10n ** 16n,
  inclusionLookbackBlocks: 5_000,
};

export type RelayerConfigInput = Pick<RelayerConfig, "rpcUrl" | "entryPoint" | "db" | "signer"> &
  Partial<Omit<RelayerConfig, "limits" | "bundler" | "reputation">> & {
    limits?: Partial<InputLimits>;
    bundler?: Partial<BundlerConfig>;
    reputation?: Partial<ReputationConfig>;
  };

export function resolveConfig(rawInput: RelayerConfigInput): RelayerConfig {
  // An explicit `undefined` (e.g. an unset flag) must not override a default.
  const input = Object.fromEntries(
    Object.entries(rawInput).filter(([, value]) => value !== undefined),
  ) as RelayerConfigInput;
  if (!/^0x[0-9a-fA-F]{40}$/.test(input.entryPoint))
    throw new Error("config: entryPoint must be an address");
  for (const a of input.walletImplementations ?? [])
    if (!/^0x[0-9a-fA-F]{40}$/.test(a))
      throw new Error("config: walletImplementations must be addresses");
  if (
    input.nodeStartupWaitMs !== undefined &&
    !(Number.isSafeInteger(input.nodeStartupWaitMs) && input.nodeStartupWaitMs >= 0)
  )
    throw new Error("config: nodeStartupWaitMs must be a non-negative integer (milliseconds)");
  if (
    input.keyExpiryNoticeSeconds !== undefined &&
    !(Number.isSafeInteger(input.keyExpiryNoticeSeconds) && input.keyExpiryNoticeSeconds >= 0)
  )
    throw new Error("config: keyExpiryNoticeSeconds must be a non-negative integer (seconds)");
  const bundler = { ...DEFAULT_BUNDLER, ...input.bundler };
  if (bundler.feeBumpPercent < 10) throw new Error("config: feeBumpPercent must be >= 10");
  if (bundler.maxOpsPerBundle < 1) throw new Error("config: maxOpsPerBundle must be >= 1");
  const limits = { ...DEFAULT_LIMITS, ...input.limits };
  if (limits.minPriorityFeePerGas < 0n || limits.feeMarginPercent < 0n)
    throw new Error("config: minPriorityFeePerGas and feeMarginPercent must be >= 0");
  return {
    host: "127.0.0.1",
    port: 4337,
    authRequired: true,
    rateLimits: { perKey: {}, perSender: {} },
    rpcTimeoutMs: 10_000,
    nodeStartupWaitMs: 30_000,
    acceptRetryAttempts: 2,
    logLevel: "info",
    ...input,
    limits,
    bundler,
    reputation: { ...DEFAULT_REPUTATION, ...input.reputation },
  };
}
