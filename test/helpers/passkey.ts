/**
 * A software passkey for tests: a real P-256 key (Node's crypto) that produces real WebAuthn assertion
 * structures, built by hand the way an authenticator and a browser do: authenticatorData = rpIdHash ‖ flags ‖
 * signCount, clientDataJSON = {"type":"webauthn.get","challenge":<base64url>,"origin":...}, signature = ECDSA
 * P-256 (DER) over authenticatorData ‖ SHA-256(clientDataJSON). Options let a test break one piece at a time.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";

import {
  base64url,
  encodeWebAuthnAuth,
  normalizeP256S,
  parseP256DerSignature,
  parsePasskeyPublicKey,
  type P256PublicKey,
  type PasskeyAssertionRequest,
  type WebAuthnAssertion,
} from "../../src/client/index.js";

export const FLAG_UP = 0x01;
export const FLAG_UV = 0x04;
export const FLAG_BE = 0x08;
export const FLAG_BS = 0x10;

export interface AssertionOptions {
  /** authenticatorData flags (default UP | UV). */
  flags?: number;
  type?: string;
  origin?: string;
  rpId?: string;
  signCount?: number;
  /** Sign with this key instead (a wrong key). */
  signWith?: KeyObject;
  /** Put this in clientDataJSON instead of the challenge asked for. */
  challengeOverride?: string;
  /** Extra members after the standard ones (browsers add some). */
  extra?: Record<string, unknown>;
}

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest();

export class SoftPasskey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The key as the browser exposes it at registration (`getPublicKey()`): SPKI DER. */
  readonly spki: Uint8Array;
  readonly key: P256PublicKey;

  constructor() {
    const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.spki = new Uint8Array(pair.publicKey.export({ format: "der", type: "spki" }));
    this.key = parsePasskeyPublicKey(this.spki);
  }

  /** The coordinates straight from the JWK export (independent of the SDK's SPKI parser). */
  jwkKey(): P256PublicKey {
    const jwk = this.publicKey.export({ format: "jwk" });
    const hex = (b64: string) => "0x" + Buffer.from(b64, "base64url").toString("hex");
    return { x: hex(jwk.x!), y: hex(jwk.y!) };
  }

  /** An assertion over `challenge` (32 bytes, 0x-hex) as `navigator.credentials.get` returns it. */
  assert(challenge: string, options: AssertionOptions = {}): WebAuthnAssertion {
    const rpIdHash = sha256(options.rpId ?? "localhost");
    const flags = options.flags ?? FLAG_UP | FLAG_UV;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(options.signCount ?? 1);
    const authenticatorData = Buffer.concat([rpIdHash, Buffer.from([flags]), counter]);
    const clientDataJSON = JSON.stringify({
      type: options.type ?? "webauthn.get",
      challenge: options.challengeOverride ?? base64url(challenge),
      origin: options.origin ?? "http://localhost:5173",
      crossOrigin: false,
      ...options.extra,
    });
    const signature = sign(
      "sha256",
      Buffer.concat([authenticatorData, sha256(clientDataJSON)]),
      options.signWith ?? this.privateKey,
    );
    return {
      authenticatorData: new Uint8Array(authenticatorData),
      clientDataJSON: new Uint8Array(Buffer.from(clientDataJSON, "utf8")),
      signature: new Uint8Array(signature),
    };
  }

  /** A `getAssertion` callback for the SDK (what the page wraps `navigator.credentials.get` in). */
  authenticator(options: AssertionOptions = {}) {
    return async (request: PasskeyAssertionRequest) => {
      if (request.userVerification !== "required") throw new Error("UV must be required");
      return this.assert("0x" + Buffer.from(request.challenge).toString("hex"), options);
    };
  }
}

/**
 * Encodes an assertion for PasskeyOwner without the SDK's checks of flags, type and challenge (what an attacker
 * can always do): only the DER parsing and low-s normalisation.
 */
export function encodeUnchecked(assertion: WebAuthnAssertion): string {
  const clientData = Buffer.from(assertion.clientDataJSON as Uint8Array).toString("utf8");
  const { r, s } = parseP256DerSignature(assertion.signature as Uint8Array);
  return encodeWebAuthnAuth({
    r,
    s: normalizeP256S(s),
    challengeIndex: Buffer.from(clientData).indexOf('"challenge":"'),
    typeIndex: Buffer.from(clientData).indexOf('"type":"'),
    authenticatorData:
      "0x" + Buffer.from(assertion.authenticatorData as Uint8Array).toString("hex"),
    clientDataJSON: clientData,
  });
}
