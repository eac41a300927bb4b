/**
 * An off-chain batch (EIP-712 `ExecuteCalls`) the owners sign one after the other — here, or in their own browser
 * with the text below — then the relayer submits it: tightening runs at once, loosening is queued for its delay.
 */
import { useEffect, useState } from "react";
import {
  mergeSignatures,
  parseSignedBatch,
  serializeSignedBatch,
  type BatchReview,
  type SignedBatch,
} from "../../src/client/owner.js";
import type { RenderedCall } from "../../src/client/render.js";
import type { ConsoleBatch, ConsoleSigner, Leash } from "./leash.js";
import { durationText, errorText, short, whenText } from "./format.js";
import { CallFields } from "./CallFields.js";

export function BatchPanel({
  leash,
  batch,
  signer,
  onBatch,
  act,
}: {
  leash: Leash;
  batch: ConsoleBatch;
  signer: ConsoleSigner | null;
  onBatch: (b: ConsoleBatch | null) => void;
  act: (label: string, work: (s: ConsoleSigner) => Promise<string>) => Promise<void>;
}) {
  const [view, setView] = useState<{
    review: BatchReview;
    calls: RenderedCall[];
    now: bigint;
  } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [paste, setPaste] = useState("");
  useEffect(() => {
    let live = true;
    Promise.all([leash.reviewBatch(batch), leash.now()]).then(
      ([r, now]) => live && setView({ ...r, now }),
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [leash, batch]);
  const signed = batch.signatures.map((s) => s.signer);
  const mine = !!signer && signed.some((s) => s.toLowerCase() === signer.address.toLowerCase());
  const enough = view ? BigInt(signed.length) >= view.review.threshold : false;
  return (
    <section className="card batch" aria-labelledby="batch-h" data-testid="batch">
      <h2 id="batch-h">
        {batch.userOp ? "Owners' operation to sign" : "Batch for the owners to sign"}
      </h2>
      <p className="hint">
        {batch.userOp
          ? "An owners' user operation: the wallet pays its gas from its own balance; you need no ETH."
          : "Signed off-chain (EIP-712); the relayer submits it once enough owners signed: you need no ETH."}
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {!view ? (
        <p>Reading what the batch does…</p>
      ) : (
        <>
          <ol className="calls">
            {view.calls.map((c, i) => (
              <li key={i}>
                <strong>{c.action}</strong> on <span className="mono">{short(c.target)}</span>
                <CallFields fields={c.fields} />
              </li>
            ))}
          </ol>
          <dl className="facts compact">
            <dt>Effect</dt>
            <dd>
              {view.review.delay === 0n
                ? "runs as soon as it is submitted"
                : `queued for ${durationText(view.review.delay)} once submitted, then executable`}
            </dd>
            <dt>Signatures</dt>
            <dd data-testid="batch-signatures">
              {signed.length} of {view.review.threshold.toString()}
              {signed.length ? ` (${signed.map(short).join(", ")})` : ""}
            </dd>
            {batch.deadline > 0n && (
              <>
                <dt>Valid until</dt>
                <dd>{whenText(batch.deadline, view.now)}</dd>
              </>
            )}
          </dl>
        </>
      )}
      <div className="row actions">
        <button
          type="button"
          disabled={!signer || mine}
          onClick={() =>
            act("Sign the batch", async (s) => {
              const next = await leash.signBatch(s, batch);
              onBatch(next);
              return `Signed (${next.signatures.length} signature${next.signatures.length === 1 ? "" : "s"}).`;
            })
          }
        >
          {mine ? "You signed" : "Sign batch"}
        </button>
        <button
          type="button"
          disabled={!enough}
          onClick={() =>
            act("Submit the batch", async () => {
              const { transactionHash } = await leash.submitBatch(batch);
              onBatch(null);
              return `Submitted by the relayer (transaction ${short(transactionHash)}). ${view && view.review.delay > 0n ? "It is queued: execute it from the proposals once the delay passed." : ""}`;
            })
          }
        >
          Submit through the relayer
        </button>
        <button type="button" className="link" onClick={() => onBatch(null)}>
          Discard
        </button>
      </div>
      {!batch.userOp && (
        <details>
          <summary>Share with co-owners</summary>
          <label>
            This batch (send it to the other owners; it holds signatures, no secret)
            <textarea readOnly rows={4} value={serializeSignedBatch(batch)} />
          </label>
          <label>
            Paste a co-owner's copy to add their signatures
            <textarea rows={3} value={paste} onChange={(e) => setPaste(e.target.value)} />
          </label>
          <button
            type="button"
            disabled={!paste.trim()}
            onClick={() => {
              try {
                onBatch(mergeSignatures(batch, parseSignedBatch(paste)));
                setPaste("");
              } catch (e) {
                setError(errorText(e));
              }
            }}
          >
            Add their signatures
          </button>
        </details>
      )}
    </section>
  );
}
