/**
 * Which contracts the relayer acts for. Signed owner and guardian actions are sent (and paid for) by the
 * relayer's own signer, so without this check anyone could point it at any contract and make it pay, up to
 * the action gas cap, again and again. Only a Leash wallet qualifies: a contract whose runtime code is exactly
 * the ERC-1967 proxy the factory deploys (so its own code cannot do anything else) and whose ERC-1967
 * implementation slot holds a Leash implementation the operator knows (the deterministic one of the current
 * build, plus any configured, e.g. after an upgrade). Everything else is refused before any simulation.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { getAddress, keccak256, zeroPadValue } from "ethers";
import { predictStackAddresses } from "../../../deploy/deterministic.js";
import { PROJECT_ROOT } from "../../projectRoot.js";
import type { ChainClient } from "../chain.js";
import { InvalidParamsError } from "../errors.js";

/** ERC-1967: bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1). */
export const ERC1967_IMPLEMENTATION_SLOT =
  "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";

const PROXY_ARTIFACT =
  "artifacts/@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol/ERC1967Proxy.json";

export type NotLeashWalletReason = "no-code" | "not-leash-proxy" | "unknown-implementation";

/** The JSON-RPC error for a target that is not a Leash wallet; `data.reason` names why. */
export class NotLeashWalletError extends InvalidParamsError {
  constructor(wallet: string, reason: NotLeashWalletReason, implementation?: string) {
    const why =
      reason === "no-code"
        ? "no contract at this address"
        : reason === "not-leash-proxy"
          ? "its code is not the Leash wallet proxy"
          : `its implementation ${implementation} is not a Leash implementation this relayer knows`;
    super(`${wallet} is not a Leash wallet: ${why}`, {
      reason,
      wallet,
      ...(implementation ? { implementation } : {}),
    });
  }
}

/** The code hash of the factory's proxy (no immutables: every Leash wallet has these exact bytes). */
export function leashProxyCodeHash(root: string = PROJECT_ROOT): string | null {
  const path = join(root, PROXY_ARTIFACT);
  if (!existsSync(path)) return null;
  const { deployedBytecode } = JSON.parse(readFileSync(path, "utf8")) as {
    deployedBytecode: string;
  };
  return keccak256(deployedBytecode);
}

/**
 * The implementations the relayer accepts: the configured ones, plus the deterministic implementation of the
 * current build (the address `leash deploy` puts on every chain). Without a build there is no deterministic
 * address; only the configured ones then count.
 */
export function knownImplementations(configured: readonly string[] = []): string[] {
  const out = new Set(configured.map((a) => getAddress(a.toLowerCase())));
  try {
    out.add(getAddress(predictStackAddresses(PROJECT_ROOT).implementation));
  } catch {
    // No artifacts: deny by default, the configured list (maybe empty) is all there is.
  }
  return [...out];
}

export class LeashWalletCheck {
  private readonly implementations: Set<string>;

  constructor(
    private readonly chain: ChainClient,
    implementations: readonly string[],
    private readonly proxyCodeHash: string | null = leashProxyCodeHash(),
  ) {
    this.implementations = new Set(implementations.map((a) => getAddress(a.toLowerCase())));
  }

  /** The accepted implementations (for logs and health). */
  get accepted(): string[] {
    return [...this.implementations];
  }

  /** Throws NotLeashWalletError unless `wallet` is a Leash wallet proxy on a known implementation. */
  async assert(wallet: string): Promise<void> {
    const address = getAddress(wallet.toLowerCase());
    const [code, slot] = await Promise.all([
      this.chain.getCode(address),
      this.chain.request<string>("eth_getStorageAt", [
        address,
        ERC1967_IMPLEMENTATION_SLOT,
        "latest",
      ]),
    ]);
    if (!code || code === "0x") throw new NotLeashWalletError(address, "no-code");
    if (this.proxyCodeHash === null || keccak256(code) !== this.proxyCodeHash)
      throw new NotLeashWalletError(address, "not-leash-proxy");
    const implementation = getAddress("0x" + zeroPadValue(slot, 32).slice(-40));
    if (!this.implementations.has(implementation))
      throw new NotLeashWalletError(address, "unknown-implementation", implementation);
  }
}
