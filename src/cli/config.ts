/**
 * Settings come from, highest first: command-line flags, environment variables, a JSON config
 * file. The file is `--config <path>`, else `LEASH_CONFIG`, else `./.leash/config.json` (what
 * `leash dev` writes, so commands run in the project drive the dev wallet), else
 * `~/.leash/config.json`. Relative paths inside a file are relative to that file.
 *
 * Secrets never come from flags (shell history, process listings): the API key only from
 * `LEASH_API_KEY` or the file, keystore passwords only from `LEASH_KEYSTORE_PASSWORD` or a prompt.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { getAddress, isAddress } from "ethers";
import { usageError } from "./errors.js";

/** The config file's shape. Every field is optional; `leash dev` writes all of them. */
export interface FileConfig {
  rpcUrl?: string;
  relayerUrl?: string;
  entryPoint?: string;
  factory?: string;
  /** PasskeyOwnerFactory: where passkey owners are created (default: its deterministic address). */
  passkeyOwnerFactory?: string;
  /** The wallet commands act on by default. */
  wallet?: string;
  /** The relayer's store (`sqlite:<path>` or `postgres://...`), for `apikey`, `audit verify`. */
  db?: string;
  /** Keystore of the key owner/guardian commands sign with. */
  keystore?: string;
  /** Keystore of the agent's session key (`leash pay`). */
  agentKeystore?: string;
  /** Named keystores, picked with `--as <name>`. */
  keys?: Record<string, string>;
  /** The agent's relayer API key (dev only: prefer LEASH_API_KEY). */
  apiKey?: string;
  /**
   * The owners' relayer API key, scoped to the wallet (dev only: prefer LEASH_OWNER_API_KEY). Owner and guardian
   * commands use it; without it they use `apiKey`, which an agent-scoped key refuses for owners' operations.
   */
  ownerApiKey?: string;
}

export interface GlobalFlags {
  config?: string;
  json?: boolean;
  quiet?: boolean;
  rpcUrl?: string;
  relayerUrl?: string;
  direct?: boolean;
  wallet?: string;
  keystore?: string;
  as?: string;
}

export interface Settings {
  /** The config file that was read, if any. */
  configPath: string | null;
  file: FileConfig;
  rpcUrl?: string;
  relayerUrl?: string;
  entryPoint?: string;
  factory?: string;
  passkeyOwnerFactory?: string;
  wallet?: string;
  db?: string;
  apiKey?: string;
  ownerApiKey?: string;
  /** Keystores for owner/guardian commands, after `--keystore` / `--as` / env / file. */
  keystores: string[];
  /** Keystore for agent commands. */
  agentKeystore?: string;
  keys: Record<string, string>;
  /** Name given with `--as`, to say which key was used. */
  as?: string;
}

const FILE_KEYS: (keyof FileConfig)[] = [
  "rpcUrl",
  "relayerUrl",
  "entryPoint",
  "factory",
  "passkeyOwnerFactory",
  "wallet",
  "db",
  "keystore",
  "agentKeystore",
  "keys",
  "apiKey",
  "ownerApiKey",
];

export function findConfigFile(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): string | null {
  const explicit = flag ?? env.LEASH_CONFIG;
  if (explicit) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) throw usageError(`config file not found: ${explicit}`);
    return path;
  }
  for (const candidate of [
    join(cwd, ".leash", "config.json"),
    join(homedir(), ".leash", "config.json"),
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export function readConfigFile(path: string): FileConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw usageError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw usageError(`config file ${path} must hold a JSON object`);
  }
  const out: FileConfig = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!FILE_KEYS.includes(key as keyof FileConfig)) continue; // forward compatible
    if (key === "keys") {
      if (value === null || typeof value !== "object" || Array.isArray(value))
        throw usageError(`config file ${path}: "keys" must map names to keystore paths`);
      for (const [name, p] of Object.entries(value)) {
        if (typeof p !== "string")
          throw usageError(`config file ${path}: keys.${name} must be a path`);
      }
      out.keys = value as Record<string, string>;
    } else {
      if (typeof value !== "string")
        throw usageError(`config file ${path}: "${key}" must be a string`);
      (out as Record<string, unknown>)[key] = value;
    }
  }
  return out;
}

export function resolveSettings(
  flags: GlobalFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Settings {
  const configPath = findConfigFile(flags.config, env, cwd);
  const file = configPath ? readConfigFile(configPath) : {};
  const base = configPath ? dirname(configPath) : cwd;
  const fromFile = (p: string | undefined) => (p === undefined ? undefined : resolve(base, p));
  const fromCwd = (p: string | undefined) =>
    p === undefined ? undefined : isAbsolute(p) ? p : resolve(cwd, p);
  const keys = Object.fromEntries(
    Object.entries(file.keys ?? {}).map(([name, p]) => [name, resolve(base, p)]),
  );
  // --as takes one name or a comma list (several local owners sign together, e.g. in dev).
  let keystores: string[] = flags.keystore ? [fromCwd(flags.keystore)!] : [];
  if (flags.as !== undefined) {
    if (keystores.length) throw usageError("give either --keystore or --as, not both");
    keystores = flags.as.split(",").map((name) => {
      const path = keys[name.trim()];
      if (!path) {
        const known = Object.keys(keys);
        throw usageError(
          `no key named "${name.trim()}" in the config` +
            (known.length ? ` (known: ${known.join(", ")})` : ""),
        );
      }
      return path;
    });
  }
  const explicit = keystores.length > 0 ? keystores : undefined;
  const envOrFile = fromCwd(env.LEASH_KEYSTORE) ?? fromFile(file.keystore);
  const keystoresResolved = explicit ?? (envOrFile ? [envOrFile] : []);
  const agentKeystore =
    explicit?.[0] ?? fromCwd(env.LEASH_AGENT_KEYSTORE) ?? fromFile(file.agentKeystore);
  // A sqlite path in the file is relative to the file, like keystores.
  const fileDb =
    file.db && file.db.startsWith("sqlite:") && !isAbsolute(file.db.slice(7))
      ? `sqlite:${resolve(base, file.db.slice(7))}`
      : file.db;
  return {
    configPath,
    file,
    rpcUrl: flags.rpcUrl ?? env.LEASH_RPC_URL ?? file.rpcUrl,
    relayerUrl: flags.relayerUrl ?? env.LEASH_RELAYER_URL ?? file.relayerUrl,
    entryPoint: env.LEASH_ENTRY_POINT ?? file.entryPoint,
    factory: env.LEASH_FACTORY ?? file.factory,
    passkeyOwnerFactory: env.LEASH_PASSKEY_OWNER_FACTORY ?? file.passkeyOwnerFactory,
    wallet: flags.wallet ?? env.LEASH_WALLET ?? file.wallet,
    db: env.LEASH_RELAYER_DB ?? fileDb,
    apiKey: env.LEASH_API_KEY ?? file.apiKey,
    ownerApiKey: env.LEASH_OWNER_API_KEY ?? file.ownerApiKey,
    keystores: keystoresResolved,
    agentKeystore,
    keys,
    as: flags.as,
  };
}

/** A checksummed address, or a usage error naming what was expected. */
export function parseAddress(value: string | undefined, what: string): string {
  if (value === undefined || value === "") throw usageError(`missing ${what}`);
  if (!isAddress(value)) {
    // Mixed case is an EIP-55 checksum: 40 hex digits whose checksum doesn't match is most likely a typo.
    if (/^0x[0-9a-fA-F]{40}$/.test(value))
      throw usageError(
        `${what} has a bad checksum (EIP-55): ${value}; check it for a typo, or write it in lower case to skip the check`,
      );
    throw usageError(`${what} is not an address: ${value}`);
  }
  return getAddress(value.toLowerCase());
}

export function need<T>(value: T | undefined, what: string, hint: string): T {
  if (value === undefined || value === null || value === "")
    throw usageError(`missing ${what}: ${hint}`);
  return value;
}
