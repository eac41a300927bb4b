/**
 * `leash pay <to> <amount>`: the agent pays through the relayer under its policy. Exit 0 when
 * the payment executed or was escalated to the owners (both are the policy working), 3 when the
 * wallet or relayer refused it, with the rule and values named.
 */
import type { Command } from "commander";
import { formatAmount } from "../../client/core.js";
import { agentClient } from "../clients.js";
import { action } from "../context.js";
import { parseAddress } from "../config.js";
import { usageError } from "../errors.js";
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
              token ? agent.transferToken(token, recipient, amount) : agent.pay(recipient, amount),
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
