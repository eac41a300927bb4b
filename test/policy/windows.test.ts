import { expect } from "chai";
import {
  type Connection,
  NATIVE,
  type PolicyWorld,
  addAgent,
  agentOp,
  deployPolicyWorld,
  expectOpError,
  expectSuccess,
  isolatedFixture,
  limits,
  nativePay,
  rules,
  spentOf,
  utc,
} from "../helpers/policy.js";

const HOUR = 3600n;
const DAY = 86400n;

/** One agent per rule set, each allowlisted to pay recipients[0] natively. */
async function windowsFixture(conn: Connection, utcOffset = 0) {
  const world = await deployPolicyWorld(conn, { utcOffset });
  const [dailyAgent, weeklyAgent, monthlyAgent] = world.agents;
  const r = world.recipients.slice(0, 1);
  await addAgent(world, dailyAgent.address, {
    assets: [[NATIVE, limits({ daily: 100n })]],
    recipients: r,
  });
  await addAgent(world, weeklyAgent.address, {
    assets: [[NATIVE, limits({ weekly: 100n })]],
    recipients: r,
  });
  await addAgent(world, monthlyAgent.address, {
    assets: [[NATIVE, limits({ monthly: 100n })]],
    recipients: r,
  });
  return { world, dailyAgent, weeklyAgent, monthlyAgent, r: r[0] };
}

const utcFixture = isolatedFixture((conn) => windowsFixture(conn, 0));
const plusTwoFixture = isolatedFixture((conn) => windowsFixture(conn, 2 * 3600));
const minusFiveFixture = isolatedFixture((conn) => windowsFixture(conn, -5 * 3600));

/** Fills the agent's window (100) just before `edge`, then checks `edge - 1` is refused and `edge` is a new window. */
async function expectWindowRollsAt(
  world: PolicyWorld,
  agent: PolicyWorld["agents"][number],
  r: string,
  edge: bigint,
  error: string,
) {
  expectSuccess(await agentOp(world, agent, [nativePay(r, 100n)], { at: edge - 2n }));
  const last = await agentOp(world, agent, [nativePay(r, 1n)], { at: edge - 1n });
  expectOpError(last, error, [agent.address, NATIVE, 100n, 1n, 100n]);
  const first = await agentOp(world, agent, [nativePay(r, 100n)], { at: edge });
  expectSuccess(first);
}

describe("Policy: calendar windows, time masks and velocity", function () {
  describe("window roll-over (UTC wallet)", function () {
    it("test_daily_lastSecondOfDayRefused_firstSecondOfNextDayFresh", async function () {
      const { world, dailyAgent, r } = await utcFixture();
      await expectWindowRollsAt(world, dailyAgent, r, utc(2030, 7, 3), "PolicyDailyLimitExceeded");
      expect(await spentOf(world, dailyAgent.address, NATIVE)).to.deep.equal([100n, 200n, 200n]);
    });

    it("test_weekly_sundayLastSecondRefused_mondayMidnightFresh", async function () {
      const { world, weeklyAgent, r } = await utcFixture();
      // Sunday 7 July 2030 23:59:59 -> Monday 8 July 00:00:00 (ISO week starts on Monday).
      await expectWindowRollsAt(
        world,
        weeklyAgent,
        r,
        utc(2030, 7, 8),
        "PolicyWeeklyLimitExceeded",
      );
    });

    it("test_weekly_saturdayToSunday_sameIsoWeek", async function () {
      const { world, weeklyAgent, r } = await utcFixture();
      expectSuccess(
        await agentOp(world, weeklyAgent, [nativePay(r, 100n)], {
          at: utc(2030, 7, 6, 23, 59, 59),
        }),
      );
      const sunday = await agentOp(world, weeklyAgent, [nativePay(r, 1n)], { at: utc(2030, 7, 7) });
      expectOpError(sunday, "PolicyWeeklyLimitExceeded", [
        weeklyAgent.address,
        NATIVE,
        100n,
        1n,
        100n,
      ]);
    });

    it("test_weekly_isoWeekSpansMonthAndYearEnd", async function () {
      const { world, weeklyAgent, monthlyAgent, r } = await utcFixture();
      // Monday 30 Dec 2030 .. Sunday 5 Jan 2031 is one ISO week; the month (and year) changes inside it.
      expectSuccess(
        await agentOp(world, weeklyAgent, [nativePay(r, 100n)], { at: utc(2030, 12, 30, 12) }),
      );
      await expectWindowRollsAt(
        world,
        monthlyAgent,
        r,
        utc(2031, 1, 1),
        "PolicyMonthlyLimitExceeded",
      );
      const jan = await agentOp(world, weeklyAgent, [nativePay(r, 1n)], {
        at: utc(2031, 1, 1, 12),
      });
      expectOpError(jan, "PolicyWeeklyLimitExceeded", [
        weeklyAgent.address,
        NATIVE,
        100n,
        1n,
        100n,
      ]);
    });

    it("test_monthly_feb28NonLeapYear_rollsToMarch1", async function () {
      const { world, monthlyAgent, r } = await utcFixture();
      await expectWindowRollsAt(
        world,
        monthlyAgent,
        r,
        utc(2027, 3, 1),
        "PolicyMonthlyLimitExceeded",
      );
    });

    it("test_monthly_feb28LeapYear_feb29StillFebruary", async function () {
      const { world, monthlyAgent, r } = await utcFixture();
      expectSuccess(
        await agentOp(world, monthlyAgent, [nativePay(r, 100n)], {
          at: utc(2028, 2, 28, 23, 59, 59),
        }),
      );
      const leapDay = await agentOp(world, monthlyAgent, [nativePay(r, 1n)], {
        at: utc(2028, 2, 29),
      });
      expectOpError(leapDay, "PolicyMonthlyLimitExceeded", [
        monthlyAgent.address,
        NATIVE,
        100n,
        1n,
        100n,
      ]);
      const leapDayEnd = await agentOp(world, monthlyAgent, [nativePay(r, 1n)], {
        at: utc(2028, 2, 29, 23, 59, 59),
      });
      expectOpError(leapDayEnd, "PolicyMonthlyLimitExceeded", [
        monthlyAgent.address,
        NATIVE,
        100n,
        1n,
        100n,
      ]);
      expectSuccess(
        await agentOp(world, monthlyAgent, [nativePay(r, 100n)], { at: utc(2028, 3, 1) }),
      );
    });

    it("test_monthly_centuryNonLeap2100_rollsFeb28ToMarch1", async function () {
      const { world, monthlyAgent, r } = await utcFixture();
      await expectWindowRollsAt(
        world,
        monthlyAgent,
        r,
        utc(2100, 3, 1),
        "PolicyMonthlyLimitExceeded",
      );
    });

    it("test_monthly_decemberToJanuary", async function () {
      const { world, monthlyAgent, r } = await utcFixture();
      await expectWindowRollsAt(
        world,
        monthlyAgent,
        r,
        utc(2031, 1, 1),
        "PolicyMonthlyLimitExceeded",
      );
    });

    it("test_monthly_thirtyDayMonthEnd", async function () {
      const { world, monthlyAgent, r } = await utcFixture();
      await expectWindowRollsAt(
        world,
        monthlyAgent,
        r,
        utc(2030, 5, 1),
        "PolicyMonthlyLimitExceeded",
      );
    });

    it("test_windows_stalePeriodCountsZero_afterLongGap", async function () {
      const { world, dailyAgent, weeklyAgent, monthlyAgent, r } = await utcFixture();
      for (const [i, a] of [dailyAgent, weeklyAgent, monthlyAgent].entries()) {
        expectSuccess(
          await agentOp(world, a, [nativePay(r, 100n)], { at: utc(2030, 7, 1) + BigInt(i) }),
        );
      }
      // The same day-of-month a year later: every stored index is stale, every window is fresh.
      await world.networkHelpers.time.increaseTo(utc(2031, 7, 1, 1));
      for (const a of [dailyAgent, weeklyAgent, monthlyAgent]) {
        expect(await spentOf(world, a.address, NATIVE)).to.deep.equal([0n, 0n, 0n]);
      }
    });
  });

  describe("non-zero UTC offset shifts the windows", function () {
    it("test_daily_plusTwoHours_dayRollsAt2200Utc", async function () {
      const { world, dailyAgent, r } = await plusTwoFixture();
      expect(await world.wallet.utcOffset()).to.equal(7200n);
      await expectWindowRollsAt(
        world,
        dailyAgent,
        r,
        utc(2030, 7, 2, 22),
        "PolicyDailyLimitExceeded",
      );
    });

    it("test_weekly_plusTwoHours_weekRollsSunday2200Utc", async function () {
      const { world, weeklyAgent, r } = await plusTwoFixture();
      await expectWindowRollsAt(
        world,
        weeklyAgent,
        r,
        utc(2030, 7, 7, 22),
        "PolicyWeeklyLimitExceeded",
      );
    });

    it("test_monthly_minusFiveHours_monthRollsAt0500Utc", async function () {
      const { world, monthlyAgent, r } = await minusFiveFixture();
      expect(await world.wallet.utcOffset()).to.equal(-18000n);
      await expectWindowRollsAt(
        world,
        monthlyAgent,
        r,
        utc(2031, 1, 1, 5),
        "PolicyMonthlyLimitExceeded",
      );
    });

    it("test_daily_plusTwoHours_utcMidnightIsNotABoundary", async function () {
      const { world, dailyAgent, r } = await plusTwoFixture();
      expectSuccess(
        await agentOp(world, dailyAgent, [nativePay(r, 100n)], { at: utc(2030, 7, 2, 23, 59, 59) }),
      );
      const res = await agentOp(world, dailyAgent, [nativePay(r, 1n)], { at: utc(2030, 7, 3) });
      expectOpError(res, "PolicyDailyLimitExceeded", [dailyAgent.address, NATIVE, 100n, 1n, 100n]);
    });
  });

  describe("allowed hours and days", function () {
    const maskFixture = isolatedFixture(async function (conn: Connection) {
      const world = await deployPolicyWorld(conn);
      const [office, lateOnly, midnightOnly, weekdays] = world.agents;
      const r = world.recipients.slice(0, 1);
      const nat: [string, ReturnType<typeof limits>][] = [[NATIVE, limits({ perTx: 1000n })]];
      const officeHours = Array.from({ length: 9 }, (_, i) => 1 << (9 + i)).reduce((a, b) => a | b); // 09..17
      await addAgent(world, office.address, {
        assets: nat,
        recipients: r,
        rules: rules({ allowedHours: officeHours }),
      });
      await addAgent(world, lateOnly.address, {
        assets: nat,
        recipients: r,
        rules: rules({ allowedHours: 1 << 23 }),
      });
      await addAgent(world, midnightOnly.address, {
        assets: nat,
        recipients: r,
        rules: rules({ allowedHours: 1 }),
      });
      await addAgent(world, weekdays.address, {
        assets: nat,
        recipients: r,
        rules: rules({ allowedDays: 0x1f }),
      });
      return { world, office, lateOnly, midnightOnly, weekdays, r: r[0] };
    });

    it("test_allowedHours_officeHoursBothEdges", async function () {
      const { world, office, r } = await maskFixture();
      const d = utc(2030, 7, 2);
      expectOpError(
        await agentOp(world, office, [nativePay(r, 1n)], { at: d + 9n * HOUR - 1n }),
        "PolicyOutsideAllowedHours",
        [office.address, 8n],
      );
      expectSuccess(await agentOp(world, office, [nativePay(r, 1n)], { at: d + 9n * HOUR }));
      expectSuccess(await agentOp(world, office, [nativePay(r, 1n)], { at: d + 18n * HOUR - 1n }));
      expectOpError(
        await agentOp(world, office, [nativePay(r, 1n)], { at: d + 18n * HOUR }),
        "PolicyOutsideAllowedHours",
        [office.address, 18n],
      );
    });

    it("test_allowedHours_hour23Only_235959AllowedAndMidnightRefused", async function () {
      const { world, lateOnly, r } = await maskFixture();
      const midnight = utc(2030, 7, 3);
      expectSuccess(await agentOp(world, lateOnly, [nativePay(r, 1n)], { at: midnight - 1n }));
      const res = await agentOp(world, lateOnly, [nativePay(r, 1n)], { at: midnight });
      expectOpError(res, "PolicyOutsideAllowedHours", [lateOnly.address, 0n]);
    });

    it("test_allowedHours_hour0Only_235959RefusedAndMidnightAllowed", async function () {
      const { world, midnightOnly, r } = await maskFixture();
      const midnight = utc(2030, 7, 3);
      const res = await agentOp(world, midnightOnly, [nativePay(r, 1n)], { at: midnight - 1n });
      expectOpError(res, "PolicyOutsideAllowedHours", [midnightOnly.address, 23n]);
      expectSuccess(await agentOp(world, midnightOnly, [nativePay(r, 1n)], { at: midnight }));
    });

    it("test_allowedDays_weekdaysOnly_fridayToMonday", async function () {
      const { world, weekdays, r } = await maskFixture();
      const saturday = utc(2030, 7, 6);
      expectSuccess(await agentOp(world, weekdays, [nativePay(r, 1n)], { at: saturday - 1n })); // Friday 23:59:59
      expectOpError(
        await agentOp(world, weekdays, [nativePay(r, 1n)], { at: saturday }),
        "PolicyOutsideAllowedDays",
        [weekdays.address, 5n],
      );
      expectOpError(
        await agentOp(world, weekdays, [nativePay(r, 1n)], { at: saturday + 2n * DAY - 1n }),
        "PolicyOutsideAllowedDays",
        [weekdays.address, 6n],
      );
      expectSuccess(
        await agentOp(world, weekdays, [nativePay(r, 1n)], { at: saturday + 2n * DAY }),
      ); // Monday 00:00
    });

    it("test_allowedHours_followUtcOffset", async function () {
      const { world } = await plusTwoFixture();
      const agent = world.agents[3];
      const r = world.recipients[0];
      await addAgent(world, agent.address, {
        assets: [[NATIVE, limits({ perTx: 10n })]],
        recipients: [r],
        rules: rules({ allowedHours: 1 << 9 }), // 09:00-09:59 local = 07:00-07:59 UTC
      });
      const d = utc(2030, 7, 2);
      expectSuccess(await agentOp(world, agent, [nativePay(r, 1n)], { at: d + 7n * HOUR }));
      expectOpError(
        await agentOp(world, agent, [nativePay(r, 1n)], { at: d + 9n * HOUR }),
        "PolicyOutsideAllowedHours",
        [agent.address, 11n],
      );
      expectOpError(
        await agentOp(world, agent, [nativePay(r, 1n)], { at: d + 7n * HOUR - 1n + DAY }),
        "PolicyOutsideAllowedHours",
        [agent.address, 8n],
      );
    });
  });

  describe("velocity", function () {
    const velocityFixture = isolatedFixture(async function (conn: Connection) {
      const world = await deployPolicyWorld(conn);
      const [hourly, daily, gap] = world.agents;
      const r = world.recipients.slice(0, 1);
      const nat: [string, ReturnType<typeof limits>][] = [[NATIVE, limits({ perTx: 10n })]];
      await addAgent(world, hourly.address, {
        assets: nat,
        recipients: r,
        rules: rules({ maxOpsPerHour: 2 }),
      });
      await addAgent(world, daily.address, {
        assets: nat,
        recipients: r,
        rules: rules({ maxOpsPerDay: 3 }),
      });
      await addAgent(world, gap.address, {
        assets: nat,
        recipients: r,
        rules: rules({ minSecondsBetweenOps: 60 }),
      });
      return { world, hourly, daily, gap, r: r[0] };
    });

    it("test_maxOpsPerHour_atMaxRefused_nextCalendarHourFresh", async function () {
      const { world, hourly, r } = await velocityFixture();
      const h = utc(2030, 7, 2, 10);
      expectSuccess(await agentOp(world, hourly, [nativePay(r, 1n)], { at: h + 3000n }));
      expectSuccess(await agentOp(world, hourly, [nativePay(r, 1n)], { at: h + 3001n }));
      const third = await agentOp(world, hourly, [nativePay(r, 1n)], { at: h + HOUR - 1n });
      expectOpError(third, "PolicyHourlyOpsExceeded", [hourly.address, 2n, 2n]);
      // Calendar hour, not a rolling 60 minutes: 11:00:00 is fresh although two ops were 10 minutes ago.
      expectSuccess(await agentOp(world, hourly, [nativePay(r, 1n)], { at: h + HOUR }));
    });

    it("test_maxOpsPerDay_atMaxRefused_nextDayFresh", async function () {
      const { world, daily, r } = await velocityFixture();
      const midnight = utc(2030, 7, 3);
      for (const t of [10n, 5n, 2n]) {
        expectSuccess(await agentOp(world, daily, [nativePay(r, 1n)], { at: midnight - t }));
      }
      const fourth = await agentOp(world, daily, [nativePay(r, 1n)], { at: midnight - 1n });
      expectOpError(fourth, "PolicyDailyOpsExceeded", [daily.address, 3n, 3n]);
      expectSuccess(await agentOp(world, daily, [nativePay(r, 1n)], { at: midnight }));
    });

    it("test_minSecondsBetweenOps_oneSecondEarlyRefused_exactlyAtGapAllowed", async function () {
      const { world, gap, r } = await velocityFixture();
      const t = utc(2030, 7, 2, 12);
      expectSuccess(await agentOp(world, gap, [nativePay(r, 1n)], { at: t }));
      const early = await agentOp(world, gap, [nativePay(r, 1n)], { at: t + 59n });
      expectOpError(early, "PolicyTooSoon", [gap.address, t, 60n]);
      expectSuccess(await agentOp(world, gap, [nativePay(r, 1n)], { at: t + 60n }));
    });

    it("test_velocity_refusedOpDoesNotCount", async function () {
      const { world, hourly, r } = await velocityFixture();
      const h = utc(2030, 7, 2, 10);
      expectSuccess(await agentOp(world, hourly, [nativePay(r, 1n)], { at: h }));
      // Above the per-tx cap: the whole op reverts, its operation count too.
      expectOpError(
        await agentOp(world, hourly, [nativePay(r, 11n)], { at: h + 1n }),
        "PolicyPerTxLimitExceeded",
      );
      expectSuccess(await agentOp(world, hourly, [nativePay(r, 1n)], { at: h + 2n }));
      expectOpError(
        await agentOp(world, hourly, [nativePay(r, 1n)], { at: h + 3n }),
        "PolicyHourlyOpsExceeded",
        [hourly.address, 2n, 2n],
      );
    });

    it("test_velocity_batchIsOneOperation", async function () {
      const { world, hourly, r } = await velocityFixture();
      const h = utc(2030, 7, 2, 10);
      const batch = [nativePay(r, 1n), nativePay(r, 1n), nativePay(r, 1n)];
      expectSuccess(await agentOp(world, hourly, batch, { at: h }));
      expectSuccess(await agentOp(world, hourly, batch, { at: h + 1n }));
      expectOpError(
        await agentOp(world, hourly, batch, { at: h + 2n }),
        "PolicyHourlyOpsExceeded",
        [hourly.address, 2n, 2n],
      );
    });
  });
});
