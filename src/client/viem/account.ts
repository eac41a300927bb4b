/**
 * `toLeashSmartAccount`: a Leash wallet as a viem `SmartAccount` (EntryPoint v0.8) driven by one agent's session
 * key, so viem's `createBundlerClient`, permissionless's `createSmartAccountClient` or any ERC-4337 bundler can
 * send its payments. The wallet's conventions, which a hand-written `toSmartAccount` easily gets wrong:
 * - nonce key = the session key's address (the agent's own 2D nonce lane; key 0 is the owners' lane);
 * - callData = `executeAgentCall(key, target, value, data)` for one call, `executeAgentCalls(key, calls)` for a
 *   batch, `key` being the session key (the wallet checks it is the op's nonce key);
 * - signature = the session key's 65-byte ECDSA signature of the userOpHash (the v0.8 EIP-712 digest);
 * - the stub signature is a well-formed ECDSA signature, so estimates run the same recovery as the real one.
 */
import {
  decodeFunctionData,
  encodeFunctionData,
  getAbiItem,
  getAddress,
  isAddressEqual,
  slice,
  toFunctionSelector,
  zeroAddress,
  type Address,
  type Hex,
  type LocalAccount,
} from "viem";
import {
  entryPoint08Abi,
  getUserOperationTypedData,
  toSmartAccount,
  type SmartAccount,
  type SmartAccountImplementation,
} from "viem/account-abstraction";
import { getChainId, getCode, readContract } from "viem/actions";
import { agentWalletAbi } from "../abi/generated.js";
import { InvalidArgumentError, UnknownAgentError, toLeashError } from "../errors.js";

/** The agent's two user-op entry points on the wallet: one call, and a batch. */
export const EXECUTE_AGENT_CALL_SELECTOR = toFunctionSelector(
  getAbiItem({ abi: agentWalletAbi, name: "executeAgentCall" }),
);
export const EXECUTE_AGENT_CALLS_SELECTOR = toFunctionSelector(
  getAbiItem({ abi: agentWalletAbi, name: "executeAgentCalls" }),
);

/** Most calls in one batch (the wallet's MAX_CALLS). */
const MAX_CALLS = 32;

/**
 * A fixed, well-formed ECDSA signature (a throwaway key's signature of the zero hash): estimation spends the
 * same recovery gas as the real signature, and the wallet answers SIG_VALIDATION_FAILED instead of reverting.
 */
export const LEASH_STUB_SIGNATURE: Hex =
  "0xe0a180fdd0fe38037cc878c03832861b40a29d32bd7b40b10c9e1efc8c1468a05ae06d1624896d0d29f4b31e32772ea3cb1b4d7ed4e077e5da28dcc33c0e78121c";

export interface ToLeashSmartAccountParameters {
  /** A viem public client on the wallet's chain (reads: entry point, agent record, nonces). */
  client: SmartAccountImplementation["client"];
  /** The Leash wallet's address. */
  address: Address;
  /** The agent's session key as a viem LocalAccount (e.g. `privateKeyToAccount(key)`); it never leaves it. */
  agent: LocalAccount;
}

export type LeashSmartAccountImplementation = SmartAccountImplementation<
  typeof entryPoint08Abi,
  "0.8",
  { agentKey: Address; wallet: Address }
>;
export type LeashSmartAccount = SmartAccount<LeashSmartAccountImplementation>;

/**
 * An agent's op callData: `executeAgentCall(key, target, value, data)` for one call,
 * `executeAgentCalls(key, calls)` for 2..32; `agentKey` is the session key (the op's nonce key).
 */
export function encodeLeashCalls(
  agentKey: Address,
  calls: readonly { to: Address; value?: bigint | undefined; data?: Hex | undefined }[],
): Hex {
  if (calls.length === 0 || calls.length > MAX_CALLS)
    throw new InvalidArgumentError(`a batch needs between 1 and ${MAX_CALLS} calls`);
  const key = getAddress(agentKey);
  const resolved = calls.map((c) => ({
    target: getAddress(c.to),
    value: c.value ?? 0n,
    data: c.data ?? ("0x" as Hex),
  }));
  if (resolved.length === 1) {
    const [call] = resolved;
    return encodeFunctionData({
      abi: agentWalletAbi,
      functionName: "executeAgentCall",
      args: [key, call!.target, call!.value, call!.data],
    });
  }
  return encodeFunctionData({
    abi: agentWalletAbi,
    functionName: "executeAgentCalls",
    args: [key, resolved],
  });
}

/** The session key and calls of a Leash agent op's callData (inverse of `encodeLeashCalls`). */
export function decodeLeashCalls(callData: Hex): {
  key: Address;
  calls: { to: Address; value: bigint; data: Hex }[];
} {
  const selector = callData.length >= 10 ? slice(callData, 0, 4).toLowerCase() : "";
  if (selector === EXECUTE_AGENT_CALL_SELECTOR || selector === EXECUTE_AGENT_CALLS_SELECTOR) {
    const decoded = decodeFunctionData({ abi: agentWalletAbi, data: callData });
    if (decoded.functionName === "executeAgentCall") {
      const [key, to, value, data] = decoded.args;
      return { key, calls: [{ to, value, data }] };
    }
    if (decoded.functionName === "executeAgentCalls") {
      const [key, calls] = decoded.args;
      return { key, calls: calls.map((c) => ({ to: c.target, value: c.value, data: c.data })) };
    }
  }
  throw new InvalidArgumentError("callData is not a Leash agent operation");
}

/**
 * The wallet as a viem SmartAccount for one agent.
 *
 * @example
 * const account = await toLeashSmartAccount({ client, address: wallet, agent: privateKeyToAccount(key) });
 * const bundler = createBundlerClient({ account, client, transport: http(relayerUrl) });
 * const hash = await bundler.sendUserOperation({ calls: [{ to: shop, value: parseEther("0.1") }] });
 */
export async function toLeashSmartAccount(
  parameters: ToLeashSmartAccountParameters,
): Promise<LeashSmartAccount> {
  const { client, agent } = parameters;
  if (!agent || agent.type !== "local" || typeof agent.signTypedData !== "function")
    throw new InvalidArgumentError("agent must be a viem LocalAccount holding the session key");
  let wallet: Address;
  try {
    wallet = getAddress(parameters.address);
  } catch {
    throw new InvalidArgumentError(`wallet ${String(parameters.address)} is not an address`);
  }
  const agentKey = getAddress(agent.address);

  const code = await getCode(client, { address: wallet });
  if (!code || code === "0x")
    throw new InvalidArgumentError(`no wallet deployed at ${wallet} on this chain`);
  let entryPointAddress: Address;
  let agentId: Address;
  try {
    [entryPointAddress, agentId] = await Promise.all([
      readContract(client, { address: wallet, abi: agentWalletAbi, functionName: "entryPoint" }),
      readContract(client, {
        address: wallet,
        abi: agentWalletAbi,
        functionName: "agentOfKey",
        args: [agentKey],
      }),
    ]);
  } catch (error) {
    throw toLeashError(error);
  }
  if (isAddressEqual(agentId, zeroAddress)) throw new UnknownAgentError(agentKey, wallet);
  const nonceKey = BigInt(agentKey);

  let chainId: number | undefined = client.chain?.id;
  const memoChainId = async () => (chainId ??= await getChainId(client));

  const refuse = (what: string): never => {
    throw new InvalidArgumentError(`the agent key signs only its own Leash operations: ${what}`);
  };

  return toSmartAccount({
    client,
    entryPoint: { abi: entryPoint08Abi, address: entryPointAddress, version: "0.8" },
    extend: { agentKey, wallet },
    // The nonce key is fixed (the agent's lane): viem's default key manager would pick a new lane per op.
    nonceKeyManager: {
      consume: async () => 0,
      get: async () => 0,
      increment: () => {},
      reset: () => {},
    },
    async getAddress() {
      return wallet;
    },
    async getFactoryArgs() {
      // Leash wallets are created by their owners (OwnerClient.createWallet), never by an agent's op.
      return { factory: undefined, factoryData: undefined };
    },
    async encodeCalls(calls) {
      return encodeLeashCalls(agentKey, calls);
    },
    async decodeCalls(callData) {
      return decodeLeashCalls(callData).calls;
    },
    async getNonce() {
      return readContract(client, {
        address: entryPointAddress,
        abi: entryPoint08Abi,
        functionName: "getNonce",
        args: [wallet, nonceKey],
      });
    },
    async getStubSignature() {
      return LEASH_STUB_SIGNATURE;
    },
    async signMessage() {
      throw new InvalidArgumentError(
        "a Leash agent key cannot sign messages for the wallet (ERC-1271 accepts only the owners)",
      );
    },
    async signTypedData() {
      throw new InvalidArgumentError(
        "a Leash agent key cannot sign typed data for the wallet (ERC-1271 accepts only the owners)",
      );
    },
    async signUserOperation(params) {
      const { chainId: given, ...userOperation } = params;
      // Deny by default: the session key signs only ops of this wallet, on its own lane, calling the agent's
      // entry points with its own key.
      const sender = userOperation.sender ?? wallet;
      if (!isAddressEqual(sender, wallet)) refuse(`sender ${sender} is not ${wallet}`);
      if (userOperation.nonce >> 64n !== nonceKey)
        refuse(`nonce key ${(userOperation.nonce >> 64n).toString(16)} is not the agent's`);
      let named: Address | undefined;
      try {
        named = decodeLeashCalls(userOperation.callData).key;
      } catch {
        refuse("callData does not call executeAgentCall or executeAgentCalls");
      }
      if (!isAddressEqual(named!, agentKey)) refuse(`callData names key ${named}, not the agent's`);
      if (userOperation.factory) refuse("an agent operation cannot deploy a wallet");
      if (userOperation.paymaster)
        refuse("agent operations pay gas from the wallet, not a paymaster");
      const typedData = getUserOperationTypedData({
        chainId: given ?? (await memoChainId()),
        entryPointAddress,
        userOperation: { ...userOperation, sender: wallet, signature: "0x" },
      });
      return agent.signTypedData(typedData);
    },
  }) as Promise<LeashSmartAccount>;
}
