/**
 * The page's signers. An injected EIP-1193 wallet (MetaMask, Rabby, Coinbase Wallet…) signs EIP-712 typed data
 * through viem (`eth_signTypedData_v4`), so the wallet shows the domain (Leash AgentWallet, this wallet, this
 * chain) and every field. The passkey signer lives in passkey.ts.
 */
import { createWalletClient, custom, getAddress, type EIP1193Provider } from "viem";
import type { ConsoleSigner, TypedData } from "./leash.js";
import { short } from "./format.js";

declare global {
  interface Window {
    ethereum?: EIP1193Provider;
  }
}

export function hasInjectedWallet(): boolean {
  return typeof window.ethereum?.request === "function";
}

export async function connectInjected(): Promise<ConsoleSigner> {
  const provider = window.ethereum;
  if (!provider)
    throw new Error("no browser wallet found (window.ethereum): install one, or use a passkey");
  const accounts = (await provider.request({ method: "eth_requestAccounts" })) as string[];
  if (!accounts?.length) throw new Error("the browser wallet shared no account");
  const address = getAddress(accounts[0]);
  const client = createWalletClient({ account: address, transport: custom(provider) });
  return {
    kind: "injected",
    address,
    label: `browser wallet ${short(address)}`,
    // The SDK's payloads are already in viem's shape (checksummed domain, bigint chain id).
    signTypedData: (data: TypedData) =>
      client.signTypedData({ account: address, ...data } as Parameters<
        typeof client.signTypedData
      >[0]),
  };
}
