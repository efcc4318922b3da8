/**
 * The audit log's hash chain, shared by both adapters:
 * `hash = SHA-256(prevHash ‖ canonicalJson(entry))` over the raw 32-byte previous hash
 * (32 zero bytes before the first entry) and the entry's fields without its hashes.
 * One global chain (not per workspace) so deleting or reordering any entry is visible.
 */
import { canonicalJson, fromHex, sha256, toHex, utf8 } from '@yhteispoyta/crypto/bytes';
import type { JsonValue } from '@yhteispoyta/crypto/bytes';
import type { AuditEntry, AuditVerification, NewAuditEntry } from './port';
import { ZERO_HASH_HEX } from './port';

/** The canonical bytes of an entry's content (what the chain hashes after prevHash). */
function canonicalEntry(seq: number, entry: NewAuditEntry): string {
  const detail: Record<string, JsonValue> = { ...entry.detail };
  return canonicalJson({
    seq,
    at: entry.at,
    actor: entry.actor ? { userId: entry.actor.userId, deviceId: entry.actor.deviceId } : null,
    action: entry.action,
    workspaceId: entry.workspaceId ?? null,
    detail,
  });
}

/** Hex hash of entry `seq` chained onto `prevHash` (hex). */
function auditHash(prevHash: string, seq: number, entry: NewAuditEntry): string {
  const prev = fromHex(prevHash);
  if (!prev || prev.byteLength !== 32) throw new RangeError('auditHash: prevHash must be 64 hex characters');
  return toHex(sha256(prev, utf8(canonicalEntry(seq, entry))));
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
