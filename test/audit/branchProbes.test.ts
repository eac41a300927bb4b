/**
 * The audit's branch coverage (scripts/audit/branchProbes.ts): the probes keep every line where it was, change
 * none of the statements Hardhat instruments, and each `if` gets exactly one "true" and one "false" probe.
 */
import { expect } from "chai";
import {
  addBranchProbes,
  fileCoverage,
  instrumentedStatements,
} from "../../scripts/audit/branchProbes.js";
import { parseSolidity, productionSources, readSource } from "../../scripts/audit/solidity.js";

const root = process.cwd();
const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// Non-ASCII in comments (‖ ± →) shifts byte offsets away from string indexes.
contract C {
    error E(uint256 x);

    function f(uint256 x) external pure returns (uint256) {
        if (x == 0) revert E(x);
        if (x == 1) if (x > 0) return 10; else return 11;
        if (x == 2) {
            return 20;
        } else if (x == 3) {
            return 30;
        }
        for (uint256 i = 0; i < x; ++i) {
            if (i == 5) break;
        }
        return x;
    }
}
`;

describe("Audit branch probes", function () {
  it("test_branchProbes_everyIfGetsAFalseSide_linesAndStatementsUnchanged", function () {
    const probed = addBranchProbes("C.sol", SOURCE);
    // if x==0, outer if x==1, inner if x>0 (has else), if x==2 (else-if), if x==3, if i==5.
    expect(probed.branches.map((b) => b.line)).to.deep.equal([9, 10, 10, 11, 13, 17]);
    expect(probed.branches.filter((b) => b.probeAt !== null).length).to.equal(4);
    expect(probed.transformed.split("\n").length).to.equal(SOURCE.split("\n").length);
    expect(probed.transformed).to.include("if (x == 0) revert E(x); else {}");
    expect(probed.transformed).to.include(
      "if (x == 1) if (x > 0) return 10; else return 11; else {}",
    );
    // Still valid Solidity, and the dangling else still binds to the inner `if`.
    const ast = JSON.stringify(parseSolidity("C.sol", probed.transformed));
    expect(ast).to.include('"nodeType":"IfStatement"');
    const transformedStatements = instrumentedStatements("C.sol", probed.transformed, "0.8.28");
    const originalStatements = instrumentedStatements("C.sol", SOURCE, "0.8.28");
    expect(transformedStatements.length).to.equal(originalStatements.length + 4);
  });

  it("test_branchProbes_reportsExactlyTheOutcomesThatRan", async function () {
    const probed = addBranchProbes("C.sol", SOURCE);
    const all = await fileCoverage("C.sol", probed, "0.8.28", () => true);
    expect([all.branches.hit, all.branches.total]).to.deep.equal([12, 12]);
    expect(all.lines.uncovered).to.deep.equal([]);
    const none = await fileCoverage("C.sol", probed, "0.8.28", () => false);
    expect(none.branches.hit).to.equal(0);
    expect(none.branches.uncovered).to.include.members([
      "9:true",
      "9:false",
      "17:true",
      "17:false",
    ]);
    expect(none.lines.uncovered).to.include.members([9, 10, 12, 19]);
    // Only the probe of the first `if` missing: that branch alone is reported, as its false side.
    const probeTags = new Set(
      instrumentedStatements("C.sol", probed.transformed, "0.8.28")
        .filter((s) => probed.transformed.slice(s.start, s.end).trim() === "{}")
        .map((s) => s.tag),
    );
    expect(probeTags.size).to.equal(4);
    const firstProbe = [...probeTags][0];
    const partial = await fileCoverage("C.sol", probed, "0.8.28", (tag) => tag !== firstProbe);
    expect(partial.branches.uncovered).to.deep.equal(["9:false"]);
    expect(partial.lines.uncovered).to.deep.equal([]);
  });

  it("test_branchProbes_mapOntoEveryProductionSource", async function () {
    let branches = 0;
    for (const file of productionSources(root)) {
      const probed = addBranchProbes(file, readSource(root, file));
      // Throws if the probes changed anything Hardhat instruments in the original.
      const cov = await fileCoverage(file, probed, "0.8.28", () => true);
      expect(cov.branches.hit, file).to.equal(cov.branches.total);
      branches += probed.branches.length;
    }
    expect(branches).to.be.greaterThan(150);
  });
});
