/** The `leash` command tree. Each group lives in commands/; this file only wires them. */
import { Command } from "commander";
import { registerAgent } from "./commands/agent.js";
import { registerApiKey } from "./commands/apikey.js";
import { registerAudit } from "./commands/audit.js";
import { registerConfig } from "./commands/config.js";
import { registerConsole } from "./commands/console.js";
import { registerDev } from "./commands/dev.js";
import { registerFund } from "./commands/fund.js";
import { registerKey } from "./commands/key.js";
import { registerMcp } from "./commands/mcp.js";
import { registerPause } from "./commands/pause.js";
import { registerPay } from "./commands/pay.js";
import { registerPolicy } from "./commands/policy.js";
import { registerProposal } from "./commands/proposal.js";
import { registerRelayer } from "./commands/relayer.js";
import { registerWallet } from "./commands/wallet.js";
import { registerWebhook } from "./commands/webhook.js";

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
    .option(
      "--direct",
      "owners/guardians: send a transaction paid by your key instead of going through the relayer",
    )
    .option("--wallet <address>", "the wallet to act on (env LEASH_WALLET)")
    .option("--keystore <path>", "encrypted keystore of the signing key (env LEASH_KEYSTORE)")
    .option(
      "--as <names>",
      "sign with named key(s) from the config file's `keys` (a,b for several)",
    )
    .showSuggestionAfterError(true)
    // `leash proposal approve --help` lists --as, --json, --config… too (subcommands inherit this setting).
    .configureHelp({ showGlobalOptions: true });
  registerDev(program);
  registerConsole(program);
  registerFund(program);
  registerWallet(program);
  registerAgent(program);
  registerPolicy(program);
  registerProposal(program);
  registerPause(program);
  registerWebhook(program);
  registerPay(program);
  registerMcp(program);
  registerRelayer(program);
  registerApiKey(program);
  registerAudit(program);
  registerKey(program);
  registerConfig(program);
  // Every command reports errors the same way: commander throws, main prints one line.
  const harden = (command: Command) => {
    command
      .exitOverride()
      .configureOutput({ outputError: () => {} })
      .showSuggestionAfterError(true);
    for (const sub of command.commands) harden(sub);
  };
  harden(program);
  return program;
}
