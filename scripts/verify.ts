/**
 * Verifies the wallet stack on a network's block explorers in one command:
 *   npx hardhat run scripts/verify.ts --network baseSepolia
 * Etherscan (v2 API, key in the configuration variable ETHERSCAN_API_KEY) and Sourcify (no key).
 * The addresses and constructor arguments come from the deterministic plan (deploy/deterministic.ts),
 * so it needs no deployment journal: it works for contracts someone else deployed, too.
 */
import hre from "hardhat";
import { verifyContract } from "@nomicfoundation/hardhat-verify/verify";
import { WALLET_STACK, planStack } from "../deploy/deterministic.js";

const providers = (["etherscan", "sourcify"] as const).filter((p) => hre.config.verify[p].enabled);
let failed = 0;
for (const contract of planStack(WALLET_STACK)) {
  for (const provider of providers) {
    try {
      await verifyContract(
        { address: contract.address, constructorArgs: contract.args, provider },
        hre,
      );
      console.log(`${contract.name} ${contract.address}: verified on ${provider}`);
    } catch (error) {
      failed++;
      console.error(
        `${contract.name} ${contract.address}: ${provider} failed: ${(error as Error).message}`,
      );
    }
  }
}
if (failed > 0) process.exitCode = 1;
