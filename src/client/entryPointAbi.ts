/** The EntryPoint v0.8 ABI fragments the SDK and the relayer read (one copy; src/relayer/abi.ts re-exports it). */
import { Interface } from "ethers";

export const PACKED_OP =
  "tuple(address sender,uint256 nonce,bytes initCode,bytes callData,bytes32 accountGasLimits,uint256 preVerificationGas,bytes32 gasFees,bytes paymasterAndData,bytes signature)";

export const entryPointInterface = new Interface([
  `function handleOps(${PACKED_OP}[] ops, address beneficiary)`,
  `function getUserOpHash(${PACKED_OP} userOp) view returns (bytes32)`,
  "function getNonce(address sender, uint192 key) view returns (uint256)",
  "function balanceOf(address account) view returns (uint256)",
  "function senderCreator() view returns (address)",
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

export const USER_OPERATION_EVENT_TOPIC =
  entryPointInterface.getEvent("UserOperationEvent")!.topicHash;
export const USER_OPERATION_REVERT_REASON_TOPIC = entryPointInterface.getEvent(
  "UserOperationRevertReason",
)!.topicHash;
export const BEFORE_EXECUTION_TOPIC = entryPointInterface.getEvent("BeforeExecution")!.topicHash;
