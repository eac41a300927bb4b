/**
 * Structured logging on pino: one JSON object per line (`time`, `level` as a name, bound fields,
 * the call's fields, `msg`), child loggers carrying component, instance and request ids.
 *
 * Secrets are removed twice over. pino's `redact` censors the fields known to hold them (API key
 * secrets, private keys, passwords, Authorization headers). Because a secret can also sit deeper,
 * under an unexpected key or inside a string (an error message quoting a URL with a password, a
 * presented API key), every value is also scrubbed before serialisation: keys that look secret are
 * censored at any depth, and API-key-shaped substrings and URL credentials are cut out of strings,
 * the message included. Ids (`apiKeyId`, `keyId`...) are not secrets and are logged as they are.
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from "pino";
import { redactUrlCredentials } from "./nodeUrl.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Receives each line without its trailing newline. */
export type LogSink = (line: string) => void;

const CENSOR = "[redacted]";

// Fields that hold secrets by name, at the top level and one level down (pino paths).
const SECRET_FIELDS = [
  "privateKey",
  "secret",
  "apiKey",
  "apiKeySecret",
  "password",
  "mnemonic",
  "authorization",
  "Authorization",
];
const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  'headers["x-api-key"]',
  "*.headers.authorization",
  '*.headers["x-api-key"]',
];

// 32-byte hex strings are hashes most of the time, so deeper down we only censor values under
// keys that look secret (an id of a secret is not one) and anything shaped like an API key secret.
const SECRET_KEY_PATTERN = /(private|secret|password|mnemonic|apikey|api_key|authorization)/i;
const ID_KEY_PATTERN = /id$/i;
const API_KEY_PATTERN = /leash_[0-9a-f]{16}_[A-Za-z0-9_-]{20,}/g;

const isSecretKey = (key: string): boolean =>
  SECRET_KEY_PATTERN.test(key) && !ID_KEY_PATTERN.test(key);

const scrubString = (value: string): string =>
  redactUrlCredentials(value.replace(API_KEY_PATTERN, "leash_[redacted]"));

function scrub(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[depth]";
  if (typeof value === "string") return scrubString(value);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error)
    return { name: value.name, message: scrubString(value.message.slice(0, 2_000)) };
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => scrub(v, depth + 1));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = isSecretKey(k) ? CENSOR : scrub(v, depth + 1);
    return out;
  }
  return value;
}

const scrubFields = (fields: Record<string, unknown>): Record<string, unknown> =>
  scrub(fields) as Record<string, unknown>;

function wrap(p: PinoLogger): Logger {
  return {
    debug: (msg, fields) => {
      if (p.isLevelEnabled("debug")) p.debug(fields ?? {}, scrubString(msg));
    },
    info: (msg, fields) => p.info(fields ?? {}, scrubString(msg)),
    warn: (msg, fields) => p.warn(fields ?? {}, scrubString(msg)),
    error: (msg, fields) => p.error(fields ?? {}, scrubString(msg)),
    // pino applies no formatter to child bindings: scrub them here, once per child.
    child: (fields) => wrap(p.child(scrubFields(fields))),
  };
}

export function createLogger(
  options: { level?: LogLevel; sink?: LogSink; fields?: Record<string, unknown> } = {},
): Logger {
  const sink = options.sink;
  // Synchronous to stdout: the last lines before a crash or exit ("stopped") must not be lost.
  const destination: DestinationStream = sink
    ? { write: (line: string) => sink(line.endsWith("\n") ? line.slice(0, -1) : line) }
    : pino.destination({ dest: 1, sync: true });
  const root = pino(
    {
      level: options.level ?? "info",
      base: null,
      messageKey: "msg",
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      formatters: {
        level: (label) => ({ level: label }),
        log: scrubFields,
      },
    },
    destination,
  );
  const logger = wrap(root);
  return options.fields ? logger.child(options.fields) : logger;
}

export const silentLogger: Logger = createLogger({ sink: () => {} });
