/**
 * The local chain of `leash dev`: the project's own Hardhat node, or anvil (npm @foundry-rs/anvil),
 * in a child process on a free port, its output in a log file. Stopping it is part of every exit path
 * (Ctrl-C, --once, errors). A persisted chain is anvil with `--state <file>`: it loads the file at
 * start and writes it back at exit (and every few seconds, so a crash loses little); Hardhat's node
 * has no state dump, so persistence uses anvil.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { CliError } from "../errors.js";

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

export type ChainKind = "hardhat" | "anvil";

export interface LocalChain {
  url: string;
  port: number;
  /** What runs it: a child we started, or a node the user runs (`leash dev --rpc-url`). */
  kind: ChainKind | "external";
  stop(): Promise<void>;
}

/** A node someone else runs: nothing to start or stop. */
export async function externalChain(url: string): Promise<LocalChain> {
  let port: number;
  try {
    const parsed = new URL(url);
    if (!/^https?:$/.test(parsed.protocol)) throw new Error("not http(s)");
    port = Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80));
  } catch {
    throw new CliError(`--rpc-url must be an http(s) URL, got ${url}`);
  }
  try {
    await rpc(url, "eth_chainId");
  } catch (error) {
    throw new CliError(`no JSON-RPC node answers at ${url}: ${(error as Error).message}`);
  }
  return { url, port, kind: "external", stop: async () => undefined };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startLocalChain(options: {
  projectRoot: string;
  logFile: string;
  port?: number;
  timeoutMs?: number;
  kind?: ChainKind;
  /** anvil only: the state file loaded at start and written at exit. */
  statePath?: string;
}): Promise<LocalChain> {
  const port = options.port ?? (await freePort());
  const kind = options.kind ?? "hardhat";
  let command: string;
  let args: string[];
  if (kind === "hardhat") {
    // The `hardhat` bin of the project (hardhat's exports map hides the file from resolution).
    const hardhatCli = join(
      options.projectRoot,
      "node_modules",
      "hardhat",
      "dist",
      "src",
      "cli.js",
    );
    if (!existsSync(hardhatCli))
      throw new CliError(`hardhat is not installed in ${options.projectRoot}: run npm install`);
    command = process.execPath;
    args = [hardhatCli, "node", "--hostname", "127.0.0.1", "--port", String(port)];
  } else {
    command = join(options.projectRoot, "node_modules", ".bin", "anvil");
    if (!existsSync(command))
      throw new CliError(
        `anvil is not installed in ${options.projectRoot} (npm @foundry-rs/anvil)`,
      );
    args = ["--host", "127.0.0.1", "--port", String(port)];
    if (options.statePath) args.push("--state", options.statePath, "--state-interval", "2");
  }
  const log = openSync(options.logFile, options.statePath ? "a" : "w");
  let child: ChildProcess;
  try {
    child = spawn(command, args, { cwd: options.projectRoot, stdio: ["ignore", log, log] });
  } finally {
    closeSync(log);
  }
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.once("exit", () => (exited = true));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new CliError(`the local chain exited during start (see ${options.logFile})`);
    try {
      await rpc(url, "eth_chainId");
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new CliError(`the local chain did not start in time (see ${options.logFile})`);
      }
      await sleep(100);
    }
  }
  return {
    url,
    port,
    kind,
    stop: async () => {
      if (exited) return;
      const done = new Promise((r) => child.once("exit", r));
      // anvil writes its --state file when interrupted; give it time to.
      child.kill(kind === "anvil" ? "SIGINT" : "SIGTERM");
      await Promise.race([done, sleep(kind === "anvil" ? 10_000 : 3_000)]);
      if (!exited) child.kill("SIGKILL");
    },
  };
}
