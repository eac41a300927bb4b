/**
 * The page's signers. An injected EIP-1193 wallet (MetaMask, Rabby, Coinbase Wallet…) signs EIP-712 typed data
 * through viem (`eth_signTypedData_v4`), so the wallet shows the domain (Leash AgentWallet, this wallet, this
 * chain) and every field. The passkey signer lives in passkey.ts.
 */
import { createWalletClient, custom, getAddress, type EIP1193Provider } from "viem";
import type { ConsoleSigner, TypedData } from "./leash.js";

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
    label: `browser wallet ${address.slice(0, 6)}…${address.slice(-4)}`,
    signTypedData: (data: TypedData) =>
      client.signTypedData({
        account: address,
        domain: {
          ...data.domain,
          chainId:
            data.domain.chainId === undefined || data.domain.chainId === null
              ? undefined
              : BigInt(data.domain.chainId),
          verifyingContract: (data.domain.verifyingContract ?? undefined) as
            `0x${string}` | undefined,
        } as never,
        types: data.types,
        primaryType: data.primaryType,
        message: data.message,
      }),
  };
}
