/** One proposal or escalation, decoded as the CLI shows it, with the actions an owner or guardian can sign. */
import { useEffect, useState } from "react";
import type { ConsoleSigner, Leash, ProposalView } from "./leash.js";
import { ConfirmButton } from "./App.js";
import { countdown, short, whenText } from "./format.js";
import { CallFields } from "./CallFields.js";

export function useTicker(ms = 1_000): number {
  const [t, setT] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setT(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return t;
}

export function ProposalCard({
  view,
  leash,
  signer,
  act,
}: {
  view: ProposalView;
  leash: Leash;
  signer: ConsoleSigner | null;
  act: (label: string, work: (s: ConsoleSigner) => Promise<string>) => Promise<void>;
}) {
  const { proposal: p, calls, relayer } = view;
  // Chain time moves on between refreshes: tick locally from the last block's time.
  const [loadedAt] = useState(() => Date.now());
  const tick = useTicker();
  const now = view.now + BigInt(Math.floor((tick - loadedAt) / 1_000));
  const open = (p.state === "pending" || p.state === "queued") && !p.expired;
  const atRelayer = relayer?.approvedAtRelayer ?? [];
  const counted = p.approvedBy.length + atRelayer.filter((a) => a.counts).length;
  const me = signer?.address.toLowerCase();
  const iApproved =
    !!me &&
    (p.approvedBy.some((a) => a.toLowerCase() === me) ||
      atRelayer.some((a) => a.owner.toLowerCase() === me));
  const mineAtRelayer = !!me && atRelayer.some((a) => a.owner.toLowerCase() === me);
  const executable = p.state === "queued" && p.eta <= now;
  const title = p.escalatedBy ? `Escalated payment #${p.id}` : `Proposal #${p.id}`;
  return (
    <article
      className={`proposal state-${p.state}`}
      aria-labelledby={`p-${p.id}`}
      data-testid={`proposal-${p.id}`}
    >
      <h3 id={`p-${p.id}`}>
        {title}{" "}
        <span className={`badge state-${p.state}`}>
          {p.expired ? `${p.state}, expired` : p.state}
        </span>
      </h3>
      <p className="kind">
        {p.escalatedBy ? (
          <>
            Agent <span className="mono">{short(p.escalatedBy)}</span> asked for approval: above its
            approval threshold.
          </>
        ) : (
          <>
            Proposed by <span className="mono">{short(p.proposer)}</span>.
          </>
        )}
      </p>
      <ol className="calls">
        {calls.map((c, i) => (
          <li key={i}>
            <strong data-testid="call-text">{c.action === "pay" ? c.text : c.action}</strong>
            {c.action !== "pay" && <CallFields fields={c.fields} />}
          </li>
        ))}
      </ol>
      <dl className="facts compact">
        <dt>Approvals</dt>
        <dd data-testid="approvals">
          {counted} of {p.threshold.toString()}
          {p.approvedBy.length > 0 && <> · on chain: {p.approvedBy.map(short).join(", ")}</>}
          {atRelayer.length > 0 && (
            <>
              {" "}
              · signed at the relayer:{" "}
              {atRelayer
                .map((a) => `${short(a.owner)}${a.counts ? "" : " (not counted)"}`)
                .join(", ")}
            </>
          )}
        </dd>
        {p.state === "queued" && (
          <>
            <dt>Executable</dt>
            <dd data-testid="eta">
              {executable ? "now" : countdown(p.eta, now)} ({whenText(p.eta, now).split(",")[0]})
            </dd>
          </>
        )}
        {p.state === "pending" && p.delay > 0n && (
          <>
            <dt>Delay</dt>
            <dd>{countdown(now + p.delay, now).replace("in ", "")} after approval</dd>
          </>
        )}
        {p.state === "pending" && (
          <>
            <dt>Expires</dt>
            <dd>{whenText(p.expiresAt, now)}</dd>
          </>
        )}
        {relayer?.actions &&
          Object.entries(relayer.actions)
            .filter(([, a]) => a)
            .map(([name, a]) => (
              <div key={name} className="relayer-action">
                <dt>Relayer {name}</dt>
                <dd>
                  {a!.status}
                  {a!.txHash ? ` (${short(a!.txHash)})` : ""}
                  {a!.reason ? `: ${a!.reason}` : ""}
                </dd>
              </div>
            ))}
      </dl>
      {open && (
        <div className="row actions">
          {p.state === "pending" && (
            <button
              type="button"
              disabled={!signer || iApproved}
              title={iApproved ? "you approved already" : undefined}
              onClick={() =>
                act(`Approve #${p.id}`, async (s) => {
                  const result = await leash.approve(s, p);
                  const count =
                    result.approvedOnChain.length +
                    result.approvedAtRelayer.filter((a) => a.counts).length;
                  if (BigInt(count) < p.threshold)
                    return `Approval of #${p.id} recorded: ${count} of ${p.threshold}. The relayer submits once enough owners approved.`;
                  // The relayer submits the approvals (queued), then executes at once when there is no delay.
                  await leash.waitFor(async () => {
                    const q = await leash.reader.proposal(p.id);
                    if (q.state === "queued")
                      return q.delay > 0n || q.eta > (await leash.now()) + 60n;
                    return q.state !== "pending";
                  });
                  const after = await leash.reader.proposal(p.id);
                  return `#${p.id} reached the threshold: ${after.state}${after.state === "executed" ? " — the payment went out" : ""}.`;
                })
              }
            >
              Approve{signer?.kind === "passkey" ? " with passkey" : ""}
            </button>
          )}
          {mineAtRelayer && signer && (
            <button
              type="button"
              onClick={() =>
                act(`Withdraw approval of #${p.id}`, async (s) => {
                  const { withdrawn } = await leash.withdraw(s, p.id);
                  return withdrawn
                    ? `Your approval of #${p.id} is withdrawn.`
                    : `Too late: the relayer already submitted it.`;
                })
              }
            >
              Withdraw my approval
            </button>
          )}
          {executable && (
            <button
              type="button"
              disabled={!signer}
              onClick={() =>
                act(`Execute #${p.id}`, async (s) => {
                  await leash.execute(s, p.id);
                  await leash.waitFor(
                    async () => (await leash.reader.proposal(p.id)).state === "executed",
                  );
                  return `#${p.id} executed.`;
                })
              }
            >
              Execute
            </button>
          )}
          <ConfirmButton
            label="Veto"
            confirm={`Cancel #${p.id} for good?`}
            danger
            disabled={!signer}
            onConfirm={() =>
              act(`Veto #${p.id}`, async (s) => {
                await leash.guardianAction(s, "cancel", [p.id]);
                await leash.waitFor(
                  async () => (await leash.reader.proposal(p.id)).state === "cancelled",
                );
                return `#${p.id} vetoed.`;
              })
            }
          />
        </div>
      )}
    </article>
  );
}
