/**
 * The wallet's code is one core and one module (core -> WalletModule by DELEGATECALL through the core's fallback);
 * the module's own fallback forwards the wallet's views to the stateless LeashLens by STATICCALL
 * (audits/STRUCTURE.md says why). What the structure must never allow, each checked here:
 * - selector shadowing: a function the core and the module (or the lens's views) both answer would reach only the
 *   first, so a divergent copy would be a silent trap; only identical shared code may overlap, and the views the
 *   lens answers are implemented by neither;
 * - a core and a module built for different EntryPoints, or a module without its lens;
 * - the module called directly doing anything: it runs on its own empty storage and refuses every change;
 * - the policy engine charging agent spending from more than one compiled copy: only the core charges;
 * - a call nobody implements doing anything but revert (value sent with it is refused, never kept).
 */
import { expect } from "chai";
import hre, { network } from "hardhat";
import { type FunctionFragment, Interface, type ParamType, Wallet, ZeroAddress } from "ethers";
import { deployLeash } from "../helpers/fixtures.js";

const conn = await network.create();
const { ethers, networkHelpers } = conn;

/** selector -> signature of every external function in `name`'s ABI. */
async function functionsOf(name: string) {
  const artifact = await hre.artifacts.readArtifact(name);
  const functions = new Map<string, string>();
  new Interface(artifact.abi).forEachFunction((f) => functions.set(f.selector, f.format()));
  return functions;
}

/**
 * The only functions compiled into both: both come from code they share, so each copy answers alike.
 * `eip712Domain()` is OpenZeppelin's public EIP712 getter (one domain, fixed in ProposalManager's constructor);
 * `entryPoint()` is the module's own, checked equal to the core's at deployment.
 */
const SHARED_IDENTICAL = ["eip712Domain()", "entryPoint()"];

function overlap(a: Map<string, string>, b: Map<string, string>) {
  return [...a.keys()]
    .filter((selector) => b.has(selector))
    .map((s) => a.get(s)!)
    .sort();
}

const fixture = async function modulesFixture() {
  const leash = await deployLeash(ethers);
  const [, stranger] = await ethers.getSigners();
  return { ...leash, stranger };
};

describe("The wallet's structure: one core, one module, views by the lens", function () {
  describe("selectors", function () {
    it("test_selectors_coreAndModuleOverlapOnlyInSharedIdenticalCode", async function () {
      const core = await functionsOf("AgentWallet");
      const module = await functionsOf("WalletModule");
      expect(overlap(core, module), "core vs WalletModule").to.deep.equal(SHARED_IDENTICAL);
    });

    it("test_selectors_theLensViewsAreImplementedByNeitherCoreNorModule", async function () {
      // A view the core or the module also implemented would never reach the lens (or the lens's would never
      // be reached): the answer would depend on which copy a caller happened to hit.
      const views = await functionsOf("IWalletViews");
      expect(views.size, "views the lens answers").to.equal(32);
      for (const contract of ["AgentWallet", "WalletModule"]) {
        expect(
          overlap(views, await functionsOf(contract)),
          `${contract} vs IWalletViews`,
        ).to.deep.equal([]);
      }
    });

    it("test_selectors_everyIAgentWalletFunctionIsAnswered_andEveryModuleFunctionIsInIAgentWallet", async function () {
      const core = await functionsOf("AgentWallet");
      const module = await functionsOf("WalletModule");
      const views = await functionsOf("IWalletViews");
      const wallet = await functionsOf("IAgentWallet");
      // What the SDK's ABI (IAgentWallet) names is answered by exactly one of them.
      for (const [selector, signature] of wallet) {
        const answeredBy = [core, module, views].filter((c) => c.has(selector)).length;
        const shared = SHARED_IDENTICAL.includes(signature) ? 2 : 1;
        expect(answeredBy, `${signature} is answered`).to.equal(shared);
      }
      // A module function outside IAgentWallet would be reachable through the wallet yet unknown to its users
      // and reviewers.
      for (const [selector, signature] of module) {
        if (SHARED_IDENTICAL.includes(signature)) continue;
        expect(wallet.has(selector), `${signature} is declared in IAgentWallet`).to.equal(true);
      }
    });
  });

  describe("where agent spending is charged", function () {
    // An agent's payment is charged by the policy engine in one place, the core (its user operations and its
    // escalated payments through `execute`): a second compiled copy could drift from it. Every charged agent
    // call emits `AgentCallExecuted`, every escalation `ApprovalRequested`; a LOG's topic is a PUSH32 of the
    // event's hash in the runtime code, so the contracts that can emit them are the ones that charge.
    it("test_engine_chargesAgentSpendingInTheCoreAlone", async function () {
      const events = new Interface((await hre.artifacts.readArtifact("IPolicyEngine")).abi);
      for (const name of ["AgentCallExecuted", "ApprovalRequested"]) {
        const push32 = "7f" + events.getEvent(name)!.topicHash.slice(2);
        const emitters: string[] = [];
        for (const contract of ["AgentWallet", "WalletModule", "LeashLens"]) {
          const code = (await hre.artifacts.readArtifact(contract)).deployedBytecode;
          if (code.includes(push32)) emitters.push(contract);
        }
        expect(emitters, `contracts that emit ${name}`).to.deep.equal(["AgentWallet"]);
      }
    });
  });

  describe("constructors", function () {
    it("test_constructor_moduleAndCoreAgreeOnTheEntryPoint", async function () {
      const { entryPoint, implementation, module } = await networkHelpers.loadFixture(fixture);
      const expected = await entryPoint.getAddress();
      expect(await implementation.entryPoint()).to.equal(expected);
      expect(await module.entryPoint()).to.equal(expected);
      expect(await implementation.module()).to.equal(await module.getAddress());
    });

    it("test_constructor_coreRefusesAModuleForAnotherEntryPoint", async function () {
      const leash = await networkHelpers.loadFixture(fixture);
      const moduleAddress = await leash.module.getAddress();
      const otherEntryPoint = await ethers.deployContract("EntryPoint");
      const factory = await ethers.getContractFactory("AgentWallet");
      await expect(factory.deploy(await otherEntryPoint.getAddress(), moduleAddress))
        .to.be.revertedWithCustomError(factory, "WalletModuleMismatch")
        .withArgs(
          moduleAddress,
          await otherEntryPoint.getAddress(),
          await leash.entryPoint.getAddress(),
        );
    });

    it("test_constructor_coreRefusesAModuleWithoutCodeOrEntryPoint", async function () {
      const { entryPoint, factory: walletFactory } = await networkHelpers.loadFixture(fixture);
      const factory = await ethers.getContractFactory("AgentWallet");
      const noCode = Wallet.createRandom().address;
      await expect(factory.deploy(await entryPoint.getAddress(), noCode))
        .to.be.revertedWithCustomError(factory, "WalletModuleMismatch")
        .withArgs(noCode, await entryPoint.getAddress(), ZeroAddress);
      // A contract that answers no `entryPoint()` (the wallet factory) is refused the same way.
      const notAModule = walletFactory.target as string;
      await expect(factory.deploy(await entryPoint.getAddress(), notAModule))
        .to.be.revertedWithCustomError(factory, "WalletModuleMismatch")
        .withArgs(notAModule, await entryPoint.getAddress(), ZeroAddress);
    });

    it("test_constructor_moduleRefusesALensWithoutCode", async function () {
      const { entryPoint, lens } = await networkHelpers.loadFixture(fixture);
      const factory = await ethers.getContractFactory("WalletModule");
      const noCode = Wallet.createRandom().address;
      await expect(factory.deploy(await entryPoint.getAddress(), noCode))
        .to.be.revertedWithCustomError(factory, "WalletLensMissing")
        .withArgs(noCode);
      // The passing side: the same constructor with a deployed lens.
      const module = await factory.deploy(await entryPoint.getAddress(), await lens.getAddress());
      expect(await module.entryPoint()).to.equal(await entryPoint.getAddress());
    });
  });

  describe("a module called directly", function () {
    it("test_WalletModule_calledDirectly_refusesEveryChange", async function () {
      const leash = await networkHelpers.loadFixture(fixture);
      const address = await leash.module.getAddress();
      const abi = new Interface(leash.module.interface.fragments);
      const changes: FunctionFragment[] = [];
      abi.forEachFunction((fn) => {
        if (fn.stateMutability !== "view" && fn.stateMutability !== "pure") changes.push(fn);
      });
      expect(changes.length, "state-changing functions to try").to.be.greaterThan(30);
      const accepted: string[] = [];
      for (const fn of changes) {
        const args = fn.inputs.map(zeroOf);
        const data = abi.encodeFunctionData(fn, args);
        try {
          await leash.stranger.call({ to: address, data });
          accepted.push(fn.format());
        } catch {
          // refused: what we want
        }
      }
      expect(
        accepted,
        "WalletModule functions a stranger can run on the module itself",
      ).to.deep.equal([]);
      // It never holds anything to take.
      expect(await ethers.provider.getBalance(address)).to.equal(0n);
    });
  });
});
/** The zero value of an ABI type, to call every function of a module with "empty" arguments. */
function zeroOf(param: ParamType): unknown {
  if (param.baseType === "array") return [];
  if (param.baseType === "tuple") return param.components!.map(zeroOf);
  if (param.type === "address") return ZeroAddress;
  if (param.type === "bool") return false;
  if (param.type === "bytes" || param.type === "string") return param.type === "bytes" ? "0x" : "";
  if (param.type.startsWith("bytes")) return "0x" + "00".repeat(Number(param.type.slice(5)));
  return 0n;
}
