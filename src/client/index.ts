/**
 * The Leash client SDK: `AgentClient` (agents spend under policy through the relayer), `OwnerClient` (owners
 * and guardians govern the wallet), `AuditClient` (history and reports from events), typed errors, amount
 * and address helpers, and `deployLeashStack` (EntryPoint + wallet stack through the Ignition modules).
 * See src/client/README.md.
 */
export * from "./core.js";
export * from "./viem/account.js";
export * from "./viem/outcome.js";
export * from "./viem/owner.js";
