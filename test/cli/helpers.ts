/**
 * Runs the `leash` CLI as a user would: a separate Node process (tsx loader) with its own cwd,
 * HOME and environment, so no config from the developer's machine leaks into a test.
 */
import type { ChildProcess } from "node:child_process";
import { signalTracked, spawnTracked } from "../helpers/children.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const MAIN = join(REPO_ROOT, "src/cli/main.ts");
const TSX = pathToFileURL(join(REPO_ROOT, "node_modules/tsx/dist/loader.mjs")).href;

export function tempDir(prefix = "leash-cli-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An environment with nothing Leash-related inherited, HOME in a temp dir. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("LEASH_") && k !== "HOME") env[k] = v;
  }
  return { ...env, HOME: tempDir("leash-home-"), NODE_NO_WARNINGS: "1", ...extra };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The command line that runs `leash <args>` (for hosts that spawn it themselves, e.g. an MCP client). */
export function leashCommand(args: string[]): { command: string; args: string[] } {
  return { command: process.execPath, args: ["--import", TSX, MAIN, ...args] };
}

export function spawnLeash(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ChildProcess {
  // Its own process group: killing it also stops what it started (e.g. `leash dev`'s Hardhat node).
  const { command, args: argv } = leashCommand(args);
  return spawnTracked(command, argv, {
    cwd: options.cwd ?? tempDir(),
    env: options.env ?? cleanEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Runs `leash <args>` to completion. */
export async function leash(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const child = spawnLeash(args, options);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const code = await new Promise<number | null>((resolveExit, reject) => {
    const timer = setTimeout(() => {
      signalTracked(child, "SIGKILL");
      reject(new Error(`leash ${args.join(" ")} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once("exit", (c) => {
      clearTimeout(timer);
      resolveExit(c);
    });
  });
  return { code, stdout, stderr };
}

/** stderr of a failed command: exactly one `leash: error:` line, never a stack trace. */
export function errorLine(result: RunResult): string {
  const lines = result.stderr.split("\n").filter((l) => l.trim() !== "");
  const errors = lines.filter((l) => l.startsWith("leash: error: "));
  if (errors.length !== 1 || /\n\s+at /.test(result.stderr))
    throw new Error(`expected one error line, got:\n${result.stderr}`);
  return errors[0].slice("leash: error: ".length);
}

export function json<T = Record<string, unknown>>(result: RunResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(
      `stdout is not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`,
    );
  }
}

export { rpc } from "../../src/cli/dev/chain.js";

export interface DevStackProcess {
  stateDir: string;
  configPath: string;
  config: {
    rpcUrl: string;
    relayerUrl: string;
    wallet: string;
    factory: string;
    apiKey: string;
    ownerApiKey: string;
    demo: { merchant: string; owners: string[]; guardian: string; agent: string };
  };
  output: () => string;
  stop(): Promise<number | null>;
}

/**
 * `leash dev --no-scene` in the background (free ports, temp state dir unless given, extra flags
 * such as --persist), ready to be driven.
 */
export async function startDevStack(
  options: { stateDir?: string; args?: string[] } = {},
): Promise<DevStackProcess> {
  const stateDir = options.stateDir ?? tempDir("leash-dev-");
  const child = spawnLeash(
    [
      "dev",
      "--no-scene",
      "--state-dir",
      stateDir,
      "--port",
      "0",
      "--relayer-port",
      "0",
      ...(options.args ?? []),
    ],
    { cwd: stateDir },
  );
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`leash dev did not start:\n${output}`)),
      90_000,
    );
    const check = () => {
      if (output.includes("Leash dev stack is running")) {
        clearTimeout(timer);
        resolveReady();
      }
    };
    child.stdout!.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`leash dev exited (${code}) during start:\n${output}`));
    });
  });
  const configPath = join(stateDir, "config.json");
  const { readFileSync } = await import("node:fs");
  const config = JSON.parse(readFileSync(configPath, "utf8")) as DevStackProcess["config"];
  return {
    stateDir,
    configPath,
    config,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      return exited;
    },
  };
}
