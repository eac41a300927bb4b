/**
 * A Hardhat network hook (plugin `leash-network-errors` in hardhat.config.ts): when a remote node can't
 * be reached, say so in one line naming the network and the cause, instead of Hardhat's "unexpected
 * error" with a stack trace. The message carries the host's error (e.g. `getaddrinfo ENOTFOUND host`),
 * never the RPC URL, whose path often holds a provider API key.
 */
import { HardhatPluginError } from "hardhat/plugins";
import type { NetworkHooks } from "hardhat/types/hooks";

const UNREACHABLE = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** The innermost cause with a system error code, if the failure is "could not reach the host". */
function unreachableCause(error: unknown): string | undefined {
  let found: string | undefined;
  for (
    let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 10;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.code === "string" && UNREACHABLE.has(e.code))
      found = typeof e.message === "string" ? e.message : e.code;
  }
  return found;
}

export default async (): Promise<Partial<NetworkHooks>> => ({
  async onRequest(context, connection, request, next) {
    try {
      return await next(context, connection, request);
    } catch (error) {
      const cause = connection.networkConfig.type === "http" ? unreachableCause(error) : undefined;
      if (cause === undefined) throw error;
      throw new HardhatPluginError(
        "leash-network-errors",
        `network "${connection.networkName}": its node could not be reached when asked ${request.method} (${cause}). ` +
          "Check the network's RPC URL (its configuration variable) and this machine's connection.",
      );
    }
  },
});
