/**
 * Gas of one agent payment through a Leash wallet vs the same payment through eth-infinitism's SimpleAccount,
 * both on the same EntryPoint v0.8 in the same chain. Each figure is `handleOps` gasUsed for a bundle of one op,
 * on a warm account (the 3rd operation of its kind: the account exists, its counters and the recipient's balance
 * are already non-zero), with identical gas limits and fees.
 *
 * The EntryPoint is the one published on npm, deployed from the creation bytecode in
 * `@account-abstraction/contracts/artifacts/EntryPoint.json` (0.8.0) as is, not recompiled with this project's
 * compiler settings: the same code a real chain runs, so its frame's gas is the real one.
 *
 * The Leash agent pays under the full policy (per-tx, daily, weekly, monthly caps, velocity, hour and weekday
 * masks, recipient allowlist); the `...Full` figures add wallet-wide caps on the asset.
 */
import { createRequire } from "node:module";
import {
  ContractFactory,
  Interface,
  Wallet,
  ZeroAddress,
  concat,
  keccak256,
  parseEther,
  toUtf8Bytes,
} from "ethers";
import type { network } from "hardhat";
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
  packUint128Pair,
  signAgentOp,
  signDigest,
} from "../../test/helpers/fixtures.js";

type Connection = Awaited<ReturnType<typeof network.create>>;

export type GasReport = {
  simpleAccountNative: number;
  leashAgentNative: number;
  ratioNative: number;
  simpleAccountErc20: number;
  leashAgentErc20: number;
  ratioErc20: number;
  /** The same payments with wallet-wide caps set on the asset too. */
  leashAgentNativeFull: number;
  ratioNativeFull: number;
  leashAgentErc20Full: number;
  ratioErc20Full: number;
};

/** The gas figures `gas-snapshot.json` holds and the gas test and `npm run audit` compare. */
export const GAS_KEYS = [
  "simpleAccountNative",
  "leashAgentNative",
  "simpleAccountErc20",
  "leashAgentErc20",
  "leashAgentNativeFull",
  "leashAgentErc20Full",
] as const;
export const RATIO_KEYS = [
  "ratioNative",
  "ratioErc20",
  "ratioNativeFull",
  "ratioErc20Full",
] as const;
/** A figure may rise this much above the snapshot before it counts as a regression (+2 %). */
export const SNAPSHOT_TOLERANCE = 1.02;

/** The published EntryPoint v0.8 build (npm `@account-abstraction/contracts` 0.8.0), never recompiled. */
export function entryPointNpmArtifact(): {
  version: string;
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
} {
  const require = createRequire(import.meta.url);
  const { version } = require("@account-abstraction/contracts/package.json") as { version: string };
  const a = require("@account-abstraction/contracts/artifacts/EntryPoint.json") as {
    abi: unknown[];
    bytecode: string;
    deployedBytecode: string;
  };
  return { version, abi: a.abi, bytecode: a.bytecode, deployedBytecode: a.deployedBytecode };
}

const GAS = { verification: 300_000n, call: 500_000n, preVerification: 60_000n };
const erc20 = new Interface(["function transfer(address to, uint256 amount)"]);
const simpleAccount = new Interface([
  "function execute(address target, uint256 value, bytes data)",
  "function createAccount(address owner, uint256 salt)",
]);

function key(label: string): Wallet {
  return new Wallet(keccak256(toUtf8Bytes(`leash-gas-bench-${label}`)));
}

/** `onOp(label, txHash)` is told about every measured bundle (e.g. to trace it). */
export async function measureGas(
  connection: Connection,
  onOp: (label: string, txHash: string) => void = () => {},
): Promise<GasReport> {
  const { ethers, networkHelpers } = connection;
  const [bundler] = await ethers.getSigners();
  const artifact = entryPointNpmArtifact();
  if (artifact.version !== "0.8.0")
    throw new Error(`EntryPoint artifact is ${artifact.version}, expected 0.8.0`);
  const npmEntryPoint = await new ContractFactory(
    artifact.abi as never,
    artifact.bytecode,
    bundler,
  ).deploy();
  await npmEntryPoint.waitForDeployment();
  // Its runtime code is the artifact's (same length; only immutables such as the EIP-712 domain differ).
  const code = await ethers.provider.getCode(await npmEntryPoint.getAddress());
  if (code.length !== artifact.deployedBytecode.length)
    throw new Error("deployed EntryPoint code is not the npm artifact's");
  const { entryPoint, factory } = await deployLeash(
    ethers,
    // The same ABI, typed: an instance of the npm build's code, not a new deployment.
    await ethers.getContractAt("EntryPoint", await npmEntryPoint.getAddress()),
  );
  const token = await ethers.deployContract("MockERC20", ["Bench", "BNC"]);
  const tokenAddress = await token.getAddress();
  const recipient = key("recipient").address;
  // The recipient already holds ETH and tokens: no new-account or zero-to-non-zero surcharge on either side.
  await networkHelpers.setBalance(recipient, parseEther("1"));
  await (await token.mint(recipient, 1n)).wait();

  async function handle(op: Awaited<ReturnType<typeof buildUserOp>>, label = ""): Promise<number> {
    const receipt = await (await entryPoint.handleOps([op], bundler.address)).wait();
    if (label) onOp(label, receipt!.hash);
    const parsed = receipt!.logs
      .map((l) => {
        try {
          return entryPoint.interface.parseLog(l);
        } catch {
          return null;
        }
      })
      .find((e) => e?.name === "UserOperationEvent");
    if (!parsed?.args.success) throw new Error("benchmark operation reverted");
    return Number(receipt!.gasUsed);
  }

  // ---------------------------------------------------------------- SimpleAccount
  const saFactory = await ethers.deployContract("SimpleAccountFactory", [
    await entryPoint.getAddress(),
  ]);
  const saOwner = key("simple-owner");
  const saAddress: string = await saFactory.getFunction("getAddress")(saOwner.address, 0n);
  await networkHelpers.setBalance(saAddress, parseEther("10"));
  await (await entryPoint.depositTo(saAddress, { value: parseEther("1") })).wait();
  await (await token.mint(saAddress, 1_000_000n)).wait();
  async function simpleOp(target: string, value: bigint, data: string, first = false, label = "") {
    const op = await buildUserOp(entryPoint, saAddress, 0n, [], GAS);
    op.callData = simpleAccount.encodeFunctionData("execute", [target, value, data]);
    if (first) {
      op.initCode = concat([
        saFactory.target as string, // getAddress() is overloaded by the factory's own getAddress(owner, salt)
        simpleAccount.encodeFunctionData("createAccount", [saOwner.address, 0n]),
      ]);
      op.accountGasLimits = packUint128Pair(1_000_000n, GAS.call);
    }
    op.signature = signDigest(saOwner, await entryPoint.getUserOpHash(op));
    return handle(op, label);
  }
  const sa: number[] = [];
  sa.push(await simpleOp(recipient, 1n, "0x", true));
  sa.push(await simpleOp(recipient, 1n, "0x"));
  sa.push(await simpleOp(recipient, 1n, "0x", false, "simpleAccountNative"));
  const saToken = erc20.encodeFunctionData("transfer", [recipient, 1n]);
  for (let i = 0; i < 3; i++)
    sa.push(await simpleOp(tokenAddress, 0n, saToken, false, i === 2 ? "simpleAccountErc20" : ""));

  // ---------------------------------------------------------------- Leash agent
  const owners = [key("owner-1"), key("owner-2")];
  const agent = key("agent");
  const { wallet, address } = await createWallet(ethers, factory, entryPoint, {
    owners,
    threshold: 2,
    fund: parseEther("10"),
  });
  await (await token.mint(address, 1_000_000n)).wait();
  const rules = {
    maxOpCost: parseEther("1"),
    maxOpsPerHour: 100,
    maxOpsPerDay: 1_000,
    minSecondsBetweenOps: 1,
    allowedHours: ALL_HOURS,
    allowedDays: ALL_DAYS,
    // Bounded, as the SDK's default: validation charges every op against it (one slot it touches anyway).
    gasPerDay: parseEther("18"),
  };
  const limits = (unit: bigint) => ({
    perTx: unit,
    approvalAbove: 0n,
    daily: 2n * unit,
    weekly: 5n * unit,
    monthly: 10n * unit,
  });
  const setup: CallStruct[] = [
    encodeSelfCall("addAgent", [agent.address, 0, 0, rules], address),
    encodeSelfCall(
      "setAssetLimits",
      [agent.address, ZeroAddress, limits(parseEther("1"))],
      address,
    ),
    encodeSelfCall("setAssetLimits", [agent.address, tokenAddress, limits(1_000n)], address),
    encodeSelfCall("allowRecipient", [agent.address, recipient], address),
  ];
  const deadline = (await networkHelpers.time.latest()) + 86_400;
  const digest = await wallet.hashSignedCalls(setup, 1n, deadline);
  await (
    await wallet.executeWithSignatures(setup, 1n, deadline, ownerSignDigest(owners, digest))
  ).wait();
  await networkHelpers.time.increase(24 * 3600);
  await (await wallet.execute(1n)).wait();

  async function leashOp(call: CallStruct, label = "") {
    let op = await buildUserOp(entryPoint, address, agentNonceKey(agent.address), [call], GAS);
    op = await signAgentOp(entryPoint, op, agent);
    return handle(op, label);
  }
  const leash: number[] = [];
  for (let i = 0; i < 3; i++) {
    const label = i === 2 ? "leashAgentNative" : "";
    leash.push(await leashOp({ target: recipient, value: 1n, data: "0x" }, label));
  }
  const leashToken = {
    target: tokenAddress,
    value: 0n,
    data: erc20.encodeFunctionData("transfer", [recipient, 1n]),
  };
  for (let i = 0; i < 3; i++)
    leash.push(await leashOp(leashToken, i === 2 ? "leashAgentErc20" : ""));

  // ---------------------------------------------------------------- + wallet-wide caps
  // A first cap is a tightening: the owners' signed batch runs at once.
  const walletCaps: CallStruct[] = [
    encodeSelfCall(
      "setWalletCaps",
      [ZeroAddress, parseEther("100"), parseEther("500"), parseEther("1000")],
      address,
    ),
    encodeSelfCall("setWalletCaps", [tokenAddress, 100_000n, 500_000n, 1_000_000n], address),
  ];
  const capsDeadline = (await networkHelpers.time.latest()) + 3_600;
  const capsDigest = await wallet.hashSignedCalls(walletCaps, 2n, capsDeadline);
  await (
    await wallet.executeWithSignatures(
      walletCaps,
      2n,
      capsDeadline,
      ownerSignDigest(owners, capsDigest),
    )
  ).wait();
  for (const asset of [ZeroAddress, tokenAddress]) {
    const [enabled] = await wallet.walletCaps(asset);
    if (!enabled) throw new Error(`wallet-wide caps not set on ${asset}`);
  }
  for (let i = 0; i < 3; i++) {
    const label = i === 2 ? "leashAgentNativeFull" : "";
    leash.push(await leashOp({ target: recipient, value: 1n, data: "0x" }, label));
  }
  for (let i = 0; i < 3; i++)
    leash.push(await leashOp(leashToken, i === 2 ? "leashAgentErc20Full" : ""));

  return {
    simpleAccountNative: sa[2],
    leashAgentNative: leash[2],
    ratioNative: round(leash[2] / sa[2]),
    simpleAccountErc20: sa[5],
    leashAgentErc20: leash[5],
    ratioErc20: round(leash[5] / sa[5]),
    leashAgentNativeFull: leash[8],
    ratioNativeFull: round(leash[8] / sa[2]),
    leashAgentErc20Full: leash[11],
    ratioErc20Full: round(leash[11] / sa[5]),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function formatTable(r: GasReport): string {
  const rows = [
    ["operation", "SimpleAccount", "Leash agent", "ratio"],
    [
      "native transfer",
      String(r.simpleAccountNative),
      String(r.leashAgentNative),
      r.ratioNative.toFixed(3),
    ],
    [
      "ERC-20 transfer",
      String(r.simpleAccountErc20),
      String(r.leashAgentErc20),
      r.ratioErc20.toFixed(3),
    ],
    [
      "native, + wallet caps",
      String(r.simpleAccountNative),
      String(r.leashAgentNativeFull),
      r.ratioNativeFull.toFixed(3),
    ],
    [
      "ERC-20, + wallet caps",
      String(r.simpleAccountErc20),
      String(r.leashAgentErc20Full),
      r.ratioErc20Full.toFixed(3),
    ],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => cell.padStart(widths[c])).join("  ");
  return [
    line(rows[0]),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.slice(1).map(line),
  ].join("\n");
}
