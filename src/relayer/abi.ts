/** The ABI fragments of EntryPoint v0.8 and accounts the relayer speaks; nothing more. */
import { Interface } from "ethers";

import { PACKED_OP } from "../client/entryPointAbi.js";

export {
  BEFORE_EXECUTION_TOPIC,
  USER_OPERATION_EVENT_TOPIC,
  USER_OPERATION_REVERT_REASON_TOPIC,
  entryPointInterface,
} from "../client/entryPointAbi.js";

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

/** `executeUserOp(PackedUserOperation,bytes32)` selector: the account wants the op and its hash. */
export const EXECUTE_USER_OP_SELECTOR = "0x8dd7712f";
