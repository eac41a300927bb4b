/**
 * OwnerClient: what the wallet's owners (M-of-N) and guardians use. Wallet creation through the factory
 * (counterfactual address first), proposals approved on-chain or with EIP-712 signatures collected off-chain,
 * the timelock (tightening executes on approval, loosening waits for its eta), pause, agents, policies,
 * owners, guardians, delays and upgrades.
 *
 * Management functions of the wallet are self-calls: they only run as part of an approved batch. `submit`
 * sends a batch the fastest way the local signers allow: with M local owner keys, one `executeWithSignatures`
 * transaction (tightening runs at once, loosening is queued with its eta); with fewer, an on-chain proposal
 * the other owners approve.
 */
import {
  BaseWallet,
  ZeroAddress,
  concat,
  getBytes,
  hexlify,
  randomBytes,
  solidityPacked,
  zeroPadValue,
  id as keccakId,
  isHexString,
  type ContractTransactionReceipt,
  type EventLog,
  type ContractTransactionResponse,
  type LogDescription,
  type Provider,
  type Signer,
} from "ethers";
import {
  minimumPreVerificationGas,
  toRpcUserOperation,
  type UserOperation,
} from "./userOperation.js";
import { RelayerRpc } from "./relayerRpc.js";
import {
  EXECUTE_CALLS_TYPES,
  approvalTypedData,
  executeCallsTypedData,
  guardianActionTypedData,
  ownerOperationDigest,
  relayerRequestTypedData,
  signTypedDataWith,
} from "./signedActions.js";
import {
  DEFAULT_MAX_PRIORITY_FEE_PER_GAS,
  confirmOnChain,
  newUserOp,
  pickFees,
  userOpHash,
  waitForOp,
  type FeeLimits,
  type WaitOptions,
} from "./userOps.js";
import {
  entryPointContract,
  executeUserOpCallData,
  erc20Interface,
  factoryContract,
  resolveCalls,
  selfCall,
  upgradeInterface,
  walletContract,
  walletInterface,
  type Call,
  type ResolvedCall,
  type WalletContract,
} from "./contracts.js";
import {
  AgentStatusName,
  ChainMismatchError,
  InvalidArgumentError,
  NoGasFundsError,
  NotATighteningError,
  NotOwnerError,
  TimeoutError,
  UnknownAgentError,
  ValidationError,
  WalletError,
  toLeashError,
  type AgentStatusNameValue,
} from "./errors.js";
import {
  requireExactLimit,
  setupAssets,
  toAgentRules,
  toAssetLimits,
  toSelector,
  toTimestamp,
  type AgentRules,
  type AgentRulesInput,
  type AgentSetup,
  type AssetLimitsInput,
} from "./policy.js";
import { AssetInfo, NATIVE, parseAmount, toAddress, toAsset, type AmountInput } from "./units.js";
import {
  addPasskeyOwnerCalls,
  passkeyOwnerAddress,
  signApprovalWithPasskey,
  type GetPasskeyAssertion,
  type P256PublicKey,
} from "./passkey.js";

export const ProposalStateName = ["none", "pending", "queued", "executed", "cancelled"] as const;
export type ProposalStateNameValue = (typeof ProposalStateName)[number];

/** What creating a wallet takes. Everything here is committed to by the counterfactual address. */
export interface WalletConfigInput {
  /** The factory (AgentWalletFactory) address. */
  factory: string;
  owners: string[];
  threshold: number;
  guardians?: string[];
  /** Seconds east of UTC for the calendar windows (default 0). */
  utcOffset?: number;
  /** Minimum seconds between pause and unpause (default 3600). */
  minPauseDuration?: number;
  /** Agents set up at creation, without timelock (the owners' initial configuration). */
  agents?: AgentSetup[];
  /** 32-byte hex salt, or any label (hashed); default 0x..01. */
  salt?: string;
}

/** How a batch went: executed now, queued until `eta`, or pending more owner approvals. */
export interface SubmitResult {
  status: "executed" | "queued" | "pending";
  proposalId?: bigint;
  /** Seconds since the epoch from which a queued proposal may execute. */
  eta?: bigint;
  transactionHash: string;
}

/** A proposal with its calls and where it stands. */
export interface ProposalInfo {
  id: bigint;
  state: ProposalStateNameValue;
  proposer: string;
  /** The agent whose payment was escalated, or null for an owners' proposal. */
  escalatedBy: string | null;
  expiresAt: bigint;
  eta: bigint;
  delay: bigint;
  approvals: bigint;
  threshold: bigint;
  approvedBy: string[];
  /** Past its expiry (pending) or its grace period (queued): it can no longer be approved or executed. */
  expired: boolean;
  calls: (ResolvedCall & { description: string })[];
}

/** An EIP-712 batch approval: the calls, nonce and deadline the owners sign, and the signatures so far. */
export interface SignedBatch {
  wallet: string;
  chainId: bigint;
  calls: ResolvedCall[];
  nonce: bigint;
  deadline: bigint;
  /**
   * The wallet's `signatureEpoch()` the batch is signed in: an owner or guardian added or removed since voids
   * its signatures (a removed owner's can't come back when it is re-added).
   */
  epoch: bigint;
  digest: string;
  signatures: { signer: string; signature: string }[];
}

/** What a batch asks its signers to approve, as people read it (see `OwnerClient.reviewBatch`). */
export interface BatchReview {
  wallet: string;
  /** The batch's chain: checked to be the connected provider's. */
  chainId: bigint;
  /** Each call decoded, with the delay it alone would trigger now (a hint: the wallet decides by effect). */
  calls: (ResolvedCall & { description: string; delay: bigint })[];
  /**
   * What the batch triggers once submitted with enough signatures, from the wallet's dry run against its
   * current state: 0 = it executes at once (every setter in it only tightens; calls to other contracts, e.g.
   * payments); else it is queued for this many seconds (and re-checked against the state of that moment).
   */
  delay: bigint;
  nonce: bigint;
  deadline: bigint;
  /** Who signed it so far. */
  signedBy: string[];
  /** The wallet's current threshold: how many owners' signatures the batch needs. */
  threshold: bigint;
}

/** An agent as the wallet records it. */
export interface AgentInfo {
  agent: string;
  key: string;
  status: AgentStatusNameValue;
  validAfter: bigint;
  validUntil: bigint;
  rules: AgentRules;
}

export interface OwnerClientOptions {
  /** The wallet's address. */
  wallet: string;
  /** Owner (or guardian) keys held locally; each needs a provider. The first sends transactions by default. */
  signers: Signer[];
  /** Who pays gas for transactions (default: the first signer). */
  sender?: Signer;
  /** Reads and event queries (default: the sender's provider). Must be a node, not the relayer. */
  provider?: Provider;
  /**
   * A relayer: with one, approve, execute, cancel, pause, suspend and revoke go through it as EIP-712 signatures
   * it submits (`executeGuardianAction`, the approvals service), and `submitViaRelayer` sends owners' user
   * operations (the wallet pays the gas): no owner or guardian key needs ETH. Without one, each action is a
   * direct transaction paid by the key. Its suggested
   * priority fee is capped (`maxPriorityFeePerGas`, default 5 gwei) and its receipts are checked on `provider`.
   */
  relayer?: {
    url: string;
    apiKey?: string;
    timeoutMs?: number;
    maxPriorityFeePerGas?: bigint;
    maxFeePerGas?: bigint;
  };
}

const DEFAULT_SALT = zeroPadValue("0x01", 32);
const DAY = 86_400n;
/** ProposalManager.GRACE_PERIOD: a queued proposal can execute until eta + 14 days. */
const GRACE_PERIOD = 14n * DAY;

/** The EIP-712 types of `executeWithSignatures` (`ExecuteCalls`); kept under this name, built in signedActions.ts. */
export const EIP712_TYPES = EXECUTE_CALLS_TYPES;

/** Owners and guardians governing a Leash wallet (see the module comment and README). */
export class OwnerClient {
  readonly wallet: string;
  readonly contract: WalletContract;
  readonly provider: Provider;
  private readonly signers: Signer[];
  /** Pays gas for transactions; absent in a read-only client. */
  private readonly senderSigner?: Signer;
  private addresses?: Promise<string[]>;
  private assetInfo: AssetInfo;
  private readonly relayer?: RelayerRpc;
  private readonly relayerFees: FeeLimits;

  /**
   * @example
   * const owners = new OwnerClient({ wallet, signers: [alice, bob] }); // alice, bob: ethers Wallets
   * await owners.pause();
   * const reader = new OwnerClient({ wallet, signers: [], provider }); // reads only
   */

  /** The wallet contract with `runner` sending. */
  private connected(runner: Signer): WalletContract {
    return this.contract.connect(runner) as WalletContract;
  }

  constructor(options: OwnerClientOptions) {
    this.wallet = toAddress(options.wallet, "wallet");
    this.signers = options.signers ?? [];
    this.senderSigner = options.sender ?? this.signers[0];
    const provider = options.provider ?? this.senderSigner?.provider;
    if (!provider)
      throw new InvalidArgumentError("an OwnerClient needs a provider (or signers with one)");
    this.provider = provider;
    this.contract = walletContract(this.wallet, this.senderSigner ?? provider);
    this.assetInfo = new AssetInfo(provider);
    if (options.relayer) this.relayer = new RelayerRpc(options.relayer);
    const { maxPriorityFeePerGas, maxFeePerGas } = options.relayer ?? {};
    for (const [name, v] of Object.entries({ maxPriorityFeePerGas, maxFeePerGas }))
      if (v !== undefined && (typeof v !== "bigint" || v < 0n))
        throw new InvalidArgumentError(`${name} must be a non-negative bigint (wei per gas)`);
    this.relayerFees = {
      maxPriorityFeePerGas: maxPriorityFeePerGas ?? DEFAULT_MAX_PRIORITY_FEE_PER_GAS,
      ...(maxFeePerGas === undefined ? {} : { maxFeePerGas }),
    };
  }

  // ------------------------------------------------------------------------------ creation

  /**
   * The setup calldata, resolved config and salt for a wallet (what both `getAddress` and `createWallet` use).
   *
   * @example
   * const { config, setupData, salt } = await OwnerClient.walletInit(provider, { factory, owners, threshold: 2 });
   */
  static async walletInit(runner: Provider, input: WalletConfigInput) {
    const owners = (input.owners ?? []).map((o, i) => toAddress(o, `owner ${i}`));
    if (owners.length === 0) throw new InvalidArgumentError("a wallet needs at least one owner");
    if (
      !Number.isInteger(input.threshold) ||
      input.threshold < 1 ||
      input.threshold > owners.length
    )
      throw new InvalidArgumentError(
        `threshold must be between 1 and the number of owners (${owners.length})`,
      );
    const config = {
      owners,
      threshold: BigInt(input.threshold),
      guardians: (input.guardians ?? []).map((g, i) => toAddress(g, `guardian ${i}`)),
      utcOffset: input.utcOffset ?? 0,
      minPauseDuration: input.minPauseDuration ?? 3600,
    };
    const assets = new AssetInfo(runner);
    const setupData: string[] = [];
    for (const agent of input.agents ?? [])
      for (const call of await agentSetupCalls(assets, ZeroAddress, agent))
        setupData.push(call.data);
    return {
      factory: toAddress(input.factory, "factory"),
      config,
      setupData,
      salt: toSalt(input.salt),
    };
  }

  /**
   * The wallet's counterfactual address: where `createWallet` will deploy it (fund it before if you like).
   *
   * @example
   * const address = await OwnerClient.getAddress(provider, { factory, owners, threshold: 2 });
   */
  static async getAddress(provider: Provider, input: WalletConfigInput): Promise<string> {
    const init = await OwnerClient.walletInit(provider, input);
    try {
      return await factoryContract(init.factory, provider).getFunction("getAddress")(
        init.config,
        init.setupData,
        init.salt,
      );
    } catch (error) {
      throw toLeashError(error);
    }
  }

  /**
   * Deploys the wallet through the factory (a no-op returning the same address if it already exists).
   *
   * @example
   * const { address } = await OwnerClient.createWallet(deployer, { factory, owners, threshold: 2, agents: [...] });
   */
  static async createWallet(
    signer: Signer,
    input: WalletConfigInput,
  ): Promise<{ address: string; created: boolean; transactionHash: string | null }> {
    const provider = signer.provider;
    if (!provider) throw new InvalidArgumentError("the signer needs a provider");
    const init = await OwnerClient.walletInit(provider, input);
    const factory = factoryContract(init.factory, signer);
    try {
      const address: string = await factory.getFunction("getAddress")(
        init.config,
        init.setupData,
        init.salt,
      );
      if ((await provider.getCode(address)) !== "0x")
        return { address, created: false, transactionHash: null };
      // The factory call is an ordinary transaction from this key: without ETH the node's refusal is opaque.
      const deployer = await signer.getAddress();
      if ((await provider.getBalance(deployer)) === 0n)
        throw new NoGasFundsError(
          deployer,
          `${deployer} has no ETH to pay gas for creating the wallet: fund this key (on a local chain: \`leash fund ${deployer} <amount>\`) or create the wallet from another one`,
        );
      const tx = await factory.createWallet(init.config, init.setupData, init.salt);
      const receipt = await tx.wait();
      return { address, created: true, transactionHash: receipt!.hash };
    } catch (error) {
      throw toLeashError(error);
    }
  }

  // ------------------------------------------------------------------------------ reads

  /**
   * The wallet's governance state.
   *
   * @example
   * const { owners, threshold, paused } = await client.info();
   */
  async info() {
    const w = walletContract(this.wallet, this.provider);
    try {
      const [owners, threshold, guardians, paused, pausedAt, minPause, adminDelay, upgradeDelay] =
        await Promise.all([
          w.getOwners(),
          w.threshold(),
          w.getGuardians(),
          w.paused(),
          w.pausedAt(),
          w.minPauseDuration(),
          w.adminDelay(),
          w.upgradeDelay(),
        ]);
      const [utcOffset, entryPoint, proposalCount, balance, deposit] = await Promise.all([
        w.utcOffset(),
        w.entryPoint(),
        w.proposalCount(),
        this.provider.getBalance(this.wallet),
        w.getDeposit(),
      ]);
      return {
        address: this.wallet,
        owners: [...owners],
        threshold,
        guardians: [...guardians],
        paused,
        pausedAt,
        minPauseDuration: minPause,
        adminDelay,
        upgradeDelay,
        utcOffset,
        entryPoint,
        proposalCount,
        balance,
        deposit,
      };
    } catch (error) {
      throw toLeashError(error);
    }
  }

  /**
   * One proposal with its calls (self-calls decoded) and approvals.
   *
   * @example
   * const p = await client.proposal(3n); // p.state === "queued", p.eta
   */
  async proposal(id: bigint | number): Promise<ProposalInfo> {
    const w = walletContract(this.wallet, this.provider);
    const pid = BigInt(id);
    try {
      const [p, calls, owners, threshold, now] = await Promise.all([
        w.getProposal(pid),
        w.getProposalCalls(pid),
        w.getOwners(),
        w.threshold(),
        this.now(),
      ]);
      const approvedBy: string[] = [];
      const ownerList = owners as string[];
      const approvals = await Promise.all(ownerList.map((o) => w.hasApproved(pid, o)));
      ownerList.forEach((o, i) => approvals[i] && approvedBy.push(o));
      const state = ProposalStateName[Number(p.state)] ?? "none";
      return {
        id: pid,
        state,
        proposer: p.proposer,
        escalatedBy: p.escalatedBy === ZeroAddress ? null : p.escalatedBy,
        expiresAt: p.expiresAt,
        eta: p.eta,
        delay: p.delay,
        approvals: p.approvals,
        threshold,
        approvedBy,
        expired:
          (state === "pending" && now > p.expiresAt) ||
          (state === "queued" && now > p.eta + GRACE_PERIOD),
        calls: (calls as ResolvedCall[]).map((c) => {
          const call = { target: c.target, value: c.value, data: c.data };
          return { ...call, description: this.describeCall(call) };
        }),
      };
    } catch (error) {
      throw toLeashError(error);
    }
  }

  /**
   * Open proposals (pending approvals, or queued and not yet executed), newest first; expired ones are left
   * out unless `includeExpired`. `escalations` are the ones an agent's payment created (`ApprovalRequested`).
   *
   * @example
   * for (const p of await client.pendingProposals()) console.log(p.id, p.state, p.eta);
   */
  async pendingProposals(
    options: { limit?: number; includeExpired?: boolean } = {},
  ): Promise<ProposalInfo[]> {
    const w = walletContract(this.wallet, this.provider);
    const count = await w.proposalCount().catch((e: unknown) => {
      throw toLeashError(e);
    });
    const limit = BigInt(options.limit ?? 200);
    const out: ProposalInfo[] = [];
    for (let id = count; id >= 1n && count - id < limit; id--) {
      const p = await this.proposal(id);
      if ((p.state === "pending" || p.state === "queued") && (options.includeExpired || !p.expired))
        out.push(p);
    }
    return out;
  }

  /**
   * Open escalations: agent payments above their `approvalAbove`, waiting for the owners.
   *
   * @example
   * const [e] = await client.escalations(); await client.approve(e.id);
   */
  async escalations(): Promise<ProposalInfo[]> {
    return (await this.pendingProposals()).filter((p) => p.escalatedBy !== null);
  }

  /**
   * An agent's record (by agent address, or any of its keys).
   *
   * @example
   * const a = await client.agent(agentAddress); // a.status === "active"
   */
  async agent(agentOrKey: string): Promise<AgentInfo> {
    const w = walletContract(this.wallet, this.provider);
    const address = toAddress(agentOrKey, "agent");
    try {
      const byKey = await w.agentOfKey(address);
      const agent = byKey === ZeroAddress ? address : byKey;
      const [key, status, validAfter, validUntil, rules] = await w.getAgent(agent);
      if (Number(status) === 0) throw new UnknownAgentError(address, this.wallet);
      return {
        agent,
        key,
        status: AgentStatusName[Number(status)] ?? "none",
        validAfter,
        validUntil,
        rules: {
          maxOpCost: rules.maxOpCost,
          maxOpsPerHour: Number(rules.maxOpsPerHour),
          maxOpsPerDay: Number(rules.maxOpsPerDay),
          minSecondsBetweenOps: Number(rules.minSecondsBetweenOps),
          allowedHours: Number(rules.allowedHours),
          allowedDays: Number(rules.allowedDays),
          gasPerDay: rules.gasPerDay,
        },
      };
    } catch (error) {
      throw toLeashError(error);
    }
  }

  /**
   * Every agent ever added (from `AgentAdded` events), with its current record.
   *
   * @example
   * const agents = await client.agents();
   */
  async agents(): Promise<AgentInfo[]> {
    const w = walletContract(this.wallet, this.provider);
    try {
      const events = await w.queryFilter(w.filters.AgentAdded(), 0, "latest");
      const seen = new Set<string>();
      const out: AgentInfo[] = [];
      for (const e of events) {
        const agent = (e as EventLog).args.agent as string;
        if (seen.has(agent)) continue;
        seen.add(agent);
        out.push(await this.agent(agent));
      }
      return out;
    } catch (error) {
      throw toLeashError(error);
    }
  }

  /**
   * An agent's policy for one asset: limits, what it spent and what is left in each window.
   *
   * @example
   * const p = await client.policy(agent, "native"); // p.limits.daily, p.spent.daily, p.remaining.daily
   */
  async policy(agent: string, asset: string = NATIVE) {
    const w = walletContract(this.wallet, this.provider);
    const a = toAddress(agent, "agent");
    const token = toAsset(asset);
    try {
      const [[limits, enabled], spent, remaining, info] = await Promise.all([
        w.getAssetLimits(a, token),
        w.spent(a, token),
        w.remaining(a, token),
        this.assetInfo.of(token),
      ]);
      return {
        agent: a,
        asset: token,
        symbol: info.symbol,
        decimals: info.decimals,
        enabled,
        limits: {
          perTx: limits.perTx,
          approvalAbove: limits.approvalAbove,
          daily: limits.daily,
          weekly: limits.weekly,
          monthly: limits.monthly,
        },
        spent: { daily: spent[0], weekly: spent[1], monthly: spent[2] },
        remaining: {
          perTx: remaining[0],
          daily: remaining[1],
          weekly: remaining[2],
          monthly: remaining[3],
        },
      };
    } catch (error) {
      throw toLeashError(error);
    }
  }

  /**
   * A one-line description of a call (self-calls decoded by function name).
   *
   * @example
   * client.describeCall({ target: shop, value: 5n, data: "0x" }) // "pay 5 wei to 0x…"
   */
  describeCall(call: ResolvedCall): string {
    if (call.target.toLowerCase() === this.wallet.toLowerCase()) {
      try {
        const parsed =
          walletInterface.parseTransaction({ data: call.data }) ??
          upgradeInterface.parseTransaction({ data: call.data });
        if (parsed)
          return `${parsed.name}(${parsed.args.map((a: unknown) => stringify(a)).join(", ")})`;
      } catch {
        // fall through
      }
    }
    if (call.data === "0x") return `pay ${call.value} wei to ${call.target}`;
    try {
      const parsed = erc20Interface.parseTransaction({ data: call.data });
      if (parsed?.name === "transfer")
        return `transfer ${parsed.args[1]} of token ${call.target} to ${parsed.args[0]}`;
    } catch {
      // not an ERC-20 call
    }
    return `call ${call.target} (${call.data.slice(0, 10)}) with ${call.value} wei`;
  }

  // ------------------------------------------------------------------------------ proposals (on-chain)

  /**
   * Proposes a batch on-chain (the proposer's approval counts). Expires in `expiresIn` seconds (default 7 days).
   *
   * @example
   * const { proposalId } = await client.propose(await client.calls.addOwner(carol));
   */
  async propose(
    calls: Call[],
    options: { as?: string; expiresIn?: bigint | number } = {},
  ): Promise<SubmitResult> {
    const resolved = resolveCalls(calls);
    const signer = await this.signerFor(options.as);
    const now = await this.now();
    const expiresAt = now + BigInt(options.expiresIn ?? 7n * DAY);
    const receipt = await this.send(this.connected(signer).propose(resolved, expiresAt), signer);
    return this.resultOf(receipt);
  }

  /**
   * Approves a pending proposal (or escalation) on-chain as one local owner (default: the first signer).
   * When the approval reaches the threshold the proposal is queued with its eta.
   *
   * @example
   * const r = await client.approve(7n, { as: bob.address }); // r.status === "queued", r.eta
   */
  async approve(
    id: bigint | number,
    options: { as?: string } & WaitOptions = {},
  ): Promise<SubmitResult> {
    if (this.relayer) return this.approveViaRelayer(BigInt(id), options);
    const signer = await this.signerFor(options.as);
    const receipt = await this.send(this.connected(signer).approve(BigInt(id)), signer);
    return this.resultOf(receipt, BigInt(id));
  }

  /**
   * Approves with every local owner key that has not approved yet (stops at the threshold).
   *
   * @example
   * await client.approveAll(7n);
   */
  async approveAll(id: bigint | number): Promise<SubmitResult> {
    const pid = BigInt(id);
    let last: SubmitResult | null = null;
    for (const signer of this.signers) {
      const p = await this.proposal(pid);
      if (p.state !== "pending") break;
      const address = await signer.getAddress();
      const owners = await walletContract(this.wallet, this.provider).getOwners();
      if (!owners.includes(address) || p.approvedBy.includes(address)) continue;
      last = await this.approve(pid, { as: address });
    }
    if (!last) {
      const p = await this.proposal(pid);
      throw new NotOwnerError(
        `no local owner key can approve proposal ${pid} (state ${p.state}, approved by ${p.approvedBy.join(", ") || "nobody"})`,
      );
    }
    return last;
  }

  /**
   * Takes back an approval (a queued proposal below the threshold goes back to pending).
   *
   * @example
   * await client.revokeApproval(7n);
   */
  async revokeApproval(id: bigint | number, options: { as?: string } = {}): Promise<SubmitResult> {
    const signer = await this.signerFor(options.as);
    const receipt = await this.send(this.connected(signer).revokeApproval(BigInt(id)), signer);
    return this.resultOf(receipt, BigInt(id));
  }

  /**
   * Executes a queued proposal once its eta passed (anyone may; the sender pays gas).
   *
   * @example
   * await client.execute(7n);
   */
  async execute(
    id: bigint | number,
    options: { as?: string } & WaitOptions = {},
  ): Promise<SubmitResult> {
    if (this.relayer) {
      const pid = BigInt(id);
      const signer = await this.signerFor(options.as, true);
      const auth = await this.signedRequest(signer, "execute", pid);
      const sent = await this.relayer.request<{ transactionHash: string }>(
        "leash_executeProposal",
        [{ wallet: this.wallet, proposalId: pid, auth }],
      );
      await this.waitFor(async () => (await this.proposal(pid)).state === "executed", options);
      return { status: "executed", proposalId: pid, transactionHash: sent.transactionHash };
    }
    const receipt = await this.send(
      this.connected(this.sender()).execute(BigInt(id)),
      this.sender(),
    );
    return { status: "executed", proposalId: BigInt(id), transactionHash: receipt.hash };
  }

  /**
   * Cancels (vetoes) a pending or queued proposal: any one owner or guardian.
   *
   * @example
   * await client.cancel(7n);
   */
  async cancel(
    id: bigint | number,
    options: { as?: string } & WaitOptions = {},
  ): Promise<SubmitResult> {
    const pid = BigInt(id);
    if (this.relayer)
      return this.guardianAction("cancel", [pid], options, async () => {
        const state = (await this.proposal(pid)).state;
        return state === "cancelled";
      });
    const signer = await this.signerFor(options.as, true);
    const receipt = await this.send(this.connected(signer).cancel(BigInt(id)), signer);
    return { status: "executed", proposalId: BigInt(id), transactionHash: receipt.hash };
  }

  // ------------------------------------------------------------------------------ proposals (EIP-712)

  /**
   * Signs a batch off-chain (EIP-712 `ExecuteCalls`) with every local owner key; pass the result to other owners
   * (`serializeSignedBatch`), merge their signatures (`mergeSignatures`) and submit (`executeSigned`).
   * Given another owner's batch, it signs that batch's calls (never its `digest`) and only for the connected
   * chain: a batch for another chain or wallet throws (`ChainMismatchError`, `InvalidArgumentError`). Show
   * the owner `reviewBatch(batch)` first.
   *
   * @example
   * const batch = await client.sign(await client.calls.setWalletCaps("native", { daily: "5" }));
   */
  async sign(
    calls: Call[] | SignedBatch,
    options: { nonce?: bigint; deadline?: bigint; deadlineIn?: bigint | number } = {},
  ): Promise<SignedBatch> {
    let batch: SignedBatch;
    if (Array.isArray(calls)) {
      const resolved = resolveCalls(calls);
      const { chainId } = await this.provider.getNetwork();
      const nonce = options.nonce ?? BigInt(hexlify(randomBytes(8)));
      const deadline = options.deadline ?? (await this.now()) + BigInt(options.deadlineIn ?? DAY);
      const w = walletContract(this.wallet, this.provider);
      const [epoch, digest] = await Promise.all([
        w.signatureEpoch(),
        w.hashSignedCalls(resolved, nonce, deadline),
      ]).catch((e: unknown) => {
        throw toLeashError(e);
      });
      batch = {
        wallet: this.wallet,
        chainId,
        calls: resolved,
        nonce,
        deadline,
        epoch,
        digest,
        signatures: [],
      };
    } else {
      batch = { ...calls, signatures: [...calls.signatures] };
      await this.checkBatchTarget(batch);
      await this.checkBatchEpoch(batch);
    }
    const typedData = executeCallsTypedData({ ...batch, wallet: this.wallet });
    for (const signer of this.signers) {
      const address = await signer.getAddress();
      if (batch.signatures.some((s) => s.signer.toLowerCase() === address.toLowerCase())) continue;
      const signature = await signTypedDataWith(signer, typedData);
      batch.signatures.push({ signer: address, signature });
    }
    return batch;
  }

  /**
   * What a batch (e.g. a co-owner's file) would do, to show before signing it: every call decoded, the delay
   * it triggers and its chain. Throws `ChainMismatchError` if the batch is for another chain than the
   * provider's, `InvalidArgumentError` if it is for another wallet.
   *
   * @example
   * const review = await client.reviewBatch(parseSignedBatch(text));
   * review.calls.forEach((c) => console.log(c.description)); // then, if the owner agrees: client.sign(batch)
   */
  async reviewBatch(batch: SignedBatch): Promise<BatchReview> {
    await this.checkBatchTarget(batch);
    const wallet = walletContract(this.wallet, this.provider);
    // The wallet decides a delay by effect, with a dry run of the setters against its current state: the
    // batch's delay is its own dry run (calls can depend on earlier ones), each call's alone is a hint.
    const [threshold, batchDelay, ...delays] = await Promise.all([
      wallet.threshold(),
      requiredDelayNow(wallet, batch.calls),
      ...batch.calls.map((c) => requiredDelayNow(wallet, [c])),
    ]);
    return {
      wallet: this.wallet,
      chainId: batch.chainId,
      calls: batch.calls.map((c, i) => ({
        ...c,
        description: this.describeCall(c),
        delay: delays[i],
      })),
      delay: batchDelay,
      nonce: batch.nonce,
      deadline: batch.deadline,
      signedBy: batch.signatures.map((s) => s.signer),
      threshold,
    };
  }

  /**
   * Submits a signed batch with `executeWithSignatures` (signatures packed in ascending signer order).
   * Tightening batches execute at once; loosening ones are queued with their eta.
   *
   * @example
   * const r = await client.executeSigned(mergeSignatures(mine, theirs)); // r.status: "executed" | "queued"
   */
  async executeSigned(batch: SignedBatch): Promise<SubmitResult> {
    await this.checkBatchTarget(batch);
    await this.checkBatchEpoch(batch);
    const packed = packOwnerSignatures(batch.signatures);
    const receipt = await this.send(
      this.connected(this.sender()).executeWithSignatures(
        batch.calls,
        batch.nonce,
        batch.deadline,
        packed,
      ),
    );
    return this.resultOf(receipt);
  }

  /**
   * Sends a batch the fastest way the local keys allow: with at least `threshold` local owner keys, signed
   * off-chain and submitted in one transaction; otherwise proposed on-chain (approved by every local owner).
   *
   * @example
   * const r = await client.submit(await client.calls.tightenAssetLimits(agent, "native", { daily: "1" }));
   */
  async submit(calls: Call[]): Promise<SubmitResult> {
    const owners = await this.localOwners();
    const threshold = await walletContract(this.wallet, this.provider).threshold();
    if (BigInt(owners.length) >= threshold)
      return this.relayer
        ? this.submitViaRelayer(calls)
        : this.executeSigned(await this.sign(calls));
    if (owners.length === 0) throw new NotOwnerError("no local signer is an owner of this wallet");
    const proposed = await this.propose(calls, { as: owners[0] });
    for (const other of owners.slice(1)) await this.approve(proposed.proposalId!, { as: other });
    return this.proposal(proposed.proposalId!).then((p) => ({
      status: p.state === "queued" ? "queued" : "pending",
      proposalId: p.id,
      ...(p.state === "queued" ? { eta: p.eta } : {}),
      transactionHash: proposed.transactionHash,
    }));
  }

  /**
   * Sends a batch as an owners' user operation through the relayer (nonce key 0, signed by `threshold` local
   * owner keys, which must be ethers Wallets): the wallet pays the gas, so owners need no ETH. Waits for
   * inclusion. Tightening batches execute; loosening ones are queued with their eta.
   *
   * @example
   * const owners = new OwnerClient({ wallet, signers: [alice, bob], provider, relayer: { url, apiKey } });
   * await owners.submitViaRelayer(owners.calls.removeRecipient(agent, oldShop));
   */
  async submitViaRelayer(
    calls: Call[],
    options: WaitOptions & { callGasLimit?: bigint } = {},
  ): Promise<SubmitResult> {
    if (!this.relayer) throw new InvalidArgumentError("no relayer configured for this OwnerClient");
    const resolved = resolveCalls(calls);
    const w = walletContract(this.wallet, this.provider);
    const [owners, threshold, entryPoint, network] = await Promise.all([
      w.getOwners(),
      w.threshold(),
      w.entryPoint(),
      this.provider.getNetwork(),
    ]).catch((e: unknown) => {
      throw toLeashError(e);
    });
    const keys: BaseWallet[] = [];
    for (const signer of this.signers)
      if (signer instanceof BaseWallet && owners.includes(signer.address)) keys.push(signer);
    if (BigInt(keys.length) < threshold)
      throw new NotOwnerError(
        `an owners' operation needs ${threshold} local owner keys as ethers Wallets; ${keys.length} available`,
      );
    const signing = keys.slice(0, Number(threshold));
    const ctx = { chainId: network.chainId, entryPoint, provider: this.provider };
    const nonce = (await entryPointContract(entryPoint, this.provider).getFunction("getNonce")(
      this.wallet,
      0n,
    )) as bigint;
    const op = ownersUserOp(this.wallet, nonce, resolved, signing.length, options.callGasLimit);
    await pickFees(this.relayer, ctx, op, undefined, this.relayerFees);
    const hash = userOpHash(op, ctx);
    // Owners sign the hash in the wallet's signature epoch (EIP-712 `OwnerOperation`), never the bare hash.
    const epoch = await w.signatureEpoch().catch((e: unknown) => {
      throw toLeashError(e);
    });
    const digest = ownerOperationDigest(this.wallet, network.chainId, hash, epoch);
    op.signature = packOwnerSignatures(
      signing.map((k) => ({ signer: k.address, signature: k.signingKey.sign(digest).serialized })),
    );
    const accepted = await this.relayer.request<string>("eth_sendUserOperation", [
      toRpcUserOperation(op),
      entryPoint,
    ]);
    if (typeof accepted !== "string" || accepted.toLowerCase() !== hash.toLowerCase())
      throw new ValidationError(`relayer returned hash ${String(accepted)}, expected ${hash}`);
    // What the owners learn (executed or queued, the proposal id) comes from the node, not the relayer.
    const raw = await confirmOnChain(
      this.provider,
      entryPoint,
      this.wallet,
      hash,
      await waitForOp(this.relayer, hash, options),
      options,
    );
    const logs: LogDescription[] = [];
    for (const log of raw.logs) {
      if (log.address.toLowerCase() !== this.wallet.toLowerCase()) continue;
      try {
        const parsed = walletInterface.parseLog(log);
        if (parsed) logs.push(parsed);
      } catch {
        // not a wallet event
      }
    }
    const queued = logs.find((l) => l.name === "ProposalQueued");
    return queued
      ? {
          status: "queued",
          proposalId: queued.args[0] as bigint,
          eta: queued.args[1] as bigint,
          transactionHash: raw.receipt.transactionHash,
        }
      : { status: "executed", transactionHash: raw.receipt.transactionHash };
  }

  // ------------------------------------------------------------------------------ guardian actions

  /**
   * Pauses every agent at once: any one owner or guardian.
   *
   * @example
   * await client.pause();
   */
  async pause(options: { as?: string } & WaitOptions = {}): Promise<SubmitResult> {
    if (this.relayer)
      return this.guardianAction("pause", [], options, () =>
        walletContract(this.wallet, this.provider).paused(),
      );
    const signer = await this.signerFor(options.as, true);
    const receipt = await this.send(this.connected(signer).pause(), signer);
    return { status: "executed", transactionHash: receipt.hash };
  }

  /**
   * Suspends an agent at once: any one owner or guardian.
   *
   * @example
   * await client.suspendAgent(agent);
   */
  async suspendAgent(
    agent: string,
    options: { as?: string } & WaitOptions = {},
  ): Promise<SubmitResult> {
    const a = toAddress(agent, "agent");
    if (this.relayer)
      return this.guardianAction("suspendAgent", [a], options, async () =>
        ["suspended", "revoked"].includes((await this.agent(a)).status),
      );
    const signer = await this.signerFor(options.as, true);
    const receipt = await this.send(this.connected(signer).suspendAgent(a), signer);
    return { status: "executed", transactionHash: receipt.hash };
  }

  /**
   * Revokes an agent for good: any one owner or guardian.
   *
   * @example
   * await client.revokeAgent(agent);
   */
  async revokeAgent(
    agent: string,
    options: { as?: string } & WaitOptions = {},
  ): Promise<SubmitResult> {
    const a = toAddress(agent, "agent");
    if (this.relayer)
      return this.guardianAction(
        "revokeAgent",
        [a],
        options,
        async () => (await this.agent(a)).status === "revoked",
      );
    const signer = await this.signerFor(options.as, true);
    const receipt = await this.send(this.connected(signer).revokeAgent(a), signer);
    return { status: "executed", transactionHash: receipt.hash };
  }

  // ------------------------------------------------------------------------------ owner actions (self-calls)

  /**
   * Lifts the pause: a loosening (every agent moves again), so it is queued for the admin delay, and at least
   * until `pausedAt + minPauseDuration`, and any guardian may veto it; run it with `execute(id)` from its eta.
   * The result is `queued` with the proposal id and eta (or `pending` while approvals are missing).
   *
   * @example
   * const r = await client.unpause(); // r.status === "queued"; later: await client.execute(r.proposalId!)
   */
  async unpause(): Promise<SubmitResult> {
    return this.submit([this.self("unpause", [])]);
  }

  /**
   * Adds an agent with its rules, limits, recipients and permissions (loosening: queued for the admin delay).
   *
   * @example
   * await client.addAgent({ key, rules: { maxOpCost: "0.05" }, limits: { native: { perTx: "1", daily: "2" } } });
   */
  async addAgent(setup: AgentSetup): Promise<SubmitResult> {
    return this.submit(await this.calls.addAgent(setup));
  }

  /**
   * Rotates an agent's session key, keeping its policy and counters (timelocked).
   *
   * @example
   * await client.rotateAgentKey(agent, newKey.address);
   */
  async rotateAgentKey(agent: string, newKey: string): Promise<SubmitResult> {
    return this.submit(this.calls.rotateAgentKey(agent, newKey));
  }

  /**
   * Resumes a suspended agent (timelocked).
   *
   * @example
   * await client.resumeAgent(agent);
   */
  async resumeAgent(agent: string): Promise<SubmitResult> {
    return this.submit(this.calls.resumeAgent(agent));
  }

  /**
   * Sets an agent's limits for one asset (timelocked).
   *
   * @example
   * await client.setAssetLimits(agent, usdc, { perTx: "100", daily: "500" });
   */
  async setAssetLimits(
    agent: string,
    asset: string,
    limits: AssetLimitsInput,
  ): Promise<SubmitResult> {
    return this.submit(await this.calls.setAssetLimits(agent, asset, limits));
  }

  /**
   * Lowers an agent's limits for one asset; runs as soon as approved (reverts if any field loosens).
   *
   * @example
   * await client.tightenAssetLimits(agent, "native", { perTx: "0.5", daily: "1" });
   */
  async tightenAssetLimits(
    agent: string,
    asset: string,
    limits: AssetLimitsInput,
  ): Promise<SubmitResult> {
    return this.submit(await this.calls.tightenAssetLimits(agent, asset, limits));
  }

  /**
   * Replaces an agent's validity and rules (timelocked).
   *
   * @example
   * await client.setAgentRules(agent, { rules: { maxOpsPerHour: 20 } });
   */
  async setAgentRules(
    agent: string,
    input: { validAfter?: number | bigint; validUntil?: number | bigint; rules?: AgentRulesInput },
  ): Promise<SubmitResult> {
    return this.submit(this.calls.setAgentRules(agent, input));
  }

  /**
   * Narrows an agent's validity and rules; runs as soon as approved.
   *
   * @example
   * await client.tightenAgentRules(agent, { rules: { maxOpsPerHour: 5 } });
   */
  async tightenAgentRules(
    agent: string,
    input: { validAfter?: number | bigint; validUntil?: number | bigint; rules?: AgentRulesInput },
  ): Promise<SubmitResult> {
    return this.submit(await this.calls.tightenAgentRules(agent, input));
  }

  /**
   * Adds an owner (timelocked).
   *
   * @example
   * await client.addOwner(carol);
   */
  async addOwner(owner: string): Promise<SubmitResult> {
    return this.submit([this.self("addOwner", [toAddress(owner, "owner")])]);
  }

  /**
   * Adds a passkey (WebAuthn P-256 key) as an owner: one batch creating its PasskeyOwner contract through the
   * factory (idempotent) and adding it, timelocked like any `addOwner`. See `addPasskeyOwnerCalls`.
   *
   * @example
   * const r = await client.addPasskeyOwner(parsePasskeyPublicKey(spki)); // r.status: "queued" | "pending"
   */
  async addPasskeyOwner(key: P256PublicKey, options: { factory?: string } = {}) {
    return this.submit(addPasskeyOwnerCalls(this.wallet, key, options.factory));
  }

  /**
   * Approves a pending proposal (or escalation) as a passkey owner: the passkey signs the EIP-712
   * `ApproveProposal` digest (WebAuthn assertion, user verification required). With a relayer the approval
   * goes to its approvals service (no ETH needed anywhere); without, `approveWithSignatures` is sent by this
   * client's sender with a fresh nonce (the derived one stays free for the relayer's batch). Throws
   * NotOwnerError if the passkey's owner contract is not an owner of the wallet.
   *
   * @example
   * await client.approveWithPasskey(7n, { key, getAssertion: (req) => browserAssertion(req) });
   */
  async approveWithPasskey(
    id: bigint | number,
    options: {
      key: P256PublicKey;
      getAssertion: GetPasskeyAssertion;
      factory?: string;
    } & WaitOptions,
  ): Promise<SubmitResult> {
    const pid = BigInt(id);
    const owner = passkeyOwnerAddress(options.key, options.factory);
    const w = walletContract(this.wallet, this.provider);
    if (!(await w.isOwner(owner)))
      throw new NotOwnerError(`passkey owner ${owner} is not an owner of wallet ${this.wallet}`);
    const before = await this.proposal(pid);
    if (before.state !== "pending")
      throw new InvalidArgumentError(`proposal ${pid} is ${before.state}, not pending approvals`);
    const { chainId } = await this.provider.getNetwork();
    const signed = await signApprovalWithPasskey({
      wallet: this.wallet,
      chainId,
      proposalId: pid,
      deadline: before.expiresAt,
      epoch: (await w.signatureEpoch()) as bigint,
      key: options.key,
      getAssertion: options.getAssertion,
      factory: options.factory,
      ...(this.relayer ? {} : { nonce: BigInt(hexlify(randomBytes(16))) }),
    });
    if (this.relayer) return this.postApproval(before, owner, signed.signature, options);
    const receipt = await this.send(
      this.connected(this.sender()).approveWithSignatures(
        pid,
        signed.nonce,
        before.expiresAt,
        packOwnerSignatures([{ signer: owner, signature: signed.signature }]),
      ),
      this.sender(),
    );
    return this.resultOf(receipt, pid);
  }

  /**
   * Removes an owner (immediate: it never lowers the threshold).
   *
   * @example
   * await client.removeOwner(carol);
   */
  async removeOwner(owner: string): Promise<SubmitResult> {
    return this.submit([this.self("removeOwner", [toAddress(owner, "owner")])]);
  }

  /**
   * Changes the threshold (timelocked).
   *
   * @example
   * await client.changeThreshold(3);
   */
  async changeThreshold(threshold: number): Promise<SubmitResult> {
    if (!Number.isInteger(threshold) || threshold < 1)
      throw new InvalidArgumentError("threshold must be a positive integer");
    return this.submit([this.self("changeThreshold", [threshold])]);
  }

  /**
   * Adds a guardian (timelocked).
   *
   * @example
   * await client.addGuardian(securityDesk);
   */
  async addGuardian(guardian: string): Promise<SubmitResult> {
    return this.submit([this.self("addGuardian", [toAddress(guardian, "guardian")])]);
  }

  /**
   * Removes a guardian (immediate).
   *
   * @example
   * await client.removeGuardian(securityDesk);
   */
  async removeGuardian(guardian: string): Promise<SubmitResult> {
    return this.submit([this.self("removeGuardian", [toAddress(guardian, "guardian")])]);
  }

  /**
   * Sets the admin and upgrade delays in seconds (waits the current upgrade delay).
   *
   * @example
   * await client.setDelays(2n * 86400n, 14n * 86400n);
   */
  async setDelays(
    adminDelay: bigint | number,
    upgradeDelay: bigint | number,
  ): Promise<SubmitResult> {
    return this.submit([this.self("setDelays", [BigInt(adminDelay), BigInt(upgradeDelay)])]);
  }

  /**
   * Schedules an upgrade to `implementation` (waits the upgrade delay, then `executeUpgrade`).
   *
   * @example
   * const { proposalId, eta } = await client.scheduleUpgrade(newImplementation);
   */
  async scheduleUpgrade(implementation: string, data = "0x"): Promise<SubmitResult> {
    return this.submit(this.calls.upgrade(implementation, data));
  }

  /**
   * Executes a scheduled upgrade once its eta passed.
   *
   * @example
   * await client.executeUpgrade(proposalId);
   */
  async executeUpgrade(proposalId: bigint | number): Promise<SubmitResult> {
    return this.execute(proposalId);
  }

  /**
   * Builders for the wallet's self-calls: combine them into one batch and pass it to `submit`, `propose` or `sign`.
   *
   * @example
   * await client.submit([...(await client.calls.addAgent(setup)), ...client.calls.removeRecipient(a, r)]);
   */
  get calls() {
    const self = (fn: string, args: unknown[]) => this.self(fn, args);
    const assets = this.assetInfo;
    const wallet = this.wallet;
    const reader = walletContract(this.wallet, this.provider);
    // The wallet decides each change's delay by effect; a `tighten…` builder only returns the `set…` call when
    // the wallet's dry run against its current state says it is instant (else NotATighteningError). Between
    // this check and execution the state may change: the wallet then decides again, and queues a loosening.
    const instantOnly = async (action: string, calls: ResolvedCall[]) => {
      const delay = await requiredDelayNow(reader, calls);
      if (delay !== 0n) throw new NotATighteningError(action, delay);
      return calls;
    };
    const rulesArgs = (
      agent: string,
      input: {
        validAfter?: number | bigint;
        validUntil?: number | bigint;
        rules?: AgentRulesInput;
      },
    ) => [
      toAddress(agent, "agent"),
      toTimestamp(input.validAfter, "validAfter"),
      toTimestamp(input.validUntil, "validUntil"),
      toAgentRules(input.rules),
    ];
    const setAgentRules = (agent: string, input: Parameters<typeof rulesArgs>[1]) => [
      self("setAgentRules", rulesArgs(agent, input)),
    ];
    const setAssetLimits = async (agent: string, asset: string, limits: AssetLimitsInput) => [
      self("setAssetLimits", [
        toAddress(agent, "agent"),
        toAsset(asset),
        await toAssetLimits(assets, toAsset(asset), limits),
      ]),
    ];
    const setWalletCaps = async (
      asset: string,
      caps: { daily?: AmountInput; weekly?: AmountInput; monthly?: AmountInput },
    ) => [self("setWalletCaps", [toAsset(asset), ...(await capsArgs(assets, asset, caps))])];
    return {
      addAgent: (setup: AgentSetup) => agentSetupCalls(assets, wallet, setup),
      /** Creates the passkey's owner contract (idempotent) and adds it as an owner (timelocked). */
      addPasskeyOwner: (key: P256PublicKey, factory?: string) =>
        addPasskeyOwnerCalls(wallet, key, factory),
      rotateAgentKey: (agent: string, newKey: string) => [
        self("rotateAgentKey", [toAddress(agent, "agent"), toAddress(newKey, "new key")]),
      ],
      resumeAgent: (agent: string) => [self("resumeAgent", [toAddress(agent, "agent")])],
      setAgentRules,
      tightenAgentRules: (agent: string, input: Parameters<typeof rulesArgs>[1]) =>
        instantOnly("tightenAgentRules", setAgentRules(agent, input)),
      setAssetLimits,
      tightenAssetLimits: async (agent: string, asset: string, limits: AssetLimitsInput) =>
        instantOnly("tightenAssetLimits", await setAssetLimits(agent, asset, limits)),
      removeAssetLimits: (agent: string, asset: string) => [
        self("removeAssetLimits", [toAddress(agent, "agent"), toAsset(asset)]),
      ],
      setWalletCaps,
      tightenWalletCaps: async (
        asset: string,
        caps: { daily?: AmountInput; weekly?: AmountInput; monthly?: AmountInput },
      ) => instantOnly("tightenWalletCaps", await setWalletCaps(asset, caps)),
      allowRecipient: (agent: string, recipient: string) => [
        self("allowRecipient", [toAddress(agent, "agent"), toAddress(recipient, "recipient")]),
      ],
      removeRecipient: (agent: string, recipient: string) => [
        self("removeRecipient", [toAddress(agent, "agent"), toAddress(recipient, "recipient")]),
      ],
      setCallPermission: (agent: string, permission: Parameters<typeof permissionArgs>[1]) => [
        self("setCallPermission", permissionArgs(agent, permission)),
      ],
      revokeCallPermission: (agent: string, target: string, selector: string) => [
        self("revokeCallPermission", [
          toAddress(agent, "agent"),
          toAddress(target, "target"),
          toSelector(selector),
        ]),
      ],
      setUtcOffset: (seconds: number) => [self("setUtcOffset", [seconds])],
      setMinPauseDuration: (seconds: bigint | number) => [
        self("setMinPauseDuration", [BigInt(seconds)]),
      ],
      upgrade: (implementation: string, data = "0x") => {
        if (!isHexString(data)) throw new InvalidArgumentError("upgrade data must be hex");
        return [
          {
            target: wallet,
            value: 0n,
            data: upgradeInterface.encodeFunctionData("upgradeToAndCall", [
              toAddress(implementation, "implementation"),
              data,
            ]),
          },
        ];
      },
      /** The wallet pays `amount` of `asset` to `to` (owners' own payment, not under agent policy). */
      transfer: async (asset: string, to: string, amount: AmountInput): Promise<ResolvedCall[]> => {
        const token = toAsset(asset);
        const value = await assets.parse(token, amount);
        const recipient = toAddress(to, "recipient");
        if (token === NATIVE) return [{ target: recipient, value, data: "0x" }];
        return [
          {
            target: token,
            value: 0n,
            data: erc20Interface.encodeFunctionData("transfer", [recipient, value]),
          },
        ];
      },
    };
  }

  // ------------------------------------------------------------------------------ internals

  /**
   * One guardian's tightening action, signed (EIP-712 `GuardianAction`) and submitted by the relayer; resolves
   * once `done()` reads true on chain.
   */
  private async guardianAction(
    fn: "pause" | "suspendAgent" | "revokeAgent" | "cancel",
    args: unknown[],
    options: { as?: string } & WaitOptions,
    done: () => Promise<boolean>,
  ): Promise<SubmitResult> {
    const signer = await this.signerFor(options.as, true);
    const { chainId } = await this.provider.getNetwork();
    const data = walletInterface.encodeFunctionData(fn, args);
    const nonce = BigInt(hexlify(randomBytes(16)));
    const deadline = (await this.now()) + 600n;
    const epoch = await walletContract(this.wallet, this.provider).signatureEpoch();
    const signature = await signTypedDataWith(
      signer,
      guardianActionTypedData({ wallet: this.wallet, chainId, data, nonce, deadline, epoch }),
    );
    const sent = await this.relayer!.request<{ transactionHash: string }>(
      "leash_submitGuardianAction",
      [
        {
          wallet: this.wallet,
          guardian: await signer.getAddress(),
          data,
          nonce,
          deadline,
          signature,
        },
      ],
    );
    await this.waitFor(done, options);
    return { status: "executed", transactionHash: sent.transactionHash };
  }

  /**
   * Posts this owner's EIP-712 approval to the relayer's approvals service. When it completes the threshold,
   * waits until the relayer queued it (and executed it, if it has no delay).
   */
  private async approveViaRelayer(
    id: bigint,
    options: { as?: string } & WaitOptions,
  ): Promise<SubmitResult> {
    const signer = await this.signerFor(options.as);
    const before = await this.proposal(id);
    if (before.state !== "pending")
      throw new InvalidArgumentError(`proposal ${id} is ${before.state}, not pending approvals`);
    const { chainId } = await this.provider.getNetwork();
    const epoch = await walletContract(this.wallet, this.provider).signatureEpoch();
    const signature = await signTypedDataWith(
      signer,
      approvalTypedData({
        wallet: this.wallet,
        chainId,
        proposalId: id,
        deadline: before.expiresAt,
        epoch,
      }),
    );
    return this.postApproval(before, await signer.getAddress(), signature, options);
  }

  /**
   * Posts one owner's approval signature to the relayer's approvals service; when it completes the threshold,
   * waits until the relayer queued it (and executed it, if it has no delay).
   */
  private async postApproval(
    before: ProposalInfo,
    owner: string,
    signature: string,
    options: WaitOptions,
  ): Promise<SubmitResult> {
    const id = before.id;
    const posted = await this.relayer!.request<{
      approvedOnChain: string[];
      approvedAtRelayer: { owner: string; counts: boolean }[];
    }>("leash_postApproval", [{ wallet: this.wallet, proposalId: id, owner, signature }]);
    const count =
      posted.approvedOnChain.length + posted.approvedAtRelayer.filter((a) => a.counts).length;
    if (BigInt(count) < before.threshold)
      return { status: "pending", proposalId: id, transactionHash: "" };
    let after = before;
    await this.waitFor(async () => {
      after = await this.proposal(id);
      if (after.state === "queued") return after.delay > 0n || after.eta > (await this.now()) + 60n;
      return after.state !== "pending";
    }, options);
    if (after.state === "queued")
      return { status: "queued", proposalId: id, eta: after.eta, transactionHash: "" };
    return {
      status: after.state === "executed" ? "executed" : "pending",
      proposalId: id,
      transactionHash: "",
    };
  }

  /** A request to the relayer signed by this owner or guardian (EIP-712 `RelayerRequest`). */
  async signedRequest(signer: Signer, action: string, id: bigint) {
    const { chainId } = await this.provider.getNetwork();
    const issuedAt = BigInt(Math.floor(Date.now() / 1000));
    const signature = await signTypedDataWith(
      signer,
      relayerRequestTypedData({ chainId, action, wallet: this.wallet, id, issuedAt }),
    );
    return { signer: await signer.getAddress(), issuedAt, signature };
  }

  /**
   * Who approved a proposal, on chain and at the relayer (not yet submitted), and what the relayer did.
   *
   * @example
   * const a = await client.relayerApprovals(7n); // a.approvedOnChain, a.approvedAtRelayer
   */
  async relayerApprovals(id: bigint | number, options: { as?: string } = {}) {
    if (!this.relayer) throw new InvalidArgumentError("no relayer configured for this OwnerClient");
    const signer = await this.signerFor(options.as, true);
    const auth = await this.signedRequest(signer, "read", BigInt(id));
    return this.relayer.request<{
      state: string;
      threshold: string;
      approvedOnChain: string[];
      approvedAtRelayer: { owner: string; postedAt: number; counts: boolean }[];
      actions: Record<
        string,
        { status: string; txHash: string | null; reason: string | null } | null
      >;
    }>("leash_listApprovals", [{ wallet: this.wallet, proposalId: BigInt(id), auth }]);
  }

  /**
   * Takes back an approval the relayer holds and has not submitted yet.
   *
   * @example
   * const { withdrawn } = await client.withdrawApproval(7n);
   */
  async withdrawApproval(id: bigint | number, options: { as?: string } = {}) {
    if (!this.relayer) throw new InvalidArgumentError("no relayer configured for this OwnerClient");
    const signer = await this.signerFor(options.as);
    const auth = await this.signedRequest(signer, "withdraw", BigInt(id));
    return this.relayer.request<{ withdrawn: boolean }>("leash_withdrawApproval", [
      { wallet: this.wallet, proposalId: BigInt(id), auth },
    ]);
  }

  /**
   * Webhooks for this wallet's events (escalations, proposals, pause, agents), managed by an owner through the
   * relayer. `addWebhook` returns the endpoint's secret once: verify deliveries with `verifyWebhook`.
   *
   * @example
   * const { id, secret } = await client.addWebhook("https://example.com/leash");
   */
  async addWebhook(url: string, options: { as?: string } = {}) {
    return this.webhookRequest<{ id: string; url: string; secret: string }>(
      "leash_addWebhook",
      { url },
      options,
    );
  }

  async webhooks(options: { as?: string } = {}) {
    return this.webhookRequest<
      {
        id: string;
        url: string;
        createdAt: number;
        deliveries: { eventId: string; status: string; attempts: number }[];
      }[]
    >("leash_listWebhooks", {}, options);
  }

  async removeWebhook(id: string, options: { as?: string } = {}) {
    return this.webhookRequest<{ removed: boolean }>("leash_removeWebhook", { id }, options);
  }

  /** Sends a `webhook.test` event to every endpoint of the wallet (through the same outbox and retries). */
  async testWebhook(options: { as?: string } = {}) {
    return this.webhookRequest<{ eventId: string }>("leash_testWebhook", {}, options);
  }

  private async webhookRequest<T>(
    method: string,
    params: Record<string, unknown>,
    options: { as?: string },
  ): Promise<T> {
    if (!this.relayer)
      throw new InvalidArgumentError("webhooks live in the relayer: configure one");
    const signer = await this.signerFor(options.as);
    const auth = await this.signedRequest(signer, "webhook", 0n);
    return this.relayer.request<T>(method, [{ wallet: this.wallet, ...params, auth }]);
  }

  private async waitFor(done: () => Promise<boolean>, options: WaitOptions): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    while (!(await done())) {
      if (Date.now() > deadline)
        throw new TimeoutError(
          "the relayer accepted the action but its effect is not on chain yet; check again later",
        );
      await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
    }
  }

  private sender(): Signer {
    if (!this.senderSigner)
      throw new NotOwnerError(
        "this OwnerClient has no signing key to send transactions (read-only)",
      );
    return this.senderSigner;
  }

  private self(fn: string, args: unknown[]): ResolvedCall {
    return selfCall(this.wallet, fn, args);
  }

  private async now(): Promise<bigint> {
    const block = await this.provider.getBlock("latest");
    return BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000));
  }

  /** Local signers that are owners right now. */
  private async localOwners(): Promise<string[]> {
    this.addresses ??= Promise.all(this.signers.map((s) => s.getAddress()));
    const mine = await this.addresses;
    const owners = await walletContract(this.wallet, this.provider).getOwners();
    return mine.filter((m) => owners.includes(m));
  }

  /**
   * A batch from elsewhere must be for this wallet and for the connected chain: its chain id goes into the
   * EIP-712 domain, so a file naming another chain would get a signature valid there (where the wallet may
   * exist at the same CREATE2 address), not here.
   */
  private async checkBatchTarget(batch: SignedBatch): Promise<void> {
    if (batch.wallet.toLowerCase() !== this.wallet.toLowerCase())
      throw new InvalidArgumentError(`the batch is for wallet ${batch.wallet}, not ${this.wallet}`);
    const { chainId } = await this.provider.getNetwork();
    if (batch.chainId !== chainId)
      throw new ChainMismatchError(chainId, batch.chainId, "the batch");
  }

  /** A batch signed before an owner or guardian changed can't count any more: say so before signing or sending. */
  private async checkBatchEpoch(batch: SignedBatch): Promise<void> {
    const epoch = await walletContract(this.wallet, this.provider)
      .signatureEpoch()
      .catch((e: unknown) => {
        throw toLeashError(e);
      });
    if (batch.epoch !== epoch)
      throw new InvalidArgumentError(
        `the batch was signed in signature epoch ${batch.epoch}, the wallet is in epoch ${epoch}: an owner or ` +
          "guardian was added or removed since, so its signatures no longer count; sign the calls again",
      );
  }

  private async signerFor(as: string | undefined, guardianOk = false): Promise<Signer> {
    this.addresses ??= Promise.all(this.signers.map((s) => s.getAddress()));
    const mine = await this.addresses;
    let index = 0;
    if (as !== undefined) {
      const wanted = toAddress(as, "as");
      index = mine.indexOf(wanted);
      if (index < 0) throw new NotOwnerError(`no local key for ${wanted}`);
    }
    const signer = this.signers[index];
    if (!signer) throw new NotOwnerError("this OwnerClient has no signing key (read-only)");
    const address = await signer.getAddress();
    const w = walletContract(this.wallet, this.provider);
    const allowed = guardianOk ? await w.isGuardian(address) : await w.isOwner(address);
    if (!allowed)
      throw new NotOwnerError(
        `${address} is not ${guardianOk ? "a guardian or owner" : "an owner"} of wallet ${this.wallet}`,
      );
    return signer;
  }

  private async send(
    pending: Promise<ContractTransactionResponse>,
    from?: Signer,
  ): Promise<ContractTransactionReceipt> {
    try {
      const tx = await pending;
      const receipt = await tx.wait();
      return receipt!;
    } catch (error) {
      const leash = toLeashError(error);
      // Nodes report an empty key as anything from "insufficient funds" to "could not coalesce error":
      // a revert the wallet explains keeps its own message; anything else from a key without ETH is that.
      if (from && !(leash instanceof WalletError)) {
        const account = await from.getAddress();
        const balance = await this.provider.getBalance(account).catch(() => null);
        if (balance === 0n) throw new NoGasFundsError(account);
      }
      throw leash;
    }
  }

  private resultOf(receipt: ContractTransactionReceipt, id?: bigint): SubmitResult {
    const logs: LogDescription[] = [];
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== this.wallet.toLowerCase()) continue;
      try {
        const parsed = walletInterface.parseLog(log);
        if (parsed) logs.push(parsed);
      } catch {
        // not a wallet event
      }
    }
    const created = logs.find((l) => l.name === "ProposalCreated");
    const queued = logs.find((l) => l.name === "ProposalQueued");
    const proposalId = (queued?.args[0] as bigint) ?? (created?.args[0] as bigint) ?? id;
    if (queued)
      return {
        status: "queued",
        proposalId,
        eta: queued.args[1] as bigint,
        transactionHash: receipt.hash,
      };
    if (created || (id !== undefined && !logs.some((l) => l.name === "SignedCallsExecuted")))
      return { status: "pending", proposalId, transactionHash: receipt.hash };
    return { status: "executed", transactionHash: receipt.hash };
  }
}

// ------------------------------------------------------------------------------ helpers

/**
 * The self-calls that add an agent (key, validity, rules), its per-asset limits, recipients and permissions.
 *
 * @example
 * const calls = await agentSetupCalls(new AssetInfo(provider), wallet, { key, limits: { native: { perTx: "1" } } });
 */
export async function agentSetupCalls(
  assets: AssetInfo,
  wallet: string,
  setup: AgentSetup,
): Promise<ResolvedCall[]> {
  const key = toAddress(setup.key, "agent key");
  const calls: ResolvedCall[] = [
    selfCall(wallet, "addAgent", [
      key,
      toTimestamp(setup.validAfter, "validAfter"),
      toTimestamp(setup.validUntil, "validUntil"),
      toAgentRules(setup.rules),
    ]),
  ];
  for (const [asset, limits] of setupAssets(setup))
    calls.push(
      selfCall(wallet, "setAssetLimits", [key, asset, await toAssetLimits(assets, asset, limits)]),
    );
  for (const r of setup.recipients ?? [])
    calls.push(selfCall(wallet, "allowRecipient", [key, toAddress(r, "recipient")]));
  for (const p of setup.permissions ?? [])
    calls.push(selfCall(wallet, "setCallPermission", permissionArgs(key, p)));
  return calls;
}

function permissionArgs(
  agent: string,
  p: { target: string; selector: string; maxValue?: AmountInput; expiresAt?: number | bigint },
): unknown[] {
  return [
    toAddress(agent, "agent"),
    toAddress(p.target, "target"),
    toSelector(p.selector),
    parseAmount(p.maxValue ?? 0n, 18, "maxValue"),
    toTimestamp(p.expiresAt, "expiresAt"),
  ];
}

/**
 * The wallet's own dry run of `calls` against its current state (`requiredDelay`, an eth_call): the delay their
 * changes need now (0 = instant), or the wallet's refusal as a typed error.
 */
async function requiredDelayNow(
  wallet: WalletContract,
  calls: readonly { target: string; value: bigint; data: string }[],
): Promise<bigint> {
  return wallet.requiredDelay.staticCall(calls).catch((e: unknown) => {
    throw toLeashError(e);
  });
}

async function capsArgs(
  assets: AssetInfo,
  asset: string,
  caps: { daily?: AmountInput; weekly?: AmountInput; monthly?: AmountInput },
): Promise<bigint[]> {
  const token = toAsset(asset);
  const labels = ["daily", "weekly", "monthly"];
  return Promise.all(
    [caps.daily, caps.weekly, caps.monthly].map(async (v, i) =>
      v === undefined ? 0n : requireExactLimit(await assets.parse(token, v, labels[i]), labels[i]),
    ),
  );
}

/**
 * Packs owner signatures in the wallet's format: signer(20) ‖ len(2) ‖ sig, signers ascending.
 *
 * @example
 * const packed = packOwnerSignatures([{ signer: alice.address, signature: sigA }, { signer: bob.address, signature: sigB }]);
 */
export function packOwnerSignatures(entries: { signer: string; signature: string }[]): string {
  const sorted = [...entries].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));
  return concat(
    sorted.map((e) =>
      solidityPacked(
        ["address", "uint16", "bytes"],
        [toAddress(e.signer, "signer"), getBytes(e.signature).length, e.signature],
      ),
    ),
  );
}

/**
 * An owners' user operation (nonce key 0) running `calls`, its gas set for `signers` ECDSA owner signatures:
 * the signature is a same-size placeholder, so preVerificationGas covers the real one. Pick its fees, then
 * each owner signs its userOpHash in the wallet's epoch (`ownerOperationTypedData`). Owners' execution
 * re-checks their signatures over the userOpHash, so a dummy-signed estimate can't run it: fixed limits
 * instead, generous (the wallet only pays for gas used). Owners have no maxOpCost.
 */
export function ownersUserOp(
  wallet: string,
  nonce: bigint,
  calls: ResolvedCall[],
  signers: number,
  callGasLimit?: bigint,
): UserOperation {
  const op = newUserOp(wallet, nonce, executeUserOpCallData(calls));
  op.verificationGasLimit = 150_000n + 20_000n * BigInt(signers);
  op.callGasLimit =
    callGasLimit ??
    calls.reduce((sum, c) => sum + 150_000n + 1_000n * BigInt((c.data.length - 2) / 2), 250_000n);
  op.signature = packOwnerSignatures(
    Array.from({ length: signers }, (_, i) => ({
      // Mostly non-zero bytes like a real address, so the calldata cost in preVerificationGas isn't undercounted.
      signer: `0x${(i + 1).toString(16).padStart(40, "e")}`,
      signature: "0x" + "11".repeat(65),
    })),
  );
  op.preVerificationGas = minimumPreVerificationGas(op) + 2_000n;
  return op;
}

/**
 * Merges the signatures several owners made over the same batch (one per signer).
 *
 * @example
 * const batch = mergeSignatures(aliceBatch, bobBatch); await client.executeSigned(batch);
 */
export function mergeSignatures(...batches: SignedBatch[]): SignedBatch {
  if (batches.length === 0) throw new InvalidArgumentError("nothing to merge");
  const [first] = batches;
  const out: SignedBatch = { ...first, signatures: [] };
  for (const b of batches) {
    if (b.digest !== first.digest)
      throw new InvalidArgumentError("batches differ: signatures are over different digests");
    for (const s of b.signatures)
      if (!out.signatures.some((o) => o.signer.toLowerCase() === s.signer.toLowerCase()))
        out.signatures.push(s);
  }
  return out;
}

/**
 * JSON text of a signed batch (bigints as decimal strings), to hand to the other owners.
 *
 * @example
 * writeFileSync("batch.json", serializeSignedBatch(batch));
 */
export function serializeSignedBatch(batch: SignedBatch): string {
  return JSON.stringify(batch, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/**
 * Parses `serializeSignedBatch` output back, checking every field.
 *
 * @example
 * const batch = parseSignedBatch(readFileSync("batch.json", "utf8"));
 */
export function parseSignedBatch(text: string): SignedBatch {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new InvalidArgumentError("signed batch is not valid JSON");
  }
  const big = (v: unknown, label: string) => {
    if (typeof v !== "string" || !/^\d+$/.test(v))
      throw new InvalidArgumentError(`signed batch: ${label} must be a decimal string`);
    return BigInt(v);
  };
  const calls = resolveCalls(
    ((raw.calls as Record<string, unknown>[]) ?? []).map((c) => ({
      target: c.target as string,
      value: big(c.value, "call value"),
      data: c.data as string,
    })),
  );
  if (typeof raw.digest !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(raw.digest))
    throw new InvalidArgumentError("signed batch: digest must be 32 bytes of hex");
  const signatures = ((raw.signatures as Record<string, unknown>[]) ?? []).map((s) => {
    if (typeof s.signature !== "string" || !isHexString(s.signature))
      throw new InvalidArgumentError("signed batch: signature must be hex");
    return { signer: toAddress(s.signer, "signer"), signature: s.signature };
  });
  return {
    wallet: toAddress(raw.wallet, "wallet"),
    chainId: big(raw.chainId, "chainId"),
    calls,
    nonce: big(raw.nonce, "nonce"),
    deadline: big(raw.deadline, "deadline"),
    epoch: big(raw.epoch, "epoch"),
    digest: raw.digest,
    signatures,
  };
}

function toSalt(salt: string | undefined): string {
  if (salt === undefined) return DEFAULT_SALT;
  if (/^0x[0-9a-fA-F]{64}$/.test(salt)) return salt.toLowerCase();
  return keccakId(salt);
}

function stringify(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map(stringify).join(", ")}]`;
  if (value && typeof value === "object" && "toArray" in value)
    return stringify((value as { toArray(): unknown[] }).toArray());
  return String(value);
}
