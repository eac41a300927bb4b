/**
 * Sender reputation, after ERC-7562's idea: a sender whose ops passed our checks when accepted but
 * then failed before or in a bundle (dropped by the pre-bundle simulation, culprit of a reverted
 * bundle, included with a failed execution) costs us simulation work or gas. After
 * `throttleAfterFailures` such failures within `windowMs` the sender may send one op per
 * `throttleIntervalMs`; after `banAfterFailures` it is refused for `banMs`. Failures older than
 * `windowMs` are forgotten, so a sender recovers by itself.
 *
 * Kept in memory per instance: with several instances each one judges what it sees.
 */
export interface ReputationConfig {
  throttleAfterFailures: number;
  banAfterFailures: number;
  windowMs: number;
  throttleIntervalMs: number;
  banMs: number;
  /** Bound on tracked senders; the least recently failing are forgotten first. */
  maxSenders: number;
}

export const DEFAULT_REPUTATION: ReputationConfig = {
  throttleAfterFailures: 3,
  banAfterFailures: 6,
  windowMs: 60 * 60_000,
  throttleIntervalMs: 10_000,
  banMs: 10 * 60_000,
  maxSenders: 10_000,
};

export type ReputationStatus = "ok" | "throttled" | "banned";

export type ReputationVerdict =
  | { allowed: true; status: ReputationStatus }
  | { allowed: false; status: "throttled" | "banned"; failures: number; retryAfterMs: number };

interface Entry {
  failures: number[];
  bannedUntil: number;
  lastAcceptedAt: number;
}

export class SenderReputation {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly config: ReputationConfig) {
    if (config.throttleAfterFailures < 1 || config.banAfterFailures < config.throttleAfterFailures)
      throw new Error("config: reputation needs 1 <= throttleAfterFailures <= banAfterFailures");
  }

  private recent(entry: Entry, now: number): number {
    const from = now - this.config.windowMs;
    while (entry.failures.length > 0 && entry.failures[0] <= from) entry.failures.shift();
    return entry.failures.length;
  }

  /** An accepted op of this sender failed later (not the sender's first-hand refusal). */
  recordFailure(sender: string, now: number): ReputationStatus {
    const key = sender.toLowerCase();
    const entry = this.entries.get(key) ?? { failures: [], bannedUntil: 0, lastAcceptedAt: 0 };
    this.entries.delete(key); // re-insert: Map order is our least-recently-failing order
    entry.failures.push(now);
    const failures = this.recent(entry, now);
    if (failures >= this.config.banAfterFailures) {
      entry.bannedUntil = now + this.config.banMs;
      entry.failures = [];
    }
    this.entries.set(key, entry);
    while (this.entries.size > this.config.maxSenders) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return this.status(key, now);
  }

  status(sender: string, now: number): ReputationStatus {
    const entry = this.entries.get(sender.toLowerCase());
    if (!entry) return "ok";
    if (entry.bannedUntil > now) return "banned";
    return this.recent(entry, now) >= this.config.throttleAfterFailures ? "throttled" : "ok";
  }

  /** Called when an op is about to be accepted; a throttled sender's allowance is used up here. */
  admit(sender: string, now: number): ReputationVerdict {
    const key = sender.toLowerCase();
    const entry = this.entries.get(key);
    if (!entry) return { allowed: true, status: "ok" };
    const failures = this.recent(entry, now);
    if (entry.bannedUntil > now) {
      return { allowed: false, status: "banned", failures, retryAfterMs: entry.bannedUntil - now };
    }
    if (failures < this.config.throttleAfterFailures) return { allowed: true, status: "ok" };
    const next = entry.lastAcceptedAt + this.config.throttleIntervalMs;
    if (next > now)
      return { allowed: false, status: "throttled", failures, retryAfterMs: next - now };
    entry.lastAcceptedAt = now;
    return { allowed: true, status: "throttled" };
  }

  counts(now: number): { throttled: number; banned: number } {
    let throttled = 0;
    let banned = 0;
    for (const sender of this.entries.keys()) {
      const status = this.status(sender, now);
      if (status === "throttled") throttled++;
      else if (status === "banned") banned++;
    }
    return { throttled, banned };
  }
}
