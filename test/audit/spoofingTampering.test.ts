/**
 * Spoofing and tampering of agent operations: a relayer (or anyone on the path) changing any field of a signed
 * operation, replaying it on another wallet that trusts the same agent key, or an agent asking for an unlimited
 * ERC-20 approval.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { MaxUint256, toBeHex, zeroPadValue } from "ethers";
import { createWallet, encodeWalletCall, packUint128Pair } from "../helpers/fixtures.js";
import type { PackedUserOp } from "../helpers/fixtures.js";
import {
  SIG_VALIDATION_FAILED,
  agentFixture,
  agentOp,
  defaultLimits,
  defaultRules,
  pay,
  validateAsEntryPoint,
} from "../helpers/wallet.js";
import type { Conn } from "../helpers/wallet.js";
import {
  type Connection,
  addAgent,
  agentOp as sendAgentOp,
  deployPolicyWorld,
  deployTokens,
  expectOpError,
  isolatedFixture,
  limits,
  tokenCall,
  utc,
} from "../helpers/policy.js";

const conn: Conn = await network.create();
const { ethers, networkHelpers } = conn;

const flipLastByte = (hex: string) =>
  hex.slice(0, -2) + ((parseInt(hex.slice(-2), 16) ^ 1) & 0xff).toString(16).padStart(2, "0");

describe("Spoofing and tampering of agent operations", function () {
  it("test_agentOp_anyFieldChangedAfterSigning_failsValidation", async function () {
    const fx = await networkHelpers.loadFixture(agentFixture);
    const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)]);
    // Untouched, it validates (with the key's time range packed in, here none).
    expect(await validateAsEntryPoint(conn, fx, op)).to.equal(0n);
    const tampered: [string, PackedUserOp][] = [
      ["sender", { ...op, sender: fx.outsider.address }],
      ["nonce (sequence)", { ...op, nonce: op.nonce + 1n }],
      ["nonce (other agent's key)", { ...op, nonce: (BigInt(fx.agentKey2.address) << 64n) | 0n }],
      ["initCode", { ...op, initCode: "0x" + "11".repeat(20) }],
      [
        "callData (recipient)",
        {
          ...op,
          callData: (await agentOp(fx, fx.agentKey, [pay(fx.outsider.address, 1n)])).callData,
        },
      ],
      ["callData (amount)", { ...op, callData: flipLastByte(op.callData) }],
      ["accountGasLimits", { ...op, accountGasLimits: packUint128Pair(300_001n, 500_000n) }],
      ["preVerificationGas", { ...op, preVerificationGas: op.preVerificationGas + 1n }],
      ["gasFees", { ...op, gasFees: packUint128Pair(2_000_000_000n, 20_000_000_000n) }],
      ["paymasterAndData", { ...op, paymasterAndData: "0x" + "22".repeat(52) }],
      ["signature", { ...op, signature: flipLastByte(op.signature) }],
    ];
    for (const [field, changed] of tampered) {
      // The EntryPoint hashes the op as received: the agent's signature no longer matches.
      expect(await validateAsEntryPoint(conn, fx, changed), field).to.equal(SIG_VALIDATION_FAILED);
    }
  });

  it("test_agentOp_signedForOneWallet_failsOnAnotherWalletTrustingTheSameKey", async function () {
    const fx = await networkHelpers.loadFixture(agentFixture);
    const key = fx.agentKey.address;
    const { wallet: twin, address: twinAddress } = await createWallet(
      ethers,
      fx.factory,
      fx.entryPoint,
      {
        owners: fx.owners,
        threshold: 2,
        salt: zeroPadValue("0x77", 32),
        setupData: [
          encodeWalletCall("addAgent", [key, 0, 0, defaultRules(ethers)]),
          encodeWalletCall("setAssetLimits", [key, ethers.ZeroAddress, defaultLimits(ethers)]),
          encodeWalletCall("allowRecipient", [key, fx.recipient.address]),
        ],
      },
    );
    expect((await twin.getAgent(key)).status).to.equal(1n);
    const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)]);
    const replayed = { ...op, sender: twinAddress };
    const ep = await ethers.getSigner(await fx.entryPoint.getAddress());
    await networkHelpers.impersonateAccount(await ep.getAddress());
    await networkHelpers.setBalance(await ep.getAddress(), ethers.parseEther("1"));
    // As the EntryPoint would call the twin: the op's hash covers the sender, so the signature fails there.
    expect(
      await twin
        .connect(ep)
        .validateUserOp.staticCall(replayed, await fx.entryPoint.getUserOpHash(replayed), 0n),
    ).to.equal(SIG_VALIDATION_FAILED);
    // Through the real EntryPoint the replay is refused before anything moves.
    const before = await ethers.provider.getBalance(fx.recipient.address);
    await expect(fx.entryPoint.handleOps([replayed], fx.bundler.address))
      .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
      .withArgs(0n, "AA24 signature error");
    expect(await ethers.provider.getBalance(fx.recipient.address)).to.equal(before);
    // Signed for the twin, the same key works there: the refusal was about the binding, not the key.
    const own = await agentOp({ ...fx, wallet: twin, address: twinAddress }, fx.agentKey, [
      pay(fx.recipient.address, 1n),
    ]);
    expect(await validateAsEntryPoint(conn, { ...fx, wallet: twin }, own)).to.equal(0n);
  });
});

const T = utc(2030, 7, 2, 10);
const approvalFixture = isolatedFixture(async function unlimitedApprovalFixture(c: Connection) {
  const world = await deployPolicyWorld(c);
  const tokens = await deployTokens(world);
  const token = await tokens.erc20.getAddress();
  const [perTxCapped, windowOnly] = world.agents;
  const spender = world.recipients[0];
  await addAgent(world, perTxCapped.address, {
    assets: [[token, limits({ perTx: 1_000n, daily: 5_000n })]],
    recipients: [spender],
  });
  await addAgent(world, windowOnly.address, {
    assets: [[token, limits({ monthly: 5_000n })]],
    recipients: [spender],
  });
  return { world, tokens, token, perTxCapped, windowOnly, spender };
});

describe("Unlimited approvals", function () {
  it("test_approve_unlimitedAmount_refusedByTheFirstCapItMeets_noAllowanceGranted", async function () {
    const { world, tokens, token, perTxCapped, windowOnly, spender } = await approvalFixture();
    await world.networkHelpers.time.increaseTo(T);
    for (const fn of ["approve", "increaseAllowance"]) {
      const call = tokenCall(token, fn, [spender, MaxUint256]);
      expectOpError(await sendAgentOp(world, perTxCapped, [call]), "PolicyPerTxLimitExceeded", [
        perTxCapped.address,
        token,
        MaxUint256,
        1_000n,
      ]);
      expectOpError(await sendAgentOp(world, windowOnly, [call]), "PolicyMonthlyLimitExceeded", [
        windowOnly.address,
        token,
        0n,
        MaxUint256,
        5_000n,
      ]);
    }
    expect(await tokens.erc20.allowance(world.address, spender)).to.equal(0n);
    // Just under 2^96 (the counters' width) is refused the same way: no amount escapes the caps.
    const big = tokenCall(token, "approve", [spender, BigInt(toBeHex(2n ** 96n - 1n))]);
    expectOpError(await sendAgentOp(world, windowOnly, [big]), "PolicyMonthlyLimitExceeded");
  });
});
