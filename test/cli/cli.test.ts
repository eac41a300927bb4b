/**
 * The `leash` CLI without a chain: usage errors, config precedence, keystores, and the commands
 * that work on the relayer's store (API keys, audit log verification).
 */
import { expect } from "chai";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { openStore } from "../../src/relayer/store/index.js";
import { verifyApiKey } from "../../src/relayer/auth/apiKeys.js";
import { REPO_ROOT, cleanEnv, errorLine, json, leash, tempDir } from "./helpers.js";

const ADDRESS = "0x8ba1f109551bD432803012645Ac136ddd64DBA72";

describe("leash CLI: usage, config, keystores", function () {
  this.timeout(60_000);

  it("prints help and its version with exit 0", async () => {
    const help = await leash(["--help"]);
    expect(help.code).to.equal(0);
    for (const command of [
      "dev",
      "wallet",
      "agent",
      "policy",
      "proposal",
      "pause",
      "unpause",
      "pay",
      "relayer",
      "apikey",
      "audit",
    ])
      expect(help.stdout).to.match(new RegExp(`^  ${command}\\b`, "m"));
    const version = await leash(["--version"]);
    expect(version.code).to.equal(0);
    expect(version.stdout.trim()).to.equal("0.1.0");
  });

  it("a subcommand's --help lists the global options too", async () => {
    const help = await leash(["proposal", "approve", "--help"]);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/Global Options:/);
    for (const option of ["--as <names>", "--json", "--config <path>", "--wallet <address>"])
      expect(help.stdout).to.include(option);
  });

  it("an address with a bad EIP-55 checksum is named as such, not as 'not an address'", async () => {
    // 0x52908400098527886E0F7030069857D2E4169EE7 with its last `E` lower-cased.
    const typo = "0x52908400098527886E0F7030069857D2E4169Ee7";
    const result = await leash(["wallet", "show", "--wallet", typo]);
    expect(result.code).to.equal(2);
    expect(errorLine(result)).to.equal(
      `wallet has a bad checksum (EIP-55): ${typo}; check it for a typo, or write it in lower case to skip the check`,
    );
    // All lower case carries no checksum: accepted (the command then asks for the chain it needs).
    const lower = await leash(["wallet", "show", "--wallet", typo.toLowerCase()]);
    expect(errorLine(lower)).to.match(/^missing RPC URL/);
  });

  it("an unknown command exits 2 with one error line and a suggestion, no stack trace", async () => {
    const result = await leash(["pya"]);
    expect(result.code).to.equal(2);
    expect(errorLine(result)).to.equal("unknown command 'pya' (Did you mean pay?)");
    expect(result.stdout).to.equal("");
  });

  it("an unknown option exits 2 naming it", async () => {
    const result = await leash(["wallet", "show", "--colour"]);
    expect(result.code).to.equal(2);
    expect(errorLine(result)).to.equal("unknown option '--colour'");
  });

  it("a missing argument exits 2", async () => {
    const result = await leash(["pay", ADDRESS]);
    expect(result.code).to.equal(2);
    expect(errorLine(result)).to.match(/missing required argument 'amount'/);
  });

  it("--json reports errors as one JSON line on stderr", async () => {
    const result = await leash(["--json", "wallet", "show", "--wallet", "0x1234"]);
    expect(result.code).to.equal(2);
    expect(result.stdout).to.equal("");
    const lines = result.stderr.trim().split("\n");
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0])).to.deep.equal({
      error: { message: "wallet is not an address: 0x1234" },
    });
  });

  it("a command that needs the chain says which setting is missing", async () => {
    const result = await leash(["wallet", "show", "--wallet", ADDRESS]);
    expect(result.code).to.equal(2);
    expect(errorLine(result)).to.equal(
      "missing RPC URL: pass --rpc-url, set LEASH_RPC_URL, or `rpcUrl` in the config file",
    );
  });

  it("an unreachable chain is one line and exit 1, not a retry loop", async () => {
    const { freePort } = await import("../../src/cli/dev/chain.js");
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await leash(["wallet", "show", "--rpc-url", url, "--wallet", ADDRESS]);
    expect(result.code).to.equal(1);
    expect(errorLine(result)).to.match(
      new RegExp(`^cannot reach the chain at ${url}: .*ECONNREFUSED`),
    );
    expect(result.stderr.trim().split("\n")).to.have.length(1);
  });

  it("a named --config that does not exist, or is not JSON, is a usage error", async () => {
    const missing = await leash(["--config", "/nonexistent/leash.json", "config", "show"]);
    expect(missing.code).to.equal(2);
    expect(errorLine(missing)).to.equal("config file not found: /nonexistent/leash.json");
    const dir = tempDir();
    writeFileSync(join(dir, "bad.json"), "{ not json");
    const bad = await leash(["--config", join(dir, "bad.json"), "config", "show"]);
    expect(bad.code).to.equal(2);
    expect(errorLine(bad)).to.match(/^config file .*bad\.json is not valid JSON/);
  });

  it("settings: flags over environment over the config file; paths relative to the file", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "conf"));
    const configPath = join(dir, "conf", "leash.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        rpcUrl: "http://file:1",
        relayerUrl: "http://file:2",
        wallet: ADDRESS,
        db: "sqlite:relayer.sqlite",
        keystore: "keys/owner.json",
        keys: { alice: "keys/alice.json", bob: "/abs/bob.json" },
        apiKey: "leash_0000000000000000_secret-value-that-must-not-print",
        ownerApiKey: "leash_1111111111111111_owners-secret-that-must-not-print",
      }),
    );
    const env = cleanEnv({ LEASH_RELAYER_URL: "http://env:2", LEASH_RPC_URL: "http://env:1" });
    const result = await leash(
      ["--config", configPath, "--rpc-url", "http://flag:1", "--json", "config", "show"],
      { env },
    );
    expect(result.code).to.equal(0);
    const view = json(result);
    expect(view).to.deep.include({
      configFile: configPath,
      rpcUrl: "http://flag:1",
      relayerUrl: "http://env:2",
      wallet: ADDRESS,
      db: `sqlite:${join(dir, "conf", "relayer.sqlite")}`,
      apiKey: "set",
      ownerApiKey: "set",
    });
    expect(view.keystores).to.deep.equal([join(dir, "conf", "keys", "owner.json")]);
    expect(result.stdout).not.to.include("secret-value");
    expect(result.stdout).not.to.include("owners-secret");

    const as = await leash(
      ["--config", configPath, "--as", "alice,bob", "--json", "config", "show"],
      { env },
    );
    expect(json(as).keystores).to.deep.equal([
      join(dir, "conf", "keys", "alice.json"),
      "/abs/bob.json",
    ]);
    const unknown = await leash(["--config", configPath, "--as", "carol", "config", "show"], {
      env,
    });
    expect(unknown.code).to.equal(2);
    expect(errorLine(unknown)).to.equal('no key named "carol" in the config (known: alice, bob)');
  });

  it("finds ./.leash/config.json in the working directory (what leash dev writes)", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, ".leash"));
    const passkeyOwnerFactory = "0x6efB1fD88CB7f65b2f1feb473054C6c61e32fe36";
    writeFileSync(
      join(dir, ".leash", "config.json"),
      JSON.stringify({ wallet: ADDRESS, passkeyOwnerFactory }),
    );
    const result = await leash(["--json", "config", "show"], { cwd: dir });
    expect(json(result)).to.deep.include({
      configFile: join(dir, ".leash", "config.json"),
      wallet: ADDRESS,
      passkeyOwnerFactory,
    });
  });

  it("key new writes an encrypted keystore (0600) and never prints the key; key address reads it", async () => {
    const dir = tempDir();
    const path = join(dir, "k.json");
    const env = cleanEnv({ LEASH_KEYSTORE_PASSWORD: "correct horse" });
    const created = await leash(["--json", "key", "new", path], { env, timeoutMs: 120_000 });
    expect(created.code, created.stderr).to.equal(0);
    const { address } = json<{ address: string }>(created);
    const file = JSON.parse(readFileSync(path, "utf8")) as { address: string; Crypto: unknown };
    expect(`0x${file.address}`.toLowerCase()).to.equal(address.toLowerCase());
    expect(file.Crypto).to.be.an("object");
    expect(statSync(path).mode & 0o777).to.equal(0o600);
    expect(created.stdout + created.stderr).not.to.match(/0x[0-9a-fA-F]{64}/);
    const read = await leash(["key", "address", path]);
    expect(read.stdout.trim()).to.equal(address);
    const again = await leash(["key", "new", path], { env });
    expect(again.code).to.equal(2);
    expect(errorLine(again)).to.equal(`${path} already exists`);
  });

  it("a keystore needs its password: none given and no terminal is a usage error, a wrong one too", async () => {
    const dir = tempDir();
    const path = join(dir, "k.json");
    await leash(["key", "new", path], {
      env: cleanEnv({ LEASH_KEYSTORE_PASSWORD: "right" }),
      timeoutMs: 120_000,
    });
    const noPassword = await leash([
      "--keystore",
      path,
      "--rpc-url",
      "http://127.0.0.1:9",
      "wallet",
      "create",
      "--owner",
      ADDRESS,
      "--factory",
      ADDRESS,
    ]);
    expect(noPassword.code).to.equal(2);
    expect(errorLine(noPassword)).to.equal(
      "keystore password needed: set LEASH_KEYSTORE_PASSWORD or run the command in a terminal",
    );
    const wrong = await leash(
      [
        "--keystore",
        path,
        "--rpc-url",
        "http://127.0.0.1:9",
        "wallet",
        "create",
        "--owner",
        ADDRESS,
        "--factory",
        ADDRESS,
      ],
      { env: cleanEnv({ LEASH_KEYSTORE_PASSWORD: "wrong" }), timeoutMs: 120_000 },
    );
    expect(wrong.code).to.equal(2);
    expect(errorLine(wrong)).to.equal(
      `could not decrypt ${path}: wrong password or corrupt keystore`,
    );
    expect(wrong.stderr).not.to.include("wrong\n");
  });

  it("bin/leash.mjs runs the CLI from any directory", async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "bin/leash.mjs"), "--version"], {
      cwd: tempDir(),
      env: cleanEnv(),
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const code = await new Promise((r) => child.once("exit", r));
    expect(code).to.equal(0);
    expect(out.trim()).to.equal("0.1.0");
  });

  it("proposal sign's question on a terminal: y or yes signs; anything else, or end of input, does not", async () => {
    const { confirm } = await import("../../src/cli/commands/proposal.js");
    const { PassThrough } = await import("node:stream");
    const answers: [string | null, boolean][] = [
      ["y\n", true],
      [" YES \n", true],
      ["n\n", false],
      ["\n", false],
      ["yes please\n", false],
      [null, false], // Ctrl-D
    ];
    for (const [typed, expected] of answers) {
      const input = new PassThrough();
      const output = new PassThrough();
      let shown = "";
      output.on("data", (c: Buffer) => (shown += c.toString()));
      const answer = confirm("sign these 2 call(s)? [y/N] ", input, output);
      if (typed === null) input.end();
      else input.write(typed);
      expect(await answer, String(typed)).to.equal(expected);
      expect(shown).to.include("sign these 2 call(s)? [y/N] ");
    }
  });
});

describe("leash CLI: apikey and audit verify on the relayer's store", function () {
  this.timeout(60_000);
  let db: string;
  let dbPath: string;

  before(async () => {
    dbPath = join(tempDir(), "relayer.sqlite");
    db = `sqlite:${dbPath}`;
    // Some audit rows, as the relayer appends them.
    const store = await openStore(db);
    for (let i = 0; i < 3; i++)
      await store.appendAudit({
        event: "rejected",
        opHash: null,
        sender: ADDRESS,
        detail: { i },
      });
    await store.close();
  });

  it("apikey create shows the key once; list never shows it; the key verifies against the store", async () => {
    const created = await leash([
      "--json",
      "apikey",
      "create",
      "--sender",
      ADDRESS,
      "--label",
      "bot",
      "--db",
      db,
    ]);
    expect(created.code, created.stderr).to.equal(0);
    const info = json<{
      key: string;
      id: string;
      sender: string;
      scopes: string[];
      status: string;
    }>(created);
    expect(info.key).to.match(/^leash_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(info).to.deep.include({ sender: ADDRESS, status: "active" });
    expect(info.scopes).to.deep.equal(["send", "read"]);

    const human = await leash([
      "apikey",
      "create",
      "--sender",
      "*",
      "--scopes",
      "read",
      "--expires",
      "1d",
      "--db",
      db,
    ]);
    expect(human.stdout).to.match(/API key \(shown once, store it now\): leash_/);

    const list = await leash(["--json", "apikey", "list", "--db", db]);
    expect(list.stdout).not.to.include(info.key.split("_").slice(2).join("_"));
    const keys = json<{ id: string; label: string }[]>(list);
    expect(keys.map((k) => k.label)).to.include("bot");

    const store = await openStore(db);
    try {
      expect((await verifyApiKey(store, info.key)).ok).to.equal(true);
    } finally {
      await store.close();
    }
  });

  it("apikey create --agent limits a key to one agent of the wallet; it needs a wallet and an address", async () => {
    const agent = "0x00000000000000000000000000000000000a6E47"; // EIP-55
    const created = await leash([
      "--json",
      "apikey",
      "create",
      "--sender",
      ADDRESS,
      "--agent",
      agent.toLowerCase(),
      "--db",
      db,
    ]);
    expect(created.code, created.stderr).to.equal(0);
    const info = json<{ key: string; sender: string; agent: string }>(created);
    expect(info).to.deep.include({ sender: ADDRESS, agent });
    const store = await openStore(db);
    try {
      const check = await verifyApiKey(store, info.key);
      expect(check.ok && check.info.agent).to.equal(agent);
    } finally {
      await store.close();
    }
    const list = json<{ agent: string | null }[]>(
      await leash(["--json", "apikey", "list", "--db", db]),
    );
    expect(list.map((k) => k.agent)).to.include(agent);

    const anyWallet = await leash([
      "apikey",
      "create",
      "--sender",
      "*",
      "--agent",
      agent,
      "--db",
      db,
    ]);
    expect(anyWallet.code).to.equal(2);
    expect(errorLine(anyWallet)).to.equal(
      "--agent needs --sender <wallet>: an agent key belongs to one wallet",
    );
    const badAgent = await leash([
      "apikey",
      "create",
      "--sender",
      ADDRESS,
      "--agent",
      "0x12",
      "--db",
      db,
    ]);
    expect(badAgent.code).to.equal(2);
    expect(errorLine(badAgent)).to.equal("--agent is not an address: 0x12");
  });

  it("apikey rotate replaces the secret, revoke disables the key; unknown ids and bad input fail", async () => {
    const created = json<{ key: string; id: string }>(
      await leash(["--json", "apikey", "create", "--sender", ADDRESS, "--db", db]),
    );
    const rotated = await leash(["--json", "apikey", "rotate", created.id, "--db", db]);
    expect(rotated.code).to.equal(0);
    const { key: newKey } = json<{ key: string }>(rotated);
    expect(newKey).not.to.equal(created.key);
    const store = await openStore(db);
    try {
      expect(await verifyApiKey(store, created.key)).to.deep.equal({
        ok: false,
        reason: "mismatch",
      });
      expect((await verifyApiKey(store, newKey)).ok).to.equal(true);
    } finally {
      await store.close();
    }
    const revoked = await leash(["apikey", "revoke", created.id, "--db", db]);
    expect(revoked.code).to.equal(0);
    expect(revoked.stdout.trim()).to.equal(`revoked ${created.id}`);
    const twice = await leash(["apikey", "revoke", created.id, "--db", db]);
    expect(twice.code).to.equal(2);
    expect(errorLine(twice)).to.equal(`no active API key with id ${created.id}`);
    const unknown = await leash(["apikey", "rotate", "00000000000000ff", "--db", db]);
    expect(unknown.code).to.equal(2);
    expect(errorLine(unknown)).to.equal("no API key with id 00000000000000ff");
    const badId = await leash(["apikey", "revoke", "nope", "--db", db]);
    expect(errorLine(badId)).to.equal("not an API key id (16 hex digits): nope");
    const badSender = await leash(["apikey", "create", "--sender", "0xabc", "--db", db]);
    expect(badSender.code).to.equal(2);
    expect(errorLine(badSender)).to.equal("--sender is not an address: 0xabc");
    const badScope = await leash([
      "apikey",
      "create",
      "--sender",
      ADDRESS,
      "--scopes",
      "send,admin",
      "--db",
      db,
    ]);
    expect(errorLine(badScope)).to.equal('unknown scope "admin" (scopes: send, read)');
    const noDb = await leash(["apikey", "list"]);
    expect(noDb.code).to.equal(2);
    expect(errorLine(noDb)).to.match(/^no relayer store given/);
  });

  it("audit verify: intact log → head; an edited row → exit 1 naming the row", async () => {
    const ok = await leash(["--json", "audit", "verify", "--db", db]);
    expect(ok.code, ok.stderr).to.equal(0);
    const result = json<{ ok: boolean; rows: number; head: { seq: number; hash: string } }>(ok);
    expect(result.ok).to.equal(true);
    expect(result.rows).to.equal(3);
    expect(result.head.seq).to.equal(3);
    expect(result.head.hash).to.match(/^0x[0-9a-f]{64}$/);

    const tampered = join(tempDir(), "tampered.sqlite");
    writeFileSync(tampered, readFileSync(dbPath));
    for (const suffix of ["-wal", "-shm"])
      if (existsSync(dbPath + suffix))
        writeFileSync(tampered + suffix, readFileSync(dbPath + suffix));
    const sqlite = new DatabaseSync(tampered);
    const changed = sqlite
      .prepare("UPDATE audit_log SET detail_json = ? WHERE seq = 2")
      .run('{"i":99}');
    sqlite.close();
    expect(Number(changed.changes)).to.equal(1);
    const broken = await leash(["audit", "verify", "--db", `sqlite:${tampered}`]);
    expect(broken.code).to.equal(1);
    expect(errorLine(broken)).to.equal(
      "audit log broken at row 2: row content does not match its hash (1 rows verified before it)",
    );
  });
});
