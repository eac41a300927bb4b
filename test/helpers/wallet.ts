/**
 * Shared fixture and helpers for the AgentWallet core tests (issue 2).
 *
 * Everything talks to the wallet through `IAgentWallet` and `fixtures.ts`, so the tests survive the
 * module split of the wallet contracts (only `deployLeash` changes there).
 */
import type { NetworkConnection } from "hardhat/types/network";
import { Wallet, ZeroAddress, id, Interface } from "ethers";
import type { ContractTransactionResponse } from "ethers";
import type { IAgentWallet } from "../../typechain-types/index.js";
import {
  ALL_DAYS,
  ALL_HOURS,
  NATIVE,
  agentNonceKey,
  buildUserOp,
  createWallet,
  deployLeash,
  encodeSelfCall,
  ownerSignDigest,
  signAgentOp,
  signOwnerOp,
  sortByAddress,
  testWallets,
} from "./fixtures.js";
import type { CallStruct, PackedUserOp } from "./fixtures.js";

export type Conn = NetworkConnection<"generic">;

export const ProposalState = { None: 0n, Pending: 1n, Queued: 2n, Executed: 3n, Cancelled: 4n };
export const AgentStatus = { None: 0n, Active: 1n, Suspended: 2n, Revoked: 3n };

export const ADMIN_DELAY = 24n * 3600n;
export const UPGRADE_DELAY = 7n * 86400n;
export const GRACE_PERIOD = 14n * 86400n;
export const MIN_PAUSE = 3600n;
export const ERC1271_MAGIC = "0x1626ba7e";
export const ERC1271_INVALID = "0xffffffff";
export const SIG_VALIDATION_FAILED = 1n;
/** secp256k1 group order, for building high-s (malleable) signatures. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** Revert data of an error that is not part of `IAgentWallet`'s ABI (e.g. OpenZeppelin's). */
export function errorData(signature: string, values: unknown[] = []): string {
  const iface = new Interface([`error ${signature}`]);
  return iface.encodeErrorResult(signature.slice(0, signature.indexOf("(")), values);
}

export const REENTRANT_CALL = id("ReentrancyGuardReentrantCall()").slice(0, 10);

export function defaultRules(ethers: Conn["ethers"]) {
  return {
    maxOpCost: ethers.parseEther("0.1"),
    maxOpsPerHour: 0,
    maxOpsPerDay: 0,
    minSecondsBetweenOps: 0,
    allowedHours: ALL_HOURS,
    allowedDays: ALL_DAYS,
    gasPerDay: ethers.parseEther("10"),
  };
}

export function defaultLimits(ethers: Conn["ethers"]) {
  return {
    perTx: ethers.parseEther("1"),
    approvalAbove: 0n,
    daily: ethers.parseEther("2"),
    weekly: ethers.parseEther("5"),
    monthly: ethers.parseEther("10"),
  };
}

/**
 * A 2-of-3 wallet with one extra guardian, funded (10 ETH + 1 ETH EntryPoint deposit).
 * Owners are `ethers.Wallet`s (they sign digests) and also have impersonated signers (they send txs).
 */
export async function walletFixture(conn: Conn) {
  const { ethers, networkHelpers } = conn;
  const { deployer, entryPoint, implementation, factory, module, lens } = await deployLeash(ethers);
  const signers = await ethers.getSigners();
  const guardian = signers[1];
  const stranger = signers[2];
  const bundler = signers[3];
  const owners = sortByAddress(testWallets(3, "owner"));
  const [agentKey, agentKey2, recipient, outsider] = testWallets(4, "agent");
  const created = await createWallet(ethers, factory, entryPoint, {
    owners,
    threshold: 2,
    guardians: [guardian.address],
    minPauseDuration: Number(MIN_PAUSE),
  });
  const ownerSigners = [];
  for (const o of owners) {
    await networkHelpers.setBalance(o.address, ethers.parseEther("100"));
    ownerSigners.push(await ethers.getImpersonatedSigner(o.address));
  }
  return {
    deployer,
    entryPoint,
    implementation,
    factory,
    module,
    lens,
    guardian,
    stranger,
    bundler,
    owners,
    ownerSigners,
    agentKey,
    agentKey2,
    recipient,
    outsider,
    wallet: created.wallet,
    address: created.address,
    config: created.config,
    salt: created.salt,
  };
}

export type WalletFx = Awaited<ReturnType<typeof walletFixture>>;

let nonceCounter = 1_000n;
/** A fresh signature nonce (unique within the test process). */
export function freshNonce(): bigint {
  nonceCounter += 1n;
  return nonceCounter;
}

export async function latest(conn: Conn): Promise<bigint> {
  return BigInt(await conn.networkHelpers.time.latest());
}

/** Signs `calls` for `executeWithSignatures` with `signers` (packed, ascending). */
export async function signCalls(
  wallet: IAgentWallet,
  calls: CallStruct[],
  signers: Wallet[],
  nonce: bigint,
  deadline: bigint,
): Promise<string> {
  const digest = await wallet.hashSignedCalls(calls, nonce, deadline);
  return ownerSignDigest(signers, digest);
}

/** Owners execute `calls` through `executeWithSignatures` (M signatures, fresh nonce, 1 h deadline). */
export async function signedExec(
  conn: Conn,
  fx: WalletFx,
  calls: CallStruct[],
  signers: Wallet[] = fx.owners.slice(0, 2),
): Promise<ContractTransactionResponse> {
  const nonce = freshNonce();
  const deadline = (await latest(conn)) + 3600n;
  const sigs = await signCalls(fx.wallet, calls, signers, nonce, deadline);
  return fx.wallet.executeWithSignatures(calls, nonce, deadline, sigs);
}

/** The id and eta of the proposal a transaction queued. */
export async function queuedFrom(
  fx: WalletFx,
  tx: ContractTransactionResponse,
): Promise<{ id: bigint; eta: bigint }> {
  const receipt = await tx.wait();
  for (const log of receipt!.logs) {
    try {
      const parsed = fx.wallet.interface.parseLog(log);
      if (parsed?.name === "ProposalQueued") return { id: parsed.args[0], eta: parsed.args[1] };
    } catch {
      // not a wallet event
    }
  }
  throw new Error("no ProposalQueued event");
}

/** Owners apply a loosening batch: signed, queued, wait out the delay, execute. */
export async function applyLoosening(
  conn: Conn,
  fx: WalletFx,
  calls: CallStruct[],
  signers: Wallet[] = fx.owners.slice(0, 2),
): Promise<bigint> {
  const { id: pid, eta } = await queuedFrom(fx, await signedExec(conn, fx, calls, signers));
  await conn.networkHelpers.time.increaseTo(eta);
  await (await fx.wallet.execute(pid)).wait();
  return pid;
}

export function self(fx: WalletFx, fn: string, args: unknown[]): CallStruct {
  return encodeSelfCall(fn, args, fx.address);
}

/** Adds an agent with native limits and `recipient` allowlisted (through the timelock). */
export async function addAgent(
  conn: Conn,
  fx: WalletFx,
  key: Wallet = fx.agentKey,
  opts: { validAfter?: bigint; validUntil?: bigint; rules?: object; limits?: object } = {},
): Promise<void> {
  const { ethers } = conn;
  await applyLoosening(conn, fx, [
    self(fx, "addAgent", [
      key.address,
      opts.validAfter ?? 0n,
      opts.validUntil ?? 0n,
      opts.rules ?? defaultRules(ethers),
    ]),
    self(fx, "setAssetLimits", [key.address, NATIVE, opts.limits ?? defaultLimits(ethers)]),
    self(fx, "allowRecipient", [key.address, fx.recipient.address]),
  ]);
}

/** A wallet with one active agent (`agentKey`) that may pay `recipient` in native currency. */
export async function agentFixture(conn: Conn) {
  const fx = await walletFixture(conn);
  await addAgent(conn, fx);
  return fx;
}

export function pay(to: string, value: bigint): CallStruct {
  return { target: to, value, data: "0x" };
}

/** A signed agent user operation. */
export async function agentOp(
  fx: WalletFx,
  key: Wallet,
  calls: CallStruct[],
  gas: Parameters<typeof buildUserOp>[4] = {},
  nonceKeyOf: Wallet = key,
): Promise<PackedUserOp> {
  const op = await buildUserOp(
    fx.entryPoint,
    fx.address,
    agentNonceKey(nonceKeyOf.address),
    calls,
    gas,
  );
  return signAgentOp(fx.entryPoint, op, key);
}

/** A user operation signed by owners (nonce key 0). */
export async function ownerOp(
  fx: WalletFx,
  calls: CallStruct[],
  signers: Wallet[] = fx.owners.slice(0, 2),
): Promise<PackedUserOp> {
  const op = await buildUserOp(fx.entryPoint, fx.address, 0n, calls, {
    verification: 600_000n,
    call: 2_000_000n,
  });
  return signOwnerOp(fx.entryPoint, op, signers);
}

/** Calls `validateUserOp` as the EntryPoint (impersonated) without sending a transaction. */
export async function validateAsEntryPoint(
  conn: Conn,
  fx: WalletFx,
  op: PackedUserOp,
  userOpHash?: string,
): Promise<bigint> {
  const epAddress = await fx.entryPoint.getAddress();
  await conn.networkHelpers.impersonateAccount(epAddress);
  await conn.networkHelpers.setBalance(epAddress, conn.ethers.parseEther("10"));
  const ep = await conn.ethers.getSigner(epAddress);
  const hash = userOpHash ?? (await fx.entryPoint.getUserOpHash(op));
  return fx.wallet.connect(ep).validateUserOp.staticCall(op, hash, 0n);
}

/** Packs validationData the way the EntryPoint reads it: validAfter(48) ‖ validUntil(48) ‖ aggregator(160). */
export function packValidationData(
  sigFailed: boolean,
  validUntil: bigint,
  validAfter: bigint,
): bigint {
  return (validAfter << 208n) | (validUntil << 160n) | (sigFailed ? 1n : 0n);
}

/** Deploys a contract owner that accepts ERC-1271 signatures by `signer`. */
export async function deployContractOwner(conn: Conn, signer: Wallet) {
  return conn.ethers.deployContract("ERC1271OwnerMock", [signer.address]);
}

export { NATIVE, ZeroAddress };
