/**
 * F-4: a node URL with credentials in its userinfo (`http://user:password@host/`). The relayer and
 * the CLI must reach the node with them (as `Authorization: Basic`, checked by a gateway that
 * refuses requests without it) and the password must never show in a log line, an error, stderr
 * or a JSON-RPC answer: when everything works, when the node is down, when it refuses them.
 */
import { join } from "node:path";
import { expect } from "chai";
import { Wallet } from "ethers";
import { createLogger } from "../../src/relayer/logger.js";
import { redactUrlCredentials } from "../../src/relayer/nodeUrl.js";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import { cleanEnv, errorLine, leash } from "../cli/helpers.js";
import { spawnTracked } from "../helpers/children.js";
import {
  HARDHAT_KEYS,
  REPO_ROOT,
  call,
  freePort,
  startBasicAuthProxy,
  startChain,
  tempDir,
  type BasicAuthProxy,
  type TestChain,
} from "../relayer/helpers.js";

const USER = "leash-operator";
// Characters that must be percent-encoded in a URL, so decoding is exercised too.
const PASSWORD = "S3cretN0de@pass:w/rd 9";
const WRONG_PASSWORD = "Wr0ngN0de-guess";
const withCredentials = (base: string, password = PASSWORD) =>
  base.replace("//", `//${USER}:${encodeURIComponent(password)}@`) + "/";

/** Every form the password could leak in: raw, URL-encoded, inside the Basic header value. */
function expectNoPassword(text: string, what: string): void {
  for (const secret of [
    PASSWORD,
    encodeURIComponent(PASSWORD),
    "S3cretN0de",
    WRONG_PASSWORD,
    Buffer.from(`${USER}:${PASSWORD}`).toString("base64"),
  ]) {
    expect(text, `${what} carries ${secret}`).to.not.include(secret);
  }
}

/** `npm run relayer` as an operator runs it, until it exits: exit code and everything it printed. */
async function relayerUntilExit(
  rpcUrl: string,
  nodeWaitSeconds: number,
): Promise<{ code: number | null; output: string }> {
  const child = spawnTracked(
    process.execPath,
    ["--import", "tsx", join(REPO_ROOT, "src/relayer/main.ts"), "--port", "0", "--no-auth"],
    {
      cwd: REPO_ROOT,
      env: {
        ...cleanEnv(),
        // Environment, not a flag: a password in argv shows in process listings.
        LEASH_RPC_URL: rpcUrl,
        LEASH_ENTRY_POINT: Wallet.createRandom().address,
        LEASH_RELAYER_PRIVATE_KEY: HARDHAT_KEYS[3],
        LEASH_RELAYER_DB: `sqlite:${tempDir()}/relayer.sqlite`,
        LEASH_RELAYER_NODE_WAIT: String(nodeWaitSeconds),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolveExit) =>
    child.once("exit", (c) => resolveExit(c)),
  );
  return { code, output };
}

describe("F-4: node URL credentials are used and never shown", function () {
  this.timeout(180_000);
  let chain: TestChain;
  let gateway: BasicAuthProxy;

  before(async () => {
    chain = await startChain();
    gateway = await startBasicAuthProxy(chain.url, USER, PASSWORD);
  });

  after(async () => {
    await gateway?.close();
    await chain?.stop();
  });

  it("test_redactUrlCredentials_removesUserinfoUpToItsLastAt_keepsHostAndPath", function () {
    expect(
      redactUrlCredentials(
        "fetch https://u:p@ss@node.example:8545/v3/tok failed; see http://plain.example/",
      ),
    ).to.equal(
      "fetch https://[redacted]@node.example:8545/v3/tok failed; see http://plain.example/",
    );
    expect(redactUrlCredentials(`url ${withCredentials("http://h")}`)).to.equal(
      "url http://[redacted]@h/",
    );
    expect(redactUrlCredentials("mail ops@example.com, path a/b@c")).to.equal(
      "mail ops@example.com, path a/b@c",
    );
    // The relayer's logger applies it to every string, messages and fields alike.
    const lines: string[] = [];
    createLogger({ sink: (l) => lines.push(l) }).warn(`node ${withCredentials("http://h")} down`, {
      error: new Error(`fetch ${withCredentials("https://h2")} failed`),
    });
    expectNoPassword(lines.join("\n"), "log line");
    expect(JSON.parse(lines[0]).msg).to.equal("node http://[redacted]@h/ down");
  });

  describe("the relayer in-process", function () {
    let relayer: RunningRelayer;
    const logLines: string[] = [];
    let refusedBefore = 0;

    before(async () => {
      refusedBefore = gateway.counts.refused;
      relayer = await startRelayer({
        rpcUrl: withCredentials(gateway.url),
        entryPoint: chain.entryPointAddress,
        db: `sqlite:${tempDir()}/credentials.sqlite`,
        signer: { privateKey: HARDHAT_KEYS[3] },
        port: 0,
        authRequired: false,
        logLevel: "debug",
        logSink: (line) => logLines.push(line),
      });
    });

    after(async () => {
      await relayer?.close();
    });

    it("test_relayer_nodeUrlWithCredentials_sendsThemAsBasicAuth_andNeverLogsThePassword", async () => {
      expect(gateway.counts.authorized).to.be.greaterThan(0);
      expect(gateway.counts.refused).to.equal(refusedBefore);
      const before = gateway.counts.authorized;
      const answer = await call(relayer.url, "eth_blockNumber", []);
      expect(answer.error).to.equal(undefined);
      expect(BigInt(answer.result as string)).to.equal(
        BigInt(await chain.provider.getBlockNumber()),
      );
      expect(gateway.counts.authorized).to.be.greaterThan(before);
      expect(gateway.counts.refused).to.equal(refusedBefore);
      expect(logLines.join("\n")).to.include("relayer started");
      expectNoPassword(logLines.join("\n"), "logs");
    });

    it("test_relayer_nodeWithCredentialsUnreachable_answerAndLogsCarryNoPassword", async () => {
      await gateway.cut();
      let down;
      try {
        down = await call(relayer.url, "eth_blockNumber", []);
      } finally {
        await gateway.restore();
      }
      expect(down.error?.code).to.equal(-32003);
      expectNoPassword(JSON.stringify(down), "answer");
      const up = await call(relayer.url, "eth_blockNumber", []);
      expect(up.error).to.equal(undefined);
      const logs = logLines.join("\n");
      expect(logs).to.include("node unreachable");
      expectNoPassword(logs, "logs");
      expect(gateway.counts.refused).to.equal(refusedBefore);
    });
  });

  describe("the relayer process", function () {
    it("test_relayerProcess_nodeDownOrCredentialsRefused_exitsNamingTheCause_withoutThePassword", async () => {
      // A node that doesn't answer gets the start-up wait (2 s here, 30 s by default), retried with backoff; a
      // node refusing the credentials is an answer, so that relayer exits at once even with a long wait.
      const closedPort = await freePort();
      const refusedBefore = gateway.counts.refused;
      const [down, refused] = await Promise.all([
        relayerUntilExit(withCredentials(`http://127.0.0.1:${closedPort}`), 2),
        relayerUntilExit(withCredentials(gateway.url, WRONG_PASSWORD), 600),
      ]);
      // 2 s of backoff from 100 ms is five retries (100 + 200 + 400 + 800 + 1,600 ms).
      expect(down.output.match(/node unreachable, retrying/g)?.length, down.output).to.equal(5);
      expect(refused.output).to.not.include("node unreachable, retrying");
      for (const run of [down, refused]) {
        expect(run.code, run.output).to.equal(1);
        expect(run.output).to.include('"msg":"relayer failed to start"');
        expectNoPassword(run.output, "relayer output");
      }
      expect(down.output).to.include("eth_chainId: fetch failed");
      expect(refused.output).to.include("HTTP 401 (the node refused the URL's credentials)");
      expect(gateway.counts.refused).to.be.greaterThan(refusedBefore);
    });
  });

  describe("the CLI", function () {
    const someAddress = Wallet.createRandom().address;

    it("test_cli_nodeUrlWithCredentials_readsThroughTheGateway_andConfigShowHidesThePassword", async () => {
      const before = gateway.counts.authorized;
      const show = await leash(
        ["wallet", "show", "--wallet", someAddress, "--rpc-url", withCredentials(gateway.url)],
        { env: cleanEnv() },
      );
      // Reaching "no wallet deployed" means getCode went through the gateway with the header.
      expect(show.code, show.stderr).to.equal(2);
      expect(errorLine(show)).to.include(`no wallet deployed at ${someAddress}`);
      expect(gateway.counts.authorized).to.be.greaterThan(before);
      const config = await leash(["config", "show", "--json"], {
        env: cleanEnv({ LEASH_RPC_URL: withCredentials(gateway.url) }),
      });
      expect(config.code, config.stderr).to.equal(0);
      expect(JSON.parse(config.stdout).rpcUrl).to.equal(
        `http://[redacted]@127.0.0.1:${gateway.port}/`,
      );
      expectNoPassword(config.stdout + config.stderr, "config show");
    });

    it("test_cli_nodeDownOrCredentialsRefused_oneErrorLine_withoutThePassword", async () => {
      const closedPort = await freePort();
      const cases = {
        down: withCredentials(`http://127.0.0.1:${closedPort}`),
        refused: withCredentials(gateway.url, WRONG_PASSWORD),
      };
      for (const [name, rpcUrl] of Object.entries(cases)) {
        for (const json of [false, true]) {
          const result = await leash(
            ["wallet", "show", "--wallet", someAddress, ...(json ? ["--json"] : [])],
            { env: cleanEnv({ LEASH_RPC_URL: rpcUrl }) },
          );
          expect(result.code, result.stderr).to.equal(1);
          expect(result.stderr).to.include("cannot reach the chain");
          expectNoPassword(result.stdout + result.stderr, `wallet show, node ${name}`);
        }
      }
    });
  });
});
