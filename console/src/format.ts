/** Small display helpers; amounts and dates come from the SDK's units/render modules. */
import { durationText, whenText } from "../../src/client/render.js";
import { formatAmount } from "../../src/client/units.js";

export { durationText, whenText, formatAmount };

export const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;

/** "no cap" for the contract's "unlimited" (type(uint256).max-like) values. */
export function amountText(v: bigint, decimals: number, symbol: string): string {
  return v >= 1n << 255n ? "no cap" : `${formatAmount(v, decimals)} ${symbol}`;
}

export function countdown(at: bigint, now: bigint): string {
  if (at === 0n) return "-";
  const d = at - now;
  return d > 0n ? `in ${durationText(d)}` : d === 0n ? "now" : `${durationText(-d)} ago`;
}

export function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

export function errorText(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string; details?: string };
  return String(e?.shortMessage ?? e?.message ?? error)
    .split("\n")[0]
    .slice(0, 300);
}
