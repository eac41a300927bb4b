/**
 * Information disclosure by the relayer: secrets (API keys, the node URL's token, keystore passwords, private
 * keys) never reach its logs or its JSON-RPC answers, and answers never carry stack traces.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { createApiKey } from "../../src/relayer/auth/apiKeys.js";
import { createLogger } from "../../src/relayer/logger.js";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import {
  HARDHAT_KEYS,
  call,
  postRaw,
  startChain,
  startNodeProxy,
  tempDir,
  type NodeProxy,
  type TestChain,
} from "../relayer/helpers.js";

const API_KEY_SHAPED = `leash_${"ab".repeat(8)}_${"S3cr3tPart".repeat(5).slice(0, 43)}`;
/** The secret part of `leash_<16 hex id>_<secret>` (base64url: the secret itself may contain "_"). */
const secretOf = (key: string) => key.slice("leash_".length + 16 + 1);

describe("Relayer: no secret in logs or answers", function () {
  this.timeout(120_000);

  describe("logger redaction", function () {
    it("test_logger_redactsSecretFieldsAndApiKeysAnywhere_keepsTheRest", function () {
      const lines: string[] = [];
      const privateKey = Wallet.createRandom().privateKey;
      const logger = createLogger({
        sink: (l) => lines.push(l),
        fields: { apiKey: API_KEY_SHAPED },
      });
      const child = logger.child({ component: "test", password: "hunter2-password" });
      child.info(`presented ${API_KEY_SHAPED} in a message`, {
        privateKey,
        keystorePassword: "keystore-password-123",
        authorization: `Bearer ${API_KEY_SHAPED}`,
        nested: { deeper: { mnemonic: "test test test junk" }, list: [{ secret: "list-secret" }] },
        error: new Error(`upstream said ${API_KEY_SHAPED}`),
        opHash: "0x" + "12".repeat(32),
        sender: "0x" + "34".repeat(20),
        amount: 10n ** 18n,
      });
      expect(lines.length).to.equal(1);
      const line = lines[0];
      for (const secret of [
        API_KEY_SHAPED,
        secretOf(API_KEY_SHAPED),
        privateKey.slice(2),
        "hunter2-password",
        "keystore-password-123",
        "test test test junk",
        "list-secret",
      ]) {
        expect(line, secret).to.not.include(secret);
      }
      const entry = JSON.parse(line);
      expect(entry.privateKey).to.equal("[redacted]");
      expect(entry.nested.deeper.mnemonic).to.equal("[redacted]");
      expect(entry.msg).to.equal("presented leash_[redacted] in a message");
      expect(entry.error.message).to.equal("upstream said leash_[redacted]");
      // Hashes, addresses and amounts are not secrets and stay readable.
      expect(entry.opHash).to.equal("0x" + "12".repeat(32));
      expect(entry.sender).to.equal("0x" + "34".repeat(20));
      expect(entry.amount).to.equal((10n ** 18n).toString());
      expect(entry.component).to.equal("test");
    });
  });

  describe("logger: ids are logged, their secrets are not", function () {
    it("test_logger_apiKeyIdAndKeyIdLogged_secretsAndAuthorizationHeadersCensored", function () {
      const lines: string[] = [];
      const id = "ab".repeat(8);
      createLogger({ sink: (l) => lines.push(l) })
        .child({ component: "rpc", apiKeyId: id })
        .warn("request", {
          keyId: id,
          apiKeySecret: secretOf(API_KEY_SHAPED),
          headers: { authorization: `Bearer ${API_KEY_SHAPED}`, "x-api-key": API_KEY_SHAPED },
          upstream: { headers: { Authorization: "Basic dXNlcjpub2RlLXBhc3N3b3Jk" } },
        });
      expect(lines.length).to.equal(1);
      for (const secret of [secretOf(API_KEY_SHAPED), "dXNlcjpub2RlLXBhc3N3b3Jk"])
        expect(lines[0], secret).to.not.include(secret);
      const entry = JSON.parse(lines[0]);
      // The user-facing complaint: the id is what an operator searches by, and it is no secret.
      expect(entry.apiKeyId).to.equal(id);
      expect(entry.keyId).to.equal(id);
      expect(entry.apiKeySecret).to.equal("[redacted]");
      expect(entry.headers).to.deep.equal({
        authorization: "[redacted]",
        "x-api-key": "[redacted]",
      });
      expect(entry.upstream.headers.Authorization).to.equal("[redacted]");
      expect([entry.level, entry.msg, entry.component]).to.deep.equal(["warn", "request", "rpc"]);
    });

    it("test_logger_levelBelowThreshold_notWritten", function () {
      const lines: string[] = [];
      const logger = createLogger({ level: "warn", sink: (l) => lines.push(l) });
      logger.debug("d");
      logger.info("i");
      logger.warn("w");
      logger.error("e");
      expect(lines.map((l) => JSON.parse(l).msg)).to.deep.equal(["w", "e"]);
    });
  });

  describe("a running relayer", function () {
    let chain: TestChain;
    let proxy: NodeProxy;
    let relayer: RunningRelayer;
    const logLines: string[] = [];
    // The node's URL carries a token in its path, as hosted RPC providers do.
    const NODE_TOKEN = "node-url-token-7f3a9c";

    before(async () => {
      chain = await startChain();
      proxy = await startNodeProxy(chain.port);
      relayer = await startRelayer({
        rpcUrl: `${proxy.url}/v3/${NODE_TOKEN}`,
        entryPoint: chain.entryPointAddress,
        db: `sqlite:${tempDir()}/secrets.sqlite`,
        signer: { privateKey: HARDHAT_KEYS[3] },
        port: 0,
        logLevel: "debug",
        logSink: (line) => logLines.push(line),
      });
    });

    after(async () => {
      await relayer?.close();
      await proxy?.close();
      await chain?.stop();
    });

    it("test_relayer_presentedApiKeys_validWrongOrMisplaced_neverLogged", async () => {
      const { key, info } = await createApiKey(relayer.store, { sender: "*", scopes: ["read"] });
      const secret = secretOf(key);
      expect(secret.length).to.equal(43);
      const wrong = `leash_${info.id}_${"W".repeat(43)}`;
      expect((await call(relayer.url, "eth_chainId", [], { "x-api-key": key })).result).to.equal(
        "0x" + chain.chainId.toString(16),
      );
      const refused = await call(relayer.url, "eth_chainId", [], {
        authorization: `Bearer ${wrong}`,
      });
      expect([refused.httpStatus, refused.error?.code]).to.deep.equal([401, -32001]);
      // A client pasting its key where it doesn't belong: method name and params.
      const asMethod = await call(relayer.url, key, [], { "x-api-key": key });
      expect(asMethod.error?.code).to.equal(-32601);
      const asParam = await call(relayer.url, "eth_getUserOperationByHash", [key], {
        "x-api-key": key,
      });
      expect(asParam.error?.code).to.equal(-32602);
      const logs = logLines.join("\n");
      expect(logs).to.include("authentication failed");
      expect(logs).to.include('"reason":"mismatch"');
      for (const s of [secret, secretOf(wrong), key]) expect(logs).to.not.include(s);
      // The key's id is logged with each request it made, so an operator can trace a client.
      const byKey = logLines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((e) => e.msg === "rpc" && e.apiKeyId === info.id);
      expect(byKey.map((e) => e.method)).to.include("eth_chainId");
      // The signer's private key never appears either.
      expect(logs.toLowerCase()).to.not.include(HARDHAT_KEYS[3].slice(2).toLowerCase());
    });

    it("test_relayer_nodeOutage_answersAndLogsNeverCarryTheNodeUrl", async () => {
      const { key } = await createApiKey(relayer.store, { sender: "*", scopes: ["read", "send"] });
      await proxy.cut();
      try {
        const down = await call(relayer.url, "eth_blockNumber", [], { "x-api-key": key });
        expect(down.error?.code).to.equal(-32003);
        expect(JSON.stringify(down)).to.not.include(NODE_TOKEN);
        expect(JSON.stringify(down)).to.not.include(proxy.url.split("//")[1]);
      } finally {
        await proxy.restore();
      }
      const up = await call(relayer.url, "eth_blockNumber", [], { "x-api-key": key });
      expect(up.error).to.equal(undefined);
      expect(logLines.join("\n")).to.include("node unreachable");
      expect(logLines.join("\n")).to.not.include(NODE_TOKEN);
    });

    it("test_relayer_errorAnswers_neverCarryAStackTrace", async () => {
      const { key } = await createApiKey(relayer.store, { sender: "*", scopes: ["read", "send"] });
      const headers = { "content-type": "application/json", "x-api-key": key };
      const bodies = [
        "{not json",
        JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendUserOperation", params: [{}, 1] }),
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "eth_call",
          params: [{ to: "0x1" }, "bogus"],
        }),
        JSON.stringify({ jsonrpc: "1.0", id: {}, method: 7 }),
        JSON.stringify([]),
      ];
      for (const body of bodies) {
        const response = await postRaw(relayer.url, body, headers);
        const text = JSON.stringify(response);
        expect(text, body).to.match(/"code":-32\d{3}/);
        expect(text, body).to.not.match(/\bat \S+ \(|node:internal|\.ts:\d+|stack/);
      }
    });
  });
});
