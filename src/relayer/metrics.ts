/** Prometheus text exposition, by hand: counters, gauges and histograms with labels. */

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return entries
    .map(
      ([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
    )
    .join(",");
}

// Label values can carry revert reasons: bound the number of series per metric.
const MAX_SERIES = 500;

class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    if (!this.values.has(key) && this.values.size >= MAX_SERIES) return;
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, value] of this.values)
      lines.push(`${this.name}${key ? `{${key}}` : ""} ${value}`);
    return lines.join("\n");
  }
}

class Gauge {
  private value = 0;
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  set(value: number): void {
    this.value = value;
  }
  render(): string {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      `${this.name} ${this.value}`,
    ].join("\n");
  }
}

class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: number[],
  ) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    this.buckets.forEach((le, i) => {
      if (value <= le) this.counts[i]++;
    });
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((le, i) =>
      lines.push(`${this.name}_bucket{le="${le}"} ${this.counts[i]}`),
    );
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`);
    lines.push(`${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join("\n");
  }
}

export class RelayerMetrics {
  readonly opsTotal = new Counter(
    "leash_relayer_user_ops_total",
    "User operations by outcome and reason",
  );
  readonly rpcRequests = new Counter(
    "leash_relayer_rpc_requests_total",
    "JSON-RPC requests by method and result code",
  );
  readonly bundleSize = new Histogram(
    "leash_relayer_bundle_size",
    "User operations per bundle",
    [1, 2, 5, 10, 25, 50, 100, 200],
  );
  readonly inclusionLatency = new Histogram(
    "leash_relayer_accept_to_included_seconds",
    "Seconds from acknowledgement to inclusion",
    [0.5, 1, 1.5, 2, 3, 5, 10, 30, 60],
  );
  readonly signerBalance = new Gauge(
    "leash_relayer_signer_balance_wei",
    "Signer balance (wei, as float)",
  );
  readonly queueDepth = new Gauge(
    "leash_relayer_queue_depth",
    "Ops received or submitted, not yet final",
  );
  readonly replacements = new Counter(
    "leash_relayer_tx_replacements_total",
    "Bundle transactions replaced with bumped fees",
  );

  readonly authFailures = new Counter(
    "leash_relayer_auth_failures_total",
    "Failed API key authentications by reason",
  );
  readonly bundleReverts = new Counter(
    "leash_relayer_bundle_reverts_total",
    "Bundle transactions mined as reverted (paid by the relayer)",
  );
  readonly culpritOps = new Counter(
    "leash_relayer_culprit_ops_total",
    "Ops found to have reverted a mined bundle, dropped instead of resubmitted",
  );
  readonly reputationFailures = new Counter(
    "leash_relayer_sender_failures_total",
    "Accepted ops that failed later, counted against their sender's reputation, by stage",
  );
  readonly sendersThrottled = new Gauge(
    "leash_relayer_senders_throttled",
    "Senders currently throttled by reputation",
  );
  readonly sendersBanned = new Gauge(
    "leash_relayer_senders_banned",
    "Senders currently refused by reputation",
  );
  /** Run before each render, for gauges computed on demand. */
  readonly collectors: (() => void)[] = [];

  render(): string {
    for (const collect of this.collectors) collect();
    return (
      [
        this.authFailures,
        this.bundleReverts,
        this.culpritOps,
        this.reputationFailures,
        this.sendersThrottled,
        this.sendersBanned,
        this.opsTotal,
        this.rpcRequests,
        this.bundleSize,
        this.inclusionLatency,
        this.signerBalance,
        this.queueDepth,
        this.replacements,
      ]
        .map((m) => m.render())
        .join("\n") + "\n"
    );
  }
}
