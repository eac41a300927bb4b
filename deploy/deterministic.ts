/**
 * Same addresses on every EVM chain: the Leash contracts are created through the standard CREATE2
 * deployer (Arachnid's deterministic-deployment-proxy at 0x4e59…956C, present on anvil and most public
 * chains) with one fixed salt, so an address depends only on the contract's init code (bytecode +
 * constructor arguments), never on the deployer account or its nonce. The wallet stack is built against
 * the canonical EntryPoint v0.8, so its addresses are the same wherever that EntryPoint is.
 *
 * This file is pure (no network): the Ignition modules and the dev stack use it to predict addresses.
 * Putting the CREATE2 deployer and the EntryPoint on a local chain is in ./localChain.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Interface, concat, getCreate2Address, keccak256, toUtf8Bytes } from "ethers";
import { PROJECT_ROOT } from "../src/projectRoot.js";

/** Arachnid's deterministic-deployment-proxy: calldata = salt (32 bytes) ++ init code; returns the address. */
export const CREATE2_DEPLOYER = "0x4e59b44847b379578588920cA78FbF26c0B4956C";
/** The one-time signer of the proxy's pre-signed deployment (no chain id, so valid on every chain). */
export const CREATE2_DEPLOYER_SIGNER = "0x3fab184622dc19b6109349b94811493bf2a45362";
/** Its pre-signed deployment transaction (gas price 100 gwei, gas 100,000: the signer needs 0.01 ETH). */
export const CREATE2_DEPLOYER_TX =
  "0xf8a58085174876e800830186a08080b853604580600e600039806000f350fe7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf31ba02222222222222222222222222222222222222222222222222222222222222222a02222222222222222222222222222222222222222222222222222222222222222";
export const CREATE2_DEPLOYER_FUNDING = 10n ** 16n;

/** The canonical ERC-4337 EntryPoint v0.8 (the same address on every chain that has it). */
export const CANONICAL_ENTRY_POINT_V08 = "0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108";

/**
 * The salt of every Leash contract. Changing it (or any byte of a contract's init code, compiler
 * settings included) moves the addresses: a new version is a new set of addresses, on purpose.
 */
export const LEASH_CREATE2_SALT = keccak256(toUtf8Bytes("leash/v1"));

export interface BuiltArtifact {
  contractName: string;
  abi: unknown[];
  bytecode: string;
  linkReferences?: Record<string, unknown>;
}

function findArtifactFile(dir: string, file: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findArtifactFile(path, file));
    else if (entry.name === file) found.push(path);
  }
  return found;
}

/** The compiled artifact of a contract of this project (contracts/), by name; run `npx hardhat build` first. */
export function readArtifact(contractName: string, root: string = PROJECT_ROOT): BuiltArtifact {
  let paths: string[];
  try {
    paths = findArtifactFile(join(root, "artifacts", "contracts"), `${contractName}.json`);
  } catch {
    throw new Error(`no artifacts in ${root}: run \`npx hardhat build\` first`);
  }
  if (paths.length !== 1)
    throw new Error(
      paths.length === 0
        ? `no artifact for ${contractName}: run \`npx hardhat build\` first`
        : `several artifacts named ${contractName}: ${paths.join(", ")}`,
    );
  const artifact = JSON.parse(readFileSync(paths[0], "utf8")) as BuiltArtifact;
  if (artifact.linkReferences && Object.keys(artifact.linkReferences).length > 0)
    throw new Error(
      `${contractName} needs linked libraries, which the CREATE2 deployment does not do`,
    );
  return artifact;
}

/** Init code = creation bytecode ++ ABI-encoded constructor arguments. */
export function initCode(artifact: BuiltArtifact, args: readonly unknown[]): string {
  return concat([artifact.bytecode, new Interface(artifact.abi as never).encodeDeploy(args)]);
}

/** Where the CREATE2 deployer puts this init code with this salt. */
export function create2Address(code: string, salt: string = LEASH_CREATE2_SALT): string {
  return getCreate2Address(CREATE2_DEPLOYER, salt, keccak256(code));
}

/** Calldata for the CREATE2 deployer. */
export function create2Calldata(code: string, salt: string = LEASH_CREATE2_SALT): string {
  return concat([salt, code]);
}

export interface PlannedContract {
  name: string;
  address: string;
  initCode: string;
  /** Constructor arguments, earlier contracts resolved to their addresses (for verification). */
  args: string[];
}

/**
 * The deployment plan of the wallet stack: each contract with its init code and predicted address.
 * Constructor arguments may name an earlier contract of the plan (by name); the stack's shape lives here
 * once, for the Ignition modules and for anything that needs the addresses without deploying.
 */
export function planStack(
  steps: readonly { name: string; args: readonly (string | { ref: string })[] }[],
  root: string = PROJECT_ROOT,
): PlannedContract[] {
  const planned: PlannedContract[] = [];
  for (const step of steps) {
    const args = step.args.map((arg) => {
      if (typeof arg === "string") return arg;
      const earlier = planned.find((p) => p.name === arg.ref);
      if (!earlier) throw new Error(`${step.name}: ${arg.ref} must come earlier in the plan`);
      return earlier.address;
    });
    const code = initCode(readArtifact(step.name, root), args);
    planned.push({ name: step.name, address: create2Address(code), initCode: code, args });
  }
  return planned;
}

/**
 * The Leash wallet stack on the canonical EntryPoint: the lens (every wallet view, read from storage), the
 * management module (the core's one DELEGATECALL target; it forwards the wallet's views to the lens), the wallet
 * implementation (the core), the factory and the passkey owner factory.
 * When a constructor changes, change it here: the Ignition modules and the dev stack follow.
 */
export const WALLET_STACK = [
  // Every wallet view, answered from a wallet's storage through its `extsload`: stateless, no constructor
  // arguments, one singleton for every wallet (and every EntryPoint) on a chain.
  { name: "LeashLens", args: [] },
  { name: "WalletModule", args: [CANONICAL_ENTRY_POINT_V08, { ref: "LeashLens" }] },
  { name: "AgentWallet", args: [CANONICAL_ENTRY_POINT_V08, { ref: "WalletModule" }] },
  { name: "AgentWalletFactory", args: [{ ref: "AgentWallet" }] },
  // Passkey owners (ERC-1271 over WebAuthn): one contract per P-256 key, at the same address on every chain.
  { name: "PasskeyOwnerFactory", args: [] },
] as const;

/** Keys of the stack's addresses as the dev stack, the config and Ignition's result name them. */
export const STACK_KEYS: Record<(typeof WALLET_STACK)[number]["name"], string> = {
  WalletModule: "module",
  AgentWallet: "implementation",
  AgentWalletFactory: "factory",
  PasskeyOwnerFactory: "passkeyOwnerFactory",
  LeashLens: "lens",
};

/** The addresses the wallet stack has (or will have) on every chain, from the current build. */
export function predictStackAddresses(root: string = PROJECT_ROOT): {
  entryPoint: string;
  module: string;
  implementation: string;
  factory: string;
  passkeyOwnerFactory: string;
  lens: string;
} {
  const out: Record<string, string> = { entryPoint: CANONICAL_ENTRY_POINT_V08 };
  for (const p of planStack(WALLET_STACK, root))
    out[STACK_KEYS[p.name as keyof typeof STACK_KEYS]] = p.address;
  return out as ReturnType<typeof predictStackAddresses>;
}
