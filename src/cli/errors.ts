/**
 * Every failure the CLI reports is one line and an exit code; scripts branch on the code.
 * Nothing here prints a stack, and messages are cut to one bounded line because errors from
 * libraries (ethers, the relayer) can embed whole request payloads.
 */
import { formatEther } from "ethers";
import { describeErrorValue } from "../client/errors.js";

export const EXIT = {
  ok: 0,
  /** The chain, the relayer or something else outside the CLI failed. */
  failure: 1,
  /** Bad input: unknown command or option, bad address or amount, missing config or password. */
  usage: 2,
  /** The wallet or relayer refused: policy violation, paused wallet, unauthorized key. */
  refused: 3,
  /** `leash dev --once`: a scene step did not have its expected outcome. */
  sceneFailed: 4,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failure,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const usageError = (message: string, details: Record<string, unknown> = {}) =>
  new CliError(message, EXIT.usage, details);

const MAX_MESSAGE = 400;

/** One printable line: first line of the message, control characters stripped, bounded. */
export function oneLine(message: string): string {
  const first = message.split(/\r?\n/, 1)[0] ?? "";
  // eslint-disable-next-line no-control-regex
  const clean = first.replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  return clean.length > MAX_MESSAGE ? clean.slice(0, MAX_MESSAGE - 1) + "…" : clean;
}

/** SDK error codes that mean "the wallet or relayer said no", as opposed to "something broke". */
const REFUSED_CODES = new Set([
  "POLICY_VIOLATION",
  "WALLET_PAUSED",
  "UNKNOWN_AGENT",
  "AGENT_INACTIVE",
  "GAS_BUDGET_EXHAUSTED",
  "UNAUTHORIZED",
  "BAD_SIGNATURE",
  "VALIDATION_REJECTED",
  "OUT_OF_TIME_RANGE",
  "OP_COST_TOO_HIGH",
  "NOT_OWNER",
  "NOT_A_TIGHTENING",
  "WALLET_ERROR",
  "PENDING_OPERATION",
  "RATE_LIMITED",
]);
const USAGE_CODES = new Set(["INVALID_ADDRESS", "INVALID_AMOUNT", "INVALID_ARGUMENT"]);

interface CodedError {
  code: string;
  message: string;
  toJSON?: () => Record<string, unknown>;
}

function isCoded(error: unknown): error is CodedError {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === "string" &&
    /^[A-Z_]+$/.test((error as unknown as { code: string }).code)
  );
}

const AMOUNT_KEYS = new Set(["amount", "cap", "spent", "value", "maxValue"]);
const NATIVE_ASSET = "0x0000000000000000000000000000000000000000";

/**
 * A wallet error's values for people: native-currency amounts in ETH rather than wei (token
 * amounts stay in base units: their decimals would need a chain call), proposal states by name, times with
 * their date (as the SDK's own messages).
 */
function walletErrorText(error: CodedError): string | null {
  const e = error as unknown as { errorName?: unknown; values?: unknown };
  if (typeof e.errorName !== "string" || !e.values || typeof e.values !== "object") return null;
  const values = e.values as Record<string, unknown>;
  const native = values.asset === undefined || values.asset === NATIVE_ASSET;
  const parts = Object.entries(values).map(([k, v]) =>
    typeof v === "bigint" && native && AMOUNT_KEYS.has(k)
      ? `${k}=${formatEther(v).replace(/\.0$/, "")} ETH`
      : describeErrorValue(e.errorName as string, k, v),
  );
  const prefix = error.message.split(":", 1)[0];
  return `${prefix}: ${e.errorName}(${parts.join(", ")})`;
}

/**
 * Anything thrown → a CliError. SDK errors (`LeashError`, with an upper-case `code`) keep their
 * code and values in `details` for `--json`; the rest becomes a one-line failure.
 */
/** What a user can do about an error the SDK raised, when the message alone doesn't say. */
function hintFor(code: string): string {
  if (code === "UNAUTHORIZED")
    return " (the relayer needs an API key for this wallet: its operator runs `leash apikey create --sender <wallet>`; pass it as LEASH_API_KEY or `apiKey` in the config file)";
  if (code === "NOT_A_TIGHTENING")
    return " (`leash policy tighten` only runs changes that take effect at once; `leash policy set` proposes a loosening, which waits the admin delay)";
  return "";
}

export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (isCoded(error)) {
    const exitCode = USAGE_CODES.has(error.code)
      ? EXIT.usage
      : REFUSED_CODES.has(error.code)
        ? EXIT.refused
        : EXIT.failure;
    const details = error.toJSON ? error.toJSON() : { code: error.code };
    delete details.message;
    delete details.stack;
    // ethers errors carry the whole request in `message`; their `shortMessage` is the point.
    const short = (error as { shortMessage?: unknown }).shortMessage;
    const text = walletErrorText(error) ?? (typeof short === "string" ? short : error.message);
    return new CliError(oneLine(text) + hintFor(error.code), exitCode, details);
  }
  const e = (error ?? {}) as { shortMessage?: unknown; message?: unknown };
  const message = typeof e.shortMessage === "string" ? e.shortMessage : String(e.message ?? error);
  return new CliError(oneLine(message), EXIT.failure);
}
