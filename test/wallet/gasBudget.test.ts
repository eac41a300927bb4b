/**
 * Issue 11, classes 1 and 3: the gas an agent's operations make the wallet pay is charged to a per-agent daily
 * budget in validation, and execution re-checks the key's validity an earlier op of the bundle may have changed.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { Wallet } from "ethers";
import { NATIVE, signAgentOp } from "../helpers/fixtures.js";
import {
  ADMIN_DELAY,
  addAgent,
  agentOp,
  applyLoosening,
  defaultRules,
  errorData,
  latest,
  ownerOp,
  pay,
  queuedFrom,
  self,
  signedExec,
  walletFixture,
} from "../helpers/wallet.js";
import type { Conn, WalletFx } from "../helpers/wallet.js";

const conn: Conn = await network.create();
const { ethers, networkHelpers } = conn;

const GAS_PER_DAY = ethers.parseEther("0.3");
/** 1_000_000 gas at 100 gwei: exactly the agent's 0.1 ETH maxOpCost, almost all of it preVerificationGas. */
const GREEDY = {
  verification: 100_000n,
  call: 100_000n,
  preVerification: 800_000n,
  maxFee: 100_000_000_000n,
  priorityFee: 100_000_000_000n,
};
const OP_COST = 1_000_000n * 100_000_000_000n;

/** An agent with no native allowance at all: one allowlisted recipient it may send zero-value payments to. */
async function greedyAgentFixture(c: Conn) {
  const fx = await walletFixture(c);
  const rules = { ...defaultRules(c.ethers), gasPerDay: GAS_PER_DAY };
  await applyLoosening(c, fx, [
    self(fx, "addAgent", [fx.agentKey.address, 0n, 0n, rules]),
    self(fx, "allowRecipient", [fx.agentKey.address, fx.recipient.address]),
  ]);
  // The stolen key is also its own bundler: it sends handleOps itself and is the beneficiary.
  const thief = fx.agentKey.connect(c.ethers.provider) as Wallet;
  await c.networkHelpers.setBalance(thief.address, c.ethers.parseEther("10"));
  return { ...fx, thief, rules };
}

const loadGreedy = () => networkHelpers.loadFixture(greedyAgentFixture);

/** The wallet's ETH plus its EntryPoint deposit: what gas can drain. */
const funds = async (fx: WalletFx) =>
  (await ethers.provider.getBalance(fx.address)) + (await fx.entryPoint.balanceOf(fx.address));

/** Sends one greedy zero-value op through the thief's own handleOps; returns whether validation let it in. */
async function greedyOp(fx: Awaited<ReturnType<typeof greedyAgentFixture>>): Promise<boolean> {
  const op = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 0n)], GREEDY);
  try {
    await (await fx.entryPoint.connect(fx.thief).handleOps([op], fx.thief.address)).wait();
    return true;
  } catch (e) {
    expect(String(e)).to.contain("AA24 signature error");
    return false;
  }
}

/** `n` greedy zero-value ops with consecutive nonces in ONE handleOps the thief sends; whether validation let
 * them in (one op over the budget fails the whole bundle). */
async function greedyBundle(
  fx: Awaited<ReturnType<typeof greedyAgentFixture>>,
  n: number,
): Promise<boolean> {
  const first = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 0n)], GREEDY);
  const ops = [first];
  for (let i = 1; i < n; i++) {
    const next = { ...first, nonce: first.nonce + BigInt(i), signature: "0x" };
    ops.push(await signAgentOp(fx.entryPoint, next, fx.agentKey));
  }
  try {
    await (await fx.entryPoint.connect(fx.thief).handleOps(ops, fx.thief.address)).wait();
    return true;
  } catch (e) {
    expect(String(e)).to.contain("AA24 signature error");
    return false;
  }
}

describe("gas budget: a stolen agent key acting as its own bundler (class 1)", function () {
  it("test_handleOps_selfBundlingAgent_lossBoundedByGasBudget", async function () {
    const fx = await loadGreedy();
    const before = await funds(fx);
    const promised = await fx.wallet.maxLoss(fx.agentKey.address, NATIVE);
    // A new agent's budget refills on its first executed op: the first local day can see the initial
    // budget and one refill.
    expect(promised).to.equal(2n * GAS_PER_DAY);
    let accepted = 0;
    for (let i = 0; i < 12; i++) if (await greedyOp(fx)) accepted++;
    const loss = before - (await funds(fx));
    expect(loss > 0n).to.equal(true);
    expect(loss <= promised, `loss ${loss} above maxLoss ${promised}`).to.equal(true);
    // One op reserved before the refill, then GAS_PER_DAY / OP_COST more: the rest failed validation.
    expect(accepted).to.equal(1 + Number(GAS_PER_DAY / OP_COST));
    expect(await fx.wallet.maxLoss(fx.agentKey.address, NATIVE)).to.equal(0n);
  });

  it("test_validateUserOp_gasBudgetExhausted_failsUntilNextLocalDay", async function () {
    const fx = await loadGreedy();
    while (await greedyOp(fx));
    expect(await greedyOp(fx)).to.equal(false);
    // The next local day: the budget refills on the first executed op, which needs a validated op, so
    // anyone may start the new day for the agent (it does only what that op's execution would do).
    await networkHelpers.time.increase(86_400);
    expect(await fx.wallet.maxLoss(fx.agentKey.address, NATIVE)).to.equal(GAS_PER_DAY);
    expect(await greedyOp(fx)).to.equal(false);
    const [, pendingBefore] = await fx.wallet.gasBudget(fx.agentKey.address);
    expect(pendingBefore).to.equal(true);
    const receipt = await (
      await fx.wallet.connect(fx.stranger).startAgentDay(fx.agentKey.address)
    ).wait();
    const started = receipt!.logs
      .map((l) => fx.wallet.interface.parseLog(l))
      .find((e) => e?.name === "AgentDayStarted");
    expect([started!.args.agent, started!.args.by]).to.deep.equal([
      fx.agentKey.address,
      fx.stranger.address,
    ]);
    expect(await fx.wallet.gasBudget(fx.agentKey.address)).to.deep.equal([0n, false]);
    expect(await fx.wallet.maxLoss(fx.agentKey.address, NATIVE)).to.equal(GAS_PER_DAY);
    let accepted = 0;
    while (await greedyOp(fx)) accepted++;
    expect(accepted).to.equal(Number(GAS_PER_DAY / OP_COST));
  });

  it("test_startAgentDay_sameDay_changesNothing", async function () {
    const fx = await loadGreedy();
    expect(await greedyOp(fx)).to.equal(true);
    expect(await greedyOp(fx)).to.equal(true);
    const [spentBefore] = await fx.wallet.gasBudget(fx.agentKey.address);
    expect(spentBefore).to.equal(OP_COST);
    await expect(fx.wallet.connect(fx.stranger).startAgentDay(fx.agentKey.address)).not.to.emit(
      fx.wallet,
      "AgentDayStarted",
    );
    const [spentAfter, refillPending] = await fx.wallet.gasBudget(fx.agentKey.address);
    expect([spentAfter, refillPending]).to.deep.equal([OP_COST, false]);
  });

  it("test_startAgentDay_unknownAgent_reverts", async function () {
    const fx = await loadGreedy();
    await expect(fx.wallet.startAgentDay(fx.outsider.address))
      .to.be.revertedWithCustomError(fx.wallet, "AgentNotFound")
      .withArgs(fx.outsider.address);
  });

  it("test_validateUserOp_revertingOpsChargedToo", async function () {
    const fx = await loadGreedy();
    const before = await funds(fx);
    let accepted = 0;
    for (let i = 0; i < 8; i++) {
      // Refused in execution (recipient not allowlisted): the gas is paid all the same, and counted.
      const op = await agentOp(fx, fx.agentKey, [pay(fx.outsider.address, 0n)], GREEDY);
      try {
        await (await fx.entryPoint.connect(fx.thief).handleOps([op], fx.thief.address)).wait();
        accepted++;
      } catch (e) {
        expect(String(e)).to.contain("AA24 signature error");
      }
    }
    // No op executed, so no refill: exactly the initial budget's worth of ops got in.
    expect(accepted).to.equal(Number(GAS_PER_DAY / OP_COST));
    expect(before - (await funds(fx)) <= GAS_PER_DAY).to.equal(true);
  });

  it("test_validateUserOp_unboundedGasBudget_onlyWhenExplicit", async function () {
    const fx = await loadGreedy();
    await applyLoosening(conn, fx, [
      self(fx, "setAgentRules", [
        fx.agentKey.address,
        0n,
        0n,
        { ...fx.rules, gasPerDay: 2n ** 64n - 1n },
      ]),
    ]);
    expect(await fx.wallet.maxLoss(fx.agentKey.address, NATIVE)).to.equal(2n ** 256n - 1n);
    for (let i = 0; i < 5; i++) expect(await greedyOp(fx)).to.equal(true);
  });

  it("test_addAgent_gasPerDayBelowMaxOpCost_reverts", async function () {
    const fx = await loadGreedy();
    const base = defaultRules(ethers);
    for (const gasPerDay of [0n, base.maxOpCost - 1n]) {
      await expect(
        applyLoosening(conn, fx, [
          self(fx, "addAgent", [fx.agentKey2.address, 0n, 0n, { ...base, gasPerDay }]),
        ]),
      )
        .to.be.revertedWithCustomError(fx.wallet, "WalletCallFailed")
        .withArgs(0n, errorData("AgentInvalidRules()"));
    }
  });

  it("test_setAgentRules_raisingGasPerDay_waitsTheAdminDelay", async function () {
    const fx = await loadGreedy();
    const raise = self(fx, "setAgentRules", [
      fx.agentKey.address,
      0n,
      0n,
      { ...fx.rules, gasPerDay: GAS_PER_DAY + 1n },
    ]);
    expect(await fx.wallet.requiredDelay.staticCall([raise])).to.equal(ADMIN_DELAY);
    // Signed by the owners it is queued, not run: the budget the key can burn stays as it was.
    const { id } = await queuedFrom(fx, await signedExec(conn, fx, [raise]));
    expect((await fx.wallet.getProposal(id))[5]).to.equal(ADMIN_DELAY);
    expect((await fx.wallet.getAgent(fx.agentKey.address))[4].gasPerDay).to.equal(GAS_PER_DAY);
  });

  it("test_setAgentRules_lowerGasPerDay_bindsAtOnce", async function () {
    const fx = await loadGreedy();
    expect(await greedyOp(fx)).to.equal(true); // refills: spent 0
    expect(await greedyOp(fx)).to.equal(true); // spent 0.1
    await (
      await signedExec(conn, fx, [
        self(fx, "setAgentRules", [
          fx.agentKey.address,
          0n,
          0n,
          { ...fx.rules, gasPerDay: OP_COST },
        ]),
      ])
    ).wait();
    expect(await fx.wallet.maxLoss(fx.agentKey.address, NATIVE)).to.equal(0n);
    expect(await greedyOp(fx)).to.equal(false);
  });

  // An attacker review (2026-12-04) probed the refill: a bundle validated on the day's leftover budget and run
  // after midnight has its charges wiped by the refill its first execution makes. The bound still holds exactly.
  it("test_handleOps_newDayBundleValidatedOnYesterdaysBudget_lossExactlyMaxLoss", async function () {
    const fx = await loadGreedy();
    // Day 0: one op (refills on execution), then one more: 0.1 of 0.3 spent, 0.2 left.
    expect(await greedyBundle(fx, 1)).to.equal(true);
    expect(await greedyBundle(fx, 1)).to.equal(true);
    expect((await fx.wallet.gasBudget(fx.agentKey.address))[0]).to.equal(OP_COST);
    const now = BigInt(await networkHelpers.time.latest());
    await networkHelpers.time.increaseTo(now - (now % 86_400n) + 86_400n + 60n);
    const promised = await fx.wallet.maxLoss(fx.agentKey.address, NATIVE);
    expect(promised).to.equal(2n * OP_COST + GAS_PER_DAY); // 0.2 left + one refill
    const before = await funds(fx);
    // Validated on the stale budget: three ops in one bundle exceed it (0.1 + 0.3 > 0.3), two fit.
    expect(await greedyBundle(fx, 3)).to.equal(false);
    expect(await greedyBundle(fx, 2)).to.equal(true);
    // The first execution refilled: both charges of that bundle are gone...
    expect((await fx.wallet.gasBudget(fx.agentKey.address))[0]).to.equal(0n);
    let accepted = 2;
    while (await greedyBundle(fx, 1)) accepted++;
    // ...and still the thief got exactly what maxLoss promised, no more.
    expect(BigInt(accepted) * OP_COST).to.equal(promised);
    const loss = before - (await funds(fx));
    expect(loss <= promised, `loss ${loss} > maxLoss ${promised}`).to.equal(true);
  });
});

describe("execution re-checks what validation checked (class 3)", function () {
  async function payingAgentFixture(c: Conn) {
    const fx = await walletFixture(c);
    await addAgent(c, fx);
    return fx;
  }

  async function bundle(fx: WalletFx, ownerCalls: Parameters<typeof ownerOp>[1]) {
    const owners = await ownerOp(fx, ownerCalls);
    const agent = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1000n)]);
    const before = await ethers.provider.getBalance(fx.recipient.address);
    const receipt = await (
      await fx.entryPoint.connect(fx.bundler).handleOps([owners, agent], fx.bundler.address)
    ).wait();
    const events = receipt!.logs
      .map((l) => {
        try {
          return fx.entryPoint.interface.parseLog(l);
        } catch {
          return null;
        }
      })
      .filter((e) => e?.name === "UserOperationEvent" || e?.name === "UserOperationRevertReason");
    const success = events
      .filter((e) => e!.name === "UserOperationEvent")
      .map((e) => e!.args.success);
    const reason = events.find((e) => e!.name === "UserOperationRevertReason")?.args.revertReason;
    const paid = (await ethers.provider.getBalance(fx.recipient.address)) - before;
    return { success, reason: reason as string | undefined, paid };
  }

  it("test_executeUserOp_validAfterMovedIntoFutureEarlierInBundle_refused", async function () {
    const fx = await networkHelpers.loadFixture(payingAgentFixture);
    const future = (await latest(conn)) + 86_400n;
    const res = await bundle(fx, [
      self(fx, "setAgentRules", [fx.agentKey.address, future, 0n, defaultRules(ethers)]),
    ]);
    expect(res.success).to.deep.equal([true, false]);
    expect(res.paid).to.equal(0n);
    const err = fx.wallet.interface.parseError(res.reason!);
    expect(err?.name).to.equal("AgentInvalidValidity");
    expect(err?.args.map((a: bigint) => a)).to.deep.equal([future, 0n]);
  });

  it("test_executeUserOp_validUntilEndedEarlierInBundle_refused", async function () {
    const fx = await networkHelpers.loadFixture(payingAgentFixture);
    const now = await latest(conn);
    // The owners end the key's validity one second after the bundle's block.
    const until = now + 2n;
    const res = await bundle(fx, [
      self(fx, "setAgentRules", [fx.agentKey.address, 0n, until, defaultRules(ethers)]),
    ]);
    // Same block: still valid (the EntryPoint's rule too), so it runs.
    expect(res.success).to.deep.equal([true, true]);
    await networkHelpers.time.increase(10);
    const late = await agentOp(fx, fx.agentKey, [pay(fx.recipient.address, 1n)]);
    await expect(fx.entryPoint.handleOps([late], fx.bundler.address))
      .to.be.revertedWithCustomError(fx.entryPoint, "FailedOp")
      .withArgs(0n, "AA22 expired or not due");
  });

  it("test_executeUserOp_revokedEarlierInBundle_refused", async function () {
    const fx = await networkHelpers.loadFixture(payingAgentFixture);
    const res = await bundle(fx, [self(fx, "revokeAgent", [fx.agentKey.address])]);
    expect(res.success).to.deep.equal([true, false]);
    expect(res.paid).to.equal(0n);
    expect(fx.wallet.interface.parseError(res.reason!)?.name).to.equal("AgentInvalidStatus");
  });
});
