/**
 * Helpers for the spending-policy tests: a wallet with owners, a guardian and agents, configured only through
 * the wallet's real paths (owner signatures + timelock + `execute`), agent operations sent through the real
 * EntryPoint (`handleOps`), and decoding of the policy error an agent operation reverted with.
 */
import { expect } from "chai";
import { Interface, Wallet, ZeroAddress, isAddress, parseEther } from "ethers";
import type {
  ContractTransactionReceipt,
  ContractTransactionResponse,
  ErrorDescription,
  LogDescription,
} from "ethers";
import { network } from "hardhat";
import {
  ALL_DAYS,
  ALL_HOURS,
  type CallStruct,
  agentNonceKey,
  buildUserOp,
  createWallet,
  deployLeash,
  encodeSelfCall,
  ownerSignDigest,
  signAgentOp,
  testWallets,
} from "./fixtures.js";
import { IAgentWallet__factory } from "../../typechain-types/index.js";

export { NATIVE } from "./fixtures.js";
export type { CallStruct } from "./fixtures.js";

/** Seconds since the epoch of a UTC civil time (month 1-12). */
export function utc(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
): bigint {
  return BigInt(Date.UTC(year, month - 1, day, hour, minute, second) / 1000);
}

export type Limits = {
  perTx: bigint;
  approvalAbove: bigint;
  daily: bigint;
  weekly: bigint;
  monthly: bigint;
};
export type Rules = {
  maxOpCost: bigint;
  maxOpsPerHour: number;
  maxOpsPerDay: number;
  minSecondsBetweenOps: number;
  allowedHours: number;
  allowedDays: number;
  gasPerDay: bigint;
};

export function limits(p: Partial<Limits>): Limits {
  return { perTx: 0n, approvalAbove: 0n, daily: 0n, weekly: 0n, monthly: 0n, ...p };
}

export function rules(p: Partial<Rules> = {}): Rules {
  return {
    maxOpCost: parseEther("1"),
    maxOpsPerHour: 0,
    maxOpsPerDay: 0,
    minSecondsBetweenOps: 0,
    allowedHours: ALL_HOURS,
    allowedDays: ALL_DAYS,
    gasPerDay: parseEther("18"),
    ...p,
  };
}

export type AgentConfig = {
  rules?: Rules;
  validAfter?: number;
  validUntil?: number;
  assets?: [string, Limits][];
  recipients?: string[];
  permissions?: { target: string; selector: string; maxValue?: bigint; expiresAt?: number }[];
};

/** A simulated-chain connection as `network.create()` returns it. */
export type Connection = Awaited<ReturnType<typeof network.create>>;

export const walletInterface = IAgentWallet__factory.createInterface();

/** Every custom error an agent operation can surface: the wallet's, OZ ERC-20/721 and the reentrancy guard. */
const errorInterface = new Interface([
  ...walletInterface.fragments.filter((f) => f.type === "error"),
  "error ReentrancyGuardReentrantCall()",
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  "error ERC721InsufficientApproval(address operator, uint256 tokenId)",
  "error ERC721IncorrectOwner(address sender, uint256 tokenId, address owner)",
  "error Error(string)",
]);

export function decodeError(data: string | undefined): ErrorDescription | null {
  if (!data || data === "0x") return null;
  try {
    return errorInterface.parseError(data);
  } catch {
    return null;
  }
}

export type OpResult = {
  success: boolean;
  revertData?: string;
  error: ErrorDescription | null;
  receipt: ContractTransactionReceipt;
  walletEvents: LogDescription[];
  timestamp: bigint;
};

/**
 * A fixture on its own simulated chain: `loadFixture` snapshots are per chain, and a fixture first loaded after
 * other tests moved the clock would otherwise start in their future (tests pin absolute calendar dates).
 */
export function isolatedFixture<T>(fixture: (conn: Connection) => Promise<T>): () => Promise<T> {
  let conn: Promise<Connection> | undefined;
  // A named, stable function: loadFixture refuses anonymous ones and keys its snapshot on the function.
  async function isolated(c: Connection): Promise<T> {
    return fixture(c);
  }
  return async () => {
    conn ??= network.create();
    return (await conn).networkHelpers.loadFixture(isolated);
  };
}

/** One wallet, three owners (2-of-3), one extra guardian (a Hardhat signer), agent keys and recipients. */
export async function deployPolicyWorld(
  connection: Connection,
  opts: { utcOffset?: number; moduleName?: Parameters<typeof deployLeash>[2] } = {},
) {
  const { ethers, networkHelpers } = connection;
  const { entryPoint, factory } = await deployLeash(ethers, undefined, opts.moduleName);
  const [bundler, guardian, stranger] = await ethers.getSigners();
  const owners = testWallets(3, "leash-policy-owner");
  const agents = testWallets(4, "leash-policy-agent");
  const recipients = testWallets(4, "leash-policy-recipient").map((w) => w.address);
  const { wallet, address } = await createWallet(ethers, factory, entryPoint, {
    owners,
    threshold: 2,
    guardians: [guardian.address],
    utcOffset: opts.utcOffset ?? 0,
    minPauseDuration: 3600,
    fund: parseEther("10"),
  });
  const world = {
    ethers,
    networkHelpers,
    entryPoint,
    factory,
    wallet,
    address,
    owners,
    guardian,
    stranger,
    bundler,
    agents,
    recipients,
    nonce: 1n,
  };
  return world;
}

export type PolicyWorld = Awaited<ReturnType<typeof deployPolicyWorld>>;

/** Test tokens, minted to the wallet. */
export async function deployTokens(world: PolicyWorld, mint = 1_000_000n) {
  const { ethers, address } = world;
  const erc20 = await ethers.deployContract("MockERC20", ["Mock", "MCK"]);
  const other = await ethers.deployContract("MockERC20", ["Other", "OTH"]);
  const noReturn = await ethers.deployContract("NoReturnToken");
  const falseReturn = await ethers.deployContract("FalseReturnToken");
  const weirdReturn = await ethers.deployContract("WeirdReturnToken");
  const fee = await ethers.deployContract("FeeOnTransferToken", [100n]); // 1 %
  const reentrant = await ethers.deployContract("ReentrantToken");
  const nft = await ethers.deployContract("MockERC721");
  for (const t of [erc20, other, noReturn, falseReturn, weirdReturn, fee, reentrant]) {
    await (await t.mint(address, mint)).wait();
  }
  await (await nft.mint(address, 7n)).wait();
  return { erc20, other, noReturn, falseReturn, weirdReturn, fee, reentrant, nft };
}

export function selfCall(world: PolicyWorld, fn: string, args: unknown[]): CallStruct {
  return encodeSelfCall(fn, args, world.address);
}

/**
 * Runs `calls` as the owners (2-of-3 EIP-712 signatures through `executeWithSignatures`). Tightening calls run
 * at once; loosening ones are queued: this waits out the timelock and executes the proposal.
 */
export async function ownersRun(world: PolicyWorld, calls: CallStruct[]): Promise<void> {
  const queued = await ownersSubmit(world, calls);
  if (!queued) return;
  const { networkHelpers, wallet } = world;
  if (queued.eta > BigInt(await networkHelpers.time.latest()))
    await networkHelpers.time.increaseTo(queued.eta);
  await (await wallet.execute(queued.id)).wait();
}

/** The owners' signed `executeWithSignatures` transaction for `calls` (not awaited: for revert assertions). */
export async function ownersSignedTx(
  world: PolicyWorld,
  calls: CallStruct[],
): Promise<ContractTransactionResponse> {
  const { wallet, networkHelpers } = world;
  const nonce = world.nonce++;
  const deadline = (await networkHelpers.time.latest()) + 30 * 86400;
  const digest = await wallet.hashSignedCalls(calls, nonce, deadline);
  const signatures = ownerSignDigest(world.owners.slice(0, 2), digest);
  return wallet.executeWithSignatures(calls, nonce, deadline, signatures);
}

/** Submits `calls` signed by the owners: returns the queued proposal (loosening) or undefined (ran at once). */
export async function ownersSubmit(
  world: PolicyWorld,
  calls: CallStruct[],
): Promise<{ id: bigint; eta: bigint } | undefined> {
  const receipt = await (await ownersSignedTx(world, calls)).wait();
  const queued = parseWalletLogs(world, receipt!).find((l) => l.name === "ProposalQueued");
  if (!queued) return undefined;
  return { id: queued.args[0] as bigint, eta: queued.args[1] as bigint };
}

/** The self-calls that add an agent with its rules, assets, recipients and permissions. */
export function agentSetupCalls(world: PolicyWorld, key: string, cfg: AgentConfig): CallStruct[] {
  const calls: CallStruct[] = [
    selfCall(world, "addAgent", [
      key,
      cfg.validAfter ?? 0,
      cfg.validUntil ?? 0,
      cfg.rules ?? rules(),
    ]),
  ];
  for (const [asset, l] of cfg.assets ?? [])
    calls.push(selfCall(world, "setAssetLimits", [key, asset, l]));
  for (const r of cfg.recipients ?? []) calls.push(selfCall(world, "allowRecipient", [key, r]));
  for (const p of cfg.permissions ?? []) {
    calls.push(
      selfCall(world, "setCallPermission", [
        key,
        p.target,
        p.selector,
        p.maxValue ?? 0n,
        p.expiresAt ?? 0,
      ]),
    );
  }
  return calls;
}

export async function addAgent(world: PolicyWorld, key: string, cfg: AgentConfig): Promise<void> {
  await ownersRun(world, agentSetupCalls(world, key, cfg));
}

export function parseWalletLogs(
  world: PolicyWorld,
  receipt: ContractTransactionReceipt,
): LogDescription[] {
  const out: LogDescription[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== world.address.toLowerCase()) continue;
    const parsed = walletInterface.parseLog(log);
    if (parsed) out.push(parsed);
  }
  return out;
}

export type OpOptions = {
  /** Timestamp of the block the operation is mined in. */
  at?: bigint;
  /** Session key whose nonce lane is used (defaults to the signer's address). */
  nonceKeyOf?: string;
};

/** Signs an agent operation with `key` and sends it through `EntryPoint.handleOps`; returns the transaction. */
export async function sendAgentOp(
  world: PolicyWorld,
  key: Wallet,
  calls: CallStruct[],
  opts: OpOptions = {},
): Promise<ContractTransactionResponse> {
  const { entryPoint, networkHelpers, bundler, address } = world;
  let op = await buildUserOp(
    entryPoint,
    address,
    agentNonceKey(opts.nonceKeyOf ?? key.address),
    calls,
    {
      call: 1_500_000n,
    },
  );
  op = await signAgentOp(entryPoint, op, key);
  if (opts.at !== undefined) await networkHelpers.time.setNextBlockTimestamp(opts.at);
  return entryPoint
    .connect(bundler)
    .handleOps([op], bundler.address) as Promise<ContractTransactionResponse>;
}

/** A signed agent operation whose nonce is `offset` ahead of the agent's next one (not sent). */
export async function buildAgentOpFor(
  world: PolicyWorld,
  key: Wallet,
  calls: CallStruct[],
  offset = 0n,
) {
  const op = await buildUserOp(world.entryPoint, world.address, agentNonceKey(key.address), calls, {
    call: 1_500_000n,
  });
  return signAgentOp(world.entryPoint, { ...op, nonce: op.nonce + offset }, key);
}

/** Sends an agent operation that passes validation and reports how its execution went. */
export async function agentOp(
  world: PolicyWorld,
  key: Wallet,
  calls: CallStruct[],
  opts: OpOptions = {},
): Promise<OpResult> {
  const receipt = (await (await sendAgentOp(world, key, calls, opts)).wait())!;
  let success = false;
  let revertData: string | undefined;
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== (await world.entryPoint.getAddress()).toLowerCase()) continue;
    const parsed = world.entryPoint.interface.parseLog(log);
    if (parsed?.name === "UserOperationEvent") success = parsed.args.success as boolean;
    if (parsed?.name === "UserOperationRevertReason")
      revertData = parsed.args.revertReason as string;
  }
  const block = await receipt.getBlock();
  return {
    success,
    revertData,
    error: decodeError(revertData),
    receipt,
    walletEvents: parseWalletLogs(world, receipt),
    timestamp: BigInt(block.timestamp),
  };
}

export function nativePay(to: string, value: bigint): CallStruct {
  return { target: to, value, data: "0x" };
}

const erc20Interface = new Interface([
  "function transfer(address to, uint256 amount)",
  "function transferFrom(address from, address to, uint256 amount)",
  "function approve(address spender, uint256 amount)",
  "function increaseAllowance(address spender, uint256 amount)",
  "function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)",
]);

export function tokenCall(token: string, fn: string, args: unknown[], value = 0n): CallStruct {
  return { target: token, value, data: erc20Interface.encodeFunctionData(fn, args) };
}

export function tokenPay(token: string, to: string, amount: bigint): CallStruct {
  return tokenCall(token, "transfer", [to, amount]);
}

function normalize(v: unknown): unknown {
  if (typeof v === "number") return BigInt(v);
  if (typeof v === "string" && isAddress(v)) return v.toLowerCase();
  if (typeof v === "string") return v.toLowerCase();
  if (Array.isArray(v)) return v.map(normalize);
  return v;
}

function describe(res: OpResult): string {
  if (res.success) return "op succeeded";
  if (!res.error) return `op reverted with undecoded data ${res.revertData}`;
  return `op reverted with ${res.error.name}(${res.error.args.map(String).join(", ")})`;
}

export function expectSuccess(res: OpResult): void {
  expect(res.success, describe(res)).to.equal(true);
}

/** Asserts the agent operation reverted in execution with the wallet's custom error `name` and `args`. */
export function expectOpError(res: OpResult, name: string, args?: unknown[]): void {
  expect(res.success, "operation should have reverted").to.equal(false);
  expect(res.error?.name, describe(res)).to.equal(name);
  if (args) expect(normalize(res.error!.args.toArray(true))).to.deep.equal(normalize(args));
}

/** Asserts the agent operation reverted because call `index` failed with the inner error `name`. */
export function expectInnerCallError(res: OpResult, index: number, name: string): ErrorDescription {
  expectOpError(res, "WalletCallFailed");
  expect(res.error!.args[0]).to.equal(BigInt(index));
  const inner = decodeError(res.error!.args[1] as string);
  expect(inner?.name, `inner error ${res.error!.args[1]}`).to.equal(name);
  return inner!;
}

export async function spentOf(
  world: PolicyWorld,
  agent: string,
  asset: string,
): Promise<[bigint, bigint, bigint]> {
  const [d, w, m] = await world.wallet.spent(agent, asset);
  return [d, w, m];
}

export async function walletSpent(
  world: PolicyWorld,
  asset: string,
): Promise<[bigint, bigint, bigint]> {
  const [, , s] = await world.wallet.walletCaps(asset);
  return [s[0], s[1], s[2]];
}

export const MAX_UINT = 2n ** 256n - 1n;
export { ZeroAddress };
