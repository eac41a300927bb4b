/**
 * The submission loop of one relayer instance (one signer). Each tick:
 *   1. track this signer's pending bundle transactions: receipt -> record outcomes; nonce consumed
 *      by something else -> requeue; not known to the node -> rebroadcast the persisted raw bytes;
 *      stuck for N blocks -> replace with bumped fees (same nonce, same calldata);
 *   2. when nothing is in flight, lease queued ops, re-simulate them as one bundle (dropping ops
 *      that fail), sign `handleOps`, persist the signed tx, then broadcast it.
 * The signed transaction is always persisted before it is broadcast, so after a crash the same
 * bytes (same nonce) are rebroadcast rather than a second bundle being built.
 */
import { Transaction, type Wallet, keccak256 } from "ethers";
import { type Hex, decodeAbiParameters } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import {
  USER_OPERATION_EVENT_TOPIC,
  USER_OPERATION_REVERT_REASON_TOPIC,
  entryPointInterface,
} from "./abi.js";
import {
  type ChainClient,
  HeadWatcher,
  NodeRpcError,
  NodeUnavailableError,
  type RpcReceipt,
} from "./chain.js";
import type { BundlerConfig, InputLimits } from "./config.js";
import type { RevertDecoder } from "./decodeRevert.js";
import type { Logger } from "./logger.js";
import type { RelayerMetrics } from "./metrics.js";
import { RpcError } from "./errors.js";
import type { SenderReputation } from "./reputation.js";
import {
  type BundleSimulation,
  type Simulator,
  checkOpFees,
  encodeHandleOps,
} from "./simulation.js";
import type {
  NewTxRecord,
  OpOutcome,
  OpRecord,
  OpRemoval,
  RelayerStore,
  TxRecord,
} from "./store/types.js";
import {
  inNonceOrder,
  isNonceRefusal,
  nonceKeyOf,
  predecessorDroppedReason,
  successorRemovals,
} from "./nonceSequence.js";
import { deserializeUserOperation, userOpGasTotal, type UserOperation } from "./userOp.js";

// handleOps' own cost on top of the ops' limits (loop, beneficiary transfer, calldata).
const BUNDLE_OVERHEAD_GAS = 100_000n;
const DEFAULT_PRIORITY_FEE = 1_000_000_000n;
// Per op on top of its limits: the EntryPoint's inner-call bookkeeping around each op.
const PER_OP_BUNDLE_OVERHEAD_GAS = 15_000n;

/**
 * Gas an op can need inside handleOps: its limits, plus 1/63 of the gas forwarded to its
 * execution and postOp (EIP-150 keeps that back; the EntryPoint checks it, AA95), plus overhead.
 */
function bundleGasFor(op: UserOperation): bigint {
  const forwarded = op.callGasLimit + op.paymasterPostOpGasLimit;
  return userOpGasTotal(op) + forwarded / 63n + 1n + PER_OP_BUNDLE_OVERHEAD_GAS;
}

/** Gas limits of this signer's pending transactions: the newest attempt of each nonce. */
function pendingGas(pending: TxRecord[]): bigint {
  const newest = new Map<number, TxRecord>();
  for (const tx of pending) {
    const seen = newest.get(tx.nonce);
    if (!seen || tx.attempt > seen.attempt) newest.set(tx.nonce, tx);
  }
  let gas = 0n;
  for (const tx of newest.values()) gas += BigInt(tx.gasLimit);
  return gas;
}

// A consumed nonce whose receipt we cannot find is re-checked this many ticks before requeueing.
const CONSUMED_NONCE_GRACE_TICKS = 20;

// Non-indexed fields of UserOperationEvent and UserOperationRevertReason (EntryPoint v0.8).
const USER_OPERATION_EVENT_DATA = [
  { type: "uint256", name: "nonce" },
  { type: "bool", name: "success" },
  { type: "uint256", name: "actualGasCost" },
  { type: "uint256", name: "actualGasUsed" },
] as const;
const REVERT_REASON_DATA = [
  { type: "uint256", name: "nonce" },
  { type: "bytes", name: "revertReason" },
] as const;

interface FeeInputs {
  baseFee: bigint;
  suggested: bigint;
}

function feesFrom(
  { baseFee, suggested }: FeeInputs,
  tipCap?: bigint,
): { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } {
  const priority = tipCap !== undefined && tipCap < suggested ? tipCap : suggested;
  return { maxFeePerGas: baseFee * 2n + priority, maxPriorityFeePerGas: priority };
}

/** Wall time of a bundle's build steps, for the "bundle signed" log line. */
class PhaseTimer {
  private readonly startedAt = Date.now();
  private last = this.startedAt;
  private readonly phases: Record<string, number> = {};

  mark(name: string): void {
    const now = Date.now();
    this.phases[name] = (this.phases[name] ?? 0) + now - this.last;
    this.last = now;
  }

  total(): number {
    return Date.now() - this.startedAt;
  }

  summary(): Record<string, number> {
    return { ...this.phases };
  }
}

export interface BundlerDeps {
  chain: ChainClient;
  store: RelayerStore;
  signer: Wallet;
  chainId: bigint;
  entryPoint: string;
  beneficiary: string;
  config: BundlerConfig;
  /** Input limits, for the fee check of ops accepted while the node was down. */
  limits: InputLimits;
  simulator: Simulator;
  decoder: RevertDecoder;
  metrics: RelayerMetrics;
  reputation: SenderReputation;
  logger: Logger;
  instanceId: string;
}

function bump(value: bigint, percent: number): bigint {
  return (value * BigInt(100 + percent)) / 100n + 1n;
}

export class Bundler {
  private stopping = false;
  private loopDone: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** Something happened since the current tick started: run another one before sleeping. */
  private dirty = false;
  /** Bundles of ours are in flight (or ops wait for room): watch for the next block. */
  private awaitingBlock = false;
  /** The latest block's gas limit as last seen (null until the first fee lookup). */
  private blockGasLimit: bigint | null = null;
  /** Block number and time of the last look at our pending transactions. */
  private trackedHead = -1;
  private trackedAt = 0;
  private readonly heads: HeadWatcher;
  private readonly account: PrivateKeyAccount;
  private readonly consumedTicks = new Map<number, number>();
  private readonly log: Logger;
  readonly signerAddress: string;

  constructor(private readonly deps: BundlerDeps) {
    this.log = deps.logger.child({ component: "bundler" });
    this.signerAddress = deps.signer.address;
    this.account = privateKeyToAccount(deps.signer.privateKey as Hex);
    this.heads = new HeadWatcher(deps.chain, {
      intervalMs: deps.config.headPollMs,
      onHead: () => this.onHead(),
      active: () => this.awaitingBlock,
      logger: this.log,
    });
  }

  async start(): Promise<void> {
    await this.reconcileNonce();
    this.heads.start();
    this.loopDone = this.loop();
  }

  /** Finishes the current tick (so no DB write is cut in half), then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.heads.stop();
    this.wake?.();
    await this.loopDone;
    for (const call of this.directCalls.splice(0)) call.reject(new Error("relayer stopping"));
  }

  /** An accepted op failed later: it counts against its sender (throttle, then refusal). */
  private penalize(sender: string, stage: string): void {
    this.deps.metrics.reputationFailures.inc({ stage });
    const status = this.deps.reputation.recordFailure(sender, Date.now());
    if (status !== "ok") this.log.warn("sender reputation lowered", { sender, status, stage });
  }

  /**
   * Signs an EIP-1559 transaction of this signer. viem's serializer gives the same bytes as ethers'
   * (RFC 6979 signatures) about 4x faster on a bundle's tens of KB of calldata.
   */
  private sign(tx: {
    nonce: number;
    to: string;
    value: bigint;
    data: string;
    gasLimit: bigint;
    maxFeePerGas: bigint;
    maxPriorityFeePerGas: bigint;
  }): Promise<string> {
    return this.account.signTransaction({
      type: "eip1559",
      chainId: Number(this.deps.chainId),
      nonce: tx.nonce,
      to: tx.to as Hex,
      value: tx.value,
      data: tx.data as Hex,
      gas: tx.gasLimit,
      maxFeePerGas: tx.maxFeePerGas,
      maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    });
  }

  /** Lets a freshly accepted op be bundled without waiting for the next poll. */
  nudge(): void {
    this.dirty = true;
    this.wake?.();
  }

  /**
   * Runs ticks back to back while there is news (an op accepted, a new block seen, a bundle sent or
   * more ops queued than one bundle takes), else sleeps until news or the poll interval. News that
   * arrives during a tick is never lost: it sets `dirty`, checked before sleeping.
   */
  private async loop(): Promise<void> {
    let backoffMs = this.deps.config.pollIntervalMs;
    while (!this.stopping) {
      this.dirty = false;
      let failed = false;
      try {
        await this.tick();
        backoffMs = this.deps.config.pollIntervalMs;
      } catch (error) {
        failed = true;
        const unavailable = error instanceof NodeUnavailableError;
        this.log[unavailable ? "warn" : "error"]("bundler tick failed", {
          error,
          retryInMs: backoffMs,
        });
        backoffMs = Math.min(backoffMs * 2, 5_000);
      }
      if (this.stopping) break;
      if (this.dirty && !failed) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoffMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** A new block: in-flight bundles may be mined now, freeing room for queued ops. */
  private onHead(): void {
    this.dirty = true;
    this.wake?.();
  }

  /**
   * Makes the stored next nonce agree with the chain. The store can be ahead of the node (signed,
   * persisted, never broadcast: those txs are rebroadcast by tracking) but must never leave a gap;
   * if the chain is ahead, the key was used elsewhere and we continue from the chain.
   */
  async reconcileNonce(): Promise<void> {
    const { chain, store } = this.deps;
    const signer = this.signerAddress;
    const chainPending = await chain.transactionCount(signer, "pending");
    const stored = await store.getSignerNonce(signer);
    if (stored === null || chainPending > stored) {
      if (stored !== null)
        this.log.warn("signer nonce advanced outside this relayer", { stored, chainPending });
      await store.setSignerNonce(signer, chainPending);
      return;
    }
    const chainLatest = await chain.transactionCount(signer, "latest");
    const open = new Set((await store.listPendingTransactions(signer)).map((tx) => tx.nonce));
    // Every nonce between what the chain has mined and what we have handed out must be covered
    // by a persisted transaction; fill any hole with a no-op self-transfer so later txs can mine.
    for (let nonce = chainLatest; nonce < stored; nonce++) {
      if (open.has(nonce)) continue;
      const byNonce = await store.listTransactions(signer, nonce);
      if (byNonce.some((tx) => tx.status === "mined")) continue;
      this.log.error("nonce gap found, filling it with a self-transfer", { nonce });
      await this.fillNonceGap(nonce);
    }
  }

  private async fillNonceGap(nonce: number): Promise<void> {
    await this.deps.store.recordReplacementTransaction(await this.signNoOp(nonce));
  }

  /** A 0-value self-transfer: the cheapest transaction that consumes a nonce. */
  private async signNoOp(nonce: number): Promise<NewTxRecord> {
    const { maxFeePerGas, maxPriorityFeePerGas } = await this.currentFees();
    const raw = await this.sign({
      nonce,
      to: this.signerAddress,
      value: 0n,
      data: "0x",
      gasLimit: 21_000n,
      maxFeePerGas,
      maxPriorityFeePerGas,
    });
    return {
      hash: keccak256(raw),
      signer: this.signerAddress,
      nonce,
      raw,
      maxFeePerGas: maxFeePerGas.toString(),
      maxPriorityFeePerGas: maxPriorityFeePerGas.toString(),
      gasLimit: "21000",
      attempt: (await this.deps.store.listTransactions(this.signerAddress, nonce)).length + 1,
      createdAt: Date.now(),
      opCount: 0,
    };
  }

  /**
   * Sends one plain transaction from this relayer's signer (owners' and guardians' signed actions, see
   * src/relayer/approvals). It runs inside the tick, so it never races a bundle for the signer nonce, and is
   * tracked like a bundle with no ops: rebroadcast if lost, fee-bumped if stuck. Resolves with the first hash
   * (a replacement has another one: callers watch the action's effect on chain, not the hash).
   */
  submitCall(call: { to: string; data: string; gasLimit: bigint }): Promise<string> {
    return new Promise((resolve, reject) => {
      this.directCalls.push({ ...call, resolve, reject });
      this.nudge();
    });
  }

  private readonly directCalls: {
    to: string;
    data: string;
    gasLimit: bigint;
    resolve: (hash: string) => void;
    reject: (error: unknown) => void;
  }[] = [];

  private async sendDirectCalls(): Promise<void> {
    const { chain, store } = this.deps;
    while (this.directCalls.length > 0 && !this.stopping) {
      const call = this.directCalls.shift()!;
      try {
        const [nonce, fees, blockNumber] = await Promise.all([
          store.getSignerNonce(this.signerAddress),
          this.currentFees(),
          chain.blockNumber(),
        ]);
        if (nonce === null) throw new Error("signer nonce not initialised");
        const raw = await this.sign({
          nonce,
          to: call.to,
          value: 0n,
          data: call.data,
          gasLimit: call.gasLimit,
          ...fees,
        });
        const record = {
          hash: keccak256(raw),
          signer: this.signerAddress,
          nonce,
          raw,
          maxFeePerGas: fees.maxFeePerGas.toString(),
          maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString(),
          gasLimit: call.gasLimit.toString(),
          attempt: 1,
          createdAt: Date.now(),
          opCount: 0,
        };
        // Nonce first: a crash in between leaves a gap that `reconcileNonce` fills, never a reused nonce.
        await store.setSignerNonce(this.signerAddress, nonce + 1);
        await store.recordReplacementTransaction(record);
        await this.broadcast(
          { ...record, status: "pending", sentBlock: null, receiptJson: null },
          blockNumber,
        );
        call.resolve(record.hash);
      } catch (error) {
        call.reject(error);
      }
    }
  }

  async tick(): Promise<void> {
    await this.sendDirectCalls();
    let pending = await this.deps.store.listPendingTransactions(this.signerAddress);
    if (pending.length > 0) {
      // A receipt can only appear with a new block: look at our transactions when the head moved,
      // and at least every poll interval (lost transactions, nonces consumed elsewhere, outages),
      // not on every accepted op.
      const now = Date.now();
      if (
        this.heads.latest !== this.trackedHead ||
        now - this.trackedAt >= this.deps.config.pollIntervalMs
      ) {
        this.trackedHead = this.heads.latest;
        this.trackedAt = now;
        await this.trackPending(pending);
        pending = await this.deps.store.listPendingTransactions(this.signerAddress);
      }
      // Several bundles may be pending (consecutive nonces). Each is simulated against the
      // latest state; a bundle invalidated by an earlier one reverts and its ops are requeued.
      // Another one goes out while the next block can still take it: fewer than
      // maxInFlightBundles pending, and their gas limits not yet filling a block. Beyond that a
      // bundle would only wait in the node's mempool, and ops waiting here join a bigger one.
      if (
        new Set(pending.map((tx) => tx.nonce)).size >= this.deps.config.maxInFlightBundles ||
        (this.blockGasLimit !== null && pendingGas(pending) >= this.blockGasLimit)
      ) {
        this.awaitingBlock = true;
        return;
      }
    }
    if (this.stopping) return;
    const built = await this.buildAndSendBundle(pending);
    this.awaitingBlock = pending.length > 0 || built?.sent === true;
    // More queued than one bundle took: go on at once.
    if (built?.more) this.dirty = true;
    // On an automining node the bundle is mined already: look at the head now, not at the next poll.
    if (built?.sent) void this.heads.poll();
  }

  private async trackPending(pending: TxRecord[]): Promise<void> {
    const { chain } = this.deps;
    const byNonce = new Map<number, TxRecord[]>();
    for (const tx of pending) byNonce.set(tx.nonce, [...(byNonce.get(tx.nonce) ?? []), tx]);
    // One round trip for everything tracking needs (the chain client batches parallel calls):
    // under load each sequential call waits behind the node's whole queue.
    const [receipts, latestNonce, blockNumber] = await Promise.all([
      Promise.all(pending.map((tx) => chain.getTransactionReceipt(tx.hash))),
      chain.transactionCount(this.signerAddress, "latest"),
      chain.blockNumber(),
    ]);
    const receiptOf = new Map(pending.map((tx, i) => [tx.hash, receipts[i]]));
    for (const [nonce, attempts] of [...byNonce.entries()].sort(([a], [b]) => a - b)) {
      if (this.stopping) return;
      let mined = false;
      for (const attempt of [...attempts].reverse()) {
        const receipt = receiptOf.get(attempt.hash);
        if (receipt && receipt.blockNumber) {
          await this.onMined(nonce, attempt, receipt);
          mined = true;
          break;
        }
      }
      if (mined) {
        this.consumedTicks.delete(nonce);
        continue;
      }
      if (latestNonce > nonce) {
        const ticks = (this.consumedTicks.get(nonce) ?? 0) + 1;
        this.consumedTicks.set(nonce, ticks);
        if (ticks >= CONSUMED_NONCE_GRACE_TICKS) {
          this.log.error("bundle nonce consumed by an unknown transaction; requeueing its ops", {
            nonce,
          });
          await this.deps.store.abandonBundle({
            signer: this.signerAddress,
            nonce,
            reason: "bundle nonce consumed by another transaction",
            maxAttempts: this.deps.config.maxBundleAttempts,
            now: Date.now(),
          });
          this.consumedTicks.delete(nonce);
        }
        continue;
      }
      const newest = attempts[attempts.length - 1];
      if (newest.sentBlock === null) {
        // Persisted but never broadcast (crash in between): send the same bytes now.
        await this.broadcast(newest, blockNumber);
      } else if (blockNumber - newest.sentBlock >= this.deps.config.replaceAfterBlocks) {
        await this.replace(nonce, attempts, blockNumber);
      } else if (
        blockNumber > newest.sentBlock &&
        (await chain.getTransactionByHash(newest.hash)) === null
      ) {
        // The node lost it (restart, mempool eviction): rebroadcast the same signed bytes.
        this.log.warn("bundle transaction unknown to the node, rebroadcasting", {
          nonce,
          tx: newest.hash,
        });
        await this.broadcast(newest, blockNumber);
      }
    }
  }

  private async onMined(nonce: number, attempt: TxRecord, receipt: RpcReceipt): Promise<void> {
    const { store, decoder, metrics } = this.deps;
    const ops = await store.getBundleOps(this.signerAddress, nonce);
    const now = Date.now();
    const outcomes: OpOutcome[] = [];
    const requeue: { hash: string; reason: string }[] = [];
    const removals: OpRemoval[] = [];
    const succeeded = BigInt(receipt.status) === 1n;
    const events = succeeded ? this.parseOpEvents(receipt) : new Map<string, ParsedOpEvent>();
    const culprits = succeeded ? new Map<string, RpcError>() : await this.findCulprits(ops);
    if (!succeeded) metrics.bundleReverts.inc();
    for (const op of ops) {
      const culprit = culprits.get(op.hash);
      if (culprit) {
        // Resubmitting it would revert the next bundle too: drop it and hold it against its sender.
        const data = (culprit.data ?? null) as { rule?: unknown } | null;
        removals.push({
          hash: op.hash,
          status: "dropped",
          reason: `reverted its bundle (state changed after simulation): ${culprit.message}`,
          revertJson: JSON.stringify(culprit.data ?? null),
          ...(data && typeof data.rule === "string" ? { rule: data.rule } : {}),
        });
        metrics.culpritOps.inc();
        metrics.opsTotal.inc({ outcome: "dropped", reason: "bundle_culprit" });
        this.penalize(op.sender, "bundle_revert");
        continue;
      }
      const event = events.get(op.hash);
      if (event) {
        const revert = event.revertReason !== null ? decoder.decode(event.revertReason) : null;
        outcomes.push({
          hash: op.hash,
          status: event.success ? "included" : "failed",
          success: event.success,
          reason: event.success
            ? null
            : revert
              ? `execution reverted: ${decoder.describe(revert)}`
              : "execution reverted",
          revertJson: revert ? JSON.stringify(revert) : null,
          txHash: receipt.transactionHash,
          actualGasCost: event.actualGasCost,
          actualGasUsed: event.actualGasUsed,
          blockNumber: Number(BigInt(receipt.blockNumber)),
          blockHash: receipt.blockHash,
        });
        metrics.opsTotal.inc({
          outcome: event.success ? "included" : "failed",
          reason: event.success ? "" : "execution_reverted",
        });
        if (!event.success) this.penalize(op.sender, "included_failed");
        metrics.inclusionLatency.observe((now - op.receivedAt) / 1000);
      } else {
        const reason = succeeded
          ? "op missing from its bundle receipt"
          : "bundle transaction reverted";
        if (op.attempts + 1 >= this.deps.config.maxBundleAttempts) {
          removals.push({
            hash: op.hash,
            status: "failed",
            reason: `${reason} (gave up after ${op.attempts + 1} bundles)`,
          });
          metrics.opsTotal.inc({ outcome: "failed", reason: "bundle_failed" });
        } else {
          requeue.push({ hash: op.hash, reason });
        }
      }
    }
    await store.finalizeBundle({
      signer: this.signerAddress,
      nonce,
      minedTxHash: attempt.hash,
      receiptJson: JSON.stringify(receipt),
      outcomes,
      requeue,
      // Queued successors of a dropped culprit can't validate any more: they go with it.
      removals: await this.withQueuedSuccessors(
        removals,
        ops
          .filter((op) => removals.some((r) => r.hash === op.hash))
          .map((op) => ({ hash: op.hash, sender: op.sender, nonce: BigInt(op.nonce) })),
      ),
      now,
    });
    this.log.info("bundle mined", {
      nonce,
      tx: attempt.hash,
      status: succeeded ? "success" : "reverted",
      included: outcomes.filter((o) => o.success).length,
      failed: outcomes.filter((o) => !o.success).length + removals.length,
      requeued: requeue.length,
    });
  }

  /**
   * A mined bundle reverted: the state changed between our simulation and inclusion (a front-run:
   * an account drained, a wallet paused). Re-simulate its ops against the state that made it revert
   * and name the ones that fail; the others are requeued. If the node can't answer, nobody is
   * named: requeued ops are simulated again before any next bundle anyway.
   */
  private async findCulprits(ops: OpRecord[]): Promise<Map<string, RpcError>> {
    const culprits = new Map<string, RpcError>();
    let remaining = ops.map((record) => ({ record, op: deserializeUserOperation(record.opJson) }));
    try {
      for (let round = 0; round < ops.length && remaining.length > 0; round++) {
        const result = await this.deps.simulator.simulateBundle(remaining.map((r) => r.op));
        if (result.ok) {
          result.results.forEach((r, i) => {
            if (r.error) culprits.set(remaining[i].record.hash, r.error);
          });
          break;
        }
        if (result.opIndex === null) break;
        const [culprit] = remaining.splice(result.opIndex, 1);
        culprits.set(culprit.record.hash, result.error);
      }
    } catch (error) {
      this.log.warn("could not re-simulate a reverted bundle; requeueing all its ops", { error });
    }
    if (culprits.size > 0)
      this.log.warn("bundle reverted on-chain; dropping the ops that caused it", {
        ops: [...culprits.keys()],
      });
    return culprits;
  }

  private parseOpEvents(receipt: RpcReceipt): Map<string, ParsedOpEvent> {
    // The non-indexed fields are decoded with viem (hundreds of events per bundle: ethers' parseLog
    // was a large share of a busy relayer's CPU); topics[1] is the userOpHash.
    const events = new Map<string, ParsedOpEvent>();
    const revertReasons = new Map<string, string>();
    const entryPoint = this.deps.entryPoint.toLowerCase();
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== entryPoint || log.topics.length < 2) continue;
      if (log.topics[0] === USER_OPERATION_REVERT_REASON_TOPIC) {
        const [, revertReason] = decodeAbiParameters(REVERT_REASON_DATA, log.data as Hex);
        revertReasons.set(log.topics[1].toLowerCase(), revertReason);
      }
      if (log.topics[0] === USER_OPERATION_EVENT_TOPIC) {
        const [, success, actualGasCost, actualGasUsed] = decodeAbiParameters(
          USER_OPERATION_EVENT_DATA,
          log.data as Hex,
        );
        events.set(log.topics[1].toLowerCase(), {
          success,
          actualGasCost: "0x" + actualGasCost.toString(16),
          actualGasUsed: "0x" + actualGasUsed.toString(16),
          revertReason: null,
        });
      }
    }
    for (const [hash, reason] of revertReasons) {
      const event = events.get(hash);
      if (event) event.revertReason = reason;
    }
    return events;
  }

  /**
   * Fees for our transactions. A bundle never tips more than the least-tipping op in it: ops are
   * reimbursed at min(maxFeePerGas, baseFee + their tip), so tipping more would pay out of pocket.
   */
  private async currentFees(
    tipCap?: bigint,
  ): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    return feesFrom(await this.feeInputs(), tipCap);
  }

  /** The latest base fee and the node's suggested tip (one round trip); notes the block gas limit. */
  private async feeInputs(): Promise<FeeInputs> {
    const { chain } = this.deps;
    const [baseFee, suggested] = await Promise.all([
      chain.latestBlockLimits().then(({ baseFee, gasLimit }) => {
        if (gasLimit > 0n) this.blockGasLimit = gasLimit;
        return baseFee;
      }),
      chain.request<string>("eth_maxPriorityFeePerGas", []).then(BigInt, (error: unknown) => {
        if (error instanceof NodeUnavailableError) throw error;
        return DEFAULT_PRIORITY_FEE; // node without the method
      }),
    ]);
    return { baseFee, suggested };
  }

  private async replace(nonce: number, attempts: TxRecord[], blockNumber: number): Promise<void> {
    const newest = attempts[attempts.length - 1];
    const previous = Transaction.from(newest.raw);
    const highestFee = attempts.reduce(
      (m, a) => (BigInt(a.maxFeePerGas) > m ? BigInt(a.maxFeePerGas) : m),
      0n,
    );
    const highestTip = attempts.reduce(
      (m, a) => (BigInt(a.maxPriorityFeePerGas) > m ? BigInt(a.maxPriorityFeePerGas) : m),
      0n,
    );
    const current = await this.currentFees();
    const percent = this.deps.config.feeBumpPercent;
    const maxPriorityFeePerGas = [bump(highestTip, percent), current.maxPriorityFeePerGas].reduce(
      (a, b) => (a > b ? a : b),
    );
    const maxFeePerGas = [
      bump(highestFee, percent),
      current.maxFeePerGas,
      maxPriorityFeePerGas,
    ].reduce((a, b) => (a > b ? a : b));
    if (!previous.to) throw new Error(`pending transaction ${newest.hash} has no recipient`);
    const raw = await this.sign({
      nonce,
      to: previous.to,
      value: previous.value,
      data: previous.data,
      gasLimit: previous.gasLimit,
      maxFeePerGas,
      maxPriorityFeePerGas,
    });
    const record = {
      hash: keccak256(raw),
      signer: this.signerAddress,
      nonce,
      raw,
      maxFeePerGas: maxFeePerGas.toString(),
      maxPriorityFeePerGas: maxPriorityFeePerGas.toString(),
      gasLimit: previous.gasLimit.toString(),
      attempt: newest.attempt + 1,
      createdAt: Date.now(),
      opCount: newest.opCount,
    };
    await this.deps.store.recordReplacementTransaction(record);
    this.deps.metrics.replacements.inc();
    this.log.warn("replacing stuck bundle transaction", {
      nonce,
      previousTx: newest.hash,
      tx: record.hash,
      maxFeePerGas: record.maxFeePerGas,
      maxPriorityFeePerGas: record.maxPriorityFeePerGas,
    });
    await this.broadcast(
      { ...record, status: "pending", sentBlock: null, receiptJson: null },
      blockNumber,
    );
  }

  /**
   * Sends persisted raw bytes. "already known" and "nonce too low" mean the network already has
   * this (or a sibling) transaction: never build a new bundle for it, tracking will find the receipt.
   */
  private async broadcast(tx: TxRecord, blockNumber: number): Promise<void> {
    try {
      await this.deps.chain.sendRawTransaction(tx.raw);
    } catch (error) {
      if (error instanceof NodeUnavailableError) throw error;
      const message = error instanceof NodeRpcError ? error.message.toLowerCase() : String(error);
      if (/already known|already imported|known transaction|already exists/.test(message)) {
        this.log.debug("transaction already known to the node", { tx: tx.hash });
      } else if (/nonce too low|nonce has already been used|nonce is too low/.test(message)) {
        this.log.info("nonce already used on chain; waiting for the receipt", {
          tx: tx.hash,
          nonce: tx.nonce,
        });
      } else if (/underpriced|fee too low|replacement/.test(message)) {
        this.log.warn("replacement underpriced; will bump again", { tx: tx.hash, nonce: tx.nonce });
      } else {
        this.log.error("broadcast rejected by the node", {
          tx: tx.hash,
          nonce: tx.nonce,
          error: message.slice(0, 300),
        });
        // Some nodes (automining ones) mine a reverting tx and still answer with an error: only
        // a transaction the node does not know at all is really refused.
        const known = await this.deps.chain.getTransactionByHash(tx.hash);
        if (!known && tx.opCount > 0) {
          await this.retireRejectedBundle(tx, message);
          return;
        }
      }
    }
    await this.deps.store.markTransactionSent(tx.hash, blockNumber);
  }

  /**
   * The node refused the bundle outright (e.g. gas above its cap): it will never be mined. Its
   * ops go back to the queue and its nonce is taken by a no-op self-transfer, so later bundles
   * (which may already hold higher nonces) are not stuck behind a gap.
   */
  private async retireRejectedBundle(tx: TxRecord, message: string): Promise<void> {
    await this.deps.store.abandonBundle({
      signer: this.signerAddress,
      nonce: tx.nonce,
      reason: `bundle rejected by the node: ${message.slice(0, 200)}`,
      maxAttempts: this.deps.config.maxBundleAttempts,
      now: Date.now(),
      replacement: await this.signNoOp(tx.nonce),
    });
  }

  /**
   * Leases queued ops and sends them as one bundle. Returns null when nothing was queued, else whether
   * a bundle went out and whether more ops may be queued than this bundle took. `pending`: this signer's
   * pending transactions as the tick just read them (nothing else sends for this signer meanwhile).
   */
  private async buildAndSendBundle(
    pending: TxRecord[],
  ): Promise<{ sent: boolean; more: boolean } | null> {
    const { store, config, simulator, instanceId, entryPoint, metrics } = this.deps;
    const phases = new PhaseTimer();
    const leased = await store.leaseOps(
      instanceId,
      entryPoint,
      config.maxOpsPerBundle,
      config.leaseMs,
      Date.now(),
    );
    if (leased.length === 0) return null;
    let more = leased.length >= config.maxOpsPerBundle;
    // A nonce sequence of one sender and key goes out in nonce order.
    let candidates = inNonceOrder(
      leased.map((record) => ({ record, op: deserializeUserOperation(record.opJson) })),
    );
    // Fit the bundle under its gas cap before simulating (dropping ops later only shrinks it).
    let plannedGas = BUNDLE_OVERHEAD_GAS;
    let fits = 0;
    for (const candidate of candidates) {
      const opGas = bundleGasFor(candidate.op);
      if (plannedGas + opGas > config.maxBundleGas && fits > 0) break;
      plannedGas += opGas;
      fits++;
    }
    if (fits < candidates.length) more = true;
    await store.releaseOps(
      instanceId,
      candidates.slice(fits).map((c) => c.record.hash),
    );
    candidates = candidates.slice(0, fits);
    phases.mark("lease");
    // What signing needs from the node, fetched while the bundle is simulated rather than after.
    const chainState = Promise.all([this.feeInputs(), this.deps.chain.blockNumber()]);
    chainState.catch(() => {}); // awaited by signAndSend; an early return must not leave it unhandled
    const removals: OpRemoval[] = [];
    const included: OpOutcome[] = [];

    // Ops acknowledged while the node was down skipped the fee check; their execution is covered
    // by the bundle simulation below like everyone else's.
    let baseFee: bigint | undefined;
    const simulated: string[] = [];
    const kept: typeof candidates = [];
    // Ops dropped here: their pending successors (same sender and nonce key) can't validate any more.
    const droppedOps: { hash: string; sender: string; nonce: bigint }[] = [];
    const dropSuccessors = (dropped: (typeof candidates)[number]) => {
      droppedOps.push({ hash: dropped.record.hash, ...dropped.op });
      const key = nonceKeyOf(dropped.op.nonce);
      // Successors sit after their predecessor (inNonceOrder): indices before it stay valid.
      candidates = candidates.filter((c) => {
        const follows =
          c.op.sender === dropped.op.sender &&
          nonceKeyOf(c.op.nonce) === key &&
          c.op.nonce > dropped.op.nonce;
        if (follows) {
          removals.push({
            hash: c.record.hash,
            status: "dropped",
            reason: predecessorDroppedReason(dropped.record.hash, dropped.op.nonce),
          });
          metrics.opsTotal.inc({ outcome: "dropped", reason: "predecessor_dropped" });
        }
        return !follows;
      });
    };
    const feeDropped: typeof candidates = [];
    for (const candidate of candidates) {
      if (candidate.record.needsSimulation) {
        try {
          checkOpFees(
            candidate.op,
            // The base fee fetched for signing (chainState) serves here too: one request, not two.
            (baseFee ??= (await chainState)[0].baseFee),
            this.deps.limits,
          );
        } catch (feeError) {
          if (!(feeError instanceof RpcError)) throw feeError;
          removals.push({
            hash: candidate.record.hash,
            status: "dropped",
            reason: feeError.message,
            revertJson: JSON.stringify(feeError.data ?? null),
          });
          metrics.opsTotal.inc({ outcome: "dropped", reason: "fees_too_low" });
          feeDropped.push(candidate);
          continue;
        }
        simulated.push(candidate.record.hash);
      }
      kept.push(candidate);
    }
    candidates = kept;
    for (const dropped of feeDropped) dropSuccessors(dropped);

    // Simulate the bundle as a whole against the latest state: every validation, then every
    // execution in order, so an op that only fails because of an earlier op in the same bundle
    // (two agents racing one cap) is dropped here instead of paid for. Then the real handleOps
    // must agree before anything is signed. Each round drops at least one op: bounded.
    const drop = (
      candidate: (typeof candidates)[number],
      error: RpcError,
      metricReason: string,
    ) => {
      const data = (error.data ?? null) as { rule?: unknown } | null;
      removals.push({
        hash: candidate.record.hash,
        status: "dropped",
        reason: error.message,
        revertJson: JSON.stringify(error.data ?? null),
        ...(data && typeof data.rule === "string" ? { rule: data.rule } : {}),
      });
      metrics.opsTotal.inc({ outcome: "dropped", reason: metricReason });
      this.penalize(candidate.op.sender, "pre_bundle_simulation");
      dropSuccessors(candidate);
    };
    // Our bundles still in the mempool run first on-chain: simulate after them, so an op racing
    // one of theirs (same cap, same funds) is seen failing here too.
    const prefix = candidates.length > 0 ? await this.inFlightOps(pending) : [];
    phases.mark("inFlight");
    let verified = false;
    let waitForBlock = false;
    const waiting: string[] = [];
    for (let round = 0; round <= leased.length + 1 && candidates.length > 0; round++) {
      const ops = [...prefix, ...candidates.map((c) => c.op)];
      // Both simulations in one round trip; the real handleOps' verdict counts only once the
      // bundle simulation found nothing to drop (else the next round asks again).
      const [bundle, validation] = await Promise.all([
        simulator.simulateBundle(ops),
        simulator.simulateValidation(ops),
      ]);
      let result: BundleSimulation = bundle.ok ? { ok: true } : bundle;
      if (!result.ok && result.opIndex !== null && result.opIndex < prefix.length) {
        // An in-flight bundle was mined meanwhile (or no longer validates): track it first, on
        // the next block, rather than simulating again at once.
        this.log.debug("in-flight bundle changed during simulation; retrying on the next block", {
          error: result.error.message,
        });
        waitForBlock = true;
        break;
      }
      if (!result.ok && result.opIndex !== null)
        result = { ...result, opIndex: result.opIndex - prefix.length };
      if (bundle.ok) {
        const failing = bundle.results
          .slice(prefix.length)
          .flatMap((r, i) => (r.error ? [{ i, error: r.error }] : []));
        if (failing.length > 0) {
          for (const { i, error } of failing.reverse()) {
            const [candidate] = candidates.splice(i, 1);
            this.log.info("dropping op whose execution would revert in this bundle", {
              op: candidate.record.hash,
              reason: error.message,
            });
            drop(candidate, error, "execution_reverted");
          }
          continue;
        }
        result = validation;
        if (!result.ok && result.opIndex !== null) {
          if (result.opIndex < prefix.length) {
            this.log.debug("in-flight bundle fails in validation; retrying on the next block", {
              error: result.error.message,
            });
            waitForBlock = true;
            break;
          }
          result = { ...result, opIndex: result.opIndex - prefix.length };
        }
      }
      if (result.ok) {
        verified = true;
        break;
      }
      if (result.opIndex === null) {
        this.log.error("bundle simulation failed without naming an op; releasing leases", {
          error: result.error.message,
        });
        await store.releaseOps(instanceId, [...candidates.map((c) => c.record.hash), ...waiting]);
        await store.markOpsSimulated(simulated);
        await store.removeOps(await this.withQueuedSuccessors(removals, droppedOps), Date.now());
        return { sent: false, more: false };
      }
      const [failing] = candidates.splice(result.opIndex, 1);
      const nonceRefused = isNonceRefusal(result.error);
      const found = nonceRefused ? await this.findInclusion(failing.record) : null;
      if (found) {
        included.push(found);
        continue;
      }
      if (nonceRefused && (await this.hasOpenPredecessor(failing.op))) {
        // Its predecessor is still pending here but not before it (another instance holds it, or it
        // was requeued): it waits in the queue for it instead of being dropped.
        waiting.push(failing.record.hash);
        continue;
      }
      drop(failing, result.error, "revalidation_failed");
    }
    phases.mark("simulate");
    await store.releaseOps(instanceId, waiting);
    await store.markOpsSimulated(simulated);
    if (!verified && candidates.length > 0) {
      // Unreachable by the bound above unless the node keeps changing its answer: never send.
      await store.releaseOps(
        instanceId,
        candidates.map((c) => c.record.hash),
      );
      candidates = [];
    }
    await store.recordOpOutcomes(included, Date.now());
    await store.removeOps(await this.withQueuedSuccessors(removals, droppedOps), Date.now());
    phases.mark("record");

    if (candidates.length === 0) return { sent: false, more: more && !waitForBlock };
    let gas = BUNDLE_OVERHEAD_GAS;
    for (const candidate of candidates) gas += bundleGasFor(candidate.op);
    const selected = candidates;
    await this.signAndSend(
      selected.map((c) => c.op),
      selected.map((c) => c.record),
      gas,
      phases,
      chainState,
    );
    return { sent: true, more };
  }

  private async signAndSend(
    ops: UserOperation[],
    records: OpRecord[],
    gasLimit: bigint,
    phases: PhaseTimer,
    chainState: Promise<[FeeInputs, number]>,
  ): Promise<void> {
    const { store, entryPoint, beneficiary, metrics } = this.deps;
    const [nonce, [feeInputs, blockNumber]] = await Promise.all([
      store.getSignerNonce(this.signerAddress),
      chainState,
    ]);
    const { maxFeePerGas, maxPriorityFeePerGas } = feesFrom(
      feeInputs,
      ops.reduce(
        (m, op) => (op.maxPriorityFeePerGas < m ? op.maxPriorityFeePerGas : m),
        2n ** 255n,
      ),
    );
    if (nonce === null) throw new Error("signer nonce not initialised");
    phases.mark("fees");
    const raw = await this.sign({
      nonce,
      to: entryPoint,
      value: 0n,
      data: encodeHandleOps(ops, beneficiary),
      gasLimit,
      maxFeePerGas,
      maxPriorityFeePerGas,
    });
    const record = {
      hash: keccak256(raw),
      signer: this.signerAddress,
      nonce,
      raw,
      maxFeePerGas: maxFeePerGas.toString(),
      maxPriorityFeePerGas: maxPriorityFeePerGas.toString(),
      gasLimit: gasLimit.toString(),
      attempt: 1,
      createdAt: Date.now(),
      opCount: ops.length,
    };
    phases.mark("sign");
    // Persist first: if we crash after this line, recovery rebroadcasts these exact bytes.
    await store.recordBundleTransaction(
      record,
      records.map((r) => r.hash),
      this.deps.instanceId,
    );
    phases.mark("persist");
    metrics.bundleSize.observe(ops.length);
    this.log.info("bundle signed", {
      nonce,
      tx: record.hash,
      ops: ops.length,
      gasLimit: record.gasLimit,
      // From leasing the ops to the signed bundle persisted, and where that time went.
      buildMs: phases.total(),
      phasesMs: phases.summary(),
      oldestOpAgeMs: Date.now() - Math.min(...records.map((r) => r.receivedAt)),
    });
    await this.broadcast(
      { ...record, status: "pending", sentBlock: null, receiptJson: null },
      blockNumber,
    );
  }

  /** Is an op of the same sender and nonce key with a lower nonce still open (received or submitted)? */
  private async hasOpenPredecessor(op: UserOperation): Promise<boolean> {
    const key = nonceKeyOf(op.nonce);
    const open = await this.deps.store.listOpenOpsOfSender(this.deps.entryPoint, op.sender);
    return open.some((record) => {
      const nonce = BigInt(record.nonce);
      return nonceKeyOf(nonce) === key && nonce < op.nonce;
    });
  }

  /** `removals` plus the queued successors of `dropped` (same sender and nonce key, higher nonce). */
  private async withQueuedSuccessors(
    removals: OpRemoval[],
    dropped: { hash: string; sender: string; nonce: bigint }[],
  ): Promise<OpRemoval[]> {
    if (dropped.length === 0) return removals;
    const more = await successorRemovals(
      this.deps.store,
      this.deps.entryPoint,
      dropped,
      new Set(removals.map((r) => r.hash)),
    );
    if (more.length > 0)
      this.deps.metrics.opsTotal.inc(
        { outcome: "dropped", reason: "predecessor_dropped" },
        more.length,
      );
    return [...removals, ...more];
  }

  /** Ops of this signer's bundles sent but not yet mined, in nonce order. */
  private async inFlightOps(pending: TxRecord[]): Promise<UserOperation[]> {
    const nonces = [...new Set(pending.map((tx) => tx.nonce))].sort((a, b) => a - b);
    const ops: UserOperation[] = [];
    for (const nonce of nonces) {
      for (const record of await this.deps.store.getBundleOps(this.signerAddress, nonce))
        ops.push(deserializeUserOperation(record.opJson));
    }
    return ops;
  }

  /** Finds an op's UserOperationEvent on-chain (bounded look-back), e.g. after a lost receipt. */
  private async findInclusion(record: OpRecord): Promise<OpOutcome | null> {
    const { chain, config, entryPoint } = this.deps;
    const latest = await chain.blockNumber();
    const logs = await chain.getLogs({
      address: entryPoint,
      topics: [USER_OPERATION_EVENT_TOPIC, record.hash],
      fromBlock: "0x" + Math.max(0, latest - config.inclusionLookbackBlocks).toString(16),
      toBlock: "latest",
    });
    const log = logs.find((l) => !l.removed);
    if (!log) return null;
    const parsed = entryPointInterface.parseLog(log);
    if (!parsed) return null;
    const success = Boolean(parsed.args.success);
    this.log.warn("op was already included; recording instead of resubmitting", {
      op: record.hash,
      tx: log.transactionHash,
    });
    return {
      hash: record.hash,
      status: success ? "included" : "failed",
      success,
      reason: success ? null : "execution reverted",
      revertJson: null,
      txHash: log.transactionHash,
      actualGasCost: "0x" + BigInt(parsed.args.actualGasCost).toString(16),
      actualGasUsed: "0x" + BigInt(parsed.args.actualGasUsed).toString(16),
      blockNumber: Number(BigInt(log.blockNumber)),
      blockHash: log.blockHash,
    };
  }
}

interface ParsedOpEvent {
  success: boolean;
  actualGasCost: string;
  actualGasUsed: string;
  revertReason: string | null;
}
