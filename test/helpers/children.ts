/**
 * Processes that tests start. Each runs in its own process group, so stopping it also stops what it started
 * (a `leash dev` child's Hardhat node, the PostgreSQL server behind `scripts/postgres-server.ts`). Whatever a test
 * left running — it failed, threw, or timed out before its own clean-up — is killed when the run ends, so a failing
 * test never hangs the run nor leaves a server behind.
 */
import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process";

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already (or never formed): signal the child itself.
    child.kill(signal);
  }
}

/** `spawn` in a new process group, registered for clean-up at the end of the run. */
export function spawnTracked(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

/** Signals a tracked child's whole process group (the child and everything it started). */
export function signalTracked(child: ChildProcess, signal: NodeJS.Signals): void {
  killGroup(child, signal);
}

/** Stops a child: `signal` first, SIGKILL to its whole group after `graceMs`. Resolves once it exited. */
export async function stopTracked(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
  graceMs = 5_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  killGroup(child, signal);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    exited,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (child.exitCode === null && child.signalCode === null) {
    killGroup(child, "SIGKILL");
    await exited;
  }
}

/** SIGKILLs every tracked process group still running. */
export function killAllTracked(): void {
  for (const child of live) killGroup(child, "SIGKILL");
}

process.once("exit", killAllTracked);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killAllTracked();
    process.kill(process.pid, signal);
  });
}
// A root-level hook (this module is loaded by mocha through the test helpers): runs after every test, passed or
// not, so children whose test failed or timed out don't keep the run alive through their open pipes.
if (typeof after === "function") after(killAllTracked);
