/** Public surface of the relayer for the CLI and SDK. */
export { startRelayer, type RunningRelayer } from "./relayer.js";
export { resolveConfig, type RelayerConfig, type RelayerConfigInput } from "./config.js";
export { openStore } from "./store/index.js";
export type { RelayerStore } from "./store/types.js";
export { verifyAuditLog, type AuditVerification } from "./audit.js";
export {
  createApiKey,
  listApiKeys,
  rotateApiKey,
  revokeApiKey,
  verifyApiKey,
} from "./auth/apiKeys.js";
