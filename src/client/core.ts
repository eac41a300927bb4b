/**
 * The SDK without its viem adapter: what `index.ts` exports except `toLeashSmartAccount` and `paymentOutcome`.
 * The CLI imports this so a command that needs no viem doesn't load it (viem alone takes ~1 s to import).
 */
export * from "./errors.js";
export * from "./units.js";
export * from "./policy.js";
export {
  MAX_CALLS,
  agentCallData,
  encodeWalletCall,
  executeUserOpCallData,
  factoryContract,
  resolveCalls,
  walletContract,
  walletInterface,
  type Call,
  type ResolvedCall,
} from "./contracts.js";
export { RelayerRpc, RelayerProvider, type OperationStatus } from "./relayerRpc.js";
export * from "./agent.js";
export * from "./owner.js";
export * from "./signedActions.js";
export * from "./render.js";
export * from "./webhooks.js";
export * from "./audit.js";
export * from "./allowlist.js";
export * from "./passkey.js";
export {
  agentWalletAbi,
  agentWalletFactoryAbi,
  passkeyOwnerAbi,
  passkeyOwnerFactoryAbi,
  leashLensAbi,
} from "./abi/generated.js";
