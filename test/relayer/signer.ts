/** Signer loading: encrypted keystore with a password from the environment; raw keys only on dev chains. */
import { writeFileSync } from "node:fs";
import { expect } from "chai";
import { Wallet, encryptKeystoreJson } from "ethers";
import { loadConfig } from "../../src/relayer/main.js";
import { loadSigner } from "../../src/relayer/signer.js";
import { tempDir } from "./helpers.js";

async function rejects(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a rejection");
}

describe("relayer signer and config loading", function () {
  this.timeout(60_000);
  const wallet = Wallet.createRandom();
  let keystorePath: string;

  before(async () => {
    keystorePath = `${tempDir()}/keystore.json`;
    // Cheap scrypt parameters: this is a test keystore.
    writeFileSync(
      keystorePath,
      await encryptKeystoreJson(
        { address: wallet.address, privateKey: wallet.privateKey },
        "correct horse",
        {
          scrypt: { N: 1024 },
        },
      ),
    );
  });

  it("decrypts an encrypted JSON keystore with its password, on any chain", async () => {
    const signer = await loadSigner({ keystorePath, keystorePassword: "correct horse" }, 1n);
    expect(signer.address).to.equal(wallet.address);
  });

  it("refuses a wrong or missing keystore password without echoing it", async () => {
    const wrong = await rejects(loadSigner({ keystorePath, keystorePassword: "wrong horse" }, 1n));
    expect(wrong).to.match(/could not decrypt/);
    expect(wrong).not.to.include("wrong horse");
    expect(await rejects(loadSigner({ keystorePath }, 1n))).to.match(/LEASH_KEYSTORE_PASSWORD/);
  });

  it("accepts a raw private key only on local chains (31337, 1337), never printing it", async () => {
    expect((await loadSigner({ privateKey: wallet.privateKey }, 31337n)).address).to.equal(
      wallet.address,
    );
    expect((await loadSigner({ privateKey: wallet.privateKey }, 1337n)).address).to.equal(
      wallet.address,
    );
    const refused = await rejects(loadSigner({ privateKey: wallet.privateKey }, 1n));
    expect(refused).to.match(/only accepted on local chains/);
    expect(refused).not.to.include(wallet.privateKey.slice(2));
    expect(await rejects(loadSigner({}, 31337n))).to.match(/no signer configured/);
  });

  it("reads config from flags over environment, secrets only from the environment", () => {
    const env = {
      LEASH_RPC_URL: "http://env:8545",
      LEASH_ENTRY_POINT: "0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108",
      LEASH_KEYSTORE_PASSWORD: "pw",
      LEASH_RELAYER_PRIVATE_KEY: wallet.privateKey,
    };
    const config = loadConfig(
      ["--rpc-url", "http://flag:8545", "--port", "9999", "--no-auth"],
      env,
    );
    expect(config.rpcUrl).to.equal("http://flag:8545");
    expect(config.entryPoint).to.equal(env.LEASH_ENTRY_POINT);
    expect(config.port).to.equal(9999);
    expect(config.authRequired).to.equal(false);
    expect(config.signer.privateKey).to.equal(wallet.privateKey);
    const withKeystore = loadConfig(["--keystore", keystorePath], env);
    expect(withKeystore.signer).to.deep.equal({
      keystorePath,
      keystorePassword: "pw",
      privateKey: undefined,
    });
    expect(() => loadConfig([], { LEASH_ENTRY_POINT: env.LEASH_ENTRY_POINT })).to.throw(
      /missing RPC URL/,
    );
    expect(() => loadConfig(["--private-key", "0x1"], env)).to.throw();
  });
});
