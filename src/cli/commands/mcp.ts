/**
 * `leash mcp`: serves the agent's `pay`, `remaining` and `payment_status` tools to an MCP host (Claude
 * Desktop, an IDE, an agent framework) over stdio. Configured like every command (.leash/config.json, flags,
 * env); the agent keystore is decrypted once at start (LEASH_KEYSTORE_PASSWORD) and the key stays in this
 * process. stdout carries the protocol only: nothing else may be printed there.
 */
import type { Command } from "commander";
import { agentClient } from "../clients.js";
import { action } from "../context.js";
import { parseDuration } from "../units.js";

export function registerMcp(program: Command): void {
  program
    .command("mcp")
    .description("serve the agent's pay / remaining / payment_status tools to an MCP host (stdio)")
    .option("--timeout <duration>", "how long pay waits for inclusion", "60s")
    .action(
      action(async (ctx, opts: { timeout: string }) => {
        const waitMs = parseDuration(opts.timeout) * 1000;
        const agent = await agentClient(ctx);
        // Fail at start, not at the first tool call: unknown key, wrong wallet, unreachable relayer.
        const info = await agent.info();
        // Loaded here, not at CLI start: the MCP SDK is only needed by this command.
        const { StdioServerTransport } = await import("@modelcontextprotocol/sdk/server/stdio.js");
        const { createLeashMcpServer } = await import("../mcp.js");
        const server = createLeashMcpServer(agent, { waitMs });
        const transport = new StdioServerTransport();
        await server.connect(transport);
        // The host ends the session by closing our stdin (or the transport closes on error).
        const closed = new Promise<void>((resolve) => {
          server.server.onclose = resolve;
          process.stdin.once("end", resolve);
        });
        process.stderr.write(
          `leash mcp: serving agent ${info.agent} of wallet ${agent.wallet} on stdio\n`,
        );
        await closed;
        await server.close();
      }),
    );
}
