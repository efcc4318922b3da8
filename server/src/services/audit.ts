/**
 * The audit log as the services write and members read it (docs/design.md §7): who (device) did
 * what on which workspace, when, hash-chained by the store. Details are short facts
 * (ids, counts, types) and never carry secrets or ciphertext: keys that name one are
 * dropped here, whatever a caller passes.
 */
import {
  ID_PATTERN,
  MAX_AUDIT_DETAIL_CHARS,
  MAX_AUDIT_DETAIL_ENTRIES,
  auditActionSchema,
  detailKeySchema,
} from '@yhteispoyta/crypto/protocol';
import type { AuditAction, AuditEntry as WireAuditEntry, AuditVerificationResponse } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import type { AuditEntry as StoredAuditEntry } from '../store/port';

/** What a service records: the acting device (null for admin or anonymous), the action, where, and short facts. */
export interface AuditRecord {
  readonly actor: DeviceRef | null;
  readonly action: AuditAction;
  readonly workspaceId?: string;
  readonly detail?: Record<string, string>;
}

/**
 * Detail keys that would name a secret or ciphertext. Services never pass them; the
 * filter makes that a property of the audit log instead of a habit of its callers.
 */
const SECRET_KEYS = new Set([
  'token', 'code', 'nonce', 'signature', 'ciphertext', 'body', 'identitykey', 'prekeys', 'secret', 'password',
  'authorization', 'message', 'bytes', 'key',
]);

/** The detail as stored: bounded, well-formed keys, no secret-named keys, values cut to length. */
export function sanitizeAuditDetail(detail: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (detail === undefined) return out;
  let entries = 0;
  for (const [key, value] of Object.entries(detail)) {
    if (entries >= MAX_AUDIT_DETAIL_ENTRIES) break;
    if (!detailKeySchema.safeParse(key).success || SECRET_KEYS.has(key.toLowerCase())) continue;
    if (typeof value !== 'string') continue;
    out[key] = value.slice(0, MAX_AUDIT_DETAIL_CHARS);
    entries += 1;
  }
  return out;
}

/**
 * Append one entry to the audit chain. A workspace id that is not a well-formed id is
 * left out rather than stored (it could only come from a hostile request). Rejects
 * only when the store itself fails.
 */
export async function recordAudit(
  ctx: Needs<'audit', 'now'>,
  entry: { actor: DeviceRef | null; action: AuditAction; workspaceId?: string; detail?: Record<string, string> },
): Promise<void> {
  const workspaceId = entry.workspaceId !== undefined && ID_PATTERN.test(entry.workspaceId) ? entry.workspaceId : undefined;
  await ctx.store.audit.appendAudit({
    at: ctx.now(),
    actor: entry.actor === null ? null : { userId: entry.actor.userId, deviceId: entry.actor.deviceId },
    action: entry.action,
    ...(workspaceId === undefined ? {} : { workspaceId }),
    detail: sanitizeAuditDetail(entry.detail),
  });
}

/**
 * {@link recordAudit} for paths that must not fail because of the audit write (recording
 * a denial while answering it): a store failure is logged, not thrown.
 */
export async function recordAuditSafely(ctx: Needs<'audit', 'now' | 'log'>, entry: AuditRecord): Promise<void> {
  try {
    await recordAudit(ctx, entry);
  } catch (error) {
    ctx.log.error({ err: error, action: entry.action }, 'audit write failed');
  }
}

/** Filter of {@link queryWorkspaceAudit}; `to` is inclusive as in the REST query. */
export interface WorkspaceAuditQuery {
  readonly from?: number;
  readonly to?: number;
  readonly device?: DeviceRef;
  readonly limit: number;
}

/** A stored entry in its wire form, or null when it is not one the protocol can carry. */
function toWireEntry(entry: StoredAuditEntry, workspaceId: string): WireAuditEntry | null {
  const action = auditActionSchema.safeParse(entry.action);
  if (!action.success) return null;
  return {
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: action.data,
    workspaceId,
    detail: entry.detail,
    // With its link a reader recomputes each entry's hash itself (the chain is global: the
    // entries between two of a workspace's belong to others, so only adjacent ones link).
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

/**
 * A workspace's audit entries, oldest first. The caller has checked that the reader may
 * see this workspace's log (a current member; for a case that includes the client).
 */
export async function queryWorkspaceAudit(
  ctx: Needs<'audit'>,
  workspaceId: string,
  query: WorkspaceAuditQuery,
): Promise<WireAuditEntry[]> {
  const stored = await ctx.store.audit.queryAudit({
    workspaceId,
    ...(query.device === undefined ? {} : { actor: query.device }),
    ...(query.from === undefined ? {} : { fromAt: query.from }),
    // The store's upper bound is exclusive, the REST query's inclusive.
    ...(query.to === undefined ? {} : { toAt: query.to + 1 }),
    limit: query.limit,
  });
  return stored.map((e) => toWireEntry(e, workspaceId)).filter((e): e is WireAuditEntry => e !== null);
}

/**
 * Recompute the whole audit chain (admin): intact with its length, or the first entry
 * whose hash or link is wrong. Reading the chain's integrity changes nothing, so it is
 * not itself recorded.
 */
export async function verifyAudit(ctx: Needs<'audit'>): Promise<AuditVerificationResponse> {
  const verified = await ctx.store.audit.verifyAuditChain();
  return verified.ok ? { intact: true, entries: verified.entries } : { intact: false, brokenAtSeq: verified.seq };
}
