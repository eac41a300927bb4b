/**
 * A passkey (WebAuthn, P-256) as an owner of the wallet, through the SDK's passkey helpers (src/client/passkey.ts):
 * the PasskeyOwner contract's address comes from the public key alone, and each signature is an assertion over
 * the EIP-712 digest, encoded for the contract's ERC-1271 check. What the page keeps (localStorage) is the
 * credential id and the public key: nothing secret; the private key never leaves the authenticator.
 */
import {
  createPasskeyCredential,
  passkeyOwnerAddress,
  signDigestWithPasskey,
  webAuthnAssertion,
  type P256PublicKey,
} from "../../src/client/passkey.js";
import { typedDataDigest } from "../../src/client/signedActions.js";
import type { ConsoleSigner, TypedData } from "./leash.js";
import { short } from "./format.js";

export interface StoredPasskey {
  credentialId: string;
  key: P256PublicKey;
  address: string;
}

/** How long the page waits for the user at the authenticator. */
const PROMPT_TIMEOUT_MS = 120_000;

const storageKey = (wallet: string) => `leash.console.passkey.${wallet.toLowerCase()}`;

export function storedPasskey(wallet: string): StoredPasskey | null {
  try {
    const raw = localStorage.getItem(storageKey(wallet));
    return raw ? (JSON.parse(raw) as StoredPasskey) : null;
  } catch {
    return null;
  }
}

export function passkeySupported(): boolean {
  return typeof window.PublicKeyCredential === "function" && window.isSecureContext;
}

/** Creates a resident, user-verifying P-256 passkey for this wallet and remembers its public key. */
export async function createPasskey(wallet: string): Promise<StoredPasskey> {
  if (!passkeySupported())
    throw new Error("this browser has no passkeys here (WebAuthn needs https or localhost)");
  const { credentialId, key } = await createPasskeyCredential({
    rpName: "Leash wallet owner",
    userName: `leash-owner-${wallet.slice(2, 10).toLowerCase()}`,
    userDisplayName: `Leash owner of ${short(wallet)}`,
    residentKey: "required",
    timeoutMs: PROMPT_TIMEOUT_MS,
  });
  const stored = { credentialId, key, address: passkeyOwnerAddress(key) };
  localStorage.setItem(storageKey(wallet), JSON.stringify(stored));
  return stored;
}

export function forgetPasskey(wallet: string): void {
  localStorage.removeItem(storageKey(wallet));
}

export function passkeySigner(passkey: StoredPasskey): ConsoleSigner {
  const getAssertion = webAuthnAssertion({
    credentialIds: [passkey.credentialId],
    timeoutMs: PROMPT_TIMEOUT_MS,
  });
  return {
    kind: "passkey",
    address: passkey.address,
    label: `passkey owner ${short(passkey.address)}`,
    signTypedData: (data: TypedData) => signDigestWithPasskey(typedDataDigest(data), getAssertion),
  };
}
