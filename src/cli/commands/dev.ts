/**
 * `leash dev` (`npm start`): the one-command local stack and its scripted scene. Without --once
 * it keeps running until Ctrl-C so the same wallet can be driven by hand with the CLI.
 * `--rpc-url` runs it against a node the user already runs; `--persist` keeps everything across
 * restarts (anvil's state file), `--reset` starts clean.
 */
import { isAbsolute, relative, resolve } from "node:path";
import type { Command } from "commander";
import { action, type Ctx } from "../context.js";
import { renderFields } from "../output.js";
import type { SceneReport } from "../dev/scene.js";
import type { DevStack } from "../dev/stack.js";
import { usageError } from "../errors.js";
import { parseIntOption } from "../units.js";
import { PROJECT_ROOT } from "../../projectRoot.js";

/** Loaded when `leash dev` runs, not when the CLI starts: the stack pulls in Hardhat, the relayer, Ignition. */
type DevModule = typeof import("../dev/stack.js");

interface DevOptions {
  once?: boolean;
  scene: boolean;
  port?: string;
  relayerPort?: string;
  consolePort?: string;
  stateDir: string;
  chain?: string;
  persist?: boolean;
  reset?: boolean;
}

/** A path as the user would type it from here: relative inside the cwd, absolute outside. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

function summary(ctx: Ctx, stack: DevStack, stateDir: string, dev: DevModule): void {
  const { DEMO, DEV_KEYSTORE_PASSWORD } = dev;
  const { out } = ctx;
  out.line("\nLeash dev stack");
  out.line(
    renderFields([
      [
        "chain (JSON-RPC)",
        `${stack.chain.url}  (chain id ${stack.chainId}, ${stack.chain.kind === "external" ? "your node" : stack.chain.kind})`,
      ],
      ["relayer", stack.relayer.url],
      ["relayer health", `${stack.relayer.url}health`],
      [
        "owner console",
        `${stack.console.url}  (open it; sign in with the wallet and the owners' API key below)`,
      ],
      ["EntryPoint v0.8", stack.addresses.entryPoint],
      ["wallet implementation", stack.addresses.implementation],
      ["wallet module (management)", stack.addresses.module],
      ["factory", stack.addresses.factory],
      ["passkey owner factory", stack.addresses.passkeyOwnerFactory],
      ["lens (every wallet view)", stack.addresses.lens],
      ["demo wallet", `${stack.wallet}  (2 of 3 owners, funded ${DEMO.walletFunding} ETH)`],
      ["owners", stack.owners.map((o) => o.address).join(", ")],
      ["guardian", stack.guardian.address],
      ["agent (session key)", stack.agent.address],
      [
        "agent policy (ETH)",
        `per payment ${DEMO.limits.perTx}, approval above ${DEMO.limits.approvalAbove}, daily ${DEMO.limits.daily}, weekly ${DEMO.limits.weekly}, monthly ${DEMO.limits.monthly}; only to the merchant`,
      ],
      ["merchant (allowlisted)", stack.merchant],
      [
        "agent API key",
        `${stack.apiKey}  (this agent's ops only; shown once; also in ${shown(stack.configPath)})`,
      ],
      [
        "owners' API key",
        `${stack.ownerApiKey}  (the wallet: owners' ops, approvals, console; also in ${shown(stack.configPath)})`,
      ],
      [
        "state",
        `${stateDir}  (config.json, keys/ with password "${DEV_KEYSTORE_PASSWORD}", relayer.sqlite, logs)`,
      ],
    ]),
  );
}

function handHint(ctx: Ctx, stack: DevStack, configFlag: string, dev: DevModule): void {
  const { DEV_KEYSTORE_PASSWORD } = dev;
  const leash = `npm run leash --${configFlag}`;
  const m = stack.merchant;
  ctx.out.line(
    [
      "",
      "Drive the same wallet by hand, in another terminal in the project directory:",
      `  export LEASH_KEYSTORE_PASSWORD=${DEV_KEYSTORE_PASSWORD}     # the dev keystores' password`,
      `  ${leash} wallet show`,
      `  ${leash} policy show ${stack.agent.address}`,
      "  # the agent pays: within limits (executed), over the cap (refused, exit 3), above approval (escalated)",
      `  ${leash} pay ${m} 0.05`,
      `  ${leash} pay ${m} 5`,
      `  ${leash} pay ${m} 0.5`,
      "  # owners see the escalation, two approve it, anyone executes it",
      `  ${leash} proposal list`,
      `  ${leash} proposal approve <id> --as owner1,owner2 --yes`,
      `  ${leash} proposal execute <id>`,
      "  # a guardian pauses; the history; the relayer's API keys and audit log",
      `  ${leash} pause --as guardian`,
      `  ${leash} audit history`,
      `  ${leash} apikey list`,
      `  ${leash} audit verify`,
    ].join("\n"),
  );
}

export function registerDev(program: Command): void {
  program
    .command("dev")
    .description(
      "local chain + contracts (Ignition) + demo wallet + relayer, then a scripted scene; runs until Ctrl-C",
    )
    .option("--once", "run the scene and exit: 0 only if every step had its expected outcome")
    .option("--no-scene", "start the stack without running the scene")
    .option("--port <port>", "chain port (default 8545 if free, else any; 0 = any)")
    .option("--relayer-port <port>", "relayer port (default 4337 if free, else any; 0 = any)")
    .option("--console-port <port>", "owner console port (default 5174 if free, else any; 0 = any)")
    .option("--state-dir <dir>", "where keys, config and the relayer database go", ".leash")
    .option("--chain <node>", "which local node to start: hardhat (default) or anvil")
    .option(
      "--persist",
      "keep the chain (anvil state file), keys, API key and relayer database across restarts",
    )
    .option("--reset", "wipe the state directory's chain, keys, config and database first")
    .addHelpText(
      "after",
      "\nWith the global --rpc-url <url> it uses a node you already run (e.g. `anvil`) instead of starting one.",
    )
    .action(
      action(async (ctx, opts: DevOptions) => {
        const stateDir = resolve(opts.stateDir);
        const started = Date.now();
        if (opts.chain !== undefined && opts.chain !== "hardhat" && opts.chain !== "anvil")
          throw usageError(`--chain must be hardhat or anvil, got ${opts.chain}`);
        const dev = await import("../dev/stack.js");
        const { runScene, sceneFailure } = await import("../dev/scene.js");
        const stack = await dev.startDevStack(
          {
            projectRoot: PROJECT_ROOT,
            stateDir,
            // Only the flag: a URL from the environment or an old config must not redirect `leash dev`.
            rpcUrl: ctx.flags.rpcUrl,
            chain: opts.chain as "hardhat" | "anvil" | undefined,
            persist: opts.persist === true,
            reset: opts.reset === true,
            chainPort:
              opts.port === undefined ? undefined : parseIntOption(opts.port, "--port", 65535),
            relayerPort:
              opts.relayerPort === undefined
                ? undefined
                : parseIntOption(opts.relayerPort, "--relayer-port", 65535),
            consolePort:
              opts.consolePort === undefined
                ? undefined
                : parseIntOption(opts.consolePort, "--console-port", 65535),
          },
          (label, work, done) => ctx.out.step(label, work, done),
        );
        let stopped = false;
        const shutdown = async () => {
          if (stopped) return;
          stopped = true;
          await stack.stop();
        };
        try {
          summary(ctx, stack, stateDir, dev);
          let report: SceneReport | undefined;
          if (stack.restored)
            ctx.out.line(
              "\nRestored the persisted stack: same chain, wallet, keys and API key (the scene ran on the first start).",
            );
          else if (opts.scene) {
            ctx.out.line(
              "\nScene: an agent pays under its policy, owners approve, a guardian pauses",
            );
            report = await runScene(dev.sceneSteps(stack), ctx.out);
            const passed = report.steps.filter((s) => s.ok).length;
            ctx.out.line(
              `\n${report.ok ? "✔" : "✖"} scene: ${passed} of ${report.steps.length} steps had their expected outcome (${((Date.now() - started) / 1000).toFixed(1)} s since start)`,
            );
          }
          // `npm run` runs in the project root, where it finds .leash/config.json by itself;
          // any other state directory is named, relative to that root when inside it.
          const fromRoot = relative(PROJECT_ROOT, stack.configPath);
          const configFlag =
            stateDir === resolve(PROJECT_ROOT, ".leash")
              ? ""
              : ` --config ${fromRoot.startsWith("..") || isAbsolute(fromRoot) ? stack.configPath : fromRoot}`;
          if (ctx.out.json)
            ctx.out.result(
              {
                ok: report?.ok ?? true,
                chain: stack.chain.url,
                chainId: stack.chainId.toString(),
                restored: stack.restored,
                deployed: stack.deployed,
                relayer: stack.relayer.url,
                console: stack.console.url,
                addresses: stack.addresses,
                wallet: stack.wallet,
                owners: stack.owners.map((o) => o.address),
                guardian: stack.guardian.address,
                agent: stack.agent.address,
                merchant: stack.merchant,
                apiKey: stack.apiKey,
                ownerApiKey: stack.ownerApiKey,
                config: stack.configPath,
                steps: report?.steps ?? [],
              },
              () => "",
            );
          if (opts.once) {
            const failure = report ? sceneFailure(report) : null;
            if (failure) throw failure;
            return;
          }
          handHint(ctx, stack, configFlag, dev);
          ctx.out.line("\nLeash dev stack is running. Ctrl-C to stop.");
          await new Promise<void>((resolveStop) => {
            const onSignal = () => {
              process.off("SIGINT", onSignal);
              process.off("SIGTERM", onSignal);
              ctx.out.note("\nstopping the relayer and the chain…");
              resolveStop();
            };
            process.on("SIGINT", onSignal);
            process.on("SIGTERM", onSignal);
          });
        } finally {
          await shutdown();
        }
      }),
    );
}
