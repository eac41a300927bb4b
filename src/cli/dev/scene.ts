/**
 * The scripted scene of `leash dev`: each step states what must happen and checks it against
 * the chain (balances, proposal state, pause flag) and the typed errors the SDK returns. A step
 * whose outcome differs stops the scene; `--once` then exits non-zero naming that step.
 */
import type { Output } from "../output.js";
import { CliError, EXIT, oneLine } from "../errors.js";

export interface SceneStep {
  title: string;
  /** The expected outcome, in words, printed with the result. */
  expect: string;
  /** Runs the step; returns what happened (one line) or throws a StepFailure / any error. */
  run: () => Promise<string>;
}

export class StepFailure extends Error {}

/** Throws a StepFailure unless `condition` holds. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new StepFailure(message);
}

export interface StepResult {
  step: number;
  title: string;
  expect: string;
  ok: boolean | null; // null: not run (an earlier step failed)
  detail: string;
  ms: number;
}

export interface SceneReport {
  ok: boolean;
  steps: StepResult[];
  failed?: StepResult;
}

/** Runs steps in order; stops at the first failure (later steps build on earlier ones). */
export async function runScene(steps: SceneStep[], out: Output): Promise<SceneReport> {
  const results: StepResult[] = [];
  let failed: StepResult | undefined;
  for (const [index, step] of steps.entries()) {
    const n = index + 1;
    if (failed) {
      results.push({
        step: n,
        title: step.title,
        expect: step.expect,
        ok: null,
        detail: "not run",
        ms: 0,
      });
      continue;
    }
    out.line(`\n${n}. ${step.title}`);
    out.line(`   expected: ${step.expect}`);
    const started = Date.now();
    let result: StepResult;
    try {
      const detail = await step.run();
      result = {
        step: n,
        title: step.title,
        expect: step.expect,
        ok: true,
        detail,
        ms: Date.now() - started,
      };
      out.line(`   ✔ ${detail}`);
    } catch (error) {
      const detail =
        error instanceof StepFailure
          ? error.message
          : `unexpected error: ${oneLine(String((error as { message?: unknown })?.message ?? error))}`;
      result = {
        step: n,
        title: step.title,
        expect: step.expect,
        ok: false,
        detail,
        ms: Date.now() - started,
      };
      out.line(`   ✖ ${detail}`);
      failed = result;
    }
    results.push(result);
  }
  return { ok: failed === undefined, steps: results, failed };
}

/** The `--once` verdict: null when every step had its outcome, else the error naming the step. */
export function sceneFailure(report: SceneReport): CliError | null {
  if (report.ok || !report.failed) return null;
  const f = report.failed;
  return new CliError(
    `scene step ${f.step} (${f.title}) did not have its expected outcome: ${f.detail}`,
    EXIT.sceneFailed,
    { step: f.step },
  );
}
