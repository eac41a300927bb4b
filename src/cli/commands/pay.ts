/**
 * `leash pay <to> <amount>`: the agent pays through the relayer under its policy. Exit 0 when
 * the payment executed or was escalated to the owners (both are the policy working), 3 when the
 * wallet or relayer refused it, with the rule and values named.
 */
import type { Command } from "commander";
import { CallFailedError, formatAmount, parseAmount } from "../../client/core.js";
import { agentClient } from "../clients.js";
import { action, type Ctx } from "../context.js";
import { parseAddress } from "../config.js";
import { CliError, EXIT, usageError } from "../errors.js";
import { rpcProvider } from "../providers.js";
import { renderFields } from "../output.js";
import { parseDuration } from "../units.js";

export function registerPay(program: Command): void {
  program
    .command("pay <to> <amount>")
    .description("pay as the agent (amount in ETH, or token units with --token)")
    .option("--token <address>", "pay an ERC-20 token instead of native currency")
    .option("--no-wait", "return once the relayer accepted the operation")
    .option("--timeout <duration>", "how long to wait for inclusion", "60s")
    .action(
      action(
        async (
          ctx,
          to: string,
          amount: string,
          opts: { token?: string; wait: boolean; timeout: string },
        ) => {
          const recipient = parseAddress(to, "recipient");
          // Refused before the keystore is decrypted: a zero payment moves nothing and only costs gas.
          if (/^\s*(0+(\.0*)?|\.0+)\s*$/.test(amount))
            throw usageError(
              "amount must be greater than zero (a zero payment moves nothing and only costs gas)",
            );
          const token = opts.token === undefined ? undefined : parseAddress(opts.token, "--token");
          const timeoutMs = parseDuration(opts.timeout) * 1000;
          const agent = await agentClient(ctx);
          const sent = await ctx.out.step(
            `sending ${amount} ${token ? `of ${token}` : "ETH"} to ${recipient}`,
            () =>
              (token
                ? agent.transferToken(token, recipient, amount)
                : agent.pay(recipient, amount)
              ).catch(async (error: unknown) => {
                if (!token) await explainUnfunded(ctx, agent.wallet, amount, error);
                throw error;
              }),
            (op) => `accepted by the relayer: ${op.userOpHash}`,
          );
          if (!opts.wait) {
            ctx.out.result(
              { status: "accepted", userOpHash: sent.userOpHash },
              () => `accepted: ${sent.userOpHash} (leash does not wait: --no-wait)`,
            );
            return;
          }
          const receipt = await ctx.out.step("waiting for inclusion", () =>
            sent.wait({ timeoutMs }),
          );
          ctx.out.result(receipt, () =>
            receipt.outcome === "escalated"
              ? renderFields([
                  ["outcome", "escalated: above the agent's approval threshold, nothing moved yet"],
                  ["proposal", receipt.proposalId],
                  ["next", `owners: leash proposal approve ${receipt.proposalId}`],
                  ["tx", receipt.transactionHash],
                ])
              : renderFields([
                  ["outcome", "executed"],
                  [
                    "paid",
                    token
                      ? `${amount} of token ${token} to ${recipient}`
                      : `${formatAmount(receipt.calls[0]?.amount ?? 0n, 18)} ETH to ${recipient}`,
                  ],
                  ["gas paid by wallet", `${formatAmount(receipt.actualGasCost, 18)} ETH`],
                  ["tx", receipt.transactionHash],
                ]),
          );
        },
      ),
    );
}

/**
 * A native payment whose call reverted without data: when the wallet's balance is below the amount, say so
 * (and how to fund it) instead of the generic "may lack the funds". Throws that error; returns otherwise.
 */
async function explainUnfunded(
  ctx: Ctx,
  wallet: string,
  amount: string,
  error: unknown,
): Promise<void> {
  if (!(error instanceof CallFailedError) || error.inner || !/^(0x)?$/.test(error.revertData))
    return;
  const balance = await (await rpcProvider(ctx)).getBalance(wallet).catch(() => null);
  const wanted = parseAmount(amount, 18);
  if (balance === null || balance >= wanted) return;
  throw new CliError(
    `wallet ${wallet} holds ${formatAmount(balance, 18)} ETH, less than the ${formatAmount(wanted, 18)} ETH this payment sends: fund the wallet (on a local chain: \`leash fund ${wallet} <amount>\`)`,
    EXIT.refused,
    { code: "WALLET_UNFUNDED", wallet, balance: balance.toString(), amount: wanted.toString() },
  );
}
