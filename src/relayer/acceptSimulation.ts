/**
 * Simulation of ops being accepted (eth_sendUserOperation), batched. Ops that reach simulation in the same
 * turn of the event loop (a burst of clients, many agents at once) are simulated in one eth_call,
 * LeashBundleSimulator.simulateEach, which runs `simulateBundle([op])` for each op and rolls its state back
 * before the next: every op gets exactly the answer its own call would give, against the same latest state,
 * while the node parses the simulator's code and runs one call instead of one per op. Nothing waits to fill
 * a batch: a lone op on an idle relayer is simulated at once, on its own; ops arriving while `maxInFlight`
 * calls are out wait for one to answer and go together in the next.
 */
import { NodeUnavailableError } from "./chain.js";
import type { Logger } from "./logger.js";
import type { BundleExecution, Simulator } from "./simulation.js";
import { userOpGasTotal, type UserOperation } from "./userOp.js";

export interface AcceptBatchLimits {
  /** Ops per eth_call. */
  maxOps: number;
  /**
   * Batch calls in flight at once. Ops arriving while this many are in flight wait for one to answer and go
   * together in the next: under load batches grow by themselves (fewer node calls, and fewer commits, since the
   * ops of one answer are stored in one transaction), while a lone op on an idle relayer still goes at once.
   */
  maxInFlight: number;
  /**
   * Gas budget of one eth_call: twice each op's limits plus 100,000 (what simulateEach checks is left before
   * simulating an op), summed; kept well under the node's eth_call gas cap so ops are rarely asked twice.
   */
  maxGas: bigint;
}

export const DEFAULT_ACCEPT_BATCH: AcceptBatchLimits = {
  maxOps: 64,
  maxGas: 20_000_000n,
  maxInFlight: 2,
};

interface Waiting {
  op: UserOperation;
  resolve(result: BundleExecution): void;
  reject(error: unknown): void;
}

/** What simulateEach checks is left for an op (LeashBundleSimulator._gasNeeded). */
function gasNeeded(op: UserOperation): bigint {
  return (userOpGasTotal(op) - op.preVerificationGas) * 2n + 100_000n;
}

export class AcceptSimulator {
  private queue: Waiting[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly simulator: Simulator,
    private readonly logger: Logger,
    private readonly limits: AcceptBatchLimits = DEFAULT_ACCEPT_BATCH,
  ) {}

  /** The op's validation and execution against the latest state, as `simulateBundle([op])` answers it. */
  simulate(op: UserOperation): Promise<BundleExecution> {
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.schedule();
    });
  }

  /** Sends what waits, in batches, at the end of this turn (ops of the same turn go together). */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < this.limits.maxInFlight && this.queue.length > 0) {
        const batch = this.queue.splice(0, this.batchLength());
        this.inFlight++;
        void this.run(batch).finally(() => {
          this.inFlight--;
          if (this.queue.length > 0) this.schedule();
        });
      }
    });
  }

  /** How many waiting ops make the next batch: within the op count and gas budget (an op over it goes alone). */
  private batchLength(): number {
    let gas = 0n;
    let length = 0;
    for (const entry of this.queue) {
      const need = gasNeeded(entry.op);
      if (length > 0 && (length >= this.limits.maxOps || gas + need > this.limits.maxGas)) break;
      gas += need;
      length++;
    }
    return length;
  }

  private async run(batch: Waiting[]): Promise<void> {
    let answers: (BundleExecution | null)[];
    if (batch.length === 1) {
      answers = [null];
    } else {
      try {
        answers = await this.simulator.simulateEach(batch.map((w) => w.op));
      } catch (error) {
        if (error instanceof NodeUnavailableError) {
          for (const waiting of batch) waiting.reject(error);
          return;
        }
        // The node gave no usable answer for the batch (e.g. a low eth_call gas cap): ask op by op.
        this.logger.warn("batch simulation gave no result; simulating its ops one by one", {
          ops: batch.length,
          error,
        });
        answers = batch.map(() => null);
      }
    }
    await Promise.all(
      batch.map(async (waiting, i) => {
        try {
          waiting.resolve(answers[i] ?? (await this.simulator.simulateBundle([waiting.op])));
        } catch (error) {
          waiting.reject(error);
        }
      }),
    );
  }
}
