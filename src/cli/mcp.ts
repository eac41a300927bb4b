/**
 * The Leash MCP server: tools an LLM agent calls to pay under its wallet's policy (`pay`, `remaining`,
 * `payment_status`). The session key stays inside the AgentClient (a private field of this process); no tool
 * takes or returns it. Every outcome is explicit: paid, escalated to the owners (with the proposal id and how
 * they decide), or refused (`isError: true`, naming the wallet's rule and its values).
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { ZeroAddress } from "ethers";
import { z } from "zod";
import {
  PolicyViolationError,
  TimeoutError,
  WalletError,
  formatAmount,
  toLeashError,
  type AgentClient,
  type OperationReceipt,
  type Remaining,
} from "../client/core.js";
import { toJson } from "./output.js";

export interface LeashMcpOptions {
  /** How long `pay` waits for inclusion before answering "submitted" (default 60 s). */
  waitMs?: number;
  /** Server version reported to the host. */
  version?: string;
}

const ADDRESS = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte hex address")
  .describe("0x-prefixed address (EIP-55 checksum or all lowercase)");

const OWNERS_DECIDE = (id: bigint) =>
  `The wallet's owners decide: they approve it (\`leash proposal approve ${id}\`, ` +
  `then it is paid, after the wallet's delay if it has one) or cancel it (\`leash proposal cancel ${id}\`); ` +
  `unapproved, it expires. Do not send the payment again: check it later with payment_status.`;

function text(value: string, structured?: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: "text", text: value }],
    ...(structured ? { structuredContent: JSON.parse(toJson(structured, 0)) } : {}),
  };
}

/** A refusal or failure as an MCP tool error: the message names the rule and values, never a key. */
function failure(error: unknown): CallToolResult {
  const leash = toLeashError(error);
  const lines = [`Refused: ${leash.message}`];
  const details: Record<string, unknown> = { code: leash.code };
  if (leash instanceof WalletError) {
    details.rule = leash.errorName;
    details.values = leash.values;
    const human = describeValues(leash.values);
    if (human) lines.push(human);
  }
  if (leash instanceof PolicyViolationError)
    lines.push(
      "This is the wallet's spending policy (set by its owners), not a temporary error: " +
        "retrying the same payment will be refused again. Use the remaining tool to see what is allowed.",
    );
  return {
    isError: true,
    content: [
      { type: "text", text: lines.join("\n") },
      { type: "text", text: toJson(details, 0) },
    ],
  };
}

/** Native amounts in a policy error's values, in ETH (tokens stay in base units: decimals unknown here). */
function describeValues(values: Record<string, unknown>): string | null {
  if (values.asset !== ZeroAddress) return null;
  const parts: string[] = [];
  for (const key of ["amount", "cap", "spent", "remaining", "maxValue"])
    if (typeof values[key] === "bigint")
      parts.push(`${key} ${formatAmount(values[key] as bigint, 18)} ETH`);
  return parts.length ? `In ETH: ${parts.join(", ")}.` : null;
}

function describeReceipt(
  receipt: OperationReceipt,
  what: string,
): { message: string; structured: Record<string, unknown> } {
  if (receipt.outcome === "escalated") {
    const id = receipt.proposalId!;
    return {
      message:
        `Not paid yet: ${what} is above this agent's approval threshold, so the wallet opened proposal ${id} ` +
        `for its owners instead of paying (nothing moved). ${OWNERS_DECIDE(id)}`,
      structured: {
        status: "escalated",
        proposalId: id,
        userOpHash: receipt.userOpHash,
        transactionHash: receipt.transactionHash,
      },
    };
  }
  return {
    message: `Paid: ${what}. Transaction ${receipt.transactionHash}.`,
    structured: {
      status: "paid",
      userOpHash: receipt.userOpHash,
      transactionHash: receipt.transactionHash,
      calls: receipt.calls,
      gasPaidWei: receipt.actualGasCost,
    },
  };
}

function remainingText(r: Remaining): { message: string; structured: Record<string, unknown> } {
  const unit = r.asset === ZeroAddress ? "ETH" : r.symbol || r.asset;
  const fmt = (v: bigint | null) =>
    v === null ? "no cap" : `${formatAmount(v, r.decimals)} ${unit}`;
  const message = [
    `What this agent may still spend of ${unit}${r.asset === ZeroAddress ? "" : ` (${r.asset})`}:`,
    `- per payment: ${fmt(r.perTx)}`,
    `- today: ${fmt(r.daily)}; this week: ${fmt(r.weekly)}; this month: ${fmt(r.monthly)}`,
    r.approvalAbove === null
      ? "- payments within these limits execute at once (no approval threshold)."
      : `- a payment above ${fmt(r.approvalAbove)} is not paid at once but escalated to the owners for approval.`,
  ].join("\n");
  const human = (v: bigint | null) => (v === null ? null : formatAmount(v, r.decimals));
  return {
    message,
    structured: {
      asset: r.asset,
      symbol: unit,
      decimals: r.decimals,
      perTx: human(r.perTx),
      daily: human(r.daily),
      weekly: human(r.weekly),
      monthly: human(r.monthly),
      approvalAbove: human(r.approvalAbove),
    },
  };
}

/**
 * An MCP server exposing one agent of one wallet. Connect it to a transport (`StdioServerTransport`).
 *
 * @example
 * const server = createLeashMcpServer(agentClient);
 * await server.connect(new StdioServerTransport());
 */
export function createLeashMcpServer(agent: AgentClient, options: LeashMcpOptions = {}): McpServer {
  const waitMs = options.waitMs ?? 60_000;
  const server = new McpServer({ name: "leash", version: options.version ?? "0.1.0" });

  server.registerTool(
    "pay",
    {
      title: "Pay from the Leash wallet",
      description:
        "Pay `amount` to `to` from the Leash smart wallet, under the spending policy its owners set " +
        "(per-payment and daily/weekly/monthly caps, allowed recipients). Native currency (ETH) by default; " +
        'pass `token` (an ERC-20 address) to pay that token. `amount` is in human units, e.g. "0.25". ' +
        "Waits for the payment to be on chain and says which outcome happened: paid; escalated (above the " +
        "approval threshold: the owners must approve, nothing moved yet, do not retry); or refused " +
        "(isError, naming the policy rule and its values). Call `remaining` first if unsure.",
      inputSchema: {
        to: ADDRESS.describe("the recipient's address (must be one the policy allows)"),
        amount: z
          .string()
          .regex(/^\d+(\.\d+)?$/, "a positive decimal number like 0.25")
          .describe('amount in human units of the asset, e.g. "0.25" (ETH) or "12.5" (token)'),
        token: ADDRESS.optional().describe(
          "ERC-20 token address to pay in; omit for native currency (ETH)",
        ),
      },
      annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async ({ to, amount, token }) => {
      try {
        const sent = token
          ? await agent.transferToken(token, to, amount)
          : await agent.pay(to, amount);
        const what = `${amount} ${token ? `of token ${token}` : "ETH"} to ${to}`;
        let receipt: OperationReceipt;
        try {
          receipt = await sent.wait({ timeoutMs: waitMs });
        } catch (error) {
          if (!(error instanceof TimeoutError)) throw error;
          return text(
            `Submitted but not on chain yet after ${Math.round(waitMs / 1000)} s: ${what}. ` +
              `Do not pay again: check it with payment_status (hash ${sent.userOpHash}).`,
            { status: "submitted", userOpHash: sent.userOpHash },
          );
        }
        const { message, structured } = describeReceipt(receipt, what);
        return text(message, structured);
      } catch (error) {
        return failure(error);
      }
    },
  );

  server.registerTool(
    "remaining",
    {
      title: "What the agent may still spend",
      description:
        "How much this agent may still spend right now under the wallet's policy: per payment, today, this " +
        'week and this month (each the lower of the agent\'s and the wallet-wide caps; "no cap" when ' +
        "unlimited), and the approval threshold above which a payment is escalated to the owners instead " +
        "of being paid. Native currency (ETH) by default; pass `token` for an ERC-20.",
      inputSchema: {
        token: ADDRESS.optional().describe("ERC-20 token address; omit for native currency (ETH)"),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ token }) => {
      try {
        const { message, structured } = remainingText(await agent.remaining(token ?? "native"));
        return text(message, structured);
      } catch (error) {
        return failure(error);
      }
    },
  );

  server.registerTool(
    "payment_status",
    {
      title: "Status of a payment",
      description:
        "Where a payment sent with `pay` stands, by its user operation hash (userOpHash from pay's " +
        "result): pending, paid, refused/failed (with the rule), or escalated (with the owners' decision " +
        "so far: awaiting approval, approved and paid, cancelled, or expired).",
      inputSchema: {
        hash: z
          .string()
          .regex(/^0x[0-9a-fA-F]{64}$/, "a 0x-prefixed 32-byte hex hash")
          .describe("the userOpHash returned by pay"),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ hash }) => {
      try {
        const status = await agent.status(hash);
        if (!status)
          return text(`Unknown payment: the relayer has no operation ${hash}.`, {
            status: "unknown",
            userOpHash: hash,
          });
        if (status.status === "received" || status.status === "submitted")
          return text(`Pending: the payment was accepted and is waiting to be included on chain.`, {
            status: "pending",
            userOpHash: hash,
          });
        // Included, failed or dropped: the receipt (or its decoded error) says what happened.
        const receipt = await agent.waitForReceipt(hash, { timeoutMs: 10_000 });
        const { message, structured } = describeReceipt(receipt, "the payment");
        if (receipt.outcome !== "escalated") return text(message, structured);
        const id = receipt.proposalId!;
        try {
          const { decision } = await agent.waitForDecision(id, { timeoutMs: 0 });
          const said = {
            executed: `The owners approved proposal ${id}: the payment was made.`,
            cancelled: `The owners cancelled proposal ${id}: the payment will not be made.`,
            expired: `Proposal ${id} expired without the owners' approval: the payment will not be made.`,
          }[decision];
          return text(said, { ...structured, decision });
        } catch (error) {
          if (!(error instanceof TimeoutError)) throw error;
          return text(
            `Escalated, awaiting the owners' decision on proposal ${id}. ${OWNERS_DECIDE(id)}`,
            {
              ...structured,
              decision: "pending",
            },
          );
        }
      } catch (error) {
        return failure(error);
      }
    },
  );

  return server;
}
