/**
 * The relayer's server-sent events for one wallet (`GET /events`, through the console server), read with fetch
 * so the API key travels in a header (EventSource can't set one, and a key in a URL ends up in logs). Reconnects
 * with `Last-Event-ID`, so nothing recorded meanwhile is missed.
 */
export interface WalletEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

export type StreamState = "connecting" | "live" | "reconnecting" | "refused";

export function streamEvents(
  wallet: string,
  apiKey: string,
  onEvent: (e: WalletEvent) => void,
  onState: (s: StreamState, detail?: string) => void,
): () => void {
  const abort = new AbortController();
  let lastId: string | null = null;
  let retryMs = 2_000;
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        const headers: Record<string, string> = {
          accept: "text/event-stream",
          authorization: `Bearer ${apiKey}`,
        };
        if (lastId) headers["last-event-id"] = lastId;
        const res = await fetch(`/relayer/events?wallet=${wallet}`, {
          headers,
          signal: abort.signal,
          cache: "no-store",
        });
        if (res.status === 401 || res.status === 403) {
          const body = (await res.json().catch(() => ({}))) as { error?: string };
          onState("refused", body.error ?? `HTTP ${res.status}`);
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState("live");
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut: number;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let id = "";
            let type = "message";
            let data = "";
            for (const line of block.split("\n")) {
              if (line.startsWith("id: ")) id = line.slice(4);
              else if (line.startsWith("event: ")) type = line.slice(7);
              else if (line.startsWith("data: ")) data += line.slice(6);
              else if (line.startsWith("retry: "))
                retryMs = Math.max(1_000, Number(line.slice(7)) || retryMs);
            }
            if (!data) continue;
            if (id) lastId = id;
            try {
              onEvent({ id, type, data: JSON.parse(data) as Record<string, unknown> });
            } catch {
              // a malformed payload is skipped; the next refresh shows the state anyway
            }
          }
        }
      } catch (error) {
        if (abort.signal.aborted) return;
        onState("reconnecting", (error as Error).message);
      }
      if (abort.signal.aborted) return;
      onState("reconnecting");
      await new Promise((r) => setTimeout(r, retryMs));
    }
  };
  onState("connecting");
  void run();
  return () => abort.abort();
}
