/**
 * The notifications outbox's timers (proposal.executable, agent.key_expiring) on both backends, real SQLite
 * and real PostgreSQL: a timer is due by its own kind's rule, an event it becomes is recorded (with one
 * delivery per endpoint) exactly once however often the timer is re-armed or finished, and everything survives
 * closing and reopening the database.
 */
import { expect } from "chai";
import { NotifyStore, type NotifyTimer } from "../../src/relayer/notify/store.js";
import { startPostgres, tempDir, type TestPostgres } from "./helpers.js";

const WALLET = "0x1111111111111111111111111111111111111111";
const AGENT = "0x2222222222222222222222222222222222222222";

const executable = (at: number): NotifyTimer => ({
  id: `executable:${WALLET.toLowerCase()}:7`,
  wallet: WALLET,
  kind: "proposal.executable",
  subject: "7",
  at,
});
const expiring = (validUntil: number): NotifyTimer => ({
  id: `key_expiring:${WALLET.toLowerCase()}:${AGENT.toLowerCase()}:${validUntil}`,
  wallet: WALLET,
  kind: "agent.key_expiring",
  subject: AGENT,
  at: validUntil,
});
const eventOf = (t: NotifyTimer) => ({
  id: t.id,
  wallet: t.wallet,
  type: t.kind,
  payload: JSON.stringify({ id: t.id }),
});

for (const backend of ["sqlite", "postgres"] as const) {
  describe(`notify store timers (${backend})`, function () {
    this.timeout(120_000);
    let pg: TestPostgres | null = null;
    let url: string;
    let store: NotifyStore;

    before(async () => {
      if (backend === "postgres") {
        pg = await startPostgres();
        url = pg.url;
      } else url = `sqlite:${tempDir()}/notify.sqlite`;
      store = await NotifyStore.open(url);
    });

    after(async () => {
      await store?.close();
      await pg?.stop();
    });

    it("a timer is due by its kind: an eta once passed, a key's validUntil once inside the window", async () => {
      await store.addEndpoint({
        id: "ep1",
        wallet: WALLET,
        url: "http://127.0.0.1:9/",
        secret: "whsec_x",
        createdAt: 1,
      });
      await store.recordEvents([], 10, 1, [executable(1_000), expiring(5_000)]);
      // Chain time 999: neither (the key is 4,001 s away, the window 3,600 s).
      expect(await store.dueTimers(999, 999 + 3_600, 20)).to.deep.equal([]);
      // Chain time 1,000: the eta has come; the key still outside the window.
      expect((await store.dueTimers(1_000, 1_000 + 3_600, 20)).map((t) => t.kind)).to.deep.equal([
        "proposal.executable",
      ]);
      // Chain time 1,400: both (the key is exactly 3,600 s away).
      expect(await store.dueTimers(1_400, 1_400 + 3_600, 20)).to.deep.equal([
        executable(1_000),
        expiring(5_000),
      ]);
      expect(await store.dueTimers(1_400, 1_400 + 3_600, 1)).to.have.length(1);
      expect(await store.cursor()).to.equal(10);
    });

    it("finishing records the event once with one delivery; re-arming and finishing again adds nothing", async () => {
      const timer = executable(1_000);
      await store.finishTimers([timer.id], [eventOf(timer)], 2, 1_400);
      expect(await store.deadlinesCheckedUntil()).to.equal(1_400);
      expect(await store.dueTimers(1_400, 1_400 + 3_600, 20)).to.deep.equal([expiring(5_000)]);
      // A replayed block range re-arms it (e.g. queued again with a later eta): due at the new time only.
      await store.recordEvents([], 11, 3, [executable(2_000)]);
      expect((await store.dueTimers(1_999, 1_999, 20)).map((t) => t.id)).to.not.include(timer.id);
      expect((await store.dueTimers(2_000, 2_000, 20)).map((t) => t.id)).to.include(timer.id);
      await store.finishTimers([timer.id], [eventOf(timer)], 4, 2_000);
      const events = (await store.events(WALLET)).filter((e) => e.id === timer.id);
      expect(events).to.have.length(1);
      expect(await store.deliveries("ep1")).to.deep.equal([
        { eventId: timer.id, status: "pending", attempts: 0 },
      ]);
      // The deadlines cursor only moves when given.
      await store.finishTimers([], [], 5);
      expect(await store.deadlinesCheckedUntil()).to.equal(2_000);
      // An event from outside the watcher (a refusal, a test) leaves the block cursor where it is.
      expect(await store.cursor()).to.equal(11);
      await store.recordOffChainEvents(
        [{ id: "refused:0xab", wallet: WALLET, type: "agent.refused", payload: "{}" }],
        5,
      );
      expect(await store.cursor()).to.equal(11);
      expect((await store.deliveries("ep1")).map((d) => d.eventId)).to.include("refused:0xab");
    });

    it("a wallet is seeded once; timers and events survive reopening the database", async () => {
      expect(await store.unseeded([WALLET, AGENT])).to.deep.equal([WALLET, AGENT]);
      await store.seedWallet(WALLET, [expiring(9_000)], 6);
      expect(await store.unseeded([WALLET, AGENT])).to.deep.equal([AGENT]);
      await store.close();
      store = await NotifyStore.open(url);
      expect(await store.unseeded([WALLET])).to.deep.equal([]);
      expect((await store.dueTimers(9_000, 9_000, 20)).map((t) => t.at)).to.deep.equal([
        5_000, 9_000,
      ]);
      expect(await store.deadlinesCheckedUntil()).to.equal(2_000);
      expect((await store.events(WALLET)).map((e) => e.type)).to.deep.equal([
        "proposal.executable",
        "agent.refused",
      ]);
    });
  });
}
