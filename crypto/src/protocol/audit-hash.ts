/**
 * The link of the server's audit hash chain, one definition for the server's store (which
 * builds and verifies the chain) and for the agents (which check the entries of their own
 * workspace before showing them, issue 13):
 * `hash = SHA-256(prevHash ‖ canonicalJson(entry))` over the raw 32-byte previous hash and
 * the entry's fields without its hashes.
 */
import { canonicalJson, fromHex, sha256, toHex, utf8 } from '../bytes';
import type { JsonValue } from '../bytes';
import type { DeviceRef } from '../types';

/** The fields of an entry the chain hashes. */
export interface AuditEntryContent {
  readonly seq: number;
  readonly at: number;
  readonly actor: DeviceRef | null;
  readonly action: string;
  readonly workspaceId?: string | null;
  readonly detail: Readonly<Record<string, string>>;
}

/** The canonical bytes of an entry's content (what the chain hashes after prevHash). */
function canonicalEntry(entry: AuditEntryContent): string {
  const detail: Record<string, JsonValue> = { ...entry.detail };
  return canonicalJson({
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor ? { userId: entry.actor.userId, deviceId: entry.actor.deviceId } : null,
    action: entry.action,
    workspaceId: entry.workspaceId ?? null,
    detail,
  });
}

/** Hex hash of `entry` chained onto `prevHash` (hex); throws RangeError on a malformed prevHash. */
export function auditEntryHash(prevHash: string, entry: AuditEntryContent): string {
  const prev = fromHex(prevHash);
  if (!prev || prev.byteLength !== 32) throw new RangeError('auditHash: prevHash must be 64 hex characters');
  return toHex(sha256(prev, utf8(canonicalEntry(entry))));
}
