/** Small display helpers; amounts and dates come from the SDK's units/render modules. */
import { amountText, durationText, relativeText, whenText } from "../../src/client/render.js";
import { formatAmount } from "../../src/client/units.js";

export { amountText, durationText, whenText, formatAmount };

export const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;

/** How far `at` is from `now` ("in 3 h", "2 d ago"), or "-" when unset (0). */
export function countdown(at: bigint, now: bigint): string {
  return at === 0n ? "-" : relativeText(at, now);
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
