/**
 * SDK threats (audits/THREAT_MODEL.md, C-1 and C-3): what an agent or an owner signs is computed locally from
 * what they asked for, never taken from the relayer, the node or another owner's file.
 */
import { type AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import { expect } from "chai";
import { network } from "hardhat";
import { TypedDataEncoder, recoverAddress } from "ethers";
import {
  AgentClient,
  ChainMismatchError,
  FeeTooHighError,
  InvalidArgumentError,
  OperationUnconfirmedError,
  OwnerClient,
  PolicyViolationError,
  walletInterface,
} from "../../src/client/index.js";
import {
  getUserOperationHash,
  normalizeUserOperation,
  rpcUserOperationSchema,
} from "../../src/relayer/userOp.js";
import { ADMIN_DELAY, agentFixture, agentOp, pay } from "../helpers/wallet.js";
import type { Conn } from "../helpers/wallet.js";

const conn: Conn = await network.create();
const { ethers, networkHelpers } = conn;

/**
 * A relayer that answers what an agent needs, then lies about the hash of the op it accepted. `overrides`
 * replace or add answers (a function gets the params), e.g. another chain id, a greedy priority fee, or a
 * made-up receipt.
 */
async function lyingRelayer(
  chainId: bigint,
  overrides: Record<string, unknown | ((params: unknown[]) => unknown)> = {},
) {
  const received: unknown[] = [];
  const methods: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const { id, method, params } = JSON.parse(body) as {
        id: number;
        method: string;
        params: unknown[];
      };
      const answers: Record<string, unknown> = {
        eth_chainId: "0x" + chainId.toString(16),
        eth_maxPriorityFeePerGas: "0x3b9aca00",
        eth_estimateUserOperationGas: {
          preVerificationGas: "0xea60",
          verificationGasLimit: "0x30d40",
          callGasLimit: "0x30d40",
        },
        eth_sendUserOperation: "0x" + "ab".repeat(32),
        ...overrides,
      };
      methods.push(method);
      if (method === "eth_sendUserOperation") received.push(params[0]);
      const answer = answers[method];
      const reply =
        method in answers
          ? {
              jsonrpc: "2.0",
              id,
              result:
                typeof answer === "function"
                  ? (answer as (p: unknown[]) => unknown)(params)
                  : answer,
            }
          : { jsonrpc: "2.0", id, error: { code: -32601, message: `method not found: ${method}` } };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    received,
    methods,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Settles a promise into its error (null if it resolved). */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: unknown) => e as Error,
  );

describe("SDK: what agents and owners sign", function () {
  it("test_agentClient_signsTheHashItComputed_andRefusesARelayerThatAnswersAnother", async function () {
    const fx = await networkHelpers.loadFixture(agentFixture);
    const { chainId } = await ethers.provider.getNetwork();
    const relayer = await lyingRelayer(chainId);
    try {
      const agent = new AgentClient({
        wallet: fx.address,
        key: fx.agentKey.privateKey,
        relayerUrl: relayer.url,
        provider: ethers.provider,
      });
      const error = await agent.send([pay(fx.recipient.address, 1n)]).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error?.message).to.match(/relayer returned hash 0xabab.*, expected 0x[0-9a-f]{64}/);
      // What it sent is signed over the hash the EntryPoint computes for that very op.
      expect(relayer.received.length).to.equal(1);
      const op = normalizeUserOperation(rpcUserOperationSchema.parse(relayer.received[0]));
      const hash = getUserOperationHash(op, await fx.entryPoint.getAddress(), chainId);
      expect(recoverAddress(hash, op.signature)).to.equal(fx.agentKey.address);
      expect(op.sender).to.equal(fx.address);
    } finally {
      await relayer.close();
    }
  });

  it("test_ownerClient_signsTheCallsNotTheDigestItIsHanded", async function () {
    const fx = await networkHelpers.loadFixture(agentFixture);
    const [owner] = fx.owners;
    const client = new OwnerClient({
      wallet: fx.address,
      signers: [owner.connect(ethers.provider)],
      provider: ethers.provider,
    });
    const calls = [{ target: fx.recipient.address, value: 1n, data: "0x" }];
    const batch = await client.sign(calls, { nonce: 7n, deadlineIn: 3600 });
    const domain = {
      name: "Leash AgentWallet",
      version: "1",
      chainId: (await ethers.provider.getNetwork()).chainId,
      verifyingContract: fx.address,
    };
    const types = {
      ExecuteCalls: [
        { name: "calls", type: "Call[]" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
        { name: "epoch", type: "uint256" },
      ],
      Call: [
        { name: "target", type: "address" },
        { name: "value", type: "uint256" },
        { name: "data", type: "bytes" },
      ],
    };
    const local = TypedDataEncoder.hash(domain, types, {
      calls,
      nonce: batch.nonce,
      deadline: batch.deadline,
      epoch: batch.epoch,
    });
    expect(batch.epoch).to.equal(await fx.wallet.signatureEpoch());
    expect(local).to.equal(await fx.wallet.hashSignedCalls(calls, batch.nonce, batch.deadline));
    expect(recoverAddress(local, batch.signatures[0].signature)).to.equal(owner.address);

    // A co-owner's file whose digest was swapped for the digest of a draining batch: the second owner's
    // signature is still over the calls in the file, so it can't be used for the other batch.
    const drain = [{ target: fx.outsider.address, value: ethers.parseEther("9"), data: "0x" }];
    const evilDigest = await fx.wallet.hashSignedCalls(drain, batch.nonce, batch.deadline);
    const second = new OwnerClient({
      wallet: fx.address,
      signers: [fx.owners[1].connect(ethers.provider)],
      provider: ethers.provider,
    });
    const cosigned = await second.sign({ ...batch, digest: evilDigest });
    const sig = cosigned.signatures.find(
      (s) => s.signer.toLowerCase() === fx.owners[1].address.toLowerCase(),
    )!;
    expect(recoverAddress(local, sig.signature)).to.equal(fx.owners[1].address);
    expect(recoverAddress(evilDigest, sig.signature)).to.not.equal(fx.owners[1].address);
  });

  it("test_ownerClient_refusesABatchForAnotherChain_signsNothing", async function () {
    // F-7: the chain id goes into the EIP-712 domain. A file naming another chain would get a signature
    // valid there (same CREATE2 address), so the co-signer must refuse it, not sign for the file's chain.
    const fx = await networkHelpers.loadFixture(agentFixture);
    const { chainId } = await ethers.provider.getNetwork();
    const first = new OwnerClient({
      wallet: fx.address,
      signers: [fx.owners[0].connect(ethers.provider)],
      provider: ethers.provider,
    });
    const batch = await first.sign([pay(fx.recipient.address, 1n)], { nonce: 11n });
    expect(batch.chainId).to.equal(chainId);
    const coSigner = fx.owners[1].connect(ethers.provider);
    let typedDataSigned = 0;
    const signTypedData = coSigner.signTypedData.bind(coSigner);
    coSigner.signTypedData = (...args) => {
      typedDataSigned++;
      return signTypedData(...args);
    };
    const second = new OwnerClient({
      wallet: fx.address,
      signers: [coSigner],
      provider: ethers.provider,
    });
    const elsewhere = { ...batch, chainId: 1n };
    for (const attempt of [
      () => second.sign(elsewhere),
      () => second.reviewBatch(elsewhere),
      () => second.executeSigned(elsewhere),
    ]) {
      const error = await attempt().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(ChainMismatchError);
      expect(error).to.include({ code: "CHAIN_MISMATCH", expected: chainId, actual: 1n });
    }
    expect(typedDataSigned).to.equal(0);
    // Another wallet's batch is refused the same way.
    const otherWallet = await second.sign({ ...batch, wallet: fx.outsider.address }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(otherWallet).to.be.instanceOf(InvalidArgumentError);
    expect(typedDataSigned).to.equal(0);
    // The batch for this chain is signed, as before.
    const cosigned = await second.sign(batch);
    expect(typedDataSigned).to.equal(1);
    expect(cosigned.signatures.map((x) => x.signer)).to.deep.equal([
      fx.owners[0].address,
      fx.owners[1].address,
    ]);
  });

  it("test_ownerClient_reviewBatch_decodesEachCallWithTheDelayItTriggers", async function () {
    const fx = await networkHelpers.loadFixture(agentFixture);
    const owner = new OwnerClient({
      wallet: fx.address,
      signers: [fx.owners[0].connect(ethers.provider)],
      provider: ethers.provider,
    });
    const agent = fx.agentKey.address;
    const tighten = await owner.calls.tightenAgentRules(agent, { rules: { maxOpCost: "0.01" } });
    const loosen = await owner.calls.setAssetLimits(agent, "native", { perTx: "5", daily: "9" });
    const payment = pay(fx.outsider.address, ethers.parseEther("3"));
    const batch = await owner.sign([...tighten, payment]);
    const quick = await owner.reviewBatch(batch);
    expect(quick.chainId).to.equal((await ethers.provider.getNetwork()).chainId);
    expect(quick.calls.map((c) => c.delay)).to.deep.equal([0n, 0n]);
    // Tightening and a payment out of the wallet both run at once: the review must say so.
    expect(quick.delay).to.equal(0n);
    // The tighten helper sends the setter itself (the wallet decides the delay by effect).
    expect(quick.calls[0].description).to.match(new RegExp(`^setAgentRules\\(${agent}, `));
    expect(quick.calls[1].description).to.equal(
      `pay ${ethers.parseEther("3")} wei to ${fx.outsider.address}`,
    );
    expect(quick.signedBy).to.deep.equal([fx.owners[0].address]);
    const slow = await owner.reviewBatch(await owner.sign([...tighten, ...loosen]));
    expect(slow.calls.map((c) => c.delay)).to.deep.equal([0n, ADMIN_DELAY]);
    expect(slow.delay).to.equal(ADMIN_DELAY);
    expect(slow.calls[1].description).to.match(new RegExp(`^setAssetLimits\\(${agent}, `));
  });
  it("test_agentClient_relayerAnsweringAnotherChain_refusedBeforeAnythingIsSigned", async function () {
    // F-8: the chain id goes into the signed userOpHash. A relayer answering another chain would get a
    // signature valid there, where the same wallet may exist at the same address.
    const fx = await networkHelpers.loadFixture(agentFixture);
    const { chainId } = await ethers.provider.getNetwork();
    const relayer = await lyingRelayer(1n);
    try {
      const cases = [
        // The agent's own node says chainId; the relayer says 1.
        {
          options: { provider: ethers.provider },
          expected: chainId,
          actual: 1n,
          source: "the relayer",
        },
        // No provider: the pinned chain id is the reference.
        { options: { chainId }, expected: chainId, actual: 1n, source: "the relayer" },
        // Pinned and provider disagree: the pin wins, nothing is trusted.
        {
          options: { chainId: 1n, provider: ethers.provider },
          expected: 1n,
          actual: chainId,
          source: "the provider",
        },
      ];
      for (const { options, expected, actual, source } of cases) {
        const agent = new AgentClient({
          wallet: fx.address,
          key: fx.agentKey.privateKey,
          relayerUrl: relayer.url,
          ...options,
        });
        const error = await failure(agent.send([pay(fx.recipient.address, 1n)]));
        expect(error, source).to.be.instanceOf(ChainMismatchError);
        expect(error).to.include({ code: "CHAIN_MISMATCH", expected, actual });
        expect(error?.message).to.include(`${source} is for chain ${actual}`);
      }
      // Only the chain id was asked: no estimate, nothing signed or sent.
      expect([...new Set(relayer.methods)]).to.deep.equal(["eth_chainId"]);
      expect(relayer.received).to.deep.equal([]);
      expect(
        () =>
          new AgentClient({
            wallet: fx.address,
            key: fx.agentKey.privateKey,
            relayerUrl: relayer.url,
            chainId: 0,
          }),
      ).to.throw(InvalidArgumentError);
    } finally {
      await relayer.close();
    }
  });

  it("test_agentClient_capsTheRelayersPriorityFee_andRefusesABaseFeeAboveItsMaxFee", async function () {
    const fx = await networkHelpers.loadFixture(agentFixture);
    const { chainId } = await ethers.provider.getNetwork();
    const gwei = 1_000_000_000n;
    // The relayer is paid the tip: it suggests 1000 gwei.
    const relayer = await lyingRelayer(chainId, {
      eth_maxPriorityFeePerGas: "0x" + (1000n * gwei).toString(16),
    });
    const sentFees = () => {
      const op = normalizeUserOperation(
        rpcUserOperationSchema.parse(relayer.received[relayer.received.length - 1]),
      );
      return { priority: op.maxPriorityFeePerGas, max: op.maxFeePerGas };
    };
    try {
      const client = (extra: object = {}) =>
        new AgentClient({
          wallet: fx.address,
          key: fx.agentKey.privateKey,
          relayerUrl: relayer.url,
          provider: ethers.provider,
          ...extra,
        });
      // The send itself fails on the relayer's lie about the hash; what it signed is what matters.
      await failure(client().send([pay(fx.recipient.address, 1n)]));
      const baseFee = (await ethers.provider.getBlock("latest"))!.baseFeePerGas!;
      expect(sentFees()).to.deep.equal({ priority: 5n * gwei, max: 2n * baseFee + 5n * gwei });
      await failure(
        client({ maxPriorityFeePerGas: gwei, maxFeePerGas: baseFee + gwei / 2n }).send([
          pay(fx.recipient.address, 1n),
        ]),
      );
      expect(sentFees()).to.deep.equal({ priority: gwei / 2n, max: baseFee + gwei / 2n });
      // A base fee above the agent's max fee: refused before anything is signed or sent.
      const sent = relayer.received.length;
      const tooHigh = await failure(
        client({ maxFeePerGas: baseFee - 1n }).send([pay(fx.recipient.address, 1n)]),
      );
      expect(tooHigh).to.be.instanceOf(FeeTooHighError);
      expect(tooHigh).to.include({ code: "FEE_TOO_HIGH", maxFeePerGas: baseFee - 1n });
      expect(relayer.received.length).to.equal(sent);
      expect(() => client({ maxPriorityFeePerGas: -1n })).to.throw(InvalidArgumentError);
    } finally {
      await relayer.close();
    }
  });

  it("test_agentClient_waitForReceipt_withAProvider_confirmsTheUserOperationEventOnChain", async function () {
    const fx = await networkHelpers.loadFixture(agentFixture);
    const { chainId } = await ethers.provider.getNetwork();
    const entryPoint = fx.entryPoint.connect(fx.bundler);
    const include = async (calls: ReturnType<typeof pay>[]) => {
      const op = await agentOp(fx, fx.agentKey, calls);
      const hash = (await fx.entryPoint.getUserOpHash(op)) as string;
      const receipt = await (await entryPoint.handleOps([op], fx.bundler.address)).wait();
      return { hash, txHash: receipt!.hash as string, blockNumber: receipt!.blockNumber };
    };
    const paid = await include([pay(fx.recipient.address, 1234n)]);
    // Paying an outsider is refused by the policy in execution: included, success = false.
    const refused = await include([pay(fx.outsider.address, 1n)]);
    const unrelated = await (
      await fx.ownerSigners[0].sendTransaction({ to: fx.outsider.address, value: 1n })
    ).wait();
    // The relayer claims success for every op, in whatever transaction the test tells it.
    let claim = { txHash: paid.txHash, blockNumber: paid.blockNumber };
    const relayer = await lyingRelayer(chainId, {
      leash_getUserOperationStatus: (params: unknown[]) => ({
        userOpHash: params[0],
        status: "included",
        success: true,
        reason: null,
        revert: null,
        transactionHash: claim.txHash,
        blockNumber: "0x" + claim.blockNumber.toString(16),
      }),
      eth_getUserOperationReceipt: () => ({
        success: true,
        actualGasCost: "0x1",
        // A payment of 10 ETH to the outsider that the wallet never made.
        logs: [
          {
            address: fx.address,
            ...walletInterface.encodeEventLog("AgentCallExecuted", [
              fx.agentKey.address,
              fx.outsider.address,
              ethers.ZeroAddress,
              ethers.parseEther("10"),
            ]),
          },
        ],
        receipt: {
          transactionHash: claim.txHash,
          blockNumber: "0x" + claim.blockNumber.toString(16),
        },
      }),
    });
    try {
      const agent = new AgentClient({
        wallet: fx.address,
        key: fx.agentKey.privateKey,
        relayerUrl: relayer.url,
        provider: ethers.provider,
      });
      const fast = { timeoutMs: 300, pollMs: 50 };
      // The honest case: the receipt is rebuilt from the chain, not from the relayer's logs and gas cost.
      const confirmed = await agent.waitForReceipt(paid.hash, fast);
      expect(confirmed.transactionHash).to.equal(paid.txHash);
      expect(confirmed.calls).to.deep.equal([
        { target: fx.recipient.address, asset: ethers.ZeroAddress, amount: 1234n },
      ]);
      expect(confirmed.actualGasCost).to.be.greaterThan(1n);

      // Success claimed for an op that failed on chain: the chain's revert reason is thrown.
      claim = { txHash: refused.txHash, blockNumber: refused.blockNumber };
      const failedOnChain = await failure(agent.waitForReceipt(refused.hash, fast));
      expect(failedOnChain).to.be.instanceOf(PolicyViolationError);
      expect((failedOnChain as PolicyViolationError).rule).to.equal("PolicyRecipientNotAllowed");

      // A real transaction without the op's UserOperationEvent, and one that doesn't exist.
      claim = { txHash: unrelated!.hash, blockNumber: unrelated!.blockNumber };
      const notThere = await failure(agent.waitForReceipt(paid.hash, fast));
      expect(notThere).to.be.instanceOf(OperationUnconfirmedError);
      expect(notThere?.message).to.include(
        `transaction ${unrelated!.hash} has no UserOperationEvent`,
      );
      claim = { txHash: "0x" + "cd".repeat(32), blockNumber: paid.blockNumber };
      const noTx = await failure(agent.waitForReceipt(paid.hash, fast));
      expect(noTx).to.be.instanceOf(OperationUnconfirmedError);
      expect(noTx?.message).to.include("is not on chain after 300 ms");

      // Another op's event in the claimed transaction doesn't confirm this one.
      claim = { txHash: refused.txHash, blockNumber: refused.blockNumber };
      const otherOp = await failure(agent.waitForReceipt(paid.hash, fast));
      expect(otherOp).to.be.instanceOf(OperationUnconfirmedError);
    } finally {
      await relayer.close();
    }
  });
});
