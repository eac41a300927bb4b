/** `leash agent add|list|suspend|resume|rotate|revoke`. */
import type { Command } from "commander";
import type { AgentSetup } from "../../client/core.js";
import { amountText, ownerClient, readerClient, timeText } from "../clients.js";
import { action } from "../context.js";
import { parseAddress } from "../config.js";
import { CliError, EXIT } from "../errors.js";
import { parseIntOption, parseTime } from "../units.js";
import {
  batchOption,
  collect,
  limitOptions,
  limitsFrom,
  printSubmit,
  submitOrSign,
  type LimitOptions,
} from "./shared.js";

interface AddOptions extends LimitOptions {
  recipient: string[];
  maxOpCost?: string;
  gasPerDay?: string;
  maxOpsPerHour?: string;
  maxOpsPerDay?: string;
  minSecondsBetween?: string;
  validAfter?: string;
  validUntil?: string;
  batch?: string;
}

export function registerAgent(program: Command): void {
  const agent = program.command("agent").description("the wallet's agents (session keys)");

  batchOption(
    limitOptions(
      agent
        .command("add <key>")
        .description("add an agent with its policy (a loosening: waits the admin delay)")
        .option("--recipient <address>", "a recipient the agent may pay (repeat)", collect, [])
        .option("--max-op-cost <eth>", "most gas (in ETH) one operation may cost the wallet")
        .option(
          "--gas-per-day <eth>",
          'most gas (in ETH) the agent\'s ops may cost the wallet per day (default 10 x max op cost; "unlimited" for none)',
        )
        .option("--max-ops-per-hour <n>", "velocity cap (0 = none)")
        .option("--max-ops-per-day <n>", "velocity cap (0 = none)")
        .option("--min-seconds-between <n>", "minimum seconds between operations")
        .option("--valid-after <time>", "key valid from (ISO time or unix seconds)")
        .option("--valid-until <time>", "key valid until (ISO time or unix seconds)"),
    ),
  ).action(
    action(async (ctx, key: string, opts: AddOptions) => {
      const setup: AgentSetup = {
        key: parseAddress(key, "agent key"),
        validAfter: opts.validAfter ? parseTime(opts.validAfter) : undefined,
        validUntil: opts.validUntil ? parseTime(opts.validUntil) : undefined,
        rules: {
          maxOpCost: opts.maxOpCost,
          gasPerDay: opts.gasPerDay,
          maxOpsPerHour: opt(opts.maxOpsPerHour, "--max-ops-per-hour", 0xffff),
          maxOpsPerDay: opt(opts.maxOpsPerDay, "--max-ops-per-day", 0xffff),
          minSecondsBetweenOps: opt(opts.minSecondsBetween, "--min-seconds-between", 0xffffffff),
        },
        limits: { [opts.asset]: limitsFrom(opts) },
        recipients: opts.recipient.map((r) => parseAddress(r, "--recipient")),
      };
      const client = await ownerClient(ctx);
      await submitOrSign(ctx, client, await client.calls.addAgent(setup), "add agent", opts.batch);
    }),
  );

  agent
    .command("list")
    .description("every agent ever added, with its status")
    .action(
      action(async (ctx) => {
        const client = await readerClient(ctx);
        const agents = await client.agents();
        ctx.out.result(agents, () =>
          ctx.out.table(
            ["agent", "key", "status", "valid from", "valid until", "max op cost"],
            agents.map((a) => [
              a.agent,
              a.key === a.agent ? "(same)" : a.key,
              a.status,
              timeText(a.validAfter),
              timeText(a.validUntil),
              amountText(a.rules.maxOpCost),
            ]),
          ),
        );
      }),
    );

  for (const [name, text] of [
    ["suspend", "suspend an agent at once (one guardian or owner)"],
    ["revoke", "revoke an agent for good (one guardian or owner)"],
  ] as const) {
    agent
      .command(`${name} <agent>`)
      .description(text)
      .action(
        action(async (ctx, who: string) => {
          const address = parseAddress(who, "agent");
          const client = await ownerClient(ctx);
          await client.agent(address); // unknown agent: a clear error before any transaction
          const result = await ctx.out.step(`${name} agent ${address}`, () =>
            name === "suspend" ? client.suspendAgent(address) : client.revokeAgent(address),
          );
          printSubmit(ctx, result, `${name} agent`);
        }),
      );
  }

  batchOption(
    agent
      .command("resume <agent>")
      .description("resume a suspended agent (owners; waits the admin delay)"),
  ).action(
    action(async (ctx, who: string, opts: { batch?: string }) => {
      const address = parseAddress(who, "agent");
      const client = await ownerClient(ctx);
      const info = await client.agent(address);
      // The wallet would only refuse at execution, after the admin delay: say it now.
      if (info.status !== "suspended")
        throw new CliError(
          `agent ${info.agent} is ${info.status}: only a suspended agent can be resumed`,
          EXIT.refused,
        );
      await submitOrSign(
        ctx,
        client,
        client.calls.resumeAgent(info.agent),
        "resume agent",
        opts.batch,
      );
    }),
  );

  batchOption(
    agent
      .command("rotate <agent> <newKey>")
      .description("give an agent a new session key, keeping its policy and counters (timelocked)"),
  ).action(
    action(async (ctx, who: string, newKey: string, opts: { batch?: string }) => {
      const address = parseAddress(who, "agent");
      const key = parseAddress(newKey, "new key");
      const client = await ownerClient(ctx);
      await client.agent(address);
      await submitOrSign(
        ctx,
        client,
        client.calls.rotateAgentKey(address, key),
        "rotate agent key",
        opts.batch,
      );
    }),
  );
}

function opt(value: string | undefined, what: string, max: number): number | undefined {
  return value === undefined ? undefined : parseIntOption(value, what, max);
}
