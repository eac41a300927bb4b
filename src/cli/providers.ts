/**
 * Chain providers shared by a command's clients, closed when the command ends. The chain id is
 * probed once up front: an unreachable node is one clear error, and ethers gets a static network
 * (no background network detection, no retry chatter on the console).
 */
import { JsonRpcProvider, Network } from "ethers";
import type { Ctx } from "./context.js";
import { need } from "./config.js";
import { CliError, EXIT, oneLine, usageError } from "./errors.js";

const providers = new Map<string, Promise<JsonRpcProvider>>();
const opened: JsonRpcProvider[] = [];

async function probeChainId(url: string): Promise<bigint> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new CliError(
      `cannot reach the chain at ${url}: ${oneLine(cause ?? (error as Error).message)}`,
      EXIT.failure,
    );
  }
  const body = (await response.json().catch(() => null)) as { result?: unknown } | null;
  if (typeof body?.result !== "string" || !/^0x[0-9a-fA-F]+$/.test(body.result))
    throw new CliError(
      `${url} is not an Ethereum JSON-RPC endpoint (no eth_chainId)`,
      EXIT.failure,
    );
  return BigInt(body.result);
}

export function rpcProvider(ctx: Ctx): Promise<JsonRpcProvider> {
  const url = need(
    ctx.settings.rpcUrl,
    "RPC URL",
    "pass --rpc-url, set LEASH_RPC_URL, or `rpcUrl` in the config file",
  );
  if (!/^https?:\/\//.test(url)) throw usageError(`the RPC URL must be http(s): ${url}`);
  let provider = providers.get(url);
  if (!provider) {
    provider = probeChainId(url).then((chainId) => {
      const network = Network.from(chainId);
      const p = new JsonRpcProvider(url, network, { staticNetwork: network, pollingInterval: 250 });
      opened.push(p);
      return p;
    });
    providers.set(url, provider);
  }
  return provider;
}

/** Releases providers so the process can exit once the command is done. */
export function closeProviders(): void {
  for (const provider of opened) provider.destroy();
  opened.length = 0;
  providers.clear();
}
