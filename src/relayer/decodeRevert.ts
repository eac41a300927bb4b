/**
 * Turns revert bytes into something a client can act on. Wallet policy errors (the Leash
 * wallet's custom errors, passed in as ABI fragments) decode to `{ rule, args }`; EntryPoint
 * errors decode with their AA reason; anything unknown is returned as raw bytes.
 */
import { Interface, type ErrorDescription, type InterfaceAbi } from "ethers";
import { accountInterface, entryPointInterface } from "./abi.js";

export type DecodedRevert =
  | { kind: "custom"; rule: string; args: Record<string, unknown>; data: string }
  | { kind: "error"; reason: string; data: string }
  | { kind: "panic"; code: string; data: string }
  | {
      kind: "entryPoint";
      rule: string;
      opIndex: number;
      reason: string;
      inner?: DecodedRevert;
      data: string;
    }
  | { kind: "unknown"; data: string };

// Revert payloads come from contracts we do not control: bound what we decode and return.
const MAX_REVERT_HEX = 2 + 2 * 4096;
const MAX_NESTING = 3;

function jsonSafe(value: unknown, depth = 0): unknown {
  if (depth > 4) return "[depth]";
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.slice(0, 32).map((v) => jsonSafe(v, depth + 1));
  return value;
}

function namedArgs(description: ErrorDescription): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  description.fragment.inputs.forEach((input, index) => {
    args[input.name || String(index)] = jsonSafe(description.args[index]);
  });
  return args;
}

export class RevertDecoder {
  private readonly interfaces: Interface[];

  constructor(walletErrors: InterfaceAbi | Interface | undefined = undefined) {
    const wallet =
      walletErrors === undefined
        ? []
        : [walletErrors instanceof Interface ? walletErrors : new Interface(walletErrors)];
    this.interfaces = [...wallet, accountInterface];
  }

  decode(data: string | undefined | null, depth = 0): DecodedRevert {
    const hex = (data ?? "0x").toLowerCase();
    if (!/^0x([0-9a-f]{2})*$/.test(hex) || hex.length > MAX_REVERT_HEX) {
      return { kind: "unknown", data: hex.slice(0, 2 + 2 * 256) };
    }
    if (hex.length < 10) return { kind: "unknown", data: hex };
    try {
      const epError = entryPointInterface.parseError(hex);
      if (epError && (epError.name === "FailedOp" || epError.name === "FailedOpWithRevert")) {
        const reason = String(epError.args[1]);
        const inner =
          epError.name === "FailedOpWithRevert" && depth < MAX_NESTING
            ? this.decode(String(epError.args[2]), depth + 1)
            : undefined;
        return {
          kind: "entryPoint",
          rule: epError.name,
          opIndex: Number(epError.args[0]),
          reason,
          ...(inner ? { inner } : {}),
          data: hex,
        };
      }
    } catch {
      // not an EntryPoint error; try the others
    }
    for (const iface of this.interfaces) {
      let description: ErrorDescription | null = null;
      try {
        description = iface.parseError(hex);
      } catch {
        description = null;
      }
      if (!description) continue;
      if (description.name === "Error") {
        return { kind: "error", reason: String(description.args[0]), data: hex };
      }
      if (description.name === "Panic") {
        return { kind: "panic", code: "0x" + BigInt(description.args[0]).toString(16), data: hex };
      }
      // SimpleAccount batch errors wrap the inner revert: surface the inner rule.
      if (description.name === "ExecuteError" && depth < MAX_NESTING) {
        const inner = this.decode(String(description.args[1]), depth + 1);
        if (inner.kind !== "unknown") return inner;
      }
      return { kind: "custom", rule: description.name, args: namedArgs(description), data: hex };
    }
    return { kind: "unknown", data: hex };
  }

  /** A one-line human summary for logs, status and error messages. */
  describe(decoded: DecodedRevert): string {
    switch (decoded.kind) {
      case "custom":
        return `${decoded.rule}(${Object.entries(decoded.args)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(", ")})`;
      case "error":
        return decoded.reason;
      case "panic":
        return `panic ${decoded.code}`;
      case "entryPoint":
        return decoded.inner
          ? `${decoded.reason}: ${this.describe(decoded.inner)}`
          : decoded.reason;
      case "unknown":
        return decoded.data === "0x"
          ? "reverted without reason"
          : `reverted with ${decoded.data.slice(0, 74)}`;
    }
  }
}
