/**
 * API keys for agents and wallets. A key is `leash_<id>_<secret>`: the id (public, 8 random
 * bytes) finds the row, the SHA-256 of the whole key is compared in constant time. Only the hash
 * is stored; the key itself is returned once, by `createApiKey` / `rotateApiKey`.
 *
 * This module is the API the `leash apikey` CLI builds on.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { getAddress, isAddress } from "ethers";
import type { ApiKeyRecord, RelayerStore } from "../store/types.js";

export type ApiKeyScope = "send" | "read";
export const API_KEY_SCOPES: readonly ApiKeyScope[] = ["send", "read"];

/** What callers may see about a key: never the hash. */
export interface ApiKeyInfo {
  id: string;
  label: string;
  sender: string;
  /** The agent key it is limited to (its own ops only), or null for every op of the wallet. */
  agent: string | null;
  scopes: ApiKeyScope[];
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  rotatedAt: number | null;
}

export interface CreateApiKeyOptions {
  label?: string;
  /** Address the key may send ops for, or "*" for any sender. */
  sender: string;
  /**
   * Limits the key to one agent of that wallet: it sends and estimates only ops on that agent's nonce key
   * (sends: signed by it) and reads only the ops that agent signed. Its key address (src/relayer/auth/opAgent.ts).
   */
  agent?: string | null;
  scopes: ApiKeyScope[];
  /** Absolute expiry (ms since epoch); null = never. */
  expiresAt?: number | null;
  now?: number;
}

const KEY_PATTERN = /^leash_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

function toInfo(record: ApiKeyRecord): ApiKeyInfo {
  return {
    id: record.id,
    label: record.label,
    sender: record.sender,
    agent: record.agent,
    scopes: record.scopes as ApiKeyScope[],
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    revokedAt: record.revokedAt,
    rotatedAt: record.rotatedAt,
  };
}

function newSecretFor(id: string): string {
  return `leash_${id}_${randomBytes(32).toString("base64url")}`;
}

function normalizeSender(sender: string): string {
  if (sender === "*") return "*";
  if (!isAddress(sender)) throw new Error("sender must be an address or *");
  return getAddress(sender.toLowerCase());
}

/** Creates a key and returns it once together with its public info. */
export async function createApiKey(
  store: RelayerStore,
  options: CreateApiKeyOptions,
): Promise<{ key: string; info: ApiKeyInfo }> {
  const scopes = [...new Set(options.scopes)];
  if (scopes.length === 0 || scopes.some((s) => !API_KEY_SCOPES.includes(s))) {
    throw new Error(`scopes must be a non-empty subset of ${API_KEY_SCOPES.join(", ")}`);
  }
  const label = (options.label ?? "").slice(0, 100);
  const sender = normalizeSender(options.sender);
  let agent: string | null = null;
  if (options.agent !== undefined && options.agent !== null) {
    if (!isAddress(options.agent)) throw new Error("agent must be an address");
    // An agent key is an agent of one wallet: "*" would let it act for that key in every wallet.
    if (sender === "*") throw new Error("an agent-scoped key needs a wallet (sender), not *");
    agent = getAddress(options.agent.toLowerCase());
  }
  const id = randomBytes(8).toString("hex");
  const key = newSecretFor(id);
  const record: ApiKeyRecord = {
    id,
    keyHash: hashKey(key),
    label,
    sender,
    agent,
    scopes,
    createdAt: options.now ?? Date.now(),
    expiresAt: options.expiresAt ?? null,
    revokedAt: null,
    rotatedAt: null,
  };
  await store.insertApiKey(record);
  return { key, info: toInfo(record) };
}

export async function listApiKeys(store: RelayerStore): Promise<ApiKeyInfo[]> {
  return (await store.listApiKeys()).map(toInfo);
}

/** Replaces the key's secret (same id, scopes, binding); the old secret stops working at once. */
export async function rotateApiKey(
  store: RelayerStore,
  id: string,
  now: number = Date.now(),
): Promise<{ key: string; info: ApiKeyInfo }> {
  const record = await store.getApiKey(id);
  if (!record) throw new Error(`no API key with id ${id}`);
  if (record.revokedAt !== null) throw new Error(`API key ${id} is revoked`);
  const key = newSecretFor(id);
  await store.updateApiKey(id, { keyHash: hashKey(key), rotatedAt: now });
  return { key, info: toInfo({ ...record, keyHash: "", rotatedAt: now }) };
}

export async function revokeApiKey(
  store: RelayerStore,
  id: string,
  now: number = Date.now(),
): Promise<boolean> {
  const record = await store.getApiKey(id);
  if (!record || record.revokedAt !== null) return false;
  return store.updateApiKey(id, { revokedAt: now });
}

export type ApiKeyCheck =
  | { ok: true; info: ApiKeyInfo }
  | { ok: false; reason: "malformed" | "unknown" | "mismatch" | "revoked" | "expired" };

/** Authenticates a presented key. Lookup is by id; the secret comparison is constant-time. */
export async function verifyApiKey(
  store: RelayerStore,
  presented: string,
  now: number = Date.now(),
): Promise<ApiKeyCheck> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return { ok: false, reason: "malformed" };
  const record = await store.getApiKey(match[1]);
  if (!record) return { ok: false, reason: "unknown" };
  const expected = Buffer.from(record.keyHash, "hex");
  const actual = Buffer.from(hashKey(presented), "hex");
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return { ok: false, reason: "mismatch" };
  }
  if (record.revokedAt !== null) return { ok: false, reason: "revoked" };
  if (record.expiresAt !== null && record.expiresAt <= now) return { ok: false, reason: "expired" };
  return { ok: true, info: toInfo(record) };
}
