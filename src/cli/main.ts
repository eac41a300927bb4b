/**
 * `leash` entry point (`npm run leash -- ...`, `bin/leash.mjs`). Whatever goes wrong ends as one
 * `leash: error: ...` line on stderr (JSON under --json) and a documented exit code, never a
 * stack trace: see errors.ts for the codes.
 */
import "./quietWarnings.js";
import { CommanderError } from "commander";
import { CliError, EXIT, oneLine, toCliError } from "./errors.js";
import { Output } from "./output.js";
import { closeProviders } from "./providers.js";

const wantsJson = (argv: string[]) => argv.includes("--json");

function report(error: CliError, json: boolean): void {
  new Output(json).error(error.message, error.details);
}

function fromCommander(error: CommanderError): CliError | null {
  // Help and version are not errors.
  if (
    error.code === "commander.helpDisplayed" ||
    error.code === "commander.help" ||
    error.code === "commander.version"
  )
    return null;
  // "error: unknown command 'x'\n(Did you mean y?)" -> one line.
  const text = error.message.replace(/^error:\s*/, "").replace(/\s*\n\s*/g, " ");
  if (error.code === "commander.executeSubCommandAsync") return new CliError(oneLine(text));
  return new CliError(oneLine(text), EXIT.usage);
}

async function loadProgram() {
  try {
    return (await import("./program.js")).buildProgram();
  } catch (error) {
    // The SDK imports the generated contract bindings: missing before the first build.
    if (/typechain-types/.test(String((error as Error).message)))
      throw new CliError(
        "contract bindings missing: run `npx hardhat build` first (npm start does it)",
      );
    throw error;
  }
}

async function run(argv: string[]): Promise<number> {
  try {
    const program = await loadProgram();
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      const cli = fromCommander(error);
      if (!cli) return EXIT.ok;
      report(cli, wantsJson(argv));
      return cli.exitCode;
    }
    const cli = toCliError(error);
    report(cli, wantsJson(argv));
    return cli.exitCode;
  }
}

function lastResort(error: unknown): void {
  // An error outside the command's promise (a stray rejection in a library): still one line.
  const cli = toCliError(error);
  report(cli, wantsJson(process.argv));
  process.exit(cli.exitCode === EXIT.ok ? EXIT.failure : cli.exitCode);
}

process.on("uncaughtException", lastResort);
process.on("unhandledRejection", lastResort);

const code = await run(process.argv.slice(2));
process.exitCode = code;
closeProviders();
// Sockets a library left open (keep-alive, providers) must not keep a finished command alive.
setTimeout(() => process.exit(code), 1500).unref();
