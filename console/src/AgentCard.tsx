/** An agent: status, key validity, velocity rules, and each spending window against its cap (an SVG chart). */
import type { AgentRow } from "./leash.js";
import type { AuditEntry } from "../../src/client/audit.js";
import { ConfirmButton } from "./App.js";
import { amountText, countdown, durationText, formatAmount, short } from "./format.js";

const WINDOWS = ["daily", "weekly", "monthly"] as const;

function validity(
  validAfter: bigint,
  validUntil: bigint,
  now: bigint,
): { text: string; ok: boolean } {
  if (validAfter > now)
    return { text: `not valid yet (from ${countdown(validAfter, now)})`, ok: false };
  if (validUntil !== 0n && validUntil < 2n ** 47n) {
    if (validUntil <= now) return { text: `expired ${countdown(validUntil, now)}`, ok: false };
    return { text: `valid, expires ${countdown(validUntil, now)}`, ok: validUntil - now > 86_400n };
  }
  return { text: "valid, no expiry", ok: true };
}

export function AgentCard({
  row,
  now,
  payments,
  onAction,
}: {
  row: AgentRow;
  now: bigint;
  payments: AuditEntry[];
  onAction: (fn: "suspendAgent" | "revokeAgent") => void;
}) {
  const { agent, policy } = row;
  const sym = policy.symbol;
  const dec = policy.decimals;
  const v = validity(agent.validAfter, agent.validUntil, now);
  const r = agent.rules;
  return (
    <article
      className="agent"
      aria-labelledby={`a-${agent.agent}`}
      data-testid={`agent-${agent.agent}`}
    >
      <h3 id={`a-${agent.agent}`}>
        Agent <span className="mono">{short(agent.agent)}</span>{" "}
        <span
          className={`badge ${agent.status === "active" ? "ok" : "danger"}`}
          data-testid="agent-status"
        >
          {agent.status}
        </span>
      </h3>
      <dl className="facts compact">
        <dt>Session key</dt>
        <dd className="mono">{short(agent.key)}</dd>
        <dt>Key</dt>
        <dd className={v.ok ? undefined : "warn"}>{v.text}</dd>
        <dt>Per payment</dt>
        <dd>
          up to {amountText(policy.limits.perTx, dec, sym)}; owners approve above{" "}
          {amountText(policy.limits.approvalAbove, dec, sym)}
        </dd>
        <dt>Velocity</dt>
        <dd>
          {r.maxOpsPerHour ? `${r.maxOpsPerHour}/hour` : "no hourly cap"},{" "}
          {r.maxOpsPerDay ? `${r.maxOpsPerDay}/day` : "no daily cap"}
          {r.minSecondsBetweenOps ? `, ${durationText(BigInt(r.minSecondsBetweenOps))} apart` : ""}
        </dd>
        <dt>Gas per operation</dt>
        <dd>at most {amountText(r.maxOpCost, 18, sym)}</dd>
      </dl>
      <WindowChart policy={policy} />
      <SpendOverTime payments={payments} cap={policy.limits.daily} decimals={dec} symbol={sym} />
      {agent.status !== "revoked" && (
        <div className="row actions">
          {agent.status === "active" && (
            <ConfirmButton
              label="Suspend"
              confirm="Stop this agent now? Owners can resume it."
              onConfirm={() => onAction("suspendAgent")}
            />
          )}
          <ConfirmButton
            label="Revoke"
            confirm="Revoke this agent for good?"
            danger
            onConfirm={() => onAction("revokeAgent")}
          />
        </div>
      )}
    </article>
  );
}

/** Spent (filled) against the cap of each window, with what remains. */
function WindowChart({ policy }: { policy: AgentRow["policy"] }) {
  const width = 320;
  const rowH = 34;
  const labelW = 70;
  const barW = width - labelW - 10;
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${width} ${rowH * 3 + 4}`}
        role="img"
        aria-label="Spent against cap per window"
        width="100%"
      >
        {WINDOWS.map((w, i) => {
          const cap = policy.limits[w];
          const spent = policy.spent[w];
          const unlimited = cap >= 1n << 255n || cap === 0n;
          const ratio = unlimited ? 0 : Math.min(1, Number((spent * 10_000n) / cap) / 10_000);
          const y = i * rowH + 4;
          return (
            <g key={w}>
              <text x={0} y={y + 15} className="chart-label">
                {w}
              </text>
              <rect x={labelW} y={y + 2} width={barW} height={16} rx={3} className="chart-cap" />
              <rect
                x={labelW}
                y={y + 2}
                width={Math.max(ratio > 0 ? 2 : 0, barW * ratio)}
                height={16}
                rx={3}
                className={ratio > 0.8 ? "chart-spent hot" : "chart-spent"}
              />
              <text x={labelW} y={y + 31} className="chart-note">
                {formatAmount(spent, policy.decimals)} of{" "}
                {unlimited ? "no cap" : `${formatAmount(cap, policy.decimals)} ${policy.symbol}`} ·{" "}
                {unlimited ? "" : `${formatAmount(policy.remaining[w], policy.decimals)} left`}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="sr-only">
        {WINDOWS.map(
          (w) =>
            `${w}: spent ${formatAmount(policy.spent[w], policy.decimals)} of ${formatAmount(policy.limits[w], policy.decimals)} ${policy.symbol}`,
        ).join("; ")}
      </figcaption>
    </figure>
  );
}

/** Cumulative payments over time (from the audit log) against the daily cap. */
function SpendOverTime({
  payments,
  cap,
  decimals,
  symbol,
}: {
  payments: AuditEntry[];
  cap: bigint;
  decimals: number;
  symbol: string;
}) {
  if (payments.length === 0) return <p className="hint">No payments yet.</p>;
  const points: { t: number; total: bigint }[] = [];
  let total = 0n;
  for (const p of payments) {
    total += p.amount ?? 0n;
    points.push({ t: p.timestamp, total });
  }
  const w = 320;
  const h = 90;
  const t0 = points[0].t;
  const t1 = Math.max(points[points.length - 1].t, t0 + 1);
  const top = total > cap || cap >= 1n << 255n ? total : cap;
  const scale = (v: bigint) =>
    top === 0n ? h : h - 6 - (Number((v * 1_000n) / top) / 1_000) * (h - 12);
  const x = (t: number) => 4 + ((t - t0) / (t1 - t0)) * (w - 8);
  const path = points
    .map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${scale(p.total).toFixed(1)}`)
    .join(" ");
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${w} ${h}`}
        role="img"
        aria-label="Cumulative spend over time against the daily cap"
        width="100%"
      >
        {cap < 1n << 255n && (
          <line x1={0} x2={w} y1={scale(cap)} y2={scale(cap)} className="chart-capline" />
        )}
        <path d={path} className="chart-line" fill="none" />
        {points.map((p, i) => (
          <circle key={i} cx={x(p.t)} cy={scale(p.total)} r={2.5} className="chart-dot" />
        ))}
      </svg>
      <figcaption>
        {payments.length} payment{payments.length === 1 ? "" : "s"}, {formatAmount(total, decimals)}{" "}
        {symbol} in all (dashed: daily cap {amountText(cap, decimals, symbol)})
      </figcaption>
    </figure>
  );
}
