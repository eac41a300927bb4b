/**
 * `npm run relayer -- [flags]`. Configuration, lowest to highest precedence: a JSON file
 * (--config or LEASH_RELAYER_CONFIG), environment variables, flags. Secrets only come from the
 * environment (LEASH_KEYSTORE_PASSWORD, LEASH_RELAYER_PRIVATE_KEY), never from flags or files,
 * so they don't end up in shell history or process listings.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { RelayerConfigInput } from "./config.js";
import { redactUrlCredentials } from "./nodeUrl.js";
import { startRelayer } from "./relayer.js";
import { CANONICAL_ENTRY_POINT_V08 } from "../../deploy/deterministic.js";

const BIGINT_LIMITS = new Set([
  "maxVerificationGasLimit",
  "maxCallGasLimit",
  "maxPreVerificationGas",
  "maxPaymasterGasLimit",
  "minPriorityFeePerGas",
  "maxPriorityFeePerGas",
  "feeMarginPercent",
  "maxBundleGas",
  "minSignerBalanceWei",
]);

function reviveBigints(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      BIGINT_LIMITS.has(k) && (typeof v === "string" || typeof v === "number")
        ? BigInt(v)
        : reviveBigints(v);
  }
  return out;
}

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): RelayerConfigInput {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      "rpc-url": { type: "string" },
      "entry-point": { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      db: { type: "string" },
      keystore: { type: "string" },
      "instance-id": { type: "string" },
      "no-auth": { type: "boolean" },
      "log-level": { type: "string" },
      "min-priority-fee": { type: "string" },
      "fee-margin-percent": { type: "string" },
      "node-wait": { type: "string" },
    },
    strict: true,
  });
  const file = values.config ?? env.LEASH_RELAYER_CONFIG;
  const fromFile = file
    ? (reviveBigints(JSON.parse(readFileSync(file, "utf8"))) as Partial<RelayerConfigInput>)
    : {};
  const pick = (flag: string | undefined, envName: string): string | undefined =>
    flag ?? env[envName];

  const rpcUrl = pick(values["rpc-url"], "LEASH_RPC_URL") ?? fromFile.rpcUrl;
  // The canonical EntryPoint v0.8 has the same address on every chain that has it (local chains get it
  // from deploy/localChain.ts), so it is the default on any chain id; --entry-point overrides it.
  const entryPoint =
    pick(values["entry-point"], "LEASH_ENTRY_POINT") ??
    fromFile.entryPoint ??
    CANONICAL_ENTRY_POINT_V08;
  if (!rpcUrl) throw new Error("missing RPC URL (--rpc-url or LEASH_RPC_URL)");
  const port = pick(values.port, "LEASH_RELAYER_PORT");
  const bigintOption = (flag: string | undefined, envName: string, name: string) => {
    const raw = pick(flag, envName);
    if (raw === undefined) return undefined;
    if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(raw.trim()))
      throw new Error(
        `${name} must be a non-negative integer (wei / percent), got ${JSON.stringify(raw)}`,
      );
    return BigInt(raw.trim());
  };
  const minPriorityFeePerGas = bigintOption(
    values["min-priority-fee"],
    "LEASH_RELAYER_MIN_PRIORITY_FEE",
    "--min-priority-fee",
  );
  const feeMarginPercent = bigintOption(
    values["fee-margin-percent"],
    "LEASH_RELAYER_FEE_MARGIN_PERCENT",
    "--fee-margin-percent",
  );
  const nodeWait = pick(values["node-wait"], "LEASH_RELAYER_NODE_WAIT");
  if (nodeWait !== undefined && !/^[0-9]+$/.test(nodeWait.trim()))
    throw new Error(
      `--node-wait must be a whole number of seconds, got ${JSON.stringify(nodeWait)}`,
    );
  const keystorePath = pick(values.keystore, "LEASH_KEYSTORE") ?? fromFile.signer?.keystorePath;
  return {
    ...fromFile,
    rpcUrl,
    entryPoint,
    db: pick(values.db, "LEASH_RELAYER_DB") ?? fromFile.db ?? "sqlite:.leash/relayer.sqlite",
    host: pick(values.host, "LEASH_RELAYER_HOST") ?? fromFile.host,
    port: port !== undefined ? Number(port) : fromFile.port,
    limits: {
      ...fromFile.limits,
      ...(minPriorityFeePerGas !== undefined ? { minPriorityFeePerGas } : {}),
      ...(feeMarginPercent !== undefined ? { feeMarginPercent } : {}),
    },
    walletImplementations:
      env.LEASH_WALLET_IMPLEMENTATIONS?.split(",")
        .map((a) => a.trim())
        .filter(Boolean) ?? fromFile.walletImplementations,
    instanceId: pick(values["instance-id"], "LEASH_RELAYER_INSTANCE_ID") ?? fromFile.instanceId,
    authRequired: values["no-auth"]
      ? false
      : env.LEASH_RELAYER_AUTH === "off"
        ? false
        : (fromFile.authRequired ?? true),
    logLevel:
      (pick(values["log-level"], "LEASH_LOG_LEVEL") as RelayerConfigInput["logLevel"]) ??
      fromFile.logLevel,
    nodeStartupWaitMs:
      nodeWait !== undefined ? Number(nodeWait.trim()) * 1_000 : fromFile.nodeStartupWaitMs,
    signer: {
      keystorePath,
      keystorePassword: env.LEASH_KEYSTORE_PASSWORD,
      privateKey: keystorePath ? undefined : env.LEASH_RELAYER_PRIVATE_KEY,
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env);
  const relayer = await startRelayer(config);
  // Tests and supervisors read this line to learn the bound port.
  process.stdout.write(
    JSON.stringify({ level: "info", msg: "listening", url: relayer.url }) + "\n",
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(JSON.stringify({ level: "info", msg: "signal received", signal }) + "\n");
    relayer.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((error: unknown) => {
    // Only the message, URL passwords removed: a config error must not dump an object that
    // might hold a secret.
    process.stderr.write(
      JSON.stringify({
        level: "error",
        msg: "relayer failed to start",
        error: redactUrlCredentials((error as Error).message),
      }) + "\n",
    );
    process.exit(1);
  });
}
