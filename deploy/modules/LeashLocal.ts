import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import EntryPointModule from "./EntryPoint.js";
import { addWalletStack } from "./LeashWallet.js";

/** Everything for a local chain: a fresh EntryPoint v0.8, then the wallet stack on it. */
export default buildModule("LeashLocal", (m) => {
  const { entryPoint } = m.useModule(EntryPointModule);
  return { entryPoint, ...addWalletStack(m, entryPoint) };
});
