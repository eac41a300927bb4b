import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { expect } from "chai";
import {
  DOC_PATH,
  buildErrorsDoc,
  checkErrorsDoc,
  entryPointCodes,
  interfaceErrors,
  loadFixes,
  natspecOf,
  relayerCodes,
} from "../../scripts/errors-doc.js";
import { RpcErrorCode } from "../../src/relayer/errors.js";

const root = process.cwd();
const run = promisify(execFile);

describe("docs/errors.md (scripts/errors-doc.ts)", function () {
  this.timeout(120_000);

  it("test_errorsDoc_checkPasses: every error has its text and the committed doc is current", async function () {
    const problems = checkErrorsDoc(root);
    expect(problems, problems.join("\n")).to.deep.equal([]);
    // The CLI the audit runs agrees (exit code 0).
    const { stdout } = await run("npx", ["tsx", "scripts/errors-doc.ts", "--check"], { cwd: root });
    expect(stdout).to.include("complete and up to date");
  });

  it("test_errorsDoc_coversEveryInterfaceErrorRelayerCodeAndAaCode", function () {
    const doc = readFileSync(DOC_PATH, "utf8");
    const declared = interfaceErrors(root);
    // contracts/interfaces declares 66 errors today: a parser that finds none must not pass.
    expect(declared.size).to.be.greaterThan(60);
    for (const e of declared.values()) {
      expect(doc, e.name).to.include(`\`${e.signature}\` — \`${e.selector}\``);
      expect(e.means, `${e.name} NatSpec`).to.be.a("string");
    }
    for (const [name, code] of Object.entries(RpcErrorCode)) {
      expect(doc, name).to.include(`### \`${code}\` ${name}`);
    }
    expect(relayerCodes().size).to.equal(Object.keys(RpcErrorCode).length);
    const aa = entryPointCodes(root);
    for (const code of ["AA21", "AA22", "AA23", "AA24", "AA25"])
      expect(aa.has(code), code).to.equal(true);
    for (const code of aa.keys()) expect(doc, code).to.include(`### ${code} `);
  });

  it("test_errorsDoc_selectorsMatchTheRevertDataTheWalletReturns", function () {
    // The selector printed for each error is keccak256 of its canonical signature (what a reader matches
    // against the first 4 bytes of revert data).
    const e = interfaceErrors(root).get("PolicyDailyLimitExceeded")!;
    expect(e.selector).to.equal("0x45a21f4b");
    expect(e.signature).to.equal(
      "PolicyDailyLimitExceeded(address agent, address asset, uint256 spent, uint256 amount, uint256 cap)",
    );
  });

  it("test_errorsDoc_checkFailsOnMissingTextStaleEntryOrStaleDoc", function () {
    const fixes = loadFixes(root);
    const doc = readFileSync(DOC_PATH, "utf8");

    const missing = structuredClone(fixes);
    delete missing.contracts.PolicyTooSoon;
    expect(checkErrorsDoc(root, missing, doc).join("\n")).to.include(
      "contracts.PolicyTooSoon: no entry",
    );

    const short = structuredClone(fixes);
    short.relayer.throttled.fix = "";
    expect(checkErrorsDoc(root, short, doc).join("\n")).to.include(
      'relayer.throttled: "fix" missing or too short',
    );

    const noMeans = structuredClone(fixes);
    delete noMeans.library.FailedCall.means;
    expect(checkErrorsDoc(root, noMeans, doc).join("\n")).to.include(
      'library.FailedCall: "means" missing',
    );

    const stale = structuredClone(fixes);
    stale.contracts.PolicyRemovedLongAgo = { why: "x".repeat(20), fix: "y".repeat(20) };
    expect(checkErrorsDoc(root, stale, doc).join("\n")).to.include(
      "contracts.PolicyRemovedLongAgo: stale entry",
    );

    const edited = doc.replace("Wait for the next local day", "Wait a bit");
    expect(edited).to.not.equal(doc);
    expect(checkErrorsDoc(root, fixes, edited).join("\n")).to.include("is out of date");
    expect(checkErrorsDoc(root, fixes, null).join("\n")).to.include("is missing");

    // And the generated document follows the text: a changed fix shows up in the markdown.
    const changed = structuredClone(fixes);
    changed.contracts.PolicyTooSoon.fix = "A different fix text for this test.";
    expect(buildErrorsDoc(root, changed).markdown).to.include(
      "A different fix text for this test.",
    );
  });

  it("test_natspecOf_readsTheDevCommentAboveTheError", function () {
    const source = [
      "interface I {",
      "    /// @dev First line",
      "    /// second line.",
      "    error Documented(uint256 a);",
      "    error Undocumented();",
      "}",
    ].join("\n");
    expect(natspecOf(source, "Documented")).to.equal("First line second line.");
    expect(natspecOf(source, "Undocumented")).to.equal(undefined);
    expect(natspecOf(source, "Absent")).to.equal(undefined);
  });
});
