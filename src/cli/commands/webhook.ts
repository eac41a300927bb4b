/**
 * `leash webhook add|list|remove|test`: an owner manages the wallet's webhooks in the relayer. Deliveries
 * are signed: `Leash-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`; accept them within
 * 300 s and process each `Leash-Event-Id` once (`verifyWebhook` in the SDK does the check).
 */
import type { Command } from "commander";
import { ownerClient } from "../clients.js";
import { action } from "../context.js";
import { usageError } from "../errors.js";

export function registerWebhook(program: Command): void {
  const webhook = program
    .command("webhook")
    .description(
      "webhooks for the wallet's events (escalations, proposals, pause): owners, via the relayer",
    );

  webhook
    .command("add <url>")
    .description("add an endpoint; prints its signing secret once")
    .action(
      action(async (ctx, url: string) => {
        if (!/^https?:\/\//.test(url)) throw usageError(`webhook URL must be http(s): ${url}`);
        const client = await ownerClient(ctx);
        const added = await ctx.out.step("adding webhook", () => client.addWebhook(url));
        ctx.out.result(added, () =>
          [
            `webhook ${added.id} -> ${added.url}`,
            `secret ${added.secret}`,
            "keep the secret: it is shown only now. Verify each delivery's Leash-Signature with it (verifyWebhook).",
          ].join("\n"),
        );
      }),
    );

  webhook
    .command("list")
    .description("the wallet's endpoints and their deliveries")
    .action(
      action(async (ctx) => {
        const client = await ownerClient(ctx);
        const list = await client.webhooks();
        ctx.out.result(list, () =>
          ctx.out.table(
            ["id", "url", "delivered", "pending", "failed"],
            list.map((w) => [
              w.id,
              w.url,
              w.deliveries.filter((d) => d.status === "delivered").length,
              w.deliveries.filter((d) => d.status === "pending").length,
              w.deliveries.filter((d) => d.status === "failed").length,
            ]),
          ),
        );
      }),
    );

  webhook
    .command("remove <id>")
    .description("remove an endpoint (nothing more is delivered to it)")
    .action(
      action(async (ctx, id: string) => {
        if (!/^[0-9a-f]{16}$/.test(id)) throw usageError(`not a webhook id: ${id}`);
        const client = await ownerClient(ctx);
        const { removed } = await client.removeWebhook(id);
        if (!removed) throw usageError(`no webhook ${id} for wallet ${client.wallet}`);
        ctx.out.result({ id, removed }, () => `webhook ${id} removed`);
      }),
    );

  webhook
    .command("test")
    .description("send a webhook.test event to every endpoint of the wallet")
    .action(
      action(async (ctx) => {
        const client = await ownerClient(ctx);
        const sent = await client.testWebhook();
        ctx.out.result(sent, () => `test event ${sent.eventId} queued for delivery`);
      }),
    );
}
