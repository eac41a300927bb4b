/**
 * Builds the SDK clients a command needs from the resolved settings: the CLI holds no wallet
 * logic of its own, it decrypts keys, picks URLs and addresses, and hands them to src/client.
 */
import type { Provider, Wallet } from "ethers";
import { AgentClient, OwnerClient, formatAmount } from "../client/core.js";
import type { Ctx } from "./context.js";
import { parseAddress, need } from "./config.js";
import { CliError, EXIT, usageError } from "./errors.js";
import { keystoreAddress, loadKeystore } from "./keystore.js";
import { rpcProvider } from "./providers.js";

export { rpcProvider };

export function walletAddress(ctx: Ctx): string {
  return parseAddress(
    need(
      ctx.settings.wallet,
      "wallet",
      "pass --wallet, set LEASH_WALLET, or `wallet` in the config file",
    ),
    "wallet",
  );
}

const KEY_HINT =
  "pass --keystore <path> or --as <name>, set LEASH_KEYSTORE, or `keystore` in the config file";

/** The addresses of the signing keystores, without decrypting them. */
export function signerAddresses(ctx: Ctx): string[] {
  if (ctx.settings.keystores.length === 0) throw usageError(`no signing key: ${KEY_HINT}`);
  return ctx.settings.keystores.map(keystoreAddress);
}

/**
 * Decrypted signing keys (owners / guardian), connected to the chain. Keys are decrypted before
 * the chain is contacted: a wrong password is reported without any network round trip.
 */
export async function signers(ctx: Ctx): Promise<Wallet[]> {
  if (ctx.settings.keystores.length === 0) throw usageError(`no signing key: ${KEY_HINT}`);
  const keys: Wallet[] = [];
  for (const path of ctx.settings.keystores) keys.push(await loadKeystore(path, ctx.env));
  const provider = await rpcProvider(ctx);
  return keys.map((key) => key.connect(provider));
}

/** An OwnerClient over the local keys (one owner, a guardian, or several owners with --as a,b). */
export async function ownerClient(ctx: Ctx): Promise<OwnerClient> {
  const wallet = walletAddress(ctx);
  const keys = await signers(ctx);
  const provider = await rpcProvider(ctx);
  await requireCode(provider, wallet);
  // Owners and guardians act through the relayer when there is one (their keys need no ETH), unless --direct.
  const relayerUrl = ctx.flags.direct ? undefined : ctx.settings.relayerUrl;
  return new OwnerClient({
    wallet,
    signers: keys,
    provider,
    ...(relayerUrl
      ? { relayer: { url: relayerUrl, apiKey: ctx.settings.ownerApiKey ?? ctx.settings.apiKey } }
      : {}),
  });
}

/** An OwnerClient for reads only: no key is decrypted. */
export async function readerClient(ctx: Ctx): Promise<OwnerClient> {
  const wallet = walletAddress(ctx);
  const provider = await rpcProvider(ctx);
  await requireCode(provider, wallet);
  return new OwnerClient({ wallet, signers: [], provider });
}

export async function agentClient(ctx: Ctx): Promise<AgentClient> {
  const wallet = walletAddress(ctx);
  const relayerUrl = need(
    ctx.settings.relayerUrl,
    "relayer URL",
    "pass --relayer-url, set LEASH_RELAYER_URL, or `relayerUrl` in the config file",
  );
  const path = need(
    ctx.settings.agentKeystore,
    "agent key",
    "pass --keystore <path> or --as <name>, set LEASH_AGENT_KEYSTORE, or `agentKeystore` in the config file",
  );
  const key = await loadKeystore(path, ctx.env);
  return new AgentClient({
    wallet,
    key,
    relayerUrl,
    apiKey: ctx.settings.apiKey,
    // With a node URL reads go straight to it; without one, through the relayer.
    provider: ctx.settings.rpcUrl ? await rpcProvider(ctx) : undefined,
  });
}

async function requireCode(provider: Provider, address: string): Promise<void> {
  let code: string;
  try {
    code = await provider.getCode(address);
  } catch (error) {
    const message = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message;
    throw new CliError(`cannot reach the chain: ${message}`, EXIT.failure);
  }
  if (code === "0x") throw usageError(`no wallet deployed at ${address} on this chain`);
}

/** "1.5 ETH" style, or "no cap" for null / max. */
export function amountText(
  value: bigint | null | undefined,
  decimals = 18,
  symbol = "ETH",
  zeroMeans = "0",
): string {
  if (value === null || value === undefined) return "no cap";
  if (value === 0n) return zeroMeans === "0" ? `0 ${symbol}` : zeroMeans;
  if (value >= 1n << 255n) return "no cap";
  return `${formatAmount(value, decimals)} ${symbol}`.trim();
}

/** Seconds since the epoch → ISO time (or "-" for 0). */
export function timeText(seconds: bigint | number | null | undefined): string {
  if (seconds === null || seconds === undefined || BigInt(seconds) === 0n) return "-";
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}
