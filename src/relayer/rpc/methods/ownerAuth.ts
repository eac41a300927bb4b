/**
 * Shared by the owners' and guardians' methods: parameter schemas, and the check of a signed relayer request
 * (EIP-712 `RelayerRequest`, see src/client/signedActions.ts) or of an API key scoped to the wallet.
 */
import { getAddress, recoverAddress } from "ethers";
import { z } from "zod";
import { RELAYER_REQUEST_WINDOW, relayerRequestDigest } from "../../../client/signedActions.js";
import { ForbiddenError } from "../../errors.js";
import { address, hexBytes } from "../../userOp.js";
import type { CallContext } from "../types.js";

export const uint = (label: string) =>
  z.union([z.string(), z.number().int().nonnegative()]).transform((v, ctx) => {
    try {
      const n = BigInt(v);
      if (n >= 0n && n < 1n << 256n) return n;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${label} must be a uint256` });
    return z.NEVER;
  });

export const signature = hexBytes("signature").refine(
  (s) => s.length >= 132 && s.length <= 2 + 2 * 1024,
  "signature must be 65 to 1024 bytes",
);

/** Who asks, proven by a signature over `RelayerRequest(action, wallet, id, issuedAt)`. */
export const requestAuth = z
  .object({
    signer: address("auth.signer"),
    issuedAt: uint("auth.issuedAt"),
    signature: hexBytes("auth.signature"),
  })
  .strict();

export type RequestAuth = z.output<typeof requestAuth>;

/**
 * The owner or guardian (`as`) who signed this request, or throws. Freshness uses the relayer's clock: a
 * captured request is useless after the window. An EOA signs with ECDSA; a contract owner or guardian (a
 * passkey owner, a multisig) through ERC-1271, asked by eth_call only once `auth.signer` is known to hold the
 * role, so a stranger's request costs no more than before.
 */
export async function requireSignedRequest(
  ctx: CallContext,
  action: string,
  wallet: string,
  id: bigint,
  auth: RequestAuth,
  as: "owner" | "guardian",
): Promise<string> {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const window = BigInt(RELAYER_REQUEST_WINDOW);
  if (auth.issuedAt + window < now || auth.issuedAt > now + window)
    throw new ForbiddenError(`signed request expired or from the future (window ${window} s)`);
  const digest = relayerRequestDigest(ctx.relayer.chainId, {
    action,
    wallet,
    id,
    issuedAt: auth.issuedAt,
  });
  let recovered: string | null = null;
  try {
    recovered = recoverAddress(digest, auth.signature);
  } catch {
    // not an ECDSA signature: maybe a contract's (below)
  }
  const service = ctx.relayer.ownerActions;
  const hasRole = () =>
    as === "owner"
      ? service.read<boolean>(wallet, "isOwner", [auth.signer])
      : service.read<boolean>(wallet, "isGuardian", [auth.signer]);
  if (recovered !== auth.signer) {
    const contractSigned =
      (await hasRole()) &&
      (await service.isValidContractSignature(auth.signer, digest, auth.signature));
    if (!contractSigned) throw new ForbiddenError("bad request signature");
    return auth.signer;
  }
  if (!(await hasRole()))
    throw new ForbiddenError(
      `${auth.signer} is not ${as === "owner" ? "an owner" : "a guardian or owner"} of ${wallet}`,
    );
  return auth.signer;
}

/**
 * Reads: an API key for this whole wallet (not one limited to an agent), or an owner's or guardian's signed
 * request.
 */
export async function requireReader(
  ctx: CallContext,
  wallet: string,
  id: bigint,
  auth: RequestAuth | undefined,
  action = "read",
): Promise<void> {
  if (auth) {
    await requireSignedRequest(ctx, action, wallet, id, auth, "guardian");
    return;
  }
  if (
    ctx.apiKey &&
    ctx.apiKey.scopes.includes("read") &&
    ctx.apiKey.sender !== "*" &&
    // An agent's key reads only that agent's own ops, not the wallet's approvals or events.
    !ctx.apiKey.agent &&
    getAddress(ctx.apiKey.sender) === wallet
  )
    return;
  throw new ForbiddenError(
    "reading approvals needs an owner's or guardian's signed request, or an API key scoped to this wallet",
  );
}
