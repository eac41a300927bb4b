import { expect } from "chai";
import { checkLayout, loadLayouts, readReference } from "../../scripts/audit/layout.js";
import type { StorageLayouts } from "../helpers/storageLayout.js";

const root = process.cwd();
const LEASH_NAMESPACES = [
  "Hot",
  "Owners",
  "Guardians",
  "Timelock",
  "Agents",
  "Policy",
  "Proposals",
];

describe("Storage layout against the released reference (audits/storage-layout.reference.json)", function () {
  this.timeout(120_000);
  let layouts: StorageLayouts;

  before(function () {
    layouts = loadLayouts(root);
  });

  it("test_storageLayout_referenceHoldsEveryWalletNamespace", function () {
    const reference = readReference(root) as { namespaces: Record<string, { label: string }[]> };
    for (const ns of LEASH_NAMESPACES) {
      const fields = reference.namespaces[`erc7201:leash.storage.${ns}`];
      expect(fields, ns).to.be.an("array").that.is.not.empty;
    }
    expect(reference.namespaces["erc7201:leash.storage.Owners"].map((f) => f.label)).to.deep.equal([
      "owners",
      "isOwner",
      "threshold",
      "epochs",
      "epochOf",
      "signatureEpoch",
      "memberChangedAt",
    ]);
  });

  it("test_storageLayout_currentImplementationUpgradesFromTheReference", function () {
    const check = checkLayout(root, layouts);
    expect(check.explanation).to.equal("compatible");
    expect(check.unexpectedUnsafe).to.deep.equal([]);
    // The control: a layout that reorders the owners' namespace is refused against the same reference.
    expect(check.controlRejected).to.equal(true);
    expect(check.ok).to.equal(true);
  });

  it("test_storageLayout_referenceCheckCatchesAChangedField", function () {
    const reference = structuredClone(readReference(root)) as {
      namespaces: Record<string, { label: string; slot: string }[]>;
    };
    // A released layout with one more field in the owners' namespace: today's implementation dropped it.
    reference.namespaces["erc7201:leash.storage.Owners"].push({
      ...reference.namespaces["erc7201:leash.storage.Owners"][2],
      label: "nonce",
      slot: "3",
    });
    const report = layouts.upgradeReport(reference, "AgentWallet");
    expect(report.ok).to.equal(false);
    expect(report.explain(false)).to.include("nonce");
  });
});
