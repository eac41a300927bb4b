/**
 * The op, approval and notification stores of one relayer live in one SQLite file. node:sqlite waits for a
 * lock synchronously, so two connections of one process to that file can stall the process: one waiting
 * (busy_timeout) blocks the event loop the other needs to finish its transaction. Stores of one process
 * therefore share one connection per file, and their writes queue instead of failing.
 */
import { expect } from "chai";
import { SqliteDriver } from "../../src/relayer/store/sqlDriver.js";
import { sleep, tempDir } from "./helpers.js";

describe("SQLite: one connection per file per process", function () {
  this.timeout(60_000);

  it("a write from another store waits for a transaction held across an await, then succeeds", async () => {
    const path = `${tempDir()}/shared.sqlite`;
    const first = SqliteDriver.shared(path);
    const second = SqliteDriver.shared(path);
    expect(second).to.equal(first);
    try {
      await first.exec("CREATE TABLE t (seq INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT)");
      const order: string[] = [];
      const held = first.transaction(async (tx) => {
        await tx.run("INSERT INTO t (who) VALUES ('transaction')");
        await sleep(300); // a macrotask: the other store's write is issued meanwhile
        order.push("transaction done");
      });
      await sleep(50);
      // With a connection of its own this write would wait synchronously for the lock, the transaction
      // could never finish, and the write would fail with "database is locked".
      const write = second.run("INSERT INTO t (who) VALUES ('other store')").then(() => {
        order.push("other write done");
      });
      await Promise.all([held, write]);
      expect(order).to.deep.equal(["transaction done", "other write done"]);
      const rows = await first.query<{ who: string }>("SELECT who FROM t ORDER BY seq");
      expect(rows.map((r) => r.who)).to.deep.equal(["transaction", "other store"]);
    } finally {
      await second.close();
      // Still open for its other user.
      expect((await first.query<{ n: number }>("SELECT count(*) AS n FROM t"))[0].n).to.equal(2);
      await first.close();
    }
    // The last close closed it: the next user gets a fresh connection to the same data.
    const reopened = SqliteDriver.shared(path);
    expect(reopened).not.to.equal(first);
    expect((await reopened.query<{ n: number }>("SELECT count(*) AS n FROM t"))[0].n).to.equal(2);
    await reopened.close();
  });

  it("in-memory databases are never shared", async () => {
    const a = SqliteDriver.shared(":memory:");
    const b = SqliteDriver.shared(":memory:");
    expect(b).not.to.equal(a);
    await a.exec("CREATE TABLE only_in_a (x INTEGER)");
    let missing = false;
    await b.query("SELECT * FROM only_in_a").catch(() => (missing = true));
    expect(missing).to.equal(true);
    await a.close();
    await b.close();
  });
});
