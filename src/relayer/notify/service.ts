/**
 * Notifications: a chain watcher turns the wallets' events into notification events (one id per chain log,
 * `<txHash>:<logIndex>`), recorded with one delivery per webhook endpoint in a durable outbox; a deliverer
 * POSTs each delivery, signed with the endpoint's secret (see src/client/webhooks.ts), and retries failures
 * with exponential backoff (1 s doubling, at most 1 h, given up after 15 attempts). A retried delivery keeps
 * its event id, so receivers process each id once. Live listeners (server-sent events) get the same events.
 */
import { randomBytes } from "node:crypto";
import { getAddress } from "ethers";
import { walletInterface } from "../../client/contracts.js";
import { webhookSignature } from "../../client/webhooks.js";
import type { ChainClient } from "../chain.js";
import type { Logger } from "../logger.js";
import type { DueDelivery, NotifyEvent, NotifyStore } from "./store.js";

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
const MAX_ATTEMPTS = 15;
const DELIVERY_TIMEOUT_MS = 5_000;

export interface NotifyDeps {
  chain: ChainClient;
  chainId: bigint;
  store: NotifyStore;
  logger: Logger;
  pollMs?: number;
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

  private async record(events: NotifyEvent[], toBlock?: number): Promise<void> {
    const { store } = this.deps;
    const block = toBlock ?? (await store.cursor()) ?? 0;
    // One batch shares its recording time: ordered by id, live listeners see the order a resume replays.
    events.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    await store.recordEvents(events, block, Date.now());
    for (const e of events)
      for (const [listener, wallet] of this.listeners)
        if (wallet === e.wallet)
          listener({ id: e.id, type: e.type, wallet: e.wallet, payload: e.payload });
  }

  private async watch(): Promise<void> {
    const { store, chain, chainId } = this.deps;
    const endpoints = await store.endpoints();
    const latest = await chain.blockNumber();
    const cursor = await store.cursor();
    if (cursor === null) {
      // Start from now: notifications are about what happens from the first endpoint on.
      await store.recordEvents([], latest, Date.now());
      return;
    }
    if (latest <= cursor) return;
    const wallets = [...new Set([...endpoints.map((e) => e.wallet), ...this.streamed])];
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
      let parsed = null;
      try {
        parsed = walletInterface.parseLog(log);
      } catch {
        parsed = null;
      }
      let type = parsed ? TYPES[parsed.name] : undefined;
      if (!parsed || !type) continue;
      // Queued with a delay means the owners loosened something: vetoers must hear about it within the delay.
      if (
        parsed.name === "ProposalQueued" &&
        (parsed.args[1] as bigint) > (await blockTime(log.blockNumber))
      )
        type = "proposal.loosening_queued";
      const wallet = getAddress(log.address);
      const id = `${log.transactionHash.toLowerCase()}:${Number(BigInt(log.logIndex))}`;
      const args: Record<string, string> = {};
      parsed.fragment.inputs.forEach((input, i) => {
        const v = parsed.args[i] as unknown;
        args[input.name] = typeof v === "bigint" ? v.toString() : String(v);
      });
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
          args,
          blockNumber: Number(BigInt(log.blockNumber)),
          transactionHash: log.transactionHash,
        }),
      });
    }
    await this.record(events, to);
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
