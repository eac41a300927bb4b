/**
 * Generates docs/errors.md: every error a Leash user can meet, with what it means, why it happens and how to
 * fix it.
 *
 *   npx tsx scripts/errors-doc.ts           # (re)writes docs/errors.md
 *   npx tsx scripts/errors-doc.ts --check   # exit 1 if an error lacks text, text is stale, or the doc is out of date
 *
 * Sources, so the doc can't drift from the code:
 * - wallet custom errors: the ABIs of `contracts/interfaces/*` (compiled artifacts, so run `npx hardhat build`
 *   first); "means" is the error's own `/// @dev` NatSpec in the interface source;
 * - other errors the deployed contracts can revert with (OpenZeppelin's): the ABIs of the deployed contracts;
 * - EntryPoint `AAxx` codes: the revert strings in `@account-abstraction/contracts/core`;
 * - relayer JSON-RPC codes: `RpcErrorCode` in `src/relayer/errors.ts`.
 * The hand-written "why" and "fix" (and "means" where there is no NatSpec) live in `docs/error-fixes.json`.
 */
import { readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { id as keccakId } from "ethers";
import { RpcErrorCode } from "../src/relayer/errors.js";

type AbiParam = { name: string; type: string; internalType?: string; components?: AbiParam[] };
type AbiError = { type: "error"; name: string; inputs: AbiParam[] };
type Text = { means?: string; why: string; fix: string };

export type ErrorFixes = {
  contracts: Record<string, Text>;
  library: Record<string, Text>;
  entryPoint: Record<string, Text>;
  relayer: Record<string, Text>;
};

/** The deployed contracts whose ABIs may carry errors beyond the interfaces (OpenZeppelin's). */
const DEPLOYED = [
  "contracts/wallet/AgentWallet.sol/AgentWallet.json",
  "contracts/wallet/WalletModule.sol/WalletModule.json",
  "contracts/lens/LeashLens.sol/LeashLens.json",
  "contracts/factory/AgentWalletFactory.sol/AgentWalletFactory.json",
  "contracts/owners/PasskeyOwner.sol/PasskeyOwner.json",
  "contracts/owners/PasskeyOwnerFactory.sol/PasskeyOwnerFactory.json",
];

export const DOC_PATH = "docs/errors.md";
export const FIXES_PATH = "docs/error-fixes.json";

type ContractError = {
  name: string;
  signature: string;
  selector: string;
  source: string;
  means?: string;
};

function canonicalType(p: AbiParam): string {
  if (p.type.startsWith("tuple")) {
    return `(${(p.components ?? []).map(canonicalType).join(",")})${p.type.slice(5)}`;
  }
  return p.type;
}

function describe(e: AbiError): { signature: string; selector: string; display: string } {
  const signature = `${e.name}(${e.inputs.map(canonicalType).join(",")})`;
  const display = `${e.name}(${e.inputs
    .map((p) => {
      // Enums are uint8 in the ABI; show the Solidity type a reader knows them by.
      const type = p.internalType?.startsWith("enum ") ? p.internalType.slice(5) : p.type;
      return p.name ? `${type} ${p.name}` : type;
    })
    .join(", ")})`;
  return { signature, selector: keccakId(signature).slice(0, 10), display };
}

function readAbi(root: string, artifact: string): AbiError[] {
  const file = path.join(root, "artifacts", artifact);
  if (!existsSync(file)) {
    throw new Error(`missing artifact ${artifact}: run \`npx hardhat build\` first`);
  }
  const json = JSON.parse(readFileSync(file, "utf8")) as { abi: { type: string }[] };
  return json.abi.filter((x): x is AbiError => x.type === "error");
}

/** The `/// @dev` (or `@notice`) text right above `error Name(` in a Solidity source. */
export function natspecOf(source: string, name: string): string | undefined {
  const lines = source.split("\n");
  const at = lines.findIndex((l) => new RegExp(`^\\s*error\\s+${name}\\s*\\(`).test(l));
  if (at < 0) return undefined;
  const doc: string[] = [];
  for (let i = at - 1; i >= 0 && /^\s*\/\/\//.test(lines[i]); i--) {
    doc.unshift(
      lines[i]
        .replace(/^\s*\/\/\/\s?/, "")
        .replace(/^@(dev|notice)\s+/, "")
        .trim(),
    );
  }
  const text = doc.join(" ").trim();
  return text.length > 0 ? text : undefined;
}

/** Every custom error of contracts/interfaces, grouped by interface file, with its NatSpec. */
export function interfaceErrors(root: string): Map<string, ContractError> {
  const dir = path.join(root, "contracts/interfaces");
  const out = new Map<string, ContractError>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".sol"))
    .sort()) {
    const source = readFileSync(path.join(dir, file), "utf8");
    const artifactDir = path.join(root, "artifacts/contracts/interfaces", file);
    if (!existsSync(artifactDir)) continue; // a file of types only (no contract, no artifact)
    for (const json of readdirSync(artifactDir).filter((f) => f.endsWith(".json"))) {
      for (const e of readAbi(root, `contracts/interfaces/${file}/${json}`)) {
        // Errors inherited from another interface appear in every child's ABI: keep the declaring file.
        if (!new RegExp(`\\berror\\s+${e.name}\\s*\\(`).test(source)) continue;
        const d = describe(e);
        out.set(e.name, {
          name: e.name,
          signature: d.display,
          selector: d.selector,
          source: `contracts/interfaces/${file}`,
          means: natspecOf(source, e.name),
        });
      }
    }
  }
  return out;
}

/** Errors in the deployed contracts' ABIs that no interface declares (OpenZeppelin's). */
export function libraryErrors(
  root: string,
  declared: Map<string, ContractError>,
): Map<string, ContractError> {
  const out = new Map<string, ContractError>();
  for (const artifact of DEPLOYED) {
    for (const e of readAbi(root, artifact)) {
      if (declared.has(e.name) || out.has(e.name)) continue;
      const d = describe(e);
      out.set(e.name, {
        name: e.name,
        signature: d.display,
        selector: d.selector,
        source: path.basename(artifact, ".json"),
      });
    }
  }
  // Which deployed contracts can raise it, for the reader.
  for (const artifact of DEPLOYED) {
    const names = new Set(readAbi(root, artifact).map((e) => e.name));
    for (const [name, e] of out) {
      const contract = path.basename(artifact, ".json");
      if (names.has(name) && !e.source.split(", ").includes(contract)) {
        e.source = `${e.source}, ${contract}`;
      }
    }
  }
  return out;
}

/** The EntryPoint's `AAxx` revert strings: code -> message. */
export function entryPointCodes(root: string): Map<string, string> {
  const dir = path.join(root, "node_modules/@account-abstraction/contracts/core");
  const out = new Map<string, string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".sol"))) {
    const source = readFileSync(path.join(dir, file), "utf8");
    for (const m of source.matchAll(/"(AA\d\d) ([^"]*)"/g)) {
      const known = out.get(m[1]);
      out.set(m[1], known && known !== m[2] ? `${known}; ${m[2]}` : m[2]);
    }
  }
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** Relayer JSON-RPC codes: name -> code. */
export function relayerCodes(): Map<string, number> {
  return new Map(Object.entries(RpcErrorCode).map(([name, code]) => [name, code as number]));
}

function textProblems(group: string, key: string, text: Text | undefined, needsMeans: boolean) {
  const problems: string[] = [];
  if (!text) return [`${group}.${key}: no entry in ${FIXES_PATH}`];
  const fields: (keyof Text)[] = needsMeans ? ["why", "fix", "means"] : ["why", "fix"];
  for (const field of fields) {
    const value = text[field];
    if (typeof value !== "string" || value.trim().length < 10) {
      problems.push(`${group}.${key}: "${field}" missing or too short in ${FIXES_PATH}`);
    }
  }
  return problems;
}

function entry(heading: string, means: string, text: Text): string {
  return [
    `### ${heading}`,
    "",
    `- **Means:** ${means}`,
    `- **Why:** ${text.why}`,
    `- **Fix:** ${text.fix}`,
    "",
  ].join("\n");
}

/** Builds the document and lists every problem (missing, short or stale text). */
export function buildErrorsDoc(
  root: string,
  fixes: ErrorFixes,
): { markdown: string; problems: string[] } {
  const problems: string[] = [];
  const declared = interfaceErrors(root);
  const library = libraryErrors(root, declared);
  const codes = entryPointCodes(root);
  const rpc = relayerCodes();
  if (declared.size === 0) problems.push("no custom errors found in contracts/interfaces");
  if (codes.size === 0) problems.push("no AAxx codes found in the EntryPoint sources");

  for (const e of declared.values()) {
    if (!e.means) problems.push(`contracts.${e.name}: no /// @dev NatSpec in ${e.source}`);
    problems.push(...textProblems("contracts", e.name, fixes.contracts[e.name], false));
  }
  for (const e of library.values()) {
    problems.push(...textProblems("library", e.name, fixes.library[e.name], true));
  }
  for (const code of codes.keys()) {
    problems.push(...textProblems("entryPoint", code, fixes.entryPoint[code], false));
  }
  for (const name of rpc.keys()) {
    problems.push(...textProblems("relayer", name, fixes.relayer[name], true));
  }
  // Text for errors that no longer exist is stale: it must go (or the error was renamed).
  const stale = (group: keyof ErrorFixes, live: Set<string>) => {
    for (const key of Object.keys(fixes[group] ?? {})) {
      if (!live.has(key))
        problems.push(`${group}.${key}: stale entry, no such error any more (${FIXES_PATH})`);
    }
  };
  stale("contracts", new Set(declared.keys()));
  stale("library", new Set(library.keys()));
  stale("entryPoint", new Set(codes.keys()));
  stale("relayer", new Set(rpc.keys()));

  const out: string[] = [
    "# Leash errors: what they mean, why they happen, how to fix them",
    "",
    "<!-- Generated by `npx tsx scripts/errors-doc.ts` from the contracts' ABIs and NatSpec, the EntryPoint",
    "     sources, src/relayer/errors.ts and docs/error-fixes.json. Edit those, not this file. -->",
    "",
    "Four families, in the order a request meets them:",
    "",
    "1. [Relayer JSON-RPC errors](#relayer-json-rpc-errors): the relayer refused the request before spending gas.",
    "   For user operations `error.data` carries the decoded cause (`rule` = one of the wallet errors below).",
    "2. [EntryPoint `AAxx` codes](#entrypoint-aaxx-codes): validation of a user operation failed (in the",
    "   relayer's simulation or on-chain).",
    "3. [Wallet custom errors](#wallet-custom-errors): the wallet refused a call; every policy refusal names the",
    "   rule and carries the values (selector = first 4 bytes of the revert data).",
    "4. [Other errors the contracts can return](#other-errors-the-contracts-can-return) (OpenZeppelin's).",
    "",
    "## Relayer JSON-RPC errors",
    "",
    "Every error is `{ code, message, data? }`; messages are one line and never carry a secret or a stack trace.",
    "",
  ];
  for (const [name, code] of [...rpc.entries()].sort(([, a], [, b]) => b - a)) {
    const text = fixes.relayer[name];
    if (text) out.push(entry(`\`${code}\` ${name}`, text.means ?? "", text));
  }
  out.push(
    "## EntryPoint `AAxx` codes",
    "",
    'The EntryPoint v0.8 reverts with `FailedOp(opIndex, "AAxx ...")` (or `FailedOpWithRevert` with the',
    "account's own revert data). The relayer maps AA24/AA34 to `-32507`, AA22/AA32 to `-32503`, paymaster codes",
    "to `-32501` and the others to `-32500`. A Leash wallet never reverts in `validateUserOp`: every refusal there",
    "(bad signature, unknown/suspended/revoked agent, paused wallet, paymaster, gas above `maxOpCost`, daily gas",
    "budget `gasPerDay` spent) comes back as **AA24**.",
    "",
  );
  for (const [code, message] of codes) {
    const text = fixes.entryPoint[code];
    if (text) out.push(entry(`${code} ${message}`, `EntryPoint: "${code} ${message}".`, text));
  }
  out.push("## Wallet custom errors", "");
  const bySource = new Map<string, ContractError[]>();
  for (const e of declared.values()) {
    bySource.set(e.source, [...(bySource.get(e.source) ?? []), e]);
  }
  for (const [source, errors] of [...bySource.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`### ${path.basename(source, ".sol")} (\`${source}\`)`, "");
    for (const e of errors) {
      const text = fixes.contracts[e.name];
      if (text) {
        out.push(
          entry(`\`${e.signature}\` — \`${e.selector}\``, e.means ?? "", text).replace(
            /^### /,
            "#### ",
          ),
        );
      }
    }
  }
  out.push("## Other errors the contracts can return", "");
  for (const e of [...library.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const text = fixes.library[e.name];
    if (text) {
      out.push(
        entry(`\`${e.signature}\` — \`${e.selector}\` (${e.source})`, text.means ?? "", text),
      );
    }
  }
  return { markdown: out.join("\n").trimEnd() + "\n", problems };
}

export function loadFixes(root: string): ErrorFixes {
  return JSON.parse(readFileSync(path.join(root, FIXES_PATH), "utf8")) as ErrorFixes;
}

/** `--check`: every problem, plus a stale or missing docs/errors.md. */
export function checkErrorsDoc(
  root: string,
  fixes: ErrorFixes = loadFixes(root),
  current: string | null = existsSync(path.join(root, DOC_PATH))
    ? readFileSync(path.join(root, DOC_PATH), "utf8")
    : null,
): string[] {
  const { markdown, problems } = buildErrorsDoc(root, fixes);
  if (current === null) problems.push(`${DOC_PATH} is missing: run npx tsx scripts/errors-doc.ts`);
  else if (current !== markdown) {
    problems.push(`${DOC_PATH} is out of date: run npx tsx scripts/errors-doc.ts`);
  }
  return problems;
}

function main(): void {
  const root = process.cwd();
  if (process.argv.includes("--check")) {
    const problems = checkErrorsDoc(root);
    for (const p of problems) console.error(`errors-doc: ${p}`);
    if (problems.length > 0) process.exit(1);
    console.log(`errors-doc: ${DOC_PATH} is complete and up to date`);
    return;
  }
  const { markdown, problems } = buildErrorsDoc(root, loadFixes(root));
  writeFileSync(path.join(root, DOC_PATH), markdown);
  for (const p of problems) console.error(`errors-doc: ${p}`);
  console.log(
    `errors-doc: wrote ${DOC_PATH}${problems.length ? ` (${problems.length} problems)` : ""}`,
  );
  if (problems.length > 0) process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    main();
  } catch (error) {
    console.error(`errors-doc: ${(error as Error).message}`);
    process.exit(1);
  }
}
