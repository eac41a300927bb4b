/**
 * The SDK's passkey helpers (src/client/passkey.ts) on their own: key parsing from what browsers return (SPKI,
 * COSE_Key, raw point), strict DER signature parsing, low-s normalisation, assertion encoding and its checks,
 * the add-owner batch and the deterministic factory address. Keys are real P-256 keys from Node's crypto.
 */
import { expect } from "chai";
import { generateKeyPairSync } from "node:crypto";
import { AbiCoder, concat, getBytes, hexlify, keccak256, toBeHex } from "ethers";
import {
  InvalidArgumentError,
  P256_N,
  PASSKEY_OWNER_FACTORY,
  addPasskeyOwnerCalls,
  base64url,
  createPasskeyCredential,
  webAuthnAssertion,
  decodeWebAuthnAuth,
  encodePasskeySignature,
  isP256PublicKey,
  normalizeP256S,
  parseP256DerSignature,
  parsePasskeyPublicKey,
  passkeyAssertionRequest,
  passkeyOwnerAddress,
  passkeyOwnerFactoryInterface,
  walletInterface,
} from "../../src/client/index.js";
import { predictStackAddresses } from "../../deploy/deterministic.js";
import { FLAG_UP, FLAG_UV, SoftPasskey } from "../helpers/passkey.js";

const passkey = new SoftPasskey();
const digest = keccak256("0xabcdef");
const WALLET = "0x1000000000000000000000000000000000000001";

/** A COSE_Key (CBOR map) for EC2/ES256/P-256, built by hand as authenticators encode it. */
function cose(x: string, y: string, alg = 0x26 /* -7 */, extra: string = "0x"): string {
  return concat([
    "0xa5", // map of 5
    "0x0102", // kty: EC2
    "0x03",
    toBeHex(alg, 1), // alg
    "0x2001", // crv (-1): P-256 (1)
    "0x215820", // x (-2): bytes(32)
    x,
    "0x225820", // y (-3): bytes(32)
    y,
    extra,
  ]);
}

/** DER of (r, s), minimal encoding. */
function der(r: bigint, s: bigint): string {
  const int = (v: bigint) => {
    let bytes = getBytes(toBeHex(v));
    if (bytes[0] & 0x80) bytes = getBytes(concat(["0x00", bytes]));
    return concat(["0x02", toBeHex(bytes.length, 1), bytes]);
  };
  const body = concat([int(r), int(s)]);
  return concat(["0x30", toBeHex(getBytes(body).length, 1), body]);
}

const throwsArg = (fn: () => unknown, message: RegExp) => {
  expect(fn).to.throw(InvalidArgumentError, message);
};

async function rejectsArg(promise: Promise<unknown>, message: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(InvalidArgumentError);
  expect((error as Error).message).to.match(message);
}

describe("SDK passkey helpers", function () {
  describe("parsePasskeyPublicKey", function () {
    it("reads the same key from SPKI, COSE_Key and a raw point, equal to the JWK coordinates", function () {
      const { x, y } = passkey.jwkKey();
      expect(parsePasskeyPublicKey(passkey.spki)).to.deep.equal({ x, y });
      expect(parsePasskeyPublicKey(hexlify(passkey.spki))).to.deep.equal({ x, y });
      expect(parsePasskeyPublicKey(passkey.spki.buffer.slice(0) as ArrayBuffer)).to.deep.equal({
        x,
        y,
      });
      expect(parsePasskeyPublicKey(cose(x, y))).to.deep.equal({ x, y });
      expect(parsePasskeyPublicKey(concat(["0x04", x, y]))).to.deep.equal({ x, y });
      expect(isP256PublicKey(BigInt(x), BigInt(y))).to.equal(true);
    });

    it("refuses other curves and algorithms, points off the curve and malformed encodings", function () {
      const { x, y } = passkey.jwkKey();
      const k1 = generateKeyPairSync("ec", { namedCurve: "secp256k1" }).publicKey.export({
        format: "der",
        type: "spki",
      });
      throwsArg(() => parsePasskeyPublicKey(new Uint8Array(k1)), /not an uncompressed P-256/);
      const ed = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" });
      throwsArg(() => parsePasskeyPublicKey(new Uint8Array(ed)), /not an uncompressed P-256/);
      const offCurve = toBeHex(BigInt(y) ^ 1n, 32);
      throwsArg(
        () => parsePasskeyPublicKey(concat(["0x04", x, offCurve])),
        /not on the P-256 curve/,
      );
      throwsArg(() => parsePasskeyPublicKey(cose(x, offCurve)), /not on the P-256 curve/);
      throwsArg(() => parsePasskeyPublicKey(cose(x, y, 0x27 /* -8 EdDSA */)), /alg/);
      throwsArg(() => parsePasskeyPublicKey(cose(x, y, 0x26, "0x00")), /malformed COSE_Key/);
      throwsArg(() => parsePasskeyPublicKey(getBytes(cose(x, y)).slice(0, 40)), /malformed/);
      throwsArg(() => parsePasskeyPublicKey("0x1234"), /expected SPKI DER/);
      throwsArg(() => parsePasskeyPublicKey("not hex"), /hex bytes/);
    });
  });

  describe("signatures", function () {
    it("parses DER strictly: minimal positive integers in [1, n-1], nothing after", function () {
      const r = 0x1234n;
      const s = P256_N - 5n;
      expect(parseP256DerSignature(der(r, s))).to.deep.equal({ r, s });
      const bad = [
        der(0n, s), // r = 0
        der(r, P256_N), // s = n
        concat([der(r, s), "0x00"]), // trailing byte
        "0x3006020200120201" + "01", // r with a needless leading zero
        "0x300602018002010" + "1", // negative r (high bit, no leading zero)
        "0x31060201010201" + "01", // not a SEQUENCE
      ];
      for (const blob of bad) throwsArg(() => parseP256DerSignature(blob), /not a DER-encoded/);
    });

    it("normalises s to the lower half: a high-s DER signature encodes as its low-s twin", function () {
      const assertion = passkey.assert(digest);
      const { r, s } = parseP256DerSignature(assertion.signature as Uint8Array);
      const high = s > P256_N / 2n ? s : P256_N - s;
      const low = P256_N - high;
      expect(normalizeP256S(high)).to.equal(low);
      expect(normalizeP256S(low)).to.equal(low);
      const encoded = encodePasskeySignature({ ...assertion, signature: der(r, high) }, digest);
      const auth = decodeWebAuthnAuth(encoded);
      expect([auth.r, auth.s]).to.deep.equal([r, low]);
      // { r, s } objects are accepted too, and normalised the same way.
      expect(encodePasskeySignature({ ...assertion, signature: { r, s: high } }, digest)).to.equal(
        encoded,
      );
    });
  });

  describe("encodePasskeySignature", function () {
    it("finds the type and challenge in the client data and encodes WebAuthnAuth's fields", function () {
      const assertion = passkey.assert(digest, { extra: { other_keys_can_be_added_here: "x" } });
      const auth = decodeWebAuthnAuth(encodePasskeySignature(assertion, digest));
      const clientData = Buffer.from(assertion.clientDataJSON as Uint8Array).toString("utf8");
      expect(auth.clientDataJSON).to.equal(clientData);
      expect(clientData.slice(auth.typeIndex)).to.match(/^"type":"webauthn\.get"/);
      expect(clientData.slice(auth.challengeIndex)).to.match(
        new RegExp(`^"challenge":"${base64url(digest)}"`),
      );
      expect(auth.authenticatorData).to.equal(hexlify(assertion.authenticatorData as Uint8Array));
      // The fields as OpenZeppelin's tryDecodeAuth reads them: not wrapped in a tuple.
      const encoded = encodePasskeySignature(assertion, digest);
      expect(AbiCoder.defaultAbiCoder().decode(["bytes32"], encoded)[0]).to.equal(
        toBeHex(auth.r, 32),
      );
    });

    it("refuses what the wallet would refuse, with the reason", function () {
      throwsArg(
        () => encodePasskeySignature(passkey.assert(digest), keccak256("0x00")),
        /challenge .* is not the digest/,
      );
      throwsArg(
        () => encodePasskeySignature(passkey.assert(digest, { type: "webauthn.create" }), digest),
        /not webauthn\.get/,
      );
      throwsArg(
        () => encodePasskeySignature(passkey.assert(digest, { flags: FLAG_UP }), digest),
        /User Verified flag is not set/,
      );
      throwsArg(
        () => encodePasskeySignature(passkey.assert(digest, { flags: FLAG_UV }), digest),
        /User Present flag is not set/,
      );
      const short = { ...passkey.assert(digest), authenticatorData: new Uint8Array(36) };
      throwsArg(() => encodePasskeySignature(short, digest), /shorter than 37 bytes/);
      const notJson = { ...passkey.assert(digest), clientDataJSON: "0xff00" };
      throwsArg(() => encodePasskeySignature(notJson, digest), /not UTF-8 JSON/);
      throwsArg(() => passkeyAssertionRequest("0x1234"), /32 bytes/);
      const request = passkeyAssertionRequest(digest);
      expect(hexlify(request.challenge)).to.equal(digest);
      expect(request.userVerification).to.equal("required");
    });
  });

  describe("owner address and the add-owner batch", function () {
    it("the default factory is the deterministic deployment's (docs/DEPLOY.md)", function () {
      expect(PASSKEY_OWNER_FACTORY).to.equal(predictStackAddresses().passkeyOwnerFactory);
    });

    it("addPasskeyOwnerCalls: createPasskeyOwner on the factory, then addOwner of that address", function () {
      const calls = addPasskeyOwnerCalls(WALLET, passkey.key);
      expect(calls.map((c) => [c.target, c.value])).to.deep.equal([
        [PASSKEY_OWNER_FACTORY, 0n],
        [WALLET, 0n],
      ]);
      const create = passkeyOwnerFactoryInterface.parseTransaction({ data: calls[0].data })!;
      expect([create.name, ...create.args]).to.deep.equal([
        "createPasskeyOwner",
        passkey.key.x,
        passkey.key.y,
      ]);
      const add = walletInterface.parseTransaction({ data: calls[1].data })!;
      expect([add.name, add.args[0]]).to.deep.equal(["addOwner", passkeyOwnerAddress(passkey.key)]);
      // Another factory, another owner address; bad keys are refused before anything is built.
      const elsewhere = addPasskeyOwnerCalls(WALLET, passkey.key, WALLET);
      expect(walletInterface.parseTransaction({ data: elsewhere[1].data })!.args[0]).to.equal(
        passkeyOwnerAddress(passkey.key, WALLET),
      );
      expect(passkeyOwnerAddress(passkey.key, WALLET)).not.to.equal(
        passkeyOwnerAddress(passkey.key),
      );
      throwsArg(
        () => addPasskeyOwnerCalls(WALLET, { x: passkey.key.x, y: toBeHex(1n, 32) }),
        /not on the P-256 curve/,
      );
      throwsArg(() => addPasskeyOwnerCalls(WALLET, { x: "0x01", y: passkey.key.y }), /32 bytes/);
    });
  });

  describe("browser helpers (navigator.credentials)", function () {
    /** Installs a stand-in `navigator.credentials` backed by a software passkey; returns what it was asked. */
    function withNavigator(credentials: unknown, fn: () => Promise<void>) {
      const previous = Object.getOwnPropertyDescriptor(globalThis, "navigator");
      Object.defineProperty(globalThis, "navigator", {
        value: { credentials },
        configurable: true,
        writable: true,
      });
      return fn().finally(() => {
        if (previous) Object.defineProperty(globalThis, "navigator", previous);
        else delete (globalThis as { navigator?: unknown }).navigator;
      });
    }
    const buffer = (bytes: Uint8Array) =>
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

    it("createPasskeyCredential asks for ES256 with user verification and returns the id and key", async () => {
      let asked: any;
      const rawId = new Uint8Array([1, 2, 3, 4]);
      await withNavigator(
        {
          create: async (options: unknown) => {
            asked = options;
            return { rawId: buffer(rawId), response: { getPublicKey: () => buffer(passkey.spki) } };
          },
          get: async () => null,
        },
        async () => {
          const created = await createPasskeyCredential({ rpName: "Leash", userName: "alice" });
          expect(created).to.deep.equal({ credentialId: "0x01020304", key: passkey.key });
        },
      );
      expect(asked.publicKey.pubKeyCredParams).to.deep.equal([{ type: "public-key", alg: -7 }]);
      expect(asked.publicKey.authenticatorSelection.userVerification).to.equal("required");
      expect(asked.publicKey.challenge).to.have.length(32);
    });

    it("webAuthnAssertion signs the digest as challenge, UV required, for the given credential", async () => {
      let asked: any;
      await withNavigator(
        {
          create: async () => null,
          get: async (options: any) => {
            asked = options;
            const a = passkey.assert(hexlify(options.publicKey.challenge));
            return {
              response: {
                authenticatorData: buffer(a.authenticatorData as Uint8Array),
                clientDataJSON: buffer(a.clientDataJSON as Uint8Array),
                signature: buffer(a.signature as Uint8Array),
              },
            };
          },
        },
        async () => {
          const getAssertion = webAuthnAssertion({ credentialIds: ["0x0102"], rpId: "localhost" });
          const assertion = await getAssertion(passkeyAssertionRequest(digest));
          const auth = decodeWebAuthnAuth(encodePasskeySignature(assertion, digest));
          expect(auth.clientDataJSON).to.include(base64url(digest));
        },
      );
      expect(hexlify(asked.publicKey.challenge)).to.equal(digest);
      expect(asked.publicKey.userVerification).to.equal("required");
      expect(asked.publicKey.rpId).to.equal("localhost");
      expect(
        asked.publicKey.allowCredentials.map((c: any) => [c.type, hexlify(c.id)]),
      ).to.deep.equal([["public-key", "0x0102"]]);
    });

    it("without WebAuthn (or with a cancelled prompt) the error says so", async () => {
      await withNavigator(undefined, async () => {
        await rejectsArg(
          webAuthnAssertion()(passkeyAssertionRequest(digest)),
          /WebAuthn is not available here/,
        );
      });
      await withNavigator({ create: async () => null, get: async () => null }, async () => {
        await rejectsArg(
          webAuthnAssertion()(passkeyAssertionRequest(digest)),
          /no WebAuthn assertion/,
        );
        await rejectsArg(
          createPasskeyCredential({ rpName: "Leash", userName: "alice" }),
          /no public key/,
        );
      });
    });
  });
});
