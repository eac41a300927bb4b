/**
 * What the console reads and how it acts, on top of the SDK (`src/client`, imported module by module: the
 * browser-safe parts). Reads: public chain state through the console server's read-only `/chain` proxy
 * (OwnerClient as a reader, AuditClient), relayer state (approvals it holds) through `/relayer/` with the
 * user's API key. Acts: every action is an EIP-712 signature of an owner or guardian that the relayer submits,
 * so no signer needs ETH.
 */
import { JsonRpcProvider, hexlify, randomBytes } from "ethers";
import {
  OwnerClient,
  ownersUserOp,
  packOwnerSignatures,
  type AgentInfo,
  type BatchReview,
  type ProposalInfo,
  type SignedBatch,
} from "../../src/client/owner.js";
import { RelayerRpc } from "../../src/client/relayerRpc.js";
import {
  approvalTypedData,
  executeCallsTypedData,
  guardianActionTypedData,
  ownerOperationTypedData,
  relayerRequestTypedData,
  type LeashTypedData,
} from "../../src/client/signedActions.js";
import {
  entryPointContract,
  walletContract,
  walletInterface,
  type ResolvedCall,
} from "../../src/client/contracts.js";
import { toRpcUserOperation, type UserOperation } from "../../src/client/userOperation.js";
import {
  DEFAULT_MAX_PRIORITY_FEE_PER_GAS,
  pickFees,
  userOpHash,
  waitForOp,
} from "../../src/client/userOps.js";
import { renderCall as renderSdkCall, type RenderedCall } from "../../src/client/render.js";
import {
  PASSKEY_OWNER_FACTORY,
  passkeyOwnerAddress,
  passkeyOwnerFactoryInterface,
} from "../../src/client/passkey.js";
import { AssetInfo, NATIVE } from "../../src/client/units.js";
import { RelayerUnavailableError, UnauthorizedError } from "../../src/client/errors.js";

export interface ConsoleConfig {
  chainId: bigint;
  wallet: string | null;
  relayer: string;
  chain: string;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch("/console-config.json", { cache: "no-store" });
  if (!res.ok) throw new Error(`console configuration unavailable (HTTP ${res.status})`);
  const raw = (await res.json()) as {
    chainId: string;
    wallet: string | null;
    relayer: string;
    chain: string;
  };
  return { ...raw, chainId: BigInt(raw.chainId) };
}

/** Typed data as every signer takes it (viem's shape; bigints stay bigints), built by the SDK (signedActions.ts). */
export type TypedData = LeashTypedData;

/** An owner's or guardian's signing key in the page: a browser wallet (EOA) or a passkey owner (contract). */
export interface ConsoleSigner {
  kind: "injected" | "passkey";
  /** The address the wallet knows: the EOA, or the passkey owner contract. */
  address: string;
  label: string;
  /** Signs EIP-712 data: an ECDSA signature, or the passkey owner's ERC-1271 signature over the digest. */
  signTypedData(data: TypedData): Promise<string>;
}

/**
 * The SDK's rendering, plus the one outside call the console itself proposes: creating a passkey owner
 * through the PasskeyOwnerFactory (shown with the owner address the key gets).
 */
async function renderCall(
  reader: OwnerClient,
  call: ResolvedCall,
  now: bigint,
  assets: AssetInfo,
): Promise<RenderedCall> {
  if (call.target.toLowerCase() === PASSKEY_OWNER_FACTORY.toLowerCase() && call.value === 0n) {
    try {
      const parsed = passkeyOwnerFactoryInterface.parseTransaction({ data: call.data });
      if (parsed?.name === "createPasskeyOwner") {
        const [x, y] = [String(parsed.args[0]), String(parsed.args[1])];
        const owner = passkeyOwnerAddress({ x, y });
        return {
          action: "createPasskeyOwner",
          target: call.target,
          fields: [
            { name: "passkey owner", value: owner },
            { name: "publicKey.x", value: x },
            { name: "publicKey.y", value: y },
          ],
          text: `createPasskeyOwner(${owner})`,
        };
      }
    } catch {
      // not the factory's call: the SDK's generic rendering below
    }
  }
  return renderSdkCall(reader, call, now, assets);
}

export class Leash {
  readonly provider: JsonRpcProvider;
  readonly reader: OwnerClient;
  readonly relayer: RelayerRpc;
  readonly assets: AssetInfo;

  constructor(
    readonly config: ConsoleConfig,
    readonly wallet: string,
    readonly apiKey: string,
  ) {
    const origin = window.location.origin;
    this.provider = new JsonRpcProvider(`${origin}${config.chain}`, Number(config.chainId), {
      staticNetwork: true,
      batchMaxCount: 20,
      pollingInterval: 2_000,
    });
    this.reader = new OwnerClient({ wallet, signers: [], provider: this.provider });
    this.relayer = new RelayerRpc({ url: `${origin}${config.relayer}`, apiKey, timeoutMs: 20_000 });
    this.assets = new AssetInfo(this.provider);
  }

  async now(): Promise<bigint> {
    const block = await this.provider.getBlock("latest");
    return BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000));
  }

  /** Checks the API key against the relayer (a read it guards): throws its typed error when refused. */
  async checkAccess(): Promise<void> {
    try {
      // Proposal 0 never exists: any answer but a refusal of the key means the key may read this wallet.
      await this.relayer.request("leash_listApprovals", [{ wallet: this.wallet, proposalId: 0 }]);
    } catch (error) {
      if (error instanceof UnauthorizedError || error instanceof RelayerUnavailableError)
        throw error;
    }
  }

  /**
   * Everything a refresh shows, with the wallet's `info()` (13 reads) and the block time read once: the
   * overview and the proposals both start from them.
   */
  async snapshot(): Promise<{ overview: Overview; proposals: ProposalView[] }> {
    const [info, now] = await Promise.all([this.reader.info(), this.now()]);
    const [overview, proposals] = await Promise.all([
      this.overview(info, now),
      this.proposals(info.proposalCount, now),
    ]);
    return { overview, proposals };
  }

  private async overview(info: WalletInfo, now: bigint) {
    const [agents, native] = await Promise.all([this.reader.agents(), this.assets.of(NATIVE)]);
    const policies = await Promise.all(agents.map((a) => this.reader.policy(a.agent, NATIVE)));
    return {
      info,
      now,
      native,
      agents: agents.map((agent, i) => ({ agent, policy: policies[i] })),
    };
  }

  /** The latest proposals (newest of `count` first), each with its calls rendered and the relayer's view. */
  private async proposals(count: bigint, now: bigint, limit = 15): Promise<ProposalView[]> {
    const ids: bigint[] = [];
    for (let id = count; id >= 1n && ids.length < limit; id--) ids.push(id);
    return Promise.all(
      ids.map(async (id) => {
        const p = await this.reader.proposal(id);
        const calls = await Promise.all(
          p.calls.map((c) => renderCall(this.reader, c, now, this.assets)),
        );
        let relayer: RelayerApprovals | null = null;
        if (p.state === "pending" || p.state === "queued")
          relayer = await this.relayer
            .request<RelayerApprovals>("leash_listApprovals", [
              { wallet: this.wallet, proposalId: id },
            ])
            .catch(() => null);
        return { proposal: p, calls, relayer, now };
      }),
    );
  }

  // ---------------------------------------------------------------- actions (signatures the relayer submits)

  /** One read, for polling after a pause (not the whole `info()`). */
  async paused(): Promise<boolean> {
    return (await walletContract(this.wallet, this.provider).paused()) as boolean;
  }

  /** The wallet's signature epoch: every owner or guardian signature names it (see `signatureEpoch()`). */
  async epoch(): Promise<bigint> {
    return (await walletContract(this.wallet, this.provider).signatureEpoch()) as bigint;
  }

  async approve(signer: ConsoleSigner, p: ProposalInfo): Promise<RelayerApprovals> {
    const epoch = await this.epoch();
    const signature = await signer.signTypedData(
      approvalTypedData({
        wallet: this.wallet,
        chainId: this.config.chainId,
        proposalId: p.id,
        deadline: p.expiresAt,
        epoch,
      }),
    );
    return this.relayer.request<RelayerApprovals>("leash_postApproval", [
      { wallet: this.wallet, proposalId: p.id, owner: signer.address, signature },
    ]);
  }

  /** A request to the relayer itself, signed by the owner or guardian (`RelayerRequest`). */
  async signedRequest(signer: ConsoleSigner, action: string, id: bigint) {
    const issuedAt = BigInt(Math.floor(Date.now() / 1000));
    const signature = await signer.signTypedData(
      relayerRequestTypedData({
        chainId: this.config.chainId,
        action,
        wallet: this.wallet,
        id,
        issuedAt,
      }),
    );
    return { signer: signer.address, issuedAt, signature };
  }

  async withdraw(signer: ConsoleSigner, id: bigint): Promise<{ withdrawn: boolean }> {
    const auth = await this.signedRequest(signer, "withdraw", id);
    return this.relayer.request("leash_withdrawApproval", [
      { wallet: this.wallet, proposalId: id, auth },
    ]);
  }

  async execute(signer: ConsoleSigner, id: bigint): Promise<{ transactionHash: string }> {
    const auth = await this.signedRequest(signer, "execute", id);
    return this.relayer.request("leash_executeProposal", [
      { wallet: this.wallet, proposalId: id, auth },
    ]);
  }

  /** pause / suspendAgent / revokeAgent / cancel (veto): one owner's or guardian's signature. */
  async guardianAction(
    signer: ConsoleSigner,
    fn: "pause" | "suspendAgent" | "revokeAgent" | "cancel",
    args: unknown[],
  ): Promise<{ transactionHash: string }> {
    const data = walletInterface.encodeFunctionData(fn, args);
    const nonce = BigInt(hexlify(randomBytes(16)));
    const [deadline, epoch] = await Promise.all([
      this.now().then((now) => now + 600n),
      this.epoch(),
    ]);
    const signature = await signer.signTypedData(
      guardianActionTypedData({
        wallet: this.wallet,
        chainId: this.config.chainId,
        data,
        nonce,
        deadline,
        epoch,
      }),
    );
    return this.relayer.request("leash_submitGuardianAction", [
      { wallet: this.wallet, guardian: signer.address, data, nonce, deadline, signature },
    ]);
  }

  // ---------------------------------------------------------------- off-chain batches (EIP-712 ExecuteCalls)

  /** A batch for the owners to sign: valid one day, a random nonce, the digest the wallet computes. */
  async newBatch(calls: ResolvedCall[]): Promise<SignedBatch> {
    const nonce = BigInt(hexlify(randomBytes(8)));
    const deadline = (await this.now()) + 86_400n;
    const [epoch, digest] = await Promise.all([
      this.epoch(),
      walletContract(this.wallet, this.provider).hashSignedCalls(
        calls,
        nonce,
        deadline,
      ) as Promise<string>,
    ]);
    return {
      wallet: this.wallet,
      chainId: this.config.chainId,
      calls,
      nonce,
      deadline,
      epoch,
      digest,
      signatures: [],
    };
  }

  /** What the batch does, for people: each call decoded, the delay it triggers, who signed. */
  async reviewBatch(batch: ConsoleBatch): Promise<{ review: BatchReview; calls: RenderedCall[] }> {
    const [review, now] = await Promise.all([this.reader.reviewBatch(batch), this.now()]);
    const calls = await Promise.all(
      batch.calls.map((c) => renderCall(this.reader, c, now, this.assets)),
    );
    return { review, calls };
  }

  /** Adds this signer's EIP-712 signature: the wallet prompt shows every call (target, value, data). */
  async signBatch(signer: ConsoleSigner, batch: ConsoleBatch): Promise<ConsoleBatch> {
    if (batch.signatures.some((s) => s.signer.toLowerCase() === signer.address.toLowerCase()))
      return batch;
    if (batch.userOp) {
      // Owners sign the userOpHash in the wallet's signature epoch (`hashOwnerOperation`); the page shows the
      // decoded calls beside the prompt.
      const signature = await signer.signTypedData(
        ownerOperationTypedData({
          wallet: this.wallet,
          chainId: this.config.chainId,
          userOpHash: batch.digest,
          epoch: batch.epoch,
        }),
      );
      return { ...batch, signatures: [...batch.signatures, { signer: signer.address, signature }] };
    }
    const signature = await signer.signTypedData(
      executeCallsTypedData({ ...batch, wallet: this.wallet, chainId: this.config.chainId }),
    );
    return { ...batch, signatures: [...batch.signatures, { signer: signer.address, signature }] };
  }

  /**
   * A batch as an owners' user operation (nonce key 0): the wallet pays its gas from its own balance or
   * EntryPoint deposit, so it suits what is too heavy for the relayer to pay (deploying a passkey owner
   * contract). Owners sign EntryPoint v0.8's EIP-712 `PackedUserOperation`, whose hash is the userOpHash.
   */
  async newUserOpBatch(calls: ResolvedCall[], callGasLimit: bigint): Promise<ConsoleBatch> {
    const w = walletContract(this.wallet, this.provider);
    const [entryPoint, threshold, epoch] = await Promise.all([
      w.entryPoint() as Promise<string>,
      w.threshold() as Promise<bigint>,
      this.epoch(),
    ]);
    const nonce = (await entryPointContract(entryPoint, this.provider).getFunction("getNonce")(
      this.wallet,
      0n,
    )) as bigint;
    const op = ownersUserOp(this.wallet, nonce, calls, Number(threshold), callGasLimit);
    const ctx = { chainId: this.config.chainId, entryPoint, provider: this.provider };
    await pickFees(this.relayer, ctx, op, undefined, {
      maxPriorityFeePerGas: DEFAULT_MAX_PRIORITY_FEE_PER_GAS,
    });
    op.signature = "0x";
    const digest = userOpHash(op, ctx);
    return {
      wallet: this.wallet,
      chainId: this.config.chainId,
      calls,
      nonce,
      deadline: 0n,
      epoch,
      digest,
      signatures: [],
      userOp: { op, entryPoint },
    };
  }

  /** The relayer submits the signed batch (`executeWithSignatures`): loosening batches are queued with their eta. */
  async submitBatch(batch: ConsoleBatch): Promise<{ transactionHash: string }> {
    if (batch.userOp) {
      const op: UserOperation = {
        ...batch.userOp.op,
        signature: packOwnerSignatures(batch.signatures),
      };
      const hash = await this.relayer.request<string>("eth_sendUserOperation", [
        toRpcUserOperation(op),
        batch.userOp.entryPoint,
      ]);
      const receipt = await waitForOp(this.relayer, hash, { timeoutMs: 90_000 });
      return { transactionHash: receipt.receipt.transactionHash };
    }
    return this.relayer.request("leash_submitSignedBatch", [
      {
        wallet: this.wallet,
        calls: batch.calls.map((c) => ({ target: c.target, value: c.value, data: c.data })),
        nonce: batch.nonce,
        deadline: batch.deadline,
        signatures: packOwnerSignatures(batch.signatures),
      },
    ]);
  }

  async waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (await check().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    throw new Error("sent, but not confirmed on chain within a minute: check the relayer");
  }

  async relayerUp(): Promise<boolean> {
    try {
      const res = await fetch(`${window.location.origin}${this.config.relayer}health`, {
        cache: "no-store",
      });
      return res.ok;
    } catch {
      return false;
    }
  }
}

/** A batch for the owners to sign: an EIP-712 `ExecuteCalls` batch the relayer submits, or an owners' user operation. */
export type ConsoleBatch = SignedBatch & { userOp?: { op: UserOperation; entryPoint: string } };

export interface RelayerApprovals {
  state: string;
  threshold: string;
  approvedOnChain: string[];
  approvedAtRelayer: { owner: string; postedAt: number; counts: boolean }[];
  actions: Record<string, { status: string; txHash: string | null; reason: string | null } | null>;
}

export interface ProposalView {
  proposal: ProposalInfo;
  calls: RenderedCall[];
  relayer: RelayerApprovals | null;
  now: bigint;
}

export type WalletInfo = Awaited<ReturnType<OwnerClient["info"]>>;

export interface Overview {
  info: WalletInfo;
  now: bigint;
  native: Awaited<ReturnType<AssetInfo["of"]>>;
  agents: AgentRow[];
}

export type AgentRow = { agent: AgentInfo; policy: Awaited<ReturnType<OwnerClient["policy"]>> };
