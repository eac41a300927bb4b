/**
 * `leash relayer start`: the relayer (src/relayer) in the foreground, configured the CLI way
 * (flags > env > config file). The relayer's own JSON file (`--relayer-config`, limits and rate
 * tiers) keeps working: it is handed to the relayer's `loadConfig` underneath our values.
 */
import type { Command } from "commander";
import type { InterfaceAbi } from "ethers";
import { action } from "../context.js";
import { CliError, EXIT, oneLine, usageError } from "../errors.js";
import { keystorePassword } from "../keystore.js";

interface StartOptions {
  entryPoint?: string;
  db?: string;
  host?: string;
  port?: string;
  auth: boolean;
  logLevel?: string;
  instanceId?: string;
  relayerConfig?: string;
}

export function registerRelayer(program: Command): void {
  const relayer = program.command("relayer").description("run the ERC-4337 relayer");
  relayer
    .command("start")
    .description(
      "start the relayer in the foreground (signer: --keystore / LEASH_KEYSTORE, or LEASH_RELAYER_PRIVATE_KEY on a dev chain)",
    )
    .option("--entry-point <address>", "EntryPoint v0.8 to bundle for (env LEASH_ENTRY_POINT)")
    .option("--db <url>", "store: sqlite:<path> or postgres://... (env LEASH_RELAYER_DB)")
    .option("--host <host>", "interface to listen on (default 127.0.0.1)")
    .option("--port <port>", "port to listen on (default 4337, 0 = any free port)")
    .option("--no-auth", "accept requests without an API key (dev only)")
    .option("--log-level <level>", "debug | info | warn | error")
    .option("--instance-id <id>", "lease owner id when several instances share PostgreSQL")
    .option("--relayer-config <path>", "the relayer's JSON config (limits, rate tiers, bundler)")
    .action(
      action(async (ctx, opts: StartOptions) => {
        const { settings, env } = ctx;
        // The owner keystore in a config file is not the relayer's signer: only an explicit
        // --keystore or LEASH_KEYSTORE names the relayer's key.
        const keystore = ctx.flags.keystore ?? env.LEASH_KEYSTORE;
        if (ctx.flags.as) throw usageError("relayer start takes --keystore, not --as");
        const argv: string[] = [];
        const put = (flag: string, value: string | undefined) => {
          if (value !== undefined) argv.push(flag, value);
        };
        put("--config", opts.relayerConfig);
        put("--rpc-url", settings.rpcUrl);
        put("--entry-point", opts.entryPoint ?? settings.entryPoint);
        put("--db", opts.db ?? settings.db);
        put("--host", opts.host);
        put("--port", opts.port);
        put("--keystore", keystore);
        put("--log-level", opts.logLevel);
        put("--instance-id", opts.instanceId);
        if (!opts.auth) argv.push("--no-auth");
        if (opts.port !== undefined && !/^\d{1,5}$/.test(opts.port))
          throw usageError(`--port must be a number: ${opts.port}`);
        const relayerEnv = { ...env };
        if (keystore) relayerEnv.LEASH_KEYSTORE_PASSWORD = await keystorePassword(env);
        // Loaded here, not at CLI start: the relayer brings fastify, pino, prom-client, the stores.
        const { loadConfig } = await import("../../relayer/main.js");
        const { startRelayer } = await import("../../relayer/relayer.js");
        const { IAgentWallet__factory } = await import("../../../typechain-types/index.js");
        let config;
        try {
          config = loadConfig(argv, relayerEnv);
        } catch (error) {
          throw usageError(oneLine((error as Error).message));
        }
        config.walletErrorAbi = IAgentWallet__factory.abi as unknown as InterfaceAbi;
        let running;
        try {
          running = await startRelayer(config);
        } catch (error) {
          throw new CliError(`relayer failed to start: ${oneLine((error as Error).message)}`);
        }
        ctx.out.note(`relayer listening on ${running.url} (signer ${running.signerAddress})`);
        await new Promise<void>((resolveStop) => {
          const stop = () => {
            process.off("SIGINT", stop);
            process.off("SIGTERM", stop);
            running.close().then(resolveStop, resolveStop);
          };
          process.on("SIGINT", stop);
          process.on("SIGTERM", stop);
        });
        process.exitCode = EXIT.ok;
      }),
    );
}
