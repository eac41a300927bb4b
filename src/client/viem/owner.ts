/**
 * Owner- and guardian-side helpers for viem: the same EIP-712 messages the ethers `OwnerClient` signs
 * (src/client/signedActions.ts), signed by a viem `LocalAccount` or a `WalletClient` (`signTypedData`), and
 * the relayer calls that take them, so an owner or guardian whose key holds no ETH approves a proposal or
 * pauses the wallet from a viem app.
 */
import {
  encodeFunctionData,
  getAddress,
  hexToBigInt,
  toHex,
  type Address,
  type Client,
  type Hex,
  type LocalAccount,
  type WalletClient,
} from "viem";
import { getBlock, getChainId, readContract } from "viem/actions";
import { agentWalletAbi } from "../abi/generated.js";
import { InvalidArgumentError } from "../errors.js";
import { RelayerRpc } from "../relayerRpc.js";
import {
  approvalNonce,
  approvalTypedData,
  guardianActionTypedData,
  walletDomain,
  type LeashTypedData,
} from "../signedActions.js";

/** A viem signer: a local account (private key, mnemonic) or a wallet client with an account. */
export type LeashOwnerSigner = LocalAccount | WalletClient;

const PROPOSAL_STATES = ["none", "pending", "queued", "executed", "cancelled"] as const;

/** The wallet's `signatureEpoch()`: every owner or guardian signature names it. */
function signatureEpoch(client: Client, wallet: Address): Promise<bigint> {
  return readContract(client, {
    address: wallet,
    abi: agentWalletAbi,
    functionName: "signatureEpoch",
  });
}

/** How long a viem-signed guardian action stays valid (chain time). */
const GUARDIAN_ACTION_LIFETIME = 3_600n;

/** The wallet's EIP-712 domain (`Leash AgentWallet`, version 1). */
export function leashWalletDomain(wallet: Address, chainId: number | bigint) {
  return walletDomain(wallet, chainId) as ReturnType<typeof walletDomain> & {
    verifyingContract: Address;
  };
}

/**
 * The nonce every owner signs for proposal `proposalId`: derived, so owners approve independently and their
 * signatures pack into one `approveWithSignatures`.
 */
export function leashApprovalNonce(wallet: Address, proposalId: bigint): bigint {
  return approvalNonce(wallet, proposalId);
}

function isLocal(signer: LeashOwnerSigner): signer is LocalAccount {
  return "type" in signer && signer.type === "local";
}

function signerAddress(signer: LeashOwnerSigner): Address {
  const account = isLocal(signer) ? signer : (signer as WalletClient).account;
  if (!account)
    throw new InvalidArgumentError("the wallet client has no account: pass one to sign with");
  return getAddress(account.address);
}

/** Signs a payload built in signedActions.ts (the one place Leash's typed data is defined). */
async function signTyped(signer: LeashOwnerSigner, typedData: LeashTypedData): Promise<Hex> {
  const definition = typedData as Parameters<LocalAccount["signTypedData"]>[0];
  if (isLocal(signer)) return signer.signTypedData(definition);
  const client = signer as WalletClient;
  // A JSON-RPC account (a browser wallet) signs through the client; a local one in it signs here.
  return client.signTypedData({ ...definition, account: client.account! } as Parameters<
    WalletClient["signTypedData"]
  >[0]);
}

/**
 * An owner's EIP-712 approval of proposal `proposalId`; `deadline` must be the proposal's `expiresAt` (what
 * the relayer and `approveWithSignatures` check), `epoch` the wallet's `signatureEpoch()` (an owner or guardian
 * added or removed since voids the signature).
 *
 * @example
 * const signature = await signLeashApproval({ signer: account, wallet, chainId: 1, proposalId: 7n, deadline });
 */
export async function signLeashApproval(args: {
  signer: LeashOwnerSigner;
  wallet: Address;
  chainId: number | bigint;
  proposalId: bigint;
  deadline: bigint;
  epoch: bigint;
}): Promise<Hex> {
  return signTyped(args.signer, approvalTypedData(args));
}

/** A guardian's (or owner's) EIP-712 signature of a tightening action on the wallet (e.g. `pause()`). */
export async function signLeashGuardianAction(args: {
  signer: LeashOwnerSigner;
  wallet: Address;
  chainId: number | bigint;
  data: Hex;
  nonce: bigint;
  deadline: bigint;
  epoch: bigint;
}): Promise<Hex> {
  return signTyped(args.signer, guardianActionTypedData(args));
}

export interface LeashRelayerTarget {
  /** The Leash relayer's URL. */
  relayerUrl: string;
  apiKey?: string;
}

/**
 * Approves a pending proposal as one owner, with no ETH: reads the proposal (its expiry is the deadline),
 * signs the approval and posts it to the relayer's approvals service, which submits once the owners' approvals
 * reach the threshold. Returns the relayer's view of the proposal's approvals.
 *
 * @example
 * const status = await approveLeashProposal({ client, signer: owner, wallet, proposalId: 7n, relayerUrl });
 */
export async function approveLeashProposal(
  args: {
    client: Client;
    signer: LeashOwnerSigner;
    wallet: Address;
    proposalId: bigint;
  } & LeashRelayerTarget,
): Promise<{ proposalId: string; state: string; threshold: string; approvedOnChain: string[] }> {
  const wallet = getAddress(args.wallet);
  const [chainId, proposal, epoch] = await Promise.all([
    getChainId(args.client),
    readContract(args.client, {
      address: wallet,
      abi: agentWalletAbi,
      functionName: "getProposal",
      args: [args.proposalId],
    }),
    signatureEpoch(args.client, wallet),
  ]);
  const [state, , , expiresAt] = proposal;
  if (Number(state) !== 1)
    throw new InvalidArgumentError(
      `proposal ${args.proposalId} is ${PROPOSAL_STATES[Number(state)] ?? state}, not pending approvals`,
    );
  const signature = await signLeashApproval({
    signer: args.signer,
    wallet,
    chainId,
    proposalId: args.proposalId,
    deadline: expiresAt,
    epoch,
  });
  return new RelayerRpc({ url: args.relayerUrl, apiKey: args.apiKey }).request(
    "leash_postApproval",
    [
      {
        wallet,
        proposalId: args.proposalId.toString(),
        owner: signerAddress(args.signer),
        signature,
      },
    ],
  );
}

/**
 * The emergency pause from a guardian (or owner) key with no ETH: a signed `pause()` the relayer submits.
 * Returns the transaction hash; the wallet is paused once it is mined.
 *
 * @example
 * const { transactionHash } = await pauseLeashWallet({ client, signer: guardian, wallet, relayerUrl });
 */
export async function pauseLeashWallet(
  args: { client: Client; signer: LeashOwnerSigner; wallet: Address } & LeashRelayerTarget,
): Promise<{ transactionHash: Hex }> {
  const wallet = getAddress(args.wallet);
  const [chainId, block, epoch] = await Promise.all([
    getChainId(args.client),
    getBlock(args.client),
    signatureEpoch(args.client, wallet),
  ]);
  const data = encodeFunctionData({ abi: agentWalletAbi, functionName: "pause" });
  const nonce = hexToBigInt(toHex(crypto.getRandomValues(new Uint8Array(16))));
  const deadline = block.timestamp + GUARDIAN_ACTION_LIFETIME;
  const signature = await signLeashGuardianAction({
    signer: args.signer,
    wallet,
    chainId,
    data,
    nonce,
    deadline,
    epoch,
  });
  return new RelayerRpc({ url: args.relayerUrl, apiKey: args.apiKey }).request(
    "leash_submitGuardianAction",
    [
      {
        wallet,
        guardian: signerAddress(args.signer),
        data,
        nonce: nonce.toString(),
        deadline: deadline.toString(),
        signature,
      },
    ],
  );
}
