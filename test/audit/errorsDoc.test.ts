import { execFile } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
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
import { stripComments } from "./lib/abiCoverage.js";

const root = process.cwd();
const run = promisify(execFile);

/** The Solidity under contracts/<dirs>, comments stripped, concatenated. */
function contractSources(dirs: string[]): string {
  const files = dirs.flatMap((dir) =>
    readdirSync(path.join(root, "contracts", dir), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".sol"))
      .map((f) => path.join(root, "contracts", dir, f)),
  );
  return files.map((f) => stripComments(readFileSync(f, "utf8"))).join("\n");
}

/** Whether `code` raises error `name` anywhere (a bare `error name(` declaration doesn't count). */
function raises(code: string, name: string): boolean {
  const uses =
    code.match(new RegExp(`(?:\\berror\\s+)?\\b${name}\\s*(?:\\(|\\.selector)`, "g")) ?? [];
  return uses.some((use) => !/^error\s/.test(use));
}

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
    // contracts/interfaces declares 65 errors today: a parser that finds none must not pass.
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

  it("test_interfaceErrors_everyDeclaredErrorIsRaisedByTheContracts", function () {
    // A declared error nothing raises tells auditors and integrators about a check that doesn't
    // exist (F-5: PolicyAmountTooLarge). Raising = `revert E(`, `require(..., E(` or `E.selector`
    // in the deployed contracts' code, comments left out.
    const code = contractSources(["policy", "wallet", "factory", "owners", "lens"]);
    const declared = [...interfaceErrors(root).keys()];
    expect(declared.length).to.be.greaterThan(60);
    expect(
      declared.filter((name) => !raises(code, name)),
      "remove these errors or raise them",
    ).to.deep.equal([]);
    // The check itself: a declaration or a comment is not raising.
    const synthetic =
      "contract C {\n  error Declared(uint256 a);\n  // revert Declared(1);\n  function f() external { revert Used(2); }\n}";
    expect(raises(stripComments(synthetic), "Declared")).to.equal(false);
    expect(raises(stripComments(synthetic), "Used")).to.equal(true);
    expect(raises(stripComments("function g() { require(ok, Req(1)); }"), "Req")).to.equal(true);
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
