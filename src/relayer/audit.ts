/**
 * The audit log is hash-chained: row n stores prevHash = hash(n-1) and
 * hash = sha256(prevHash || canonical JSON of the row). Editing a row breaks its hash, deleting
 * one breaks the chain (seq gap or prevHash mismatch). Truncating the tail is only detectable
 * against a head recorded elsewhere, so `verifyAuditLog` returns the head for the operator to
 * anchor (e.g. print it daily to an external log).
 */
import { createHash } from "node:crypto";
import type { AuditRow, RelayerStore } from "./store/types.js";

export const AUDIT_GENESIS_HASH = "0x" + "00".repeat(32);

export function canonicalAuditPayload(row: Omit<AuditRow, "prevHash" | "hash">): string {
  // A fixed-order array: no key-order ambiguity, and detailJson is hashed byte-for-byte.
  return JSON.stringify([row.seq, row.at, row.event, row.opHash, row.sender, row.detailJson]);
}

export function auditRowHash(prevHash: string, row: Omit<AuditRow, "prevHash" | "hash">): string {
  return (
    "0x" + createHash("sha256").update(prevHash).update(canonicalAuditPayload(row)).digest("hex")
  );
}

export type AuditVerification =
  | { ok: true; rows: number; head: { seq: number; hash: string } }
  | { ok: false; rows: number; badSeq: number; problem: string };

export async function verifyAuditLog(
  store: RelayerStore,
  pageSize = 1000,
): Promise<AuditVerification> {
  let prevHash = AUDIT_GENESIS_HASH;
  let expectedSeq = 1;
  let rows = 0;
  for (;;) {
    const page = await store.readAudit(expectedSeq - 1, pageSize);
    if (page.length === 0) break;
    for (const row of page) {
      if (row.seq !== expectedSeq) {
        return { ok: false, rows, badSeq: expectedSeq, problem: `row ${expectedSeq} is missing` };
      }
      if (row.prevHash !== prevHash) {
        return {
          ok: false,
          rows,
          badSeq: row.seq,
          problem: "prevHash does not match the previous row",
        };
      }
      if (auditRowHash(prevHash, row) !== row.hash) {
        return { ok: false, rows, badSeq: row.seq, problem: "row content does not match its hash" };
      }
      prevHash = row.hash;
      expectedSeq++;
      rows++;
    }
  }
  return { ok: true, rows, head: { seq: expectedSeq - 1, hash: prevHash } };
}
