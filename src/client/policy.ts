/**
 * Agent policies as people write them (amounts in human units, hours and days as lists) and as the wallet
 * stores them (`AgentRules`, `AssetLimits` structs, contracts/interfaces/LeashTypes.sol).
 */
import { InvalidArgumentError } from "./errors.js";
import {
  NATIVE,
  parseAmount,
  type AmountInput,
  type AssetInfo,
  toAddress,
  toAsset,
} from "./units.js";

export const ALL_HOURS = 0xffffff;
export const ALL_DAYS = 0x7f;
const UINT96_MAX = (1n << 96n) - 1n;
const LIMIT_MAX_MANTISSA = (1n << 43n) - 1n;
const LIMIT_MAX_EXPONENT = 31;

/**
 * The largest amount at most `amount` that a limit can be exactly. The wallet keeps an asset's five limits in
 * one storage slot as decimal amounts (a mantissa below 2^43 times a power of ten, `DecimalAmount.sol`), so a
 * limit has at most 12 significant digits before its trailing zeros (13 when they read below 8796093022208);
 * it refuses any other amount (`PolicyLimitTooPrecise`) rather than round it.
 *
 * @example
 * exactLimitBelow(9234567890123456789n) // 9234567890120000000n
 */
export function exactLimitBelow(amount: bigint): bigint {
  if (amount < 0n) throw new InvalidArgumentError("a limit can't be negative");
  let best = 0n;
  let unit = 1n;
  for (let e = 0; e <= LIMIT_MAX_EXPONENT; e++) {
    const m = amount / unit;
    const candidate = (m > LIMIT_MAX_MANTISSA ? LIMIT_MAX_MANTISSA : m) * unit;
    if (candidate > best) best = candidate;
    if (m <= LIMIT_MAX_MANTISSA) break;
    unit *= 10n;
  }
  return best;
}

/**
 * Checks that `amount` (base units) is a limit the wallet holds exactly; else an `InvalidArgumentError` naming
 * the nearest exact amount below, before anything is signed.
 */
export function requireExactLimit(amount: bigint, label: string): bigint {
  const exact = exactLimitBelow(amount);
  if (exact !== amount)
    throw new InvalidArgumentError(
      `${label} ${amount} has more significant digits than a limit holds (at most 12); ${exact} fits`,
    );
  return amount;
}

/** Per-agent rules, as stored. Zero velocity fields mean "no limit". */
export interface AgentRules {
  maxOpCost: bigint;
  maxOpsPerHour: number;
  maxOpsPerDay: number;
  minSecondsBetweenOps: number;
  /** Bit h set = hour h (wallet's local time) allowed. */
  allowedHours: number;
  /** Bit d set = day d allowed, 0 = Monday .. 6 = Sunday. */
  allowedDays: number;
  /** Wei of gas the agent's ops may cost the wallet per local day; `UNLIMITED_GAS` = no limit. */
  gasPerDay: bigint;
}

/** `gasPerDay` meaning "no limit" (type(uint64).max): only when the owners ask for it explicitly. */
export const UNLIMITED_GAS = (1n << 64n) - 1n;
/** Without an explicit `gasPerDay`, an agent may spend this many times its `maxOpCost` on gas per day. */
export const DEFAULT_GAS_DAYS_OF_OPS = 10n;

/** Spending caps of one agent for one asset, in base units. Zero = no cap for that window. */
export interface AssetLimits {
  perTx: bigint;
  approvalAbove: bigint;
  daily: bigint;
  weekly: bigint;
  monthly: bigint;
}

/** Rules as input: `maxOpCost` in ETH units ("0.05") or wei; hours/days as masks or lists. */
export interface AgentRulesInput {
  maxOpCost?: AmountInput;
  maxOpsPerHour?: number;
  maxOpsPerDay?: number;
  minSecondsBetweenOps?: number;
  allowedHours?: number | number[];
  allowedDays?: number | number[];
  /**
   * Daily gas budget in ETH units or wei (at least `maxOpCost`, at most ~18.4 ETH), or "unlimited" to let the
   * agent's ops cost the wallet any amount of gas. Default: 10 x maxOpCost.
   */
  gasPerDay?: AmountInput | "unlimited";
}

/** Limits as input: human units of the asset ("250.5") or base units (bigint). Omitted = 0. */
export interface AssetLimitsInput {
  perTx?: AmountInput;
  approvalAbove?: AmountInput;
  daily?: AmountInput;
  weekly?: AmountInput;
  monthly?: AmountInput;
}

/** Everything to set up one agent: its key, validity, rules, per-asset limits, recipients, permissions. */
export interface AgentSetup {
  /** The agent's session key address (it also names the agent). */
  key: string;
  /** Seconds since the epoch; 0 = now. */
  validAfter?: number | bigint;
  /** Seconds since the epoch; 0 = no expiry. */
  validUntil?: number | bigint;
  rules?: AgentRulesInput;
  /** Limits per asset: "native" (or address zero) and ERC-20 addresses. */
  limits?: Record<string, AssetLimitsInput>;
  recipients?: string[];
  permissions?: CallPermissionInput[];
}

export interface CallPermissionInput {
  target: string;
  /** 4-byte selector (0x12345678). */
  selector: string;
  /** Most wei per call (default 0). */
  maxValue?: AmountInput;
  /** Seconds since the epoch, 0 = never. */
  expiresAt?: number | bigint;
}

function mask(input: number | number[] | undefined, bits: number, fallback: number, label: string) {
  if (input === undefined) return fallback;
  if (Array.isArray(input)) {
    let m = 0;
    for (const v of input) {
      if (!Number.isInteger(v) || v < 0 || v >= bits)
        throw new InvalidArgumentError(`${label}: ${v} is not between 0 and ${bits - 1}`);
      m |= 1 << v;
    }
    if (m === 0) throw new InvalidArgumentError(`${label} must allow at least one value`);
    return m;
  }
  if (!Number.isInteger(input) || input <= 0 || input >= 2 ** bits)
    throw new InvalidArgumentError(`${label} mask must be between 1 and ${2 ** bits - 1}`);
  return input;
}

function uint(value: number | undefined, max: number, label: string): number {
  const v = value ?? 0;
  if (!Number.isInteger(v) || v < 0 || v > max)
    throw new InvalidArgumentError(`${label} must be an integer between 0 and ${max}`);
  return v;
}

/**
 * Resolves rule input to the stored struct (defaults: maxOpCost 0.1 ETH, gasPerDay 10 x maxOpCost, no velocity
 * limit, all hours/days).
 *
 * @example
 * toAgentRules({ maxOpCost: "0.05", gasPerDay: "0.2", maxOpsPerHour: 10, allowedDays: [0, 1, 2, 3, 4] })
 */
export function toAgentRules(input: AgentRulesInput = {}): AgentRules {
  const maxOpCost = parseAmount(input.maxOpCost ?? "0.1", 18, "maxOpCost");
  if (maxOpCost === 0n || maxOpCost > UINT96_MAX)
    throw new InvalidArgumentError("maxOpCost must be above 0 and fit in 96 bits");
  return {
    maxOpCost,
    maxOpsPerHour: uint(input.maxOpsPerHour, 0xffff, "maxOpsPerHour"),
    maxOpsPerDay: uint(input.maxOpsPerDay, 0xffff, "maxOpsPerDay"),
    minSecondsBetweenOps: uint(input.minSecondsBetweenOps, 0xffffffff, "minSecondsBetweenOps"),
    allowedHours: mask(input.allowedHours, 24, ALL_HOURS, "allowedHours"),
    allowedDays: mask(input.allowedDays, 7, ALL_DAYS, "allowedDays"),
    gasPerDay: gasBudget(input.gasPerDay, maxOpCost),
  };
}

function gasBudget(input: AmountInput | "unlimited" | undefined, maxOpCost: bigint): bigint {
  if (input === "unlimited") return UNLIMITED_GAS;
  if (input === undefined) {
    const fallback = maxOpCost * DEFAULT_GAS_DAYS_OF_OPS;
    return fallback < UNLIMITED_GAS ? fallback : UNLIMITED_GAS - 1n;
  }
  const wei = parseAmount(input, 18, "gasPerDay");
  if (wei < maxOpCost || wei >= UNLIMITED_GAS)
    throw new InvalidArgumentError(
      'gasPerDay must be at least maxOpCost and below 2^64 - 1 wei (use "unlimited" for no limit)',
    );
  return wei;
}

/**
 * Resolves limits input for `asset` (human units use the asset's decimals).
 *
 * @example
 * await toAssetLimits(assets, usdc, { perTx: "50", daily: "200" })
 */
export async function toAssetLimits(
  assets: AssetInfo,
  asset: string,
  input: AssetLimitsInput,
): Promise<AssetLimits> {
  const { decimals } = await assets.of(asset);
  const one = (v: AmountInput | undefined, label: string) => {
    const out = v === undefined ? 0n : parseAmount(v, typeof v === "bigint" ? 0 : decimals, label);
    if (out > UINT96_MAX) throw new InvalidArgumentError(`${label} does not fit in 96 bits`);
    return requireExactLimit(out, label);
  };
  return {
    perTx: one(input.perTx, "perTx"),
    approvalAbove: one(input.approvalAbove, "approvalAbove"),
    daily: one(input.daily, "daily"),
    weekly: one(input.weekly, "weekly"),
    monthly: one(input.monthly, "monthly"),
  };
}

/**
 * Seconds-since-epoch argument as a bigint within uint48.
 *
 * @example
 * toTimestamp(1767225600, "validUntil") // 1767225600n
 */
export function toTimestamp(value: number | bigint | undefined, label: string): bigint {
  const v = BigInt(value ?? 0);
  if (v < 0n || v >= 1n << 48n) throw new InvalidArgumentError(`${label} must fit in 48 bits`);
  return v;
}

/**
 * Checks a 4-byte function selector.
 *
 * @example
 * toSelector("0xa9059cbb") // "0xa9059cbb"
 */
export function toSelector(input: string): string {
  if (typeof input !== "string" || !/^0x[0-9a-fA-F]{8}$/.test(input))
    throw new InvalidArgumentError(`selector must be 4 bytes of hex (0x12345678): ${input}`);
  return input.toLowerCase();
}

/**
 * The (asset, limits) pairs of a setup, with assets checksummed ("native" = address zero).
 *
 * @example
 * setupAssets({ key, limits: { native: { perTx: "1" } } }) // [["0x000…000", { perTx: "1" }]]
 */
export function setupAssets(setup: AgentSetup): [string, AssetLimitsInput][] {
  return Object.entries(setup.limits ?? {}).map(([asset, limits]) => [toAsset(asset), limits]);
}

export { NATIVE, toAddress };
