/**
 * `leash console`: serves the owner console (console/dist, `npm run build:console`) for the configured relayer
 * and chain, until Ctrl-C. The page reads public chain state through a read-only proxy to the node and talks to
 * the relayer through a same-origin proxy; it holds no secret (owners sign in with a relayer API key scoped to
 * their wallet and act with their own signatures).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { action } from "../context.js";
import { CliError, usageError } from "../errors.js";
import { renderFields } from "../output.js";
import { parseIntOption } from "../units.js";

interface ConsoleOptions {
  port?: string;
  host?: string;
}

export function registerConsole(program: Command): void {
  program
    .command("console")
    .description("serve the owner console (web page) for the configured relayer; runs until Ctrl-C")
    .option("--port <port>", "port to listen on (default 5174, 0 = any free port)")
    .option("--host <host>", "interface to listen on (default 127.0.0.1)")
    .action(
      action(async (ctx, opts: ConsoleOptions) => {
        const { settings } = ctx;
        if (!settings.relayerUrl)
          throw usageError("no relayer configured: pass --relayer-url or set LEASH_RELAYER_URL");
        if (!settings.rpcUrl)
          throw usageError("no chain configured: pass --rpc-url or set LEASH_RPC_URL");
        const { CONSOLE_DIST, startConsoleServer } = await import("../console/server.js");
        if (!existsSync(join(CONSOLE_DIST, "index.html")))
          throw new CliError("the console is not built: run `npm run build:console`");
        const { rpc } = await import("../dev/chain.js");
        let chainId: bigint;
        try {
          chainId = BigInt(await rpc<string>(settings.rpcUrl, "eth_chainId"));
        } catch (error) {
          throw new CliError(`the chain node does not answer: ${(error as Error).message}`);
        }
        const server = await startConsoleServer({
          distDir: CONSOLE_DIST,
          relayerUrl: settings.relayerUrl,
          rpcUrl: settings.rpcUrl,
          chainId,
          wallet: settings.wallet,
          host: opts.host,
          port: opts.port === undefined ? 5174 : parseIntOption(opts.port, "--port", 65535),
        });
        if (ctx.out.json) ctx.out.result({ consoleUrl: server.url }, () => "");
        else
          ctx.out.line(
            renderFields([
              ["owner console", server.url],
              ["relayer", settings.relayerUrl],
              ["wallet", settings.wallet ?? "(typed in on the page)"],
            ]),
          );
        ctx.out.note("Ctrl-C to stop.");
        await new Promise<void>((resolveStop) => {
          const onSignal = () => {
            process.off("SIGINT", onSignal);
            process.off("SIGTERM", onSignal);
            resolveStop();
          };
          process.on("SIGINT", onSignal);
          process.on("SIGTERM", onSignal);
        });
        await server.close();
      }),
    );
}
