/**
 * The owner console: sign in with the relayer API key (kept in sessionStorage only), see the wallet, its
 * agents and what waits for a decision, act with a browser wallet or a passkey. Live: the relayer's event
 * stream and new blocks refresh what is shown.
 */
import {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  type FormEvent,
  type ReactNode,
} from "react";
import { isAddress, getAddress } from "ethers";
import {
  Leash,
  loadConfig,
  type ConsoleBatch,
  type ConsoleConfig,
  type ConsoleSigner,
  type ProposalView,
  type AgentRow,
  type Overview,
} from "./leash.js";
import { streamEvents, type StreamState, type WalletEvent } from "./events.js";
import { connectInjected, hasInjectedWallet } from "./signers.js";
import { PasskeyPanel } from "./PasskeyPanel.js";
import { BatchPanel } from "./BatchPanel.js";
import { walletInterface } from "../../src/client/contracts.js";
import { AgentCard } from "./AgentCard.js";
import { ProposalCard } from "./ProposalCard.js";
import { AuditLog } from "./AuditLog.js";
import { amountText, countdown, durationText, errorText, short } from "./format.js";
import type { AuditEntry } from "../../src/client/audit.js";
const SESSION_KEY = "leash.console.session";

interface Session {
  wallet: string;
  apiKey: string;
}

function readSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function App() {
  const [config, setConfig] = useState<ConsoleConfig | null>(null);
  const [configError, setConfigError] = useState<string | null>(null);
  const [session, setSession] = useState<Session | null>(readSession);

  useEffect(() => {
    loadConfig().then(setConfig, (e: unknown) => setConfigError(errorText(e)));
  }, []);

  if (configError)
    return (
      <main className="center">
        <h1>Leash owner console</h1>
        <p role="alert" className="error">
          The console server did not answer: {configError}. Is <code>npm start</code> (or{" "}
          <code>leash console</code>) running?
        </p>
      </main>
    );
  if (!config)
    return (
      <main className="center" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  if (!session)
    return (
      <SignIn
        config={config}
        onSignedIn={(s) => {
          sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
          setSession(s);
        }}
      />
    );
  return (
    <Dashboard
      key={`${session.wallet}`}
      config={config}
      session={session}
      onSignOut={() => {
        sessionStorage.removeItem(SESSION_KEY);
        setSession(null);
      }}
    />
  );
}

function SignIn({
  config,
  onSignedIn,
}: {
  config: ConsoleConfig;
  onSignedIn: (s: Session) => void;
}) {
  const [wallet, setWallet] = useState(config.wallet ?? "");
  const [apiKey, setApiKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!isAddress(wallet))
      return setError("The wallet must be an address (0x followed by 40 hex digits).");
    if (!/^leash_[0-9a-f]+_[0-9a-zA-Z_-]+$/.test(apiKey.trim()))
      return setError(
        "The API key looks like leash_<id>_<secret> (from `leash apikey create` or npm start's output).",
      );
    setBusy(true);
    try {
      const leash = new Leash(config, getAddress(wallet), apiKey.trim());
      await leash.checkAccess();
      onSignedIn({ wallet: getAddress(wallet), apiKey: apiKey.trim() });
    } catch (err) {
      setError(`The relayer refused: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="center">
      <h1>Leash owner console</h1>
      <p>
        See what your agents spend and approve what needs you. Reading needs the relayer API key for
        this wallet; it stays in this tab only.
      </p>
      <form
        onSubmit={submit}
        className="card signin"
        aria-describedby={error ? "signin-error" : undefined}
      >
        <label>
          Wallet address
          <input
            name="wallet"
            value={wallet}
            onChange={(e) => setWallet(e.target.value)}
            spellCheck={false}
            autoComplete="off"
            required
          />
        </label>
        <label>
          Relayer API key
          <input
            name="apiKey"
            type="password"
            value={apiKey}
            onChange={(e) => setApiKey(e.target.value)}
            autoComplete="off"
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Checking…" : "Open wallet"}
        </button>
        {error && (
          <p id="signin-error" role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

export interface Notice {
  kind: "ok" | "error" | "info";
  text: string;
}

function Dashboard({
  config,
  session,
  onSignOut,
}: {
  config: ConsoleConfig;
  session: Session;
  onSignOut: () => void;
}) {
  const leash = useMemo(() => new Leash(config, session.wallet, session.apiKey), [config, session]);
  const [overview, setOverview] = useState<Overview | null>(null);
  const [proposals, setProposals] = useState<ProposalView[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [relayerDown, setRelayerDown] = useState(false);
  const [stream, setStream] = useState<{ state: StreamState; detail?: string }>({
    state: "connecting",
  });
  const [feed, setFeed] = useState<WalletEvent[]>([]);
  const [signer, setSigner] = useState<ConsoleSigner | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [auditVersion, setAuditVersion] = useState(0);
  const [payments, setPayments] = useState<AuditEntry[]>([]);
  const [batch, setBatch] = useState<ConsoleBatch | null>(null);
  const refreshing = useRef<Promise<void> | null>(null);
  const again = useRef(false);

  const refresh = useCallback(async () => {
    if (refreshing.current) {
      again.current = true;
      return refreshing.current;
    }
    const run = async () => {
      do {
        again.current = false;
        try {
          const { overview: o, proposals: p } = await leash.snapshot();
          setOverview(o);
          setProposals(p);
          setLoadError(null);
        } catch (error) {
          setLoadError(errorText(error));
        }
        setRelayerDown(!(await leash.relayerUp()));
      } while (again.current);
    };
    refreshing.current = run().finally(() => (refreshing.current = null));
    return refreshing.current;
  }, [leash]);

  useEffect(() => {
    void refresh();
    const stop = streamEvents(
      session.wallet,
      session.apiKey,
      (e) => {
        setFeed((f) => (f.some((x) => x.id === e.id) ? f : [e, ...f].slice(0, 50)));
        setAuditVersion((v) => v + 1);
        void refresh();
      },
      (state, detail) => setStream({ state, detail }),
    );
    // Payments and approvals are not stream events: new blocks refresh the view too.
    let lastBlock = -1;
    const timer = setInterval(async () => {
      try {
        const n = await leash.provider.getBlockNumber();
        if (n !== lastBlock) {
          // Also on the first poll: this effect runs again whenever the session or signer changes, and a
          // block mined between that run's first read and its first poll must not go unseen.
          lastBlock = n;
          setAuditVersion((v) => v + 1);
          void refresh();
        }
      } catch {
        void refresh();
      }
    }, 3_000);
    return () => {
      stop();
      clearInterval(timer);
    };
  }, [leash, refresh, session]);

  const act = useCallback(
    async (label: string, work: (s: ConsoleSigner) => Promise<string>) => {
      if (!signer) {
        setNotice({
          kind: "error",
          text: "Connect a browser wallet or a passkey first (top of the page).",
        });
        return;
      }
      setNotice({ kind: "info", text: `${label}: waiting for your signature…` });
      try {
        const done = await work(signer);
        setNotice({ kind: "ok", text: done });
      } catch (error) {
        setNotice({ kind: "error", text: `${label} failed: ${errorText(error)}` });
      } finally {
        void refresh();
      }
    },
    [signer, refresh],
  );

  const info = overview?.info;
  const role =
    signer && info
      ? info.owners.includes(signer.address)
        ? "owner"
        : info.guardians.includes(signer.address)
          ? "guardian"
          : "neither owner nor guardian"
      : null;
  const open =
    proposals?.filter(
      (p) =>
        (p.proposal.state === "pending" || p.proposal.state === "queued") && !p.proposal.expired,
    ) ?? [];
  const closed = proposals?.filter((p) => !open.includes(p)) ?? [];
  const proposalCard = (p: ProposalView) => (
    <ProposalCard key={p.proposal.id.toString()} view={p} leash={leash} signer={signer} act={act} />
  );

  return (
    <>
      <header className="top">
        <div className="brand">
          <h1>Leash</h1>
          <span className="mono" title={session.wallet}>
            wallet {short(session.wallet)}
          </span>
        </div>
        <div className="status" aria-live="polite">
          <span className={`badge stream-${stream.state}`} data-testid="stream-state">
            {stream.state === "live"
              ? "● live"
              : stream.state === "refused"
                ? "stream refused"
                : stream.state}
          </span>
          {relayerDown && (
            <span className="badge danger" role="alert">
              relayer down
            </span>
          )}
        </div>
        <nav aria-label="Sections" className="sections">
          <a href="#wallet">Wallet</a>
          <a href="#agents">Agents</a>
          <a href="#proposals">Proposals{open.length ? ` (${open.length})` : ""}</a>
          <a href="#activity">Activity</a>
          <a href="#audit">Audit log</a>
        </nav>
        <button type="button" className="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main className="dash">
        <section className="card signer" aria-labelledby="signer-h">
          <h2 id="signer-h">Sign as</h2>
          {signer ? (
            <p data-testid="signer">
              <strong>{signer.label}</strong> — {role}
              <button type="button" className="link" onClick={() => setSigner(null)}>
                disconnect
              </button>
            </p>
          ) : (
            <p>
              Nothing is signed without you: connect the key of an owner or guardian to act. No ETH
              is needed; the relayer submits your signatures.
            </p>
          )}
          <div className="row">
            <button
              type="button"
              onClick={() =>
                connectInjected().then(
                  (s) => {
                    setSigner(s);
                    setNotice(null);
                  },
                  (e: unknown) => setNotice({ kind: "error", text: errorText(e) }),
                )
              }
              disabled={!hasInjectedWallet()}
              title={hasInjectedWallet() ? undefined : "no browser wallet found"}
            >
              Connect browser wallet
            </button>
            {info && (
              <PasskeyPanel
                leash={leash}
                owners={info.owners}
                signer={signer}
                onSigner={setSigner}
                onNotice={setNotice}
                onBatch={setBatch}
                refreshed={overview}
              />
            )}
          </div>
          {notice && (
            <p
              role={notice.kind === "error" ? "alert" : "status"}
              className={`notice ${notice.kind}`}
              data-testid="notice"
            >
              {notice.text}
            </p>
          )}
        </section>

        {batch && (
          <BatchPanel leash={leash} batch={batch} signer={signer} onBatch={setBatch} act={act} />
        )}

        {loadError && (
          <p role="alert" className="error card">
            Could not read the wallet: {loadError}{" "}
            <button type="button" onClick={() => void refresh()}>
              Retry
            </button>
          </p>
        )}

        <section id="wallet" className="card" aria-labelledby="wallet-h" aria-busy={!info}>
          <h2 id="wallet-h">Wallet</h2>
          {!info || !overview ? (
            <p>Loading the wallet…</p>
          ) : (
            <>
              <dl className="facts" data-testid="wallet-facts">
                <dt>Address</dt>
                <dd className="mono">{info.address}</dd>
                <dt>Status</dt>
                <dd data-testid="paused">
                  {info.paused ? (
                    <span className="badge danger">paused</span>
                  ) : (
                    <span className="badge ok">active</span>
                  )}
                </dd>
                <dt>Balance</dt>
                <dd>
                  {amountText(info.balance, overview.native.decimals, overview.native.symbol)} (gas
                  deposit {amountText(info.deposit, 18, overview.native.symbol)})
                </dd>
                <dt>Threshold</dt>
                <dd data-testid="threshold">
                  {info.threshold.toString()} of {info.owners.length} owners
                </dd>
                <dt>Owners</dt>
                <dd>
                  <ul className="plain mono" data-testid="owners">
                    {info.owners.map((o) => (
                      <li key={o}>
                        {o}
                        {signer?.address === o ? " (you)" : ""}
                      </li>
                    ))}
                  </ul>
                </dd>
                <dt>Guardians</dt>
                <dd>
                  <ul className="plain mono" data-testid="guardians">
                    {info.guardians.length ? (
                      info.guardians.map((g) => (
                        <li key={g}>
                          {g}
                          {signer?.address === g ? " (you)" : ""}
                        </li>
                      ))
                    ) : (
                      <li>none</li>
                    )}
                  </ul>
                </dd>
                <dt>Delays</dt>
                <dd>
                  admin changes {durationText(info.adminDelay)}, upgrades{" "}
                  {durationText(info.upgradeDelay)}, minimum pause{" "}
                  {durationText(info.minPauseDuration)}
                </dd>
                <dt>Proposals</dt>
                <dd>{info.proposalCount.toString()} so far</dd>
              </dl>
              <div className="row">
                {!info.paused ? (
                  <ConfirmButton
                    label="Pause the wallet"
                    confirm="Pause every agent now?"
                    danger
                    onConfirm={() =>
                      act("Pause", async (s) => {
                        const { transactionHash } = await leash.guardianAction(s, "pause", []);
                        await leash.waitFor(() => leash.paused());
                        return `Paused: every agent is stopped (transaction ${short(transactionHash)}).`;
                      })
                    }
                  />
                ) : (
                  <>
                    <p className="hint">
                      Paused {countdown(info.pausedAt, overview.now)}. Unpausing needs{" "}
                      {info.threshold.toString()} owners, not before{" "}
                      {countdown(info.pausedAt + info.minPauseDuration, overview.now)}.
                    </p>
                    <button
                      type="button"
                      onClick={async () => {
                        try {
                          setBatch(
                            await leash.newBatch([
                              {
                                target: info.address,
                                value: 0n,
                                data: walletInterface.encodeFunctionData("unpause", []),
                              },
                            ]),
                          );
                          setNotice({
                            kind: "info",
                            text: "An unpause batch is ready above: owners sign it, then submit.",
                          });
                        } catch (e) {
                          setNotice({ kind: "error", text: errorText(e) });
                        }
                      }}
                    >
                      Request unpause
                    </button>
                  </>
                )}
              </div>
            </>
          )}
        </section>

        <section id="agents" className="card" aria-labelledby="agents-h">
          <h2 id="agents-h">Agents</h2>
          {!overview ? (
            <p>Loading agents…</p>
          ) : overview.agents.length === 0 ? (
            <p>This wallet has no agents yet.</p>
          ) : (
            <div className="grid">
              {overview.agents.map((row: AgentRow) => (
                <AgentCard
                  key={row.agent.agent}
                  row={row}
                  now={overview.now}
                  payments={payments.filter((p) => p.agent === row.agent.agent)}
                  onAction={(fn) =>
                    act(fn === "suspendAgent" ? "Suspend" : "Revoke", async (s) => {
                      await leash.guardianAction(s, fn, [row.agent.agent]);
                      await leash.waitFor(async () => {
                        const st = (await leash.reader.agent(row.agent.agent)).status;
                        return fn === "suspendAgent" ? st !== "active" : st === "revoked";
                      });
                      return `Agent ${short(row.agent.agent)} ${fn === "suspendAgent" ? "suspended" : "revoked"}.`;
                    })
                  }
                />
              ))}
            </div>
          )}
        </section>

        <section id="proposals" className="card" aria-labelledby="proposals-h">
          <h2 id="proposals-h">Waiting for a decision</h2>
          {!proposals ? (
            <p>Loading proposals…</p>
          ) : open.length === 0 ? (
            <p data-testid="no-proposals">
              Nothing waits for you: no pending escalation or proposal.
            </p>
          ) : (
            open.map(proposalCard)
          )}
          {closed.length > 0 && (
            <details>
              <summary>Earlier proposals ({closed.length})</summary>
              {closed.map(proposalCard)}
            </details>
          )}
        </section>

        <section id="activity" className="card" aria-labelledby="activity-h">
          <h2 id="activity-h">Live activity</h2>
          {stream.state === "refused" && (
            <p role="alert" className="error">
              The relayer refused the event stream: {stream.detail}
            </p>
          )}
          {feed.length === 0 ? (
            <p>
              No events since this page opened. Payments refused, escalations, proposals and pauses
              appear here as they happen.
            </p>
          ) : (
            <ol className="feed" data-testid="feed">
              {feed.map((e) => (
                <li key={e.id}>
                  <span className="badge">{e.type}</span> {eventText(e)}
                </li>
              ))}
            </ol>
          )}
        </section>

        <section id="audit" className="card" aria-labelledby="audit-h">
          <h2 id="audit-h">Audit log</h2>
          <AuditLog
            leash={leash}
            version={auditVersion}
            agents={overview?.agents.map((a) => a.agent.agent) ?? []}
            onPayments={setPayments}
          />
        </section>
      </main>
    </>
  );
}

function eventText(e: WalletEvent): string {
  const args = (e.data.args ?? {}) as Record<string, string>;
  switch (e.type) {
    case "escalation.requested":
      return `agent ${short(args.agent ?? "")} asked the owners to approve a payment (proposal #${args.proposalId})`;
    case "proposal.queued":
    case "proposal.loosening_queued":
      return `proposal #${args.id} queued`;
    case "proposal.executed":
      return `proposal #${args.id} executed`;
    case "proposal.cancelled":
      return `proposal #${args.id} vetoed by ${short(args.by ?? "")}`;
    case "wallet.paused":
      return `wallet paused by ${short(args.by ?? "")}`;
    case "wallet.unpaused":
      return "wallet unpaused";
    case "agent.suspended":
    case "agent.revoked":
      return `agent ${short(args.agent ?? "")} ${e.type === "agent.suspended" ? "suspended" : "revoked"}`;
    case "agent.refused":
      return `an agent's operation was refused: ${String(e.data.rule ?? e.data.reason ?? "")}`;
    default:
      return e.id;
  }
}

/** A button that asks once more before a consequential action (keyboard-reachable, no modal). */
export function ConfirmButton({
  label,
  confirm,
  onConfirm,
  danger,
  disabled,
}: {
  label: string;
  confirm: string;
  onConfirm: () => void;
  danger?: boolean;
  disabled?: boolean;
}): ReactNode {
  const [asking, setAsking] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) yes.current?.focus();
  }, [asking]);
  if (!asking)
    return (
      <button
        type="button"
        className={danger ? "danger" : undefined}
        onClick={() => setAsking(true)}
        disabled={disabled}
      >
        {label}
      </button>
    );
  return (
    <span className="confirm" role="group" aria-label={confirm}>
      <span>{confirm}</span>
      <button
        ref={yes}
        type="button"
        className={danger ? "danger" : undefined}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        Yes, {label.toLowerCase()}
      </button>
      <button type="button" className="link" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
