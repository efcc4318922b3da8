/**
 * The audit log's hash chain, shared by both adapters:
 * `hash = SHA-256(prevHash ‖ canonicalJson(entry))` over the raw 32-byte previous hash
 * (32 zero bytes before the first entry) and the entry's fields without its hashes.
 * One global chain (not per workspace) so deleting or reordering any entry is visible.
 */
import { auditEntryHash } from '@yhteispoyta/crypto/protocol/audit-hash';
import type { AuditEntry, AuditVerification, NewAuditEntry } from './port';
import { ZERO_HASH_HEX } from './port';

/** Hex hash of entry `seq` chained onto `prevHash` (hex): crypto's one definition (agents check it too). */
function auditHash(prevHash: string, seq: number, entry: NewAuditEntry): string {
  return auditEntryHash(prevHash, { seq, at: entry.at, actor: entry.actor, action: entry.action, workspaceId: entry.workspaceId ?? null, detail: entry.detail });
}

/** Build the stored entry that follows `head` (null for an empty log). */
export function nextAuditEntry(head: { seq: number; hash: string } | null, entry: NewAuditEntry): AuditEntry {
  const seq = head ? head.seq + 1 : 1;
  const prevHash = head ? head.hash : ZERO_HASH_HEX;
  return { ...entry, seq, prevHash, hash: auditHash(prevHash, seq, entry) };
}

/**
 * Incremental verifier: feed entries in seq order, then read the verdict. Checks seq has
 * no holes, each prevHash links to the previous hash, and each hash is recomputed.
 */
export class AuditChainVerifier {
  private expectedSeq = 1;
  private prevHash = ZERO_HASH_HEX;
  private brokenAt: number | null = null;

  /** Check the next entry; returns false once the chain is broken. */
  add(entry: AuditEntry): boolean {
    if (this.brokenAt !== null) return false;
    const ok =
      entry.seq === this.expectedSeq &&
      entry.prevHash === this.prevHash &&
      entry.hash === auditHash(entry.prevHash, entry.seq, entry);
    if (!ok) {
      this.brokenAt = this.expectedSeq;
      return false;
    }
    this.expectedSeq += 1;
    this.prevHash = entry.hash;
    return true;
  }

  /** The verdict over everything added so far. */
  result(): AuditVerification {
    if (this.brokenAt !== null) return { ok: false, code: 'broken', seq: this.brokenAt };
    return { ok: true, entries: this.expectedSeq - 1 };
  }
}
