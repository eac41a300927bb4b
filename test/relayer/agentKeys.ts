/**
 * API keys scoped to one agent, and reads limited to the ops a key covers, against a real Leash wallet with two
 * agents on a real chain. Keys: a stranger's (bound to another wallet), the wallet's, agent A's and agent B's.
 * Each may send and estimate only what it covers (-32002 otherwise), and reads of an op it doesn't cover answer
 * exactly like an unknown hash: no existence oracle.
 */
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { Wallet, hexlify, type InterfaceAbi } from "ethers";
import { createApiKey } from "../../src/relayer/auth/apiKeys.js";
import { openStore } from "../../src/relayer/store/index.js";
import { nonceKeyAgent, signingAgent } from "../../src/relayer/auth/opAgent.js";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import { type UserOperation } from "../../src/relayer/userOp.js";
import { IAgentWallet__factory } from "../../typechain-types/index.js";
import { testWallets } from "../helpers/fixtures.js";
import {
  HARDHAT_KEYS,
  call,
  rpcOp,
  startChain,
  tempDir,
  waitForFinal,
  type TestChain,
} from "./helpers.js";
import {
  createLeashWallet,
  deployLeashStack,
  leashAgentOp,
  sortedOwners,
  testAgentSetup,
  walletConfig,
} from "./leashWallet.js";

const FORBIDDEN = -32002;
const READS = [
  "eth_getUserOperationByHash",
  "eth_getUserOperationReceipt",
  "leash_getUserOperationStatus",
] as const;

describe("relayer API keys scoped to an agent; a key reads only its own ops", function () {
  this.timeout(180_000);
  let chain: TestChain;
  let relayer: RunningRelayer;
  let wallet: string;
  const [agentA, agentB, payee] = testWallets(3, "relayer-agent-keys");
  const keys: Record<"stranger" | "wallet" | "agentA" | "agentB", Record<string, string>> = {
    stranger: {},
    wallet: {},
    agentA: {},
    agentB: {},
  };

  before(async () => {
    chain = await startChain();
    const ep = chain.entryPointAddress;
    const { implementation, factory } = await deployLeashStack(chain);
    const owners = sortedOwners(2, "relayer-agent-keys-owner");
    wallet = await createLeashWallet(
      chain,
      factory,
      walletConfig(
        owners.map((o) => o.address),
        2,
      ),
      [agentA, agentB].flatMap((agent) => testAgentSetup(agent.address, [payee.address])),
    );

    relayer = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: ep,
      db: `sqlite:${tempDir()}/agent-keys.sqlite`,
      signer: { privateKey: HARDHAT_KEYS[1] },
      port: 0,
      walletErrorAbi: IAgentWallet__factory.abi as unknown as InterfaceAbi,
      walletImplementations: [implementation],
      logSink: () => {},
    });
    const bearer = async (sender: string, agent: string | null) => ({
      authorization: `Bearer ${(await createApiKey(relayer.store, { sender, agent, scopes: ["send", "read"] })).key}`,
    });
    keys.stranger = await bearer(Wallet.createRandom().address, null);
    keys.wallet = await bearer(wallet, null);
    keys.agentA = await bearer(wallet, agentA.address);
    keys.agentB = await bearer(wallet, agentB.address);
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
  });

  /** A payment by `lane`'s agent on `lane`'s nonce key, signed by `signer` (the same agent unless forging). */
  function agentOp(lane: Wallet, signer: Wallet | null = lane): Promise<UserOperation> {
    return leashAgentOp(
      chain,
      wallet,
      lane.address,
      [{ target: payee.address, value: 1_000n, data: "0x" }],
      signer,
    );
  }

  const send = (op: UserOperation, headers: Record<string, string>) =>
    call(relayer.url, "eth_sendUserOperation", [rpcOp(op), chain.entryPointAddress], headers);

  const estimate = (op: UserOperation, headers: Record<string, string>) => {
    const { callGasLimit, verificationGasLimit, preVerificationGas, ...partial } = rpcOp(
      op,
    ) as Record<string, unknown>;
    void callGasLimit;
    void verificationGasLimit;
    void preVerificationGas;
    return call(
      relayer.url,
      "eth_estimateUserOperationGas",
      [partial, chain.entryPointAddress],
      headers,
    );
  };

  let opOfA: string;
  let opOfB: string;

  it("send: an agent key sends its agent's ops only; the wallet key sends any of the wallet's; a stranger none", async () => {
    // Agent A's key, agent A's op: accepted and included.
    const a = await send(await agentOp(agentA), keys.agentA);
    expect(a.error, JSON.stringify(a.error)).to.equal(undefined);
    opOfA = a.result as string;
    expect((await waitForFinal(relayer.url, opOfA, keys.agentA)).status).to.equal("included");

    // Agent A's key may not send agent B's op (a valid op: the wallet key sends it below).
    const opB = await agentOp(agentB);
    const refused = await send(opB, keys.agentA);
    expect(refused.error?.code).to.equal(FORBIDDEN);
    expect(refused.error?.message).to.match(/may not send operations for this agent/);
    // Nor an op on its own nonce key that its agent didn't sign (B signing on A's lane).
    const forged = await send(await agentOp(agentA, agentB), keys.agentA);
    expect(forged.error?.code).to.equal(FORBIDDEN);
    // Nor an owners' op (nonce key 0).
    const owners = { ...(await agentOp(agentA)), nonce: 0n };
    expect((await send(owners, keys.agentA)).error?.code).to.equal(FORBIDDEN);
    // A stranger's key may not send for this wallet at all.
    expect((await send(opB, keys.stranger)).error?.code).to.equal(FORBIDDEN);

    // The wallet's key sends agent B's op; the relayer records B as its agent.
    const b = await send(opB, keys.wallet);
    expect(b.error, JSON.stringify(b.error)).to.equal(undefined);
    opOfB = b.result as string;
    expect((await waitForFinal(relayer.url, opOfB, keys.wallet)).status).to.equal("included");
    expect((await relayer.store.getOp(opOfB))?.agent).to.equal(agentB.address);
    expect((await relayer.store.getOp(opOfA))?.agent).to.equal(agentA.address);
  });

  it("estimate (stub signature): an agent key for its agent's nonce key only; a stranger not at all", async () => {
    const ownStub = await agentOp(agentA, null);
    const own = await estimate(ownStub, keys.agentA);
    expect(own.error, JSON.stringify(own.error)).to.equal(undefined);
    expect(BigInt((own.result as { callGasLimit: string }).callGasLimit) > 0n).to.equal(true);

    const otherStub = await agentOp(agentB, null);
    const other = await estimate(otherStub, keys.agentA);
    expect(other.error?.code).to.equal(FORBIDDEN);
    expect(other.error?.message).to.match(/may not estimate operations for this agent/);
    expect((await estimate(otherStub, keys.agentB)).error).to.equal(undefined);
    expect((await estimate(otherStub, keys.wallet)).error).to.equal(undefined);
    const stranger = await estimate(ownStub, keys.stranger);
    expect(stranger.error?.code).to.equal(FORBIDDEN);
    expect(stranger.error?.message).to.match(/for this sender/);
  });

  it("reads: each key sees the ops it covers; any other op answers exactly like an unknown hash", async () => {
    const unknownHash = hexlify(randomBytes(32));
    const sees: Record<keyof typeof keys, string[]> = {
      stranger: [],
      wallet: [opOfA, opOfB],
      agentA: [opOfA],
      agentB: [opOfB],
    };
    for (const method of READS) {
      // What the wallet's key reads is the reference: it covers both ops.
      const reference = new Map<string, unknown>();
      for (const hash of [opOfA, opOfB]) {
        const response = await call(relayer.url, method, [hash], keys.wallet);
        expect(response.error, `${method} wallet`).to.equal(undefined);
        expect(response.result, `${method} wallet`).to.not.equal(null);
        reference.set(hash, response);
      }
      for (const [who, headers] of Object.entries(keys) as [
        keyof typeof keys,
        Record<string, string>,
      ][]) {
        const unknown = await call(relayer.url, method, [unknownHash], headers);
        expect(unknown, `${who} ${method} unknown`).to.deep.equal({
          jsonrpc: "2.0",
          id: 1,
          result: null,
          httpStatus: 200,
        });
        for (const hash of [opOfA, opOfB]) {
          const response = await call(relayer.url, method, [hash], headers);
          const label = `${who} ${method} ${hash === opOfA ? "A's op" : "B's op"}`;
          if (sees[who].includes(hash)) expect(response, label).to.deep.equal(reference.get(hash));
          else expect(response, label).to.deep.equal(unknown);
        }
      }
    }
  });

  it("wallet-level reads (owners' approvals, the event stream) need a key for the whole wallet, not an agent's", async () => {
    const params = [{ wallet, proposalId: "1" }];
    const agentRead = await call(relayer.url, "leash_listApprovals", params, keys.agentA);
    expect(agentRead.error?.code).to.equal(FORBIDDEN);
    // The wallet's key gets past the key check to the wallet itself (which has no proposal 1).
    const walletRead = await call(relayer.url, "leash_listApprovals", params, keys.wallet);
    expect(walletRead.error?.message).to.match(/ProposalNotFound\(id=1\)/);

    const events = (headers: Record<string, string>) => {
      const abort = new AbortController();
      return fetch(`${relayer.url}events?wallet=${wallet}`, { headers, signal: abort.signal }).then(
        (response) => {
          abort.abort();
          return response.status;
        },
      );
    };
    expect(await events(keys.agentA)).to.equal(403);
    expect(await events(keys.wallet)).to.equal(200);
  });
});

describe("an op's agent: nonce key, and the key its signature recovers to", () => {
  const agent = Wallet.createRandom();
  const other = Wallet.createRandom();
  const hash = hexlify(randomBytes(32));
  const lane = (key: bigint, sequence = 5n) => (key << 64n) | sequence;

  it("the nonce key is an agent's only when it is a non-zero address", () => {
    expect(nonceKeyAgent(lane(BigInt(agent.address)))).to.equal(agent.address);
    expect(nonceKeyAgent(lane(0n)), "owners' lane").to.equal(null);
    expect(nonceKeyAgent(lane(1n << 160n)), "wider than an address").to.equal(null);
    expect(nonceKeyAgent(lane((1n << 160n) - 1n))).to.equal(
      "0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF",
    );
  });

  it("the signing agent needs the nonce key's own signature over the op hash", () => {
    const nonce = lane(BigInt(agent.address));
    expect(signingAgent(nonce, hash, agent.signingKey.sign(hash).serialized)).to.equal(
      agent.address,
    );
    expect(
      signingAgent(nonce, hash, other.signingKey.sign(hash).serialized),
      "someone else's",
    ).to.equal(null);
    const otherHash = hexlify(randomBytes(32));
    expect(
      signingAgent(nonce, hash, agent.signingKey.sign(otherHash).serialized),
      "another op's",
    ).to.equal(null);
    expect(signingAgent(nonce, hash, "0x" + "ff".repeat(65)), "a stub").to.equal(null);
    expect(signingAgent(nonce, hash, "0x"), "empty").to.equal(null);
    expect(
      signingAgent(lane(0n), hash, agent.signingKey.sign(hash).serialized),
      "owners' lane",
    ).to.equal(null);
  });
});

describe("creating an agent-scoped key", () => {
  it("needs a wallet and an agent address; stores the agent checksummed", async () => {
    const store = await openStore(`sqlite:${tempDir()}/keys.sqlite`);
    try {
      const agent = Wallet.createRandom().address;
      const wallet = Wallet.createRandom().address;
      const refuse = async (options: { sender: string; agent: string }, message: RegExp) => {
        let thrown: unknown;
        await createApiKey(store, { ...options, scopes: ["send"] }).catch(
          (e: unknown) => (thrown = e),
        );
        expect(String(thrown)).to.match(message);
      };
      await refuse({ sender: "*", agent }, /agent-scoped key needs a wallet/);
      await refuse({ sender: wallet, agent: "0x1234" }, /agent must be an address/);
      const { info } = await createApiKey(store, {
        sender: wallet,
        agent: agent.toLowerCase(),
        scopes: ["send"],
      });
      expect(info).to.deep.include({ sender: wallet, agent });
      expect((await store.getApiKey(info.id))?.agent).to.equal(agent);
      expect((await store.listApiKeys()).map((k) => k.agent)).to.deep.equal([agent]);
    } finally {
      await store.close();
    }
  });
});
