/**
 * The relayer's Prometheus metrics, on prom-client. Each relayer has its own Registry, never the
 * global one: several relayers run in one process (tests, `leash dev`) and must not share or
 * double-register series.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Values read when /metrics is scraped rather than kept up to date on every change. */
export interface MetricsSources {
  queueDepth?: () => Promise<number>;
  signerBalanceWei?: () => Promise<bigint>;
  reputationCounts?: () => { throttled: number; banned: number };
}

export class RelayerMetrics {
  readonly registry = new Registry();

  // Every label value below comes from a fixed set in our code (outcomes, reasons, registered
  // method names or "unknown", numeric error codes): the series count is bounded.
  readonly opsTotal = new Counter({
    name: "leash_relayer_user_ops_total",
    help: "User operations by outcome and reason",
    labelNames: ["outcome", "reason"] as const,
    registers: [this.registry],
  });
  readonly rpcRequests = new Counter({
    name: "leash_relayer_rpc_requests_total",
    help: "JSON-RPC requests by method and result code",
    labelNames: ["method", "code"] as const,
    registers: [this.registry],
  });
  readonly bundleSize = new Histogram({
    name: "leash_relayer_bundle_size",
    help: "User operations per bundle",
    buckets: [1, 2, 5, 10, 25, 50, 100, 200],
    registers: [this.registry],
  });
  readonly inclusionLatency = new Histogram({
    name: "leash_relayer_accept_to_included_seconds",
    help: "Seconds from acknowledgement to inclusion",
    buckets: [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly replacements = new Counter({
    name: "leash_relayer_tx_replacements_total",
    help: "Bundle transactions replaced with bumped fees",
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: "leash_relayer_auth_failures_total",
    help: "Failed API key authentications by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly bundleReverts = new Counter({
    name: "leash_relayer_bundle_reverts_total",
    help: "Bundle transactions mined as reverted (paid by the relayer)",
    registers: [this.registry],
  });
  readonly culpritOps = new Counter({
    name: "leash_relayer_culprit_ops_total",
    help: "Ops found to have reverted a mined bundle, dropped instead of resubmitted",
    registers: [this.registry],
  });
  readonly reputationFailures = new Counter({
    name: "leash_relayer_sender_failures_total",
    help: "Accepted ops that failed later, counted against their sender's reputation, by stage",
    labelNames: ["stage"] as const,
    registers: [this.registry],
  });
  readonly signerBalance: Gauge;
  readonly queueDepth: Gauge;
  readonly sendersThrottled: Gauge;
  readonly sendersBanned: Gauge;

  constructor(sources: MetricsSources = {}) {
    collectDefaultMetrics({ register: this.registry });
    const { queueDepth, signerBalanceWei, reputationCounts } = sources;
    this.signerBalance = new Gauge({
      name: "leash_relayer_signer_balance_wei",
      help: "Signer balance (wei, as float)",
      registers: [this.registry],
      async collect() {
        if (!signerBalanceWei) return;
        try {
          this.set(Number(await signerBalanceWei()));
        } catch {
          // node down: keep the last known balance rather than fail the scrape
        }
      },
    });
    this.queueDepth = new Gauge({
      name: "leash_relayer_queue_depth",
      help: "Ops received or submitted, not yet final",
      registers: [this.registry],
      async collect() {
        if (queueDepth) this.set(await queueDepth());
      },
    });
    this.sendersThrottled = new Gauge({
      name: "leash_relayer_senders_throttled",
      help: "Senders currently throttled by reputation",
      registers: [this.registry],
      collect() {
        if (reputationCounts) this.set(reputationCounts().throttled);
      },
    });
    this.sendersBanned = new Gauge({
      name: "leash_relayer_senders_banned",
      help: "Senders currently refused by reputation",
      registers: [this.registry],
      collect() {
        if (reputationCounts) this.set(reputationCounts().banned);
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
