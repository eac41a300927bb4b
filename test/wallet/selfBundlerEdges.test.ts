/**
 * A stolen agent key acting as its own bundler, at two edges an attacker review (2026-12-04) probed: a bundle
 * validated against yesterday's gas budget and run after midnight, and an escalation the owners approved.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { parseEther } from "ethers";
import type { Wallet } from "ethers";
import { NATIVE, signAgentOp } from "../helpers/fixtures.js";
import { agentOp, applyLoosening, defaultRules, self, walletFixture } from "../helpers/wallet.js";
import type { Conn, WalletFx } from "../helpers/wallet.js";
import {
  addAgent as addPolicyAgent,
  agentOp as policyAgentOp,
  deployPolicyWorld,
  expectOpError,
  isolatedFixture,
  limits,
  nativePay,
  rules,
  utc,
} from "../helpers/policy.js";
import type { Connection } from "../helpers/policy.js";

const conn: Conn = await network.create();
const { ethers, networkHelpers } = conn;

const GAS_PER_DAY = ethers.parseEther("0.3");
const GREEDY = {
  verification: 100_000n,
  call: 100_000n,
  preVerification: 800_000n,
  maxFee: 100_000_000_000n,
  priorityFee: 100_000_000_000n,
};
const OP_COST = 1_000_000n * 100_000_000_000n; // 0.1 ETH = maxOpCost

async function greedyFixture(c: Conn) {
  const fx = await walletFixture(c);
  const rules = { ...defaultRules(c.ethers), gasPerDay: GAS_PER_DAY };
  await applyLoosening(c, fx, [
    self(fx, "addAgent", [fx.agentKey.address, 0n, 0n, rules]),
    self(fx, "allowRecipient", [fx.agentKey.address, fx.recipient.address]),
  ]);
  const thief = fx.agentKey.connect(c.ethers.provider) as Wallet;
  await c.networkHelpers.setBalance(thief.address, c.ethers.parseEther("10"));
  return { ...fx, thief };
}
type Fx = Awaited<ReturnType<typeof greedyFixture>>;

const funds = async (fx: WalletFx) =>
  (await ethers.provider.getBalance(fx.address)) + (await fx.entryPoint.balanceOf(fx.address));

/** `n` greedy zero-value ops with consecutive nonces, all in ONE handleOps sent by the thief. */
async function bundle(fx: Fx, n: number): Promise<boolean> {
  const first = await agentOp(
    fx,
    fx.agentKey,
    [{ target: fx.recipient.address, value: 0n, data: "0x" }],
    GREEDY,
  );
  const ops = [first];
  for (let i = 1; i < n; i++)
    ops.push(
      await signAgentOp(
        fx.entryPoint,
        { ...first, nonce: first.nonce + BigInt(i), signature: "0x" },
        fx.agentKey,
      ),
    );
  try {
    await (await fx.entryPoint.connect(fx.thief).handleOps(ops, fx.thief.address)).wait();
    return true;
  } catch (e) {
    expect(String(e)).to.contain("AA24 signature error");
    return false;
  }
}

async function nextLocalMidnight() {
  const now = BigInt(await networkHelpers.time.latest());
  await networkHelpers.time.increaseTo(now - (now % 86_400n) + 86_400n + 60n);
}

describe("self-bundler: the daily gas budget's refill", function () {
  it("test_handleOps_newDayBundleValidatedOnYesterdaysBudget_lossExactlyMaxLoss", async function () {
    const fx = await networkHelpers.loadFixture(greedyFixture);
    // Day 0: one op (refills on execution), then one more: 0.1 of 0.3 spent, 0.2 left.
    expect(await bundle(fx, 1)).to.equal(true);
    expect(await bundle(fx, 1)).to.equal(true);
    expect((await fx.wallet.gasBudget(fx.agentKey.address))[0]).to.equal(OP_COST);
    await nextLocalMidnight();
    const promised = await fx.wallet.maxLoss(fx.agentKey.address, NATIVE);
    expect(promised).to.equal(2n * OP_COST + GAS_PER_DAY); // 0.2 left + a refill
    const before = await funds(fx);
    // Stale budget: three ops in one bundle exceed it (0.1 + 0.3 > 0.3), two fit.
    expect(await bundle(fx, 3)).to.equal(false);
    expect(await bundle(fx, 2)).to.equal(true);
    // The first execution refilled: both charges of this bundle are gone.
    expect((await fx.wallet.gasBudget(fx.agentKey.address))[0]).to.equal(0n);
    let accepted = 2;
    while (await bundle(fx, 1)) accepted++;
    const loss = before - (await funds(fx));
    expect(BigInt(accepted) * OP_COST).to.equal(promised); // exactly what maxLoss promised, no more
    expect(loss <= promised, `loss ${loss} > maxLoss ${promised}`).to.equal(true);
  });
});

const T = utc(2030, 7, 2, 10); // a Tuesday, 10:00 UTC (offset 0)
const escalationWorld = isolatedFixture(async function escalationWorld(c: Connection) {
  const world = await deployPolicyWorld(c);
  const [a] = world.agents;
  const r0 = world.recipients[0];
  await addPolicyAgent(world, a.address, {
    // Business rules: only the 10:00 hour, one op per day.
    rules: rules({ allowedHours: 1 << 10, maxOpsPerDay: 1 }),
    assets: [[NATIVE, limits({ perTx: 1_000n, approvalAbove: 100n, daily: 1_500n })]],
    recipients: [r0],
  });
  for (const o of world.owners) await world.networkHelpers.setBalance(o.address, parseEther("1"));
  return { world, a, r0 };
});

describe("self-bundler: an approved escalation", function () {
  it("test_execute_approvedEscalation_runsOutsideTheAgentsHoursAndVelocity_withinItsCaps", async function () {
    const { world, a, r0 } = await escalationWorld();
    // 10:00: the agent's one op of the day escalates a 150 payment plus 14 small ones riding along.
    const calls = [nativePay(r0, 150n), ...Array.from({ length: 14 }, () => nativePay(r0, 10n))];
    const res = await policyAgentOp(world, a, calls, { at: T });
    const id = res.walletEvents.find((e) => e.name === "ApprovalRequested")!.args[0] as bigint;
    for (const i of [0, 1])
      await (
        await world.wallet.connect(world.owners[i].connect(world.ethers.provider)).approve(id)
      ).wait();
    // 23:00 same day: the agent's own ops are refused by the hour mask...
    const own = await policyAgentOp(world, a, [nativePay(r0, 1n)], { at: T + 13n * 3600n });
    expectOpError(own, "PolicyOutsideAllowedHours");
    // ...but anyone (the thief too) may run the owners' decision now: the hour mask and the velocity limits pace
    // the agent's own operations, not an approved escalation (AgentWallet.execute; THREAT_MODEL T-6). Its caps
    // still hold: the same payments above the daily cap would be refused (escalation.test.ts).
    const before = await world.ethers.provider.getBalance(r0);
    await (await world.wallet.connect(world.stranger).execute(id)).wait();
    expect((await world.ethers.provider.getBalance(r0)) - before).to.equal(150n + 14n * 10n);
  });
});
