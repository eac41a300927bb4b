/**
 * Failed-authentication throttling (rate-limiter-flexible, in memory): per client address and over
 * all clients. Past either limit, requests are refused before the key is even looked up, until the
 * window ends. Only a sample of failures is logged: the first of each client per window, then every
 * `logEvery`-th overall, so a key-guessing flood can't fill the disk.
 */
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { InputLimits } from "../config.js";

export interface AuthFailureLimits {
  authFailuresPerClient: number;
  authFailuresOverall: number;
  authFailureWindowSeconds: number;
}

const LOG_EVERY = 100;

export class AuthFailureLimiter {
  private readonly perClient: RateLimiterMemory;
  private readonly overall: RateLimiterMemory;
  private total = 0;

  constructor(private readonly limits: AuthFailureLimits | InputLimits) {
    this.perClient = new RateLimiterMemory({
      points: limits.authFailuresPerClient,
      duration: limits.authFailureWindowSeconds,
    });
    this.overall = new RateLimiterMemory({
      points: limits.authFailuresOverall,
      duration: limits.authFailureWindowSeconds,
    });
  }

  /** Set when this client (or everyone) used up the failures allowed in the window. */
  async blocked(
    client: string,
  ): Promise<{ scope: "client" | "overall"; retryAfterMs: number } | null> {
    const [own, all] = await Promise.all([this.perClient.get(client), this.overall.get("all")]);
    if (own && own.consumedPoints >= this.limits.authFailuresPerClient)
      return { scope: "client", retryAfterMs: Math.max(1, own.msBeforeNext) };
    if (all && all.consumedPoints >= this.limits.authFailuresOverall)
      return { scope: "overall", retryAfterMs: Math.max(1, all.msBeforeNext) };
    return null;
  }

  async record(client: string): Promise<{ sampled: boolean; failures: number }> {
    const consume = async (limiter: RateLimiterMemory, key: string) => {
      try {
        return await limiter.consume(key);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return rejection;
        throw rejection;
      }
    };
    const [own] = await Promise.all([
      consume(this.perClient, client),
      consume(this.overall, "all"),
    ]);
    this.total++;
    return {
      sampled: own.consumedPoints === 1 || this.total % LOG_EVERY === 0,
      failures: own.consumedPoints,
    };
  }
}
