/**
 * Same addresses on every chain: a Hardhat node and an anvil, started separately, get the CREATE2
 * deployer and the canonical EntryPoint v0.8 (deploy/localChain.ts), then the wallet stack through
 * Ignition (deploy/modules/LeashLocal.ts); the factory, the implementation and a wallet's counterfactual
 * address are the same on both and equal to the prediction from the build. A second deploy is a no-op.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Contract,
  JsonRpcProvider,
  Transaction,
  Wallet,
  getCreateAddress,
  keccak256,
} from "ethers";
import { getUserOperationHash } from "viem/account-abstraction";
import {
  CANONICAL_ENTRY_POINT_V08,
  CREATE2_DEPLOYER,
  CREATE2_DEPLOYER_SIGNER,
  CREATE2_DEPLOYER_TX,
  LEASH_CREATE2_SALT,
  create2Address,
  predictStackAddresses,
} from "../../deploy/deterministic.js";
import { ensureCanonicalEntryPoint, installLocalPrerequisites } from "../../deploy/localChain.js";
import {
  OwnerClient,
  PASSKEY_OWNER_FACTORY,
  passkeyOwnerAddress,
  passkeyOwnerFactoryInterface,
} from "../../src/client/index.js";
import { rpc, startLocalChain, type LocalChain } from "../../src/cli/dev/chain.js";
import { deployLocalStack, ignitionDeployLocal } from "../../src/cli/dev/deploy.js";
import { REPO_ROOT } from "../cli/helpers.js";

const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** The Arachnid proxy's runtime code (the same bytes on every chain that has it). */
const CREATE2_DEPLOYER_RUNTIME =
  "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3";

describe("deterministic deployment on two separately started local chains", function () {
  this.timeout(240_000);
  const chains: Record<"hardhat" | "anvil", LocalChain> = {} as never;
  const deployed: Record<string, Awaited<ReturnType<typeof deployLocalStack>>> = {};
  const stateDirs: Record<string, string> = {};

  before(async () => {
    for (const kind of ["hardhat", "anvil"] as const) {
      const dir = tempDir(`leash-det-${kind}-`);
      chains[kind] = await startLocalChain({
        projectRoot: REPO_ROOT,
        logFile: join(dir, "chain.log"),
        kind,
        timeoutMs: 120_000,
      });
      stateDirs[kind] = dir;
    }
  });

  after(async () => {
    for (const chain of Object.values(chains)) await chain?.stop();
  });

  it("docs/DEPLOY.md lists the addresses of this build (rerun the prediction when a contract changes)", () => {
    const doc = readFileSync(join(REPO_ROOT, "docs/DEPLOY.md"), "utf8");
    const expected = predictStackAddresses(REPO_ROOT);
    for (const [label, key] of [
      ["WalletModule", "module"],
      ["AgentWallet (implementation)", "implementation"],
      ["AgentWalletFactory", "factory"],
      ["PasskeyOwnerFactory", "passkeyOwnerFactory"],
      ["LeashLens", "lens"],
    ] as const)
      expect(doc, label).to.include(`| ${label} | \`${expected[key]}\` |`);
  });

  it("the pre-signed CREATE2 deployer transaction is the proxy's, from its one-time signer", () => {
    const tx = Transaction.from(CREATE2_DEPLOYER_TX);
    expect(tx.from!.toLowerCase()).to.equal(CREATE2_DEPLOYER_SIGNER);
    expect(tx.chainId).to.equal(0n); // no chain id: valid on every chain
    expect(getCreateAddress({ from: tx.from!, nonce: 0 })).to.equal(CREATE2_DEPLOYER);
  });

  it("deploys the stack on both chains at the same, predicted addresses", async () => {
    const expected = predictStackAddresses(REPO_ROOT);
    for (const kind of ["hardhat", "anvil"] as const) {
      deployed[kind] = await deployLocalStack({
        projectRoot: REPO_ROOT,
        stateDir: stateDirs[kind],
        rpcUrl: chains[kind].url,
      });
      expect(deployed[kind].deployed, kind).to.equal(true);
      expect(deployed[kind].addresses, kind).to.deep.equal(expected);
    }
    expect(expected.entryPoint).to.equal(CANONICAL_ENTRY_POINT_V08);
    // Each address is CREATE2(0x4e59…, salt, init code): independent of who deployed and of nonces.
    const factoryArtifact = JSON.parse(
      readFileSync(
        join(
          REPO_ROOT,
          "artifacts/contracts/factory/AgentWalletFactory.sol/AgentWalletFactory.json",
        ),
        "utf8",
      ),
    ) as { bytecode: string };
    const args = expected.implementation.slice(2).toLowerCase().padStart(64, "0");
    expect(create2Address(factoryArtifact.bytecode + args, LEASH_CREATE2_SALT)).to.equal(
      expected.factory,
    );
    for (const kind of ["hardhat", "anvil"] as const) {
      const code = await rpc<string>(chains[kind].url, "eth_getCode", [CREATE2_DEPLOYER, "latest"]);
      expect(code, kind).to.equal(CREATE2_DEPLOYER_RUNTIME);
      for (const [name, address] of Object.entries(expected)) {
        const code = await rpc<string>(chains[kind].url, "eth_getCode", [address, "latest"]);
        expect(code, `${kind} ${name}`).not.to.equal("0x");
      }
      // The same runtime code on both chains, the EntryPoint's patched immutables included.
      const factoryCode = await rpc<string>(chains[kind].url, "eth_getCode", [
        expected.factory,
        "latest",
      ]);
      const hardhatFactoryCode = await rpc<string>(chains.hardhat.url, "eth_getCode", [
        expected.factory,
        "latest",
      ]);
      expect(keccak256(factoryCode)).to.equal(keccak256(hardhatFactoryCode));
    }
  });

  it("a wallet's counterfactual address and its created address are the same on both chains", async () => {
    const { factory } = predictStackAddresses(REPO_ROOT);
    const config = {
      factory,
      owners: [
        "0x1000000000000000000000000000000000000001",
        "0x2000000000000000000000000000000000000002",
      ],
      threshold: 2,
      guardians: ["0x3000000000000000000000000000000000000003"],
      salt: "same-config-everywhere",
    };
    const created: string[] = [];
    for (const kind of ["hardhat", "anvil"] as const) {
      const provider = new JsonRpcProvider(chains[kind].url, undefined, {
        staticNetwork: true,
        cacheTimeout: -1,
      });
      try {
        const predicted = await OwnerClient.getAddress(provider, config);
        // Hardhat's (and anvil's) well-known account #0.
        const deployer = new Wallet(
          "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
          provider,
        );
        const { address } = await OwnerClient.createWallet(deployer, config);
        expect(address, kind).to.equal(predicted);
        expect(await provider.getCode(address), kind).not.to.equal("0x");
        created.push(address);
      } finally {
        provider.destroy();
      }
    }
    expect(created[0]).to.equal(created[1]);
  });

  it("a passkey owner has the SDK's predicted address on both chains (same key, same owner everywhere)", async () => {
    const { passkeyOwnerFactory } = predictStackAddresses(REPO_ROOT);
    expect(passkeyOwnerFactory).to.equal(PASSKEY_OWNER_FACTORY);
    // A fixed P-256 point (the curve's generator G): any valid key works the same way.
    const key = {
      x: "0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
      y: "0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
    };
    const predicted = passkeyOwnerAddress(key);
    for (const kind of ["hardhat", "anvil"] as const) {
      const provider = new JsonRpcProvider(chains[kind].url, undefined, {
        staticNetwork: true,
        cacheTimeout: -1,
      });
      try {
        const deployer = new Wallet(
          "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
          provider,
        );
        const factory = new Contract(passkeyOwnerFactory, passkeyOwnerFactoryInterface, deployer);
        expect(await factory.passkeyOwnerAddress(key.x, key.y), kind).to.equal(predicted);
        await (await factory.createPasskeyOwner(key.x, key.y)).wait();
        expect(await provider.getCode(predicted), kind).not.to.equal("0x");
      } finally {
        provider.destroy();
      }
    }
  });

  it("the EntryPoint at the canonical address knows its own address and its SenderCreator's", async () => {
    const senderCreator = getCreateAddress({ from: CANONICAL_ENTRY_POINT_V08, nonce: 1 });
    const userOp = {
      sender: "0x1000000000000000000000000000000000000001",
      nonce: 5n,
      callData: "0x1234",
      callGasLimit: 100_000n,
      verificationGasLimit: 200_000n,
      preVerificationGas: 50_000n,
      maxFeePerGas: 3n,
      maxPriorityFeePerGas: 1n,
      signature: "0x",
    } as const;
    const expectedHash = getUserOperationHash({
      userOperation: userOp,
      entryPointAddress: CANONICAL_ENTRY_POINT_V08,
      entryPointVersion: "0.8",
      chainId: 31337,
    });
    for (const kind of ["hardhat", "anvil"] as const) {
      const provider = new JsonRpcProvider(chains[kind].url, undefined, {
        staticNetwork: true,
        cacheTimeout: -1,
      });
      try {
        const entryPoint = new Contract(
          CANONICAL_ENTRY_POINT_V08,
          [
            "function senderCreator() view returns (address)",
            "function getUserOpHash((address sender,uint256 nonce,bytes initCode,bytes callData,bytes32 accountGasLimits,uint256 preVerificationGas,bytes32 gasFees,bytes paymasterAndData,bytes signature)) view returns (bytes32)",
          ],
          provider,
        );
        expect(await entryPoint.senderCreator(), kind).to.equal(senderCreator);
        const creator = new Contract(
          senderCreator,
          ["function entryPoint() view returns (address)"],
          provider,
        );
        expect(await creator.entryPoint(), kind).to.equal(CANONICAL_ENTRY_POINT_V08);
        const pack = (high: bigint, low: bigint) =>
          "0x" + ((high << 128n) | low).toString(16).padStart(64, "0");
        // The EIP-712 domain (patched domain separator) decides the hash: it must be the canonical one's.
        const hash = await entryPoint.getUserOpHash({
          sender: userOp.sender,
          nonce: userOp.nonce,
          initCode: "0x",
          callData: userOp.callData,
          accountGasLimits: pack(userOp.verificationGasLimit, userOp.callGasLimit),
          preVerificationGas: userOp.preVerificationGas,
          gasFees: pack(userOp.maxPriorityFeePerGas, userOp.maxFeePerGas),
          paymasterAndData: "0x",
          signature: "0x",
        });
        expect(hash, kind).to.equal(expectedHash);
      } finally {
        provider.destroy();
      }
    }
  });

  it("a second deploy is a no-op: nothing sent, neither by the dev stack nor by Ignition's journal", async () => {
    for (const kind of ["hardhat", "anvil"] as const) {
      const url = chains[kind].url;
      const before = await rpc<string>(url, "eth_blockNumber");
      const again = await deployLocalStack({
        projectRoot: REPO_ROOT,
        stateDir: stateDirs[kind],
        rpcUrl: url,
      });
      expect(again.deployed, kind).to.equal(false);
      expect(again.addresses).to.deep.equal(deployed[kind].addresses);
      expect(await installLocalPrerequisites(url, REPO_ROOT)).to.deep.equal({
        create2Deployer: "present",
        entryPoint: "present",
      });
      // `npx hardhat ignition deploy` again with the same journal: Ignition finds every future done.
      const viaIgnition = await ignitionDeployLocal({
        projectRoot: REPO_ROOT,
        ignitionDir: join(stateDirs[kind], "ignition"),
        rpcUrl: url,
      });
      expect(viaIgnition).to.deep.equal(deployed[kind].addresses);
      expect(await rpc<string>(url, "eth_blockNumber"), kind).to.equal(before);
    }
  });

  it("an EntryPoint artifact that is missing is named, not a silent half-install", async () => {
    const fresh = await startLocalChain({
      projectRoot: REPO_ROOT,
      logFile: join(tempDir("leash-det-missing-"), "chain.log"),
      kind: "anvil",
    });
    try {
      const emptyRoot = tempDir("leash-no-artifacts-");
      let message = "";
      await ensureCanonicalEntryPoint(fresh.url, emptyRoot).catch(
        (e: Error) => (message = e.message),
      );
      expect(message).to.equal(
        `no EntryPoint artifact in ${emptyRoot}: run \`npx hardhat build\` first`,
      );
      expect(
        await rpc<string>(fresh.url, "eth_getCode", [CANONICAL_ENTRY_POINT_V08, "latest"]),
      ).to.equal("0x");
    } finally {
      await fresh.stop();
    }
  });
});
