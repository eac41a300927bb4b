/**
 * Reads audits/THREAT_MODEL.md: its threats (`### <ID> <title>` sections), their test references
 * (`` `path › test name` ``) and the SDK/CLI threats whose tests are still to be written (`TODO-SDK`), and the
 * test names each test file declares.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export const THREAT_MODEL = "audits/THREAT_MODEL.md";
export const PENDING_MARK = "TODO-SDK";
/** Directories whose arrival (the SDK/CLI merge) turns every pending reference into a failure. */
export const SDK_DIRS = ["src/client", "src/cli"];

export type Ref = { file: string; name: string };
export type Threat = { id: string; title: string; section: string; refs: Ref[]; pending: boolean };

/** Splits the document into threats; `section` is the `##` heading a threat sits under. */
export function parseThreatModel(markdown: string): Threat[] {
  const threats: Threat[] = [];
  let section = "";
  let current: Threat | null = null;
  for (const line of markdown.split("\n")) {
    const h2 = /^## (.+)$/.exec(line);
    if (h2) {
      section = h2[1].trim();
      current = null;
      continue;
    }
    const h3 = /^### ([A-Z]+-\d+) (.+)$/.exec(line);
    if (h3) {
      current = { id: h3[1], title: h3[2].trim(), section, refs: [], pending: false };
      threats.push(current);
      continue;
    }
    if (/^#{1,3} /.test(line)) {
      current = null;
      continue;
    }
    if (!current) continue;
    for (const m of line.matchAll(/`([^`]+?) › ([^`]+)`/g)) {
      current.refs.push({ file: m[1].trim(), name: m[2].trim() });
    }
    if (line.includes(PENDING_MARK)) current.pending = true;
  }
  return threats;
}

/** Every `file › name` reference anywhere in the document (threats, findings, appendices). */
export function allRefs(markdown: string): Ref[] {
  return [...markdown.matchAll(/`([^`]+?) › ([^`]+)`/g)].map((m) => ({
    file: m[1].trim(),
    name: m[2].trim(),
  }));
}

/**
 * The test names a file declares: mocha `it`/`describe` titles (template literals become patterns) and
 * Solidity `test*`/`invariant*` functions.
 */
export function testNames(source: string, file: string): (string | RegExp)[] {
  if (file.endsWith(".sol")) {
    return [...source.matchAll(/\bfunction\s+((?:test|invariant)\w*)\s*\(/g)].map((m) => m[1]);
  }
  const names: (string | RegExp)[] = [];
  for (const m of source.matchAll(/\b(?:it|describe)\s*\(\s*(["'`])((?:\\.|(?!\1)[^\\])*)\1/g)) {
    const [, quote, body] = m;
    if (quote === "`" && body.includes("${")) {
      const pattern = body
        .split(/\$\{[^}]*\}/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join(".+");
      names.push(new RegExp(`^${pattern}$`));
    } else {
      names.push(body.replace(/\\(["'`\\])/g, "$1"));
    }
  }
  return names;
}

/** Why a reference doesn't resolve, or null when the file declares that test. */
export function resolveRef(root: string, ref: Ref): string | null {
  const file = path.join(root, ref.file);
  if (!/^test\//.test(ref.file)) return `${ref.file}: not a test file under test/`;
  if (!existsSync(file)) return `${ref.file}: no such file`;
  const names = testNames(readFileSync(file, "utf8"), ref.file);
  const found = names.some((n) => (typeof n === "string" ? n === ref.name : n.test(ref.name)));
  return found ? null : `${ref.file}: no test named "${ref.name}"`;
}

export function sdkPresent(root: string): string[] {
  return SDK_DIRS.filter((d) => existsSync(path.join(root, d)));
}
