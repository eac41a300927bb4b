/**
 * Notifications: a chain watcher turns the wallets' events into notification events (one id per chain log,
 * `<txHash>:<logIndex>`), recorded with one delivery per webhook endpoint in a durable outbox; a deliverer
 * POSTs each delivery, signed with the endpoint's secret (see src/client/webhooks.ts), and retries failures
 * with exponential backoff (1 s doubling, at most 1 h, given up after 15 attempts). A retried delivery keeps
 * its event id, so receivers process each id once. Live listeners (server-sent events) get the same events.
 *
 * Two notifications are about a time rather than a log: `proposal.executable` (a queued proposal's eta has
 * passed) and `agent.key_expiring` (an agent key's validUntil is within the notice window). The logs that set
 * those times (ProposalQueued, AgentAdded, AgentValidityChanged) arm durable timers; every poll compares the
 * latest block's timestamp (chain time, which may jump: a local chain's evm_increaseTime, a halted chain)
 * with the due timers, at most TIMERS_PER_TICK of them, and re-reads the wallet before emitting: a cancelled,
 * executed, unqueued or expired proposal, a revoked agent or a key whose validity changed meanwhile emits
 * nothing. The event id is fixed per proposal / per (agent, validUntil), so a restart or a replay can't emit
 * one twice, and a key extended later and nearing its new end is a new event. A wallet that starts being
 * watched has its past logs read once (one eth_getLogs for those three events) so agents and proposals set
 * up before its first webhook are covered too.
 */
import { randomBytes } from "node:crypto";
import { getAddress } from "ethers";
import { walletInterface } from "../../client/contracts.js";
import { webhookSignature } from "../../client/webhooks.js";
import type { Logger } from "../logger.js";
import type { ChainClient, RpcLog } from "../chain.js";
import type { DueDelivery, NotifyEvent, NotifyStore, NotifyTimer } from "./store.js";

/** Wallet events owners are told about, by the notification type they become. */
const TYPES: Record<string, string> = {
  ApprovalRequested: "escalation.requested",
  ProposalQueued: "proposal.queued",
  ProposalExecuted: "proposal.executed",
  ProposalCancelled: "proposal.cancelled",
  Paused: "wallet.paused",
  Unpaused: "wallet.unpaused",
  AgentSuspended: "agent.suspended",
  AgentRevoked: "agent.revoked",
};
const MAX_BLOCKS_PER_POLL = 2_000;
/** Bounded work per poll: timers looked at (each costs one or two eth_calls), wallets seeded. */
const TIMERS_PER_TICK = 20;
/** ProposalManager.GRACE_PERIOD: a queued proposal can execute from its eta until this much later. */
const GRACE_PERIOD = 14 * 86_400;
const QUEUED = 2;
const AGENT_ACTIVE = 1;
const AGENT_SUSPENDED = 2;
export const DEFAULT_KEY_EXPIRY_NOTICE_SECONDS = 86_400;
/** Tries at reading a newly watched wallet's past logs before it is watched from now on only. */
const MAX_SEED_ATTEMPTS = 3;
/** The logs that arm timers. */
const TIMER_EVENTS = ["ProposalQueued", "AgentAdded", "AgentValidityChanged"];
const MAX_ATTEMPTS = 15;
const DELIVERY_TIMEOUT_MS = 5_000;

export interface NotifyDeps {
  chain: ChainClient;
  chainId: bigint;
  store: NotifyStore;
  logger: Logger;
  pollMs?: number;
  /** `agent.key_expiring` is sent when a key's validUntil is at most this far ahead (default 24 h). */
  keyExpiryNoticeSeconds?: number;
}

export type Listener = (event: {
  id: string;
  type: string;
  wallet: string;
  payload: string;
}) => void;

export class NotifyService {
  private readonly log: Logger;
  private stopped = false;
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown>[] = [];
  private readonly listeners = new Map<Listener, string>();
  /**
   * Wallets a live stream was opened for: kept watched after the stream closes, so a client resuming with
   * Last-Event-ID finds what happened meanwhile in the event table (in memory: a restart forgets them).
   */
  private readonly streamed = new Set<string>();
  private readonly seedFailures = new Map<string, number>();
  /** The deadlines cursor as last written by this instance (to skip rewriting the same value each poll). */
  private deadlinesWritten: number | null = null;

  constructor(private readonly deps: NotifyDeps) {
    this.log = deps.logger.child({ component: "notify" });
  }

  start(): void {
    this.every(() => this.watch(), this.deps.pollMs ?? 1_000);
    this.every(() => this.deliver(), 250);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.allSettled(this.running);
  }

  /** Live events of one wallet (e.g. for a server-sent-events stream); returns the unsubscribe function. */
  subscribe(wallet: string, listener: Listener): () => void {
    this.listeners.set(listener, wallet);
    this.streamed.add(wallet);
    return () => this.listeners.delete(listener);
  }

  /**
   * An agent's operation the relayer refused by one of the wallet's rules (`agent.refused`, id
   * `refused:<userOpHash>`: the same op refused again is the same event). Only for wallets someone watches
   * (a webhook or a stream): anyone can make the relayer refuse ops "from" any address.
   */
  async agentRefused(input: {
    wallet: string;
    userOpHash: string;
    rule: string;
    args: Record<string, unknown>;
    reason: string;
  }): Promise<void> {
    const wallet = getAddress(input.wallet);
    if (!this.streamed.has(wallet) && (await this.deps.store.endpoints(wallet)).length === 0)
      return;
    const id = `refused:${input.userOpHash.toLowerCase()}`;
    const type = "agent.refused";
    await this.record([
      {
        id,
        wallet,
        type,
        payload: JSON.stringify({
          id,
          type,
          wallet,
          chainId: this.deps.chainId.toString(),
          userOpHash: input.userOpHash,
          rule: input.rule,
          args: input.args,
          reason: input.reason.slice(0, 500),
        }),
      },
    ]);
  }

  /** The wallet's recorded events after `lastEventId`, in recording order (for Last-Event-ID resume). */
  eventsAfter(wallet: string, lastEventId: string, limit: number) {
    return this.deps.store.eventsAfter(wallet, lastEventId, limit);
  }

  async addEndpoint(wallet: string, url: string) {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
      throw new Error("webhook URL must be http(s)");
    const endpoint = {
      id: randomBytes(8).toString("hex"),
      wallet,
      url: parsed.toString(),
      secret: `whsec_${randomBytes(32).toString("base64url")}`,
      createdAt: Date.now(),
    };
    await this.deps.store.addEndpoint(endpoint);
    return endpoint;
  }

  /** A `webhook.test` event for the wallet's endpoints (its own id), through the same outbox and retries. */
  async test(wallet: string): Promise<string> {
    const id = `test:${randomBytes(8).toString("hex")}`;
    await this.record([
      {
        id,
        wallet,
        type: "webhook.test",
        payload: JSON.stringify({ id, type: "webhook.test", wallet }),
      },
    ]);
    return id;
  }

  endpoints(wallet: string) {
    return this.deps.store.endpoints(wallet);
  }

  deliveries(endpointId: string) {
    return this.deps.store.deliveries(endpointId);
  }

  removeEndpoint(wallet: string, id: string) {
    return this.deps.store.removeEndpoint(wallet, id, Date.now());
  }

  private every(fn: () => Promise<void>, ms: number): void {
    const loop = () => {
      if (this.stopped) return;
      const run = fn()
        .catch((error: unknown) => this.log.warn("notify tick failed", { error }))
        .finally(() => {
          if (!this.stopped) this.timers.push(setTimeout(loop, ms));
        });
      this.running.push(run);
      if (this.running.length > 10) this.running = this.running.slice(-10);
    };
    loop();
  }

  private async record(
    events: NotifyEvent[],
    write?: (sorted: NotifyEvent[], now: number) => Promise<void>,
  ): Promise<void> {
    const { store } = this.deps;
    // One batch shares its recording time: ordered by id, live listeners see the order a resume replays.
    events.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    // Not through the watcher's cursor: writing back a value read earlier could move it backwards.
    if (write) await write(events, Date.now());
    else await store.recordOffChainEvents(events, Date.now());
    for (const e of events)
      for (const [listener, wallet] of this.listeners)
        if (wallet === e.wallet)
          listener({ id: e.id, type: e.type, wallet: e.wallet, payload: e.payload });
  }

  private async watch(): Promise<void> {
    const { store, chain } = this.deps;
    const head = await chain.request<{ number: string; timestamp: string }>(
      "eth_getBlockByNumber",
      ["latest", false],
    );
    const latest = Number(BigInt(head.number));
    const cursor = await store.cursor();
    if (cursor === null) {
      // Start from now: notifications are about what happens from the first endpoint on.
      await store.recordEvents([], latest, Date.now());
      return;
    }
    const endpoints = await store.endpoints();
    const wallets = [...new Set([...endpoints.map((e) => e.wallet), ...this.streamed])];
    await this.seed(wallets, cursor, Number(BigInt(head.timestamp))).catch((error: unknown) =>
      this.log.warn("seeding a watched wallet failed", { error }),
    );
    if (latest > cursor) await this.readLogs(wallets, cursor, latest);
    await this.checkTimers(Number(BigInt(head.timestamp)));
  }

  /**
   * Reads the past timer-arming logs of one newly watched wallet (up to `cursor`; the watcher reads what
   * follows). A key that had already expired is not news to someone who starts watching now.
   */
  private async seed(wallets: string[], cursor: number, chainTime: number): Promise<void> {
    const { store, chain } = this.deps;
    const [wallet] = await store.unseeded(wallets);
    if (!wallet) return;
    let logs: RpcLog[];
    try {
      logs = await chain.getLogs({
        address: wallet,
        topics: [TIMER_EVENTS.map((name) => walletInterface.getEvent(name)!.topicHash)],
        fromBlock: "0x0",
        toBlock: "0x" + cursor.toString(16),
      });
    } catch (error) {
      // A node may refuse the whole range: after a few tries the wallet is watched from now on only, rather
      // than retried (and warned about) every poll.
      const failures = (this.seedFailures.get(wallet) ?? 0) + 1;
      this.seedFailures.set(wallet, failures);
      if (failures < MAX_SEED_ATTEMPTS) throw error;
      this.log.warn(
        "past logs unavailable: the wallet's earlier agents and proposals are not watched",
        {
          wallet,
          error,
        },
      );
      logs = [];
    }
    const timers: NotifyTimer[] = [];
    for (const log of logs) {
      const parsed = parseWalletLog(log);
      if (!parsed) continue;
      const timer = timerFor(getAddress(log.address), parsed);
      if (timer && !(timer.kind === "agent.key_expiring" && timer.at <= chainTime))
        timers.push(timer);
    }
    await store.seedWallet(wallet, timers, Date.now());
    this.log.info("watched wallet seeded", { wallet, timers: timers.length });
  }

  private async readLogs(wallets: string[], cursor: number, latest: number): Promise<void> {
    const { store, chain, chainId } = this.deps;
    const to = Math.min(latest, cursor + MAX_BLOCKS_PER_POLL);
    if (wallets.length === 0) {
      await store.recordEvents([], to, Date.now());
      return;
    }
    const logs = await chain.getLogs({
      address: wallets,
      fromBlock: "0x" + (cursor + 1).toString(16),
      toBlock: "0x" + to.toString(16),
    });
    const events: NotifyEvent[] = [];
    const timers: NotifyTimer[] = [];
    const blockTimes = new Map<string, bigint>();
    const blockTime = async (blockNumber: string): Promise<bigint> => {
      let t = blockTimes.get(blockNumber);
      if (t === undefined) {
        const block = await chain.request<{ timestamp: string }>("eth_getBlockByNumber", [
          blockNumber,
          false,
        ]);
        t = BigInt(block.timestamp);
        blockTimes.set(blockNumber, t);
      }
      return t;
    };
    for (const log of logs) {
      const parsed = parseWalletLog(log);
      if (!parsed) continue;
      const wallet = getAddress(log.address);
      const timer = timerFor(wallet, parsed);
      if (timer) timers.push(timer);
      let type = TYPES[parsed.name];
      if (!type) continue;
      // Queued with a delay means the owners loosened something: vetoers must hear about it within the delay.
      if (
        parsed.name === "ProposalQueued" &&
        (parsed.args[1] as bigint) > (await blockTime(log.blockNumber))
      )
        type = "proposal.loosening_queued";
      const id = `${log.transactionHash.toLowerCase()}:${Number(BigInt(log.logIndex))}`;
      events.push({
        id,
        wallet,
        type,
        payload: JSON.stringify({
          id,
          type,
          wallet,
          chainId: chainId.toString(),
          event: parsed.name,
          args: stringArgs(parsed),
          blockNumber: Number(BigInt(log.blockNumber)),
          transactionHash: log.transactionHash,
        }),
      });
    }
    await this.record(events, (sorted, now) => store.recordEvents(sorted, to, now, timers));
  }

  /**
   * Looks at the timers due at `chainTime` (the latest block's timestamp), re-reading each from the wallet.
   * A timer whose read fails (node down) stays armed for the next poll.
   */
  private async checkTimers(chainTime: number): Promise<void> {
    const { store } = this.deps;
    const notice = this.deps.keyExpiryNoticeSeconds ?? DEFAULT_KEY_EXPIRY_NOTICE_SECONDS;
    const due = await store.dueTimers(chainTime, chainTime + notice, TIMERS_PER_TICK);
    const done: string[] = [];
    const events: NotifyEvent[] = [];
    let complete = due.length < TIMERS_PER_TICK;
    for (const timer of due) {
      if (this.stopped) return;
      try {
        const event = await this.resolve(timer, chainTime);
        if (event) events.push(event);
        done.push(timer.id);
      } catch (error) {
        complete = false;
        this.log.warn("notify timer check failed", { timer: timer.id, error });
      }
    }
    if (done.length === 0) {
      // Nothing was due: only the cursor moves, and only when chain time did (a new block).
      if (complete && chainTime !== this.deadlinesWritten) {
        await store.setDeadlinesCheckedUntil(chainTime);
        this.deadlinesWritten = chainTime;
      }
      return;
    }
    await this.record(events, (sorted, now) =>
      store.finishTimers(done, sorted, now, complete ? chainTime : undefined),
    );
    if (complete) this.deadlinesWritten = chainTime;
  }

  /** The event a due timer becomes, or null when the wallet says it no longer applies. */
  private async resolve(timer: NotifyTimer, chainTime: number): Promise<NotifyEvent | null> {
    const { chainId } = this.deps;
    const base = { id: timer.id, type: timer.kind, wallet: timer.wallet };
    const payload = (args: Record<string, string>, extra: Record<string, unknown>) =>
      JSON.stringify({ ...base, chainId: chainId.toString(), args, chainTime, ...extra });
    if (timer.kind === "proposal.executable") {
      const id = BigInt(timer.subject);
      const proposal = await this.read(timer.wallet, "getProposal", [id]);
      if (!proposal) return null;
      const threshold = await this.read(timer.wallet, "threshold", []);
      if (!threshold) return null;
      const [state, , escalatedBy, , eta, , approvals] = proposal as unknown as [
        bigint,
        string,
        string,
        bigint,
        bigint,
        bigint,
        bigint,
      ];
      const executable =
        Number(state) === QUEUED &&
        Number(eta) <= chainTime &&
        chainTime <= Number(eta) + GRACE_PERIOD &&
        approvals >= (threshold[0] as bigint);
      if (!executable) return null;
      return {
        ...base,
        payload: payload(
          { id: id.toString(), eta: eta.toString(), escalatedBy },
          { executableUntil: Number(eta) + GRACE_PERIOD },
        ),
      };
    }
    const agent = await this.read(timer.wallet, "getAgent", [timer.subject]);
    if (!agent) return null;
    const [key, status, , validUntil] = agent as unknown as [string, bigint, bigint, bigint];
    const live = Number(status) === AGENT_ACTIVE || Number(status) === AGENT_SUSPENDED;
    if (!live || Number(validUntil) !== timer.at) return null;
    return {
      ...base,
      payload: payload(
        { agent: timer.subject, key, validUntil: validUntil.toString() },
        {
          expiresIn: Math.max(0, timer.at - chainTime),
          expired: chainTime > timer.at,
          suspended: Number(status) === AGENT_SUSPENDED,
        },
      ),
    };
  }

  /** A view of the wallet at the latest block; null when it reverts (nothing to notify). */
  private async read(wallet: string, fn: string, args: unknown[]) {
    const result = await this.deps.chain.call({
      to: wallet,
      data: walletInterface.encodeFunctionData(fn, args),
    });
    if (result.reverted) return null;
    try {
      return walletInterface.decodeFunctionResult(fn, result.result);
    } catch {
      // No code there any more, or not a Leash wallet: nothing to tell anyone about, and never retried.
      return null;
    }
  }

  private async deliver(): Promise<void> {
    const { store } = this.deps;
    const now = Date.now();
    for (const d of await store.due(now, 20)) {
      if (this.stopped) return;
      // Hold the attempt for longer than it can take, so no other instance sends it meanwhile.
      if (!(await store.claim(d, now + DELIVERY_TIMEOUT_MS * 3))) continue;
      await this.attempt({ ...d, nextAt: now + DELIVERY_TIMEOUT_MS * 3 });
    }
  }

  private async attempt(d: DueDelivery): Promise<void> {
    const { store } = this.deps;
    const timestamp = Math.floor(Date.now() / 1000);
    let error: string | null = null;
    try {
      const response = await fetch(d.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "leash-event-id": d.eventId,
          "leash-signature": `t=${timestamp},v1=${webhookSignature(d.secret, timestamp, d.payload)}`,
        },
        body: d.payload,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        redirect: "manual",
      });
      if (response.status < 200 || response.status >= 300) error = `HTTP ${response.status}`;
    } catch (e) {
      error = (e as Error).name === "TimeoutError" ? "timed out" : "unreachable";
    }
    if (error === null) {
      await store.delivered(d, Date.now());
      this.log.info("webhook delivered", { event: d.eventId, endpoint: d.endpointId });
      return;
    }
    const attempts = d.attempts + 1;
    const next =
      attempts >= MAX_ATTEMPTS
        ? null
        : Date.now() + Math.min(1000 * 2 ** (attempts - 1), 3_600_000);
    await store.failed(d, error, next);
    this.log.warn("webhook delivery failed", {
      event: d.eventId,
      endpoint: d.endpointId,
      attempts,
      error,
    });
  }
}

function parseWalletLog(log: RpcLog) {
  try {
    return walletInterface.parseLog(log);
  } catch {
    return null;
  }
}

function stringArgs(parsed: NonNullable<ReturnType<typeof parseWalletLog>>) {
  const args: Record<string, string> = {};
  parsed.fragment.inputs.forEach((input, i) => {
    const v = parsed.args[i] as unknown;
    args[input.name] = typeof v === "bigint" ? v.toString() : String(v);
  });
  return args;
}

/** The timer a log arms, if any: a queued proposal's eta, an agent key's validUntil (0 = never expires). */
function timerFor(
  wallet: string,
  parsed: NonNullable<ReturnType<typeof parseWalletLog>>,
): NotifyTimer | null {
  const w = wallet.toLowerCase();
  if (parsed.name === "ProposalQueued") {
    const id = (parsed.args[0] as bigint).toString();
    return {
      id: `executable:${w}:${id}`,
      wallet,
      kind: "proposal.executable",
      subject: id,
      at: Number(parsed.args[1] as bigint),
    };
  }
  const validUntil =
    parsed.name === "AgentAdded"
      ? (parsed.args[2] as bigint)
      : parsed.name === "AgentValidityChanged"
        ? (parsed.args[4] as bigint)
        : 0n;
  if (validUntil === 0n) return null;
  const agent = getAddress(parsed.args[0] as string);
  return {
    id: `key_expiring:${w}:${agent.toLowerCase()}:${validUntil}`,
    wallet,
    kind: "agent.key_expiring",
    subject: agent,
    at: Number(validUntil),
  };
}
