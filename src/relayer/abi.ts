/** The ABI fragments of EntryPoint v0.8 and accounts the relayer speaks; nothing more. */
import { Interface } from "ethers";

import {
  PACKED_OP,
  entryPointInterface as sharedEntryPointInterface,
} from "../client/entryPointAbi.js";

export {
  BEFORE_EXECUTION_TOPIC,
  PACKED_OP,
  USER_OPERATION_EVENT_TOPIC,
  USER_OPERATION_REVERT_REASON_TOPIC,
} from "../client/entryPointAbi.js";

/** The SDK's EntryPoint fragments plus what only the relayer calls: bundle simulation through delegateAndRevert. */
export const entryPointInterface = new Interface([
  ...sharedEntryPointInterface.fragments,
  "function delegateAndRevert(address target, bytes data)",
  "error DelegateAndRevert(bool success, bytes ret)",
]);

export const accountInterface = new Interface([
  `function executeUserOp(${PACKED_OP} userOp, bytes32 userOpHash)`,
  `function validateUserOp(${PACKED_OP} userOp, bytes32 userOpHash, uint256 missingAccountFunds) returns (uint256)`,
  // SimpleAccount's own errors, so its reverts decode out of the box.
  "error ExecuteError(uint256 index, bytes innerError)",
  "error NotFromEntryPoint(address msgSender, address entity, address entryPoint)",
  // OpenZeppelin ECDSA errors (malformed signatures revert instead of failing validation).
  "error ECDSAInvalidSignature()",
  "error ECDSAInvalidSignatureLength(uint256 length)",
  "error ECDSAInvalidSignatureS(bytes32 s)",
]);

/** LeashBundleSimulator (contracts/relayer): run through `delegateAndRevert`, never deployed. */
export const bundleSimulatorInterface = new Interface([
  `function simulateBundle(${PACKED_OP}[] ops) returns (tuple(bool success, uint256 gasUsed, bytes revertData)[] results)`,
  `function simulateEach(${PACKED_OP}[] ops, address simulator) returns (bytes[] outcomes)`,
]);

/** `executeUserOp(PackedUserOperation,bytes32)` selector: the account wants the op and its hash. */
export const EXECUTE_USER_OP_SELECTOR = "0x8dd7712f";
