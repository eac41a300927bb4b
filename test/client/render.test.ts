import { expect } from "chai";
import {
  amountText,
  durationText,
  relativeText,
  toLeashError,
  walletInterface,
  whenText,
} from "../../src/client/index.js";

describe("what owners see: durations, dates, state names", function () {
  it("test_durationText_twoLargestUnits", function () {
    expect(durationText(11_520n)).to.equal("3 h 12 min");
    expect(durationText(7n * 86_400n)).to.equal("7 d");
    expect(durationText(90_061n)).to.equal("1 d 1 h");
    expect(durationText(45n)).to.equal("45 s");
    expect(durationText(0n)).to.equal("0 s");
  });

  it("test_whenText_localDateAndRelative", function () {
    const now = 1_764_700_000n;
    expect(whenText(now + 11_520n, now, "UTC")).to.equal(
      "2025-12-02 21:38:40 (UTC+00:00), in 3 h 12 min",
    );
    expect(whenText(now - 60n, now, "Europe/Paris")).to.equal(
      "2025-12-02 19:25:40 (UTC+01:00), 1 min ago",
    );
    expect(whenText(0n, now)).to.equal("-");
  });

  it("test_relativeText_futurePastAndNow", function () {
    const now = 1_764_700_000n;
    expect(relativeText(now + 11_520n, now)).to.equal("in 3 h 12 min");
    expect(relativeText(now - 90_061n, now)).to.equal("1 d 1 h ago");
    expect(relativeText(now, now)).to.equal("now");
  });

  it("test_amountText_unitsAndNoCapOnlyFromTheUnlimitedRange", function () {
    expect(amountText(500_000_000_000_000_000n, 18, "ETH")).to.equal("0.5 ETH");
    expect(amountText(0n, 6, "USDC")).to.equal("0 USDC");
    expect(amountText((1n << 256n) - 1n, 18, "ETH")).to.equal("no cap");
    expect(amountText(1n << 255n, 18, "ETH")).to.equal("no cap");
    // Just below the unlimited range is a real (huge) cap, shown as an amount.
    expect(amountText((1n << 255n) - 1n, 0, "T")).to.equal(`${(1n << 255n) - 1n} T`);
  });

  it("test_toLeashError_namesProposalStatesAndDatesTimes", function () {
    const invalid = walletInterface.encodeErrorResult("ProposalInvalidState", [2n, 3]);
    expect(toLeashError({ data: invalid }).message).to.match(
      /ProposalInvalidState\(id=2, state=executed\)/,
    );
    const early = walletInterface.encodeErrorResult("ProposalNotReady", [2n, 1_764_700_000n]);
    expect(toLeashError({ data: early }).message).to.match(
      /ProposalNotReady\(id=2, eta=1764700000 \(2025-12-02T18:26:40Z\)\)/,
    );
  });
});
