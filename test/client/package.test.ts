/**
 * `@leash/sdk` as a user gets it: `npm pack -w @leash/sdk` (prepack builds ESM + .d.ts), the tarball
 * installed with npm into an empty project outside the repository, imported by a plain Node script on the
 * system's Node (≥ 20). The app's own ethers and viem are used (peer dependencies; linked from this repo's
 * node_modules so the test needs no registry).
 */
import { expect } from "chai";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
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
import { Wallet, parseEther } from "ethers";
import { OwnerClient } from "../../src/client/index.js";
import { REPO_ROOT } from "../relayer/helpers.js";
import { startStack } from "./stack.js";

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
  selector: encodeLeashCalls("0x8ba1f109551bD432803012645Ac136ddd64DBA72", [{ to: zeroAddress, value: 1n }]).slice(0, 10),
  code: error.code, rule: error.rule,
}));
`;

// What the issue asks a new agent developer to write in an empty folder: 15 lines that pay with viem.
const PAY_SCRIPT = `
import { createPublicClient, defineChain, http, parseEther } from "viem";
import { createBundlerClient } from "viem/account-abstraction";
import { privateKeyToAccount } from "viem/accounts";
import { toLeashSmartAccount, paymentOutcome } from "@leash/sdk";
const env = process.env;
const chain = defineChain({ id: Number(env.CHAIN_ID), name: "local", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [env.RPC_URL] } } });
const client = createPublicClient({ chain, transport: http(env.RPC_URL, { timeout: 60_000 }) });
const agent = privateKeyToAccount(env.AGENT_KEY);
const account = await toLeashSmartAccount({ client, address: env.WALLET, agent });
const transport = http(env.RELAYER_URL, { timeout: 60_000, fetchOptions: { headers: { authorization: "Bearer " + env.API_KEY } } });
const bundler = createBundlerClient({ account, client, transport });
const hash = await bundler.sendUserOperation({ calls: [{ to: env.SHOP, value: parseEther("0.1") }] });
console.log(JSON.stringify(paymentOutcome(await bundler.waitForUserOperationReceipt({ hash, timeout: 120_000 })), (_, v) => typeof v === "bigint" ? String(v) : v));
try { await bundler.sendUserOperation({ calls: [{ to: env.SHOP, value: parseEther("2") }] }); }
catch (error) { console.log(JSON.stringify({ refused: error.message })); }
`;

describe("@leash/sdk package", function () {
  this.timeout(300_000);

  it("packs, installs in an empty project and runs there on Node >= 20; a 15-line viem script there pays and is refused over the cap", async () => {
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
      expect(out.selector).to.equal("0x5ae6909d"); // executeAgentCall(address,address,uint256,bytes)
      expect(out).to.deep.include({ code: "POLICY_VIOLATION", rule: "PolicyPerTxLimitExceeded" });

      // The same empty project pays through a running stack (chain + relayer) with viem's own bundler client.
      const stack = await startStack();
      try {
        const agentKey = Wallet.createRandom();
        const shop = Wallet.createRandom().address;
        const owners = [await stack.fundedWallet("pkg-a"), await stack.fundedWallet("pkg-b")];
        const { address: wallet } = await OwnerClient.createWallet(stack.chain.deployer, {
          factory: stack.factory,
          owners: owners.map((o) => o.address),
          threshold: 2,
          minPauseDuration: 3600,
          salt: "package-test",
          agents: [
            {
              key: agentKey.address,
              rules: { maxOpCost: "0.05" },
              limits: { native: { perTx: "1", daily: "5" } },
              recipients: [shop],
            },
          ],
        });
        await (
          await stack.chain.deployer.sendTransaction({ to: wallet, value: parseEther("10") })
        ).wait();
        writeFileSync(join(app, "pay.js"), PAY_SCRIPT);
        // Asynchronously: the relayer runs in this process and must keep answering while the script waits.
        const { stdout } = await promisify(execFile)(node, ["pay.js"], {
          cwd: app,
          encoding: "utf8",
          env: {
            ...process.env,
            RPC_URL: stack.chain.url,
            CHAIN_ID: String(stack.chain.chainId),
            RELAYER_URL: stack.relayer.url,
            API_KEY: await stack.apiKey(wallet),
            WALLET: wallet,
            AGENT_KEY: agentKey.privateKey,
            SHOP: shop,
          },
        });
        const lines = stdout.trim().split("\n");
        expect(JSON.parse(lines[0])).to.deep.include({ status: "paid" });
        expect(await stack.chain.provider.getBalance(shop)).to.equal(parseEther("0.1"));
        expect((JSON.parse(lines[1]) as { refused: string }).refused).to.contain(
          "PolicyPerTxLimitExceeded",
        );
      } finally {
        await stack.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(join(REPO_ROOT, "src/client/dist"), { recursive: true, force: true });
    }
  });
});
