/**
 * GET /events?wallet=0x…: the wallet's notifications (the same events webhooks get) as server-sent events,
 * for live pages. Authenticated like the read methods: an API key scoped to the wallet (Authorization: Bearer
 * or x-api-key), or an owner's or guardian's signed `RelayerRequest("events", wallet, 0, issuedAt)` passed as
 * `signer`, `issuedAt` and `signature` query parameters (EventSource can't set headers). Each event carries
 * its id; a client reconnecting with `Last-Event-ID` first gets what was recorded after that event, then the
 * live stream. A comment line every `heartbeatMs` keeps proxies from closing an idle stream.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { getAddress, isAddress } from "ethers";
import type { ApiKeyInfo } from "../auth/apiKeys.js";
import { RpcError } from "../errors.js";
import { requireReader, type RequestAuth } from "./methods/ownerAuth.js";
import type { RelayerContext } from "./types.js";

const MAX_REPLAY = 1_000;
const DEFAULT_HEARTBEAT_MS = 15_000;

function refuse(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

function authFrom(query: URLSearchParams): RequestAuth | undefined | null {
  const signer = query.get("signer");
  const issuedAt = query.get("issuedAt");
  const signature = query.get("signature");
  if (signer === null && issuedAt === null && signature === null) return undefined;
  if (
    !signer ||
    !isAddress(signer) ||
    !issuedAt ||
    !/^[0-9]{1,12}$/.test(issuedAt) ||
    !signature ||
    !/^0x[0-9a-fA-F]{130,2048}$/.test(signature)
  )
    return null;
  return { signer: getAddress(signer), issuedAt: BigInt(issuedAt), signature };
}

/** Serves one stream until the client goes or `stop` is called; returns once the stream is open or refused. */
export async function serveEvents(
  ctx: RelayerContext,
  req: IncomingMessage,
  res: ServerResponse,
  apiKey: ApiKeyInfo | null,
  streams: Set<() => void>,
): Promise<void> {
  const query = new URL(req.url ?? "/", "http://relayer").searchParams;
  const raw = query.get("wallet");
  if (!raw || !isAddress(raw)) return refuse(res, 400, "wallet must be an address");
  const wallet = getAddress(raw);
  const auth = authFrom(query);
  if (auth === null) return refuse(res, 400, "signer, issuedAt and signature are malformed");
  try {
    await requireReader(
      { relayer: ctx, apiKey, logger: ctx.logger },
      wallet,
      0n,
      auth ? { ...auth } : undefined,
      "events",
    );
  } catch (error) {
    if (error instanceof RpcError) return refuse(res, 403, error.message);
    throw error;
  }

  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write("retry: 2000\n\n");
  const sent = new Set<string>();
  const send = (e: { id: string; type: string; payload: string }) => {
    if (sent.has(e.id) || res.writableEnded) return;
    sent.add(e.id);
    // Payloads are single-line JSON: one data line per event.
    res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${e.payload}\n\n`);
  };
  // Subscribed before the replay is read: an event recorded meanwhile is buffered, then sent once.
  let buffered: { id: string; type: string; payload: string }[] | null = [];
  const unsubscribe = ctx.notify.subscribe(wallet, (e) => (buffered ? buffered.push(e) : send(e)));
  const heartbeat = setInterval(
    () => res.write(": heartbeat\n\n"),
    ctx.config.sseHeartbeatMs ?? DEFAULT_HEARTBEAT_MS,
  );
  let closed = false;
  const stop = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
    streams.delete(stop);
    res.end();
  };
  streams.add(stop);
  req.socket.once("close", stop);
  res.once("close", stop);

  const lastEventId = req.headers["last-event-id"];
  if (typeof lastEventId === "string" && lastEventId.length > 0 && lastEventId.length <= 200)
    for (const e of await ctx.notify.eventsAfter(wallet, lastEventId, MAX_REPLAY)) send(e);
  const pending = buffered;
  buffered = null;
  for (const e of pending) send(e);
  ctx.logger.info("event stream opened", { wallet, resumed: typeof lastEventId === "string" });
}
