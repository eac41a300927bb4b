/**
 * Keys live in encrypted JSON keystores (the ethers / geth format). The password comes from
 * `LEASH_KEYSTORE_PASSWORD` or, on a terminal, from a prompt that does not echo. It is never
 * printed, logged or put in an error message, and neither is the decrypted key.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Wallet, encryptKeystoreJson, getAddress, type KeystoreAccount } from "ethers";
import { CliError, EXIT, usageError } from "./errors.js";

export const PASSWORD_ENV = "LEASH_KEYSTORE_PASSWORD";

/** Reads a line from the terminal without echoing it. */
export async function promptHidden(
  question: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): Promise<string> {
  if (!input.isTTY || typeof input.setRawMode !== "function") {
    throw usageError(
      `keystore password needed: set ${PASSWORD_ENV} or run the command in a terminal`,
    );
  }
  output.write(question);
  const wasRaw = input.isRaw;
  input.setRawMode(true);
  input.resume();
  input.setEncoding("utf8");
  return new Promise<string>((resolvePassword, reject) => {
    let typed = "";
    const finish = (error?: Error) => {
      input.off("data", onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write("\n");
      if (error) reject(error);
      else resolvePassword(typed);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return finish();
        if (ch === "\u0003") return finish(new CliError("interrupted", EXIT.interrupted));
        if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
        else if (ch >= " ") typed += ch;
      }
    };
    input.on("data", onData);
  });
}

/** One password per process: several keystores (e.g. two owners in a demo) share it. */
let cachedPassword: string | undefined;

export async function keystorePassword(
  env: NodeJS.ProcessEnv = process.env,
  purpose = "keystore password: ",
): Promise<string> {
  const fromEnv = env[PASSWORD_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  cachedPassword ??= await promptHidden(purpose);
  if (cachedPassword === "") throw usageError("empty keystore password");
  return cachedPassword;
}

function readKeystoreFile(path: string): string {
  if (!existsSync(path)) throw usageError(`keystore not found: ${path}`);
  const json = readFileSync(path, "utf8");
  let address: unknown;
  try {
    address = (JSON.parse(json) as { address?: unknown }).address;
  } catch {
    throw usageError(`${path} is not a JSON keystore`);
  }
  if (typeof address !== "string") throw usageError(`${path} is not a JSON keystore`);
  return json;
}

/** The address a keystore holds, read without the password. */
export function keystoreAddress(path: string): string {
  const json = readKeystoreFile(path);
  const raw = (JSON.parse(json) as { address: string }).address;
  try {
    return getAddress(raw.startsWith("0x") ? raw.toLowerCase() : `0x${raw.toLowerCase()}`);
  } catch {
    throw usageError(`${path}: keystore address is malformed`);
  }
}

/** Decrypts a keystore. A wrong password is a usage error with no hint of the password. */
export async function loadKeystore(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Wallet> {
  const json = readKeystoreFile(path);
  const password = await keystorePassword(env, `password for ${path}: `);
  try {
    const decrypted = await Wallet.fromEncryptedJson(json, password);
    return new Wallet(decrypted.privateKey);
  } catch {
    throw usageError(`could not decrypt ${path}: wrong password or corrupt keystore`);
  }
}

export interface KeystoreWriteOptions {
  /**
   * scrypt cost. The default (2^17) is what ethers and geth use. `leash dev` writes throwaway
   * keys for a local chain with a lower cost so the demo starts in seconds.
   */
  scryptN?: number;
  overwrite?: boolean;
}

/** Writes `wallet` encrypted to `path` (mode 0600, directory created). */
export async function saveKeystore(
  path: string,
  wallet: Wallet,
  password: string,
  options: KeystoreWriteOptions = {},
): Promise<void> {
  if (!options.overwrite && existsSync(path)) throw usageError(`${path} already exists`);
  if (password === "") throw usageError("empty keystore password");
  const account: KeystoreAccount = { address: wallet.address, privateKey: wallet.privateKey };
  const json = await encryptKeystoreJson(account, password, {
    scrypt: options.scryptN ? { N: options.scryptN } : undefined,
  });
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, json, { mode: 0o600 });
  chmodSync(path, 0o600);
}
