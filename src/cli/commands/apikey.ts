/**
 * `leash apikey create|list|rotate|revoke`: API keys in the relayer's store (the same SQLite file
 * or PostgreSQL database the relayer uses; safe while it runs). A key is shown once, on create
 * and rotate; only its hash is stored.
 */
import type { Command } from "commander";
import {
  API_KEY_SCOPES,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
  type ApiKeyInfo,
  type ApiKeyScope,
} from "../../relayer/auth/apiKeys.js";
import type { RelayerStore } from "../../relayer/store/index.js";
import { action, type Ctx } from "../context.js";
import { parseAddress } from "../config.js";
import { CliError, EXIT, oneLine, usageError } from "../errors.js";
import { renderFields } from "../output.js";
import { parseDuration } from "../units.js";

const DB_HINT =
  "pass --db sqlite:<path> | postgres://..., set LEASH_RELAYER_DB, or `db` in the config file";

export async function withStore<T>(
  ctx: Ctx,
  db: string | undefined,
  run: (store: RelayerStore) => Promise<T>,
): Promise<T> {
  const url = db ?? ctx.settings.db;
  if (!url) throw usageError(`no relayer store given: ${DB_HINT}`);
  let store: RelayerStore;
  try {
    // Loaded on demand: node:sqlite is only needed by the commands that open a store.
    const { openStore } = await import("../../relayer/store/index.js");
    store = await openStore(url);
  } catch (error) {
    throw new CliError(`cannot open the relayer store: ${oneLine((error as Error).message)}`);
  }
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

const time = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function keyView(info: ApiKeyInfo) {
  return {
    id: info.id,
    label: info.label,
    sender: info.sender,
    agent: info.agent,
    scopes: info.scopes,
    createdAt: time(info.createdAt),
    expiresAt: time(info.expiresAt),
    rotatedAt: time(info.rotatedAt),
    revokedAt: time(info.revokedAt),
    status:
      info.revokedAt !== null
        ? "revoked"
        : info.expiresAt !== null && info.expiresAt <= Date.now()
          ? "expired"
          : "active",
  };
}

function parseScopes(value: string): ApiKeyScope[] {
  const scopes = value.split(",").map((s) => s.trim());
  for (const s of scopes) {
    if (!API_KEY_SCOPES.includes(s as ApiKeyScope))
      throw usageError(`unknown scope "${s}" (scopes: ${API_KEY_SCOPES.join(", ")})`);
  }
  return scopes as ApiKeyScope[];
}

function parseKeyId(id: string): string {
  if (!/^[0-9a-f]{16}$/.test(id)) throw usageError(`not an API key id (16 hex digits): ${id}`);
  return id;
}

export function registerApiKey(program: Command): void {
  const apikey = program
    .command("apikey")
    .description("manage the relayer's API keys (in its store: --db or LEASH_RELAYER_DB)");

  apikey
    .command("create")
    .description("create a key; it is printed once and never again")
    .requiredOption("--sender <address>", "wallet the key may send ops for, or * for any")
    .option(
      "--agent <address>",
      "limit the key to this agent (its key address) of the wallet: it sends and reads only that agent's ops",
    )
    .option("--scopes <list>", "comma-separated: send, read", "send,read")
    .option("--label <text>", "a name for people", "")
    .option("--expires <duration>", "lifetime, e.g. 30d, 12h (default: never)")
    .option("--db <url>", "relayer store")
    .action(
      action(
        async (
          ctx,
          opts: {
            sender: string;
            agent?: string;
            scopes: string;
            label: string;
            expires?: string;
            db?: string;
          },
        ) => {
          const sender = opts.sender === "*" ? "*" : parseAddress(opts.sender, "--sender");
          const agent = opts.agent === undefined ? null : parseAddress(opts.agent, "--agent");
          if (agent && sender === "*")
            throw usageError("--agent needs --sender <wallet>: an agent key belongs to one wallet");
          const scopes = parseScopes(opts.scopes);
          const expiresAt = opts.expires ? Date.now() + parseDuration(opts.expires) * 1000 : null;
          const { key, info } = await withStore(ctx, opts.db, (store) =>
            createApiKey(store, { sender, agent, scopes, label: opts.label, expiresAt }),
          );
          ctx.out.result({ key, ...keyView(info) }, () =>
            [
              renderFields([
                ["id", info.id],
                ["sender", info.sender],
                ["agent", info.agent ?? "any (whole wallet)"],
                ["scopes", info.scopes.join(",")],
                ["expires", time(info.expiresAt) ?? "never"],
              ]),
              "",
              `API key (shown once, store it now): ${key}`,
            ].join("\n"),
          );
        },
      ),
    );

  apikey
    .command("list")
    .description("list keys (never their secrets)")
    .option("--db <url>", "relayer store")
    .action(
      action(async (ctx, opts: { db?: string }) => {
        const keys = (await withStore(ctx, opts.db, listApiKeys)).map(keyView);
        ctx.out.result(keys, () =>
          ctx.out.table(
            ["id", "label", "sender", "agent", "scopes", "status", "created", "expires"],
            keys.map((k) => [
              k.id,
              k.label,
              k.sender,
              k.agent ?? "",
              k.scopes.join(","),
              k.status,
              k.createdAt,
              k.expiresAt ?? "never",
            ]),
          ),
        );
      }),
    );

  apikey
    .command("rotate <id>")
    .description("replace a key's secret (same id, scopes, sender); the old one stops at once")
    .option("--db <url>", "relayer store")
    .action(
      action(async (ctx, id: string, opts: { db?: string }) => {
        const keyId = parseKeyId(id);
        const { key, info } = await withStore(ctx, opts.db, async (store) => {
          try {
            return await rotateApiKey(store, keyId);
          } catch (error) {
            throw usageError(oneLine((error as Error).message));
          }
        });
        ctx.out.result(
          { key, ...keyView(info) },
          () => `rotated ${info.id}\nAPI key (shown once, store it now): ${key}`,
        );
      }),
    );

  apikey
    .command("revoke <id>")
    .description("revoke a key at once")
    .option("--db <url>", "relayer store")
    .action(
      action(async (ctx, id: string, opts: { db?: string }) => {
        const keyId = parseKeyId(id);
        const revoked = await withStore(ctx, opts.db, (store) => revokeApiKey(store, keyId));
        if (!revoked)
          throw new CliError(`no active API key with id ${keyId}`, EXIT.usage, { id: keyId });
        ctx.out.result({ id: keyId, revoked: true }, () => `revoked ${keyId}`);
      }),
    );
}
