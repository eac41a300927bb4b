/**
 * Loads the relayer's signing key. Production: an encrypted JSON keystore whose password comes
 * from the environment. A raw key is accepted only on local development chains. The key is never
 * logged; errors say which source failed, never its content.
 */
import { readFile } from "node:fs/promises";
import { Wallet } from "ethers";
import type { SignerConfig } from "./config.js";

const DEV_CHAIN_IDS = new Set([31337n, 1337n]);

export async function loadSigner(config: SignerConfig, chainId: bigint): Promise<Wallet> {
  if (config.keystorePath) {
    if (!config.keystorePassword) {
      throw new Error("keystore password missing: set LEASH_KEYSTORE_PASSWORD");
    }
    const json = await readFile(config.keystorePath, "utf8");
    try {
      const wallet = await Wallet.fromEncryptedJson(json, config.keystorePassword);
      return new Wallet(wallet.privateKey);
    } catch {
      throw new Error("could not decrypt the keystore (wrong password or corrupt file)");
    }
  }
  if (config.privateKey) {
    if (!DEV_CHAIN_IDS.has(chainId)) {
      throw new Error(
        `a raw private key is only accepted on local chains (31337, 1337), not chain ${chainId}: use a keystore`,
      );
    }
    try {
      return new Wallet(config.privateKey);
    } catch {
      throw new Error("LEASH_RELAYER_PRIVATE_KEY is not a valid private key");
    }
  }
  throw new Error("no signer configured: set a keystore path (or a dev-only private key)");
}
