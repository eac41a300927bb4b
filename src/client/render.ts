/**
 * What owners see is what they sign: a proposal (or batch) rendered for people, the same in the CLI and any
 * other front end. Each call decoded with its field names; amounts in the asset's units with its symbol;
 * times as local dates with how far away they are ("in 3 h 12 min"); states by name; who approved.
 */
import type { Result } from "ethers";
import {
  erc20Interface,
  upgradeInterface,
  walletInterface,
  type ResolvedCall,
} from "./contracts.js";
import type { BatchReview, OwnerClient, ProposalInfo } from "./owner.js";
import { AssetInfo, NATIVE, formatAmount } from "./units.js";

/** Field names whose value is an amount of the call's asset. */
const AMOUNT_FIELDS = new Set([
  "perTx",
  "approvalAbove",
  "daily",
  "weekly",
  "monthly",
  "maxValue",
  "maxOpCost",
  "amount",
  "value",
]);
/** Field names whose value is a time (seconds since the epoch). */
const TIME_FIELDS = new Set(["validAfter", "validUntil", "expiresAt"]);
/** Field names whose value is a duration in seconds. */
const DURATION_FIELDS = new Set(["duration", "newAdminDelay", "newUpgradeDelay", "seconds"]);

/**
 * "3 h 12 min", "2 d 4 h", "45 s": the two largest units of a duration.
 *
 * @example
 * durationText(11_520n) // "3 h 12 min"
 */
export function durationText(seconds: bigint): string {
  let rest = seconds < 0n ? -seconds : seconds;
  const parts: string[] = [];
  for (const [size, unit] of [
    [86_400n, "d"],
    [3_600n, "h"],
    [60n, "min"],
    [1n, "s"],
  ] as const) {
    if (rest >= size) {
      parts.push(`${rest / size} ${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.length ? parts.join(" ") : "0 s";
}

/**
 * A time as a local date and how far from `now` it is.
 *
 * @example
 * whenText(eta, now) // "2026-12-03 01:12:00 (UTC+01:00), in 3 h 12 min"
 */
export function whenText(at: bigint, now: bigint, timeZone?: string): string {
  if (at === 0n) return "-";
  const date = new Date(Number(at) * 1000);
  const parts = new Intl.DateTimeFormat("sv-SE", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
    timeZoneName: "longOffset",
  }).formatToParts(date);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  const local = `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}:${get("second")} (${get("timeZoneName").replace("GMT", "UTC") || "UTC"})`;
  return `${local}, ${relativeText(at, now)}`;
}

/**
 * How far `at` is from `now`: "in 3 h 12 min", "now", "2 d 4 h ago".
 *
 * @example
 * relativeText(eta, now) // "in 3 h 12 min"
 */
export function relativeText(at: bigint, now: bigint): string {
  const delta = at - now;
  return delta === 0n
    ? "now"
    : delta > 0n
      ? `in ${durationText(delta)}`
      : `${durationText(delta)} ago`;
}

/**
 * An amount in the asset's units, or "no cap" for the contract's unlimited values (type(uint256).max-like).
 *
 * @example
 * amountText(500000000000000000n, 18, "ETH") // "0.5 ETH"
 */
export function amountText(raw: bigint, decimals: number, symbol: string): string {
  return raw >= 1n << 255n ? "no cap" : `${formatAmount(raw, decimals)} ${symbol}`;
}

export interface RenderedField {
  name: string;
  value: string;
}

export interface RenderedCall {
  /** The function called ("pay" for a plain transfer of the native currency). */
  action: string;
  target: string;
  fields: RenderedField[];
  /** One line: action and fields. */
  text: string;
}

function fieldValue(
  name: string,
  raw: unknown,
  asset: { symbol: string; decimals: number },
  now: bigint,
): string {
  if (typeof raw === "bigint") {
    if (AMOUNT_FIELDS.has(name)) return amountText(raw, asset.decimals, asset.symbol);
    if (TIME_FIELDS.has(name)) return raw === 0n ? "none" : whenText(raw, now);
    if (DURATION_FIELDS.has(name)) return `${raw} s (${durationText(raw)})`;
    return raw.toString();
  }
  if (typeof raw === "boolean" || typeof raw === "string") return String(raw);
  return String(raw);
}

/**
 * One call decoded for people, with field names and amounts in the asset's units.
 *
 * @example
 * const r = await renderCall(client, call, now); // r.text === "pay 0.5 ETH to 0x…"
 */
export async function renderCall(
  client: OwnerClient,
  call: ResolvedCall,
  now: bigint,
  assets = new AssetInfo(client.provider),
): Promise<RenderedCall> {
  const isSelf = call.target.toLowerCase() === client.wallet.toLowerCase();
  if (!isSelf && call.data === "0x") {
    const native = await assets.of(NATIVE);
    const amount = `${formatAmount(call.value, native.decimals)} ${native.symbol}`;
    return {
      action: "pay",
      target: call.target,
      fields: [
        { name: "to", value: call.target },
        { name: "amount", value: amount },
      ],
      text: `pay ${amount} to ${call.target}`,
    };
  }
  if (!isSelf) {
    try {
      const parsed = erc20Interface.parseTransaction({ data: call.data });
      if (parsed && (parsed.name === "transfer" || parsed.name === "approve")) {
        const token = await assets.of(call.target);
        const amount = `${formatAmount(parsed.args[1] as bigint, token.decimals)} ${token.symbol}`;
        const to = String(parsed.args[0]);
        return {
          action: parsed.name,
          target: call.target,
          fields: [
            { name: parsed.name === "transfer" ? "to" : "spender", value: to },
            { name: "amount", value: amount },
            { name: "token", value: call.target },
          ],
          text: `${parsed.name} ${amount} (token ${call.target}) ${parsed.name === "transfer" ? "to" : "for"} ${to}`,
        };
      }
    } catch {
      // not an ERC-20 call
    }
    return {
      action: "call",
      target: call.target,
      fields: [
        { name: "selector", value: call.data.slice(0, 10) },
        { name: "value", value: `${formatAmount(call.value, 18)} (native)` },
      ],
      text: `call ${call.target} (${call.data.slice(0, 10)}) with ${formatAmount(call.value, 18)} native`,
    };
  }
  let parsed = null;
  try {
    parsed =
      walletInterface.parseTransaction({ data: call.data }) ??
      upgradeInterface.parseTransaction({ data: call.data });
  } catch {
    parsed = null;
  }
  if (!parsed)
    return {
      action: "unknown",
      target: call.target,
      fields: [],
      text: `wallet call ${call.data.slice(0, 10)} (not recognised)`,
    };
  const inputs = parsed.fragment.inputs;
  const assetIndex = inputs.findIndex((i) => i.name === "asset");
  const asset = await assets.of(assetIndex >= 0 ? String(parsed.args[assetIndex]) : NATIVE);
  const fields: RenderedField[] = [];
  inputs.forEach((input, i) => {
    const raw = parsed.args[i] as unknown;
    if (input.baseType === "tuple" && input.components) {
      const tuple = raw as Result;
      input.components.forEach((c, j) =>
        fields.push({
          name: `${input.name}.${c.name}`,
          value: fieldValue(c.name, tuple[j], asset, now),
        }),
      );
    } else {
      fields.push({ name: input.name, value: fieldValue(input.name, raw, asset, now) });
    }
  });
  return {
    action: parsed.name,
    target: call.target,
    fields,
    text: `${parsed.name}(${fields.map((f) => `${f.name}: ${f.value}`).join(", ")})`,
  };
}

/**
 * A proposal as lines for people: state by name, who approved, eta and expiry as local dates with "in …",
 * and every call decoded.
 *
 * @example
 * console.log((await renderProposal(client, await client.proposal(7n))).join("\n"));
 */
export async function renderProposal(
  client: OwnerClient,
  p: ProposalInfo,
  now?: bigint,
): Promise<string[]> {
  const t = now ?? BigInt((await client.provider.getBlock("latest"))?.timestamp ?? 0);
  const assets = new AssetInfo(client.provider);
  const calls = await Promise.all(p.calls.map((c) => renderCall(client, c, t, assets)));
  const state = p.expired ? `${p.state} (expired: can no longer be approved or executed)` : p.state;
  const lines = [
    `proposal ${p.id}: ${state}`,
    `  kind       ${p.escalatedBy ? `escalated payment of agent ${p.escalatedBy}` : `owners' proposal by ${p.proposer}`}`,
    `  approvals  ${p.approvals} of ${p.threshold}${p.approvedBy.length ? ` (${p.approvedBy.join(", ")})` : ""}`,
  ];
  if (p.state === "queued")
    lines.push(
      `  executable ${p.eta <= t ? `now (since ${whenText(p.eta, t)})` : `from ${whenText(p.eta, t)}`}`,
    );
  else if (p.delay > 0n) lines.push(`  delay      ${durationText(p.delay)} after approval`);
  if (p.state === "pending") lines.push(`  expires    ${whenText(p.expiresAt, t)}`);
  lines.push(...callLines(calls));
  return lines;
}

/** The calls block of a proposal or batch: one layout, so a batch reads exactly like the proposal it becomes. */
function callLines(calls: RenderedCall[], delays?: bigint[]): string[] {
  const lines = [`  calls (${calls.length}):`];
  calls.forEach((c, i) => {
    const delay = delays?.[i] ?? 0n;
    lines.push(
      `    ${i}. ${c.action}${c.action === "pay" ? "" : ` on ${c.target}`}` +
        (delay > 0n ? `  [timelocked ${durationText(delay)}]` : ""),
    );
    for (const f of c.fields) lines.push(`         ${f.name.padEnd(22)} ${f.value}`);
  });
  return lines;
}

/**
 * A signed batch (a co-owner's file) as lines for people, laid out like `renderProposal`: chain and wallet,
 * what it triggers once submitted, signatures against the threshold, validity as a local date, every call
 * decoded with its field names and amounts.
 *
 * @example
 * const review = await client.reviewBatch(batch);
 * console.log((await renderBatch(client, review)).join("\n"));
 */
export async function renderBatch(
  client: OwnerClient,
  review: BatchReview,
  now?: bigint,
): Promise<string[]> {
  const t = now ?? BigInt((await client.provider.getBlock("latest"))?.timestamp ?? 0);
  const assets = new AssetInfo(client.provider);
  const calls = await Promise.all(review.calls.map((c) => renderCall(client, c, t, assets)));
  return [
    `batch for wallet ${review.wallet} on chain ${review.chainId}`,
    `  effect     ${
      review.delay === 0n
        ? "executes as soon as it is submitted with enough signatures"
        : `queued for ${durationText(review.delay)} once submitted, then anyone may execute it`
    }`,
    `  signatures ${review.signedBy.length} of ${review.threshold}${review.signedBy.length ? ` (${review.signedBy.join(", ")})` : ""}`,
    `  valid until ${whenText(review.deadline, t)}`,
    `  nonce      ${review.nonce}`,
    ...callLines(
      calls,
      review.calls.map((c) => c.delay),
    ),
  ];
}
