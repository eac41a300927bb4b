/**
 * Verifying the relayer's webhooks on the receiving side. Each delivery carries
 * `Leash-Event-Id`, and `Leash-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`
 * with the endpoint's own secret. Accept a delivery only if the signature matches and `t` is within the
 * replay window (default 300 s) of your clock; a retried delivery has the same event id: process each id once.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const WEBHOOK_REPLAY_WINDOW_SECONDS = 300;

export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/**
 * True when `header` (the `Leash-Signature` value) signs `body` with `secret` inside the replay window.
 *
 * @example
 * if (!verifyWebhook(secret, req.headers["leash-signature"], rawBody)) return res.writeHead(401).end();
 */
export function verifyWebhook(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
  windowSeconds = WEBHOOK_REPLAY_WINDOW_SECONDS,
): boolean {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? "");
  if (!match) return false;
  const t = Number(match[1]);
  if (Math.abs(nowSeconds - t) > windowSeconds) return false;
  const expected = Buffer.from(webhookSignature(secret, t, body), "hex");
  return timingSafeEqual(expected, Buffer.from(match[2], "hex"));
}
