/**
 * Addresses and amounts as people type them: addresses are checked (EIP-55 checksum when mixed case) and
 * returned checksummed; amounts are human units ("1.5") converted with the asset's decimals, read from the
 * token (`decimals()`), 18 for the native currency. A bigint is taken as base units (wei) unchanged.
 */
import { Contract, ZeroAddress, getAddress, type ContractRunner } from "ethers";
import { InvalidAddressError, InvalidAmountError } from "./errors.js";

/** The native currency as an asset (address zero). */
export const NATIVE = ZeroAddress;

/** An amount: a decimal string in human units ("1.5"), or a bigint in base units (wei). */
export type AmountInput = string | bigint;

/**
 * Checks an address and returns it checksummed. All-lowercase (or all-uppercase) hex is accepted;
 * mixed case must carry a valid EIP-55 checksum.
 *
 * @example
 * toAddress("0x8ba1f109551bd432803012645ac136ddd64dba72") // "0x8ba1f109551bD432803012645Ac136ddd64DBA72"
 * toAddress("0x123", "recipient") // throws InvalidAddressError("recipient is not a valid address: 0x123")
 */
export function toAddress(input: unknown, label = "address"): string {
  if (typeof input !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(input.trim()))
    throw new InvalidAddressError(String(input), label);
  try {
    return getAddress(input.trim());
  } catch {
    throw new InvalidAddressError(input, label);
  }
}

/**
 * Like `toAddress`, but also accepts "native" / "eth" / "" for the native currency (address zero).
 *
 * @example
 * toAsset("native") // "0x0000000000000000000000000000000000000000"
 */
export function toAsset(input: unknown, label = "asset"): string {
  if (input === undefined || input === null) return NATIVE;
  if (typeof input === "string" && ["", "native", "eth"].includes(input.trim().toLowerCase()))
    return NATIVE;
  return toAddress(input, label);
}

const MAX_UINT256 = (1n << 256n) - 1n;

/**
 * Converts a human amount to base units with `decimals` (no rounding: extra decimals are an error).
 *
 * @example
 * parseAmount("1.5", 18) // 1500000000000000000n
 * parseAmount("0.001", 2) // throws InvalidAmountError("amount 0.001 has more than 2 decimals")
 */
export function parseAmount(input: AmountInput, decimals: number, label = "amount"): bigint {
  if (typeof input === "bigint") {
    if (input < 0n || input > MAX_UINT256)
      throw new InvalidAmountError(`${label} must be between 0 and 2^256-1`, input.toString());
    return input;
  }
  if (typeof input !== "string")
    throw new InvalidAmountError(`${label} must be a decimal string`, String(input));
  const text = input.trim();
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match || text.length > 100)
    throw new InvalidAmountError(
      `${label} ${JSON.stringify(clip(text))} is not a non-negative decimal number`,
      text,
    );
  const [, whole, fraction = ""] = match;
  const trimmed = fraction.replace(/0+$/, "");
  if (trimmed.length > decimals)
    throw new InvalidAmountError(`${label} ${text} has more than ${decimals} decimals`, text);
  const value =
    BigInt(whole) * 10n ** BigInt(decimals) + BigInt(trimmed.padEnd(decimals, "0") || "0");
  if (value > MAX_UINT256)
    throw new InvalidAmountError(`${label} ${clip(text)} is too large`, text);
  return value;
}

/**
 * Formats base units as a human amount (no trailing zeros).
 *
 * @example
 * formatAmount(1500000000000000000n, 18) // "1.5"
 */
export function formatAmount(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const base = 10n ** BigInt(decimals);
  const whole = abs / base;
  const fraction = (abs % base).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

const ERC20_METADATA = [
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
];

/** Caches token decimals per runner (they never change for a deployed token). */
export class AssetInfo {
  private readonly cache = new Map<string, Promise<{ decimals: number; symbol: string }>>();

  constructor(private readonly runner: ContractRunner) {}

  /**
   * Decimals and symbol of `asset` (18 / "ETH" for the native currency).
   *
   * @example
   * const { decimals } = await assets.of(usdc); // 6
   */
  of(asset: string): Promise<{ decimals: number; symbol: string }> {
    const address = toAsset(asset);
    if (address === NATIVE) return Promise.resolve({ decimals: 18, symbol: "ETH" });
    let entry = this.cache.get(address);
    if (!entry) {
      entry = this.read(address);
      entry.catch(() => this.cache.delete(address));
      this.cache.set(address, entry);
    }
    return entry;
  }

  /**
   * Parses `amount` for `asset`: human units with the token's decimals, or a bigint in base units.
   *
   * @example
   * await assets.parse(usdc, "2.50") // 2500000n
   */
  async parse(asset: string, amount: AmountInput, label = "amount"): Promise<bigint> {
    if (typeof amount === "bigint") return parseAmount(amount, 0, label);
    const { decimals } = await this.of(asset);
    return parseAmount(amount, decimals, label);
  }

  /**
   * `amount` of `asset` for people: human units with the token's decimals and symbol. A token whose
   * `decimals()` can't be read is shown in base units with its address, never with a guessed 18 decimals.
   *
   * @example
   * await assets.text(usdc, 2500000n) // "2.5 USDC"
   */
  async text(asset: string | null, amount: bigint): Promise<string> {
    const address = asset === null ? NATIVE : toAsset(asset);
    try {
      const { decimals, symbol } = await this.of(address);
      return `${formatAmount(amount, decimals)} ${symbol || `of token ${address}`}`;
    } catch {
      return `${amount} base units of token ${address}`;
    }
  }

  private async read(token: string): Promise<{ decimals: number; symbol: string }> {
    const contract = new Contract(token, ERC20_METADATA, this.runner);
    let decimals: number;
    try {
      decimals = Number(await contract.getFunction("decimals")());
    } catch {
      throw new InvalidAmountError(
        `cannot read decimals() of token ${token}: is it an ERC-20 contract?`,
        token,
      );
    }
    let symbol = "";
    try {
      symbol = String(await contract.getFunction("symbol")()).slice(0, 32);
    } catch {
      // symbol() is optional in ERC-20
    }
    return { decimals, symbol };
  }
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
