/**
 * Elevation of privilege: who may call what. Read from the sources (every state-changing external function of
 * the deployed contracts and its guard), then checked against a live wallet: outsiders, agents' keys and
 * guardians are refused by each guard, and everything a guardian may do alone is a tightening (no timelock
 * would apply to it as a self-call either).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { type FunctionFragment, Interface, ZeroAddress } from "ethers";
import { AgentWallet__factory, IAgentWallet__factory } from "../../typechain-types/index.js";
import { agentFixture, queuedFrom, self, signedExec, walletFixture } from "../helpers/wallet.js";
import type { Conn } from "../helpers/wallet.js";
import { parseSolidity, readSource, walkAst } from "../../scripts/audit/solidity.js";

const conn: Conn = await network.create();
// A plain Interface: functions are looked up by names read from the sources.
const walletInterface = new Interface(IAgentWallet__factory.abi);
const { ethers, networkHelpers } = conn;
const root = process.cwd();

const DEPLOYED = [
  ["contracts/wallet/AgentWallet.sol", "AgentWallet"],
  ["contracts/wallet/WalletModule.sol", "WalletModule"],
  ["contracts/lens/LeashLens.sol", "LeashLens"],
  ["contracts/factory/AgentWalletFactory.sol", "AgentWalletFactory"],
  ["contracts/owners/PasskeyOwnerFactory.sol", "PasskeyOwnerFactory"],
] as const;
const GUARDS = [
  "onlySelf",
  "onlySelfByEffect",
  "onlyOwner",
  "onlyGuardian",
  "onlyEntryPoint",
  "initializer",
];
/** State-changing functions anyone may call (contract.function), and why that is safe. */
const OPEN: Record<string, string> = {
  "AgentWallet.execute": "runs only a queued proposal, approved by M current owners, past its eta",
  "AgentWallet.executeWithSignatures":
    "checks M owner signatures over the batch, chain, wallet, nonce and deadline",
  "AgentWalletFactory.createWallet":
    "deploys exactly the wallet its config commits to (CREATE2); idempotent",
  "PasskeyOwnerFactory.createPasskeyOwner":
    "deploys the owner contract of one P-256 key (CREATE2, salt = the key), which only ever accepts that key's assertions and holds nothing; idempotent",
  "AgentWallet.startAgentDay":
    "does only what the agent's first executed op of a new local day would (zero its daily op count and gas budget spend), at most once per local day",
  "WalletModule.requiredDelay":
    "a dry run: the batch's setters run inside a self-call that always reverts (calls to other contracts are skipped)",
  "WalletModule.executeGuardianAction":
    "runs only pause, suspendAgent, revokeAgent or cancel, signed (EIP-712, once, before its deadline) by a current guardian or owner, under the rules that guardian would meet calling it",
  "AgentWallet.approveWithSignatures":
    "records approvals only of current owners who signed (EIP-712, once, before its deadline) this pending proposal",
};

type Guarded = { contract: string; name: string; guard: string | null };

/** Every external/public state-changing function of the deployed contracts with its guard (or null). */
function guardedFunctions(): Guarded[] {
  const out: Guarded[] = [];
  for (const [file, contract] of DEPLOYED) {
    const ast = parseSolidity(file, readSource(root, file));
    walkAst(ast, (node, parents) => {
      if (node.nodeType !== "FunctionDefinition" || node.kind !== "function") return;
      const owner = [...parents].reverse().find((p) => p.nodeType === "ContractDefinition");
      if (owner?.name !== contract) return;
      if (!["external", "public"].includes(node.visibility as string)) return;
      if (["view", "pure"].includes(node.stateMutability as string)) return;
      const modifiers = (node.modifiers as { modifierName: { name: string } }[]).map(
        (m) => m.modifierName.name,
      );
      out.push({
        contract,
        name: node.name as string,
        guard: modifiers.find((m) => GUARDS.includes(m)) ?? null,
      });
    });
  }
  return out;
}

function zeroArgs(fragment: FunctionFragment): unknown[] {
  const zero = (type: string, components?: readonly { type: string }[]): unknown => {
    if (type.endsWith("]")) return [];
    if (type === "tuple") return (components ?? []).map((c) => zero(c.type));
    if (type === "address") return ZeroAddress;
    if (type === "bool") return false;
    if (type.startsWith("bytes"))
      return type === "bytes" ? "0x" : "0x" + "00".repeat(Number(type.slice(5)));
    if (type === "string") return "";
    return 0n;
  };
  return fragment.inputs.map((p) =>
    zero(p.baseType === "tuple" ? "tuple" : p.type, p.components ?? undefined),
  );
}

describe("Access control: no elevation to owner", function () {
  it("test_accessControl_everyStateChangingFunctionHasAGuardOrIsDeliberatelyOpen", function () {
    const functions = guardedFunctions();
    expect(functions.length).to.be.greaterThan(35);
    const unguarded = functions
      .filter((f) => f.guard === null)
      .map((f) => `${f.contract}.${f.name}`);
    expect(unguarded.sort()).to.deep.equal(Object.keys(OPEN).sort());
  });

  it("test_accessControl_outsidersAgentKeysAndGuardiansAreRefusedByEveryGuard", async function () {
    const fx = await networkHelpers.loadFixture(walletFixture);
    const agentKey = await ethers.getImpersonatedSigner(fx.agentKey.address);
    await networkHelpers.setBalance(fx.agentKey.address, ethers.parseEther("1"));
    const expected: Record<string, [string, (who: string) => unknown[]][]> = {
      onlySelf: [["WalletOnlySelf", (who) => [who]]],
      onlySelfByEffect: [["WalletOnlySelf", (who) => [who]]],
      onlyOwner: [["OwnerUnauthorized", (who) => [who]]],
      onlyEntryPoint: [["WalletOnlyEntryPoint", (who) => [who]]],
    };
    let checked = 0;
    for (const f of guardedFunctions()) {
      if (f.contract === "AgentWalletFactory" || f.contract === "PasskeyOwnerFactory") continue;
      if (f.guard === null) continue;
      const fragment = walletInterface.getFunction(f.name);
      const data = walletInterface.encodeFunctionData(fragment!, zeroArgs(fragment!));
      const callers =
        f.guard === "onlyGuardian"
          ? [fx.stranger, agentKey] // guardians may call these: only outsiders are refused
          : [fx.stranger, agentKey, fx.guardian];
      for (const caller of callers) {
        const tx = caller.sendTransaction({ to: fx.address, data });
        const who = await caller.getAddress();
        if (f.guard === "onlyGuardian") {
          await expect(tx, `${f.name} by ${who}`)
            .to.be.revertedWithCustomError(fx.wallet, "GuardianUnauthorized")
            .withArgs(who);
        } else if (f.guard === "initializer") {
          const core = AgentWallet__factory.connect(fx.address, ethers.provider);
          await expect(tx, `${f.name}`).to.be.revertedWithCustomError(
            core,
            "InvalidInitialization",
          );
        } else {
          const [name, args] = expected[f.guard][0];
          await expect(tx, `${f.name} by ${who}`)
            .to.be.revertedWithCustomError(fx.wallet, name)
            .withArgs(...args(who));
        }
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(90);
  });

  it("test_accessControl_whatAGuardianMayDoAloneIsAlwaysATightening", async function () {
    const fx = await networkHelpers.loadFixture(agentFixture);
    const { id: pending } = await queuedFrom(
      fx,
      await signedExec(conn, fx, [self(fx, "addGuardian", [fx.stranger.address])]),
    );
    const args: Record<string, unknown[]> = {
      cancel: [pending],
      invalidateNonce: [1n],
      pause: [],
      revokeAgent: [fx.agentKey.address],
      suspendAgent: [fx.agentKey.address],
    };
    const guardianOnly = guardedFunctions().filter((f) => f.guard === "onlyGuardian");
    expect(guardianOnly.map((f) => f.name).sort()).to.deep.equal(
      ["cancel", "invalidateNonce", "pause", "revokeAgent", "suspendAgent"].sort(),
    );
    for (const f of guardianOnly) {
      const call = self(fx, f.name, args[f.name]);
      // The same call made by the owners as a self-call would not wait for the timelock: it only tightens.
      expect(await fx.wallet.requiredDelay.staticCall([call]), f.name).to.equal(0n);
    }
    // And a guardian can't reach any loosening through the owners' paths.
    await expect(fx.wallet.connect(fx.guardian).propose([], 0n))
      .to.be.revertedWithCustomError(fx.wallet, "OwnerUnauthorized")
      .withArgs(fx.guardian.address);
    await expect(fx.wallet.connect(fx.guardian).approve(1n))
      .to.be.revertedWithCustomError(fx.wallet, "OwnerUnauthorized")
      .withArgs(fx.guardian.address);
  });
});
