/**
 * Rate limits per subject (an API key id or a sender address) over several windows at once (second, minute,
 * hour, day), with rate-limiter-flexible. A window starts at a subject's first request in it.
 *
 * - On PostgreSQL the counters live in the database (RateLimiterPostgres over the relayer's own pool, table from
 *   migration 3 of src/relayer/store/sqlStore.ts), so every instance sharing it enforces one limit: two instances
 *   never give a key twice its limit. Each count is one atomic upsert. Should the database fail, an in-memory
 *   limiter with the same limits stands in (per instance) until it answers again.
 * - On SQLite (one process) the counters are in memory. Their entries expire with their window, so memory is
 *   bounded by the subjects seen within the longest window; only authenticated callers reach a limiter, and a
 *   wallet-bound key reaches one sender.
 *
 * Tiers are taken shortest window first and the first refusal stops: a request refused by a short window is not
 * charged to the longer ones (a burst doesn't use up the day).
 */
import type pg from "pg";
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";

export interface RateLimitTiers {
  perSecond?: number;
  perMinute?: number;
  perHour?: number;
  perDay?: number;
}

const WINDOWS: { tier: keyof RateLimitTiers; seconds: number }[] = [
  { tier: "perSecond", seconds: 1 },
  { tier: "perMinute", seconds: 60 },
  { tier: "perHour", seconds: 3_600 },
  { tier: "perDay", seconds: 86_400 },
];

export type RateLimitDecision =
  { allowed: true } | { allowed: false; retryAfterMs: number; tier: string };

interface Tier {
  tier: keyof RateLimitTiers;
  limiter: RateLimiterAbstract;
}

/** Where shared counters live: the relayer store's PostgreSQL pool and table. */
export interface SharedRateLimitStore {
  pool: pg.Pool;
  table: string;
}

export class RateLimiter {
  private constructor(
    /** Counters shared with other instances (PostgreSQL) or this process's own (memory). */
    readonly shared: boolean,
    private readonly tiers: Tier[],
  ) {}

  /**
   * `name` keeps the limiters apart in the shared table ("key", "sender"); `store` null keeps them in memory.
   */
  static create(
    name: string,
    limits: RateLimitTiers,
    store: SharedRateLimitStore | null,
  ): RateLimiter {
    const tiers: Tier[] = [];
    for (const { tier, seconds } of WINDOWS) {
      const points = limits[tier];
      if (points === undefined) continue;
      if (!Number.isInteger(points) || points < 0)
        throw new Error(`config: rate limit ${name}.${tier} must be a whole number >= 0`);
      const options = { points, duration: seconds, keyPrefix: `${name}:${tier}` };
      const memory = new RateLimiterMemory(options);
      tiers.push({
        tier,
        limiter: store
          ? new RateLimiterPostgres({
              ...options,
              storeClient: store.pool,
              storeType: "pool",
              tableName: store.table,
              // Created by the store's migrations, with the schema's version (not by the library at run time).
              tableCreated: true,
              // Once over the limit, refuse from memory for the rest of the window: no query per refused request.
              inMemoryBlockOnConsumed: points + 1,
              insuranceLimiter: memory,
            })
          : memory,
      });
    }
    return new RateLimiter(store !== null, tiers);
  }

  /** Counts the request against each tier in turn; refused at the first tier over its limit. */
  async take(subject: string): Promise<RateLimitDecision> {
    for (const { tier, limiter } of this.tiers) {
      try {
        await limiter.consume(subject);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        return { allowed: false, tier, retryAfterMs: Math.max(1, rejection.msBeforeNext) };
      }
    }
    return { allowed: true };
  }

  /** Requests counted so far in each tier's current window (refused ones included in the refusing tier). */
  async usage(subject: string): Promise<Partial<Record<keyof RateLimitTiers, number>>> {
    const used: Partial<Record<keyof RateLimitTiers, number>> = {};
    for (const { tier, limiter } of this.tiers)
      used[tier] = (await limiter.get(subject))?.consumedPoints ?? 0;
    return used;
  }
}
