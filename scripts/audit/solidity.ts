/**
 * Parse-only Solidity ASTs (solc `stopAfter: "parsing"`: no imports resolved, no type checking), for the audit's
 * source checks: branch probes for coverage, the access-control check of the wallet's functions.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const solc = require("solc") as { compile(input: string): string };

export type AstNode = { nodeType: string; src: string; [key: string]: unknown };

/** The AST of one source file (parsing only). */
export function parseSolidity(sourceName: string, content: string): AstNode {
  const input = {
    language: "Solidity",
    sources: { [sourceName]: { content } },
    settings: { stopAfter: "parsing", outputSelection: { "*": { "": ["ast"] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    sources?: Record<string, { ast: AstNode }>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0 || !output.sources?.[sourceName]) {
    throw new Error(`${sourceName}: ${errors.map((e) => e.formattedMessage).join("\n")}`);
  }
  return output.sources[sourceName].ast;
}

/** Calls `visit` on every node (depth first, parents before children). */
export function walkAst(node: unknown, visit: (node: AstNode, parents: AstNode[]) => void): void {
  const go = (n: unknown, parents: AstNode[]) => {
    if (Array.isArray(n)) {
      for (const child of n) go(child, parents);
      return;
    }
    if (n === null || typeof n !== "object") return;
    const obj = n as Record<string, unknown>;
    const isNode = typeof obj.nodeType === "string";
    if (isNode) visit(obj as AstNode, parents);
    const next = isNode ? [...parents, obj as AstNode] : parents;
    for (const value of Object.values(obj)) if (value && typeof value === "object") go(value, next);
  };
  go(node, []);
}

/** `src` = "start:length:file" in bytes. */
export function srcRange(node: { src: string }): { start: number; end: number } {
  const [start, length] = node.src.split(":").map(Number);
  return { start, end: start + length };
}

/** The production Solidity sources: `contracts/` without `contracts/mocks/`, relative paths, sorted. */
export function productionSources(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir)).sort()) {
      const rel = path.join(dir, entry);
      if (statSync(path.join(root, rel)).isDirectory()) {
        // Mocks and the relayer's bundle simulator (never deployed: run by eth_call state override) are not
        // production code.
        if (rel !== path.join("contracts", "mocks") && rel !== path.join("contracts", "relayer"))
          walk(rel);
      } else if (entry.endsWith(".sol")) out.push(rel.split(path.sep).join("/"));
    }
  };
  walk("contracts");
  return out;
}

export function readSource(root: string, rel: string): string {
  return readFileSync(path.join(root, rel), "utf8");
}
