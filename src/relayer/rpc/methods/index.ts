import type { RpcMethod } from "../types.js";
import { ethChainId } from "./ethChainId.js";
import { ethEstimateUserOperationGas } from "./ethEstimateUserOperationGas.js";
import { ethGetUserOperationByHash } from "./ethGetUserOperationByHash.js";
import { ethGetUserOperationReceipt } from "./ethGetUserOperationReceipt.js";
import { ethSendUserOperation } from "./ethSendUserOperation.js";
import { ethSupportedEntryPoints } from "./ethSupportedEntryPoints.js";
import { forwardedMethods } from "./forwardReadOnly.js";
import { leashGetUserOperationStatus } from "./leashGetUserOperationStatus.js";
import { leashExecuteProposal } from "./leashExecuteProposal.js";
import { leashListApprovals } from "./leashListApprovals.js";
import { leashPostApproval } from "./leashPostApproval.js";
import { leashSubmitGuardianAction } from "./leashSubmitGuardianAction.js";
import { leashSubmitSignedBatch } from "./leashSubmitSignedBatch.js";
import { leashWithdrawApproval } from "./leashWithdrawApproval.js";
import {
  leashAddWebhook,
  leashListWebhooks,
  leashRemoveWebhook,
  leashTestWebhook,
} from "./leashWebhooks.js";

const methods: RpcMethod[] = [
  ethChainId as RpcMethod,
  ethSupportedEntryPoints as RpcMethod,
  ethSendUserOperation as RpcMethod,
  ethEstimateUserOperationGas as RpcMethod,
  ethGetUserOperationByHash as RpcMethod,
  ethGetUserOperationReceipt as RpcMethod,
  leashGetUserOperationStatus as RpcMethod,
  leashSubmitGuardianAction as RpcMethod,
  leashSubmitSignedBatch as RpcMethod,
  leashPostApproval as RpcMethod,
  leashWithdrawApproval as RpcMethod,
  leashListApprovals as RpcMethod,
  leashExecuteProposal as RpcMethod,
  leashAddWebhook as RpcMethod,
  leashListWebhooks as RpcMethod,
  leashRemoveWebhook as RpcMethod,
  leashTestWebhook as RpcMethod,
  ...forwardedMethods,
];

export const methodRegistry: ReadonlyMap<string, RpcMethod> = new Map(
  methods.map((m) => [m.name, m]),
);
