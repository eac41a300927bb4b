import { expect } from "chai";
import { readFileSync } from "node:fs";
import { network } from "hardhat";
import {
  GAS_KEYS,
  RATIO_KEYS,
  SNAPSHOT_TOLERANCE as TOLERANCE,
  type GasReport,
  formatTable,
  measureGas,
} from "../../scripts/lib/gas-bench.js";

// @productionBuild: coverage instruments the contracts, which changes their gas; the snapshot is of the real build.
describe("Gas: Leash agent op vs SimpleAccount (gas-snapshot.json) @productionBuild", function () {
  it("test_gas_agentOpsWithinTwoPercentOfSnapshot", async function () {
    const snapshot = JSON.parse(
      readFileSync(new URL("../../gas-snapshot.json", import.meta.url), "utf8"),
    ) as GasReport;
    const connection = await network.create();
    const current = await measureGas(connection);
    console.log(`\n${formatTable(current)}\n      snapshot: ${JSON.stringify(snapshot)}`);
    for (const k of GAS_KEYS) {
      expect(
        current[k],
        `${k}: ${current[k]} gas vs snapshot ${snapshot[k]} (+2% allowed)`,
      ).to.be.at.most(Math.floor(snapshot[k] * TOLERANCE));
    }
    for (const k of RATIO_KEYS) {
      expect(snapshot[k], `gas-snapshot.json has no ${k}`).to.be.a("number");
      expect(
        current[k],
        `${k}: ${current[k]} vs snapshot ${snapshot[k]} (+2% allowed)`,
      ).to.be.at.most(snapshot[k] * TOLERANCE);
    }
    await connection.close();
  });
});
