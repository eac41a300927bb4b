/** Chain providers shared by a command's clients, closed when the command ends. */
import { FetchRequest, JsonRpcProvider } from "ethers";
import { nodeEndpoint, redactUrlCredentials } from "../relayer/nodeUrl.js";
import type { Ctx } from "./context.js";
import { need } from "./config.js";
import { usageError } from "./errors.js";

const providers = new Map<string, JsonRpcProvider>();

export function rpcProvider(ctx: Ctx): JsonRpcProvider {
  const url = need(
    ctx.settings.rpcUrl,
    "RPC URL",
    "pass --rpc-url, set LEASH_RPC_URL, or `rpcUrl` in the config file",
  );
  let provider = providers.get(url);
  if (!provider) {
    try {
      // Userinfo goes into a header: ethers quotes the request URL in its error messages.
      const endpoint = nodeEndpoint(url);
      const request = new FetchRequest(endpoint.url);
      if (endpoint.authorization) request.setHeader("authorization", endpoint.authorization);
      // staticNetwork: one chainId probe, no polling timers that would keep a command alive.
      provider = new JsonRpcProvider(request, undefined, {
        staticNetwork: true,
        pollingInterval: 250,
      });
    } catch {
      throw usageError(`not a usable RPC URL: ${redactUrlCredentials(url)}`);
    }
    providers.set(url, provider);
  }
  return provider;
}

/** Releases providers so the process can exit once the command is done. */
export function closeProviders(): void {
  for (const provider of providers.values()) provider.destroy();
  providers.clear();
}
