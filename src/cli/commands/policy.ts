/**
 * `leash policy show|set|tighten`: an agent's limits for one asset. `set` may loosen (it waits the
 * admin delay); `tighten` only lowers and runs as soon as the owners approve. Limits not given on
 * the command line keep their current value, so `--daily 1` changes just the daily cap.
 */
import type { Command } from "commander";
import {
  readAllowlist,
  UNLIMITED_GAS,
  type AllowedCall,
  type AssetLimitsInput,
  type Call,
  type OwnerClient,
} from "../../client/core.js";
import {
  amountText,
  ownerClient,
  readerClient,
  rpcProvider,
  timeText,
  walletAddress,
} from "../clients.js";
import { action } from "../context.js";
import { parseAddress } from "../config.js";
import { usageError } from "../errors.js";
import { renderFields } from "../output.js";
import {
  batchOption,
  collect,
  limitOptions,
  limitsFrom,
  submitOrSign,
  type LimitOptions,
} from "./shared.js";

async function mergedLimits(
  client: OwnerClient,
  agent: string,
  opts: LimitOptions,
): Promise<AssetLimitsInput> {
  const current = (await client.policy(agent, opts.asset)).limits;
  return { ...current, ...limitsFrom(opts) };
}

export function registerPolicy(program: Command): void {
  const policy = program.command("policy").description("an agent's spending policy");

  policy
    .command("show <agent>")
    .description("limits, spent and remaining per window for one asset")
    .option("--asset <asset>", "native, or an ERC-20 address", "native")
    .action(
      action(async (ctx, who: string, opts: { asset: string }) => {
        const agent = parseAddress(who, "agent");
        const client = await readerClient(ctx);
        const info = await client.agent(agent); // unknown agent → clear error
        const [p, allowlist] = await Promise.all([
          client.policy(info.agent, opts.asset),
          readAllowlist(walletAddress(ctx), await rpcProvider(ctx), info.agent),
        ]);
        const fmt = (v: bigint, zero = "no cap") => amountText(v, p.decimals, p.symbol, zero);
        const callLine = (c: AllowedCall) =>
          `${c.target} ${c.selector} (max value ${amountText(c.maxValue, 18, "ETH", "0")}, ${
            c.expiresAt === 0n ? "no expiry" : `expires ${timeText(Number(c.expiresAt))}`
          })`;
        const result = {
          ...p,
          status: info.status,
          rules: info.rules,
          recipients: allowlist.recipients,
          calls: allowlist.calls,
        };
        ctx.out.result(result, () =>
          [
            renderFields([
              ["agent", `${p.agent} (${info.status})`],
              [
                "asset",
                p.asset === "0x0000000000000000000000000000000000000000"
                  ? "native (ETH)"
                  : `${p.symbol} ${p.asset}`,
              ],
              ["enabled", p.enabled ? "yes" : "no (the agent may not move this asset)"],
              ["approval above", fmt(p.limits.approvalAbove, "never escalates")],
              ["max op cost", amountText(info.rules.maxOpCost)],
              [
                "gas per day",
                info.rules.gasPerDay === UNLIMITED_GAS
                  ? "unlimited"
                  : amountText(info.rules.gasPerDay),
              ],
              [
                "recipients",
                allowlist.recipients.length === 0
                  ? "none (the agent can't pay anyone)"
                  : allowlist.recipients.join("\n"),
              ],
              [
                "allowed calls",
                allowlist.calls.length === 0 ? "none" : allowlist.calls.map(callLine).join("\n"),
              ],
            ]),
            "",
            ctx.out.table(
              ["window", "cap", "spent", "remaining"],
              [
                ["per tx", fmt(p.limits.perTx), "-", fmt(p.remaining.perTx)],
                ["daily", fmt(p.limits.daily), fmt(p.spent.daily, "0"), fmt(p.remaining.daily)],
                ["weekly", fmt(p.limits.weekly), fmt(p.spent.weekly, "0"), fmt(p.remaining.weekly)],
                [
                  "monthly",
                  fmt(p.limits.monthly),
                  fmt(p.spent.monthly, "0"),
                  fmt(p.remaining.monthly),
                ],
              ],
            ),
          ].join("\n"),
        );
      }),
    );

  registerPolicyChange(policy, {
    verb: "set",
    description:
      "set limits (may loosen: waits the admin delay); unspecified limits keep their value",
    recipientFlag: "allow-recipient",
    recipientHelp: "also allow paying this recipient (repeat)",
    limitsCalls: (client, agent, asset, limits) =>
      client.calls.setAssetLimits(agent, asset, limits),
    recipientCalls: (client, agent, recipient) => client.calls.allowRecipient(agent, recipient),
  });
  registerPolicyChange(policy, {
    verb: "tighten",
    description: "lower limits (runs as soon as the owners approve; refused if any value loosens)",
    recipientFlag: "remove-recipient",
    recipientHelp: "stop allowing this recipient (repeat)",
    limitsCalls: (client, agent, asset, limits) =>
      client.calls.tightenAssetLimits(agent, asset, limits),
    recipientCalls: (client, agent, recipient) => client.calls.removeRecipient(agent, recipient),
  });
}

/** `policy set` and `policy tighten` differ only in the wallet functions they call. */
interface PolicyChange {
  verb: "set" | "tighten";
  description: string;
  recipientFlag: "allow-recipient" | "remove-recipient";
  recipientHelp: string;
  limitsCalls(
    client: OwnerClient,
    agent: string,
    asset: string,
    limits: AssetLimitsInput,
  ): Promise<Call[]>;
  recipientCalls(client: OwnerClient, agent: string, recipient: string): Call[];
}

function registerPolicyChange(policy: Command, change: PolicyChange): void {
  const recipientsKey = change.verb === "set" ? "allowRecipient" : "removeRecipient";
  batchOption(
    limitOptions(
      policy
        .command(`${change.verb} <agent>`)
        .description(change.description)
        .option(`--${change.recipientFlag} <address>`, change.recipientHelp, collect, []),
    ),
  ).action(
    action(
      async (
        ctx,
        who: string,
        opts: LimitOptions & {
          allowRecipient?: string[];
          removeRecipient?: string[];
          batch?: string;
        },
      ) => {
        const agent = parseAddress(who, "agent");
        const recipients = (opts[recipientsKey] ?? []).map((r) =>
          parseAddress(r, `--${change.recipientFlag}`),
        );
        const client = await ownerClient(ctx);
        const info = await client.agent(agent);
        const calls: Call[] = [];
        if (Object.keys(limitsFrom(opts)).length > 0)
          calls.push(
            ...(await change.limitsCalls(
              client,
              info.agent,
              opts.asset,
              await mergedLimits(client, info.agent, opts),
            )),
          );
        for (const r of recipients) calls.push(...change.recipientCalls(client, info.agent, r));
        if (calls.length === 0)
          throw usageError(`nothing to ${change.verb}: give a limit or --${change.recipientFlag}`);
        await submitOrSign(ctx, client, calls, `${change.verb} policy`, opts.batch);
      },
    ),
  );
}
