/**
 * Interoperability: an agent uses viem's ERC-4337 bundler client (viem/account-abstraction) with
 * a SimpleAccount v0.8 against the relayer URL only: every read (nonce, code, fees) goes through
 * the relayer's read-only forwarding, and the first op deploys the account through initCode.
 */
import { expect } from "chai";
import { Wallet as EthersWallet } from "ethers";
import {
  createPublicClient,
  defineChain,
  encodeFunctionData,
  http,
  parseAbi,
  type Hex,
} from "viem";
import {
  createBundlerClient,
  entryPoint08Abi,
  getUserOperationHash,
  toSmartAccount,
  type SmartAccountImplementation,
} from "viem/account-abstraction";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createApiKey } from "../../src/relayer/auth/apiKeys.js";
import { startRelayer, type RunningRelayer } from "../../src/relayer/relayer.js";
import { agentNonceKey, packOwnerSignatures, userOpCallData } from "../helpers/fixtures.js";
import {
  HARDHAT_KEYS,
  call,
  rawRpc,
  sleep,
  startChain,
  tempDir,
  type TestChain,
} from "./helpers.js";
import { deployLeashWallet } from "./leashWallet.js";
import { ownerOperationDigest } from "../../src/client/signedActions.js";

const simpleAccountAbi = parseAbi([
  "function execute(address target, uint256 value, bytes data)",
  "function executeBatch((address target, uint256 value, bytes data)[] calls)",
]);
const factoryAbi = parseAbi([
  "function createAccount(address owner, uint256 salt) returns (address)",
]);

describe("relayer interoperability with viem's bundler client", function () {
  this.timeout(120_000);
  let chain: TestChain;
  let relayer: RunningRelayer;

  before(async () => {
    chain = await startChain();
    await chain.setIntervalMining(500);
    relayer = await startRelayer({
      rpcUrl: chain.url,
      entryPoint: chain.entryPointAddress,
      db: `sqlite:${tempDir()}/viem.sqlite`,
      signer: { privateKey: HARDHAT_KEYS[1] },
      port: 0,
      logSink: () => {},
    });
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
  });

  /** viem's bundler client (unmodified flow) for the SimpleAccount of `owner`, through the relayer only. */
  async function simpleAccountClient(
    owner: ReturnType<typeof privateKeyToAccount>,
    accountAddress: Hex,
    key: string,
  ) {
    const factoryAddress = (await chain.factory.getAddress()) as Hex;
    const hardhat = defineChain({
      id: Number(chain.chainId),
      name: "hardhat",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [relayer.url] } },
    });
    const transport = http(relayer.url, {
      fetchOptions: { headers: { authorization: `Bearer ${key}` } },
    });
    const client = createPublicClient({ chain: hardhat, transport });
    const stubSignature = EthersWallet.createRandom().signingKey.sign("0x" + "22".repeat(32))
      .serialized as Hex;
    const entryPoint = {
      abi: entryPoint08Abi,
      address: chain.entryPointAddress as Hex,
      version: "0.8" as const,
    };

    const account = await toSmartAccount({
      client,
      entryPoint,
      async encodeCalls(calls) {
        if (calls.length === 1) {
          return encodeFunctionData({
            abi: simpleAccountAbi,
            functionName: "execute",
            args: [calls[0].to, calls[0].value ?? 0n, calls[0].data ?? "0x"],
          });
        }
        return encodeFunctionData({
          abi: simpleAccountAbi,
          functionName: "executeBatch",
          args: [calls.map((c) => ({ target: c.to, value: c.value ?? 0n, data: c.data ?? "0x" }))],
        });
      },
      async getAddress() {
        return accountAddress;
      },
      async getFactoryArgs() {
        return {
          factory: factoryAddress,
          factoryData: encodeFunctionData({
            abi: factoryAbi,
            functionName: "createAccount",
            args: [owner.address, 0n],
          }),
        };
      },
      async getStubSignature() {
        return stubSignature;
      },
      async signMessage() {
        throw new Error("not needed");
      },
      async signTypedData() {
        throw new Error("not needed");
      },
      async signUserOperation(parameters) {
        const { chainId = hardhat.id, ...userOperation } = parameters;
        const hash = getUserOperationHash({
          chainId,
          entryPointAddress: entryPoint.address,
          entryPointVersion: "0.8",
          userOperation: { ...userOperation, sender: accountAddress },
        });
        return owner.sign({ hash });
      },
    });

    return createBundlerClient({ account, client, transport, chain: hardhat });
  }

  /** A fresh owner's counterfactual SimpleAccount, funded with 1 ETH, its API key, and a viem bundler client. */
  async function fundedSimpleAccount(label: string) {
    const owner = privateKeyToAccount(generatePrivateKey());
    const accountAddress = (await chain.factory.getFunction("getAddress")(
      owner.address,
      0n,
    )) as Hex;
    await (await chain.deployer.sendTransaction({ to: accountAddress, value: 10n ** 18n })).wait();
    const { key } = await createApiKey(relayer.store, {
      sender: accountAddress,
      scopes: ["send", "read"],
      label,
    });
    const bundlerClient = await simpleAccountClient(owner, accountAddress, key);
    return { accountAddress, key, bundlerClient };
  }

  it("deploys a SimpleAccount and sends ops with sendUserOperation / waitForUserOperationReceipt", async () => {
    const { accountAddress, bundlerClient } = await fundedSimpleAccount("viem agent");
    expect(await bundlerClient.getSupportedEntryPoints()).to.deep.equal([chain.entryPointAddress]);
    expect(await bundlerClient.getChainId()).to.equal(Number(chain.chainId));

    const recipient = EthersWallet.createRandom().address as Hex;
    // First op: the account does not exist yet, viem adds factory + factoryData.
    const first = await bundlerClient.sendUserOperation({
      calls: [{ to: recipient, value: 1_000n }],
    });
    const firstReceipt = await bundlerClient.waitForUserOperationReceipt({
      hash: first,
      pollingInterval: 200,
    });
    expect(firstReceipt.success).to.equal(true);
    expect(firstReceipt.sender.toLowerCase()).to.equal(accountAddress.toLowerCase());
    expect(await chain.provider.getCode(accountAddress)).not.to.equal("0x");

    // Second op: deployed account, batch of two calls.
    const second = await bundlerClient.sendUserOperation({
      calls: [
        { to: recipient, value: 2_000n },
        { to: recipient, value: 3_000n },
      ],
    });
    const secondReceipt = await bundlerClient.waitForUserOperationReceipt({
      hash: second,
      pollingInterval: 200,
    });
    expect(secondReceipt.success).to.equal(true);
    expect(secondReceipt.receipt.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(await chain.provider.getBalance(recipient)).to.equal(6_000n);

    const byHash = await bundlerClient.getUserOperation({ hash: second });
    expect(byHash.transactionHash).to.equal(secondReceipt.receipt.transactionHash);
    expect(byHash.userOperation.sender.toLowerCase()).to.equal(accountAddress.toLowerCase());
  });

  it("two ops of one SimpleAccount sent back to back with viem's estimates are mined in one block", async () => {
    const { key, bundlerClient } = await fundedSimpleAccount("viem back to back");
    const recipient = EthersWallet.createRandom().address as Hex;
    const deployed = await bundlerClient.sendUserOperation({
      calls: [{ to: recipient, value: 1n }],
    });
    await bundlerClient.waitForUserOperationReceipt({ hash: deployed, pollingInterval: 200 });

    const status = async (hash: string) =>
      (
        (
          await call(relayer.url, "leash_getUserOperationStatus", [hash], {
            authorization: `Bearer ${key}`,
          })
        ).result as { status: string }
      ).status;
    // Blocks only when the test mines one, so "one block" does not depend on timing.
    await rawRpc(chain.url, "evm_setAutomine", [false]);
    await rawRpc(chain.url, "evm_setIntervalMining", [0]);
    try {
      // Each on its own nonce key: both are estimated and sent before either is mined.
      const hashes: Hex[] = [];
      for (const [nonceKey, value] of [
        [1n, 2n],
        [2n, 3n],
      ])
        hashes.push(
          await bundlerClient.sendUserOperation({
            calls: [{ to: recipient, value }],
            nonce: nonceKey << 64n,
          }),
        );
      for (const hash of hashes) {
        for (let i = 0; (await status(hash)) !== "submitted"; i++) {
          if (i > 600) throw new Error(`op ${hash} not submitted: ${await status(hash)}`);
          await sleep(100);
        }
      }
      await rawRpc(chain.url, "evm_mine");
      const receipts = await Promise.all(
        hashes.map((hash) =>
          bundlerClient.waitForUserOperationReceipt({ hash, pollingInterval: 200 }),
        ),
      );
      for (const receipt of receipts) expect(receipt.success).to.equal(true);
      expect(receipts[1].receipt.blockNumber).to.equal(receipts[0].receipt.blockNumber);
      expect(await chain.provider.getBalance(recipient)).to.equal(6n);
    } finally {
      await chain.setIntervalMining(500);
    }
  });

  it("a Leash agent and 2-of-2 Leash owners send with viem's unmodified flow (stub-signature estimates suffice)", async () => {
    const agentKey = EthersWallet.createRandom();
    const recipient = EthersWallet.createRandom().address as Hex;
    const leash = await deployLeashWallet(chain, {
      agents: [agentKey as unknown as EthersWallet],
      recipients: [recipient],
      seed: "relayer-viem-leash",
    });
    const walletAddress = leash.address as Hex;
    const hardhat = defineChain({
      id: Number(chain.chainId),
      name: "hardhat",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [relayer.url] } },
    });
    const { key } = await createApiKey(relayer.store, {
      sender: walletAddress,
      scopes: ["send", "read"],
      label: "viem leash",
    });
    const transport = http(relayer.url, {
      fetchOptions: { headers: { authorization: `Bearer ${key}` } },
    });
    const client = createPublicClient({ chain: hardhat, transport });
    const entryPoint = {
      abi: entryPoint08Abi,
      address: chain.entryPointAddress as Hex,
      version: "0.8" as const,
    };
    const stubKey = EthersWallet.createRandom();
    const stub = stubKey.signingKey.sign("0x" + "22".repeat(32)).serialized as Hex;
    const hashOf = (parameters: Parameters<SmartAccountImplementation["signUserOperation"]>[0]) => {
      const { chainId = hardhat.id, ...userOperation } = parameters;
      return getUserOperationHash({
        chainId,
        entryPointAddress: entryPoint.address,
        entryPointVersion: "0.8",
        userOperation: { ...userOperation, sender: walletAddress },
      });
    };
    const leashAccount = (nonceKey: bigint, stubSignature: Hex, sign: (hash: Hex) => Hex) =>
      toSmartAccount({
        client,
        entryPoint,
        async encodeCalls(calls) {
          return userOpCallData(
            nonceKey,
            calls.map((c) => ({ target: c.to, value: c.value ?? 0n, data: c.data ?? "0x" })),
          ) as Hex;
        },
        async getAddress() {
          return walletAddress;
        },
        async getFactoryArgs() {
          return { factory: undefined, factoryData: undefined };
        },
        async getNonce() {
          return (await chain.entryPoint.getFunction("getNonce")(
            walletAddress,
            nonceKey,
          )) as bigint;
        },
        async getStubSignature() {
          return stubSignature;
        },
        async signMessage() {
          throw new Error("not needed");
        },
        async signTypedData() {
          throw new Error("not needed");
        },
        async signUserOperation(parameters) {
          return sign(hashOf(parameters));
        },
      });

    // Agent: nonce key = its key; the stub recovers to a stranger, so validation takes the short path.
    const agentAccount = await leashAccount(
      agentNonceKey(agentKey.address),
      stub,
      (hash) => agentKey.signingKey.sign(hash).serialized as Hex,
    );
    const agentClient = createBundlerClient({
      account: agentAccount,
      client,
      transport,
      chain: hardhat,
    });
    const agentOp = await agentClient.sendUserOperation({
      calls: [{ to: recipient, value: 5_000n }],
    });
    const agentReceipt = await agentClient.waitForUserOperationReceipt({
      hash: agentOp,
      pollingInterval: 200,
    });
    expect(agentReceipt.success).to.equal(true);
    expect(await chain.provider.getBalance(recipient)).to.equal(5_000n);

    // Owners: nonce key 0, M signatures packed; the stub has the same shape with dummy signatures.
    const ownerStub = packOwnerSignatures(
      leash.owners.map((o) => ({ signer: o.address, signature: stub })),
    ) as Hex;
    // Owners sign the userOpHash in the wallet's signature epoch (EIP-712 `OwnerOperation`).
    const epoch = (await client.readContract({
      address: walletAddress,
      abi: [
        {
          type: "function",
          name: "signatureEpoch",
          stateMutability: "view",
          inputs: [],
          outputs: [{ type: "uint256" }],
        },
      ],
      functionName: "signatureEpoch",
    })) as bigint;
    const ownerAccount = await leashAccount(
      0n,
      ownerStub,
      (hash) =>
        packOwnerSignatures(
          leash.owners.map((o) => ({
            signer: o.address,
            signature: o.signingKey.sign(
              ownerOperationDigest(walletAddress, BigInt(chain.chainId), hash, epoch),
            ).serialized,
          })),
        ) as Hex,
    );
    const ownerClient = createBundlerClient({
      account: ownerAccount,
      client,
      transport,
      chain: hardhat,
    });
    const ownerOp = await ownerClient.sendUserOperation({
      calls: [{ to: recipient, value: 7_000n }],
    });
    const ownerReceipt = await ownerClient.waitForUserOperationReceipt({
      hash: ownerOp,
      pollingInterval: 200,
    });
    expect(ownerReceipt.success).to.equal(true);
    expect(await chain.provider.getBalance(recipient)).to.equal(12_000n);
  });
});
