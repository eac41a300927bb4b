/**
 * The owners' approvals service and guardians' signed actions (issue 14), against a real node and the real
 * Leash wallet: owners with 0 ETH post EIP-712 approvals; the relayer verifies them against the current owner
 * set, keeps them in its database, and submits exactly once when the threshold is reached, even when it is
 * restarted between the first and the second approval. Forged or non-owner approvals are refused; reads need
 * an owner's or guardian's signature or an API key scoped to the wallet; none of the owners' methods needs an
 * API key, and a guardian's pause goes through with the agents' limits exhausted (its API key throttled).
 */
import { expect } from "chai";
import {
  getAddress,
  hexlify,
  randomBytes,
  Wallet,
  parseEther,
  zeroPadValue,
  type InterfaceAbi,
} from "ethers";
import { createServer, type Server } from "node:http";
import { createPublicClient, createWalletClient, defineChain, http, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { OwnerClient } from "../../src/client/owner.js";
import {
  approveLeashProposal,
  leashApprovalNonce,
  pauseLeashWallet,
  signLeashApproval,
} from "../../src/client/viem/owner.js";
import { predictStackAddresses } from "../../deploy/deterministic.js";
import { knownImplementations } from "../../src/relayer/approvals/leashWallets.js";
import {
  APPROVE_PROPOSAL_TYPES,
  GUARDIAN_ACTION_TYPES,
  RELAYER_REQUEST_TYPES,
  relayerDomain,
  approvalNonce,
  walletDomain,
} from "../../src/client/signedActions.js";
import { verifyWebhook, webhookSignature } from "../../src/client/webhooks.js";
import { createApiKey } from "../../src/relayer/auth/apiKeys.js";
import { NotifyStore } from "../../src/relayer/notify/store.js";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import { IAgentWallet__factory, type IAgentWallet } from "../../typechain-types/index.js";
import { packOwnerSignatures, testWallets } from "../helpers/fixtures.js";
import {
  HARDHAT_KEYS,
  call,
  freePort,
  sleep,
  relayerCliArgs,
  spawnRelayer,
  startChain,
  tempDir,
  type TestChain,
} from "./helpers.js";
import {
  createLeashWallet,
  deployLeashStack,
  walletConfig as leashWalletConfig,
} from "./leashWallet.js";

describe("relayer: owners' approvals service and guardians' signed actions", function () {
  this.timeout(180_000);
  let chain: TestChain;
  let relayer: RunningRelayer;
  let wallet: IAgentWallet;
  let walletAddress: string;
  let implementation: string;
  const db = `sqlite:${tempDir()}/leash.sqlite`;
  const owners = testWallets(3, "approvals-owner").sort((a, b) =>
    BigInt(a.address) < BigInt(b.address) ? -1 : 1,
  );
  const [guardian, stranger, recipient] = testWallets(3, "approvals-other");
  // owners[2] pays for creating proposals; owners[0], owners[1] and the guardian hold 0 ETH throughout.
  const proposer = () => owners[2].connect(chain.provider);

  const start = () =>
    startRelayer({
      rpcUrl: chain.url,
      entryPoint: chain.entryPointAddress,
      db,
      signer: { privateKey: HARDHAT_KEYS[1] },
      port: 0,
      // Owners and guardians must get through without any API key.
      authRequired: true,
      walletImplementations: [implementation],
      sseHeartbeatMs: 300,
      walletErrorAbi: IAgentWallet__factory.abi as unknown as InterfaceAbi,
      logSink: () => {},
    });

  const client = (signer: Wallet) =>
    new OwnerClient({
      wallet: walletAddress,
      signers: [signer.connect(chain.provider)],
      provider: chain.provider,
      relayer: { url: relayer.url },
    });

  /** A pending owners' proposal paying `recipient` 1 wei, with no approval yet. */
  async function pendingProposal(): Promise<bigint> {
    const w = wallet.connect(proposer());
    const now = BigInt((await chain.provider.getBlock("latest"))!.timestamp);
    await (
      await w.propose([{ target: recipient.address, value: 1n, data: "0x" }], now + 86_400n)
    ).wait();
    const id = await wallet.proposalCount();
    await (await w.revokeApproval(id)).wait();
    return id;
  }

  async function approvalSignature(signer: Wallet, id: bigint): Promise<string> {
    const [, , , expiresAt] = await wallet.getProposal(id);
    return signer.signTypedData(
      walletDomain(walletAddress, chain.chainId),
      APPROVE_PROPOSAL_TYPES,
      {
        id,
        nonce: approvalNonce(walletAddress, id),
        deadline: expiresAt,
        epoch: await wallet.signatureEpoch(),
      },
    );
  }

  async function events(name: string, id: bigint) {
    const filter = wallet.filters[name as "ProposalExecuted"](id);
    return wallet.queryFilter(filter, 0, "latest");
  }

  /** A fresh Leash stack (modules, implementation, factory) deployed without CREATE2: its own addresses. */
  const deployStack = () => deployLeashStack(chain);

  const walletConfig = () =>
    leashWalletConfig(
      owners.map((o) => o.address),
      2,
      [guardian.address],
    );

  before(async () => {
    chain = await startChain();
    const stack = await deployStack();
    implementation = stack.implementation;
    const factory = stack.factory;
    walletAddress = await createLeashWallet(chain, factory, walletConfig(), [], {
      balance: parseEther("1"),
      deposit: 0n,
    });
    await (
      await chain.deployer.sendTransaction({ to: owners[2].address, value: parseEther("10") })
    ).wait();
    wallet = IAgentWallet__factory.connect(walletAddress, chain.provider);
    relayer = await start();
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
  });

  it("refuses a forged approval, a non-owner's, and one signed for another proposal; stores none of them", async () => {
    const id = await pendingProposal();
    const other = await pendingProposal();
    const post = (owner: string, signature: string, proposalId = id) =>
      call(relayer.url, "leash_postApproval", [
        { wallet: walletAddress, proposalId: proposalId.toString(), owner, signature },
      ]);
    // Signed by a stranger, claimed as owner 0's.
    const forged = await post(owners[0].address, await approvalSignature(stranger, id));
    expect(forged.error?.code).to.equal(-32602);
    expect(forged.error?.message).to.match(/approval refused by the wallet: SignatureInvalid/);
    // A stranger's own approval.
    const notOwner = await post(stranger.address, await approvalSignature(stranger, id));
    expect(notOwner.error?.code).to.equal(-32602);
    expect(notOwner.error?.message).to.match(/is not an owner of/);
    // Owner 0's real signature, but for another proposal.
    const elsewhere = await post(owners[0].address, await approvalSignature(owners[0], other));
    expect(elsewhere.error?.code).to.equal(-32602);
    // Garbage.
    const garbage = await post(owners[0].address, "0x" + "11".repeat(65));
    expect(garbage.error?.code).to.equal(-32602);
    const listed = await client(owners[0]).relayerApprovals(id);
    expect(listed.approvedAtRelayer).to.deep.equal([]);
    expect(listed.approvedOnChain).to.deep.equal([]);
  });

  it("submits exactly once when the threshold is reached, even with a relayer restart between the approvals", async () => {
    const id = await pendingProposal();
    const before = await chain.provider.getBalance(recipient.address);
    const first = await client(owners[0]).approve(id);
    expect(first.status).to.equal("pending");
    expect((await wallet.getProposal(id))[6]).to.equal(0n); // held by the relayer, nothing on chain
    await relayer.close();
    relayer = await start();
    const listed = await client(owners[1]).relayerApprovals(id);
    expect(listed.approvedAtRelayer.map((a) => a.owner)).to.deep.equal([owners[0].address]);

    const second = await client(owners[1]).approve(id);
    expect(second.status).to.equal("executed");
    expect(await chain.provider.getBalance(recipient.address)).to.equal(before + 1n);
    expect(await events("ProposalQueued", id)).to.have.length(1);
    expect(await events("ProposalExecuted", id)).to.have.length(1);
    // The proposer's approval (revoked when the proposal was made), then owners 0 and 1, once each.
    const approved = (await events("ProposalApproved", id)).map((e) => e.args[1] as string);
    expect(approved).to.deep.equal([owners[2].address, owners[0].address, owners[1].address]);
    for (const o of owners.slice(0, 2))
      expect(await chain.provider.getBalance(o.address)).to.equal(0n);

    // Another restart finds nothing left to do for it: the relayer's signer sends nothing more.
    await relayer.close();
    relayer = await start();
    const nonce = await chain.provider.getTransactionCount(relayer.signerAddress);
    await sleep(3_000);
    expect(await chain.provider.getTransactionCount(relayer.signerAddress)).to.equal(nonce);
    const done = await client(owners[0]).relayerApprovals(id);
    expect(done.state).to.equal("executed");
    expect(done.actions.approve?.status).to.equal("sent");
  });

  it("submits exactly once when the relayer process is killed (SIGKILL) between the first and second approval", async () => {
    const id = await pendingProposal();
    const before = await chain.provider.getBalance(recipient.address);
    // The same database and signer, in its own process, as an operator runs it.
    await relayer.close();
    const port = await freePort();
    const killed = await spawnRelayer(relayerCliArgs(chain, port, db), {
      LEASH_RELAYER_PRIVATE_KEY: HARDHAT_KEYS[1],
      LEASH_WALLET_IMPLEMENTATIONS: implementation,
    });
    try {
      const first = await new OwnerClient({
        wallet: walletAddress,
        signers: [owners[0].connect(chain.provider)],
        provider: chain.provider,
        relayer: { url: killed.url },
      }).approve(id);
      expect(first.status).to.equal("pending");
    } finally {
      await killed.kill("SIGKILL");
    }
    relayer = await start();
    const second = await client(owners[1]).approve(id);
    expect(second.status).to.equal("executed");
    expect(await chain.provider.getBalance(recipient.address)).to.equal(before + 1n);
    expect(await events("ProposalQueued", id)).to.have.length(1);
    expect(await events("ProposalExecuted", id)).to.have.length(1);
    const approved = (await events("ProposalApproved", id)).map((e) => e.args[1] as string);
    expect(approved).to.deep.equal([owners[2].address, owners[0].address, owners[1].address]);
  });

  it("an owner withdraws an approval before submission: it no longer counts", async () => {
    const id = await pendingProposal();
    await client(owners[0]).approve(id);
    expect((await client(owners[0]).withdrawApproval(id)).withdrawn).to.equal(true);
    const second = await client(owners[1]).approve(id);
    expect(second.status).to.equal("pending");
    await sleep(2_000);
    expect((await wallet.getProposal(id))[0]).to.equal(1n); // still pending
    // Someone else can't withdraw for owner 1.
    const forged = await client(stranger)
      .withdrawApproval(id)
      .catch((e: Error) => e);
    expect(forged).to.be.instanceOf(Error);
  });

  it("reads need an owner's or guardian's signature or an API key scoped to the wallet", async () => {
    const id = await pendingProposal();
    const anonymous = await call(relayer.url, "leash_listApprovals", [
      { wallet: walletAddress, proposalId: id.toString() },
    ]);
    expect(anonymous.error?.code).to.equal(-32002);
    const asGuardian = await client(guardian).relayerApprovals(id);
    expect(asGuardian.state).to.equal("pending");
    const strangerRead = await new OwnerClient({
      wallet: walletAddress,
      signers: [stranger.connect(chain.provider)],
      provider: chain.provider,
      relayer: { url: relayer.url },
    })
      .relayerApprovals(id)
      .catch((e: Error) => e);
    expect(strangerRead).to.be.instanceOf(Error);
    const scoped = await createApiKey(relayer.store, { sender: walletAddress, scopes: ["read"] });
    const withKey = await call(
      relayer.url,
      "leash_listApprovals",
      [{ wallet: walletAddress, proposalId: id.toString() }],
      { authorization: `Bearer ${scoped.key}` },
    );
    expect(withKey.error, JSON.stringify(withKey.error)).to.equal(undefined);
    const otherWallet = await createApiKey(relayer.store, {
      sender: stranger.address,
      scopes: ["read"],
    });
    const wrongKey = await call(
      relayer.url,
      "leash_listApprovals",
      [{ wallet: walletAddress, proposalId: id.toString() }],
      { authorization: `Bearer ${otherWallet.key}` },
    );
    expect(wrongKey.error?.code).to.equal(-32002);
  });

  it("GET /events streams the wallet's notifications to a reader, with heartbeats and Last-Event-ID resume", async () => {
    const eventsUrl = (query: Record<string, string>) =>
      `${relayer.url}events?${new URLSearchParams({ wallet: walletAddress, ...query })}`;
    const signedQuery = async (signer: Wallet) => {
      const issuedAt = BigInt(Math.floor(Date.now() / 1000));
      const signature = await signer.signTypedData(
        relayerDomain(chain.chainId),
        RELAYER_REQUEST_TYPES,
        { action: "events", wallet: walletAddress, id: 0n, issuedAt },
      );
      return { signer: signer.address, issuedAt: issuedAt.toString(), signature };
    };
    /** A real HTTP client reading the stream as it comes. */
    const open = async (url: string, headers: Record<string, string> = {}) => {
      const abort = new AbortController();
      const response = await fetch(url, { headers, signal: abort.signal });
      let text = "";
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      const until = async (pattern: RegExp): Promise<RegExpMatchArray> => {
        const deadline = Date.now() + 90_000;
        for (;;) {
          const m = text.match(pattern);
          if (m) return m;
          if (Date.now() > deadline) throw new Error(`no ${pattern} in stream: ${text}`);
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended: ${text}`);
          text += decoder.decode(value, { stream: true });
        }
      };
      return { response, until, text: () => text, close: () => abort.abort() };
    };
    const cancelled = /id: (\S+)\nevent: proposal\.cancelled\ndata: (.+)\n\n/;

    // Deny by default: nobody, a stranger's signed request, a key scoped to another wallet, a bad key.
    expect((await fetch(eventsUrl({}))).status).to.equal(403);
    expect((await fetch(eventsUrl(await signedQuery(stranger)))).status).to.equal(403);
    const elsewhere = await createApiKey(relayer.store, {
      sender: stranger.address,
      scopes: ["read"],
    });
    expect(
      (await fetch(eventsUrl({}), { headers: { authorization: `Bearer ${elsewhere.key}` } }))
        .status,
    ).to.equal(403);
    expect((await fetch(eventsUrl({}), { headers: { "x-api-key": "lk_bad" } })).status).to.equal(
      401,
    );

    // The guardian (a signed request, as an EventSource would pass it).
    const live = await open(eventsUrl(await signedQuery(guardian)));
    expect(live.response.status).to.equal(200);
    expect(live.response.headers.get("content-type")).to.equal("text/event-stream");
    await live.until(/: heartbeat\n\n/);
    const first = await pendingProposal();
    await (await wallet.connect(proposer()).cancel(first)).wait();
    const [, firstId, firstData] = await live.until(cancelled);
    expect(JSON.parse(firstData)).to.deep.include({ id: firstId, type: "proposal.cancelled" });
    expect(JSON.parse(firstData).args.id).to.equal(first.toString());
    live.close();

    // While nobody listens, another cancellation is recorded in the event table.
    const second = await pendingProposal();
    await (await wallet.connect(proposer()).cancel(second)).wait();
    const notifyStore = await NotifyStore.open(db);
    try {
      const deadline = Date.now() + 90_000;
      while ((await notifyStore.eventsAfter(walletAddress, firstId, 10)).length === 0) {
        if (Date.now() > deadline) throw new Error("the second cancellation was never recorded");
        await sleep(200);
      }
    } finally {
      await notifyStore.close();
    }
    // Resumed with an API key scoped to the wallet: the missed event, not the one already seen.
    const scoped = await createApiKey(relayer.store, { sender: walletAddress, scopes: ["read"] });
    const resumed = await open(eventsUrl({}), {
      authorization: `Bearer ${scoped.key}`,
      "last-event-id": firstId,
    });
    expect(resumed.response.status).to.equal(200);
    const [, secondId, secondData] = await resumed.until(cancelled);
    expect(secondId).to.not.equal(firstId);
    expect(JSON.parse(secondData).args.id).to.equal(second.toString());
    expect(resumed.text()).to.not.include(firstId);
    resumed.close();
  });

  it("a queued loosening is its own notification (proposal.loosening_queued), so vetoers hear of it inside the delay", async () => {
    const issuedAt = BigInt(Math.floor(Date.now() / 1000));
    const signature = await guardian.signTypedData(
      relayerDomain(chain.chainId),
      RELAYER_REQUEST_TYPES,
      {
        action: "events",
        wallet: walletAddress,
        id: 0n,
        issuedAt,
      },
    );
    const abort = new AbortController();
    const response = await fetch(
      `${relayer.url}events?${new URLSearchParams({ wallet: walletAddress, signer: guardian.address, issuedAt: issuedAt.toString(), signature })}`,
      { signal: abort.signal },
    );
    expect(response.status).to.equal(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const until = async (pattern: RegExp) => {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const m = text.match(pattern);
        if (m) return m;
        if (Date.now() > deadline) throw new Error(`no ${pattern} in stream: ${text}`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    try {
      // Removing a guardian waits the admin delay: a loosening.
      const w = wallet.connect(proposer());
      const now = BigInt((await chain.provider.getBlock("latest"))!.timestamp);
      const removal = {
        target: walletAddress,
        value: 0n,
        data: wallet.interface.encodeFunctionData("removeGuardian", [guardian.address]),
      };
      await (await w.propose([removal], now + 86_400n)).wait();
      const id = await wallet.proposalCount();
      await client(owners[0]).approve(id); // completes the threshold through the relayer
      const [, data] = await until(/event: proposal\.loosening_queued\ndata: (.+)\n\n/);
      const payload = JSON.parse(data) as { args: { id: string; eta: string } };
      expect(payload.args.id).to.equal(id.toString());
      expect(BigInt(payload.args.eta)).to.be.greaterThan(now);
      expect(text).to.not.match(/event: proposal\.queued\n/);
      await (await w.cancel(id)).wait();
    } finally {
      abort.abort();
    }
  });

  it("viem owners: an approval signed by a LocalAccount and one by a WalletClient are the ethers signatures, and the relayer submits them", async () => {
    const id = await pendingProposal();
    const before = await chain.provider.getBalance(recipient.address);
    const viemChain = defineChain({
      id: Number(chain.chainId),
      name: "test",
      nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [chain.url] } },
    });
    const publicClient = createPublicClient({ chain: viemChain, transport: http(chain.url) });
    const local = privateKeyToAccount(owners[0].privateKey as Hex);
    const walletClient = createWalletClient({
      account: privateKeyToAccount(owners[1].privateKey as Hex),
      chain: viemChain,
      transport: http(chain.url),
    });
    // What the ethers owner path signs, byte for byte.
    const [, , , expiresAt] = await wallet.getProposal(id);
    expect(leashApprovalNonce(walletAddress as Hex, id)).to.equal(approvalNonce(walletAddress, id));
    for (const [viemSigner, ethersSigner] of [
      [local, owners[0]],
      [walletClient, owners[1]],
    ] as const)
      expect(
        await signLeashApproval({
          signer: viemSigner,
          wallet: walletAddress as Hex,
          chainId: chain.chainId,
          proposalId: id,
          deadline: expiresAt,
          epoch: await wallet.signatureEpoch(),
        }),
      ).to.equal(await approvalSignature(ethersSigner, id));
    // A stranger's viem account is refused like any non-owner.
    const refused = await approveLeashProposal({
      client: publicClient,
      signer: privateKeyToAccount(stranger.privateKey as Hex),
      wallet: walletAddress as Hex,
      proposalId: id,
      relayerUrl: relayer.url,
    }).catch((e: Error) => e);
    expect(refused).to.be.instanceOf(Error);
    expect((refused as Error).message).to.match(/is not an owner of/);

    const first = await approveLeashProposal({
      client: publicClient,
      signer: local,
      wallet: walletAddress as Hex,
      proposalId: id,
      relayerUrl: relayer.url,
    });
    expect(first.state).to.equal("pending");
    await approveLeashProposal({
      client: publicClient,
      signer: walletClient,
      wallet: walletAddress as Hex,
      proposalId: id,
      relayerUrl: relayer.url,
    });
    const deadline = Date.now() + 60_000;
    while ((await wallet.getProposal(id))[0] !== 3n) {
      if (Date.now() > deadline) throw new Error("the viem-approved proposal never executed");
      await sleep(200);
    }
    expect(await chain.provider.getBalance(recipient.address)).to.equal(before + 1n);
    expect(await events("ProposalExecuted", id)).to.have.length(1);
    // Executed: a late approval is refused before anything is signed.
    const late = await approveLeashProposal({
      client: publicClient,
      signer: local,
      wallet: walletAddress as Hex,
      proposalId: id,
      relayerUrl: relayer.url,
    }).catch((e: Error) => e);
    expect((late as Error).message).to.equal(`proposal ${id} is executed, not pending approvals`);
  });

  it("a guardian with 0 ETH pauses (viem helper) through the relayer, not throttled by the wallet API key's exhausted limit; a stranger's pause is refused unpaid", async () => {
    const signerNonce = await chain.provider.getTransactionCount(relayer.signerAddress);
    const strangerPause = await new OwnerClient({
      wallet: walletAddress,
      signers: [stranger.connect(chain.provider)],
      provider: chain.provider,
      relayer: { url: relayer.url },
    })
      .pause()
      .catch((e: Error) => e);
    expect(strangerPause).to.be.instanceOf(Error);
    expect(await chain.provider.getTransactionCount(relayer.signerAddress)).to.equal(signerNonce);
    // The guardian's pause is not throttled by the limits that protect the relayer from agents: here the
    // wallet's API key (the one its agent uses, which the CLI sends along) has used up its per-key limit.
    const limited = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: chain.entryPointAddress,
      db: `sqlite:${tempDir()}/limited.sqlite`,
      signer: { privateKey: HARDHAT_KEYS[3] },
      port: 0,
      authRequired: true,
      rateLimits: { perKey: { perMinute: 2 }, perSender: { perMinute: 1 } },
      walletImplementations: [implementation],
      walletErrorAbi: IAgentWallet__factory.abi as unknown as InterfaceAbi,
      logSink: () => {},
    });
    try {
      const { key } = await createApiKey(limited.store, {
        sender: walletAddress,
        scopes: ["read", "send"],
      });
      const headers = { authorization: `Bearer ${key}` };
      const calls = [];
      for (let i = 0; i < 3; i++)
        calls.push(await call(limited.url, "eth_supportedEntryPoints", [], headers));
      expect(calls.map((c) => c.error?.code ?? 0)).to.deep.equal([0, 0, -32504]);
      const started = Date.now();
      // From a viem app: the guardian's LocalAccount signs, the relayer submits (the SDK's viem helper).
      const { transactionHash } = await pauseLeashWallet({
        client: createPublicClient({ transport: http(chain.url) }),
        signer: privateKeyToAccount(guardian.privateKey as Hex),
        wallet: walletAddress as Hex,
        relayerUrl: limited.url,
        apiKey: key,
      });
      expect((await chain.provider.waitForTransaction(transactionHash))?.status).to.equal(1);
      expect(await wallet.paused()).to.equal(true);
      expect(await chain.provider.getBalance(guardian.address)).to.equal(0n);
      console.log(
        `      guardian pause through the relayer confirmed in ${Date.now() - started} ms`,
      );
      // The agent's key is still throttled.
      const after = await call(limited.url, "eth_supportedEntryPoints", [], headers);
      expect(after.error?.code).to.equal(-32504);
    } finally {
      await limited.close();
    }
  });

  it("acts only for Leash wallets: refuses an unknown implementation, a non-proxy and an empty address, unpaid", async () => {
    // A real wallet, a valid guardian signature: only its implementation is one this relayer doesn't know.
    const other = await deployStack();
    const salt = zeroPadValue("0x02", 32);
    const otherWallet = (await other.factory.getFunction("getAddress")(
      walletConfig(),
      [],
      salt,
    )) as string;
    await (await other.factory.getFunction("createWallet")(walletConfig(), [], salt)).wait();
    const now = BigInt((await chain.provider.getBlock("latest"))!.timestamp);
    const signedPause = async (target: string) => {
      const data = IAgentWallet__factory.createInterface().encodeFunctionData("pause");
      const nonce = BigInt(hexlify(randomBytes(16)));
      const deadline = now + 3_600n;
      // The wallet's signature epoch where there is a wallet (the refusals below never get to check it).
      const epoch = await IAgentWallet__factory.connect(target, chain.provider)
        .signatureEpoch()
        .catch(() => 0n);
      const signature = await guardian.signTypedData(
        walletDomain(target, chain.chainId),
        GUARDIAN_ACTION_TYPES,
        { data, nonce, deadline, epoch },
      );
      return {
        wallet: target,
        guardian: guardian.address,
        data,
        nonce: nonce.toString(),
        deadline: deadline.toString(),
        signature,
      };
    };
    const submit = async (url: string, target: string) =>
      call(url, "leash_submitGuardianAction", [await signedPause(target)]);
    const signerNonce = await chain.provider.getTransactionCount(relayer.signerAddress);

    const unknown = await submit(relayer.url, otherWallet);
    expect(unknown.error?.code).to.equal(-32602);
    expect(unknown.error?.message).to.equal(
      `${getAddress(otherWallet)} is not a Leash wallet: its implementation ${getAddress(other.implementation)} is not a Leash implementation this relayer knows`,
    );
    expect(unknown.error?.data).to.deep.equal({
      reason: "unknown-implementation",
      wallet: getAddress(otherWallet),
      implementation: getAddress(other.implementation),
    });
    // The Leash implementation itself: the right logic, but not behind the Leash proxy.
    const notProxy = await submit(relayer.url, implementation);
    expect(notProxy.error?.code).to.equal(-32602);
    expect(notProxy.error?.data).to.deep.include({ reason: "not-leash-proxy" });
    expect(notProxy.error?.message).to.match(/its code is not the Leash wallet proxy/);
    const noCode = await submit(relayer.url, stranger.address);
    expect(noCode.error?.data).to.deep.include({ reason: "no-code" });
    // An approval for that wallet is refused before anything is stored.
    const approval = await call(relayer.url, "leash_postApproval", [
      {
        wallet: otherWallet,
        proposalId: "1",
        owner: owners[0].address,
        signature: "0x" + "11".repeat(65),
      },
    ]);
    expect(approval.error?.data).to.deep.include({ reason: "unknown-implementation" });
    expect(await chain.provider.getTransactionCount(relayer.signerAddress)).to.equal(signerNonce);
    const otherContract = IAgentWallet__factory.connect(otherWallet, chain.provider);
    expect(await otherContract.paused()).to.equal(false);

    // A relayer configured with that implementation submits the same kind of action.
    const configured = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: chain.entryPointAddress,
      db: `sqlite:${tempDir()}/other.sqlite`,
      signer: { privateKey: HARDHAT_KEYS[2] },
      port: 0,
      walletImplementations: [other.implementation],
      walletErrorAbi: IAgentWallet__factory.abi as unknown as InterfaceAbi,
      logSink: () => {},
    });
    try {
      const sent = await submit(configured.url, otherWallet);
      expect(sent.error).to.equal(undefined);
      const { transactionHash } = sent.result as { transactionHash: string };
      expect((await chain.provider.waitForTransaction(transactionHash))?.status).to.equal(1);
      expect(await otherContract.paused()).to.equal(true);
    } finally {
      await configured.close();
    }
  });

  it("knows the deterministic Leash implementation of the current build without configuration", () => {
    const predicted = getAddress(predictStackAddresses().implementation);
    expect(knownImplementations()).to.deep.equal([predicted]);
    expect(knownImplementations([implementation])).to.have.members([
      getAddress(implementation),
      predicted,
    ]);
  });

  it("webhooks: HMAC-signed, retried after the receiver was down (across a relayer restart) or failing, one event id per chain event", async () => {
    const port = await freePort();
    const signed = async (c: OwnerClient, signer: Wallet, action: string, n: bigint) => {
      const a = await c.signedRequest(signer, action, n);
      return { ...a, issuedAt: a.issuedAt.toString() };
    };
    const ownerClient = client(owners[0]);
    // Let the watcher pass the earlier tests' blocks (their pause would otherwise be notified too).
    await sleep(2_000);
    const auth = await signed(ownerClient, owners[0].connect(chain.provider), "webhook", 0n);
    const added = await call(relayer.url, "leash_addWebhook", [
      { wallet: walletAddress, url: `http://127.0.0.1:${port}/hook`, auth },
    ]);
    expect(added.error, JSON.stringify(added.error)).to.equal(undefined);
    const { id: endpointId, secret } = added.result as { id: string; secret: string };
    // A guardian can't manage the owners' webhooks.
    const guardianAuth = await signed(ownerClient, guardian.connect(chain.provider), "webhook", 0n);
    const refused = await call(relayer.url, "leash_addWebhook", [
      { wallet: walletAddress, url: `http://127.0.0.1:${port}/x`, auth: guardianAuth },
    ]);
    expect(refused.error?.code).to.equal(-32002);

    const id = await pendingProposal();
    await client(guardian).cancel(id);
    // The receiver is down: the delivery is attempted and fails, then retried with backoff.
    await sleep(2_500);
    const list = async () =>
      (
        await call(relayer.url, "leash_listWebhooks", [
          {
            wallet: walletAddress,
            auth: await signed(ownerClient, owners[0].connect(chain.provider), "webhook", 0n),
          },
        ])
      ).result as {
        id: string;
        deliveries: { eventId: string; status: string; attempts: number }[];
      }[];
    const down = (await list()).find((e) => e.id === endpointId)!;
    expect(down.deliveries, JSON.stringify(down.deliveries)).to.have.length(1);
    expect(down.deliveries[0].status).to.equal("pending");
    expect(down.deliveries[0].attempts).to.be.greaterThan(0);
    // The outbox is durable: a relayer restart while the receiver is down loses nothing and adds nothing.
    await relayer.close();
    relayer = await start();

    const received: { id: string; signature: string; body: string }[] = [];
    const server: Server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push({
          id: String(req.headers["leash-event-id"]),
          signature: String(req.headers["leash-signature"]),
          body,
        });
        // Up, but failing once: the retry is the same event (same id, same body), not a new one.
        res.writeHead(received.length === 1 ? 503 : 204).end();
      });
    });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
    try {
      const deadline = Date.now() + 60_000;
      while (received.length < 2 && Date.now() < deadline) await sleep(200);
      expect(received).to.have.length(2);
      const [failed, hook] = received;
      expect([failed.id, failed.body]).to.deep.equal([hook.id, hook.body]);
      expect(verifyWebhook(secret, failed.signature, failed.body)).to.equal(true);
      expect(verifyWebhook(secret, hook.signature, hook.body)).to.equal(true);
      expect(verifyWebhook("whsec_wrong", hook.signature, hook.body)).to.equal(false);
      expect(verifyWebhook(secret, hook.signature, hook.body + " ")).to.equal(false);
      const old = Math.floor(Date.now() / 1000) - 301;
      expect(
        verifyWebhook(secret, `t=${old},v1=${webhookSignature(secret, old, hook.body)}`, hook.body),
      ).to.equal(false);
      const event = JSON.parse(hook.body) as {
        id: string;
        type: string;
        args: Record<string, string>;
      };
      expect(event.type).to.equal("proposal.cancelled");
      expect(event.id).to.equal(hook.id);
      expect(event.args.id).to.equal(id.toString());

      // A test event is another event id, delivered once too; the cancellation is never sent again.
      const tested = await call(relayer.url, "leash_testWebhook", [
        {
          wallet: walletAddress,
          auth: await signed(ownerClient, owners[0].connect(chain.provider), "webhook", 0n),
        },
      ]);
      const testId = (tested.result as { eventId: string }).eventId;
      await sleep(3_000);
      expect(received.map((r) => r.id)).to.deep.equal([hook.id, hook.id, testId]);
      const up = (await list()).find((e) => e.id === endpointId)!;
      expect(up.deliveries.every((d) => d.status === "delivered")).to.equal(true);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
  // Last in this file: it moves the chain's clock a day and adds a guardian.
  it("an approval stored before an owner or guardian changed no longer counts and blocks no fresh one", async () => {
    const w = wallet.connect(proposer());
    const now = BigInt((await chain.provider.getBlock("latest"))!.timestamp);
    const pay = [{ target: recipient.address, value: 1n, data: "0x" }];
    await (await w.propose(pay, now + 10n * 86_400n)).wait();
    const id = await wallet.proposalCount();
    await (await w.revokeApproval(id)).wait();
    expect((await client(owners[0]).approve(id)).status).to.equal("pending");

    // The signers change (the owners add a guardian, through the timelock): owner 0's stored signature names
    // a signature epoch that has ended.
    const [extra] = testWallets(1, "approvals-extra-guardian");
    const calls = [
      {
        target: walletAddress,
        value: 0n,
        data: wallet.interface.encodeFunctionData("addGuardian", [extra.address]),
      },
    ];
    const nonce = 0x5eed_0001n;
    const deadline = now + 86_400n;
    const digest = await wallet.hashSignedCalls(calls, nonce, deadline);
    const sigs = packOwnerSignatures(
      owners
        .slice(0, 2)
        .map((o) => ({ signer: o.address, signature: o.signingKey.sign(digest).serialized })),
    );
    await (await w.executeWithSignatures(calls, nonce, deadline, sigs)).wait();
    const queued = await wallet.proposalCount();
    await chain.provider.send("evm_increaseTime", [86_401]);
    await chain.provider.send("evm_mine", []);
    // The relayer executes due proposals too: whoever comes first.
    await w
      .execute(queued)
      .then((tx) => tx.wait())
      .catch(() => undefined);
    expect(await wallet.isGuardian(extra.address)).to.equal(true);

    const listed = await client(owners[1]).relayerApprovals(id);
    expect(listed.approvedAtRelayer.map((a) => [a.owner, a.counts])).to.deep.equal([
      [owners[0].address, false],
    ]);
    // Owner 1's fresh approval is one of two: nothing is sent (the stale one would make it revert).
    const signerNonce = await chain.provider.getTransactionCount(relayer.signerAddress);
    expect((await client(owners[1]).approve(id)).status).to.equal("pending");
    await sleep(1_500);
    expect(await chain.provider.getTransactionCount(relayer.signerAddress)).to.equal(signerNonce);
    expect((await wallet.getProposal(id))[0]).to.equal(1n); // still pending
    // Owner 0 signs again, in the new epoch: with owner 1's, the threshold is met and the payment runs.
    const before = await chain.provider.getBalance(recipient.address);
    expect((await client(owners[0]).approve(id)).status).to.equal("executed");
    expect(await chain.provider.getBalance(recipient.address)).to.equal(before + 1n);
  });
});
