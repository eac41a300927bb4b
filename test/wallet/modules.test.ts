/**
 * The wallet's code is split in three (core -> GovernanceModule -> AgentPolicyModule, by DELEGATECALL through the
 * fallbacks; audits/STRUCTURE.md says why). What the split must never allow, each checked here:
 * - selector shadowing: a module function the core (or the first module) also implements is never reached
 *   through the wallet, so a divergent copy would be a silent trap; only identical shared code may overlap;
 * - contracts built for different EntryPoints: each constructor checks the module it delegates to;
 * - a module called directly doing anything: it runs on its own empty storage and refuses every change;
 * - the policy engine charging agent spending from more than one compiled copy: only the core charges.
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
 * The only functions compiled into more than one of the three: both come from code the three share, so every
 * copy answers alike. `eip712Domain()` is OpenZeppelin's public EIP712 getter (one domain, fixed in
 * ProposalManager's constructor); `entryPoint()` is each module's, checked equal to the core's at deployment.
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

describe("The wallet's split into a core and two modules", function () {
  describe("selectors", function () {
    it("test_selectors_coreAndModulesOverlapOnlyInSharedIdenticalCode", async function () {
      const core = await functionsOf("AgentWallet");
      const governance = await functionsOf("GovernanceModule");
      const policy = await functionsOf("AgentPolicyModule");
      expect(overlap(core, governance), "core vs GovernanceModule").to.deep.equal(SHARED_IDENTICAL);
      expect(overlap(core, policy), "core vs AgentPolicyModule").to.deep.equal(SHARED_IDENTICAL);
      expect(overlap(governance, policy), "GovernanceModule vs AgentPolicyModule").to.deep.equal(
        SHARED_IDENTICAL,
      );
    });

    it("test_selectors_everyModuleFunctionIsInIAgentWallet_andEveryIAgentWalletFunctionIsImplemented", async function () {
      const core = await functionsOf("AgentWallet");
      const governance = await functionsOf("GovernanceModule");
      const policy = await functionsOf("AgentPolicyModule");
      const wallet = await functionsOf("IAgentWallet");
      // What the SDK's ABI (IAgentWallet) names is implemented by the first contract the call reaches.
      for (const [selector, signature] of wallet) {
        const implementedBy = [core, governance, policy].filter((c) => c.has(selector)).length;
        expect(implementedBy, `${signature} is implemented`).to.be.greaterThan(0);
      }
      // And a module function outside IAgentWallet would be reachable through the wallet yet unknown to its
      // users and reviewers.
      for (const module of [governance, policy]) {
        for (const [selector, signature] of module) {
          if (SHARED_IDENTICAL.includes(signature)) continue;
          expect(wallet.has(selector), `${signature} is declared in IAgentWallet`).to.equal(true);
        }
      }
    });
  });

  describe("where agent spending is charged", function () {
    // An agent's payment is charged by the policy engine in one place, the core (its user operations and its
    // escalated payments through `execute`): a second compiled copy in a module could drift from it. Every
    // charged agent call emits `AgentCallExecuted`, every escalation `ApprovalRequested`; a LOG's topic is a
    // PUSH32 of the event's hash in the runtime code, so the contracts that can emit them are the ones that
    // charge.
    it("test_engine_chargesAgentSpendingInTheCoreAlone", async function () {
      const events = new Interface((await hre.artifacts.readArtifact("IPolicyEngine")).abi);
      for (const name of ["AgentCallExecuted", "ApprovalRequested"]) {
        const push32 = "7f" + events.getEvent(name)!.topicHash.slice(2);
        const emitters: string[] = [];
        for (const contract of ["AgentWallet", "GovernanceModule", "AgentPolicyModule"]) {
          const code = (await hre.artifacts.readArtifact(contract)).deployedBytecode;
          if (code.includes(push32)) emitters.push(contract);
        }
        expect(emitters, `contracts that emit ${name}`).to.deep.equal(["AgentWallet"]);
      }
    });
  });

  describe("constructors", function () {
    it("test_constructor_modulesAndCoreAgreeOnTheEntryPoint", async function () {
      const { entryPoint, implementation, governanceModule, policyModule } =
        await networkHelpers.loadFixture(fixture);
      const expected = await entryPoint.getAddress();
      expect(await implementation.entryPoint()).to.equal(expected);
      expect(await governanceModule.entryPoint()).to.equal(expected);
      expect(await policyModule.entryPoint()).to.equal(expected);
    });

    // Each contract that delegates checks the module it delegates to.
    for (const [deployer, module] of [
      ["GovernanceModule", "policyModule"],
      ["AgentWallet", "governanceModule"],
    ] as const) {
      it(`test_constructor_${deployer}_refusesAModuleForAnotherEntryPoint`, async function () {
        const leash = await networkHelpers.loadFixture(fixture);
        const moduleAddress = await leash[module].getAddress();
        const otherEntryPoint = await ethers.deployContract("EntryPoint");
        const factory = await ethers.getContractFactory(deployer);
        await expect(factory.deploy(await otherEntryPoint.getAddress(), moduleAddress))
          .to.be.revertedWithCustomError(factory, "WalletModuleMismatch")
          .withArgs(
            moduleAddress,
            await otherEntryPoint.getAddress(),
            await leash.entryPoint.getAddress(),
          );
      });
    }

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
  });

  describe("a module called directly", function () {
    for (const name of ["GovernanceModule", "AgentPolicyModule"] as const) {
      it(`test_${name}_calledDirectly_refusesEveryChange`, async function () {
        const leash = await networkHelpers.loadFixture(fixture);
        const module = name === "GovernanceModule" ? leash.governanceModule : leash.policyModule;
        const address = await module.getAddress();
        const abi = new Interface(module.interface.fragments);
        const changes: FunctionFragment[] = [];
        abi.forEachFunction((fn) => {
          if (fn.stateMutability !== "view" && fn.stateMutability !== "pure") changes.push(fn);
        });
        expect(changes.length, "state-changing functions to try").to.be.greaterThan(10);
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
        expect(accepted, `${name} functions a stranger can run on the module itself`).to.deep.equal(
          [],
        );
        // It never holds anything to take.
        expect(await ethers.provider.getBalance(address)).to.equal(0n);
      });
    }
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
