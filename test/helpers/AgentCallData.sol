// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAgentWalletCore} from "../../contracts/interfaces/IAgentWalletCore.sol";
import {Call} from "../../contracts/interfaces/LeashTypes.sol";

/// @dev An agent's user-op callData, as the SDK builds it: `executeAgentCall` for one call, `executeAgentCalls`
/// for any other count, naming the agent's session key `key` (the op's nonce key).
function agentCallData(address key, Call[] memory calls) pure returns (bytes memory) {
    if (calls.length == 1) {
        return
            abi.encodeCall(
                IAgentWalletCore.executeAgentCall,
                (key, calls[0].target, calls[0].value, calls[0].data)
            );
    }
    return abi.encodeCall(IAgentWalletCore.executeAgentCalls, (key, calls));
}
