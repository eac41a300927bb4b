/** The SDK's bundled ABIs (src/client/abi/generated.ts) match the build artifacts: `npm run sdk:abi` after a contract change. */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { SDK_ABI_FILE, renderSdkAbi } from "../../scripts/sdk-abi.js";

describe("SDK ABIs", () => {
  it("src/client/abi/generated.ts is up to date with the artifacts (npm run sdk:abi)", () => {
    expect(
      readFileSync(SDK_ABI_FILE, "utf8") === renderSdkAbi(),
      "stale: run npm run sdk:abi",
    ).to.equal(true);
  });
});
