/**
 * The Leash client SDK: `AgentClient` (agents spend under policy through the relayer), `OwnerClient` (owners
 * and guardians govern the wallet), `AuditClient` (history and reports from events), typed errors, amount
 * and address helpers, and `deployLeashStack` (EntryPoint + wallet stack through the Ignition modules).
 * See src/client/README.md.
 */
export * from "./errors.js";
export * from "./units.js";
export * from "./policy.js";
export {
  MAX_CALLS,
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
export * from "./viem/account.js";
export * from "./viem/outcome.js";
export { agentWalletAbi, agentWalletFactoryAbi } from "./abi/generated.js";
