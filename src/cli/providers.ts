/**
 * Chain providers shared by a command's clients, closed when the command ends. The chain id is
 * probed once up front: an unreachable node is one clear error, and ethers gets a static network
 * (no background network detection, no retry chatter on the console). A URL's userinfo
 * (`user:password@`) is sent as an `Authorization: Basic` header and never printed: `fetch`
 * refuses such URLs, and ethers quotes the request URL in its error messages.
 */
import { FetchRequest, JsonRpcProvider, Network } from "ethers";
import { nodeEndpoint, redactUrlCredentials, type NodeEndpoint } from "../relayer/nodeUrl.js";
import type { Ctx } from "./context.js";
import { need } from "./config.js";
import { CliError, EXIT, oneLine, usageError } from "./errors.js";

const providers = new Map<string, Promise<JsonRpcProvider>>();
const opened: JsonRpcProvider[] = [];

async function probeChainId(endpoint: NodeEndpoint, shown: string): Promise<bigint> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (endpoint.authorization) headers.authorization = endpoint.authorization;
  let response: Response;
  try {
    response = await fetch(endpoint.url, {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new CliError(
      `cannot reach the chain at ${shown}: ${oneLine(redactUrlCredentials(cause ?? (error as Error).message))}`,
      EXIT.failure,
    );
  }
  if (response.status === 401 || response.status === 403)
    throw new CliError(
      `cannot reach the chain at ${shown}: HTTP ${response.status} (the node refused the URL's credentials)`,
      EXIT.failure,
    );
  const body = (await response.json().catch(() => null)) as { result?: unknown } | null;
  if (typeof body?.result !== "string" || !/^0x[0-9a-fA-F]+$/.test(body.result))
    throw new CliError(
      `${shown} is not an Ethereum JSON-RPC endpoint (no eth_chainId)`,
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
  const shown = redactUrlCredentials(url);
  if (!/^https?:\/\//.test(url)) throw usageError(`the RPC URL must be http(s): ${shown}`);
  let endpoint: NodeEndpoint;
  try {
    endpoint = nodeEndpoint(url);
  } catch {
    throw usageError(`not a usable RPC URL: ${shown}`);
  }
  let provider = providers.get(url);
  if (!provider) {
    provider = probeChainId(endpoint, shown).then((chainId) => {
      const network = Network.from(chainId);
      const request = new FetchRequest(endpoint.url);
      if (endpoint.authorization) request.setHeader("authorization", endpoint.authorization);
      const p = new JsonRpcProvider(request, network, {
        staticNetwork: network,
        pollingInterval: 250,
      });
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
