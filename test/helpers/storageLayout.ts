/**
 * Storage layouts of compiled contracts, extracted with `@openzeppelin/upgrades-core` (the engine of the
 * OpenZeppelin upgrades plugins), from Hardhat 3 build-info files.
 *
 * Hardhat's build does not request `storageLayout`, so the sources recorded in the build-info files are
 * recompiled here with the pinned solcjs (analysis only: storage layout and AST, no code generation), plus
 * the "namespaced" compilation upgrades-core needs for ERC-7201 structs.
 */
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
// CommonJS packages without type declarations usable from this ESM/TS setup.
const core: any = require("@openzeppelin/upgrades-core");
const solc: any = require("solc");

type Json = Record<string, any>;

export type LayoutReport = { ok: boolean; explain: (color?: boolean) => string };

export class StorageLayouts {
  private constructor(
    private readonly runData: Json,
    private readonly data: Json,
    private readonly names: Map<string, string>,
  ) {}

  /** Compiles the build-info sources behind the given artifacts (e.g. `contracts/wallet/AgentWallet.sol`). */
  static load(root: string, artifactPaths: string[]): StorageLayouts {
    const sources: Json = {};
    const hardhatContracts: Json = {};
    let settings: Json | undefined;
    const names = new Map<string, string>();
    // After an incremental build the artifacts point to several build-info files, and an older one may hold an
    // older text of a shared source: read them oldest first so that the newest text of every source wins.
    const artifacts = artifactPaths
      .map((artifactPath) => {
        const artifact = JSON.parse(
          readFileSync(path.join(root, "artifacts", artifactPath), "utf8"),
        );
        const buildInfoFile = path.join(
          root,
          "artifacts/build-info",
          `${artifact.buildInfoId}.json`,
        );
        return { artifact, buildInfoFile, builtAt: statSync(buildInfoFile).mtimeMs };
      })
      .sort((a, b) => a.builtAt - b.builtAt);
    for (const { artifact, buildInfoFile } of artifacts) {
      const buildInfo = JSON.parse(readFileSync(buildInfoFile, "utf8"));
      const output = JSON.parse(
        readFileSync(
          path.join(root, "artifacts/build-info", `${artifact.buildInfoId}.output.json`),
          "utf8",
        ),
      ).output;
      Object.assign(sources, buildInfo.input.sources);
      for (const [src, contracts] of Object.entries(output.contracts as Json)) {
        hardhatContracts[src] = { ...(hardhatContracts[src] ?? {}), ...(contracts as Json) };
      }
      // Remappings are per build: an incremental one lists only those its own sources need (e.g. none for the
      // EntryPoint package's imports), so keep the union of all of them for the merged sources.
      const remappings = new Set<string>([
        ...((settings?.remappings as string[] | undefined) ?? []),
        ...((buildInfo.input.settings.remappings as string[] | undefined) ?? []),
      ]);
      settings = { ...buildInfo.input.settings, remappings: [...remappings].sort() };
      names.set(artifact.contractName, `${artifact.inputSourceName}:${artifact.contractName}`);
    }
    const input = {
      language: "Solidity",
      sources,
      settings: { ...settings, outputSelection: { "*": { "*": ["storageLayout"], "": ["ast"] } } },
    };
    const output = compile(input);
    // upgrades-core reads the bytecode only to fingerprint contracts: take it from Hardhat's own build.
    for (const [src, contracts] of Object.entries(output.contracts as Json)) {
      for (const [name, contract] of Object.entries(contracts as Json)) {
        contract.evm = hardhatContracts[src]?.[name]?.evm ?? {
          bytecode: { object: "", linkReferences: {} },
        };
      }
    }
    const namespacedOutput = compile(core.makeNamespacedInput(input, output, solc.version()));
    const decodeSrc = core.solcInputOutputDecoder(input, output);
    const runData = core.validate(output, decodeSrc, "0.8.28", input, namespacedOutput);
    return new StorageLayouts(runData, core.concatRunData(runData), names);
  }

  private version(contractName: string) {
    const fullName = this.names.get(contractName);
    if (fullName === undefined) throw new Error(`not loaded: ${contractName}`);
    return core.getContractVersion(this.runData, fullName);
  }

  /** The contract's storage layout, ERC-7201 namespaces included. */
  layout(contractName: string): Json {
    return core.getStorageLayout(this.data, this.version(contractName));
  }

  /** upgrades-core's compatibility report for upgrading `from` to `to` (contract names or layouts). */
  upgradeReport(from: string | Json, to: string | Json): LayoutReport {
    const resolve = (x: string | Json) => (typeof x === "string" ? this.layout(x) : x);
    return core.getStorageUpgradeReport(
      resolve(from),
      resolve(to),
      core.withValidationDefaults({}),
    );
  }

  /** Upgrade-safety findings (constructor, immutable, delegatecall, selfdestruct, ...) for a UUPS implementation. */
  upgradeSafetyErrors(contractName: string): { kind: string; name?: string; src: string }[] {
    return core.getErrors(
      this.data,
      this.version(contractName),
      core.withValidationDefaults({ kind: "uups" }),
    );
  }
}

function compile(input: Json): Json {
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e: Json) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e: Json) => e.formattedMessage).join("\n"));
  return output;
}
