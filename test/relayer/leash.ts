/**
 * The relayer with the Leash AgentWallet: an agent's user op (nonce key = its session key,
 * callData = executeAgentCall(key, …) or executeAgentCalls(key, Call[])) is included when within policy, and rejected before any gas
 * is spent with -32521 and the wallet's policy error decoded as `{ rule, args }` when not.
 */
import { expect } from "chai";
import { Wallet, getAddress, parseEther, type InterfaceAbi } from "ethers";
import { createApiKey } from "../../src/relayer/auth/apiKeys.js";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import { getUserOperationHash, type UserOperation } from "../../src/relayer/userOp.js";
import { IAgentWallet__factory } from "../../typechain-types/index.js";
import { testWallets, type CallStruct } from "../helpers/fixtures.js";
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

describe("relayer with the Leash AgentWallet", function () {
  this.timeout(120_000);
  let chain: TestChain;
  let relayer: RunningRelayer;
  let walletAddress: string;
  const [agentKey, allowed, stranger] = testWallets(3, "relayer-leash");

  before(async () => {
    chain = await startChain();
    const ep = chain.entryPointAddress;
    const { factory } = await deployLeashStack(chain);
    const owners = sortedOwners(2, "relayer-leash-owner");
    // The agent and its policy are set up at creation (setupData), so no timelock wait is needed.
    walletAddress = await createLeashWallet(
      chain,
      factory,
      walletConfig(
        owners.map((o) => o.address),
        2,
      ),
      testAgentSetup(agentKey.address, [allowed.address]),
    );

    relayer = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: ep,
      db: `sqlite:${tempDir()}/leash.sqlite`,
      signer: { privateKey: HARDHAT_KEYS[1] },
      port: 0,
      authRequired: false,
      // The wallet's ABI: its custom errors (contracts/interfaces) decode as policy rules.
      walletErrorAbi: IAgentWallet__factory.abi as unknown as InterfaceAbi,
      logSink: () => {},
    });
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
  });

  function agentOp(calls: CallStruct[]): Promise<UserOperation> {
    return leashAgentOp(chain, walletAddress, agentKey.address, calls, agentKey);
  }

  it("rejects an agent payment to a recipient outside the allowlist with -32521 naming the policy rule", async () => {
    const op = await agentOp([{ target: stranger.address, value: parseEther("0.01"), data: "0x" }]);
    const response = await call(relayer.url, "eth_sendUserOperation", [
      rpcOp(op),
      chain.entryPointAddress,
    ]);
    expect(response.error?.code).to.equal(-32521);
    const data = response.error?.data as { rule: string; args: Record<string, string> };
    expect(data.rule).to.equal("PolicyRecipientNotAllowed");
    expect(getAddress(data.args.agent)).to.equal(agentKey.address);
    expect(getAddress(data.args.recipient)).to.equal(stranger.address);
    expect(await chain.provider.getBalance(stranger.address)).to.equal(0n);
  });

  it("rejects an agent payment above its per-transaction cap with the rule and the values", async () => {
    const op = await agentOp([{ target: allowed.address, value: parseEther("1.5"), data: "0x" }]);
    const response = await call(relayer.url, "eth_sendUserOperation", [
      rpcOp(op),
      chain.entryPointAddress,
    ]);
    expect(response.error?.code).to.equal(-32521);
    const data = response.error?.data as { rule: string; args: Record<string, string> };
    expect(data.rule).to.equal("PolicyPerTxLimitExceeded");
    expect(data.args.amount).to.equal(parseEther("1.5").toString());
    expect(data.args.cap).to.equal(parseEther("1").toString());
  });

  it("tells the wallet's watchers when an agent is refused by a rule (agent.refused, with the rule and values)", async () => {
    const key = await createApiKey(relayer.store, { sender: walletAddress, scopes: ["read"] });
    const abort = new AbortController();
    const response = await fetch(`${relayer.url}events?wallet=${walletAddress}`, {
      headers: { authorization: `Bearer ${key.key}` },
      signal: abort.signal,
    });
    expect(response.status).to.equal(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    try {
      const op = await agentOp([
        { target: stranger.address, value: parseEther("0.01"), data: "0x" },
      ]);
      const refused = await call(relayer.url, "eth_sendUserOperation", [
        rpcOp(op),
        chain.entryPointAddress,
      ]);
      expect(refused.error?.code).to.equal(-32521);
      const pattern = /id: (refused:0x[0-9a-f]{64})\nevent: agent\.refused\ndata: (.+)\n\n/;
      const deadline = Date.now() + 60_000;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`no agent.refused in stream: ${text}`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
      const [, id, data] = text.match(pattern)!;
      const payload = JSON.parse(data) as {
        rule: string;
        args: Record<string, string>;
        userOpHash: string;
      };
      expect(id).to.equal(`refused:${payload.userOpHash.toLowerCase()}`);
      expect(payload.rule).to.equal("PolicyRecipientNotAllowed");
      expect(getAddress(payload.args.recipient)).to.equal(stranger.address);
      expect(getAddress(payload.args.agent)).to.equal(agentKey.address);
    } finally {
      abort.abort();
    }
  });

  it("includes an agent payment within policy", async () => {
    const op = await agentOp([{ target: allowed.address, value: parseEther("0.25"), data: "0x" }]);
    const response = await call(relayer.url, "eth_sendUserOperation", [
      rpcOp(op),
      chain.entryPointAddress,
    ]);
    expect(response.error, JSON.stringify(response.error)).to.equal(undefined);
    const final = await waitForFinal(relayer.url, response.result as string);
    expect(final.status).to.equal("included");
    expect(await chain.provider.getBalance(allowed.address)).to.equal(parseEther("0.25"));
    const receipt = (await call(relayer.url, "eth_getUserOperationReceipt", [response.result]))
      .result as { success: boolean };
    expect(receipt.success).to.equal(true);
  });

  it("rejects an op signed by a key that is not the agent's with -32507", async () => {
    const op = await agentOp([{ target: allowed.address, value: 1n, data: "0x" }]);
    op.signature = Wallet.createRandom().signingKey.sign(
      getUserOperationHash(op, chain.entryPointAddress, chain.chainId),
    ).serialized;
    const response = await call(relayer.url, "eth_sendUserOperation", [
      rpcOp(op),
      chain.entryPointAddress,
    ]);
    expect(response.error?.code).to.equal(-32507);
  });
});
