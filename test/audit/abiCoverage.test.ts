import { expect } from "chai";
import {
  type AbiFunction,
  type TestSource,
  ambiguousNames,
  findCall,
  loadTestSources,
  stripComments,
  walletFunctions,
} from "./lib/abiCoverage.js";

const root = process.cwd();
// The checker's own files name functions without calling them.
const SELF = ["test/audit/abiCoverage.test.ts", "test/audit/lib/abiCoverage.ts"];

const fn = (name: string, signature = `${name}()`): AbiFunction => ({
  name,
  signature,
  contract: "synthetic",
});
const src = (text: string, file = "test/x.test.ts"): TestSource[] => [
  { file, text: stripComments(text) },
];

describe("ABI coverage: every external function of the wallet is called by a test", function () {
  it("test_abiCoverage_everyWalletFunctionHasATestThatCallsIt", function () {
    const functions = walletFunctions(root);
    // IAgentWallet + AgentWallet + both modules + the factory: 83 functions today.
    expect(functions.length).to.be.greaterThan(80);
    for (const name of [
      "validateUserOp",
      "executeUserOp",
      "createWallet",
      "remaining",
      "propose",
    ]) {
      expect(functions.map((f) => f.name)).to.include(name);
    }
    const sources = loadTestSources(root, SELF);
    const ambiguous = ambiguousNames(root);
    const missing = functions.filter((f) => findCall(f, sources, ambiguous) === null);
    expect(
      missing.map((m) => `${m.signature} (${m.contract})`),
      "add a test that calls each of these functions",
    ).to.deep.equal([]);
  });

  it("test_abiCoverage_aFunctionNoTestCallsIsReported", function () {
    const sources = loadTestSources(root, SELF);
    const ambiguous = ambiguousNames(root);
    expect(findCall(fn("leashFunctionNobodyCalls"), sources, ambiguous)).to.equal(null);
    // Mentioning a name in a comment, or as data only, is not calling it.
    expect(
      findCall(
        fn("setAgentBudget"),
        src(
          '// wallet.setAgentBudget(1)\n/* self(fx, "setAgentBudget", []) */ const n = "setAgentBudget";',
        ),
        new Set(),
      ),
    ).to.equal(null);
  });

  it("test_abiCoverage_recognisesEveryWayTheTestsCallTheWallet", function () {
    const none = new Set<string>();
    const cases: [string, string][] = [
      ["setAgentBudget", "await fx.wallet.setAgentBudget(1n);"],
      ["setAgentBudget", "await world.wallet.connect(world.guardian).setAgentBudget(1n);"],
      ["setAgentBudget", "await fx.wallet.setAgentBudget.staticCall(1n);"],
      ["setAgentBudget", 'const c = self(fx, "setAgentBudget", [a]);'],
      ["setAgentBudget", 'const c = selfCall(world, "setAgentBudget", [a]);'],
      ["setAgentBudget", 'iface.encodeFunctionData("setAgentBudget", [a]);'],
      ["setAgentBudget", 'factory.getFunction("setAgentBudget(address)")(a);'],
    ];
    for (const [name, text] of cases)
      expect(findCall(fn(name), src(text), none), text).to.not.equal(null);
    expect(
      findCall(
        fn("setAgentBudget"),
        src("wallet.call(abi.encodeCall(IAgentManager.setAgentBudget, (a)));", "test/x.t.sol"),
        none,
      ),
    ).to.not.equal(null);
  });

  it("test_abiCoverage_ambiguousNamesNeedAWalletReceiver", function () {
    // `approve` is also ERC-20's and `getAddress` also ethers' own: a token call doesn't count for the wallet.
    const ambiguous = ambiguousNames(root);
    expect(ambiguous.has("approve")).to.equal(true);
    expect(ambiguous.has("getAddress")).to.equal(true);
    expect(ambiguous.has("propose")).to.equal(false);
    const approve = fn("approve", "approve(uint256)");
    expect(findCall(approve, src("await token.approve(spender, 1n);"), ambiguous)).to.equal(null);
    expect(
      findCall(approve, src('erc20.interface.encodeFunctionData("approve", [s, 1n]);'), ambiguous),
    ).to.equal(null);
    expect(findCall(approve, src("IERC20.approve, (s, 1)", "test/x.t.sol"), ambiguous)).to.equal(
      null,
    );
    expect(
      findCall(approve, src("await fx.wallet.connect(fx.ownerSigners[1]).approve(id);"), ambiguous),
    ).to.not.equal(null);
    const getAddress = fn(
      "getAddress",
      "getAddress((address[],uint256,address[],int32,uint32),bytes[],bytes32)",
    );
    // ethers' own `BaseContract.getAddress()` on the wallet or the factory is not the factory's function.
    for (const text of ["await fx.wallet.getAddress();", "await factory.getAddress();"]) {
      expect(findCall(getAddress, src(text), ambiguous), text).to.equal(null);
    }
    expect(
      findCall(getAddress, src('await factory.getFunction("getAddress")(c, s, salt);'), ambiguous),
    ).to.not.equal(null);
  });
});
