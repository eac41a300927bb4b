/**
 * A tiny structured logger: one JSON object per line, with child loggers that carry bound
 * fields (component, instance, ...). Values are passed through `redact` so an accidental
 * private key, API secret or URL password in a field never reaches the output.
 */
import { redactUrlCredentials } from "./nodeUrl.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogSink = (line: string) => void;

// 32-byte hex strings are hashes most of the time, so we only redact values under keys that
// look secret and anything shaped like an API key secret.
const SECRET_KEY_PATTERN = /(private|secret|password|mnemonic|apikey|api_key|authorization)/i;
const API_KEY_PATTERN = /leash_[0-9a-f]{16}_[A-Za-z0-9_-]{20,}/g;

function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[depth]";
  if (typeof value === "string")
    return redactUrlCredentials(value.replace(API_KEY_PATTERN, "leash_[redacted]"));
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error)
    return { name: value.name, message: redact(value.message, depth + 1) };
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY_PATTERN.test(k) ? "[redacted]" : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

export function createLogger(
  options: { level?: LogLevel; sink?: LogSink; fields?: Record<string, unknown> } = {},
): Logger {
  const minLevel = LEVEL_ORDER[options.level ?? "info"];
  const sink: LogSink = options.sink ?? ((line) => process.stdout.write(line + "\n"));
  const bound = options.fields ?? {};

  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (LEVEL_ORDER[level] < minLevel) return;
    const entry = redact({ time: new Date().toISOString(), level, msg, ...bound, ...fields });
    sink(JSON.stringify(entry));
  };

  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger({ ...options, fields: { ...bound, ...fields } }),
  };
}

export const silentLogger: Logger = createLogger({ sink: () => {} });
