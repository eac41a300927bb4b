/**
 * `leash fund <address> <amount>`: gives test ETH to an account on a local chain (Hardhat node or
 * anvil, chain id 31337 or 1337), by raising its balance with the node's dev method. Refused on any
 * other chain: there, ETH comes from a faucet or a transfer.
 */
import type { Command } from "commander";
import { addBalance } from "../../../deploy/localChain.js";
import { formatAmount, parseAmount } from "../../client/core.js";
import { action } from "../context.js";
import { need, parseAddress } from "../config.js";
import { usageError } from "../errors.js";
import { rpcProvider } from "../providers.js";

const LOCAL_CHAIN_IDS = new Set([31337n, 1337n]);

export function registerFund(program: Command): void {
  program
    .command("fund")
    .description("give test ETH to an address on a local chain (chain id 31337 or 1337)")
    .argument("<address>", "the account to fund")
    .argument("<amount>", "ETH to add, e.g. 1.5")
    .action(
      action(async (ctx, addressText: string, amountText: string) => {
        const address = parseAddress(addressText, "address");
        let amount: bigint;
        try {
          amount = parseAmount(amountText, 18);
        } catch (error) {
          throw usageError((error as Error).message);
        }
        if (amount === 0n) throw usageError("amount must be more than 0");
        const provider = await rpcProvider(ctx);
        const { chainId } = await provider.getNetwork();
        if (!LOCAL_CHAIN_IDS.has(chainId))
          throw usageError(
            `leash fund only works on a local chain (chain id 31337 or 1337); this is chain ${chainId}`,
          );
        const url = need(ctx.settings.rpcUrl, "RPC URL", "pass --rpc-url");
        const balance = await ctx.out.step(`funding ${address}`, () =>
          addBalance(url, address, amount),
        );
        ctx.out.result(
          { address, added: amount.toString(), balance: balance.toString() },
          () =>
            `${address}: +${formatAmount(amount, 18)} ETH, balance ${formatAmount(balance, 18)} ETH`,
        );
      }),
    );
}
