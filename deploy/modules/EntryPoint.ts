import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** ERC-4337 EntryPoint v0.8 for local chains (real chains already have the canonical deployment). */
export default buildModule("EntryPoint", (m) => {
  const entryPoint = m.contract("EntryPoint");
  return { entryPoint };
});
