import { network } from "hardhat";
import {
  Contract,
  Interface,
  Wallet,
  ZeroAddress,
  AbiCoder,
  concat,
  getBytes,
  keccak256,
  getAddress,
  toBeHex,
  zeroPadValue,
  solidityPacked,
} from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { IAgentWallet__factory } from "../../typechain-types/index.js";
import type { IAgentWallet } from "../../typechain-types/index.js";

export const ALL_HOURS = 0xffffff;
export const ALL_DAYS = 0x7f;
export const HOUR = 3600n;
export const DAY = 86400n;

export type CallStruct = { target: string; value: bigint; data: string };

/** Deterministic test keys (never used outside tests). */
export function testWallets(n: number, seed = "leash-test"): Wallet[] {
  return Array.from({ length: n }, (_, i) => new Wallet(keccak256(Buffer.from(`${seed}-${i}`))));
}

export function sortByAddress<T extends { address: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
}

/** Packs owner signatures in the wallet's format: signer(20) ‖ len(2) ‖ sig, signers ascending. */
export function packOwnerSignatures(entries: { signer: string; signature: string }[]): string {
  const sorted = [...entries].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));
  return concat(
    sorted.map((e) =>
      solidityPacked(
        ["address", "uint16", "bytes"],
        [e.signer, getBytes(e.signature).length, e.signature],
      ),
    ),
  );
}

/** Raw digest signature (Hardhat signers can't sign raw digests; ethers.Wallet can). */
export function signDigest(wallet: Wallet, digest: string): string {
  return wallet.signingKey.sign(digest).serialized;
}

export function ownerSignDigest(owners: Wallet[], digest: string): string {
  return packOwnerSignatures(
    owners.map((o) => ({ signer: o.address, signature: signDigest(o, digest) })),
  );
}

async function deployEntryPoint(ethers: HardhatEthers) {
  return ethers.deployContract("EntryPoint");
}

/**
 * Deploys Leash on `existingEntryPoint` when given (e.g. the npm artifact's bytecode), else on a new EntryPoint.
 * `moduleName` swaps the module for a test build of it (`WalletModuleWithViews`, the lens test's oracle).
 */
export async function deployLeash(
  ethers: HardhatEthers,
  existingEntryPoint?: Awaited<ReturnType<typeof deployEntryPoint>>,
  moduleName: "WalletModule" | "WalletModuleWithViews" = "WalletModule",
) {
  const [deployer] = await ethers.getSigners();
  const entryPoint = existingEntryPoint ?? (await deployEntryPoint(ethers));
  const entryPointAddress = await entryPoint.getAddress();
  // The core delegates what it doesn't implement to its one module, which forwards the views to the lens.
  const lens = await ethers.deployContract("LeashLens");
  const module = await ethers.deployContract(moduleName, [
    entryPointAddress,
    await lens.getAddress(),
  ]);
  const implementation = await ethers.deployContract("AgentWallet", [
    entryPointAddress,
    await module.getAddress(),
  ]);
  const factory = await ethers.deployContract("AgentWalletFactory", [
    await implementation.getAddress(),
  ]);
  return { deployer, entryPoint, implementation, factory, module, lens };
}

export type WalletSetup = {
  owners: Wallet[];
  threshold: number;
  guardians?: string[];
  utcOffset?: number;
  minPauseDuration?: number;
  /** Calldata of the wallet's own management functions, run at creation without timelock. */
  setupData?: string[];
  salt?: string;
  fund?: bigint;
};

/** Creates a wallet through the factory, funds it and its EntryPoint deposit. */
export async function createWallet(
  ethers: HardhatEthers,
  factory: any,
  entryPoint: any,
  setup: WalletSetup,
) {
  const [deployer] = await ethers.getSigners();
  const config = {
    owners: setup.owners.map((o) => o.address),
    threshold: setup.threshold,
    guardians: setup.guardians ?? [],
    utcOffset: setup.utcOffset ?? 0,
    minPauseDuration: setup.minPauseDuration ?? 3600,
  };
  const salt = setup.salt ?? zeroPadValue("0x01", 32);
  const setupData = setup.setupData ?? [];
  // `getAddress` collides with ethers' BaseContract.getAddress(): call the contract function explicitly.
  const address: string = await factory.getFunction("getAddress")(config, setupData, salt);
  await (await factory.createWallet(config, setupData, salt)).wait();
  const wallet = IAgentWallet__factory.connect(address, deployer) as IAgentWallet;
  const fund = setup.fund ?? ethers.parseEther("10");
  if (fund > 0n) {
    await (await deployer.sendTransaction({ to: address, value: fund })).wait();
    await (await entryPoint.depositTo(address, { value: ethers.parseEther("1") })).wait();
  }
  return { wallet, address, config, salt };
}

// Typed as a plain ethers Interface so helpers can encode any function by name.
const walletInterface: Interface = IAgentWallet__factory.createInterface();

/** Calldata for one of the wallet's own functions (for setupData). */
export function encodeWalletCall(fn: string, args: unknown[]): string {
  return walletInterface.encodeFunctionData(fn, args);
}

export function encodeSelfCall(fn: string, args: unknown[], walletAddress: string): CallStruct {
  return { target: walletAddress, value: 0n, data: walletInterface.encodeFunctionData(fn, args) };
}

/**
 * A user op's callData for `nonceKey`: the owners' `executeUserOp` batch on key 0; on an agent's key (an address),
 * the agent's entry point naming that key (`executeAgentCall` for one call, `executeAgentCalls` for a batch). A
 * key wider than an address names no agent: its op gets the owners' encoding (and validation refuses it).
 */
export function userOpCallData(nonceKey: bigint, calls: CallStruct[]): string {
  if (nonceKey === 0n || nonceKey >> 160n !== 0n) return executeUserOpCallData(calls);
  return agentCallData(getAddress(toBeHex(nonceKey, 20)), calls);
}

/** An agent's callData: `executeAgentCall(key, ...)` for one call, `executeAgentCalls(key, calls)` for a batch. */
export function agentCallData(key: string, calls: CallStruct[]): string {
  if (calls.length === 1) {
    const [call] = calls;
    return walletInterface.encodeFunctionData("executeAgentCall", [
      key,
      call!.target,
      call!.value,
      call!.data,
    ]);
  }
  return walletInterface.encodeFunctionData("executeAgentCalls", [key, calls]);
}

/** The owners' callData: `executeUserOp.selector ++ abi.encode(Call[])`. */
export function executeUserOpCallData(calls: CallStruct[]): string {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["tuple(address target,uint256 value,bytes data)[]"],
    [calls],
  );
  return concat([walletInterface.getFunction("executeUserOp")!.selector, encoded]);
}

export type PackedUserOp = {
  sender: string;
  nonce: bigint;
  initCode: string;
  callData: string;
  accountGasLimits: string;
  preVerificationGas: bigint;
  gasFees: string;
  paymasterAndData: string;
  signature: string;
};

export function packUint128Pair(high: bigint, low: bigint): string {
  return zeroPadValue(toBeHex((high << 128n) | low), 32);
}

export async function buildUserOp(
  entryPoint: any,
  sender: string,
  nonceKey: bigint,
  calls: CallStruct[],
  gas: {
    verification?: bigint;
    call?: bigint;
    preVerification?: bigint;
    maxFee?: bigint;
    priorityFee?: bigint;
  } = {},
): Promise<PackedUserOp> {
  const nonce: bigint = await entryPoint.getNonce(sender, nonceKey);
  return {
    sender,
    nonce,
    initCode: "0x",
    callData: userOpCallData(nonceKey, calls),
    accountGasLimits: packUint128Pair(gas.verification ?? 300_000n, gas.call ?? 500_000n),
    preVerificationGas: gas.preVerification ?? 60_000n,
    gasFees: packUint128Pair(gas.priorityFee ?? 1_000_000_000n, gas.maxFee ?? 20_000_000_000n),
    paymasterAndData: "0x",
    signature: "0x",
  };
}

export async function signAgentOp(
  entryPoint: any,
  op: PackedUserOp,
  agentKey: Wallet,
): Promise<PackedUserOp> {
  const hash: string = await entryPoint.getUserOpHash(op);
  return { ...op, signature: signDigest(agentKey, hash) };
}

export async function signOwnerOp(
  entryPoint: any,
  op: PackedUserOp,
  owners: Wallet[],
): Promise<PackedUserOp> {
  const hash: string = await entryPoint.getUserOpHash(op);
  // Owners sign the userOpHash bound to the wallet's signature epoch (EIP-712 `OwnerOperation`).
  const wallet = new Contract(
    op.sender,
    ["function hashOwnerOperation(bytes32) view returns (bytes32)"],
    entryPoint.runner,
  );
  return { ...op, signature: ownerSignDigest(owners, await wallet.hashOwnerOperation(hash)) };
}

export function agentNonceKey(agentKeyAddress: string): bigint {
  return BigInt(agentKeyAddress);
}

export const NATIVE = ZeroAddress;

export async function connect() {
  return network.create();
}
