import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { CANONICAL_ENTRY_POINT_V08 } from "../deterministic.js";
import { addWalletStack } from "./LeashWallet.js";

/**
 * The wallet stack plus the EntryPoint as a contract of the result, for local chains. Run
 * `installLocalPrerequisites` (deploy/localChain.ts) first: it puts the CREATE2 deployer and the
 * canonical EntryPoint v0.8 on the chain (`leash dev` does).
 */
export default buildModule("LeashLocal", (m) => {
  const entryPoint = m.contractAt("EntryPoint", CANONICAL_ENTRY_POINT_V08);
  return { entryPoint, ...addWalletStack(m) };
});
