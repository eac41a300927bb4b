/**
 * Deploying to a real chain as an operator does, on a machine without internet: the deployer key in
 * Hardhat's encrypted keystore, `npx hardhat ignition deploy … --network baseSepolia` gets as far as
 * asking the node for its chain id, then fails with one clear line, and no secret in the output.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../cli/helpers.js";

const HARDHAT_CLI = join(REPO_ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");
const DEPLOYER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const KEYSTORE_PASSWORD = "not-a-real-password-1";
// An RPC URL whose path holds a provider key: the error must name the host, never the URL.
const RPC_URL = "https://sepolia.base.org/v2/rpc-key-0123456789abcdef";

/** Runs the hardhat CLI, answering each prompt (matched by its text) once it appears. */
async function hardhat(
  args: string[],
  env: NodeJS.ProcessEnv,
  answers: [RegExp, string][],
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [HARDHAT_CLI, ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  let answered = 0;
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    // Each prompt is answered once, in order, after its text shows.
    while (answered < answers.length) {
      const seen = output.match(new RegExp(answers[answered][0], "g"))?.length ?? 0;
      const needed = answers
        .slice(0, answered + 1)
        .filter(([p]) => p.source === answers[answered][0].source).length;
      if (seen < needed) break;
      child.stdin.write(answers[answered][1] + "\n");
      answered++;
      // The CLI waits for the end of its input before exiting.
      if (answered === answers.length) child.stdin.end();
    }
  };
  if (answers.length === 0) child.stdin.end();
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`hardhat ${args.join(" ")} timed out:\n${output}`));
    }, 150_000);
    child.once("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, output };
}

describe("deploying to a public network (offline machine)", function () {
  this.timeout(320_000);
  const configHome = mkdtempSync(join(tmpdir(), "leash-keystore-"));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: configHome,
    // Hardhat's keystore lives in its global config directory: a temporary one for the test.
    XDG_CONFIG_HOME: configHome,
    BASE_SEPOLIA_RPC_URL: RPC_URL,
    NO_COLOR: "1",
  };

  it("with the deployer key in the encrypted keystore, ignition deploy asks the node for its chain id and fails clearly", async () => {
    const set = await hardhat(["keystore", "set", "LEASH_DEPLOYER_KEY"], env, [
      [/Enter the password/, KEYSTORE_PASSWORD],
      [/confirm your password/, KEYSTORE_PASSWORD],
      [/Enter secret/, DEPLOYER_KEY],
    ]);
    expect(set.code, set.output).to.equal(0);
    const keystore = join(configHome, "hardhat-nodejs", "keystore.json");
    expect(existsSync(keystore)).to.equal(true);
    // Encrypted at rest: neither the key nor the password is in the file.
    const stored = readFileSync(keystore, "utf8");
    expect(stored).not.to.include(DEPLOYER_KEY.slice(2));
    expect(stored).not.to.include(KEYSTORE_PASSWORD);

    const deploy = await hardhat(
      ["ignition", "deploy", "deploy/modules/LeashWallet.ts", "--network", "baseSepolia"],
      env,
      [[/Enter the password/, KEYSTORE_PASSWORD]],
    );
    expect(deploy.code).to.equal(1);
    expect(deploy.output).to.include(
      'network "baseSepolia": its node could not be reached when asked eth_chainId (getaddrinfo',
    );
    expect(deploy.output).to.include("sepolia.base.org");
    expect(deploy.output).not.to.match(/An unexpected error occurred|\n\s+at /);
    for (const secret of [DEPLOYER_KEY.slice(2), KEYSTORE_PASSWORD, "rpc-key-0123456789abcdef"])
      expect(deploy.output).not.to.include(secret);
  });

  it("without the deployer key, the network is refused naming the missing variable", async () => {
    const bare = { ...env, XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), "leash-nokeystore-")) };
    const deploy = await hardhat(
      ["ignition", "deploy", "deploy/modules/LeashWallet.ts", "--network", "baseSepolia"],
      bare,
      [],
    );
    expect(deploy.code).to.equal(1);
    expect(deploy.output).to.include("LEASH_DEPLOYER_KEY");
    expect(deploy.output).not.to.include("rpc-key-0123456789abcdef");
  });
});
