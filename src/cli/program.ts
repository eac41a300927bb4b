/** The `leash` command tree. Each group lives in commands/; this file only wires them. */
import { Command, Option } from "commander";
import { registerApiKey } from "./commands/apikey.js";
import { registerAuditVerify } from "./commands/audit.js";
import { registerRelayer } from "./commands/relayer.js";

export function buildProgram(): Command {
  const program = new Command("leash")
    .description("Leash: a smart wallet where AI agents pay under on-chain rules")
    .version("0.1.0", "-V, --version")
    .option(
      "--config <path>",
      "config file (default ./.leash/config.json, then ~/.leash/config.json)",
    )
    .option("--json", "machine-readable output: one JSON document on stdout")
    .option("-q, --quiet", "no progress output")
    .option("--rpc-url <url>", "JSON-RPC URL of the chain (env LEASH_RPC_URL)")
    .option("--relayer-url <url>", "URL of the Leash relayer (env LEASH_RELAYER_URL)")
    .option("--wallet <address>", "the wallet to act on (env LEASH_WALLET)")
    .option("--keystore <path>", "encrypted keystore of the signing key (env LEASH_KEYSTORE)")
    .option("--as <name>", "sign with a named key from the config file's `keys`")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // Commander's own error text is re-printed by main as one `leash: error:` line.
      outputError: () => {},
    });
  registerRelayer(program);
  registerApiKey(program);
  const audit = program
    .command("audit")
    .description("the wallet's history and the relayer's audit log");
  registerAuditVerify(audit);
  // Every subcommand reports errors the same way as the root.
  const harden = (command: Command) => {
    for (const sub of command.commands) {
      sub
        .exitOverride()
        .configureOutput({ outputError: () => {} })
        .showSuggestionAfterError(true);
      harden(sub);
    }
  };
  harden(program);
  return program;
}

export { Option };
