/**
 * `leash mcp` driven by the official MCP client over stdio, against a running `leash dev` stack (chain +
 * relayer + demo wallet: per-payment cap 1 ETH, approval above 0.25 ETH, merchant allowlisted): the tools are
 * listed with their schemas, a payment is paid, an over-cap one is an error result naming the rule, a large
 * one is escalated with its proposal id, and the session key never appears in any result.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Wallet } from "ethers";
import { cleanEnv, leashCommand, startDevStack, type DevStackProcess } from "./helpers.js";

describe("leash mcp (official MCP client over stdio)", function () {
  this.timeout(180_000);
  let stack: DevStackProcess;
  let client: Client;
  let merchant: string;
  let agentPrivateKey: string;
  const seen: string[] = [];

  const call = async (name: string, args: Record<string, unknown>): Promise<CallToolResult> => {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    seen.push(JSON.stringify(result));
    return result;
  };
  const textOf = (result: CallToolResult) =>
    result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");

  before(async () => {
    stack = await startDevStack();
    merchant = stack.config.demo.merchant;
    const config = JSON.parse(readFileSync(stack.configPath, "utf8")) as { agentKeystore: string };
    agentPrivateKey = (
      await Wallet.fromEncryptedJson(
        readFileSync(join(stack.stateDir, config.agentKeystore), "utf8"),
        "leash-dev",
      )
    ).privateKey;
    const { command, args } = leashCommand(["--config", stack.configPath, "mcp"]);
    const transport = new StdioClientTransport({
      command,
      args,
      cwd: stack.stateDir,
      env: cleanEnv({ LEASH_KEYSTORE_PASSWORD: "leash-dev" }) as Record<string, string>,
      stderr: "pipe",
    });
    client = new Client({ name: "leash-test-host", version: "1.0.0" });
    await client.connect(transport);
  });

  after(async () => {
    await client?.close();
    if (stack) await stack.stop();
  });

  it("lists pay, remaining and payment_status with JSON schemas and descriptions", async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect([...byName.keys()].sort()).to.deep.equal(["pay", "payment_status", "remaining"]);
    const pay = byName.get("pay")!;
    expect(pay.inputSchema.type).to.equal("object");
    expect(Object.keys(pay.inputSchema.properties ?? {}).sort()).to.deep.equal([
      "amount",
      "to",
      "token",
    ]);
    expect(pay.inputSchema.required).to.have.members(["to", "amount"]);
    expect(pay.description).to.contain("escalated");
    expect(byName.get("payment_status")!.inputSchema.required).to.deep.equal(["hash"]);
    for (const tool of tools) expect(tool.description!.length).to.be.greaterThan(80);
  });

  it("remaining shows the caps and the approval threshold", async () => {
    const result = await call("remaining", {});
    expect(result.isError ?? false).to.equal(false);
    expect(textOf(result)).to.contain("per payment: 1 ETH");
    expect(textOf(result)).to.contain("above 0.25 ETH");
    expect(result.structuredContent).to.deep.include({ perTx: "1", approvalAbove: "0.25" });
  });

  it("pays within policy: paid, and payment_status agrees", async () => {
    const result = await call("pay", { to: merchant, amount: "0.05" });
    expect(result.isError ?? false, textOf(result)).to.equal(false);
    expect(textOf(result)).to.match(/^Paid: 0.05 ETH to /);
    const structured = result.structuredContent as { status: string; userOpHash: string };
    expect(structured.status).to.equal("paid");
    const status = await call("payment_status", { hash: structured.userOpHash });
    expect((status.structuredContent as { status: string }).status).to.equal("paid");
  });

  it("an over-cap payment is an error result naming the rule and its values", async () => {
    const result = await call("pay", { to: merchant, amount: "5" });
    expect(result.isError).to.equal(true);
    const text = textOf(result);
    expect(text).to.contain("PolicyPerTxLimitExceeded");
    expect(text).to.contain("amount 5 ETH, cap 1 ETH");
    expect(text).to.contain('"rule":"PolicyPerTxLimitExceeded"');
  });

  it("a payment above the approval threshold is escalated, with its proposal id and how owners decide", async () => {
    const result = await call("pay", { to: merchant, amount: "0.5" });
    expect(result.isError ?? false, textOf(result)).to.equal(false);
    const structured = result.structuredContent as {
      status: string;
      proposalId: string;
      userOpHash: string;
    };
    expect(structured.status).to.equal("escalated");
    expect(textOf(result)).to.contain(`leash proposal approve ${structured.proposalId}`);
    expect(textOf(result)).to.contain("nothing moved");
    const status = await call("payment_status", { hash: structured.userOpHash });
    expect(status.structuredContent).to.deep.include({ status: "escalated", decision: "pending" });
  });

  it("refuses a zero payment, a bad address and an unknown hash without crashing the server", async () => {
    const zero = await call("pay", { to: merchant, amount: "0" });
    expect(zero.isError).to.equal(true);
    expect(textOf(zero)).to.contain("greater than zero");
    const badAddress = await call("pay", { to: "0x1234", amount: "0.01" });
    expect(badAddress.isError).to.equal(true);
    const stranger = await call("pay", { to: Wallet.createRandom().address, amount: "0.01" });
    expect(stranger.isError).to.equal(true);
    expect(textOf(stranger)).to.contain("PolicyRecipientNotAllowed");
    const unknown = await call("payment_status", { hash: `0x${"00".repeat(32)}` });
    expect(unknown.structuredContent).to.deep.include({ status: "unknown" });
    // Still serving.
    expect((await call("remaining", {})).isError ?? false).to.equal(false);
  });

  it("never shows the session key in any result", () => {
    expect(seen.length).to.be.greaterThan(8);
    const all = seen.join("\n").toLowerCase();
    expect(all).not.to.contain(agentPrivateKey.slice(2).toLowerCase());
  });
});
