/**
 * Passkey owners: a WebAuthn credential (P-256) as one owner of a Leash wallet, through a PasskeyOwner
 * contract (ERC-1271, contracts/owners/PasskeyOwner.sol) that the PasskeyOwnerFactory deploys at an address
 * depending only on the public key. The wallet counts it like any owner (threshold, timelock, removal).
 *
 * Browser-safe: no Node APIs. The page gets the key from `credential.response.getPublicKey()` (SPKI) or the
 * COSE key of the attestation, an assertion from `navigator.credentials.get` with `challenge` = the digest
 * and `userVerification: "required"`, and these functions do the rest.
 *
 * @example
 * const key = parsePasskeyPublicKey(new Uint8Array(credential.response.getPublicKey()));
 * const calls = addPasskeyOwnerCalls(wallet, key); // propose it: [factory.createPasskeyOwner, wallet.addOwner]
 */
import {
  AbiCoder,
  Interface,
  concat,
  decodeBase64,
  encodeBase64,
  getBytes,
  getCreate2Address,
  getCreateAddress,
  hexlify,
  isHexString,
  keccak256,
  toBeHex,
  toUtf8Bytes,
  toUtf8String,
  zeroPadValue,
} from "ethers";
import { passkeyOwnerFactoryAbi, passkeyOwnerFactoryInitCodeHash } from "./abi/generated.js";
import { selfCall, type ResolvedCall } from "./contracts.js";
import { InvalidArgumentError } from "./errors.js";
import {
  approvalNonce,
  approvalTypedData,
  relayerRequestDigest,
  typedDataDigest,
} from "./signedActions.js";
import { toAddress } from "./units.js";

/** The P-256 curve (NIST SP 800-186): field prime, group order and `b` (a = -3). */
export const P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
export const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const P256_HALF_N = P256_N >> 1n;

/** Arachnid's CREATE2 deployer and the Leash salt (deploy/deterministic.ts): the same on every chain. */
const CREATE2_DEPLOYER = "0x4e59b44847b379578588920cA78FbF26c0B4956C";
const LEASH_CREATE2_SALT = keccak256(toUtf8Bytes("leash/v1"));

/** The PasskeyOwnerFactory's address on every chain (deployed with the wallet stack, docs/DEPLOY.md). */
export const PASSKEY_OWNER_FACTORY = getCreate2Address(
  CREATE2_DEPLOYER,
  LEASH_CREATE2_SALT,
  passkeyOwnerFactoryInitCodeHash,
);

export const passkeyOwnerFactoryInterface = new Interface(passkeyOwnerFactoryAbi);

/** A P-256 public key: two 32-byte coordinates as 0x-hex. */
export interface P256PublicKey {
  x: string;
  y: string;
}

/** Bytes as the browser gives them (ArrayBuffer, a typed array) or 0x-hex. */
export type BytesInput = Uint8Array | ArrayBuffer | ArrayBufferView | string;

/** A WebAuthn assertion (`AuthenticatorAssertionResponse` fields): `signature` is DER, or `{ r, s }`. */
export interface WebAuthnAssertion {
  authenticatorData: BytesInput;
  /** The JSON text, or its UTF-8 bytes exactly as the browser returned them. */
  clientDataJSON: BytesInput;
  signature: BytesInput | { r: bigint | string; s: bigint | string };
}

/** The fields of OpenZeppelin's `WebAuthn.WebAuthnAuth`, as PasskeyOwner decodes them. */
export interface WebAuthnAuth {
  r: bigint;
  s: bigint;
  challengeIndex: number;
  typeIndex: number;
  authenticatorData: string;
  clientDataJSON: string;
}

/** What to ask the authenticator for: pass it to `navigator.credentials.get({ publicKey: { ... } })`. */
export interface PasskeyAssertionRequest {
  /** The 32-byte digest the passkey signs (the WebAuthn challenge). */
  challenge: Uint8Array;
  /** The same, base64url without padding: what `clientDataJSON.challenge` will hold. */
  challengeBase64url: string;
  /** PasskeyOwner requires the UV flag: ask for it, or the wallet refuses the assertion. */
  userVerification: "required";
}

/** Asks the user's authenticator for an assertion (in a page: `navigator.credentials.get`). */
export type GetPasskeyAssertion = (request: PasskeyAssertionRequest) => Promise<WebAuthnAssertion>;

const bad = (message: string) => new InvalidArgumentError(message);

function toBytes(input: BytesInput, what: string): Uint8Array {
  if (typeof input === "string") {
    if (!isHexString(input) || input.length % 2 !== 0)
      throw bad(`${what} must be 0x-prefixed hex bytes, an ArrayBuffer or a Uint8Array`);
    return getBytes(input);
  }
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input))
    return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw bad(`${what} must be 0x-prefixed hex bytes, an ArrayBuffer or a Uint8Array`);
}

const word = (n: bigint) => zeroPadValue(toBeHex(n), 32);

/** base64url without padding (RFC 4648 §5), as WebAuthn writes the challenge in clientDataJSON. */
export function base64url(bytes: BytesInput): string {
  return encodeBase64(toBytes(bytes, "bytes"))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/");
  return decodeBase64(padded + "=".repeat((4 - (padded.length % 4)) % 4));
}

/** Whether `(x, y)` is a point of P-256 (what PasskeyOwner's constructor checks). */
export function isP256PublicKey(x: bigint, y: bigint): boolean {
  if (x >= P256_P || y >= P256_P) return false;
  if (x === 0n && y === 0n) return false;
  const lhs = (y * y) % P256_P;
  const rhs = (((x * x) % P256_P) * x - 3n * x + P256_B) % P256_P;
  return lhs === (rhs + P256_P) % P256_P;
}

function checkedKey(x: bigint, y: bigint): P256PublicKey {
  if (!isP256PublicKey(x, y)) throw bad("passkey public key: the point is not on the P-256 curve");
  return { x: word(x), y: word(y) };
}

function keyOf(key: P256PublicKey): { x: bigint; y: bigint } {
  const coordinate = (v: unknown, name: string) => {
    if (typeof v !== "string" || !isHexString(v, 32))
      throw bad(`passkey public key: ${name} must be 32 bytes of 0x-hex`);
    return BigInt(v);
  };
  const x = coordinate(key?.x, "x");
  const y = coordinate(key?.y, "y");
  checkedKey(x, y);
  return { x, y };
}

// id-ecPublicKey (1.2.840.10045.2.1) with prime256v1 (1.2.840.10045.3.1.7), then the uncompressed point.
const SPKI_P256_PREFIX = getBytes("0x3059301306072a8648ce3d020106082a8648ce3d030107034200");

/**
 * The (x, y) of a passkey's public key, from what a browser gives at registration: the SPKI DER of
 * `AuthenticatorAttestationResponse.getPublicKey()`, the COSE_Key (CBOR) of the attested credential data, or
 * a raw uncompressed point (0x04 ‖ x ‖ y). Only P-256 / ES256 keys: anything else throws InvalidArgumentError.
 *
 * @example
 * const key = parsePasskeyPublicKey(new Uint8Array(credential.response.getPublicKey()));
 */
export function parsePasskeyPublicKey(input: BytesInput): P256PublicKey {
  const bytes = toBytes(input, "passkey public key");
  const point = (at: number) =>
    checkedKey(
      BigInt(hexlify(bytes.subarray(at, at + 32))),
      BigInt(hexlify(bytes.subarray(at + 32, at + 64))),
    );
  if (bytes.length === 65 && bytes[0] === 0x04) return point(1);
  if (bytes[0] === 0x30) {
    const prefixOk =
      bytes.length === SPKI_P256_PREFIX.length + 65 &&
      SPKI_P256_PREFIX.every((b, i) => bytes[i] === b) &&
      bytes[SPKI_P256_PREFIX.length] === 0x04;
    if (!prefixOk)
      throw bad("passkey public key: SPKI is not an uncompressed P-256 (prime256v1) key");
    return point(SPKI_P256_PREFIX.length + 1);
  }
  if (bytes[0] >= 0xa0 && bytes[0] <= 0xb7) return coseKey(bytes);
  throw bad("passkey public key: expected SPKI DER, a COSE_Key or an uncompressed point");
}

/** A COSE_Key (RFC 9053) with kty EC2 (2), alg ES256 (-7), crv P-256 (1), x (-2) and y (-3). */
function coseKey(bytes: Uint8Array): P256PublicKey {
  const map = decodeCoseMap(bytes);
  const expect = (label: number, value: number, what: string) => {
    if (map.get(label) !== value) throw bad(`passkey public key: COSE ${what} is not supported`);
  };
  expect(1, 2, "kty (only EC2)");
  if (map.has(3)) expect(3, -7, "alg (only ES256)");
  expect(-1, 1, "crv (only P-256)");
  const x = map.get(-2);
  const y = map.get(-3);
  if (
    !(x instanceof Uint8Array) ||
    x.length !== 32 ||
    !(y instanceof Uint8Array) ||
    y.length !== 32
  )
    throw bad("passkey public key: COSE x and y must be 32-byte strings");
  return checkedKey(BigInt(hexlify(x)), BigInt(hexlify(y)));
}

/** A CBOR map of small integer labels to integers or byte strings: all a COSE EC2 key holds. */
function decodeCoseMap(bytes: Uint8Array): Map<number, number | Uint8Array> {
  let at = 0;
  const fail = (): never => {
    throw bad("passkey public key: malformed COSE_Key (CBOR)");
  };
  const head = () => {
    if (at >= bytes.length) fail();
    const initial = bytes[at++];
    const major = initial >> 5;
    const info = initial & 0x1f;
    let value: number;
    if (info < 24) value = info;
    else if (info === 24) {
      if (at + 1 > bytes.length) fail();
      value = bytes[at++];
    } else if (info === 25) {
      if (at + 2 > bytes.length) fail();
      value = (bytes[at] << 8) | bytes[at + 1];
      at += 2;
    } else return fail();
    return { major, value };
  };
  const item = (): number | Uint8Array => {
    const { major, value } = head();
    if (major === 0) return value;
    if (major === 1) return -1 - value;
    if (major === 2) {
      if (at + value > bytes.length) fail();
      const out = bytes.slice(at, at + value);
      at += value;
      return out;
    }
    return fail();
  };
  const { major, value: entries } = head();
  if (major !== 5 || entries > 16) fail();
  const map = new Map<number, number | Uint8Array>();
  for (let i = 0; i < entries; i++) {
    const label = item();
    if (typeof label !== "number" || map.has(label)) fail();
    map.set(label as number, item());
  }
  if (at !== bytes.length) fail();
  return map;
}

/**
 * The PasskeyOwner implementation every passkey owner clone runs: the factory creates it in its constructor,
 * its first CREATE (nonce 1).
 */
export function passkeyOwnerImplementation(factory: string = PASSKEY_OWNER_FACTORY): string {
  return getCreateAddress({ from: toAddress(factory, "factory"), nonce: 1 });
}

/**
 * Where the PasskeyOwner of `key` is (or will be): an ERC-1167 clone with the key as immutable arguments
 * (OpenZeppelin's Clones.cloneDeterministicWithImmutableArgs), CREATE2 from the factory, salt = keccak256(x, y).
 * The same on every chain, computed offline.
 *
 * @example
 * const owner = passkeyOwnerAddress(key); // add it as an owner with addPasskeyOwnerCalls
 */
export function passkeyOwnerAddress(
  key: P256PublicKey,
  factory: string = PASSKEY_OWNER_FACTORY,
): string {
  const { x, y } = keyOf(key);
  const factoryAddress = toAddress(factory, "factory");
  const args = AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32"], [word(x), word(y)]);
  const initCode = concat([
    "0x61",
    toBeHex(getBytes(args).length + 0x2d, 2),
    "0x3d81600a3d39f3363d3d373d3d3d363d73",
    passkeyOwnerImplementation(factoryAddress),
    "0x5af43d82803e903d91602b57fd5bf3",
    args,
  ]);
  return getCreate2Address(factoryAddress, keccak256(args), keccak256(initCode));
}

/**
 * The owners' batch that adds a passkey owner: `factory.createPasskeyOwner(x, y)` (idempotent: a no-op if
 * someone created it already) then `wallet.addOwner(passkeyOwner)`. Adding an owner loosens control, so the
 * batch is timelocked like any `addOwner`: propose it (or sign it with M owners) and execute it after the
 * delay. The owner contract is created only when the batch executes.
 *
 * @example
 * const { proposalId } = await owners.propose(addPasskeyOwnerCalls(wallet, key));
 */
export function addPasskeyOwnerCalls(
  wallet: string,
  key: P256PublicKey,
  factory: string = PASSKEY_OWNER_FACTORY,
): ResolvedCall[] {
  const { x, y } = keyOf(key);
  const factoryAddress = toAddress(factory, "factory");
  return [
    {
      target: factoryAddress,
      value: 0n,
      data: passkeyOwnerFactoryInterface
        .encodeFunctionData("createPasskeyOwner", [word(x), word(y)])
        .toLowerCase(),
    },
    selfCall(toAddress(wallet, "wallet"), "addOwner", [passkeyOwnerAddress(key, factoryAddress)]),
  ];
}

/** `s` in the lower half of the group order (P-256 signatures are malleable; PasskeyOwner refuses high s). */
export function normalizeP256S(s: bigint): bigint {
  return s > P256_HALF_N ? P256_N - s : s;
}

/**
 * r and s of a DER-encoded ECDSA signature (what WebAuthn returns): SEQUENCE { INTEGER r, INTEGER s }, both
 * in [1, n-1]. Strict: minimal lengths, nothing after the sequence.
 */
export function parseP256DerSignature(der: BytesInput): { r: bigint; s: bigint } {
  const bytes = toBytes(der, "signature");
  const fail = (): never => {
    throw bad("passkey signature: not a DER-encoded P-256 ECDSA signature");
  };
  if (bytes.length < 8 || bytes.length > 72 || bytes[0] !== 0x30 || bytes[1] !== bytes.length - 2)
    fail();
  let at = 2;
  const integer = () => {
    if (at + 2 > bytes.length || bytes[at] !== 0x02) fail();
    const length = bytes[at + 1];
    at += 2;
    if (length === 0 || length > 33 || at + length > bytes.length) fail();
    const body = bytes.subarray(at, at + length);
    // Positive and minimal: no sign bit, a leading zero only before a byte with its high bit set.
    if (body[0] & 0x80) fail();
    if (length > 1 && body[0] === 0 && !(body[1] & 0x80)) fail();
    at += length;
    const value = BigInt(hexlify(body));
    if (value === 0n || value >= P256_N) fail();
    return value;
  };
  const r = integer();
  const s = integer();
  if (at !== bytes.length) fail();
  return { r, s };
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const TYPE_GET = toUtf8Bytes('"type":"webauthn.get"');
const CHALLENGE_KEY = toUtf8Bytes('"challenge":"');

/**
 * The signature bytes PasskeyOwner takes, from the parts as they are: `abi.encode(r, s, challengeIndex,
 * typeIndex, authenticatorData, clientDataJSON)`. No checks; use `encodePasskeySignature` for an assertion.
 */
export function encodeWebAuthnAuth(auth: WebAuthnAuth): string {
  return AbiCoder.defaultAbiCoder().encode(
    ["bytes32", "bytes32", "uint256", "uint256", "bytes", "string"],
    [
      word(auth.r),
      word(auth.s),
      auth.challengeIndex,
      auth.typeIndex,
      auth.authenticatorData,
      auth.clientDataJSON,
    ],
  );
}

/** Decodes what `encodeWebAuthnAuth` makes (e.g. to show or re-check a stored approval). */
export function decodeWebAuthnAuth(signature: string): WebAuthnAuth {
  try {
    const [r, s, challengeIndex, typeIndex, authenticatorData, clientDataJSON] =
      AbiCoder.defaultAbiCoder().decode(
        ["bytes32", "bytes32", "uint256", "uint256", "bytes", "string"],
        signature,
      );
    return {
      r: BigInt(r),
      s: BigInt(s),
      challengeIndex: Number(challengeIndex),
      typeIndex: Number(typeIndex),
      authenticatorData,
      clientDataJSON,
    };
  } catch {
    throw bad("not a passkey signature (abi-encoded WebAuthnAuth)");
  }
}

/**
 * Turns a WebAuthn assertion into the signature bytes PasskeyOwner verifies: DER signature parsed and s
 * normalised to the lower half, the positions of `"type":"webauthn.get"` and `"challenge":"` found in the
 * client data. Checks what the wallet will check, to fail here with a clear message rather than on chain:
 * type webauthn.get, the challenge equal to `digest` (when given), User Present and User Verified flags.
 *
 * @example
 * const r = cred.response; // from navigator.credentials.get({ publicKey: { challenge: getBytes(digest), userVerification: "required" } })
 * const signature = encodePasskeySignature({ authenticatorData: r.authenticatorData, clientDataJSON: r.clientDataJSON, signature: r.signature }, digest);
 */
export function encodePasskeySignature(assertion: WebAuthnAssertion, digest?: string): string {
  const authenticatorData = toBytes(assertion?.authenticatorData, "authenticatorData");
  if (authenticatorData.length < 37)
    throw bad("passkey assertion: authenticatorData is shorter than 37 bytes");
  const flags = authenticatorData[32];
  if (!(flags & 0x01)) throw bad("passkey assertion: the User Present flag is not set");
  if (!(flags & 0x04))
    throw bad(
      'passkey assertion: the User Verified flag is not set (ask userVerification: "required")',
    );
  const clientData =
    typeof assertion.clientDataJSON === "string" && !isHexString(assertion.clientDataJSON)
      ? toUtf8Bytes(assertion.clientDataJSON)
      : toBytes(assertion.clientDataJSON, "clientDataJSON");
  let text: string;
  let parsed: { type?: unknown; challenge?: unknown };
  try {
    text = toUtf8String(clientData);
    parsed = JSON.parse(text);
  } catch {
    throw bad("passkey assertion: clientDataJSON is not UTF-8 JSON");
  }
  if (parsed?.type !== "webauthn.get")
    throw bad(
      `passkey assertion: clientDataJSON type is ${String(parsed?.type)}, not webauthn.get`,
    );
  const typeIndex = indexOfBytes(clientData, TYPE_GET);
  const challengeIndex = indexOfBytes(clientData, CHALLENGE_KEY);
  if (typeIndex < 0 || challengeIndex < 0)
    throw bad("passkey assertion: clientDataJSON lacks a compact type or challenge member");
  if (typeof parsed.challenge !== "string")
    throw bad("passkey assertion: clientDataJSON has no challenge");
  if (digest !== undefined) {
    if (!isHexString(digest, 32)) throw bad("digest must be 32 bytes of 0x-hex");
    if (parsed.challenge !== base64url(digest))
      throw bad(
        `passkey assertion: its challenge ${parsed.challenge} is not the digest ${digest} (base64url ${base64url(digest)})`,
      );
  } else if (fromBase64url(parsed.challenge).length !== 32) {
    throw bad("passkey assertion: the challenge is not a 32-byte digest");
  }
  const sig = assertion.signature;
  let r: bigint;
  let s: bigint;
  if (typeof sig === "object" && sig !== null && "r" in sig && "s" in sig) {
    try {
      r = BigInt(sig.r);
      s = BigInt(sig.s);
    } catch {
      throw bad("passkey signature: r and s must be integers (bigint or 0x-hex)");
    }
  } else ({ r, s } = parseP256DerSignature(sig as BytesInput));
  if (r <= 0n || r >= P256_N || s <= 0n || s >= P256_N)
    throw bad("passkey signature: r and s must be in [1, n-1]");
  return encodeWebAuthnAuth({
    r,
    s: normalizeP256S(s),
    challengeIndex,
    typeIndex,
    authenticatorData: hexlify(authenticatorData),
    clientDataJSON: toUtf8String(clientData),
  });
}

/** What to ask the authenticator to sign `digest` (a 32-byte hash) for a PasskeyOwner. */
export function passkeyAssertionRequest(digest: string): PasskeyAssertionRequest {
  if (!isHexString(digest, 32)) throw bad("digest must be 32 bytes of 0x-hex");
  return {
    challenge: getBytes(digest),
    challengeBase64url: base64url(digest),
    userVerification: "required",
  };
}

/**
 * Signs `digest` with the passkey: asks `getAssertion` (the page's `navigator.credentials.get`) for an
 * assertion over it and encodes it for PasskeyOwner. Returns the signature bytes.
 */
export async function signDigestWithPasskey(
  digest: string,
  getAssertion: GetPasskeyAssertion,
): Promise<string> {
  const assertion = await getAssertion(passkeyAssertionRequest(digest));
  return encodePasskeySignature(assertion, digest);
}

/**
 * A passkey owner's approval of proposal `proposalId` for the relayer's approvals service
 * (`leash_postApproval`) or `approveWithSignatures`: the EIP-712 `ApproveProposal` digest, signed by the
 * passkey. The relayer expects the derived nonce (`approvalNonce`, the default) and the proposal's expiry as
 * deadline; the wallet burns a nonce on use, so an approval submitted alone, not through the relayer, takes a
 * fresh `nonce` (else it would void the other owners' relayer approvals of the same proposal).
 *
 * @example
 * const epoch = await walletContract(wallet, provider).signatureEpoch();
 * const a = await signApprovalWithPasskey({ wallet, chainId, proposalId, deadline: p.expiresAt, epoch, key, getAssertion });
 * await relayer.request("leash_postApproval", [{ wallet, proposalId, owner: a.owner, signature: a.signature }]);
 */
export async function signApprovalWithPasskey(options: {
  wallet: string;
  chainId: bigint;
  proposalId: bigint;
  /** The proposal's `expiresAt` (what the approvals service and the wallet expect as deadline). */
  deadline: bigint;
  /** The wallet's `signatureEpoch()`: an owner or guardian added or removed since voids the approval. */
  epoch: bigint;
  key: P256PublicKey;
  getAssertion: GetPasskeyAssertion;
  factory?: string;
  /** Default: the derived nonce the relayer's approvals service uses. */
  nonce?: bigint;
}): Promise<{ owner: string; digest: string; nonce: bigint; signature: string }> {
  const wallet = toAddress(options.wallet, "wallet");
  const owner = passkeyOwnerAddress(options.key, options.factory);
  const nonce = options.nonce ?? approvalNonce(wallet, options.proposalId);
  const digest = typedDataDigest(
    approvalTypedData({
      wallet,
      chainId: options.chainId,
      proposalId: options.proposalId,
      deadline: options.deadline,
      epoch: options.epoch,
      nonce,
    }),
  );
  const signature = await signDigestWithPasskey(digest, options.getAssertion);
  return { owner, digest, nonce, signature };
}

/**
 * A request to the relayer (read, withdraw, execute, events, webhooks) signed by a passkey owner: the EIP-712
 * `RelayerRequest` digest signed by the passkey, with the passkey's owner contract as `signer`. The relayer
 * checks it through ERC-1271 (`isValidSignature` by eth_call) once the signer is known to be an owner.
 *
 * @example
 * const auth = await signRelayerRequestWithPasskey({ chainId, action: "withdraw", wallet, id, key, getAssertion });
 * await relayer.request("leash_withdrawApproval", [{ wallet, proposalId: id, auth }]);
 */
export async function signRelayerRequestWithPasskey(options: {
  chainId: bigint;
  action: string;
  wallet: string;
  id: bigint;
  key: P256PublicKey;
  getAssertion: GetPasskeyAssertion;
  factory?: string;
  /** Seconds since the epoch (default: now); the relayer accepts it within RELAYER_REQUEST_WINDOW. */
  issuedAt?: bigint;
}): Promise<{ signer: string; issuedAt: bigint; signature: string }> {
  const signer = passkeyOwnerAddress(options.key, options.factory);
  const issuedAt = options.issuedAt ?? BigInt(Math.floor(Date.now() / 1000));
  const digest = relayerRequestDigest(options.chainId, {
    action: options.action,
    wallet: toAddress(options.wallet, "wallet"),
    id: options.id,
    issuedAt,
  });
  const signature = await signDigestWithPasskey(digest, options.getAssertion);
  return { signer, issuedAt, signature };
}

// ------------------------------------------------------------------------------ in a browser

/** The part of `navigator.credentials` these helpers use (typed here: the SDK builds without the DOM lib). */
interface CredentialsContainerLike {
  create(options: unknown): Promise<unknown>;
  get(options: unknown): Promise<unknown>;
}

function browserCredentials(): CredentialsContainerLike {
  const credentials = (globalThis as { navigator?: { credentials?: CredentialsContainerLike } })
    .navigator?.credentials;
  if (!credentials || typeof credentials.get !== "function")
    throw bad("WebAuthn is not available here (navigator.credentials): run this in a browser page");
  return credentials;
}

/**
 * Registers a new passkey in the browser (`navigator.credentials.create`, ES256, user verification required)
 * and returns its credential id and public key, ready for `addPasskeyOwnerCalls`. Keep `credentialId` to ask
 * for this passkey later (`webAuthnAssertion({ credentialIds: [credentialId] })`).
 *
 * @example
 * const { credentialId, key } = await createPasskeyCredential({ rpName: "Leash", userName: "alice" });
 */
export async function createPasskeyCredential(options: {
  rpName: string;
  /** Default: the page's domain. */
  rpId?: string;
  userName: string;
  userDisplayName?: string;
  /** Up to 64 bytes identifying the user at the RP (default: random). */
  userId?: BytesInput;
  /** A discoverable credential (default "preferred"); "required" keeps it listable on the authenticator. */
  residentKey?: "required" | "preferred" | "discouraged";
  timeoutMs?: number;
}): Promise<{ credentialId: string; key: P256PublicKey }> {
  const random = (n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n));
  const credential = (await browserCredentials().create({
    publicKey: {
      rp: { name: options.rpName, ...(options.rpId ? { id: options.rpId } : {}) },
      user: {
        id: options.userId ? toBytes(options.userId, "userId") : random(16),
        name: options.userName,
        displayName: options.userDisplayName ?? options.userName,
      },
      challenge: random(32),
      pubKeyCredParams: [{ type: "public-key", alg: -7 }],
      authenticatorSelection: {
        residentKey: options.residentKey ?? "preferred",
        userVerification: "required",
      },
      attestation: "none",
      ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    },
  })) as {
    rawId?: ArrayBuffer;
    response?: { getPublicKey?: () => ArrayBuffer | null };
  } | null;
  const spki = credential?.response?.getPublicKey?.();
  if (!credential?.rawId || !spki)
    throw bad("the browser returned no public key for the new passkey (getPublicKey)");
  return {
    credentialId: hexlify(new Uint8Array(credential.rawId)),
    key: parsePasskeyPublicKey(spki),
  };
}

/**
 * A `GetPasskeyAssertion` for the browser: `navigator.credentials.get` with the digest as challenge and user
 * verification required, restricted to `credentialIds` when given.
 *
 * @example
 * await owners.approveWithPasskey(id, { key, getAssertion: webAuthnAssertion({ credentialIds: [credentialId] }) });
 */
export function webAuthnAssertion(
  options: { credentialIds?: BytesInput[]; rpId?: string; timeoutMs?: number } = {},
): GetPasskeyAssertion {
  return async (request) => {
    const credential = (await browserCredentials().get({
      publicKey: {
        challenge: request.challenge,
        userVerification: request.userVerification,
        ...(options.rpId ? { rpId: options.rpId } : {}),
        ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
        ...(options.credentialIds
          ? {
              allowCredentials: options.credentialIds.map((id) => ({
                type: "public-key",
                id: toBytes(id, "credential id"),
              })),
            }
          : {}),
      },
    })) as {
      response?: {
        authenticatorData?: ArrayBuffer;
        clientDataJSON?: ArrayBuffer;
        signature?: ArrayBuffer;
      };
    } | null;
    const response = credential?.response;
    if (!response?.authenticatorData || !response.clientDataJSON || !response.signature)
      throw bad("the browser returned no WebAuthn assertion");
    return {
      authenticatorData: response.authenticatorData,
      clientDataJSON: response.clientDataJSON,
      signature: response.signature,
    };
  };
}
