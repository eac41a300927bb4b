/**
 * `leash config show`: which settings apply here and where each came from. Secrets are not
 * shown (an RPC URL's password neither).
 */
import type { Command } from "commander";
import { action } from "../context.js";
import { renderFields } from "../output.js";
import { redactUrlCredentials } from "../../relayer/nodeUrl.js";

export function registerConfig(program: Command): void {
  program
    .command("config")
    .description("the settings in effect")
    .command("show")
    .description("resolved settings (flags > env > config file); the API key only as set / not set")
    .action(
      action(async (ctx) => {
        const s = ctx.settings;
        const view = {
          configFile: s.configPath,
          rpcUrl: s.rpcUrl ? redactUrlCredentials(s.rpcUrl) : null,
          relayerUrl: s.relayerUrl ? redactUrlCredentials(s.relayerUrl) : null,
          entryPoint: s.entryPoint ?? null,
          factory: s.factory ?? null,
          passkeyOwnerFactory: s.passkeyOwnerFactory ?? null,
          wallet: s.wallet ?? null,
          db: s.db ?? null,
          keystores: s.keystores,
          agentKeystore: s.agentKeystore ?? null,
          keys: Object.keys(s.keys),
          apiKey: s.apiKey ? "set" : "not set",
          ownerApiKey: s.ownerApiKey ? "set" : "not set",
        };
        ctx.out.result(view, () =>
          renderFields([
            ["config file", view.configFile ?? "(none)"],
            ["rpc url", view.rpcUrl],
            ["relayer url", view.relayerUrl],
            ["entry point", view.entryPoint],
            ["factory", view.factory],
            ["passkey owner factory", view.passkeyOwnerFactory],
            ["wallet", view.wallet],
            ["relayer db", view.db],
            ["signing keystore(s)", view.keystores.join(", ") || null],
            ["agent keystore", view.agentKeystore],
            ["named keys", view.keys.join(", ") || null],
            ["api key", view.apiKey],
            ["owners' api key", view.ownerApiKey],
          ]),
        );
      }),
    );
}
