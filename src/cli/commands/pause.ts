/**
 * `leash pause` (one guardian or owner, at once) and `leash unpause` (owners' threshold; a loosening, so queued
 * for the admin delay, vetoable by any guardian, executable no earlier than the end of the minimum pause).
 */
import type { Command } from "commander";
import { walletInterface } from "../../client/core.js";
import { ownerClient, timeText } from "../clients.js";
import { action } from "../context.js";
import { batchOption, printSubmit, submitOrSign } from "./shared.js";

const unpauseData = walletInterface.encodeFunctionData("unpause", []);

export function registerPause(program: Command): void {
  program
    .command("pause")
    .description("stop every agent at once (any one guardian or owner)")
    .action(
      action(async (ctx) => {
        const client = await ownerClient(ctx);
        const result = await ctx.out.step("pausing the wallet", () => client.pause());
        printSubmit(ctx, result, "pause");
      }),
    );

  batchOption(
    program
      .command("unpause")
      .description(
        "queue lifting the pause (owners' threshold; executable after the admin delay and the minimum pause; " +
          "any guardian may veto it)",
      ),
  ).action(
    action(async (ctx, opts: { batch?: string }) => {
      const client = await ownerClient(ctx);
      const info = await client.info();
      if (info.paused) {
        const earliest = info.pausedAt + info.minPauseDuration;
        ctx.out.note(
          `paused since ${timeText(info.pausedAt)}; the minimum pause ends ${timeText(earliest)}; ` +
            "unpausing is a loosening: it is queued for the admin delay and any guardian may veto it",
        );
      }
      await submitOrSign(
        ctx,
        client,
        [{ target: client.wallet, value: 0n, data: unpauseData }],
        "unpause",
        opts.batch,
      );
    }),
  );
}
