/**
 * Typed errors of the Leash SDK. Everything the SDK throws on purpose is a `LeashError` with a stable
 * string `code`, so callers (and the CLI) branch on classes or codes, never on message text. Relayer
 * JSON-RPC errors (ERC-7769 codes, `data = { reason, rule, args, revert }`) and wallet custom errors
 * from a direct `eth_call` / transaction revert map to the same classes.
 *
 * Messages are one line and never carry secrets (keys, API keys).
 */
import { Interface, type ErrorDescription, type ErrorFragment, type Result } from "ethers";
import { agentWalletAbi } from "./abi/generated.js";

/** Stable machine codes, one per error class. */
export const LeashErrorCode = {
  invalidAddress: "INVALID_ADDRESS",
  invalidAmount: "INVALID_AMOUNT",
  invalidArgument: "INVALID_ARGUMENT",
  policyViolation: "POLICY_VIOLATION",
  rateLimited: "RATE_LIMITED",
  unauthorized: "UNAUTHORIZED",
  signature: "BAD_SIGNATURE",
  validation: "VALIDATION_REJECTED",
  outOfTimeRange: "OUT_OF_TIME_RANGE",
  relayerUnavailable: "RELAYER_UNAVAILABLE",
  relayerRequest: "RELAYER_REQUEST_REJECTED",
  executionReverted: "EXECUTION_REVERTED",
  callFailed: "CALL_FAILED",
  walletError: "WALLET_ERROR",
  walletPaused: "WALLET_PAUSED",
  unknownAgent: "UNKNOWN_AGENT",
  agentInactive: "AGENT_INACTIVE",
  gasBudgetExhausted: "GAS_BUDGET_EXHAUSTED",
  opCostTooHigh: "OP_COST_TOO_HIGH",
  pendingOperation: "PENDING_OPERATION",
  operationDropped: "OPERATION_DROPPED",
  timeout: "TIMEOUT",
  notOwner: "NOT_OWNER",
  chainMismatch: "CHAIN_MISMATCH",
  feeTooHigh: "FEE_TOO_HIGH",
  operationUnconfirmed: "OPERATION_UNCONFIRMED",
  noGasFunds: "NO_GAS_FUNDS",
  notATightening: "NOT_A_TIGHTENING",
} as const;

export type LeashErrorCodeValue = (typeof LeashErrorCode)[keyof typeof LeashErrorCode];

/**
 * Base class of every error the SDK throws on purpose.
 *
 * @example
 * try {
 *   await agent.pay(shop, "5");
 * } catch (e) {
 *   if (e instanceof PolicyViolationError) console.log(e.rule, e.values); // "PolicyPerTxLimitExceeded" { cap: ... }
 *   else if (e instanceof RateLimitedError) await sleep(e.retryAfterMs);
 *   else if (e instanceof LeashError) console.error(e.code, e.message);
 * }
 */
export class LeashError extends Error {
  constructor(
    readonly code: LeashErrorCodeValue,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /**
   * A JSON-friendly view (bigints as decimal strings), e.g. for `--json` output.
   *
   * @example
   * console.log(JSON.stringify(error.toJSON())); // {"name":"PolicyViolationError","code":"POLICY_VIOLATION",...}
   */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: this.name,
      code: this.code,
      message: this.message,
    };
    for (const [key, value] of Object.entries(this)) {
      if (key === "cause") continue;
      out[key] = jsonSafe(value);
    }
    return out;
  }
}

/** An address argument is not a valid 20-byte address (or has a wrong EIP-55 checksum). */
export class InvalidAddressError extends LeashError {
  constructor(
    readonly input: string,
    readonly label = "address",
  ) {
    super(LeashErrorCode.invalidAddress, `${label} is not a valid address: ${clip(input)}`);
  }
}

/** An amount is malformed, negative, too large, or has more decimals than its asset. */
export class InvalidAmountError extends LeashError {
  constructor(
    message: string,
    readonly input: string,
  ) {
    super(LeashErrorCode.invalidAmount, message);
  }
}

/** Any other argument the SDK refuses before touching the chain. */
export class InvalidArgumentError extends LeashError {
  constructor(message: string) {
    super(LeashErrorCode.invalidArgument, message);
  }
}

/**
 * A `tighten…` builder was asked for a change that loosens: the wallet's own dry run (`requiredDelay`) says it
 * would wait `delay` seconds. Nothing was signed or sent; use the matching `set…` to propose it with its delay.
 */
export class NotATighteningError extends LeashError {
  constructor(
    readonly action: string,
    readonly delay: bigint,
  ) {
    super(
      LeashErrorCode.notATightening,
      `${action}: the change loosens (the wallet would make it wait ${delay} s); use ${action.replace("tighten", "set")} to propose it with its delay`,
    );
  }
}

/** Decoded values of a wallet custom error: bigints for integers, checksummed addresses, hex for bytes. */
export type ErrorValues = Record<string, bigint | string | boolean>;

/**
 * A wallet custom error (contracts/interfaces): `errorName` and its named `values`.
 * Subclasses narrow the meaning (policy violation, paused, unknown agent, ...).
 */
export class WalletError extends LeashError {
  constructor(
    readonly errorName: string,
    readonly values: ErrorValues,
    code: LeashErrorCodeValue = LeashErrorCode.walletError,
    prefix = "wallet reverted",
  ) {
    super(code, `${prefix}: ${describeError(errorName, values)}`);
  }
}

/** The agent's policy refused the operation: `rule` is the wallet error name, `values` its arguments. */
export class PolicyViolationError extends WalletError {
  constructor(
    readonly rule: string,
    values: ErrorValues,
  ) {
    super(rule, values, LeashErrorCode.policyViolation, "policy violation");
  }
}

/** The wallet is paused: no agent operation validates until the owners unpause it. */
export class WalletPausedError extends WalletError {
  constructor(values: ErrorValues = {}) {
    super("WalletPaused", values, LeashErrorCode.walletPaused, "wallet is paused");
  }
}

/** The session key (or agent) is not an agent of this wallet. */
export class UnknownAgentError extends LeashError {
  constructor(
    readonly agent: string,
    readonly wallet?: string,
  ) {
    super(
      LeashErrorCode.unknownAgent,
      wallet ? `${agent} is not an agent of wallet ${wallet}` : `${agent} is not a known agent`,
    );
  }
}

export const AgentStatusName = ["none", "active", "suspended", "revoked"] as const;
export type AgentStatusNameValue = (typeof AgentStatusName)[number];

/** The agent exists but is suspended or revoked. */
export class AgentInactiveError extends LeashError {
  constructor(
    readonly agent: string,
    readonly status: AgentStatusNameValue,
  ) {
    super(LeashErrorCode.agentInactive, `agent ${agent} is ${status}`);
  }
}

/**
 * The agent's daily gas budget (`rules.gasPerDay`) can't cover another operation: the wallet's validation charges
 * each op its maximum gas cost and refuses it past the budget. `left` wei remain; when `refillPending`, a new local
 * day has begun and anyone may refill the budget by calling the wallet's `startAgentDay(agent)`, otherwise it
 * refills on the agent's first executed op of the next local day.
 *
 * @example
 * catch (e) { if (e instanceof GasBudgetExhaustedError && e.refillPending) await wallet.startAgentDay(e.agent); }
 */
export class GasBudgetExhaustedError extends LeashError {
  constructor(
    readonly agent: string,
    readonly left: bigint,
    readonly gasPerDay: bigint,
    readonly refillPending: boolean,
  ) {
    super(
      LeashErrorCode.gasBudgetExhausted,
      refillPending
        ? `agent ${agent} has ${left} wei of its ${gasPerDay} wei daily gas budget left, too little for an operation; a new day has begun: call startAgentDay(${agent}) on the wallet to refill it`
        : `agent ${agent} has ${left} wei of its ${gasPerDay} wei daily gas budget left, too little for an operation; it refills on the next local day`,
    );
  }
}

/** An agent batch call reverted inside the wallet (e.g. a token transfer failed): `inner` is decoded. */
export class CallFailedError extends LeashError {
  constructor(
    readonly index: number,
    readonly inner: { name: string; values: ErrorValues } | null,
    readonly revertData: string,
  ) {
    super(
      LeashErrorCode.callFailed,
      `call ${index} of the batch failed: ${
        inner
          ? describeError(inner.name, inner.values)
          : revertData === "0x" || revertData === ""
            ? "reverted without a reason (a payment: the wallet may lack the funds, or the recipient refuses them)"
            : `reverted with ${clip(revertData, 74)}`
      }`,
    );
  }
}

/** Execution reverted for a reason that is not a known wallet error. */
export class ExecutionRevertedError extends LeashError {
  constructor(
    readonly reason: string,
    readonly revertData?: string,
  ) {
    super(LeashErrorCode.executionReverted, `execution reverted: ${clip(reason, 300)}`);
  }
}

/** The relayer (or an API key's tier) is rate limiting: retry after `retryAfterMs`. */
export class RateLimitedError extends LeashError {
  constructor(
    readonly retryAfterMs: number,
    message = "rate limited",
  ) {
    super(LeashErrorCode.rateLimited, `${message}; retry in ${retryAfterMs} ms`);
  }
}

/** The API key is missing, unknown, expired or revoked (-32001), or lacks the scope / sender (-32002). */
export class UnauthorizedError extends LeashError {
  constructor(
    readonly rpcCode: number,
    message: string,
  ) {
    super(LeashErrorCode.unauthorized, message);
  }
}

/** The signature does not validate (-32507) and no more specific cause was found. */
export class SignatureError extends LeashError {
  constructor(message = "the wallet rejected the signature") {
    super(LeashErrorCode.signature, message);
  }
}

/** Rejected in validation by the wallet or the EntryPoint (-32500). `aaCode` is e.g. "AA21". */
export class ValidationError extends LeashError {
  constructor(
    message: string,
    readonly aaCode: string | null = null,
  ) {
    super(LeashErrorCode.validation, message);
  }
}

/** The key is not valid yet or any more (-32503, AA22): `validAfter` / `validUntil` in seconds. */
export class OutOfTimeRangeError extends LeashError {
  constructor(
    message: string,
    readonly validAfter?: bigint,
    readonly validUntil?: bigint,
  ) {
    super(LeashErrorCode.outOfTimeRange, message);
  }
}

/** What the operation could cost in gas is above the agent's `maxOpCost`. */
export class OpCostTooHighError extends LeashError {
  constructor(
    readonly maxCost: bigint,
    readonly maxOpCost: bigint,
  ) {
    super(
      LeashErrorCode.opCostTooHigh,
      `the operation may cost up to ${maxCost} wei in gas, above the agent's maxOpCost ${maxOpCost}`,
    );
  }
}

/** Another operation of this agent is still pending on the same nonce lane. */
export class PendingOperationError extends LeashError {
  constructor(message = "another operation of this agent is still pending; wait for it first") {
    super(LeashErrorCode.pendingOperation, message);
  }
}

/** The relayer is unreachable, answered with a server error, or its node is down (-32003). */
export class RelayerUnavailableError extends LeashError {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(LeashErrorCode.relayerUnavailable, message, options);
  }
}

/** The relayer refused the request itself (bad params, unknown method): a bug or a version mismatch. */
export class RelayerRequestError extends LeashError {
  constructor(
    readonly rpcCode: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(LeashErrorCode.relayerRequest, message);
  }
}

/** An accepted operation was dropped (or given up) by the relayer before or after inclusion. */
export class OperationDroppedError extends LeashError {
  constructor(
    readonly userOpHash: string,
    readonly reason: string,
  ) {
    super(LeashErrorCode.operationDropped, `operation ${userOpHash} was dropped: ${reason}`);
  }
}

/** Waiting for something on chain or at the relayer took longer than allowed. */
export class TimeoutError extends LeashError {
  constructor(message: string) {
    super(LeashErrorCode.timeout, message);
  }
}

/**
 * A direct transaction was asked of a key that holds no ETH for gas. Owners and guardians need none through a
 * relayer (configure one, or drop `--direct`).
 */
export class NoGasFundsError extends LeashError {
  constructor(
    readonly account: string,
    message = `${account} has no ETH to pay gas for a direct transaction: go through a relayer (owners and guardians need no ETH there) or fund the key`,
  ) {
    super(LeashErrorCode.noGasFunds, message);
  }
}

/** The signer is not an owner (or guardian) of the wallet for the action asked. */
export class NotOwnerError extends LeashError {
  constructor(message: string) {
    super(LeashErrorCode.notOwner, message);
  }
}

/**
 * Two sources disagree on the chain: a batch file made for another chain than the connected node's, or a
 * relayer answering another chain id than the one pinned or read from the agent's own provider. Nothing
 * was signed.
 */
export class ChainMismatchError extends LeashError {
  constructor(
    /** The chain the client trusts: the connected provider's, or the pinned `chainId`. */
    readonly expected: bigint,
    /** The chain the other party (batch file, relayer) named. */
    readonly actual: bigint,
    readonly source: string,
  ) {
    super(
      LeashErrorCode.chainMismatch,
      `${source} is for chain ${actual}, but the client is on chain ${expected}: nothing signed`,
    );
  }
}

/** The chain's base fee is above the `maxFeePerGas` the client was given: the op can't be priced now. */
export class FeeTooHighError extends LeashError {
  constructor(
    readonly baseFee: bigint,
    readonly maxFeePerGas: bigint,
  ) {
    super(
      LeashErrorCode.feeTooHigh,
      `the base fee ${baseFee} wei is above the client's maxFeePerGas ${maxFeePerGas} wei: try later or raise it`,
    );
  }
}

/**
 * The relayer reported an operation as executed, but the node (the client's own provider) doesn't confirm it:
 * the transaction it named is not on chain, carries no `UserOperationEvent` for the op, or names another sender.
 */
export class OperationUnconfirmedError extends LeashError {
  constructor(
    readonly userOpHash: string,
    readonly detail: string,
  ) {
    super(
      LeashErrorCode.operationUnconfirmed,
      `the relayer reported operation ${userOpHash} as executed, but the chain does not confirm it: ${detail}`,
    );
  }
}

// ------------------------------------------------------------------------------------------------
// Decoding

const walletInterface = new Interface(agentWalletAbi);

const walletErrorNames = new Set(
  walletInterface.fragments.filter((f) => f.type === "error").map((f) => (f as ErrorFragment).name),
);

/** Policy-engine errors about a configuration change (owners), not an agent's spending. */
const POLICY_CONFIG_ERRORS = new Set([
  "PolicyNotTighter",
  "PolicyUnboundedAsset",
  "PolicyInvalidUtcOffset",
  "PolicyPermissionMovesTokens",
]);

/** Errors a wallet call can surface besides its own: OZ tokens, ECDSA, Error(string), Panic. */
const errorInterface = new Interface([
  ...walletInterface.fragments.filter((f) => f.type === "error"),
  "error ReentrancyGuardReentrantCall()",
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  "error ERC20InvalidReceiver(address receiver)",
  "error AddressEmptyCode(address target)",
  "error FailedCall()",
  "error ERC1967InvalidImplementation(address implementation)",
  "error UUPSUnsupportedProxiableUUID(bytes32 slot)",
]);

/**
 * Decodes revert bytes against the wallet's errors (and common library errors); null if unknown.
 *
 * @example
 * decodeRevertData(err.data)?.name; // "PolicyPerTxLimitExceeded"
 */
export function decodeRevertData(data: string | null | undefined): ErrorDescription | null {
  if (!data || typeof data !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(data) || data.length < 10)
    return null;
  try {
    return errorInterface.parseError(data);
  } catch {
    return null;
  }
}

function toValues(description: ErrorDescription): ErrorValues {
  const out: ErrorValues = {};
  description.fragment.inputs.forEach((input, i) => {
    out[input.name || String(i)] = normalizeValue(description.args[i]);
  });
  return out;
}

function normalizeValue(value: unknown): bigint | string | boolean {
  if (typeof value === "bigint" || typeof value === "boolean") return value;
  if (typeof value === "number") return BigInt(value);
  if (typeof value === "string") return value;
  if (Array.isArray(value) || (value as Result)?.toArray)
    return JSON.stringify(jsonSafe((value as Result).toArray?.() ?? value));
  return String(value);
}

/**
 * The typed error for a decoded wallet (or library) error.
 *
 * @example
 * throw errorFromDescription(decodeRevertData(data)!, data);
 */
export function errorFromDescription(description: ErrorDescription, data = "0x"): LeashError {
  const name = description.name;
  const values = toValues(description);
  if (name === "Error") return new ExecutionRevertedError(String(values["0"] ?? ""), data);
  if (name === "Panic") return new ExecutionRevertedError(`panic ${String(values["0"])}`, data);
  if (name === "WalletCallFailed") {
    const inner = String(description.args[1]);
    const decoded = decodeRevertData(inner);
    // A batch call into the wallet itself (an owners' self-call) failed with one of the wallet's own
    // errors: that error is the cause worth reporting.
    if (decoded && walletErrorNames.has(decoded.name)) return errorFromDescription(decoded, inner);
    return new CallFailedError(
      Number(description.args[0]),
      decoded ? { name: decoded.name, values: toValues(decoded) } : null,
      inner,
    );
  }
  if (name.startsWith("Policy") && !POLICY_CONFIG_ERRORS.has(name))
    return new PolicyViolationError(name, values);
  if (name === "WalletPaused") return new WalletPausedError(values);
  if (name === "AgentNotFound") return new UnknownAgentError(String(values.agent));
  if (name === "AgentInvalidStatus") {
    const status = AgentStatusName[Number(values.status)] ?? "none";
    if (status === "none") return new UnknownAgentError(String(values.agent));
    return new WalletError(name, values);
  }
  return new WalletError(name, values);
}

/**
 * Revert data inside an ethers error (CALL_EXCEPTION, or a JSON-RPC error carrying `data`) or a viem error
 * (its `cause` chain, `data`, or the bytes a bundler quoted in `details`).
 *
 * @example
 * const data = revertDataOf(caught); // "0x..." or null
 */
export function revertDataOf(error: unknown, depth = 0): string | null {
  if (!error || typeof error !== "object" || depth > 5) return null;
  const e = error as Record<string, unknown>;
  if (typeof e.data === "string" && /^0x[0-9a-fA-F]*$/.test(e.data) && e.data.length >= 10)
    return e.data;
  // viem's bundler errors carry a third-party bundler's revert bytes only in their text ("UserOperation
  // reverted during simulation with reason: 0x…"): taken when they decode to a known error.
  if (typeof e.details === "string")
    for (const match of e.details.matchAll(/0x[0-9a-fA-F]{8,}/g))
      if (decodeRevertData(match[0])) return match[0];
  for (const key of ["error", "info", "cause"]) {
    const nested = revertDataOf(e[key], depth + 1);
    if (nested) return nested;
  }
  return null;
}

/**
 * Turns anything thrown by ethers or the SDK into a `LeashError`: wallet custom errors from a revert
 * decode to their typed class; an unknown error becomes `ExecutionRevertedError` / `RelayerUnavailableError`
 * with a one-line message. `LeashError`s pass through.
 *
 * @example
 * try { await wallet.pause(); } catch (e) { throw toLeashError(e); }
 */
export function toLeashError(error: unknown): LeashError {
  if (error instanceof LeashError) return error;
  const data = revertDataOf(error);
  const decoded = decodeRevertData(data);
  if (decoded) return errorFromDescription(decoded, data ?? "0x");
  const e = (error ?? {}) as { code?: unknown; shortMessage?: unknown; message?: unknown };
  const message = String(e.shortMessage ?? e.message ?? error);
  if (e.code === "CALL_EXCEPTION") return new ExecutionRevertedError(message, data ?? undefined);
  if (e.code === "NETWORK_ERROR" || e.code === "TIMEOUT" || e.code === "SERVER_ERROR")
    return new RelayerUnavailableError(`node or relayer unreachable: ${clip(message, 200)}`);
  if (e.code === "INSUFFICIENT_FUNDS")
    return new ExecutionRevertedError(`insufficient funds for gas: ${clip(message, 200)}`);
  return new ExecutionRevertedError(
    clip(message.split("\n")[0] ?? message, 300),
    data ?? undefined,
  );
}

// ------------------------------------------------------------------------------------------------
// Relayer JSON-RPC errors

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

interface ExecutionData {
  reason?: string;
  rule?: string;
  /** The revert bytes, when the relayer's data is the decoded revert itself (owners' and guardians' actions). */
  data?: unknown;
  args?: Record<string, unknown>;
  revert?: { kind?: string; data?: string; reason?: string; inner?: { data?: string } };
}

/**
 * Maps a relayer JSON-RPC error object to the SDK's typed error. Policy violations keep the rule name
 * and get their values decoded (bigints) from the revert bytes the relayer returns.
 *
 * @example
 * throw errorFromRpc({ code: -32504, message: "throttled", data: { retryAfterMs: 500 } }); // RateLimitedError
 */
export function errorFromRpc(error: RpcErrorObject): LeashError {
  const message = clip(String(error.message ?? "relayer error"), 300);
  const data = (error.data ?? {}) as Record<string, unknown>;
  switch (error.code) {
    case -32521: {
      const exec = data as ExecutionData;
      const revertHex =
        exec.revert?.data ?? (typeof exec.data === "string" ? exec.data : undefined);
      const decoded = decodeRevertData(revertHex);
      if (decoded) return errorFromDescription(decoded, revertHex);
      if (exec.rule) {
        const values: ErrorValues = {};
        for (const [k, v] of Object.entries(exec.args ?? {})) values[k] = normalizeJsonArg(v);
        return new PolicyViolationError(exec.rule, values);
      }
      return new ExecutionRevertedError(exec.reason ?? message, revertHex);
    }
    case -32504:
      return new RateLimitedError(Number(data.retryAfterMs ?? 1000), message);
    case -32001:
    case -32002:
      return new UnauthorizedError(error.code, message);
    case -32507:
      return new SignatureError(message);
    case -32503:
      return new OutOfTimeRangeError(message);
    case -32500:
    case -32501: {
      const aa = /\b(AA\d\d)\b/.exec(message)?.[1] ?? null;
      if (aa === "AA25") return new PendingOperationError();
      const inner = (data as ExecutionData).revert?.inner?.data;
      const decoded = decodeRevertData(inner);
      if (decoded) return errorFromDescription(decoded, inner);
      return new ValidationError(message, aa);
    }
    case -32003:
      return new RelayerUnavailableError(message, Number(data.retryAfterMs ?? 1000));
    case -32602:
      if (/already pending|already known/.test(message)) return new PendingOperationError();
      return new RelayerRequestError(error.code, message, error.data);
    default:
      return new RelayerRequestError(error.code, message, error.data);
  }
}

function normalizeJsonArg(value: unknown): bigint | string | boolean {
  if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return BigInt(value);
  return typeof value === "string" ? value : JSON.stringify(value);
}

// ------------------------------------------------------------------------------------------------

const PROPOSAL_STATES = ["none", "pending", "queued", "executed", "cancelled"];
/** Error fields that are seconds since the epoch: shown with their UTC date as well. */
const TIME_VALUES = new Set([
  "eta",
  "expiresAt",
  "deadline",
  "earliest",
  "pausedAt",
  "validUntil",
  "validAfter",
]);

function describeError(name: string, values: ErrorValues): string {
  const parts = Object.entries(values).map(([k, v]) => describeErrorValue(name, k, v));
  return `${name}(${parts.join(", ")})`;
}

/**
 * One value of a wallet error as `key=value` for people: a proposal state or an agent status by name, a time
 * with its UTC date.
 *
 * @example
 * describeErrorValue("ProposalInvalidState", "state", 3n); // "state=executed"
 */
export function describeErrorValue(errorName: string, key: string, value: unknown): string {
  if (key === "state" && errorName.startsWith("Proposal") && typeof value === "bigint")
    return `${key}=${PROPOSAL_STATES[Number(value)] ?? String(value)}`;
  if (key === "status" && errorName.startsWith("Agent") && typeof value === "bigint")
    return `${key}=${AgentStatusName[Number(value)] ?? String(value)}`;
  if (TIME_VALUES.has(key) && typeof value === "bigint" && value > 0n && value < 1n << 40n)
    return `${key}=${value} (${new Date(Number(value) * 1000).toISOString().replace(".000Z", "Z")})`;
  return `${key}=${String(value)}`;
}

function clip(text: string, max = 100): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function jsonSafe(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = jsonSafe(v);
    return out;
  }
  return value;
}
