import { expect } from "chai";
import {
  type Connection,
  MAX_UINT,
  NATIVE,
  type PolicyWorld,
  addAgent,
  agentOp,
  deployPolicyWorld,
  deployTokens,
  expectOpError,
  expectSuccess,
  isolatedFixture,
  limits,
  nativePay,
  ownersRun,
  ownersSignedTx,
  selfCall,
  spentOf,
  tokenPay,
  utc,
  walletSpent,
} from "../helpers/policy.js";

// Monday 1 July 2030, 10:00 UTC: a month that starts on a Monday, so weeks 1-4 lie inside it.
const MON = utc(2030, 7, 1, 10);
const DAY = 86400n;
const NATIVE_LIMITS = limits({ perTx: 100n, daily: 250n, weekly: 600n, monthly: 1000n });
const TOKEN_LIMITS = limits({ perTx: 1_000n, daily: 2_500n, weekly: 6_000n, monthly: 10_000n });

const limitsFixture = isolatedFixture(async function limitsFixture(conn: Connection) {
  const world = await deployPolicyWorld(conn);
  const tokens = await deployTokens(world);
  const [a, b] = world.agents;
  const token = await tokens.erc20.getAddress();
  for (const agent of [a, b]) {
    await addAgent(world, agent.address, {
      assets: [
        [NATIVE, NATIVE_LIMITS],
        [token, TOKEN_LIMITS],
      ],
      recipients: world.recipients.slice(0, 2),
    });
  }
  return { world, tokens, token };
});

async function balance(world: PolicyWorld, who: string): Promise<bigint> {
  return world.ethers.provider.getBalance(who);
}

describe("Policy: spend limits at their boundaries", function () {
  describe("per-transaction cap", function () {
    it("test_perTx_exactlyAtCap_executes", async function () {
      const { world } = await limitsFixture();
      const [a] = world.agents;
      const r = world.recipients[0];
      const before = await balance(world, r);
      const res = await agentOp(world, a, [nativePay(r, 100n)], { at: MON });
      expectSuccess(res);
      expect(await balance(world, r)).to.equal(before + 100n);
      expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([100n, 100n, 100n]);
    });

    it("test_perTx_capPlusOneWei_reverts", async function () {
      const { world } = await limitsFixture();
      const [a] = world.agents;
      const r = world.recipients[0];
      const before = await balance(world, r);
      const res = await agentOp(world, a, [nativePay(r, 101n)], { at: MON });
      expectOpError(res, "PolicyPerTxLimitExceeded", [a.address, NATIVE, 101n, 100n]);
      expect(await balance(world, r)).to.equal(before);
      expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([0n, 0n, 0n]);
    });

    it("test_perTx_tokenExactlyAtCapAndPlusOne", async function () {
      const { world, tokens, token } = await limitsFixture();
      const [a] = world.agents;
      const r = world.recipients[0];
      expectSuccess(await agentOp(world, a, [tokenPay(token, r, 1_000n)], { at: MON }));
      const res = await agentOp(world, a, [tokenPay(token, r, 1_001n)], { at: MON + 1n });
      expectOpError(res, "PolicyPerTxLimitExceeded", [a.address, token, 1_001n, 1_000n]);
      expect(await tokens.erc20.balanceOf(r)).to.equal(1_000n);
      expect(await spentOf(world, a.address, token)).to.deep.equal([1_000n, 1_000n, 1_000n]);
    });
  });

  describe("daily cap", function () {
    it("test_daily_exactlyAtCap_executes_thenOneWeiMore_reverts", async function () {
      const { world } = await limitsFixture();
      const [a] = world.agents;
      const r = world.recipients[0];
      expectSuccess(await agentOp(world, a, [nativePay(r, 100n)], { at: MON }));
      expectSuccess(await agentOp(world, a, [nativePay(r, 100n)], { at: MON + 60n }));
      expectSuccess(await agentOp(world, a, [nativePay(r, 50n)], { at: MON + 120n }));
      expect((await spentOf(world, a.address, NATIVE))[0]).to.equal(250n);
      const res = await agentOp(world, a, [nativePay(r, 1n)], { at: MON + 180n });
      expectOpError(res, "PolicyDailyLimitExceeded", [a.address, NATIVE, 250n, 1n, 250n]);
      expect((await spentOf(world, a.address, NATIVE))[0]).to.equal(250n);
    });

    it("test_daily_splitPaymentsUnderPerTx_stoppedByDailyCap", async function () {
      const { world } = await limitsFixture();
      const [a] = world.agents;
      const r = world.recipients[0];
      const before = await balance(world, r);
      expectSuccess(await agentOp(world, a, [nativePay(r, 100n)], { at: MON }));
      expectSuccess(await agentOp(world, a, [nativePay(r, 100n)], { at: MON + 1n }));
      const res = await agentOp(world, a, [nativePay(r, 100n)], { at: MON + 2n });
      expectOpError(res, "PolicyDailyLimitExceeded", [a.address, NATIVE, 200n, 100n, 250n]);
      expect(await balance(world, r)).to.equal(before + 200n);
    });

    it("test_daily_batchCountsCumulatively_andRevertsWhole", async function () {
      const { world } = await limitsFixture();
      const [a] = world.agents;
      const [r0, r1] = world.recipients;
      const before = [await balance(world, r0), await balance(world, r1)];
      // Three calls each under the per-tx cap; together 300 > 250: the third call is refused, nothing moves.
      const res = await agentOp(
        world,
        a,
        [nativePay(r0, 100n), nativePay(r1, 100n), nativePay(r0, 100n)],
        {
          at: MON,
        },
      );
      expectOpError(res, "PolicyDailyLimitExceeded", [a.address, NATIVE, 200n, 100n, 250n]);
      expect([await balance(world, r0), await balance(world, r1)]).to.deep.equal(before);
      expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([0n, 0n, 0n]);
    });

    it("test_daily_batchExactlyAtCap_executesAndCountsEveryCall", async function () {
      const { world } = await limitsFixture();
      const [a] = world.agents;
      const [r0, r1] = world.recipients;
      const res = await agentOp(
        world,
        a,
        [nativePay(r0, 100n), nativePay(r1, 100n), nativePay(r0, 50n)],
        {
          at: MON,
        },
      );
      expectSuccess(res);
      const executed = res.walletEvents.filter((e) => e.name === "AgentCallExecuted");
      expect(executed.map((e) => e.args[3])).to.deep.equal([100n, 100n, 50n]);
      expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([250n, 250n, 250n]);
    });

    it("test_daily_tokenBatchPlusNativeCountSeparately", async function () {
      const { world, token } = await limitsFixture();
      const [a] = world.agents;
      const r = world.recipients[0];
      const res = await agentOp(
        world,
        a,
        [nativePay(r, 100n), tokenPay(token, r, 1_000n), tokenPay(token, r, 1_000n)],
        {
          at: MON,
        },
      );
      expectSuccess(res);
      expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([100n, 100n, 100n]);
      expect(await spentOf(world, a.address, token)).to.deep.equal([2_000n, 2_000n, 2_000n]);
      const over = await agentOp(world, a, [tokenPay(token, r, 501n)], { at: MON + 1n });
      expectOpError(over, "PolicyDailyLimitExceeded", [a.address, token, 2_000n, 501n, 2_500n]);
      expectSuccess(await agentOp(world, a, [tokenPay(token, r, 500n)], { at: MON + 2n }));
    });
  });

  describe("weekly and monthly caps", function () {
    it("test_weekly_exactlyAtCap_executes_thenOneWeiMore_reverts", async function () {
      const { world } = await limitsFixture();
      const [a] = world.agents;
      const r = world.recipients[0];
      // Monday 250, Tuesday 250, Wednesday 100: 600 = the weekly cap, each day under its own cap.
      for (const [d, amounts] of [
        [0n, [100n, 100n, 50n]],
        [1n, [100n, 100n, 50n]],
        [2n, [100n]],
      ] as [bigint, bigint[]][]) {
        for (const [i, v] of amounts.entries()) {
          expectSuccess(
            await agentOp(world, a, [nativePay(r, v)], { at: MON + d * DAY + BigInt(i) }),
          );
        }
      }
      expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([100n, 600n, 600n]);
      const res = await agentOp(world, a, [nativePay(r, 1n)], { at: MON + 2n * DAY + 10n });
      expectOpError(res, "PolicyWeeklyLimitExceeded", [a.address, NATIVE, 600n, 1n, 600n]);
    });

    it("test_monthly_exactlyAtCap_executes_thenOneWeiMore_reverts", async function () {
      const { world } = await limitsFixture();
      const [a] = world.agents;
      const r = world.recipients[0];
      // Week 1: 250 + 250 + 100 = 600. Week 2: 250 + 150 = 400. Month: 1000 = the monthly cap.
      const plan: [bigint, bigint][] = [
        [0n, 100n],
        [0n, 100n],
        [0n, 50n],
        [1n, 100n],
        [1n, 100n],
        [1n, 50n],
        [2n, 100n],
        [7n, 100n],
        [7n, 100n],
        [7n, 50n],
        [8n, 100n],
        [8n, 50n],
      ];
      for (const [i, [d, v]] of plan.entries()) {
        expectSuccess(
          await agentOp(world, a, [nativePay(r, v)], { at: MON + d * DAY + BigInt(i) }),
        );
      }
      expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([150n, 400n, 1000n]);
      const res = await agentOp(world, a, [nativePay(r, 1n)], { at: MON + 9n * DAY });
      expectOpError(res, "PolicyMonthlyLimitExceeded", [a.address, NATIVE, 1000n, 1n, 1000n]);
    });
  });

  describe("wallet-wide caps across agents", function () {
    async function withWalletCaps(world: PolicyWorld, caps: [bigint, bigint, bigint]) {
      await ownersRun(world, [selfCall(world, "setWalletCaps", [NATIVE, ...caps])]);
    }

    it("test_walletDaily_exactlyAtCap_executes_thenOneWeiMore_reverts", async function () {
      const { world } = await limitsFixture();
      await withWalletCaps(world, [400n, 700n, 900n]);
      const [a, b] = world.agents;
      const r = world.recipients[0];
      const plan: [typeof a, bigint][] = [
        [a, 100n],
        [a, 100n],
        [a, 50n],
        [b, 100n],
        [b, 50n],
      ];
      for (const [i, [agent, v]] of plan.entries()) {
        expectSuccess(await agentOp(world, agent, [nativePay(r, v)], { at: MON + BigInt(i) }));
      }
      expect(await walletSpent(world, NATIVE)).to.deep.equal([400n, 400n, 400n]);
      // b has 100 left of its own daily cap, but the wallet has none.
      const res = await agentOp(world, b, [nativePay(r, 1n)], { at: MON + 10n });
      expectOpError(res, "PolicyWalletDailyCapExceeded", [NATIVE, 400n, 1n, 400n]);
      expect(await spentOf(world, b.address, NATIVE)).to.deep.equal([150n, 150n, 150n]);
    });

    it("test_walletWeekly_exactlyAtCap_executes_thenOneWeiMore_reverts", async function () {
      const { world } = await limitsFixture();
      await withWalletCaps(world, [400n, 700n, 900n]);
      const b = world.agents[1];
      const r = world.recipients[0];
      const plan: [number, bigint, bigint][] = [
        [0, 0n, 100n],
        [0, 0n, 100n],
        [0, 0n, 50n],
        [1, 0n, 100n],
        [1, 0n, 50n], // Monday: 400
        [0, 1n, 100n],
        [0, 1n, 100n],
        [0, 1n, 50n],
        [1, 1n, 50n], // Tuesday: 300, week 700
      ];
      for (const [i, [who, d, v]] of plan.entries()) {
        expectSuccess(
          await agentOp(world, world.agents[who], [nativePay(r, v)], {
            at: MON + d * DAY + BigInt(i),
          }),
        );
      }
      expect(await walletSpent(world, NATIVE)).to.deep.equal([300n, 700n, 700n]);
      const res = await agentOp(world, b, [nativePay(r, 1n)], { at: MON + DAY + 100n });
      expectOpError(res, "PolicyWalletWeeklyCapExceeded", [NATIVE, 700n, 1n, 700n]);
    });

    it("test_walletMonthly_exactlyAtCap_executes_thenOneWeiMore_reverts", async function () {
      const { world } = await limitsFixture();
      await withWalletCaps(world, [400n, 700n, 900n]);
      const r = world.recipients[0];
      const plan: [number, bigint, bigint][] = [
        [0, 0n, 100n],
        [0, 0n, 100n],
        [0, 0n, 50n],
        [1, 0n, 100n],
        [1, 0n, 50n],
        [0, 1n, 100n],
        [0, 1n, 100n],
        [0, 1n, 50n],
        [1, 1n, 50n], // week 1: 700
        [0, 7n, 100n],
        [1, 7n, 100n], // week 2: 200, month 900
      ];
      for (const [i, [who, d, v]] of plan.entries()) {
        expectSuccess(
          await agentOp(world, world.agents[who], [nativePay(r, v)], {
            at: MON + d * DAY + BigInt(i),
          }),
        );
      }
      expect(await walletSpent(world, NATIVE)).to.deep.equal([200n, 200n, 900n]);
      const res = await agentOp(world, world.agents[0], [nativePay(r, 1n)], {
        at: MON + 7n * DAY + 100n,
      });
      expectOpError(res, "PolicyWalletMonthlyCapExceeded", [NATIVE, 900n, 1n, 900n]);
    });

    it("test_walletCaps_countOnlyWhileEnabled", async function () {
      const { world } = await limitsFixture();
      const [a] = world.agents;
      const r = world.recipients[0];
      expectSuccess(await agentOp(world, a, [nativePay(r, 100n)], { at: MON })); // no wallet caps yet
      await withWalletCaps(world, [150n, 0n, 0n]); // timelocked: enabled on Tuesday
      const tue = MON + DAY + 100n;
      expectSuccess(await agentOp(world, a, [nativePay(r, 100n)], { at: tue }));
      expectSuccess(await agentOp(world, a, [nativePay(r, 50n)], { at: tue + 1n }));
      expect(await walletSpent(world, NATIVE)).to.deep.equal([150n, 150n, 150n]);
      expectOpError(
        await agentOp(world, a, [nativePay(r, 1n)], { at: tue + 2n }),
        "PolicyWalletDailyCapExceeded",
        [NATIVE, 150n, 1n, 150n],
      );
      await withWalletCaps(world, [0n, 0n, 0n]); // disabled on Wednesday
      expectSuccess(await agentOp(world, a, [nativePay(r, 100n)], { at: MON + 2n * DAY + 200n }));
      const [enabled, , spent] = await world.wallet.walletCaps(NATIVE);
      expect(enabled).to.equal(false);
      expect(spent).to.deep.equal([0n, 150n, 150n]); // Wednesday's 100 is not counted wallet-wide
    });

    it("test_caps_atCounterMaximum_accepted_andReadBackWhole", async function () {
      // One slot counts all three windows in 80-bit counters, and one slot holds an asset's five limits as exact
      // decimal amounts (at most 13 significant digits, below 2^43 before the trailing zeros): the largest cap
      // both hold is 1,208,925,819,614 * 10^12, accepted whole (one above the counters' range is refused, for
      // each of the six caps: the next test).
      const { world, token } = await limitsFixture();
      const [a] = world.agents;
      const max = 1_208_925_819_614n * 10n ** 12n;
      expect(max).to.be.lessThanOrEqual(2n ** 80n - 1n);
      expect(max + 10n ** 12n).to.be.greaterThan(2n ** 80n - 1n);
      // Exactly the largest: accepted and read back whole.
      await ownersRun(world, [selfCall(world, "setWalletCaps", [NATIVE, max, max, max])]);
      const [enabled, caps] = await world.wallet.walletCaps(NATIVE);
      expect(enabled).to.equal(true);
      expect(caps).to.deep.equal([max, max, max]);
      await ownersRun(world, [
        selfCall(world, "setAssetLimits", [
          a.address,
          token,
          limits({ perTx: 1n, daily: max, weekly: max, monthly: max }),
        ]),
      ]);
      const [assetLimits, assetEnabled] = await world.wallet.getAssetLimits(a.address, token);
      expect(assetEnabled).to.equal(true);
      expect([assetLimits.daily, assetLimits.weekly, assetLimits.monthly]).to.deep.equal([
        max,
        max,
        max,
      ]);
    });

    it("test_limits_moreDigitsThanTheSlotHolds_refusedWithTheAmount_nothingChanged", async function () {
      // Each of the five agent limits and the three wallet-wide caps is packed exactly or refused, never
      // rounded: 8,796,093,022,208 (2^43) has one digit too many, 8,796,093,022,207 fits, and so does any
      // 12-digit amount with trailing zeros. A refused change leaves the old limits in force.
      const { world, token } = await limitsFixture();
      const [a] = world.agents;
      const [before] = await world.wallet.getAssetLimits(a.address, token);
      const [, capsBefore] = await world.wallet.walletCaps(token);
      const tooPrecise = 2n ** 43n;
      const failure = world.wallet.interface.encodeErrorResult("PolicyLimitTooPrecise", [
        tooPrecise,
      ]);
      const fields = ["perTx", "approvalAbove", "daily", "weekly", "monthly"] as const;
      for (const field of fields) {
        const l = {
          perTx: 10n ** 18n,
          approvalAbove: 0n,
          daily: 10n ** 20n,
          weekly: 0n,
          monthly: 0n,
        };
        l[field] = tooPrecise;
        await expect(
          ownersSignedTx(world, [selfCall(world, "setAssetLimits", [a.address, token, limits(l)])]),
          `agent ${field}`,
        )
          .to.be.revertedWithCustomError(world.wallet, "WalletCallFailed")
          .withArgs(0n, failure);
      }
      for (const window of [0, 1, 2]) {
        const caps = [0n, 0n, 0n];
        caps[window] = tooPrecise;
        await expect(
          ownersSignedTx(world, [selfCall(world, "setWalletCaps", [token, ...caps])]),
          `wallet cap ${window}`,
        )
          .to.be.revertedWithCustomError(world.wallet, "WalletCallFailed")
          .withArgs(0n, failure);
      }
      const [after] = await world.wallet.getAssetLimits(a.address, token);
      expect([...after]).to.deep.equal([...before]);
      const [, capsAfter] = await world.wallet.walletCaps(token);
      expect(capsAfter).to.deep.equal(capsBefore);
      // The exact neighbours are accepted and read back whole.
      const exact = {
        perTx: tooPrecise - 1n,
        approvalAbove: 123_456_789_012n * 10n ** 14n,
        daily: 999_999_999_999n * 10n ** 12n,
        weekly: 0n,
        monthly: 1_208_925_819_614n * 10n ** 12n,
      };
      await ownersRun(world, [
        selfCall(world, "setAssetLimits", [a.address, token, limits(exact)]),
      ]);
      const [read] = await world.wallet.getAssetLimits(a.address, token);
      expect([read.perTx, read.approvalAbove, read.daily, read.weekly, read.monthly]).to.deep.equal(
        [exact.perTx, exact.approvalAbove, exact.daily, exact.weekly, exact.monthly],
      );
    });

    it("test_caps_eachWindowAboveCounterRange_refused_agentAndWalletWide", async function () {
      // Every one of the six caps is checked, not only one: each window in turn is set one above the counters'
      // range with the other two at the maximum, through both timelocked setters.
      const { world, token } = await limitsFixture();
      const [a] = world.agents;
      const max = 2n ** 80n - 1n;
      const tooLarge = world.wallet.interface.encodeErrorResult("PolicyCapTooLarge", [
        max + 1n,
        max,
      ]);
      for (const window of [0, 1, 2]) {
        const caps = [max, max, max];
        caps[window] = max + 1n;
        const [daily, weekly, monthly] = caps;
        await expect(
          ownersSignedTx(world, [
            selfCall(world, "setAssetLimits", [
              a.address,
              token,
              limits({ perTx: 1n, daily, weekly, monthly }),
            ]),
          ]),
          `agent cap ${window}`,
        )
          .to.be.revertedWithCustomError(world.wallet, "WalletCallFailed")
          .withArgs(0n, tooLarge);
        await expect(
          ownersSignedTx(world, [
            selfCall(world, "setWalletCaps", [token, daily, weekly, monthly]),
          ]),
          `wallet cap ${window}`,
        )
          .to.be.revertedWithCustomError(world.wallet, "WalletCallFailed")
          .withArgs(0n, tooLarge);
      }
    });

    it("test_walletCaps_disabledAsset_notCountedUntilEnabled", async function () {
      const { world } = await limitsFixture();
      const [a] = world.agents;
      expectSuccess(await agentOp(world, a, [nativePay(world.recipients[0], 100n)], { at: MON }));
      const [enabled, caps, spent] = await world.wallet.walletCaps(NATIVE);
      expect(enabled).to.equal(false);
      expect(caps).to.deep.equal([0n, 0n, 0n]);
      expect(spent).to.deep.equal([0n, 0n, 0n]);
    });
  });

  describe("zero and dust amounts", function () {
    it("test_native_zeroAmountToAllowlisted_executesAndCountsNothing", async function () {
      const { world } = await limitsFixture();
      const [a] = world.agents;
      const res = await agentOp(world, a, [nativePay(world.recipients[0], 0n)], { at: MON });
      expectSuccess(res);
      const ev = res.walletEvents.find((e) => e.name === "AgentCallExecuted")!;
      expect(ev.args[3]).to.equal(0n);
      expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([0n, 0n, 0n]);
    });

    it("test_native_zeroAmountToStranger_reverts", async function () {
      const { world } = await limitsFixture();
      const [a] = world.agents;
      const stranger = world.recipients[3];
      const res = await agentOp(world, a, [nativePay(stranger, 0n)], { at: MON });
      expectOpError(res, "PolicyRecipientNotAllowed", [a.address, stranger]);
    });

    it("test_native_dustPaymentsCountEveryWei", async function () {
      const { world } = await limitsFixture();
      const [a] = world.agents;
      const r = world.recipients[0];
      const dust = Array.from({ length: 25 }, () => nativePay(r, 10n)); // 25 x 10 = 250: the daily cap
      expectSuccess(await agentOp(world, a, dust, { at: MON }));
      expect((await spentOf(world, a.address, NATIVE))[0]).to.equal(250n);
      const res = await agentOp(world, a, [nativePay(r, 1n)], { at: MON + 1n });
      expectOpError(res, "PolicyDailyLimitExceeded", [a.address, NATIVE, 250n, 1n, 250n]);
    });
  });

  describe("remaining()", function () {
    it("test_remaining_exactValuesAfterSpending", async function () {
      const { world } = await limitsFixture();
      const [a] = world.agents;
      expect(await world.wallet.remaining(a.address, NATIVE)).to.deep.equal([
        100n,
        250n,
        600n,
        1000n,
      ]);
      expectSuccess(await agentOp(world, a, [nativePay(world.recipients[0], 100n)], { at: MON }));
      expectSuccess(
        await agentOp(world, a, [nativePay(world.recipients[0], 70n)], { at: MON + 1n }),
      );
      // daily 250 - 170 = 80 caps the per-tx figure too.
      expect(await world.wallet.remaining(a.address, NATIVE)).to.deep.equal([80n, 80n, 430n, 830n]);
    });

    it("test_remaining_lowerOfAgentAndWalletCaps", async function () {
      const { world } = await limitsFixture();
      await ownersRun(world, [selfCall(world, "setWalletCaps", [NATIVE, 400n, 500n, 0n])]);
      const [a, b] = world.agents;
      const r = world.recipients[0];
      expectSuccess(await agentOp(world, a, [nativePay(r, 100n)], { at: MON }));
      expectSuccess(await agentOp(world, a, [nativePay(r, 100n)], { at: MON + 1n }));
      expectSuccess(await agentOp(world, a, [nativePay(r, 50n)], { at: MON + 2n }));
      expectSuccess(await agentOp(world, b, [nativePay(r, 100n)], { at: MON + 3n }));
      // b: own daily 150 left, wallet daily 50 left; own weekly 500, wallet weekly 150; monthly own 900 (wallet none).
      expect(await world.wallet.remaining(b.address, NATIVE)).to.deep.equal([50n, 50n, 150n, 900n]);
      expect(await world.wallet.remaining(a.address, NATIVE)).to.deep.equal([0n, 0n, 150n, 750n]);
    });

    it("test_remaining_uncappedIsMaxAndUnknownIsZero", async function () {
      const { world, token } = await limitsFixture();
      const [a, , c] = world.agents;
      await addAgent(world, c.address, { assets: [[token, limits({ monthly: 5n })]] });
      expect(await world.wallet.remaining(c.address, token)).to.deep.equal([5n, 5n, 5n, 5n]);
      await ownersRun(world, [
        selfCall(world, "setAssetLimits", [c.address, NATIVE, limits({ perTx: 7n })]),
      ]);
      expect(await world.wallet.remaining(c.address, NATIVE)).to.deep.equal([
        7n,
        MAX_UINT,
        MAX_UINT,
        MAX_UINT,
      ]);
      // An asset the agent has no limits for, and an unknown agent: nothing.
      expect(await world.wallet.remaining(a.address, world.recipients[3])).to.deep.equal([
        0n,
        0n,
        0n,
        0n,
      ]);
      expect(await world.wallet.remaining(world.recipients[3], NATIVE)).to.deep.equal([
        0n,
        0n,
        0n,
        0n,
      ]);
    });

    it("test_remaining_zeroForSuspendedAgent", async function () {
      const { world } = await limitsFixture();
      const [a] = world.agents;
      await (await world.wallet.connect(world.guardian).suspendAgent(a.address)).wait();
      expect(await world.wallet.remaining(a.address, NATIVE)).to.deep.equal([0n, 0n, 0n, 0n]);
    });
  });
});
