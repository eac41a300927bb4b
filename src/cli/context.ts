/** What every command action gets: resolved settings, output, environment. */
import type { Command } from "commander";
import { resolveSettings, type GlobalFlags, type Settings } from "./config.js";
import { Output } from "./output.js";

export interface Ctx {
  settings: Settings;
  out: Output;
  env: NodeJS.ProcessEnv;
  flags: GlobalFlags;
}

export function contextOf(command: Command): Ctx {
  const flags = command.optsWithGlobals<GlobalFlags>();
  const out = new Output(flags.json === true, process.stdout, process.stderr, flags.quiet === true);
  return { settings: resolveSettings(flags, process.env), out, env: process.env, flags };
}

/**
 * Wraps a command action: commander passes the positional arguments, then the options, then the
 * command itself; the wrapper hands the action a context built from the global flags.
 */
export function action<A extends unknown[]>(
  run: (ctx: Ctx, ...args: A) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    await run(contextOf(command), ...(args.slice(0, -1) as A));
  };
}
