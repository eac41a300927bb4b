import { createRequire } from "node:module";
import hardhatToolboxMochaEthersPlugin from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";
import type { HardhatPlugin } from "hardhat/types/plugins";

const require = createRequire(import.meta.url);

// No network access: Hardhat can't download solc, so it runs the pinned npm `solc` (solcjs) instead.
const SOLC_VERSION = "0.8.28";
const solcPath = require.resolve("solc/soljson.js");

const compilerSettings = {
  version: SOLC_VERSION,
  // Isolated builds compile LeashTypes.sol (only structs and enums) on its own; EDR then fails to parse a
  // build-info without `contracts` (ignition deploy). One shared build per profile avoids that.
  isolated: false,
  path: solcPath,
  settings: {
    evmVersion: "cancun",
    optimizer: { enabled: true, runs: 200 },
  },
};

// Coverage instruments the contracts, which makes their code larger than what gets deployed: tests that measure
// the production build (tagged @productionBuild, e.g. the EIP-170 size check) run in `npm test`, not in coverage.
const coverageRun = process.argv.includes("--coverage");

// A failing test must fail the run: see scripts/hardhat/testExitCode.ts (and the probe `.ci/run` runs).
const testExitCodePlugin: HardhatPlugin = {
  id: "leash-test-exit-code",
  hookHandlers: { test: () => import("./scripts/hardhat/testExitCode.js") },
};

// The wallet's one module runs only for owners' and guardians' calls, never on an agent's payment: built for size
// (IR pipeline, optimizer runs 1) so it stays under EIP-170 (audits/STRUCTURE.md has the measurements).
const moduleSettings = {
  ...compilerSettings,
  settings: { ...compilerSettings.settings, viaIR: true, optimizer: { enabled: true, runs: 1 } },
};
const MODULES = ["contracts/wallet/WalletModule.sol"];
// The core holds the agent's hot path and proposal execution (the policy engine is compiled into it alone). The
// IR pipeline at runs 200 builds it 1.6 KB smaller than the legacy one (22.8 KB instead of 24.5 KB, which would
// leave 92 bytes under EIP-170) and its agent payment a little cheaper (audits/GAS.md).
const coreSettings = {
  ...compilerSettings,
  settings: { ...compilerSettings.settings, viaIR: true },
};
const profile = {
  compilers: [compilerSettings],
  overrides: {
    ...Object.fromEntries(MODULES.map((path) => [path, moduleSettings])),
    "contracts/wallet/AgentWallet.sol": coreSettings,
    // The upgrade tests' next version: the core plus one function, built like the core.
    "contracts/mocks/AgentWalletV2Mock.sol": coreSettings,
  },
};

// Real chains. The deployer key and the RPC URLs are configuration variables: Hardhat reads them from its
// encrypted keystore (`npx hardhat keystore set LEASH_DEPLOYER_KEY`) or, failing that, from the environment;
// they are never written in this file and never logged. docs/DEPLOY.md has the commands.
const deployer = [configVariable("LEASH_DEPLOYER_KEY")];
const publicChain = (rpcVariable: string, chainId: number, chainType: "l1" | "op") => ({
  type: "http" as const,
  chainType,
  chainId,
  url: configVariable(rpcVariable),
  accounts: deployer,
});

// One clear line when a remote node is unreachable (deploy/networkErrors.ts).
const networkErrors: HardhatPlugin = {
  id: "leash-network-errors",
  hookHandlers: { network: () => import("./deploy/networkErrors.js") },
};

export default defineConfig({
  networks: {
    sepolia: publicChain("SEPOLIA_RPC_URL", 11155111, "l1"),
    baseSepolia: publicChain("BASE_SEPOLIA_RPC_URL", 84532, "op"),
    base: publicChain("BASE_RPC_URL", 8453, "op"),
    optimism: publicChain("OPTIMISM_RPC_URL", 10, "op"),
    arbitrum: publicChain("ARBITRUM_RPC_URL", 42161, "l1"),
    // Any other EVM chain: LEASH_RPC_URL (its chain id is asked from the node).
    custom: { type: "http", url: configVariable("LEASH_RPC_URL"), accounts: deployer },
  },
  // `npm run verify -- --network <name>`: Etherscan (v2 API, one key for every chain) and Sourcify.
  verify: {
    etherscan: { apiKey: configVariable("ETHERSCAN_API_KEY") },
    sourcify: { enabled: true },
  },
  plugins: [hardhatToolboxMochaEthersPlugin, networkErrors, testExitCodePlugin],
  solidity: {
    // Contracts compile apart from the Solidity tests, so their bytecode (and with it the deterministic CREATE2
    // addresses, docs/DEPLOY.md) is the same whether or not a build included the tests.
    splitTestsCompilation: true,
    profiles: {
      // Tests run with the production settings so gas numbers and code sizes are the deployable ones.
      default: profile,
      production: profile,
    },
    npmFilesToBuild: [
      "@account-abstraction/contracts/core/EntryPoint.sol",
      "@account-abstraction/contracts/accounts/SimpleAccount.sol",
      "@account-abstraction/contracts/accounts/SimpleAccountFactory.sol",
      "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol",
    ],
  },
  test: {
    mocha: coverageRun ? { grep: "@productionBuild", invert: true } : {},
    solidity: {
      profiles: {
        // CI profile: fast enough for every push.
        default: {
          fuzz: { runs: 256 },
          invariant: { runs: 64, depth: 32, failOnRevert: false },
        },
        // One tenth of the deep campaign's sequences, for one invariant at a time (`--grep`) in minutes, not hours.
        campaign: {
          fuzz: { runs: 2_000 },
          invariant: { runs: 1_000, depth: 64, failOnRevert: false },
        },
        // Deep campaign: `npm run test:deep`.
        deep: {
          fuzz: { runs: 10_000 },
          invariant: { runs: 10_000, depth: 64, failOnRevert: false },
        },
      },
    },
  },
  typechain: { outDir: "typechain-types" },
  // Ignition modules live in deploy/modules (deployments are written to deploy/deployments, not committed).
  paths: { ignition: "deploy" },
});
