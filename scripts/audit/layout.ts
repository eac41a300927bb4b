/**
 * Storage-layout compatibility of the current `AgentWallet` implementation with the last released layout,
 * committed as `audits/storage-layout.reference.json` (every ERC-7201 namespace included). Regenerate the
 * reference deliberately, when an implementation is released: `npm run audit -- --update-layout-reference`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { format } from "prettier";
import { StorageLayouts } from "../../test/helpers/storageLayout.js";

export const LAYOUT_REFERENCE = "audits/storage-layout.reference.json";
const ARTIFACTS = [
  "contracts/wallet/AgentWallet.sol/AgentWallet.json",
  "contracts/mocks/AgentWalletBadLayoutMock.sol/AgentWalletBadLayoutMock.json",
];
/** What upgrades-core may flag in the implementation, each justified in test/wallet/storageLayout.test.ts. */
const ALLOWED_UNSAFE = new Set(["constructor", "state-variable-immutable", "delegatecall"]);

export type LayoutCheck = {
  ok: boolean;
  compatible: boolean;
  explanation: string;
  unexpectedUnsafe: { kind: string; name?: string; src: string }[];
  namespaces: string[];
  controlRejected: boolean;
};

export function loadLayouts(root: string): StorageLayouts {
  return StorageLayouts.load(root, ARTIFACTS);
}

export function readReference(root: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(root, LAYOUT_REFERENCE), "utf8"));
}

/** Compares the current implementation with the reference; the bad-layout mock must be refused (control). */
export function checkLayout(root: string, layouts = loadLayouts(root)): LayoutCheck {
  const reference = readReference(root);
  const report = layouts.upgradeReport(reference, "AgentWallet");
  const unexpectedUnsafe = layouts
    .upgradeSafetyErrors("AgentWallet")
    .filter((e) => !ALLOWED_UNSAFE.has(e.kind));
  const controlRejected = !layouts.upgradeReport(reference, "AgentWalletBadLayoutMock").ok;
  return {
    ok: report.ok && unexpectedUnsafe.length === 0 && controlRejected,
    compatible: report.ok,
    explanation: report.ok ? "compatible" : report.explain(false),
    unexpectedUnsafe,
    namespaces: Object.keys((layouts.layout("AgentWallet").namespaces ?? {}) as object).sort(),
    controlRejected,
  };
}

/** Writes the current implementation's layout as the new reference (a release step, never to make a check pass). */
export async function writeReference(root: string, layouts = loadLayouts(root)): Promise<string> {
  const file = path.join(root, LAYOUT_REFERENCE);
  // Formatted as the repository's prettier check expects, so a regenerated reference passes `npm run lint`.
  const text = await format(JSON.stringify(layouts.layout("AgentWallet")), { parser: "json" });
  writeFileSync(file, text);
  return file;
}
