/**
 * Nonce sequences: an op whose nonce follows ops of the same sender and nonce key still waiting in this
 * relayer (accepted, not yet mined) can't validate alone (AA25: the chain's nonce is behind). As ERC-7562
 * mempools do, it is accepted when it validates and executes on top of those pending predecessors, simulated
 * together in nonce order. Only an unbroken run counts: every nonce from the chain's current one up to the
 * op's own must be pending here, so a gap is still refused. The bundler keeps each run in nonce order and
 * drops an op's pending successors with it (see `successorRemovals`).
 */
import { entryPointInterface } from "./abi.js";
import type { ChainClient } from "./chain.js";
import { InvalidParamsError, ValidationRejectedError } from "./errors.js";
import type { BundleExecution, Simulator } from "./simulation.js";
import type { OpRecord, OpRemoval, RelayerStore } from "./store/types.js";
import { deserializeUserOperation, type UserOperation } from "./userOp.js";

const SEQUENCE_BITS = 64n;
const SEQUENCE_MASK = (1n << SEQUENCE_BITS) - 1n;

export const nonceKeyOf = (nonce: bigint): bigint => nonce >> SEQUENCE_BITS;
export const nonceSequenceOf = (nonce: bigint): bigint => nonce & SEQUENCE_MASK;

/** Is this refusal the EntryPoint's nonce check (AA25)? */
export const isNonceRefusal = (error: { message: string }): boolean =>
  error.message.includes("AA25");

/**
 * The op simulated after its pending predecessors, or null when it has none forming an unbroken run from the
 * chain's nonce (then its own refusal stands). A predecessor that no longer validates refuses the op, naming it.
 */
export async function simulateAfterPredecessors(
  op: UserOperation,
  deps: {
    store: RelayerStore;
    simulator: Simulator;
    chain: ChainClient;
    entryPoint: string;
    /** Ops of one sender and key that may be pending at once, this one included. */
    maxPending: number;
  },
): Promise<{ predecessors: string[]; simulation: BundleExecution } | null> {
  const key = nonceKeyOf(op.nonce);
  const sequence = nonceSequenceOf(op.nonce);
  const open = (await deps.store.listOpenOpsOfSender(deps.entryPoint, op.sender)).filter(
    (record) => {
      const nonce = BigInt(record.nonce);
      return nonceKeyOf(nonce) === key && nonceSequenceOf(nonce) < sequence;
    },
  );
  if (open.length === 0) return null;
  const onChain = await deps.chain.call({
    to: deps.entryPoint,
    data: entryPointInterface.encodeFunctionData("getNonce", [op.sender, key]),
  });
  if (onChain.reverted) return null;
  const next = nonceSequenceOf(BigInt(onChain.result));
  const run = open
    .filter((record) => nonceSequenceOf(BigInt(record.nonce)) >= next)
    .sort((a, b) => (BigInt(a.nonce) < BigInt(b.nonce) ? -1 : 1));
  // Unbroken: exactly the nonces next, next + 1, ..., sequence - 1 (one open op per nonce at most).
  if (BigInt(run.length) !== sequence - next || run.length === 0) return null;
  if (run.length + 1 > deps.maxPending)
    throw new InvalidParamsError(
      `nonce: at most ${deps.maxPending} operations of one sender and nonce key may be pending here; wait for earlier ones to be included`,
      { field: "nonce", maxPending: deps.maxPending, pending: run.length },
    );
  const ops = [...run.map((record) => deserializeUserOperation(record.opJson)), op];
  const simulation = await deps.simulator.simulateBundle(ops);
  const last = ops.length - 1;
  if (!simulation.ok && simulation.opIndex !== last) {
    const culprit = simulation.opIndex === null ? null : run[simulation.opIndex];
    throw new ValidationRejectedError(
      `nonce follows pending operations that no longer validate${culprit ? ` (${culprit.hash})` : ""}: ${simulation.error.message}`,
      { field: "nonce", pendingOp: culprit?.hash ?? null, reason: simulation.error.message },
    );
  }
  const own: BundleExecution = simulation.ok
    ? { ok: true, results: simulation.results.slice(last) }
    : { ok: false, opIndex: 0, error: simulation.error };
  return { predecessors: run.map((record) => record.hash), simulation: own };
}

/** Why an op is dropped with its dropped predecessor (one wording for the bundler and the queue). */
export const predecessorDroppedReason = (hash: string, nonce: bigint): string =>
  `its nonce follows op ${hash} (nonce 0x${nonce.toString(16)}), which was dropped`;

/**
 * Ops to drop with ops being dropped: every open op of the same sender and nonce key with a higher nonce, not
 * already in `removals` and not mined. It can never validate now that a nonce before it won't be used.
 */
export async function successorRemovals(
  store: RelayerStore,
  entryPoint: string,
  dropped: { hash: string; sender: string; nonce: bigint }[],
  alreadyRemoved: Set<string>,
): Promise<OpRemoval[]> {
  const removals: OpRemoval[] = [];
  const seen = new Set(alreadyRemoved);
  const bySender = new Map<string, OpRecord[]>();
  for (const op of [...dropped].sort((a, b) => (a.nonce < b.nonce ? -1 : 1))) {
    let open = bySender.get(op.sender);
    if (!open) {
      open = (await store.listOpenOpsOfSender(entryPoint, op.sender)).filter(
        (record) => record.status === "received",
      );
      bySender.set(op.sender, open);
    }
    for (const record of open) {
      const nonce = BigInt(record.nonce);
      if (seen.has(record.hash)) continue;
      if (nonceKeyOf(nonce) !== nonceKeyOf(op.nonce) || nonce <= op.nonce) continue;
      seen.add(record.hash);
      removals.push({
        hash: record.hash,
        status: "dropped",
        reason: predecessorDroppedReason(op.hash, op.nonce),
      });
    }
  }
  return removals;
}

/**
 * Leased ops in bundle order: by arrival, except that the ops of one sender and nonce key take the places
 * they occupy in nonce order (a successor accepted in the same millisecond still follows its predecessor).
 */
export function inNonceOrder<T extends { op: UserOperation }>(candidates: T[]): T[] {
  const groups = new Map<string, number[]>();
  candidates.forEach((candidate, index) => {
    const id = `${candidate.op.sender.toLowerCase()}:${nonceKeyOf(candidate.op.nonce)}`;
    groups.set(id, [...(groups.get(id) ?? []), index]);
  });
  const ordered = [...candidates];
  for (const positions of groups.values()) {
    if (positions.length < 2) continue;
    const members = positions
      .map((index) => candidates[index])
      .sort((a, b) => (a.op.nonce < b.op.nonce ? -1 : a.op.nonce > b.op.nonce ? 1 : 0));
    positions.forEach((position, i) => (ordered[position] = members[i]));
  }
  return ordered;
}
