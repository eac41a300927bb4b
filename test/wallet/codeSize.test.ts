import { expect } from "chai";
import hre from "hardhat";

// EIP-170: contracts above 24,576 bytes of runtime code can't be deployed on Ethereum mainnet. The tests run
// with the production compiler settings and without `allowUnlimitedContractSize`, so this is the real size.
const EIP170_LIMIT = 24_576;
const DEPLOYED_CONTRACTS = [
  "AgentWallet",
  "WalletModule",
  "AgentWalletFactory",
  "PasskeyOwner",
  "PasskeyOwnerFactory",
  "LeashLens",
];

describe("EIP-170 code size @productionBuild", function () {
  for (const name of DEPLOYED_CONTRACTS) {
    it(`test_codeSize_${name}_fitsEip170`, async function () {
      const artifact = await hre.artifacts.readArtifact(name);
      const size = (artifact.deployedBytecode.length - 2) / 2;
      expect(size, `${name} runtime code is ${size} bytes`).to.be.greaterThan(0);
      expect(size, `${name} runtime code is ${size} bytes`).to.be.at.most(EIP170_LIMIT);
    });
  }
});
