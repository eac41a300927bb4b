/**
 * Fixed-window rate limits per subject (an API key id or a sender address) over several
 * windows at once (second, minute, hour, day). In memory: with several relayer instances on
 * PostgreSQL each instance enforces the limits separately, so the effective limit is
 * limit × instances.
 */

export interface RateLimitTiers {
  perSecond?: number;
  perMinute?: number;
  perHour?: number;
  perDay?: number;
}

const WINDOWS: { tier: keyof RateLimitTiers; ms: number }[] = [
  { tier: "perSecond", ms: 1_000 },
  { tier: "perMinute", ms: 60_000 },
  { tier: "perHour", ms: 3_600_000 },
  { tier: "perDay", ms: 86_400_000 },
];

interface Counter {
  windowStart: number;
  count: number;
}

export type RateLimitDecision =
  { allowed: true } | { allowed: false; retryAfterMs: number; tier: string };

export class RateLimiter {
  private readonly counters = new Map<string, Counter>();

  constructor(
    private readonly tiers: RateLimitTiers,
    // Distinct subjects are attacker-influenced (senders): cap the map, evicting stale entries.
    private readonly maxSubjects = 100_000,
  ) {}

  /** Checks every tier; counts the request only if all tiers allow it. */
  take(subject: string, now: number = Date.now()): RateLimitDecision {
    const active = WINDOWS.filter((w) => this.tiers[w.tier] !== undefined);
    let worst: { retryAfterMs: number; tier: string } | null = null;
    const counters: Counter[] = [];
    for (const window of active) {
      const key = `${window.tier}:${subject}`;
      const windowStart = now - (now % window.ms);
      let counter = this.counters.get(key);
      if (!counter || counter.windowStart !== windowStart) {
        counter = { windowStart, count: 0 };
        this.ensureCapacity(now);
        this.counters.set(key, counter);
      }
      counters.push(counter);
      if (counter.count >= (this.tiers[window.tier] as number)) {
        const retryAfterMs = windowStart + window.ms - now;
        if (!worst || retryAfterMs > worst.retryAfterMs)
          worst = { retryAfterMs, tier: window.tier };
      }
    }
    if (worst) return { allowed: false, ...worst };
    for (const counter of counters) counter.count++;
    return { allowed: true };
  }

  private ensureCapacity(now: number): void {
    if (this.counters.size < this.maxSubjects) return;
    for (const [key, counter] of this.counters) {
      const windowMs = WINDOWS.find((w) => key.startsWith(w.tier + ":"))?.ms ?? 0;
      if (counter.windowStart + windowMs <= now) this.counters.delete(key);
    }
    // Still full of live windows: drop the oldest insertion (Map keeps insertion order).
    while (this.counters.size >= this.maxSubjects) {
      const first = this.counters.keys().next();
      if (first.done) break;
      this.counters.delete(first.value);
    }
  }
}
