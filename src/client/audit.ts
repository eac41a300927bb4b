/**
 * AuditClient: a wallet's history rebuilt from its events alone (the wallet emits one for every state
 * change, with the values), filtered by agent, kind and time; per-agent and per-asset totals; reports as
 * JSON and CSV. When the relayer's store is at hand, the ops it rejected or dropped for this wallet (which
 * never reached the chain) are joined in from its hash-chained audit log.
 */
import { Interface, type Log, type Provider } from "ethers";
import { walletInterface } from "./contracts.js";
import { InvalidArgumentError, toLeashError } from "./errors.js";
import { AssetInfo, formatAmount, toAddress } from "./units.js";

export const AUDIT_KINDS = [
  "payment",
  "escalation",
  "proposal",
  "approval",
  "policy",
  "agent",
  "governance",
  "pause",
  "upgrade",
  "funds",
  "rejected",
  "dropped",
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** One line of the wallet's history. */
/** One row of the relayer's hash-chained audit log (what the relayer store's `readAudit` returns). */
export interface RelayerAuditRow {
  seq: number;
  at: number;
  event: string;
  opHash: string | null;
  sender: string | null;
  detailJson: string;
}

/** The relayer store, as far as audits read it (a relayer's `RelayerStore` is one). */
export interface RelayerAuditSource {
  readAudit(afterSeq: number, limit: number): Promise<RelayerAuditRow[]>;
}

export interface AuditEntry {
  kind: AuditKind;
  /** The wallet event's name, or the relayer audit event ("rejected", "dropped", "failed"). */
  event: string;
  /** Seconds since the epoch: block time (`clock: "chain"`) or the relayer's wall clock (`clock: "relayer"`). */
  timestamp: number;
  /**
   * Which clock `timestamp` is on. Rows of both interleave by time, but block time on a dev chain that was moved
   * forward (or a chain whose blocks lag) differs from the relayer's wall clock.
   */
  clock: "chain" | "relayer";
  /** For refused ops: the wallet rule that refused it (e.g. "PolicyPerTxLimitExceeded"), else null. */
  rule: string | null;
  blockNumber: number | null;
  transactionHash: string | null;
  logIndex: number | null;
  agent: string | null;
  asset: string | null;
  amount: bigint | null;
  /** Payee or call target, when the event has one. */
  counterparty: string | null;
  proposalId: bigint | null;
  /** Every argument of the event (or relayer row), as strings. */
  details: Record<string, string>;
}

export interface AuditFilter {
  /** Only entries about this agent (its address). */
  agent?: string;
  kinds?: AuditKind[];
  /** Time range, inclusive: seconds since the epoch, or a Date. */
  from?: number | bigint | Date;
  to?: number | bigint | Date;
  fromBlock?: number;
  toBlock?: number;
}

export interface AgentAssetTotal {
  agent: string;
  asset: string;
  symbol: string;
  decimals: number;
  count: number;
  amount: bigint;
  formatted: string;
}

export interface AssetTotal {
  asset: string;
  symbol: string;
  decimals: number;
  count: number;
  amount: bigint;
  formatted: string;
}

export interface AuditTotals {
  byAgent: AgentAssetTotal[];
  byAsset: AssetTotal[];
}

export interface AuditReport {
  wallet: string;
  chainId: bigint;
  generatedAt: string;
  filter: AuditFilter;
  entries: AuditEntry[];
  totals: AuditTotals;
  counts: Partial<Record<AuditKind, number>>;
}

export interface AuditClientOptions {
  wallet: string;
  /** A node provider (event queries; the relayer does not forward eth_getLogs). */
  provider: Provider;
  /** The relayer's store: its rejected / dropped ops for this wallet are joined in. */
  relayerStore?: RelayerAuditSource;
  /** First block to scan (default 0). */
  fromBlock?: number;
  /** Blocks per eth_getLogs request (default 10 000). */
  blockChunk?: number;
}

const KIND_OF_EVENT: Record<string, AuditKind> = {
  AgentCallExecuted: "payment",
  ApprovalRequested: "escalation",
  ProposalCreated: "proposal",
  ProposalQueued: "proposal",
  ProposalUnqueued: "proposal",
  ProposalExecuted: "proposal",
  ProposalCancelled: "proposal",
  ProposalApproved: "approval",
  ProposalApprovalRevoked: "approval",
  SignedCallsExecuted: "approval",
  ApprovedCallsExecuted: "approval",
  SignatureNonceInvalidated: "approval",
  AssetLimitsChanged: "policy",
  WalletCapsChanged: "policy",
  RecipientAllowed: "policy",
  RecipientRemoved: "policy",
  CallPermissionChanged: "policy",
  UtcOffsetChanged: "policy",
  AgentRulesChanged: "policy",
  AgentValidityChanged: "policy",
  AgentAdded: "agent",
  AgentSuspended: "agent",
  AgentResumed: "agent",
  AgentRevoked: "agent",
  AgentKeyRotated: "agent",
  WalletInitialized: "governance",
  OwnerAdded: "governance",
  OwnerRemoved: "governance",
  ThresholdChanged: "governance",
  GuardianAdded: "governance",
  GuardianRemoved: "governance",
  MinPauseDurationChanged: "governance",
  DelaysChanged: "governance",
  Paused: "pause",
  Unpaused: "pause",
  Upgraded: "upgrade",
  Received: "funds",
};

const eventsInterface = new Interface([
  ...walletInterface.fragments.filter((f) => f.type === "event"),
  "event Upgraded(address indexed implementation)",
]);

/** A wallet's history and reports, from its events and the relayer's audit log. */
export class AuditClient {
  readonly wallet: string;
  private readonly provider: Provider;
  private readonly store?: RelayerAuditSource;
  private readonly fromBlock: number;
  private readonly blockChunk: number;
  private readonly assets: AssetInfo;
  private readonly blockTimes = new Map<number, number>();

  /**
   * @example
   * const audit = new AuditClient({ wallet, provider, relayerStore: relayer.store });
   * console.log(audit.toCSV(await audit.history({ kinds: ["payment"] })));
   */
  constructor(options: AuditClientOptions) {
    this.wallet = toAddress(options.wallet, "wallet");
    this.provider = options.provider;
    this.store = options.relayerStore;
    this.fromBlock = options.fromBlock ?? 0;
    this.blockChunk = options.blockChunk ?? 10_000;
    if (!Number.isInteger(this.blockChunk) || this.blockChunk < 1)
      throw new InvalidArgumentError("blockChunk must be a positive integer");
    this.assets = new AssetInfo(options.provider);
  }

  /**
   * The wallet's history, oldest first: every wallet event, plus the relayer's rejected / dropped ops when a
   * store was given.
   *
   * @example
   * const payments = await audit.history({ agent, kinds: ["payment"], from: new Date("2026-01-01") });
   */
  async history(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const f = normalizeFilter(filter);
    const entries: AuditEntry[] = [];
    try {
      const latest = f.toBlock ?? (await this.provider.getBlockNumber());
      for (let start = f.fromBlock ?? this.fromBlock; start <= latest; start += this.blockChunk) {
        const end = Math.min(latest, start + this.blockChunk - 1);
        const logs = await this.provider.getLogs({
          address: this.wallet,
          fromBlock: start,
          toBlock: end,
        });
        for (const log of logs) {
          const entry = await this.entryOf(log);
          if (entry) entries.push(entry);
        }
      }
    } catch (error) {
      throw toLeashError(error);
    }
    if (this.store) entries.push(...(await this.relayerEntries()));
    entries.sort(
      (a, b) =>
        a.timestamp - b.timestamp ||
        (a.blockNumber ?? Infinity) - (b.blockNumber ?? Infinity) ||
        (a.logIndex ?? 0) - (b.logIndex ?? 0),
    );
    return entries.filter((e) => matches(e, f));
  }

  /**
   * Spending totals (executed agent calls) per agent and asset and per asset, over a filtered history.
   *
   * @example
   * const { byAgent, byAsset } = await audit.totals({ from: startOfMonth });
   */
  async totals(filter: AuditFilter = {}): Promise<AuditTotals> {
    const entries = await this.history({ ...filter, kinds: ["payment"] });
    return this.totalsOf(entries);
  }

  /**
   * Policy and agent changes (limits, caps, recipients, permissions, rules; agents added, suspended, ...).
   *
   * @example
   * const changes = await audit.policyChanges({ agent });
   */
  policyChanges(filter: Omit<AuditFilter, "kinds"> = {}): Promise<AuditEntry[]> {
    return this.history({ ...filter, kinds: ["policy", "agent"] });
  }

  /**
   * Owner approvals and the proposals they approved (created, queued, executed, cancelled).
   *
   * @example
   * const approvals = await audit.approvals();
   */
  approvals(filter: Omit<AuditFilter, "kinds"> = {}): Promise<AuditEntry[]> {
    return this.history({ ...filter, kinds: ["approval", "proposal", "escalation"] });
  }

  /**
   * A full report: entries, totals and counts per kind.
   *
   * @example
   * writeFileSync("report.json", audit.toJSON(await audit.report({ from: startOfMonth })));
   */
  async report(filter: AuditFilter = {}): Promise<AuditReport> {
    const entries = await this.history(filter);
    const counts: Partial<Record<AuditKind, number>> = {};
    for (const e of entries) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
    const { chainId } = await this.provider.getNetwork();
    return {
      wallet: this.wallet,
      chainId,
      generatedAt: new Date().toISOString(),
      filter,
      entries,
      totals: await this.totalsOf(entries.filter((e) => e.kind === "payment")),
      counts,
    };
  }

  /**
   * JSON text of a report or entries (bigints as decimal strings).
   *
   * @example
   * console.log(audit.toJSON(await audit.history()));
   */
  toJSON(value: AuditReport | AuditEntry[] | AuditTotals): string {
    return JSON.stringify(
      value,
      (_k, v: unknown) =>
        typeof v === "bigint" ? v.toString() : v instanceof Date ? v.toISOString() : v,
      2,
    );
  }

  /**
   * CSV (RFC 4180) of history entries: one row per entry, `details` as JSON. Cells that a spreadsheet would
   * run as a formula are prefixed with a quote.
   *
   * @example
   * writeFileSync("history.csv", audit.toCSV(await audit.history()));
   */
  toCSV(entries: AuditEntry[]): string {
    const header = [
      "time",
      "block",
      "transaction",
      "kind",
      "event",
      "agent",
      "asset",
      "amount",
      "counterparty",
      "proposal",
      "details",
      "clock",
      "rule",
    ];
    const rows = entries.map((e) => [
      new Date(e.timestamp * 1000).toISOString(),
      e.blockNumber === null ? "" : String(e.blockNumber),
      e.transactionHash ?? "",
      e.kind,
      e.event,
      e.agent ?? "",
      e.asset ?? "",
      e.amount === null ? "" : e.amount.toString(),
      e.counterparty ?? "",
      e.proposalId === null ? "" : e.proposalId.toString(),
      JSON.stringify(e.details),
      e.clock,
      e.rule ?? "",
    ]);
    return [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
  }

  // ---------------------------------------------------------------------------------------------

  private async totalsOf(payments: AuditEntry[]): Promise<AuditTotals> {
    const byAgent = new Map<
      string,
      { agent: string; asset: string; count: number; amount: bigint }
    >();
    const byAsset = new Map<string, { asset: string; count: number; amount: bigint }>();
    for (const e of payments) {
      if (e.kind !== "payment" || !e.agent || !e.asset || e.amount === null) continue;
      const key = `${e.agent}:${e.asset}`;
      const a = byAgent.get(key) ?? { agent: e.agent, asset: e.asset, count: 0, amount: 0n };
      a.count++;
      a.amount += e.amount;
      byAgent.set(key, a);
      const t = byAsset.get(e.asset) ?? { asset: e.asset, count: 0, amount: 0n };
      t.count++;
      t.amount += e.amount;
      byAsset.set(e.asset, t);
    }
    const withInfo = async <T extends { asset: string; amount: bigint }>(row: T) => {
      const info = await this.assets.of(row.asset).catch(() => ({ decimals: 0, symbol: "" }));
      return {
        ...row,
        symbol: info.symbol,
        decimals: info.decimals,
        formatted: formatAmount(row.amount, info.decimals),
      };
    };
    return {
      byAgent: await Promise.all([...byAgent.values()].map(withInfo)),
      byAsset: await Promise.all([...byAsset.values()].map(withInfo)),
    };
  }

  private async timestampOf(blockNumber: number): Promise<number> {
    let time = this.blockTimes.get(blockNumber);
    if (time === undefined) {
      const block = await this.provider.getBlock(blockNumber);
      time = block?.timestamp ?? 0;
      this.blockTimes.set(blockNumber, time);
    }
    return time;
  }

  private async entryOf(log: Log): Promise<AuditEntry | null> {
    let parsed;
    try {
      parsed = eventsInterface.parseLog(log);
    } catch {
      parsed = null;
    }
    if (!parsed) return null;
    const kind = KIND_OF_EVENT[parsed.name];
    if (!kind) return null;
    const args: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((input, i) => (args[input.name || String(i)] = parsed.args[i]));
    const details: Record<string, string> = {};
    for (const [k, v] of Object.entries(args)) details[k] = stringify(v);
    const address = (k: string) => (typeof args[k] === "string" ? (args[k] as string) : null);
    const big = (k: string) => (typeof args[k] === "bigint" ? (args[k] as bigint) : null);
    let agent = address("agent");
    let counterparty: string | null = null;
    let amount: bigint | null = null;
    let asset: string | null = address("asset");
    let proposalId: bigint | null = null;
    switch (parsed.name) {
      case "AgentCallExecuted":
        counterparty = address("target");
        amount = big("amount");
        break;
      case "ApprovalRequested":
        counterparty = address("recipient");
        amount = big("amount");
        proposalId = big("proposalId");
        break;
      case "ProposalCreated": {
        proposalId = big("id");
        const by = address("escalatedBy");
        agent = by && BigInt(by) !== 0n ? by : null;
        counterparty = address("proposer");
        break;
      }
      case "Received":
        counterparty = address("from");
        amount = big("amount");
        asset = "0x0000000000000000000000000000000000000000";
        break;
      default:
        if (parsed.name.startsWith("Proposal")) proposalId = big("id");
        if (parsed.name === "ProposalApproved" || parsed.name === "ProposalApprovalRevoked")
          counterparty = address("owner");
        if (parsed.name === "RecipientAllowed" || parsed.name === "RecipientRemoved")
          counterparty = address("recipient");
        if (parsed.name === "CallPermissionChanged") counterparty = address("target");
    }
    return {
      kind,
      event: parsed.name,
      timestamp: await this.timestampOf(log.blockNumber),
      clock: "chain",
      rule: null,
      blockNumber: log.blockNumber,
      transactionHash: log.transactionHash,
      logIndex: log.index,
      agent,
      asset,
      amount,
      counterparty,
      proposalId,
      details,
    };
  }

  /** The relayer's rejected / dropped / failed ops for this wallet, from its audit log. */
  private async relayerEntries(): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    const wallet = this.wallet.toLowerCase();
    for (let after = 0; ;) {
      const page = await this.store!.readAudit(after, 1000);
      if (page.length === 0) break;
      for (const row of page) {
        after = row.seq;
        if (row.sender?.toLowerCase() !== wallet) continue;
        if (!["rejected", "dropped", "failed"].includes(row.event)) continue;
        let detail: Record<string, unknown> = {};
        try {
          detail = JSON.parse(row.detailJson) as Record<string, unknown>;
        } catch {
          detail = {};
        }
        const details: Record<string, string> = { seq: String(row.seq) };
        if (row.opHash) details.opHash = row.opHash;
        for (const [k, v] of Object.entries(detail)) details[k] = stringify(v);
        const refusal = parseRefusal(details.reason ?? "", details.rule);
        out.push({
          kind: row.event === "rejected" ? "rejected" : "dropped",
          event: row.event,
          timestamp: Math.floor(row.at / 1000),
          clock: "relayer",
          rule: refusal.rule,
          blockNumber: null,
          transactionHash: null,
          logIndex: null,
          agent: refusal.agent,
          asset: refusal.asset,
          amount: refusal.amount,
          counterparty: refusal.counterparty,
          proposalId: null,
          details,
        });
      }
    }
    return out;
  }
}

/**
 * What a refused op's reason says: the relayer records the decoded wallet error with raw values, e.g.
 * "execution reverted: PolicyPerTxLimitExceeded(agent=0x.., asset=0x.., amount=5000000000000000000, cap=…)".
 */
function parseRefusal(
  reason: string,
  rule: string | undefined,
): {
  rule: string | null;
  agent: string | null;
  asset: string | null;
  amount: bigint | null;
  counterparty: string | null;
} {
  const named = (name: string) =>
    new RegExp(`\\b${name}=(0x[0-9a-fA-F]{40})\\b`).exec(reason)?.[1] ?? null;
  const amount = /\bamount=(\d+)\b/.exec(reason)?.[1];
  const counterparty = named("recipient") ?? named("target") ?? named("to");
  const asset = named("asset");
  const agent = named("agent");
  return {
    rule: rule ?? /\b([A-Z][A-Za-z0-9]*)\(/.exec(reason)?.[1] ?? null,
    agent: agent === null ? null : toAddress(agent),
    asset: asset === null ? null : toAddress(asset),
    amount: amount === undefined ? null : BigInt(amount),
    counterparty: counterparty === null ? null : toAddress(counterparty),
  };
}

interface NormalizedFilter {
  agent?: string;
  kinds?: Set<AuditKind>;
  from?: number;
  to?: number;
  fromBlock?: number;
  toBlock?: number;
}

function toSeconds(v: number | bigint | Date, label: string): number {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new InvalidArgumentError(`${label} is not a valid date`);
    return Math.floor(v.getTime() / 1000);
  }
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError(`${label} must be seconds since the epoch`);
  return n;
}

function normalizeFilter(filter: AuditFilter): NormalizedFilter {
  const out: NormalizedFilter = {};
  if (filter.agent !== undefined) out.agent = toAddress(filter.agent, "agent");
  if (filter.kinds !== undefined) {
    for (const k of filter.kinds)
      if (!AUDIT_KINDS.includes(k))
        throw new InvalidArgumentError(
          `unknown kind ${String(k)}: one of ${AUDIT_KINDS.join(", ")}`,
        );
    out.kinds = new Set(filter.kinds);
  }
  if (filter.from !== undefined) out.from = toSeconds(filter.from, "from");
  if (filter.to !== undefined) out.to = toSeconds(filter.to, "to");
  if (out.from !== undefined && out.to !== undefined && out.from > out.to)
    throw new InvalidArgumentError("the time range ends before it starts");
  for (const key of ["fromBlock", "toBlock"] as const) {
    const v = filter[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 0)
      throw new InvalidArgumentError(`${key} must be a block number`);
    out[key] = v;
  }
  return out;
}

function matches(e: AuditEntry, f: NormalizedFilter): boolean {
  if (f.kinds && !f.kinds.has(e.kind)) return false;
  if (f.agent && e.agent?.toLowerCase() !== f.agent.toLowerCase()) return false;
  if (f.from !== undefined && e.timestamp < f.from) return false;
  if (f.to !== undefined && e.timestamp > f.to) return false;
  if (e.blockNumber !== null) {
    if (f.fromBlock !== undefined && e.blockNumber < f.fromBlock) return false;
    if (f.toBlock !== undefined && e.blockNumber > f.toBlock) return false;
  }
  return true;
}

function stringify(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && "toArray" in value)
    return JSON.stringify(
      (value as { toArray(deep?: boolean): unknown[] }).toArray(true),
      (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
    );
  return (
    JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? ""
  );
}

function csvCell(value: string): string {
  // A leading =, +, -, @ (or tab/CR) makes spreadsheets evaluate the cell: neutralise it.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
