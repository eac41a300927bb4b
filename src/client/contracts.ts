/**
 * Contract bindings and encodings shared by the clients: the wallet's interface (IAgentWallet), the factory,
 * the EntryPoint fragments we read, `Call` batches and user-op calldata (agents' and owners').
 */
import { AbiCoder, Contract, Interface, concat, isHexString, type ContractRunner } from "ethers";
import { agentWalletAbi, agentWalletFactoryAbi } from "./abi/generated.js";
import { InvalidArgumentError } from "./errors.js";
import { toAddress } from "./units.js";

/** One call the wallet makes. `value` in wei (default 0), `data` hex calldata (default "0x"). */
export interface Call {
  target: string;
  value?: bigint;
  data?: string;
}

/** A call with every field resolved, as the contracts take it. */
export interface ResolvedCall {
  target: string;
  value: bigint;
  data: string;
}

/** Most calls in one batch (the wallet's MAX_CALLS). */
export const MAX_CALLS = 32;

export const walletInterface = new Interface(agentWalletAbi);
export const factoryInterface = new Interface(agentWalletFactoryAbi);

/**
 * The wallet (IAgentWallet) as an ethers Contract over the bundled ABI; results are untyped at compile time
 * (the package ships no generated bindings), the SDK's own methods type what they return.
 */
export type WalletContract = Contract;
/** The factory as an ethers Contract over the bundled ABI. */
export type FactoryContract = Contract;

/** UUPS entry point of the wallet implementation (not part of IAgentWallet). */
export const upgradeInterface = new Interface([
  "function upgradeToAndCall(address newImplementation, bytes data) payable",
  "function proxiableUUID() view returns (bytes32)",
]);

export const erc20Interface = new Interface([
  "function transfer(address to, uint256 amount) returns (bool)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function balanceOf(address account) view returns (uint256)",
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
]);

export const entryPointReadInterface = new Interface([
  "function getNonce(address sender, uint192 key) view returns (uint256)",
  "function balanceOf(address account) view returns (uint256)",
  "function depositTo(address account) payable",
  "event UserOperationEvent(bytes32 indexed userOpHash, address indexed sender, address indexed paymaster, uint256 nonce, bool success, uint256 actualGasCost, uint256 actualGasUsed)",
]);

/**
 * The wallet (IAgentWallet) as an ethers Contract over the bundled ABI.
 *
 * @example
 * const paused = await walletContract(wallet, provider).paused();
 */
export function walletContract(address: string, runner: ContractRunner | null): WalletContract {
  return new Contract(address, walletInterface, runner);
}

/**
 * The factory as an ethers Contract over the bundled ABI.
 *
 * @example
 * const implementation = await factoryContract(factory, provider).implementation();
 */
export function factoryContract(address: string, runner: ContractRunner | null): FactoryContract {
  return new Contract(address, factoryInterface, runner);
}

/**
 * The EntryPoint fragments the SDK reads (nonces, deposits).
 *
 * @example
 * const nonce = await entryPointContract(entryPoint, provider).getFunction("getNonce")(wallet, 0n);
 */
export function entryPointContract(address: string, runner: ContractRunner | null): Contract {
  return new Contract(address, entryPointReadInterface, runner);
}

/**
 * Checks and fills a batch: checksummed targets, non-negative values, hex data, 1..32 calls.
 *
 * @example
 * resolveCalls([{ target: shop, value: 10n ** 17n }]) // [{ target: "0x…", value: 100000000000000000n, data: "0x" }]
 */
export function resolveCalls(calls: Call[]): ResolvedCall[] {
  if (!Array.isArray(calls) || calls.length === 0 || calls.length > MAX_CALLS)
    throw new InvalidArgumentError(`a batch needs between 1 and ${MAX_CALLS} calls`);
  return calls.map((call, i) => {
    const value = call.value ?? 0n;
    if (typeof value !== "bigint" || value < 0n)
      throw new InvalidArgumentError(`call ${i}: value must be a non-negative bigint (wei)`);
    const data = call.data ?? "0x";
    if (!isHexString(data) || data.length % 2 !== 0)
      throw new InvalidArgumentError(`call ${i}: data must be 0x-prefixed hex bytes`);
    return { target: toAddress(call.target, `call ${i} target`), value, data: data.toLowerCase() };
  });
}

/**
 * An agent's user-op callData: `executeAgentCall(key, target, value, data)` for one call (the cheaper form),
 * `executeAgentCalls(key, calls)` for a batch. `key` is the agent's session key, the op's nonce key: the wallet
 * accepts the op only when they are the same key and it signed.
 *
 * @example
 * const callData = agentCallData(sessionKey, resolveCalls([{ target: shop, value: 1n }]));
 */
export function agentCallData(key: string, calls: ResolvedCall[]): string {
  const agentKey = toAddress(key, "session key");
  if (calls.length === 1) {
    const [call] = calls;
    return walletInterface.encodeFunctionData("executeAgentCall", [
      agentKey,
      call!.target,
      call!.value,
      call!.data,
    ]);
  }
  return walletInterface.encodeFunctionData("executeAgentCalls", [
    agentKey,
    calls.map((c) => [c.target, c.value, c.data]),
  ]);
}

/**
 * `executeUserOp.selector ++ abi.encode(Call[])`: what the owners' user op (nonce key 0) carries.
 *
 * @example
 * const callData = executeUserOpCallData(resolveCalls([{ target: shop, value: 1n }]));
 */
export function executeUserOpCallData(calls: ResolvedCall[]): string {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["tuple(address target,uint256 value,bytes data)[]"],
    [calls.map((c) => [c.target, c.value, c.data])],
  );
  return concat([walletInterface.getFunction("executeUserOp")!.selector, encoded]);
}

/**
 * A self-call: the wallet calling one of its own management functions (through a proposal).
 *
 * @example
 * const call = selfCall(wallet, "pause", []);
 */
export function selfCall(wallet: string, fn: string, args: unknown[]): ResolvedCall {
  return { target: wallet, value: 0n, data: walletInterface.encodeFunctionData(fn, args) };
}

/**
 * Calldata of one of the wallet's management functions (e.g. for setupData at creation).
 *
 * @example
 * const data = encodeWalletCall("allowRecipient", [agent, shop]);
 */
export function encodeWalletCall(fn: string, args: unknown[]): string {
  return walletInterface.encodeFunctionData(fn, args);
}
