/**
 * A passkey owner on the dev stack (issue 15), the path QUICKSTART "Add a passkey owner" describes: the owners
 * propose the passkey with `leash wallet add-passkey-owner` (a timelocked loosening, sent through the relayer
 * with 0 ETH keys), it executes after the delay, the PasskeyOwner sits at the address the SDK predicts from the
 * deterministic factory, and the passkey (a real P-256 key) approves an agent's escalated payment through the
 * relayer together with one EOA owner: the payment executes.
 */
import { generateKeyPairSync } from "node:crypto";
import { expect } from "chai";
import { JsonRpcProvider, getAddress, hexlify, parseEther } from "ethers";
import {
  OwnerClient,
  PASSKEY_OWNER_FACTORY,
  passkeyOwnerAddress,
  walletContract,
} from "../../src/client/index.js";
import { SoftPasskey } from "../helpers/passkey.js";
import {
  cleanEnv,
  errorLine,
  json,
  leash,
  rpc,
  startDevStack,
  type DevStackProcess,
  type RunResult,
} from "./helpers.js";

describe("leash CLI: add a passkey owner, then approve an escalation with it", function () {
  this.timeout(300_000);
  let stack: DevStackProcess;
  let provider: JsonRpcProvider;
  const passkey = new SoftPasskey();
  const env = cleanEnv({ LEASH_KEYSTORE_PASSWORD: "leash-dev" });
  const run = (args: string[]): Promise<RunResult> =>
    leash(["--config", stack.configPath, ...args], { env, timeoutMs: 120_000 });
  const balance = async (a: string) =>
    BigInt(await rpc<string>(stack.config.rpcUrl, "eth_getBalance", [a, "latest"]));

  before(async () => {
    stack = await startDevStack();
    provider = new JsonRpcProvider(stack.config.rpcUrl, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
    });
    // The owners act with empty keys: everything goes through the relayer.
    for (const key of stack.config.demo.owners)
      await rpc(stack.config.rpcUrl, "hardhat_setBalance", [key, "0x0"]);
  });

  after(async () => {
    provider?.destroy();
    if (stack) await stack.stop();
  });

  it("refuses a key that is not P-256 in one line, exit 2", async () => {
    const bad = await run([
      "wallet",
      "add-passkey-owner",
      "0x04" + "11".repeat(64),
      "--as",
      "owner1",
    ]);
    expect(bad.code).to.equal(2);
    expect(errorLine(bad)).to.equal("passkey public key: the point is not on the P-256 curve");
  });

  it("refuses a malformed key, another curve's key and a missing factory in one line, exit 2, nothing proposed", async () => {
    const wallet = walletContract(stack.config.wallet, provider);
    const proposals = await wallet.proposalCount();
    // A secp256k1 key in SPKI: the same length as a P-256 one, another curve (the Ethereum keys' curve).
    const k1 = generateKeyPairSync("ec", { namedCurve: "secp256k1" }).publicKey.export({
      type: "spki",
      format: "der",
    });
    const cases: [string[], string][] = [
      [
        ["not-hex"],
        "passkey public key must be 0x-prefixed hex bytes, an ArrayBuffer or a Uint8Array",
      ],
      [
        [hexlify(passkey.spki).slice(0, -2)],
        "passkey public key: SPKI is not an uncompressed P-256 (prime256v1) key",
      ],
      [[hexlify(k1)], "passkey public key: SPKI is not an uncompressed P-256 (prime256v1) key"],
      [["0x04" + "00".repeat(64)], "passkey public key: the point is not on the P-256 curve"],
    ];
    for (const [args, message] of cases) {
      const refused = await run(["wallet", "add-passkey-owner", ...args, "--as", "owner1"]);
      expect(refused.code, args[0]).to.equal(2);
      expect(errorLine(refused), args[0]).to.equal(message);
    }
    const nowhere = getAddress("0x" + "5e".repeat(20));
    const noFactory = await run([
      "wallet",
      "add-passkey-owner",
      hexlify(passkey.spki),
      "--passkey-owner-factory",
      nowhere,
      "--as",
      "owner1",
    ]);
    expect(noFactory.code).to.equal(2);
    expect(errorLine(noFactory)).to.match(new RegExp(`^no PasskeyOwnerFactory at ${nowhere} `));
    expect(await wallet.proposalCount()).to.equal(proposals);
  });

  it("the owners add the passkey (timelocked), then it approves an escalated payment with owner1", async () => {
    const owner = passkeyOwnerAddress(passkey.key);
    const config = JSON.parse(
      await import("node:fs").then((fs) => fs.readFileSync(stack.configPath, "utf8")),
    ) as { passkeyOwnerFactory: string };
    expect(config.passkeyOwnerFactory).to.equal(PASSKEY_OWNER_FACTORY);

    const added = await run([
      "--json",
      "wallet",
      "add-passkey-owner",
      hexlify(passkey.spki),
      "--as",
      "owner1,owner2",
    ]);
    expect(added.code, added.stderr).to.equal(0);
    const queued = json<{ status: string; proposalId: string; eta: string; action: string }>(added);
    expect(queued.status).to.equal("queued");
    expect(queued.action).to.equal(`add passkey owner ${owner}`);
    const wallet = walletContract(stack.config.wallet, provider);
    expect(await wallet.isOwner(owner)).to.equal(false);
    // Not before its eta.
    const early = await run(["proposal", "execute", queued.proposalId]);
    expect(early.code).not.to.equal(0);
    const now = BigInt(
      (
        await rpc<{ timestamp: string }>(stack.config.rpcUrl, "eth_getBlockByNumber", [
          "latest",
          false,
        ])
      ).timestamp,
    );
    await rpc(stack.config.rpcUrl, "evm_increaseTime", [Number(BigInt(queued.eta) - now + 1n)]);
    await rpc(stack.config.rpcUrl, "evm_mine", []);
    const executed = await run(["--json", "proposal", "execute", queued.proposalId]);
    expect(executed.code, executed.stderr).to.equal(0);
    expect(await wallet.isOwner(owner)).to.equal(true);
    expect(await provider.getCode(owner)).not.to.equal("0x");
    // Asking again is refused before anything is sent.
    const again = await run([
      "wallet",
      "add-passkey-owner",
      hexlify(passkey.spki),
      "--as",
      "owner1",
    ]);
    expect(again.code).to.equal(3);
    expect(errorLine(again)).to.match(/is already an owner of/);

    // The agent asks for more than it may pay alone: an escalation.
    const { merchant, owners } = stack.config.demo;
    const escalated = json<{ outcome: string; proposalId: string }>(
      await run(["--json", "pay", merchant, "0.5"]),
    );
    expect(escalated.outcome).to.equal("escalated");
    const id = BigInt(escalated.proposalId);
    const merchantBefore = await balance(merchant);
    // The passkey approves through the relayer (what the console does): held there, nothing on chain.
    const viaRelayer = new OwnerClient({
      wallet: stack.config.wallet,
      signers: [],
      provider,
      relayer: { url: stack.config.relayerUrl },
    });
    const first = await viaRelayer.approveWithPasskey(id, {
      key: passkey.key,
      getAssertion: passkey.authenticator(),
    });
    expect(first.status).to.equal("pending");
    // owner1 completes the threshold from the CLI; the relayer submits both and executes.
    const second = await run([
      "--json",
      "proposal",
      "approve",
      String(id),
      "--as",
      "owner1",
      "--yes",
    ]);
    expect(second.code, second.stderr).to.equal(0);
    expect(json<{ status: string }>(second).status).to.equal("executed");
    expect((await balance(merchant)) - merchantBefore).to.equal(parseEther("0.5"));
    const shown = json<{ approvedBy: string[] }>(
      await run(["--json", "proposal", "show", String(id)]),
    );
    expect([...shown.approvedBy].map(getAddress).sort()).to.deep.equal(
      [owner, owners[0]].map(getAddress).sort(),
    );
    for (const o of owners) expect(await balance(o)).to.equal(0n);
  });
});
