/**
 * AgentClient: what an AI agent uses to spend from a Leash wallet with its session key. It builds the user
 * operation on the agent's own 2D nonce lane (key = session key address), asks the relayer for gas, signs the
 * EntryPoint v0.8 userOpHash with the session key and submits it; every failure comes back as a typed
 * `LeashError` (policy violations with the rule and its values).
 */
import { BaseWallet, Interface, SigningKey, Wallet, ZeroAddress, type Provider } from "ethers";
import { toRpcUserOperation } from "./userOperation.js";
import { UNLIMITED_GAS } from "./policy.js";
import {
  entryPointContract,
  erc20Interface,
  agentCallData,
  resolveCalls,
  walletContract,
  walletInterface,
  type Call,
} from "./contracts.js";
import {
  GasBudgetExhaustedError,
  OpCostTooHighError,
  AgentInactiveError,
  AgentStatusName,
  ChainMismatchError,
  InvalidAmountError,
  InvalidArgumentError,
  LeashError,
  TimeoutError,
  OutOfTimeRangeError,
  SignatureError,
  UnknownAgentError,
  ValidationError,
  WalletPausedError,
  toLeashError,
  type AgentStatusNameValue,
} from "./errors.js";
import { RelayerRpc, type OperationStatus } from "./relayerRpc.js";
import {
  DEFAULT_MAX_PRIORITY_FEE_PER_GAS,
  DUMMY_SIGNER,
  checkHash,
  confirmOnChain,
  fillGas,
  newUserOp,
  userOpHash,
  waitForOp,
  type FeeLimits,
  type RawOpReceipt,
  type OpContext,
  type WaitOptions,
} from "./userOps.js";
import { AssetInfo, NATIVE, parseAmount, toAddress, toAsset, type AmountInput } from "./units.js";

export type { WaitOptions };

export interface AgentClientOptions {
  /** The Leash wallet the agent spends from. */
  wallet: string;
  /** The agent's session key: an ethers Wallet, a SigningKey or a 0x private key. Never logged. */
  key: BaseWallet | SigningKey | string;
  /** The relayer's JSON-RPC URL. */
  relayerUrl: string;
  /** The agent's relayer API key (scopes send + read). */
  apiKey?: string;
  /**
   * A node of the agent's own: reads (wallet state, base fee) go through it instead of the relayer, its chain
   * id is the one signed for (a relayer answering another is refused), and receipts are confirmed on it
   * (the EntryPoint's `UserOperationEvent`). Recommended: without it the relayer is trusted for all three.
   */
  provider?: Provider;
  /**
   * The chain the agent signs for. `send` refuses (`ChainMismatchError`, before signing) when the relayer or
   * the provider answers another chain id. Default: the provider's chain, else the relayer's.
   */
  chainId?: bigint | number;
  /** Highest priority fee per gas the agent pays, whatever the relayer suggests (default 5 gwei). */
  maxPriorityFeePerGas?: bigint;
  /** Highest max fee per gas; `send` refuses (`FeeTooHighError`) while the base fee is above it. */
  maxFeePerGas?: bigint;
  /** Extra verification gas on top of the relayer's estimate (default 10 000; see README). */
  verificationGasHeadroom?: bigint;
  /** Per-request timeout towards the relayer (default 15 s). */
  timeoutMs?: number;
}

/** An operation the relayer accepted. */
export interface SentOperation {
  userOpHash: string;
  nonce: bigint;
  /** Waits until the operation is on chain; see `AgentClient.waitForReceipt`. */
  wait(options?: WaitOptions): Promise<OperationReceipt>;
}

/** One call the wallet executed for the agent, as `AgentCallExecuted` reports it. */
export interface ExecutedCall {
  target: string;
  asset: string;
  amount: bigint;
}

/** An included operation: either executed under policy or escalated to the owners. */
export interface OperationReceipt {
  userOpHash: string;
  transactionHash: string;
  blockNumber: number;
  /** `executed`: the calls ran; `escalated`: above `approvalAbove`, now proposal `proposalId` for the owners. */
  outcome: "executed" | "escalated";
  proposalId?: bigint;
  calls: ExecutedCall[];
  /** What the wallet paid for gas, in wei. */
  actualGasCost: bigint;
}

/** What the agent may still spend of one asset right now; null = no cap in that window. */
export interface Remaining {
  asset: string;
  symbol: string;
  decimals: number;
  perTx: bigint | null;
  daily: bigint | null;
  weekly: bigint | null;
  monthly: bigint | null;
  /**
   * A payment above this amount (in one call) is not executed but escalated to the owners as a proposal;
   * null = never escalates. Check it before paying to know which outcome to expect.
   */
  approvalAbove: bigint | null;
}

/** How the owners settled an escalated payment (`AgentClient.waitForDecision`). */
export interface Decision {
  proposalId: bigint;
  /** `executed`: approved and paid; `cancelled`: vetoed; `expired`: never approved (or run) in time. */
  decision: "executed" | "cancelled" | "expired";
}

/** The agent's record in the wallet. */
export interface AgentRecord {
  agent: string;
  key: string;
  status: AgentStatusNameValue;
  validAfter: bigint;
  validUntil: bigint;
  maxOpCost: bigint;
  /** Wei of gas the agent's ops may cost the wallet per local day (`UNLIMITED_GAS` = no limit). */
  gasPerDay: bigint;
  /** Wei of that budget validation charged since it last refilled (see `GasBudgetExhaustedError`). */
  gasSpent: bigint;
  /** A new local day has begun since the agent's last executed op: its next one (or `startAgentDay`) refills. */
  refillPending: boolean;
}

type Context = OpContext;

const MAX_UINT256 = (1n << 256n) - 1n;
// The relayer's estimate covers the real signature (it adds what a stub signature skips) and the prefund
// payment; this small extra is for state that moves between the estimate and inclusion.
const DEFAULT_VERIFICATION_HEADROOM = 10_000n;
/** ProposalManager.GRACE_PERIOD: a queued proposal can execute until eta + 14 days. */
const PROPOSAL_GRACE_PERIOD = 14n * 86_400n;
const agentCallEvent = walletInterface.getEvent("AgentCallExecuted")!;
const approvalRequestedEvent = walletInterface.getEvent("ApprovalRequested")!;
const eventsInterface = new Interface([agentCallEvent, approvalRequestedEvent]);

/** An agent spending from a Leash wallet through the relayer (see the module comment and README). */
export class AgentClient {
  /** The wallet's address (checksummed). */
  readonly wallet: string;
  /** The session key's address (= the agent's nonce key). */
  readonly keyAddress: string;
  readonly relayer: RelayerRpc;
  // A true private field: never shown when the client is logged or inspected.
  readonly #signingKey: SigningKey;
  private readonly givenProvider?: Provider;
  private readonly pinnedChainId?: bigint;
  private readonly feeLimits: FeeLimits;
  private readonly verificationHeadroom: bigint;
  private context?: Promise<Context>;
  private assetInfo?: AssetInfo;

  /**
   * @example
   * const agent = new AgentClient({ wallet, key: process.env.AGENT_KEY!, relayerUrl, apiKey });
   * await agent.pay("0x8ba1f109551bD432803012645Ac136ddd64DBA72", "0.25");
   */
  constructor(options: AgentClientOptions) {
    this.wallet = toAddress(options.wallet, "wallet");
    this.#signingKey = toSigningKey(options.key);
    this.keyAddress = new Wallet(this.#signingKey).address;
    this.relayer = new RelayerRpc({
      url: options.relayerUrl,
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs,
    });
    this.givenProvider = options.provider;
    if (options.chainId !== undefined) {
      if (
        (typeof options.chainId !== "bigint" && !Number.isSafeInteger(options.chainId)) ||
        BigInt(options.chainId) <= 0n
      )
        throw new InvalidArgumentError("chainId must be a positive integer");
      this.pinnedChainId = BigInt(options.chainId);
    }
    this.feeLimits = {
      maxPriorityFeePerGas: nonNegative(
        options.maxPriorityFeePerGas ?? DEFAULT_MAX_PRIORITY_FEE_PER_GAS,
        "maxPriorityFeePerGas",
      ),
      ...(options.maxFeePerGas === undefined
        ? {}
        : { maxFeePerGas: nonNegative(options.maxFeePerGas, "maxFeePerGas") }),
    };
    this.verificationHeadroom = options.verificationGasHeadroom ?? DEFAULT_VERIFICATION_HEADROOM;
  }

  /**
   * Sends a batch of calls as one user operation and returns once the relayer accepted it.
   *
   * @example
   * const op = await agent.send([{ target: shop, value: parseEther("0.1") }]);
   * const receipt = await op.wait();
   */
  async send(calls: Call[]): Promise<SentOperation> {
    const resolved = resolveCalls(calls);
    const ctx = await this.ctx();
    const record = await this.preflight(ctx);
    const callData = agentCallData(this.keyAddress, resolved);
    const nonce = (await entryPointContract(ctx.entryPoint, ctx.provider).getFunction("getNonce")(
      this.wallet,
      BigInt(this.keyAddress),
    )) as bigint;
    const op = newUserOp(this.wallet, nonce, callData);
    // Validation charges the op's maximum cost to the daily gas budget: fees are capped to fit what is left.
    const left = gasLeft(record);
    const maxOpCost = left < record.maxOpCost ? left : record.maxOpCost;
    try {
      try {
        await fillGas(this.relayer, ctx, op, {
          dummySignature: DUMMY_SIGNER.sign(userOpHash(op, ctx)).serialized,
          verificationHeadroom: this.verificationHeadroom,
          maxOpCost,
          fees: this.feeLimits,
        });
      } catch (error) {
        if (error instanceof OpCostTooHighError && maxOpCost < record.maxOpCost)
          throw new GasBudgetExhaustedError(
            record.agent,
            left,
            record.gasPerDay,
            record.refillPending,
          );
        throw error;
      }
      const hash = userOpHash(op, ctx);
      op.signature = this.#signingKey.sign(hash).serialized;
      const accepted = await this.relayer.request<string>("eth_sendUserOperation", [
        toRpcUserOperation(op),
        ctx.entryPoint,
      ]);
      if (accepted.toLowerCase() !== hash.toLowerCase())
        throw new ValidationError(`relayer returned hash ${accepted}, expected ${hash}`);
      return {
        userOpHash: hash,
        nonce,
        wait: (options) => this.waitForReceipt(hash, options),
      };
    } catch (error) {
      throw await this.diagnose(error, ctx);
    }
  }

  /**
   * Pays native currency: `amount` in ETH units ("0.25") or wei (bigint).
   *
   * @example
   * const op = await agent.pay("0x8ba1f109551bD432803012645Ac136ddd64DBA72", "0.25");
   */
  async pay(to: string, amount: AmountInput): Promise<SentOperation> {
    const recipient = toAddress(to, "recipient");
    const value = nonZero(parseAmount(amount, 18), amount);
    return this.send([{ target: recipient, value, data: "0x" }]);
  }

  /**
   * Transfers an ERC-20 token: `amount` in token units ("12.5", decimals read from the token) or base units.
   *
   * @example
   * const op = await agent.transferToken(usdc, shop, "12.50");
   */
  async transferToken(token: string, to: string, amount: AmountInput): Promise<SentOperation> {
    const tokenAddress = toAddress(token, "token");
    const recipient = toAddress(to, "recipient");
    const value = nonZero(await (await this.assets()).parse(tokenAddress, amount), amount);
    return this.send([
      {
        target: tokenAddress,
        value: 0n,
        data: erc20Interface.encodeFunctionData("transfer", [recipient, value]),
      },
    ]);
  }

  /**
   * What the agent may still spend of `asset` right now (the lower of its own and the wallet-wide caps).
   *
   * @example
   * const left = await agent.remaining("native"); // { daily: 1750000000000000000n, ... }
   */
  async remaining(asset: string = NATIVE): Promise<Remaining> {
    const address = toAsset(asset);
    const ctx = await this.ctx();
    const record = await this.record(ctx);
    const wallet = walletContract(this.wallet, ctx.provider);
    try {
      const [[perTx, daily, weekly, monthly], [limits], info] = await Promise.all([
        wallet.remaining(record.agent, address),
        wallet.getAssetLimits(record.agent, address),
        (await this.assets()).of(address),
      ]);
      const cap = (v: bigint) => (v === MAX_UINT256 ? null : v);
      return {
        asset: address,
        symbol: info.symbol,
        decimals: info.decimals,
        perTx: cap(perTx),
        daily: cap(daily),
        weekly: cap(weekly),
        monthly: cap(monthly),
        approvalAbove: limits.approvalAbove === 0n ? null : limits.approvalAbove,
      };
    } catch (error) {
      throw toLeashError(error);
    }
  }

  /**
   * The agent's record: its identity, current key, status, validity and gas budget per operation.
   *
   * @example
   * const { status } = await agent.info(); // "active"
   */
  async info(): Promise<AgentRecord> {
    return this.record(await this.ctx());
  }

  /**
   * The relayer's view of an operation (null if it never accepted it).
   *
   * @example
   * const s = await agent.status(op.userOpHash); // s.status === "included"
   */
  async status(userOpHash: string): Promise<OperationStatus | null> {
    return this.relayer.status(checkHash(userOpHash));
  }

  /**
   * Waits until the operation is final. Resolves with the receipt when it was included and executed (or
   * escalated to the owners); throws the typed error when it failed or was dropped (e.g. a policy violation).
   * With a `provider`, the relayer's report is checked on it: the receipt (calls, gas cost) is rebuilt from
   * the chain's logs, and an op the chain doesn't show as executed throws (`OperationUnconfirmedError`, or
   * its decoded error if it failed on chain).
   *
   * @example
   * const receipt = await agent.waitForReceipt(op.userOpHash);
   * if (receipt.outcome === "escalated") console.log("owners must approve proposal", receipt.proposalId);
   */
  async waitForReceipt(hash: string, options: WaitOptions = {}): Promise<OperationReceipt> {
    const checked = checkHash(hash);
    const reported = await waitForOp(this.relayer, checked, options);
    if (!this.givenProvider) return this.receiptOf(checked, reported);
    const ctx = await this.ctx();
    return this.receiptOf(
      checked,
      await confirmOnChain(ctx.provider, ctx.entryPoint, this.wallet, checked, reported, options),
    );
  }

  /**
   * Waits until the owners settle an escalated payment (`receipt.proposalId`): `executed` (approved and paid),
   * `cancelled` (vetoed) or `expired` (not approved, or not executed, in time). Reads the wallet on the chain
   * (the agent's provider, else through the relayer); `TimeoutError` if still undecided after `timeoutMs`
   * (default 10 min: owners are people).
   *
   * @example
   * const receipt = await (await agent.pay(shop, "2")).wait();
   * if (receipt.outcome === "escalated") {
   *   const { decision } = await agent.waitForDecision(receipt.proposalId!, { timeoutMs: 3_600_000 });
   * }
   */
  async waitForDecision(proposalId: bigint | number, options: WaitOptions = {}): Promise<Decision> {
    if (
      (typeof proposalId !== "bigint" && !Number.isSafeInteger(proposalId)) ||
      BigInt(proposalId) <= 0n
    )
      throw new InvalidArgumentError("proposalId must be a positive integer");
    const id = BigInt(proposalId);
    const timeoutMs = options.timeoutMs ?? 600_000;
    const pollMs = options.pollMs ?? 1_000;
    const deadline = Date.now() + timeoutMs;
    const ctx = await this.ctx();
    const wallet = walletContract(this.wallet, ctx.provider);
    for (;;) {
      let state: bigint, expiresAt: bigint, eta: bigint, now: bigint;
      try {
        const [p, block] = await Promise.all([
          wallet.getProposal(id),
          ctx.provider.getBlock("latest"),
        ]);
        [state, expiresAt, eta] = [p.state, p.expiresAt, p.eta];
        now = BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000));
      } catch (error) {
        throw toLeashError(error);
      }
      // ProposalManager states: 1 pending, 2 queued, 3 executed, 4 cancelled (an unknown id reverts
      // with ProposalNotFound).
      if (state === 3n) return { proposalId: id, decision: "executed" };
      if (state === 4n) return { proposalId: id, decision: "cancelled" };
      if ((state === 1n && now > expiresAt) || (state === 2n && now > eta + PROPOSAL_GRACE_PERIOD))
        return { proposalId: id, decision: "expired" };
      if (Date.now() > deadline)
        throw new TimeoutError(
          `proposal ${id} still ${state === 1n ? "awaiting approvals" : "queued"} after ${timeoutMs} ms`,
        );
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  // ---------------------------------------------------------------------------------------------

  private receiptOf(hash: string, raw: RawOpReceipt): OperationReceipt {
    const calls: ExecutedCall[] = [];
    let proposalId: bigint | undefined;
    for (const log of raw.logs) {
      if (log.address.toLowerCase() !== this.wallet.toLowerCase()) continue;
      let parsed;
      try {
        parsed = eventsInterface.parseLog(log);
      } catch {
        parsed = null;
      }
      if (parsed?.name === "AgentCallExecuted")
        calls.push({
          target: parsed.args.target as string,
          asset: parsed.args.asset as string,
          amount: parsed.args.amount as bigint,
        });
      if (parsed?.name === "ApprovalRequested") proposalId = parsed.args.proposalId as bigint;
    }
    return {
      userOpHash: hash,
      transactionHash: raw.receipt.transactionHash,
      blockNumber: Number(raw.receipt.blockNumber),
      outcome: proposalId === undefined ? "executed" : "escalated",
      ...(proposalId === undefined ? {} : { proposalId }),
      calls,
      actualGasCost: BigInt(raw.actualGasCost),
    };
  }

  private ctx(): Promise<Context> {
    this.context ??= (async () => {
      const chainId = await this.chainId();
      const provider = this.givenProvider ?? this.relayer.provider(chainId);
      let entryPoint: string;
      try {
        entryPoint = await walletContract(this.wallet, provider).entryPoint();
      } catch (error) {
        const code = await provider.getCode(this.wallet).catch(() => "0x");
        if (code === "0x")
          throw new InvalidArgumentError(
            `no wallet deployed at ${this.wallet} on chain ${chainId}`,
          );
        throw toLeashError(error);
      }
      return { chainId, entryPoint, provider };
    })();
    this.context.catch(() => (this.context = undefined));
    return this.context;
  }

  /**
   * The chain id that goes into the signed userOpHash: the pinned one, else the provider's, and the relayer
   * must agree (a relayer answering another chain would get a signature valid there, where the same wallet
   * may exist at the same address). Only with neither is the relayer's word taken.
   */
  private async chainId(): Promise<bigint> {
    const relayerChainId = BigInt(await this.relayer.request<string>("eth_chainId"));
    let trusted = this.pinnedChainId;
    if (this.givenProvider) {
      const { chainId } = await this.givenProvider.getNetwork();
      if (trusted !== undefined && chainId !== trusted)
        throw new ChainMismatchError(trusted, chainId, "the provider");
      trusted = chainId;
    }
    if (trusted !== undefined && relayerChainId !== trusted)
      throw new ChainMismatchError(trusted, relayerChainId, "the relayer");
    return trusted ?? relayerChainId;
  }

  private async assets(): Promise<AssetInfo> {
    this.assetInfo ??= new AssetInfo((await this.ctx()).provider);
    return this.assetInfo;
  }

  private async record(ctx: Context): Promise<AgentRecord> {
    const wallet = walletContract(this.wallet, ctx.provider);
    try {
      const agent = await wallet.agentOfKey(this.keyAddress);
      if (agent === ZeroAddress) throw new UnknownAgentError(this.keyAddress, this.wallet);
      const [[key, status, validAfter, validUntil, rules], [gasSpent, refillPending]] =
        await Promise.all([wallet.getAgent(agent), wallet.gasBudget(agent)]);
      return {
        agent,
        key,
        status: AgentStatusName[Number(status)] ?? "none",
        validAfter,
        validUntil,
        maxOpCost: rules.maxOpCost,
        gasPerDay: rules.gasPerDay,
        gasSpent,
        refillPending,
      };
    } catch (error) {
      throw toLeashError(error);
    }
  }

  /** The checks the wallet's validation makes, done first so failures have a precise cause. */
  private async preflight(ctx: Context): Promise<AgentRecord> {
    const [record, paused, block] = await Promise.all([
      this.record(ctx),
      walletContract(this.wallet, ctx.provider)
        .paused()
        .catch((e: unknown) => {
          throw toLeashError(e);
        }),
      ctx.provider.getBlock("latest"),
    ]);
    if (record.key.toLowerCase() !== this.keyAddress.toLowerCase())
      throw new UnknownAgentError(this.keyAddress, this.wallet);
    if (record.status !== "active") throw new AgentInactiveError(record.agent, record.status);
    if (gasLeft(record) === 0n)
      throw new GasBudgetExhaustedError(record.agent, 0n, record.gasPerDay, record.refillPending);
    if (paused) throw new WalletPausedError();
    const now = BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000));
    if (record.validAfter > now || (record.validUntil !== 0n && record.validUntil < now))
      throw new OutOfTimeRangeError(
        `agent key is valid from ${record.validAfter} until ${record.validUntil || "forever"}, now is ${now}`,
        record.validAfter,
        record.validUntil,
      );
    return record;
  }

  /** A signature or validation rejection has many possible causes: find the precise one. */
  private async diagnose(error: unknown, ctx: Context): Promise<LeashError> {
    const leash = toLeashError(error);
    if (!(leash instanceof SignatureError) && !(leash instanceof ValidationError)) return leash;
    try {
      await this.preflight(ctx);
    } catch (precise) {
      if (precise instanceof LeashError) return precise;
    }
    return leash;
  }
}

/** A zero payment moves nothing and only burns the wallet's gas: refused before anything is sent. */
function nonZero(value: bigint, input: AmountInput): bigint {
  if (value === 0n)
    throw new InvalidAmountError(
      "amount must be greater than zero (a zero payment moves nothing and only costs gas)",
      String(input),
    );
  return value;
}

/** What the agent's daily gas budget can still pay for (its `maxOpCost` bounds one op in any case). */
function gasLeft(record: AgentRecord): bigint {
  if (record.gasPerDay === UNLIMITED_GAS) return UNLIMITED_GAS;
  return record.gasSpent < record.gasPerDay ? record.gasPerDay - record.gasSpent : 0n;
}

function nonNegative(value: bigint, name: string): bigint {
  if (typeof value !== "bigint" || value < 0n)
    throw new InvalidArgumentError(`${name} must be a non-negative bigint (wei per gas)`);
  return value;
}

function toSigningKey(key: BaseWallet | SigningKey | string): SigningKey {
  if (key instanceof SigningKey) return key;
  if (key instanceof BaseWallet) return key.signingKey;
  if (typeof key === "string" && /^(0x)?[0-9a-fA-F]{64}$/.test(key.trim()))
    return new SigningKey(key.trim().startsWith("0x") ? key.trim() : `0x${key.trim()}`);
  // Never echo the input: it may be a (malformed) private key.
  throw new InvalidArgumentError(
    "agent key must be a 32-byte hex private key, a Wallet or a SigningKey",
  );
}
