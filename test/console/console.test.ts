/**
 * The owner console in real headless Chromium (Debian's /usr/bin/chromium through playwright-core) against one
 * `leash dev` stack started by the project's own scripts: sign in, see the demo wallet, an agent's escalated
 * payment appears without a reload, owners approve it from the page with an injected EIP-1193 wallet (an ethers
 * Wallet behind page.exposeFunction) and with a passkey (a CDP virtual authenticator), the payment executes, a
 * guardian pauses. Every owner and guardian key here holds 0 ETH: everything goes through the relayer.
 * Tests run in order and share the stack and the browser (one start keeps the file fast).
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Wallet, parseEther } from "ethers";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { walletInterface } from "../../src/client/contracts.js";
import {
  EIP712_TYPES as EXECUTE_CALLS_TYPES,
  packOwnerSignatures,
} from "../../src/client/owner.js";
import { walletDomain } from "../../src/client/signedActions.js";
import {
  REPO_ROOT,
  cleanEnv,
  json,
  leash,
  rpc,
  startDevStack,
  tempDir,
  type DevStackProcess,
} from "../cli/helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SHOTS = join(REPO_ROOT, "docs", "console");
const WAIT = { timeout: 60_000 };

interface DevConfig {
  rpcUrl: string;
  relayerUrl: string;
  consoleUrl: string;
  wallet: string;
  apiKey: string;
  ownerApiKey: string;
  keys: Record<string, string>;
  demo: { merchant: string; owners: string[]; guardian: string; agent: string };
}

/** What the page's injected wallet was asked to sign (the test checks what the owner saw). */
interface SignRequest {
  account: string;
  primaryType: string;
  domain: Record<string, unknown>;
  message: Record<string, unknown>;
}

describe("owner console in Chromium against the dev stack", function () {
  this.timeout(180_000);
  let stack: DevStackProcess;
  let config: DevConfig;
  let context: BrowserContext;
  let page: Page;
  let active: Wallet;
  const keys: Record<string, Wallet> = {};
  const signed: SignRequest[] = [];
  let escalation: string;
  let passkeyOwner: string;
  const env = cleanEnv({ LEASH_KEYSTORE_PASSWORD: "leash-dev" });
  const cli = (args: string[]) => leash(["--config", stack.configPath, ...args], { env });
  const balance = async (address: string) =>
    BigInt(await rpc<string>(config.rpcUrl, "eth_getBalance", [address, "latest"]));
  const notice = () => page.getByTestId("notice");

  /**
   * Signs the open batch as the connected signer and waits until the page counts `count` of the 2 signatures
   * it needs; short of them, the page must not offer to submit.
   */
  async function signBatch(count: 1 | 2) {
    const batch = page.getByTestId("batch");
    await batch.getByRole("button", { name: "Sign batch" }).click();
    await batch
      .getByTestId("batch-signatures")
      .filter({ hasText: new RegExp(`^${count} of 2`) })
      .waitFor(WAIT);
    if (count < 2)
      expect(
        await batch.getByRole("button", { name: "Submit through the relayer" }).isDisabled(),
      ).to.equal(true);
  }

  /** Submits the fully signed batch through the relayer and waits until the page says it was submitted. */
  async function submitBatch() {
    await page
      .getByTestId("batch")
      .getByRole("button", { name: "Submit through the relayer" })
      .click();
    await notice().filter({ hasText: "Submitted by the relayer" }).waitFor(WAIT);
  }

  /** Switches the injected wallet's account and connects it in the page. */
  async function connectAs(wallet: Wallet) {
    active = wallet;
    const disconnect = page.getByRole("button", { name: "disconnect" });
    if (await disconnect.isVisible()) await disconnect.click();
    await page.getByRole("button", { name: "Connect browser wallet" }).click();
    await page
      .getByTestId("signer")
      .filter({ hasText: wallet.address.slice(0, 6) })
      .waitFor(WAIT);
  }

  before(async () => {
    // The page is built by the project's script when a source changed (a clean clone has no build).
    const build = spawnSync(process.execPath, ["scripts/console-build.mjs", "--if-stale"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    });
    expect(build.status, build.stderr).to.equal(0);
    stack = await startDevStack({ args: ["--console-port", "0"] });
    config = JSON.parse(readFileSync(stack.configPath, "utf8")) as DevConfig;
    for (const name of ["owner1", "owner2", "owner3", "guardian"])
      keys[name] = (await Wallet.fromEncryptedJson(
        readFileSync(join(stack.stateDir, config.keys[name]), "utf8"),
        "leash-dev",
      )) as Wallet;
    // Owners and the guardian spend nothing: the relayer submits their signatures.
    for (const name of ["owner1", "owner2", "guardian"]) {
      await rpc(config.rpcUrl, "hardhat_setBalance", [keys[name].address, "0x0"]);
    }
    mkdirSync(SHOTS, { recursive: true });
    const profile = tempDir("leash-chromium-");
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    page = context.pages()[0] ?? (await context.newPage());
    active = keys.owner1;
    await page.exposeFunction("__leashWallet", async (method: string, paramsJson: string) => {
      const params = JSON.parse(paramsJson) as unknown[];
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return JSON.stringify([active.address]);
        case "eth_chainId":
          return JSON.stringify("0x7a69");
        case "eth_signTypedData_v4": {
          const [account, raw] = params as [string, string];
          if (account.toLowerCase() !== active.address.toLowerCase())
            throw new Error(
              `asked to sign for ${account}, the active account is ${active.address}`,
            );
          const data = JSON.parse(raw) as {
            domain: Record<string, unknown>;
            types: Record<string, { name: string; type: string }[]>;
            primaryType: string;
            message: Record<string, unknown>;
          };
          signed.push({
            account,
            primaryType: data.primaryType,
            domain: data.domain,
            message: data.message,
          });
          const types = { ...data.types };
          delete types.EIP712Domain;
          return JSON.stringify(await active.signTypedData(data.domain, types, data.message));
        }
        default:
          throw new Error(`the test wallet does not support ${method}`);
      }
    });
    // A string, not a function: the test runs through a transpiler whose helpers don't exist in the page.
    await page.addInitScript(`
      window.ethereum = {
        request: async ({ method, params }) =>
          JSON.parse(await window.__leashWallet(method, JSON.stringify(params ?? []))),
        on: () => undefined,
        removeListener: () => undefined,
      };
    `);
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    if (stack) expect(await stack.stop()).to.equal(0);
  });

  it("npm start's stack serves the console and writes consoleUrl; the page refuses a wrong API key", async () => {
    expect(config.consoleUrl).to.match(/^http:\/\/localhost:\d+\/$/);
    expect(stack.output()).to.include(`owner console`);
    expect(stack.output()).to.include(config.consoleUrl);
    await page.goto(config.consoleUrl);
    expect(await page.getByLabel("Wallet address").inputValue()).to.equal(config.wallet);
    await page.getByLabel("Relayer API key").fill("leash_0123456789abcdef_notTheRealSecret");
    await page.getByRole("button", { name: "Open wallet" }).click();
    await page.getByRole("alert").filter({ hasText: "The relayer refused" }).waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, "sign-in.png") });
    // The agent's key is valid but scoped to its own ops: it can't open the owners' view of the wallet.
    await page.getByLabel("Relayer API key").fill(config.apiKey);
    await page.getByRole("button", { name: "Open wallet" }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: "API key scoped to this wallet" })
      .waitFor(WAIT);
    expect(await page.getByTestId("wallet-facts").count()).to.equal(0);
  });

  it("signs in with the owners' API key and shows the demo wallet: owners, guardian, threshold, delays, the agent's limits", async () => {
    await page.getByLabel("Relayer API key").fill(config.ownerApiKey);
    await page.getByRole("button", { name: "Open wallet" }).click();
    await page.getByTestId("wallet-facts").waitFor(WAIT);
    expect(await page.getByTestId("threshold").textContent()).to.equal("2 of 3 owners");
    const owners = (await page.getByTestId("owners").textContent()) ?? "";
    for (const o of config.demo.owners) expect(owners).to.include(o);
    expect(await page.getByTestId("guardians").textContent()).to.include(config.demo.guardian);
    expect(await page.getByTestId("paused").textContent()).to.equal("active");
    const agent = page.getByTestId(`agent-${config.demo.agent}`);
    await agent.waitFor(WAIT);
    expect(await agent.getByTestId("agent-status").textContent()).to.equal("active");
    const agentText = (await agent.textContent()) ?? "";
    expect(agentText).to.include("up to 1 ETH; owners approve above 0.25 ETH");
    expect(agentText).to.match(/0 of 2 ETH/);
    await page.getByTestId("stream-state").filter({ hasText: "live" }).waitFor(WAIT);
    // The key stays in this tab only.
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem("leash.console.session") ?? "",
      local: JSON.stringify(localStorage),
    }));
    expect(stored.session).to.include(config.ownerApiKey);
    expect(stored.local).to.not.include(config.ownerApiKey);
  });

  afterEach(async function () {
    // A failed step leaves a picture of the page for whoever reads the log (LEASH_CONSOLE_FAILSHOTS=dir).
    const dir = process.env.LEASH_CONSOLE_FAILSHOTS;
    if (dir && this.currentTest?.state === "failed")
      await page.screenshot({
        path: join(dir, `${this.currentTest.title.slice(0, 40)}.png`),
        fullPage: true,
      });
  });

  it("the agent pays within its limits: the spend chart moves without a reload", async () => {
    await page.evaluate("window.__sameDocument = 1");
    const paid = json<{ outcome: string }>(
      await cli(["--json", "pay", config.demo.merchant, "0.1"]),
    );
    expect(paid.outcome).to.equal("executed");
    await page
      .getByTestId(`agent-${config.demo.agent}`)
      .filter({ hasText: "0.1 of 2 ETH" })
      .waitFor(WAIT);
    await page.getByText("1 payment, 0.1 ETH in all").waitFor(WAIT);
    expect(await page.evaluate("window.__sameDocument")).to.equal(1);
    await page.screenshot({ path: join(SHOTS, "wallet-and-agents.png"), fullPage: true });
  });

  it("a new owner creates a passkey and adds it as an owner from the page: a batch two owners sign, no ETH", async () => {
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    await connectAs(keys.owner1);
    await page.getByRole("button", { name: "Create a passkey" }).click();
    const created = notice().filter({ hasText: "Passkey created" });
    await created.waitFor(WAIT);
    passkeyOwner = /0x[0-9a-fA-F]{40}/.exec((await created.textContent()) ?? "")![0];
    // The page keeps the public key and credential id only (no secret), per wallet.
    const kept = await page.evaluate(
      (w) => localStorage.getItem(`leash.console.passkey.${w.toLowerCase()}`),
      config.wallet,
    );
    expect(JSON.parse(kept!).address).to.equal(passkeyOwner);

    // Its owner contract is deployed by an owners' user operation: the wallet pays the gas; the owners sign the
    // userOpHash in the wallet's signature epoch (EIP-712 `OwnerOperation`).
    const walletBalance = await balance(config.wallet);
    await page.getByRole("button", { name: /^Deploy passkey owner/ }).click();
    const batch = page.getByTestId("batch");
    await batch.getByText("createPasskeyOwner").waitFor(WAIT);
    expect(await batch.textContent()).to.include(passkeyOwner);
    expect(await batch.textContent()).to.include("runs as soon as it is submitted");
    await signBatch(1);
    expect(signed.at(-1)!.primaryType).to.equal("OwnerOperation");
    await connectAs(keys.owner2);
    await signBatch(2);
    await submitBatch();
    expect(await rpc<string>(config.rpcUrl, "eth_getCode", [passkeyOwner, "latest"])).to.not.equal(
      "0x",
    );
    expect(await balance(config.wallet)).to.be.lessThan(walletBalance);

    // Then the owners propose it as an owner: an EIP-712 batch the relayer submits.
    await connectAs(keys.owner1);
    await page.getByRole("button", { name: /^Propose passkey/ }).click();
    await batch.getByText("addOwner").waitFor(WAIT);
    expect(await batch.textContent()).to.include("queued for 1 d once submitted");
    await signBatch(1);
    // What the browser wallet was asked to sign is the batch itself: every call, in EIP-712.
    const request = signed.at(-1)!;
    expect(request.primaryType).to.equal("ExecuteCalls");
    const calls = request.message.calls as { target: string; data: string }[];
    expect(calls.length).to.equal(1);
    expect(calls[0].target.toLowerCase()).to.equal(config.wallet.toLowerCase());
    expect(calls[0].data.toLowerCase()).to.include(passkeyOwner.slice(2).toLowerCase());

    await connectAs(keys.owner2);
    await signBatch(2);
    await submitBatch();
    // Adding an owner loosens the wallet: queued for the admin delay, during which any owner or guardian can veto.
    const queued = page.locator("article.state-queued");
    await queued.waitFor(WAIT);
    expect(await queued.getByTestId("eta").textContent()).to.match(/^in (1 d|23 h)/);
    await page.getByTestId("feed").filter({ hasText: "queued" }).waitFor(WAIT);
    await page.screenshot({ path: join(SHOTS, "passkey-owner-queued.png"), fullPage: true });

    // A day passes (the dev chain skips it); any owner asks the relayer to execute.
    await rpc(config.rpcUrl, "evm_increaseTime", [86_401]);
    await rpc(config.rpcUrl, "evm_mine", []);
    await queued.getByRole("button", { name: "Execute" }).click();
    await notice().filter({ hasText: "executed" }).waitFor(WAIT);
    await page.getByTestId("owners").filter({ hasText: passkeyOwner }).waitFor(WAIT);
    const show = json<{ owners: string[] }>(await cli(["--json", "wallet", "show"]));
    expect(show.owners).to.include(passkeyOwner);
    expect(await balance(keys.owner1.address)).to.equal(0n);
    expect(await balance(keys.owner2.address)).to.equal(0n);
  });

  it("an agent's escalated payment appears without a reload, decoded (human amount, named fields, approvals)", async () => {
    const escalated = json<{ outcome: string; proposalId: string }>(
      await cli(["--json", "pay", config.demo.merchant, "0.5"]),
    );
    expect(escalated.outcome).to.equal("escalated");
    escalation = escalated.proposalId;
    const card = page.getByTestId(`proposal-${escalation}`);
    await card.waitFor(WAIT);
    expect(await card.getByTestId("call-text").textContent()).to.equal(
      `pay 0.5 ETH to ${config.demo.merchant}`,
    );
    expect(await card.getByTestId("approvals").textContent()).to.match(/^0 of 2/);
    expect(await card.textContent()).to.include("Expires");
    await page
      .getByTestId("feed")
      .filter({ hasText: `proposal #${escalation}` })
      .waitFor(WAIT);
    expect(await page.evaluate("window.__sameDocument")).to.equal(1);
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, "escalation.png"), fullPage: true });
  });

  it("a stranger's browser wallet can't approve: the relayer refuses the signature", async () => {
    await connectAs(Wallet.createRandom() as unknown as Wallet);
    expect(await page.getByTestId("signer").textContent()).to.include("neither owner nor guardian");
    await page
      .getByTestId(`proposal-${escalation}`)
      .getByRole("button", { name: "Approve" })
      .click();
    await notice().filter({ hasText: "failed" }).waitFor(WAIT);
    expect(
      await page.getByTestId(`proposal-${escalation}`).getByTestId("approvals").textContent(),
    ).to.match(/^0 of 2/);
  });

  it("a stranger's browser wallet can't pause the wallet: the relayer refuses the guardian action", async () => {
    await connectAs(Wallet.createRandom() as unknown as Wallet);
    await page.getByRole("button", { name: "Pause the wallet" }).click();
    await page.getByRole("button", { name: "Yes, pause the wallet" }).click();
    await notice().filter({ hasText: "Pause failed" }).waitFor(WAIT);
    // Refused before it is sent (the relayer simulates it), not a transaction that never confirms.
    expect(await notice().textContent()).to.not.include("not confirmed");
    expect(json<{ paused: boolean }>(await cli(["--json", "wallet", "show"])).paused).to.equal(
      false,
    );
  });

  it("the relayer submits an owners' batch only with the threshold of owners' signatures", async () => {
    const calls = [
      { target: config.wallet, value: 0n, data: walletInterface.encodeFunctionData("pause", []) },
    ];
    const nonce = 77n;
    const deadline = BigInt(Math.floor(Date.now() / 1000)) + 86_400n * 3n;
    const epoch = BigInt(
      await rpc<string>(config.rpcUrl, "eth_call", [
        {
          to: config.wallet,
          data: walletInterface.encodeFunctionData("signatureEpoch", []),
        },
        "latest",
      ]),
    );
    const sign = (w: Wallet) =>
      w.signTypedData(walletDomain(config.wallet, 31337n), EXECUTE_CALLS_TYPES, {
        calls,
        nonce,
        deadline,
        epoch,
      });
    const submit = async (signers: Wallet[]) => {
      const signatures = packOwnerSignatures(
        await Promise.all(
          signers.map(async (w) => ({ signer: w.address, signature: await sign(w) })),
        ),
      );
      const res = await fetch(config.relayerUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "leash_submitSignedBatch",
          params: [
            {
              wallet: config.wallet,
              calls: calls.map((c) => ({ ...c, value: "0" })),
              nonce: "77",
              deadline: deadline.toString(),
              signatures,
            },
          ],
        }),
      });
      return (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
    };
    const stranger = Wallet.createRandom() as unknown as Wallet;
    for (const signers of [[keys.owner1], [keys.owner1, stranger], [stranger, keys.guardian]]) {
      const answer = await submit(signers);
      expect(answer.result, JSON.stringify(answer)).to.equal(undefined);
      expect(answer.error!.code).to.equal(-32521);
      expect(answer.error!.message).to.match(/SignatureInvalid/);
    }
    expect(json<{ paused: boolean }>(await cli(["--json", "wallet", "show"])).paused).to.equal(
      false,
    );
  });

  it("owner 1 approves with the injected wallet (EIP-712, no ETH), withdraws, approves again", async () => {
    await connectAs(keys.owner1);
    const card = page.getByTestId(`proposal-${escalation}`);
    await card.getByRole("button", { name: "Approve" }).click();
    await notice().filter({ hasText: "recorded: 1 of 2" }).waitFor(WAIT);
    const request = signed.at(-1)!;
    expect(request.primaryType).to.equal("ApproveProposal");
    expect(String(request.domain.verifyingContract).toLowerCase()).to.equal(
      config.wallet.toLowerCase(),
    );
    expect(String(request.message.id)).to.equal(escalation);
    await card.getByTestId("approvals").filter({ hasText: "signed at the relayer" }).waitFor(WAIT);
    await card.getByRole("button", { name: "Withdraw my approval" }).click();
    await notice().filter({ hasText: "withdrawn" }).waitFor(WAIT);
    await card
      .getByTestId("approvals")
      .filter({ hasText: /^0 of 2$/ })
      .waitFor(WAIT);
    await card.getByRole("button", { name: "Approve" }).click();
    await notice().filter({ hasText: "recorded: 1 of 2" }).waitFor(WAIT);
    expect(await balance(keys.owner1.address)).to.equal(0n);
  });

  it("the passkey owner approves from the page (WebAuthn): the relayer submits, the payment executes", async () => {
    const before = await balance(config.demo.merchant);
    await page.getByRole("button", { name: /^Use passkey/ }).click();
    await page.getByTestId("signer").filter({ hasText: "passkey owner" }).waitFor(WAIT);
    expect(await page.getByTestId("signer").textContent()).to.include("owner");
    const signedBefore = signed.length;
    await page
      .getByTestId(`proposal-${escalation}`)
      .getByRole("button", { name: "Approve with passkey" })
      .click();
    await notice().filter({ hasText: "executed" }).waitFor(WAIT);
    // The passkey signed, not the browser wallet.
    expect(signed.length).to.equal(signedBefore);
    expect((await balance(config.demo.merchant)) - before).to.equal(parseEther("0.5"));
    const shown = await cli(["--json", "proposal", "show", escalation]);
    expect(json<{ state: string }>(shown).state).to.equal("executed");
    await page.getByText("2 payments, 0.6 ETH in all").waitFor(WAIT);
    await page
      .getByTestId("feed")
      .filter({ hasText: `proposal #${escalation} executed` })
      .waitFor(WAIT);
  });

  it("a guardian pauses from the page (0 ETH); the agent is then refused", async () => {
    await connectAs(keys.guardian);
    expect(await page.getByTestId("signer").textContent()).to.include("guardian");
    await page.getByRole("button", { name: "Pause the wallet" }).click();
    await page.getByRole("button", { name: "Yes, pause the wallet" }).click();
    await notice().filter({ hasText: "Paused" }).waitFor(WAIT);
    await page.getByTestId("paused").filter({ hasText: "paused" }).waitFor(WAIT);
    const show = json<{ paused: boolean }>(await cli(["--json", "wallet", "show"]));
    expect(show.paused).to.equal(true);
    const refused = await cli(["pay", config.demo.merchant, "0.1"]);
    expect(refused.code).to.equal(3);
    await page.getByTestId("feed").filter({ hasText: "wallet paused" }).waitFor(WAIT);
    expect(await balance(keys.guardian.address)).to.equal(0n);
    await page.screenshot({ path: join(SHOTS, "paused.png"), fullPage: true });
  });

  it("owners request the unpause from the page after the minimum pause: browser wallet + passkey sign, it waits the admin delay, then runs", async () => {
    await rpc(config.rpcUrl, "evm_increaseTime", [3_601]);
    await rpc(config.rpcUrl, "evm_mine", []);
    await connectAs(keys.owner1);
    await page.getByRole("button", { name: "Request unpause" }).click();
    const batch = page.getByTestId("batch");
    await batch.getByText("unpause").first().waitFor(WAIT);
    // Unpausing lets agents spend again: a loosening, queued for the admin delay and vetoable (F-17).
    expect(await batch.textContent()).to.include("queued for 1 d once submitted");
    await signBatch(1);
    await page.getByRole("button", { name: /^Use passkey/ }).click();
    await signBatch(2);
    await submitBatch();
    const queued = page.locator("article.state-queued");
    await queued.waitFor(WAIT);
    expect(await page.getByTestId("paused").textContent()).to.not.equal("active");
    await rpc(config.rpcUrl, "evm_increaseTime", [86_401]);
    await rpc(config.rpcUrl, "evm_mine", []);
    await queued.getByRole("button", { name: "Execute" }).click();
    await notice().filter({ hasText: "executed" }).waitFor(WAIT);
    await page.getByTestId("paused").filter({ hasText: "active" }).waitFor(WAIT);
    expect(json<{ paused: boolean }>(await cli(["--json", "wallet", "show"])).paused).to.equal(
      false,
    );
  });

  it("the audit log filters by kind and exports CSV and JSON", async () => {
    const table = page.getByTestId("audit-table");
    await page.getByLabel("Kind").selectOption("payment");
    await table.waitFor(WAIT);
    // Amounts in the asset's own decimals and symbol (read from the chain), not a bare 18-decimal number.
    await table.locator("tbody tr").filter({ hasText: "0.5 ETH" }).waitFor(WAIT);
    const payments = await table.locator("tbody tr").allTextContents();
    expect(payments.length, payments.join("\n")).to.equal(2);
    for (const row of payments) expect(row).to.include("AgentCallExecuted");
    expect(payments.filter((row) => row.includes("0.1 ETH"))).to.have.length(1);
    const jsonDownload = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export JSON" }).click();
    const entries = JSON.parse(readFileSync((await (await jsonDownload).path())!, "utf8")) as {
      kind: string;
      amount: string;
      counterparty: string;
    }[];
    expect(entries.map((e) => [e.kind, e.amount, e.counterparty])).to.deep.equal([
      ["payment", parseEther("0.1").toString(), config.demo.merchant],
      ["payment", parseEther("0.5").toString(), config.demo.merchant],
    ]);
    await page.getByLabel("Kind").selectOption("escalation");
    await table.locator("tbody tr").filter({ hasText: "ApprovalRequested" }).waitFor(WAIT);
    await page.getByLabel("Kind").selectOption("pause");
    await table.locator("tbody tr").filter({ hasText: "Unpaused" }).waitFor(WAIT);
    expect(await table.locator("tbody tr").count()).to.equal(2);
    await page.getByLabel("Kind").selectOption("");
    const csvDownload = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    const csv = readFileSync((await (await csvDownload).path())!, "utf8");
    expect(csv.split(/\r?\n/)[0]).to.equal(
      "time,block,transaction,kind,event,agent,asset,amount,counterparty,proposal,details,clock,rule",
    );
    for (const event of ["AgentCallExecuted", "ApprovalRequested", "ProposalExecuted", "Paused"])
      expect(csv).to.include(`,${event},`);
    expect(csv).to.include(parseEther("0.5").toString());
    await page.locator("#audit").screenshot({ path: join(SHOTS, "audit-log.png") });
  });

  it("is usable at phone width (375 px): no horizontal scrolling of the page", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = await page.evaluate<number>(
      "document.documentElement.scrollWidth - window.innerWidth",
    );
    expect(overflow).to.be.at.most(0);
    await page.screenshot({ path: join(SHOTS, "phone.png") });
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
