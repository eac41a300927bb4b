/**
 * The local chain of `leash dev`: the project's own Hardhat node in a child process on a free
 * port, its output in a log file. Stopping it is part of every exit path (Ctrl-C, --once, errors).
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

export interface LocalChain {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startLocalChain(options: {
  projectRoot: string;
  logFile: string;
  port?: number;
  timeoutMs?: number;
}): Promise<LocalChain> {
  const port = options.port ?? (await freePort());
  // The `hardhat` bin of the project (hardhat's exports map hides the file from resolution).
  const hardhatCli = join(options.projectRoot, "node_modules", "hardhat", "dist", "src", "cli.js");
  if (!existsSync(hardhatCli))
    throw new CliError(`hardhat is not installed in ${options.projectRoot}: run npm install`);
  const log = openSync(options.logFile, "w");
  let child: ChildProcess;
  try {
    child = spawn(
      process.execPath,
      [hardhatCli, "node", "--hostname", "127.0.0.1", "--port", String(port)],
      { cwd: options.projectRoot, stdio: ["ignore", log, log] },
    );
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
    stop: async () => {
      if (exited) return;
      const done = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([done, sleep(3_000)]);
      if (!exited) child.kill("SIGKILL");
    },
  };
}
