/**
 * What a local chain (Hardhat node, anvil) lacks and public chains have: the CREATE2 deployer and the
 * canonical EntryPoint v0.8. Import `installLocalPrerequisites(rpcUrl)` before deploying Leash, running
 * a bundler (our relayer, Alto) or a benchmark against a fresh local node. Only a JSON-RPC URL is needed.
 *
 * - CREATE2 deployer: anvil has it built in. Elsewhere its pre-signed deployment transaction is sent
 *   (chain-id free, so valid everywhere) after giving its one-time signer the 0.01 ETH it pays.
 * - EntryPoint v0.8: the canonical one was created through the CREATE2 deployer from init code we can't
 *   reproduce byte for byte (the npm artifact's compiler metadata differs; that init code with the
 *   canonical salt lands at 0xff2014fC…, not at 0x4337…). So the npm artifact is deployed normally, and
 *   its runtime code is copied to the canonical address with `hardhat_setCode`/`anvil_setCode`, its
 *   immutables patched to what they are at the canonical address: the EntryPoint's own address (EIP-712
 *   `_cachedThis`) and domain separator, and its SenderCreator's address (created by the constructor at
 *   getCreateAddress(entryPoint, 1)), whose own code holds the EntryPoint address as an immutable too.
 *   The behaviour is the v0.8 EntryPoint's (same source); only local chains get this.
 * Both steps are no-ops when the code is already there. Dev-node-only RPC methods used: `*_setBalance`,
 * `*_setCode` (Hardhat's `hardhat_*`, anvil's `anvil_*`) and an unlocked account (`eth_accounts[0]`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TypedDataEncoder, getAddress, getCreateAddress, toBeHex } from "ethers";
import {
  CANONICAL_ENTRY_POINT_V08,
  CREATE2_DEPLOYER,
  CREATE2_DEPLOYER_FUNDING,
  CREATE2_DEPLOYER_SIGNER,
  CREATE2_DEPLOYER_TX,
} from "./deterministic.js";
import { PROJECT_ROOT } from "../src/projectRoot.js";

const ENTRY_POINT_ARTIFACT = join(
  "artifacts",
  "@account-abstraction",
  "contracts",
  "core",
  "EntryPoint.sol",
  "EntryPoint.json",
);

async function call<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** A dev-node method under Hardhat's name, else anvil's (anvil also knows most `hardhat_*` names). */
async function devCall(url: string, name: string, params: unknown[]): Promise<void> {
  try {
    await call(url, `hardhat_${name}`, params);
  } catch (hardhatError) {
    try {
      await call(url, `anvil_${name}`, params);
    } catch {
      throw new Error(
        `this node supports neither hardhat_${name} nor anvil_${name} (${(hardhatError as Error).message}); ` +
          "the local-chain setup needs a Hardhat node or anvil",
      );
    }
  }
}

const hasCode = async (url: string, address: string) =>
  (await call<string>(url, "eth_getCode", [address, "latest"])) !== "0x";

async function receipt(
  url: string,
  hash: string,
  timeoutMs = 60_000,
): Promise<{ status: string; contractAddress?: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await call<{ status: string; contractAddress?: string } | null>(
      url,
      "eth_getTransactionReceipt",
      [hash],
    );
    if (r) return r;
    if (Date.now() > deadline) throw new Error(`transaction ${hash} was not mined in time`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Puts the CREATE2 deployer at 0x4e59…956C unless it is there. */
export async function ensureCreate2Deployer(url: string): Promise<"present" | "installed"> {
  if (await hasCode(url, CREATE2_DEPLOYER)) return "present";
  await devCall(url, "setBalance", [CREATE2_DEPLOYER_SIGNER, toBeHex(CREATE2_DEPLOYER_FUNDING)]);
  const hash = await call<string>(url, "eth_sendRawTransaction", [CREATE2_DEPLOYER_TX]);
  const r = await receipt(url, hash);
  if (r.status !== "0x1" || !(await hasCode(url, CREATE2_DEPLOYER)))
    throw new Error("the CREATE2 deployer's pre-signed deployment did not create it");
  return "installed";
}

const hex = (address: string) => address.toLowerCase().slice(2);

function replaceAll(code: string, from: string, to: string, what: string): string {
  if (!code.includes(from))
    throw new Error(
      `EntryPoint runtime code does not hold ${what}: the npm artifact changed shape`,
    );
  return code.split(from).join(to);
}

const domainSeparator = (chainId: bigint, verifyingContract: string) =>
  TypedDataEncoder.hashDomain({ name: "ERC4337", version: "1", chainId, verifyingContract }).slice(
    2,
  );

/** Puts EntryPoint v0.8 (and its SenderCreator) at the canonical address unless code is there. */
export async function ensureCanonicalEntryPoint(
  url: string,
  root: string = PROJECT_ROOT,
): Promise<"present" | "installed"> {
  if (await hasCode(url, CANONICAL_ENTRY_POINT_V08)) return "present";
  let bytecode: string;
  try {
    bytecode = (
      JSON.parse(readFileSync(join(root, ENTRY_POINT_ARTIFACT), "utf8")) as { bytecode: string }
    ).bytecode;
  } catch {
    throw new Error(`no EntryPoint artifact in ${root}: run \`npx hardhat build\` first`);
  }
  const [from] = await call<string[]>(url, "eth_accounts");
  if (!from) throw new Error("the node has no unlocked account to deploy the EntryPoint from");
  const hash = await call<string>(url, "eth_sendTransaction", [
    { from, data: bytecode, gas: toBeHex(10_000_000) },
  ]);
  const r = await receipt(url, hash);
  if (r.status !== "0x1" || !r.contractAddress) throw new Error("deploying EntryPoint v0.8 failed");
  const temporary = getAddress(r.contractAddress);
  const temporaryCreator = getCreateAddress({ from: temporary, nonce: 1 });
  const canonicalCreator = getCreateAddress({ from: CANONICAL_ENTRY_POINT_V08, nonce: 1 });
  const chainId = BigInt(await call<string>(url, "eth_chainId"));

  let entryPointCode = await call<string>(url, "eth_getCode", [temporary, "latest"]);
  entryPointCode = replaceAll(
    entryPointCode,
    hex(temporary),
    hex(CANONICAL_ENTRY_POINT_V08),
    "its address",
  );
  entryPointCode = replaceAll(
    entryPointCode,
    hex(temporaryCreator),
    hex(canonicalCreator),
    "its SenderCreator",
  );
  entryPointCode = replaceAll(
    entryPointCode,
    domainSeparator(chainId, temporary),
    domainSeparator(chainId, CANONICAL_ENTRY_POINT_V08),
    "its EIP-712 domain separator",
  );
  let creatorCode = await call<string>(url, "eth_getCode", [temporaryCreator, "latest"]);
  creatorCode = replaceAll(
    creatorCode,
    hex(temporary),
    hex(CANONICAL_ENTRY_POINT_V08),
    "the EntryPoint address",
  );

  await devCall(url, "setCode", [canonicalCreator, creatorCode]);
  await devCall(url, "setCode", [CANONICAL_ENTRY_POINT_V08, entryPointCode]);
  return "installed";
}

/** Adds `amount` wei to an account's balance on a dev node (no transaction, no block). */
export async function addBalance(url: string, address: string, amount: bigint): Promise<bigint> {
  const before = BigInt(await call<string>(url, "eth_getBalance", [address, "latest"]));
  const after = before + amount;
  await devCall(url, "setBalance", [address, toBeHex(after)]);
  return after;
}

/** Everything a fresh local node needs before Leash (or any ERC-4337 tool) is deployed on it. */
export async function installLocalPrerequisites(url: string, root: string = PROJECT_ROOT) {
  return {
    create2Deployer: await ensureCreate2Deployer(url),
    entryPoint: await ensureCanonicalEntryPoint(url, root),
  };
}
