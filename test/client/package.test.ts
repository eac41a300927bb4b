/**
 * `@leash/sdk` as a user gets it: `npm pack -w @leash/sdk` (prepack builds ESM + .d.ts), the tarball
 * installed with npm into an empty project outside the repository, imported by a plain Node script on the
 * system's Node (≥ 20). The app's own ethers and viem are used (peer dependencies; linked from this repo's
 * node_modules so the test needs no registry).
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../relayer/helpers.js";

const SCRIPT = `
import { AgentClient, OwnerClient, toLeashSmartAccount, paymentOutcome, encodeLeashCalls, toLeashError,
  agentWalletAbi } from "@leash/sdk";
import { encodeErrorResult, zeroAddress } from "viem";
const data = encodeErrorResult({ abi: agentWalletAbi, errorName: "PolicyPerTxLimitExceeded",
  args: ["0x8ba1f109551bD432803012645Ac136ddd64DBA72", zeroAddress, 5n, 1n] });
const error = toLeashError({ data });
console.log(JSON.stringify({
  node: process.versions.node,
  exports: [AgentClient, OwnerClient, toLeashSmartAccount, paymentOutcome].map((f) => typeof f),
  selector: encodeLeashCalls([{ to: zeroAddress, value: 1n }]).slice(0, 10),
  code: error.code, rule: error.rule,
}));
`;

describe("@leash/sdk package", function () {
  this.timeout(300_000);

  it("packs, installs in an empty project and runs there on Node >= 20", () => {
    const dir = mkdtempSync(join(tmpdir(), "leash-sdk-pack-"));
    try {
      execFileSync("npm", ["pack", "-w", "@leash/sdk", "--pack-destination", dir], {
        cwd: REPO_ROOT,
        stdio: "pipe",
      });
      const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
      expect(tarball, "npm pack made no tarball").to.be.a("string");
      const files = execFileSync("tar", ["-tzf", join(dir, tarball!)], { encoding: "utf8" });
      expect(files).to.contain("package/dist/index.js");
      expect(files).to.contain("package/dist/index.d.ts");
      // Only built files ship: every .ts is a declaration file.
      expect(
        files.split("\n").filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")),
      ).to.deep.equal([]);
      const packed = execFileSync("tar", ["-xOzf", join(dir, tarball!)], { encoding: "utf8" });
      expect(packed).not.to.contain("typechain-types");
      expect(packed).not.to.contain("../relayer/");

      const app = join(dir, "app");
      mkdirSync(app);
      writeFileSync(
        join(app, "package.json"),
        JSON.stringify({ name: "app", private: true, type: "module" }),
      );
      execFileSync(
        "npm",
        [
          "install",
          "--offline",
          "--no-audit",
          "--no-fund",
          "--legacy-peer-deps",
          join(dir, tarball!),
        ],
        { cwd: app, stdio: "pipe" },
      );
      // Linked after the install (npm prunes what it did not install itself).
      for (const peer of ["ethers", "viem"])
        symlinkSync(join(REPO_ROOT, "node_modules", peer), join(app, "node_modules", peer), "dir");
      writeFileSync(join(app, "main.js"), SCRIPT);
      // The system's Node (the repo runs Node 22 through its devDependency): the package promises >= 20.
      const node = existsSync("/usr/bin/node") ? "/usr/bin/node" : process.execPath;
      const out = JSON.parse(execFileSync(node, ["main.js"], { cwd: app, encoding: "utf8" })) as {
        node: string;
        exports: string[];
        selector: string;
        code: string;
        rule: string;
      };
      expect(Number(out.node.split(".")[0])).to.be.at.least(20);
      expect(out.exports).to.deep.equal(["function", "function", "function", "function"]);
      expect(out.selector).to.equal("0x8dd7712f");
      expect(out).to.deep.include({ code: "POLICY_VIOLATION", rule: "PolicyPerTxLimitExceeded" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(join(REPO_ROOT, "src/client/dist"), { recursive: true, force: true });
    }
  });
});
