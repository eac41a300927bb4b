/**
 * Branch coverage on top of Hardhat's statement coverage. EDR instruments statements only (no branch data in
 * its lcov), and an `if` without `else` has no statement on its false side. So, in a copy of the project, every
 * such `if` gets an empty `else {}` block (on the same line: line numbers don't move); EDR instruments that
 * block like any statement, and a hit on it means the condition was false at least once.
 *
 * A branch point is one `if` of a production source with two outcomes: the true body ran, the false side (the
 * `else` body or the probe) ran. Ternaries and short-circuit operators are expressions, not statements, and
 * are not measured.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type AstNode, parseSolidity, srcRange, walkAst } from "./solidity.js";

const PROBE = " else {}";

export type BranchPoint = {
  /** 1-based line of the `if`. */
  line: number;
  /** Character ranges in the original source (UTF-16 indexes, as EDR and Hardhat use). */
  trueBody: { start: number; end: number };
  falseBody: { start: number; end: number } | null;
  /** Where the probe was inserted (original index) when there was no `else`. */
  probeAt: number | null;
};

export type ProbedSource = {
  original: string;
  transformed: string;
  branches: BranchPoint[];
  /** Insertions, ascending, in original indexes. */
  insertions: { at: number; text: string }[];
};

/** Maps solc byte offsets to string (UTF-16) indexes. */
function byteToIndex(content: string): (byte: number) => number {
  const map: number[] = [];
  let byte = 0;
  for (let i = 0; i < content.length; i++) {
    const code = content.codePointAt(i)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < size; k++) map[byte + k] = i;
    byte += size;
    if (code >= 0x10000) i++; // surrogate pair: one code point, two UTF-16 units
  }
  map[byte] = content.length;
  return (b) => {
    const i = map[b];
    if (i === undefined) throw new Error(`byte offset ${b} outside the source`);
    return i;
  };
}

function lineOf(content: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (content.charCodeAt(i) === 10) line++;
  return line;
}

/** Adds an empty `else {}` to every `if` that has none; lists every `if` as a branch point. */
export function addBranchProbes(sourceName: string, content: string): ProbedSource {
  const ast = parseSolidity(sourceName, content);
  const toIndex = byteToIndex(content);
  const branches: BranchPoint[] = [];
  const insertions: { at: number; text: string }[] = [];
  // A non-block body's src stops before its `;`: the statement really ends after it.
  const bodyRange = (body: AstNode) => {
    const { start, end } = srcRange(body);
    const range = { start: toIndex(start), end: toIndex(end) };
    if (body.nodeType !== "Block") {
      let i = range.end;
      while (i < content.length && /\s/.test(content[i])) i++;
      if (content[i] === ";") range.end = i + 1;
    }
    return range;
  };
  walkAst(ast, (node) => {
    if (node.nodeType !== "IfStatement") return;
    const trueBody = bodyRange(node.trueBody as AstNode);
    const falseBody = node.falseBody ? bodyRange(node.falseBody as AstNode) : null;
    const probeAt = falseBody ? null : trueBody.end;
    if (probeAt !== null) insertions.push({ at: probeAt, text: PROBE });
    branches.push({
      line: lineOf(content, toIndex(srcRange(node).start)),
      trueBody,
      falseBody,
      probeAt,
    });
  });
  insertions.sort((a, b) => a.at - b.at);
  let transformed = "";
  let cursor = 0;
  for (const ins of insertions) {
    transformed += content.slice(cursor, ins.at) + ins.text;
    cursor = ins.at;
  }
  transformed += content.slice(cursor);
  return { original: content, transformed, branches, insertions };
}

/** Maps an index of the transformed source to the original (an index inside a probe maps to its position). */
export function toOriginal(probed: ProbedSource, t: number): number {
  let shift = 0;
  for (const ins of probed.insertions) {
    const at = ins.at + shift;
    if (t < at) break;
    if (t < at + ins.text.length) return ins.at;
    shift += ins.text.length;
  }
  return t - shift;
}

/** The transformed index where insertion `k` begins. */
function insertionStart(probed: ProbedSource, k: number): number {
  let shift = 0;
  for (let i = 0; i < k; i++) shift += probed.insertions[i].text.length;
  return probed.insertions[k].at + shift;
}

export type Statement = { tag: string; start: number; end: number };

type EdrStatement = {
  tag: Uint8Array | Record<string, number>;
  kind: string;
  startUtf16: number;
  endUtf16: number;
};

const require = createRequire(import.meta.url);
// The EDR build Hardhat itself instruments with, so the tags match the ones its coverage run records.
const hardhatEntry = require.resolve("hardhat");
const edr = createRequire(hardhatEntry)("@nomicfoundation/edr") as {
  addStatementCoverageInstrumentation(
    source: string,
    sourceName: string,
    solcVersion: string,
  ): { source: string; metadata: EdrStatement[] };
};

/** EDR's statements of a source, as Hardhat's coverage instruments it (`project/<path>` source names). */
export function instrumentedStatements(
  relPath: string,
  content: string,
  solcVersion: string,
): Statement[] {
  const { metadata } = edr.addStatementCoverageInstrumentation(
    content,
    `project/${relPath}`,
    solcVersion,
  );
  return metadata
    .filter((m) => m.kind === "statement")
    .map((m) => ({
      tag: Buffer.from(Object.values(m.tag as Record<string, number>)).toString("hex"),
      start: m.startUtf16,
      end: m.endUtf16,
    }));
}

type ProcessCoverage = {
  getProcessedCoverageInfo(
    fileContent: string,
    metadata: { tag: string; startUtf16: number; endUtf16: number }[],
    hitTags: Set<string>,
  ): { lines: { executed: Map<number, unknown>; unexecuted: Map<number, unknown> } };
};

/** Hardhat's own executed/unexecuted line computation (internal module, same version as the run). */
export async function hardhatLineCoverage(): Promise<ProcessCoverage> {
  const dist = path.resolve(path.dirname(hardhatEntry), "internal/builtin-plugins/coverage");
  return (await import(
    pathToFileURL(path.join(dist, "process-coverage.js")).href
  )) as ProcessCoverage;
}

export type FileCoverage = {
  file: string;
  lines: { hit: number; total: number; uncovered: number[] };
  branches: { hit: number; total: number; uncovered: string[] };
};

/**
 * Line and branch coverage of one original source from the statements of its probed copy and the tags a
 * coverage run hit. Throws if the probed copy's statements don't map one-to-one onto the original's.
 */
export async function fileCoverage(
  file: string,
  probed: ProbedSource,
  solcVersion: string,
  hit: (tag: string) => boolean,
): Promise<FileCoverage> {
  const statements = instrumentedStatements(file, probed.transformed, solcVersion);
  const probeRanges = probed.insertions.map((ins, k) => {
    const start = insertionStart(probed, k);
    return { start, end: start + ins.text.length, at: ins.at };
  });
  // EDR's ranges carry leading and trailing blanks that differ once text is inserted: compare trimmed ranges.
  const trim = (text: string, s: { start: number; end: number }) => {
    let start = s.start;
    let end = s.end;
    while (start < end && /\s/.test(text[start])) start++;
    while (end > start && /\s/.test(text[end - 1])) end--;
    return { start, end };
  };
  const key = (r: { start: number; end: number }) => `${r.start}:${r.end}`;
  const probeOf = new Map<number, Statement>();
  const tagByRange = new Map<string, string>();
  for (const s of statements) {
    const t = trim(probed.transformed, s);
    const probe = probeRanges.find((r) => t.start >= r.start && t.end <= r.end);
    if (probe) {
      if (probeOf.has(probe.at)) throw new Error(`${file}: two statements in one probe`);
      probeOf.set(probe.at, s);
      continue;
    }
    const mappedKey = key({ start: toOriginal(probed, t.start), end: toOriginal(probed, t.end) });
    if (tagByRange.has(mappedKey)) throw new Error(`${file}: two statements at ${mappedKey}`);
    tagByRange.set(mappedKey, s.tag);
  }

  // The probes must not change what EDR sees in the original: every original statement is found, once.
  const originalStatements = instrumentedStatements(file, probed.original, solcVersion);
  if (originalStatements.length !== tagByRange.size) {
    throw new Error(`${file}: branch probes changed the number of instrumented statements`);
  }
  const runStatements = originalStatements.map((s) => {
    const tag = tagByRange.get(key(trim(probed.original, s)));
    if (!tag) throw new Error(`${file}: no probed statement for ${key(s)}`);
    return { tag, startUtf16: s.start, endUtf16: s.end };
  });

  const { getProcessedCoverageInfo } = await hardhatLineCoverage();
  const hitTags = new Set(runStatements.filter((s) => hit(s.tag)).map((s) => s.tag));
  const info = getProcessedCoverageInfo(probed.original, runStatements, hitTags);
  const uncoveredLines = [...info.lines.unexecuted.keys()].sort((x, y) => x - y);

  const bodyTag = (range: { start: number; end: number }, line: number) => {
    const tag = tagByRange.get(key(range));
    if (!tag) throw new Error(`${file}:${line}: no statement for the body at ${key(range)}`);
    return tag;
  };
  let branchHits = 0;
  const uncoveredBranches: string[] = [];
  for (const b of probed.branches) {
    const taken = hit(bodyTag(b.trueBody, b.line));
    let otherTag: string;
    if (b.falseBody) otherTag = bodyTag(b.falseBody, b.line);
    else {
      const probe = probeOf.get(b.probeAt!);
      if (!probe) throw new Error(`${file}:${b.line}: probe not instrumented`);
      otherTag = probe.tag;
    }
    const notTaken = hit(otherTag);
    branchHits += Number(taken) + Number(notTaken);
    if (!taken) uncoveredBranches.push(`${b.line}:true`);
    if (!notTaken) uncoveredBranches.push(`${b.line}:false`);
  }
  return {
    file,
    lines: {
      hit: info.lines.executed.size,
      total: info.lines.executed.size + info.lines.unexecuted.size,
      uncovered: uncoveredLines,
    },
    branches: { hit: branchHits, total: probed.branches.length * 2, uncovered: uncoveredBranches },
  };
}
