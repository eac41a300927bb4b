/** The wallet's history from its events (the SDK's AuditClient), filtered, exported as CSV or JSON. */
import { useEffect, useMemo, useState } from "react";
import {
  AUDIT_KINDS,
  AuditClient,
  type AuditEntry,
  type AuditKind,
} from "../../src/client/audit.js";
import type { Leash } from "./leash.js";
import { download, errorText, short } from "./format.js";

export function AuditLog({
  leash,
  version,
  agents,
  onPayments,
}: {
  leash: Leash;
  version: number;
  agents: string[];
  onPayments: (entries: AuditEntry[]) => void;
}) {
  const audit = useMemo(
    () => new AuditClient({ wallet: leash.wallet, provider: leash.provider }),
    [leash],
  );
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [kind, setKind] = useState<AuditKind | "">("");
  const [agent, setAgent] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  // Each entry's amount in its asset's decimals and symbol (never a guessed 18), by row key.
  const [amounts, setAmounts] = useState<Map<string, string>>(new Map());

  useEffect(() => {
    let live = true;
    audit.history().then(
      (all) => {
        if (!live) return;
        setEntries(all);
        setError(null);
        onPayments(all.filter((e) => e.kind === "payment"));
      },
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [audit, version, onPayments]);

  useEffect(() => {
    let live = true;
    const priced = (entries ?? []).filter((e) => e.amount !== null);
    Promise.all(priced.map((e) => leash.assets.text(e.asset, e.amount!))).then((texts) => {
      if (live) setAmounts(new Map(priced.map((e, i) => [rowKey(e), texts[i]])));
    });
    return () => {
      live = false;
    };
  }, [entries, leash]);

  const shown = useMemo(() => {
    const fromT = from ? Date.parse(from) / 1000 : -Infinity;
    const toT = to ? Date.parse(to) / 1000 + 86_399 : Infinity;
    return (entries ?? [])
      .filter(
        (e) =>
          (!kind || e.kind === kind) &&
          (!agent || e.agent === agent) &&
          e.timestamp >= fromT &&
          e.timestamp <= toT,
      )
      .slice()
      .reverse();
  }, [entries, kind, agent, from, to]);

  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  return (
    <>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Audit log filters">
        <label>
          Kind
          <select
            value={kind}
            onChange={(e) => setKind(e.target.value as AuditKind | "")}
            name="kind"
          >
            <option value="">all</option>
            {AUDIT_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Agent
          <select value={agent} onChange={(e) => setAgent(e.target.value)} name="agent">
            <option value="">all</option>
            {agents.map((a) => (
              <option key={a} value={a}>
                {short(a)}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} name="from" />
        </label>
        <label>
          To
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} name="to" />
        </label>
        <div className="row">
          <button
            type="button"
            disabled={!shown.length}
            onClick={() =>
              download(`leash-audit-${stamp}.csv`, "text/csv", audit.toCSV(shown.slice().reverse()))
            }
          >
            Export CSV
          </button>
          <button
            type="button"
            disabled={!shown.length}
            onClick={() =>
              download(
                `leash-audit-${stamp}.json`,
                "application/json",
                audit.toJSON(shown.slice().reverse()),
              )
            }
          >
            Export JSON
          </button>
        </div>
      </form>
      {error && (
        <p role="alert" className="error">
          Could not read the history: {error}
        </p>
      )}
      {!entries && !error ? (
        <p>Loading the history…</p>
      ) : shown.length === 0 ? (
        <p>No entries match these filters.</p>
      ) : (
        <div className="table-wrap" tabIndex={0} aria-label="Audit entries (scrolls)">
          <table data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Kind</th>
                <th scope="col">Event</th>
                <th scope="col">Agent</th>
                <th scope="col">Amount</th>
                <th scope="col">To / proposal</th>
              </tr>
            </thead>
            <tbody>
              {shown.slice(0, 200).map((e) => (
                <tr key={rowKey(e)}>
                  <td>{new Date(e.timestamp * 1000).toLocaleString()}</td>
                  <td>{e.kind}</td>
                  <td>{e.event}</td>
                  <td className="mono">{e.agent ? short(e.agent) : ""}</td>
                  <td>{e.amount !== null ? (amounts.get(rowKey(e)) ?? "…") : ""}</td>
                  <td className="mono">
                    {e.counterparty
                      ? short(e.counterparty)
                      : e.proposalId !== null
                        ? `#${e.proposalId}`
                        : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

const rowKey = (e: AuditEntry) => `${e.transactionHash}:${e.logIndex}:${e.event}`;
