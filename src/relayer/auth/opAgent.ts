/**
 * Which agent an op belongs to. A Leash wallet takes an agent's op on nonce key = the agent's key address (the
 * high 192 bits of the nonce; key 0 is the owners' lane) and accepts it only if the ECDSA signature over the
 * user-op hash recovers to that same key (AgentWallet._validateUserOp). The relayer applies the same convention:
 *
 * - `nonceKeyAgent`: the key an op claims by its nonce (null for the owners' lane or a key wider than an
 *   address). Recorded with every stored op: the relayer stores an op only after simulating its validation, in
 *   which the wallet checked that this key signed it (or, node down, queues it to simulate before bundling).
 *   Also what scopes an estimate, which clients make with a stub signature.
 * - `signingAgent`: that key, only when the signature really recovers to it. Checked when an agent-scoped key
 *   sends, so such a key can't even queue an op for another lane. Not on every send: an ecrecover in JavaScript
 *   costs milliseconds.
 *
 * "Agent" here is the agent's signing key. An agent's id is its first key, so the two are equal until the owners
 * rotate the key; after a rotation the operator issues the agent a key scoped to the new one.
 */
import { getAddress, recoverAddress } from "ethers";
import { nonceKeyOf } from "../nonceSequence.js";

const ADDRESS_BITS = 160n;

export function nonceKeyAgent(nonce: bigint): string | null {
  const key = nonceKeyOf(nonce);
  if (key === 0n || key >> ADDRESS_BITS !== 0n) return null;
  return getAddress("0x" + key.toString(16).padStart(40, "0"));
}

export function signingAgent(nonce: bigint, userOpHash: string, signature: string): string | null {
  const claimed = nonceKeyAgent(nonce);
  // Only a plain 65-byte ECDSA signature is an agent's (owners' ops carry M signatures on key 0).
  if (!claimed || !/^0x[0-9a-fA-F]{130}$/.test(signature)) return null;
  try {
    return recoverAddress(userOpHash, signature) === claimed ? claimed : null;
  } catch {
    return null;
  }
}
