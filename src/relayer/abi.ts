/** The ABI fragments of EntryPoint v0.8 and accounts the relayer speaks; nothing more. */
import { Interface } from "ethers";

export const PACKED_OP =
  "tuple(address sender,uint256 nonce,bytes initCode,bytes callData,bytes32 accountGasLimits,uint256 preVerificationGas,bytes32 gasFees,bytes paymasterAndData,bytes signature)";

export const entryPointInterface = new Interface([
  `function handleOps(${PACKED_OP}[] ops, address beneficiary)`,
  `function getUserOpHash(${PACKED_OP} userOp) view returns (bytes32)`,
  "function getNonce(address sender, uint192 key) view returns (uint256)",
  "function balanceOf(address account) view returns (uint256)",
  "function senderCreator() view returns (address)",
  "function delegateAndRevert(address target, bytes data)",
  "error DelegateAndRevert(bool success, bytes ret)",
  "event UserOperationEvent(bytes32 indexed userOpHash, address indexed sender, address indexed paymaster, uint256 nonce, bool success, uint256 actualGasCost, uint256 actualGasUsed)",
  "event UserOperationRevertReason(bytes32 indexed userOpHash, address indexed sender, uint256 nonce, bytes revertReason)",
  "event PostOpRevertReason(bytes32 indexed userOpHash, address indexed sender, uint256 nonce, bytes revertReason)",
  "event AccountDeployed(bytes32 indexed userOpHash, address indexed sender, address factory, address paymaster)",
  "event BeforeExecution()",
  "error FailedOp(uint256 opIndex, string reason)",
  "error FailedOpWithRevert(uint256 opIndex, string reason, bytes inner)",
  "error PostOpReverted(bytes returnData)",
  "error SignatureValidationFailed(address aggregator)",
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
]);

/** `executeUserOp(PackedUserOperation,bytes32)` selector: the account wants the op and its hash. */
export const EXECUTE_USER_OP_SELECTOR = "0x8dd7712f";

export const USER_OPERATION_EVENT_TOPIC =
  entryPointInterface.getEvent("UserOperationEvent")!.topicHash;
export const USER_OPERATION_REVERT_REASON_TOPIC = entryPointInterface.getEvent(
  "UserOperationRevertReason",
)!.topicHash;
export const BEFORE_EXECUTION_TOPIC = entryPointInterface.getEvent("BeforeExecution")!.topicHash;
