/** Parsing of the CLI's own non-amount inputs (amounts are the SDK's: decimals come from the asset). */
import { usageError } from "./errors.js";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `90`, `90s`, `15m`, `12h`, `30d`, `2w` → seconds. */
export function parseDuration(value: string): number {
  const match = /^(\d{1,9})([smhdw]?)$/.exec(value.trim());
  if (!match) throw usageError(`not a duration (e.g. 90s, 15m, 12h, 30d, 2w): ${value}`);
  return Number(match[1]) * UNIT_SECONDS[match[2] || "s"];
}

/** An absolute time: ISO 8601 date/time or unix seconds → unix seconds. */
export function parseTime(value: string): number {
  if (/^\d{1,12}$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw usageError(`not a time (ISO 8601 or unix seconds): ${value}`);
  return Math.floor(ms / 1000);
}

/** A non-negative integer id (proposal ids are uint256). */
export function parseId(value: string, what = "id"): bigint {
  if (!/^\d{1,78}$/.test(value))
    throw usageError(`${what} must be a non-negative integer: ${value}`);
  return BigInt(value);
}

/** A bounded non-negative integer option. */
export function parseIntOption(value: string, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d{1,16}$/.test(value) || Number(value) > max)
    throw usageError(`${what} must be an integer between 0 and ${max}: ${value}`);
  return Number(value);
}
