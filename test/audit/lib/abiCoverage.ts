/**
 * ABI coverage of the tests: every external/public function of the wallet's ABIs must be called by some test.
 * A static scan of the test sources (TypeScript and Solidity), strict where a name is ambiguous.
 *
 * Evidence that a test calls function `N`:
 * - selector-level (always accepted): `encodeFunctionData("N"`, `getFunction("N"`, the helpers that encode a
 *   wallet self-call (`self(fx, "N"`, `selfCall(world, "N"`, `encodeSelfCall("N"`, `encodeWalletCall("N"`,
 *   `walletCall(.., "N"`), or in Solidity `Iface.N` (e.g. `abi.encodeCall(IOwnerManager.addOwner, ...)`,
 *   `IAccountExecute.executeUserOp.selector`);
 * - a method call `.N(` / `.N.staticCall(`: accepted anywhere for a name only the wallet has; for a name that
 *   another contract used in the tests also has (ERC-20 `approve`, EntryPoint `getNonce`, SimpleAccount's
 *   `entryPoint`, ethers' own `BaseContract.getAddress`...), only on a wallet-like receiver (`wallet`, `impl`,
 *   `twin`, `factory`, ... optionally `.connect(x)`), or through a Solidity variable typed as the wallet.
 * Comments are stripped first, so a name mentioned in a comment is not a call.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { BaseContract } from "ethers";

export type AbiFunction = { name: string; signature: string; contract: string };

type AbiItem = { type: string; name?: string; inputs?: { type: string; components?: unknown[] }[] };

/** The wallet's ABIs whose every function needs a test. */
export const WALLET_ARTIFACTS = [
  "contracts/interfaces/IAgentWallet.sol/IAgentWallet.json",
  "contracts/wallet/AgentWallet.sol/AgentWallet.json",
  "contracts/wallet/WalletModule.sol/WalletModule.json",
  "contracts/factory/AgentWalletFactory.sol/AgentWalletFactory.json",
];

function canonical(t: { type: string; components?: unknown[] }): string {
  if (t.type.startsWith("tuple")) {
    const inner = (t.components as { type: string; components?: unknown[] }[]).map(canonical);
    return `(${inner.join(",")})${t.type.slice(5)}`;
  }
  return t.type;
}

function readAbi(file: string): AbiItem[] {
  return (JSON.parse(readFileSync(file, "utf8")) as { abi: AbiItem[] }).abi;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

/** Every function of the wallet ABIs (deduplicated by signature; `contract` lists where it comes from). */
export function walletFunctions(root: string): AbiFunction[] {
  const bySignature = new Map<string, AbiFunction>();
  for (const artifact of WALLET_ARTIFACTS) {
    const contract = path.basename(artifact, ".json");
    for (const item of readAbi(path.join(root, "artifacts", artifact))) {
      if (item.type !== "function" || !item.name) continue;
      const signature = `${item.name}(${(item.inputs ?? []).map(canonical).join(",")})`;
      const known = bySignature.get(signature);
      if (known) known.contract = `${known.contract}, ${contract}`;
      else bySignature.set(signature, { name: item.name, signature, contract });
    }
  }
  return [...bySignature.values()].sort((a, b) => a.signature.localeCompare(b.signature));
}

/** Names another contract's ABI (every other artifact) or ethers' BaseContract also uses. */
export function ambiguousNames(root: string): Set<string> {
  const wallet = new Set(WALLET_ARTIFACTS.map((a) => path.join(root, "artifacts", a)));
  const names = new Set<string>();
  for (const file of walk(path.join(root, "artifacts"))) {
    if (!file.endsWith(".json") || file.includes(`${path.sep}build-info${path.sep}`)) continue;
    if (wallet.has(file)) continue;
    // The wallet's own sources (interfaces, abstract managers, policy libraries, factory, the lens that answers
    // its views) are the wallet.
    const own = ["interfaces", "wallet", "policy", "factory", "lens"].map(
      (d) => path.join(root, "artifacts", "contracts", d) + path.sep,
    );
    if (own.some((dir) => file.startsWith(dir))) continue;
    let abi: AbiItem[];
    try {
      abi = readAbi(file);
    } catch {
      continue;
    }
    if (!Array.isArray(abi)) continue;
    // Upgrade mocks inherit the core, test builds of the module the module: their names are the wallet's, not
    // another contract's.
    const inherited = ["replaySafeHash", "executeGuardianAction"];
    if (abi.some((item) => item.type === "function" && inherited.includes(item.name ?? "")))
      continue;
    for (const item of abi) if (item.type === "function" && item.name) names.add(item.name);
  }
  for (const name of ETHERS_RESERVED) names.add(name);
  return names;
}

/** Method names ethers' contract objects have themselves (`wallet.getAddress()` is never the factory's). */
export const ETHERS_RESERVED: ReadonlySet<string> = (() => {
  const names = new Set<string>();
  let proto: object | null = BaseContract.prototype;
  while (proto && proto !== Object.prototype) {
    for (const name of Object.getOwnPropertyNames(proto)) names.add(name);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
})();

/** Source text with comments removed (string contents are kept). */
export function stripComments(source: string): string {
  let out = "";
  let i = 0;
  let quote: string | null = null;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (quote) {
      out += c;
      if (c === "\\") {
        out += next ?? "";
        i += 2;
        continue;
      }
      if (c === quote) quote = null;
      i++;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") {
      quote = c;
      out += c;
      i++;
      continue;
    }
    if (c === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && next === "*") {
      i += 2;
      while (i < source.length && !(source[i] === "*" && source[i + 1] === "/")) i++;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// Helpers of the test suite that encode a call of the wallet on itself: any name they carry is a wallet call.
const WALLET_HELPERS = ["self", "selfCall", "encodeSelfCall", "encodeWalletCall", "walletCall"];
const ENCODERS = ["encodeFunctionData", "getFunction"];
// Receivers that are a wallet (or its implementation, interface or factory) in the tests' naming.
const WALLET_NAME =
  "(?:[\\w$]*(?:wallet|Wallet)|walletInterface|impl|implementation|twin|w|proxy|factory|account|uups)";
const CONNECT = "(?:\\.connect\\([^()]*(?:\\([^()]*\\))?[^()]*\\))?";
const WALLET_RECEIVER = `(?:\\b(?:[A-Za-z_$][\\w$]*\\.)*${WALLET_NAME}|asOwner\\([^)]*\\))${CONNECT}`;
// Solidity types a wallet reference can be qualified with.
const WALLET_TYPES =
  "(?:I(?:AgentWallet|AgentWalletCore|OwnerManager|GuardianManager|Timelock|AgentManager|PolicyEngine|" +
  "ProposalManager|WalletBase|WalletSetup|WalletViews|Account|AccountExecute|ERC1271)|AgentWallet|WalletModule|" +
  "AgentWalletFactory|UUPSUpgradeable)";
const CALL_SUFFIX = "\\s*(?:\\(|\\.(?:staticCall|send|estimateGas|populateTransaction)\\b)";

export type TestSource = { file: string; text: string };

export function loadTestSources(root: string, exclude: string[] = []): TestSource[] {
  const excluded = new Set(exclude.map((f) => path.resolve(root, f)));
  return walk(path.join(root, "test"))
    .filter((f) => /\.(ts|sol)$/.test(f) && !excluded.has(path.resolve(f)))
    .map((file) => ({
      file: path.relative(root, file),
      text: stripComments(readFileSync(file, "utf8")),
    }));
}

/** The patterns that count as a test calling `name`. */
export function callPatterns(name: string, ambiguous: boolean): RegExp[] {
  const n = esc(name);
  const literal = `["'\`]${n}(?:\\([^"'\`]*\\))?["'\`]`;
  const patterns = [
    new RegExp(`\\b(?:${WALLET_HELPERS.join("|")})\\(\\s*(?:[^()"'\`,]+,\\s*)?${literal}`),
    new RegExp(`\\b${WALLET_TYPES}\\.${n}\\b\\s*[(,.)]`),
    ...(ETHERS_RESERVED.has(name) ? [] : [new RegExp(`${WALLET_RECEIVER}\\.${n}${CALL_SUFFIX}`)]),
    new RegExp(`${WALLET_RECEIVER}(?:\\.interface)?\\.(?:${ENCODERS.join("|")})\\(\\s*${literal}`),
  ];
  if (!ambiguous && !ETHERS_RESERVED.has(name)) {
    patterns.push(new RegExp(`\\.${n}${CALL_SUFFIX}`));
    patterns.push(new RegExp(`\\b(?:${ENCODERS.join("|")})\\(\\s*${literal}`));
  }
  return patterns;
}

/** The first test file that calls `fn`, or null. */
export function findCall(
  fn: AbiFunction,
  sources: TestSource[],
  ambiguous: Set<string>,
): string | null {
  const patterns = callPatterns(fn.name, ambiguous.has(fn.name));
  for (const { file, text } of sources) {
    if (patterns.some((re) => re.test(text))) return file;
  }
  return null;
}
