/**
 * Repudiation: the wallet's event stream must be enough to rebuild what happened (SPEC §2 "Events and errors").
 * Static check over the sources: every state-changing external function of the deployed contracts emits an
 * event on some path (directly or through the internal functions it calls), except the few listed here with
 * the reason. (Finding F-3, `invalidateNonce` emitting nothing, was caught here and is fixed.)
 */
import { expect } from "chai";
import {
  type AstNode,
  parseSolidity,
  productionSources,
  readSource,
  walkAst,
} from "../../scripts/audit/solidity.js";

const root = process.cwd();
const DEPLOYED = [
  "AgentWallet",
  "WalletModule",
  "LeashLens",
  "AgentWalletFactory",
  "PasskeyOwnerFactory",
];

/** Functions that emit no wallet event, and why that is acceptable (or which finding tracks it). */
const NO_WALLET_EVENT: Record<string, string> = {
  validateUserOp:
    "changes no wallet state but the agent's gas budget spend (`gasBudget(agent)`), which the EntryPoint's UserOperationEvent of the same op accounts for; the prefund it pays is logged by the EntryPoint (Deposited)",
  withdrawDepositTo: "moves the EntryPoint deposit; the EntryPoint logs it (Withdrawn)",
  tryCalls:
    "self-only: runs an owners' batch inside `executeWithSignatures` or an owner user op, whose setters emit their own events and whose caller emits SignedCallsExecuted / ApprovedCallsExecuted, or ProposalQueued when the try is undone",
  requiredDelay:
    "a dry run: the batch's setters run inside a self-call that always reverts, so no state changes",
};

type Fn = { contract: string; name: string; node: AstNode };

function allFunctions(): Fn[] {
  const out: Fn[] = [];
  for (const file of productionSources(root)) {
    walkAst(parseSolidity(file, readSource(root, file)), (node, parents) => {
      if (node.nodeType !== "FunctionDefinition" && node.nodeType !== "ModifierDefinition") return;
      const contract = [...parents].reverse().find((p) => p.nodeType === "ContractDefinition");
      out.push({ contract: contract?.name as string, name: node.name as string, node });
    });
  }
  return out;
}

/** Whether a function emits, directly or through any internal function (by name) it calls. */
function emitter(functions: Fn[]) {
  const byName = new Map<string, Fn[]>();
  for (const f of functions) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
  const memo = new Map<AstNode, boolean>();
  const emits = (f: Fn): boolean => {
    if (memo.has(f.node)) return memo.get(f.node)!;
    memo.set(f.node, false); // recursion guard
    let found = false;
    walkAst(f.node.body, (n) => {
      if (found) return;
      if (n.nodeType === "EmitStatement") found = true;
      if (n.nodeType === "FunctionCall") {
        const callee = n.expression as AstNode & { name?: string; memberName?: string };
        const name = callee.nodeType === "Identifier" ? callee.name : callee.memberName;
        if (name && byName.get(name)?.some(emits)) found = true;
      }
    });
    memo.set(f.node, found);
    return found;
  };
  return emits;
}

describe("Repudiation: every state change is logged", function () {
  it("test_events_everyStateChangingFunctionEmits_orIsAListedException", function () {
    const functions = allFunctions();
    const emits = emitter(functions);
    const external = functions.filter(
      (f) =>
        DEPLOYED.includes(f.contract) &&
        f.node.nodeType === "FunctionDefinition" &&
        ["function", "receive"].includes(f.node.kind as string) &&
        ["external", "public"].includes(f.node.visibility as string) &&
        !["view", "pure"].includes(f.node.stateMutability as string),
    );
    expect(external.length).to.be.greaterThan(35);
    const silent = external.filter((f) => !emits(f)).map((f) => f.name);
    expect(silent.sort()).to.deep.equal(Object.keys(NO_WALLET_EVENT).sort());
  });

  it("test_events_checkerSeesEmitsThroughInternalCalls_andReportsSilence", function () {
    const source = `
      pragma solidity 0.8.28;
      contract C {
        event E();
        function a() external { _b(); }
        function _b() internal { _c(); }
        function _c() internal { emit E(); }
        function silent() external { uint256 x = 1; x; }
      }`;
    const fns: Fn[] = [];
    walkAst(parseSolidity("C.sol", source), (node) => {
      if (node.nodeType === "FunctionDefinition")
        fns.push({ contract: "C", name: node.name as string, node });
    });
    const emits = emitter(fns);
    const by = (n: string) => fns.find((f) => f.name === n)!;
    expect(emits(by("a"))).to.equal(true);
    expect(emits(by("silent"))).to.equal(false);
  });
});
