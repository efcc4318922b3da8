/**
 * The agent's own check of its workspace's slice of the server's audit log before it is
 * shown (issue 13). The server keeps one global hash chain; a workspace's entries are a
 * subsequence of it, so the agent can check:
 * - every entry's hash is SHA-256(prevHash ‖ canonical entry) (crypto's one definition):
 *   an entry changed in the store without recomputing the chain no longer matches;
 * - seqs strictly increase, and two entries with adjacent seqs link (prevHash = hash before);
 * - entries this device was shown before are shown again unchanged (pinned per session):
 *   a history rewritten between two views is caught.
 * What it cannot check: entries of its workspace left out between two others whose seqs are
 * not adjacent (the gap holds other workspaces' entries it may not read), nor a server that
 * rebuilds the whole chain before anyone looked. A broken check is a typed result the view shows.
 */
import { auditEntryHash } from '@yhteispoyta/crypto/protocol/audit-hash';
import type { AuditEntry } from '@yhteispoyta/crypto/protocol';

/** Why the slice did not check out; `seq` is the first entry at fault. */
export type AuditIntegrity =
  | { readonly ok: true; readonly entries: number }
  | { readonly ok: false; readonly seq: number; readonly reason: 'hash_mismatch' | 'missing_link' | 'out_of_order' | 'broken_link' | 'rewritten' | 'removed' };

/** Pins what one device has been shown of each workspace's log (seq → hash), for this session. */
export class AuditPins {
  readonly #seen = new Map<string, Map<number, string>>();

  /** Check `entries` (oldest first) of `workspaceId`; on success, pin them. */
  check(workspaceId: string, entries: readonly AuditEntry[]): AuditIntegrity {
    const verdict = checkSlice(entries, this.#seen.get(workspaceId));
    if (verdict.ok) {
      const pinned = this.#seen.get(workspaceId) ?? new Map<number, string>();
      for (const e of entries) pinned.set(e.seq, e.hash);
      this.#seen.set(workspaceId, pinned);
    }
    return verdict;
  }
}

function checkSlice(entries: readonly AuditEntry[], pinned: ReadonlyMap<number, string> | undefined): AuditIntegrity {
  let previous: AuditEntry | undefined;
  for (const entry of entries) {
    if (entry.prevHash === undefined) return { ok: false, seq: entry.seq, reason: 'missing_link' };
    let recomputed: string;
    try {
      recomputed = auditEntryHash(entry.prevHash, entry);
    } catch {
      return { ok: false, seq: entry.seq, reason: 'missing_link' };
    }
    if (recomputed !== entry.hash) return { ok: false, seq: entry.seq, reason: 'hash_mismatch' };
    if (previous !== undefined) {
      if (entry.seq <= previous.seq) return { ok: false, seq: entry.seq, reason: 'out_of_order' };
      if (entry.seq === previous.seq + 1 && entry.prevHash !== previous.hash) return { ok: false, seq: entry.seq, reason: 'broken_link' };
    }
    const seen = pinned?.get(entry.seq);
    if (seen !== undefined && seen !== entry.hash) return { ok: false, seq: entry.seq, reason: 'rewritten' };
    previous = entry;
  }
  // An entry shown before, inside the range shown now, must still be there.
  if (pinned !== undefined && entries.length > 0) {
    const first = entries[0]?.seq ?? 0;
    const last = entries.at(-1)?.seq ?? 0;
    const shown = new Set(entries.map((e) => e.seq));
    for (const seq of pinned.keys()) if (seq >= first && seq <= last && !shown.has(seq)) return { ok: false, seq, reason: 'removed' };
  }
  return { ok: true, entries: entries.length };
}
