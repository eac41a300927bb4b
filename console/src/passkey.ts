/**
 * A passkey (WebAuthn, P-256) as an owner of the wallet, through the SDK's passkey helpers (src/client/passkey.ts):
 * the PasskeyOwner contract's address comes from the public key alone, and each signature is an assertion over
 * the EIP-712 digest, encoded for the contract's ERC-1271 check. What the page keeps (localStorage) is the
 * credential id and the public key: nothing secret; the private key never leaves the authenticator.
 */
import { TypedDataEncoder, getBytes, hexlify, randomBytes } from "ethers";
import {
  encodePasskeySignature,
  parsePasskeyPublicKey,
  passkeyAssertionRequest,
  passkeyOwnerAddress,
  type P256PublicKey,
} from "../../src/client/passkey.js";
import type { ConsoleSigner, TypedData } from "./leash.js";
import { short } from "./format.js";

export interface StoredPasskey {
  credentialId: string;
  key: P256PublicKey;
  address: string;
}

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
  const credential = (await navigator.credentials.create({
    publicKey: {
      rp: { name: "Leash wallet owner" },
      user: {
        id: Uint8Array.from(randomBytes(16)),
        name: `leash-owner-${wallet.slice(2, 10).toLowerCase()}`,
        displayName: `Leash owner of ${short(wallet)}`,
      },
      challenge: Uint8Array.from(randomBytes(32)),
      pubKeyCredParams: [{ type: "public-key", alg: -7 }],
      authenticatorSelection: { residentKey: "required", userVerification: "required" },
      attestation: "none",
      timeout: 120_000,
    },
  })) as PublicKeyCredential | null;
  if (!credential) throw new Error("no passkey was created");
  const response = credential.response as AuthenticatorAttestationResponse;
  const spki = response.getPublicKey();
  if (!spki) throw new Error("the authenticator gave no public key");
  const key = parsePasskeyPublicKey(new Uint8Array(spki));
  const stored = {
    credentialId: hexlify(new Uint8Array(credential.rawId)),
    key,
    address: passkeyOwnerAddress(key),
  };
  localStorage.setItem(storageKey(wallet), JSON.stringify(stored));
  return stored;
}

export function forgetPasskey(wallet: string): void {
  localStorage.removeItem(storageKey(wallet));
}

export function passkeySigner(passkey: StoredPasskey): ConsoleSigner {
  return {
    kind: "passkey",
    address: passkey.address,
    label: `passkey owner ${short(passkey.address)}`,
    async signTypedData(data: TypedData) {
      const types = Object.fromEntries(
        Object.entries(data.types).filter(([name]) => name !== "EIP712Domain"),
      );
      const digest = TypedDataEncoder.hash(data.domain, types, data.message);
      const request = passkeyAssertionRequest(digest);
      const credential = (await navigator.credentials.get({
        publicKey: {
          challenge: Uint8Array.from(request.challenge),
          allowCredentials: [
            { type: "public-key", id: Uint8Array.from(getBytes(passkey.credentialId)) },
          ],
          userVerification: request.userVerification,
          timeout: 120_000,
        },
      })) as PublicKeyCredential | null;
      if (!credential) throw new Error("the passkey gave no signature");
      const r = credential.response as AuthenticatorAssertionResponse;
      return encodePasskeySignature(
        {
          authenticatorData: new Uint8Array(r.authenticatorData),
          clientDataJSON: new Uint8Array(r.clientDataJSON),
          signature: new Uint8Array(r.signature),
        },
        digest,
      );
    },
  };
}
