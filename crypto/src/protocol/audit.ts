/**
 * The audit log as the REST API exposes it (docs/design.md §7: who did what on which workspace,
 * hash-chained; a client may read the log of his own case, client-data act 703/2023).
 */
import { z } from 'zod';
import { deviceRefSchema } from '../identity';
import type { DeviceRef } from '../types';
import {
  boundedRecord,
  detailKeySchema,
  idSchema,
  nonNegativeIntSchema,
  queryIntSchema,
  sha256HexSchema,
  timestampMsSchema,
} from './fields';

/** Every action the server records. `denied` is any refused request worth recording. */
export const AUDIT_ACTIONS = [
  'join',
  'fetch',
  'membership_append',
  'mailbox_send',
  'mailbox_fetch',
  'mailbox_ack',
  'blob_upload',
  'blob_download',
  'admin_set_root',
  'admin_create_org',
  'admin_issue_code',
  'admin_log_certificate',
  'certificate_store',
  'enrol',
  'login',
  'invitation_issue',
  'link_code_issue',
  'prekey_claim',
  'prekey_upload',
  'audit_query',
  'denied',
  // what a member's agent says it did with what it fetched (issue 13): the server sees fetches, not reading
  'document_open',
  'export',
] as const;

/** One of {@link AUDIT_ACTIONS}. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Parses an {@link AuditAction}. */
export const auditActionSchema = z.enum(AUDIT_ACTIONS);

/** Most entries one audit query returns. */
const MAX_AUDIT_PAGE = 1000;
/** Page size of an audit query without `limit`. */
const DEFAULT_AUDIT_PAGE = 100;

/** Most keys in one entry's `detail`. */
export const MAX_AUDIT_DETAIL_ENTRIES = 32;
/** Longest value in an entry's `detail`. */
export const MAX_AUDIT_DETAIL_CHARS = 1024;

/**
 * `userId.deviceId` (types.ts `deviceKey`) in a query string, parsed to a DeviceRef.
 * userIds never contain '.', so the last '.' splits unambiguously.
 */
const deviceKeyQuerySchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}\.(?:[1-9][0-9]{0,2})$/, 'must be userId.deviceId')
  .transform((key) => {
    const dot = key.lastIndexOf('.');
    return { userId: key.slice(0, dot), deviceId: Number(key.slice(dot + 1)) };
  })
  .pipe(deviceRefSchema);

/**
 * `GET /v1/workspaces/:workspaceId/audit?from=&to=&device=&limit=`: entries with
 * from ≤ at ≤ to (ms since epoch, both optional), optionally only by one device,
 * oldest first, at most `limit` (default {@link DEFAULT_AUDIT_PAGE}).
 */
export const auditQuerySchema = z.strictObject({
  from: queryIntSchema(0, Number.MAX_SAFE_INTEGER).optional(),
  to: queryIntSchema(0, Number.MAX_SAFE_INTEGER).optional(),
  device: deviceKeyQuerySchema.optional(),
  limit: queryIntSchema(1, MAX_AUDIT_PAGE).default(DEFAULT_AUDIT_PAGE),
}).refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, 'from must not be after to');

/** One audit entry. `hash` = SHA-256(previous hash ‖ canonical entry), the chain link. */
export interface AuditEntry {
  readonly seq: number;
  readonly at: number;
  /** null for actions without an authenticated device (admin API, failed login) */
  readonly actor: DeviceRef | null;
  readonly action: AuditAction;
  readonly workspaceId: string;
  readonly detail: Readonly<Record<string, string>>;
  /** the hash of the entry before this one in the server's one global chain (absent from older servers) */
  readonly prevHash?: string;
  readonly hash: string;
}

/** Parses an {@link AuditEntry}. */
const auditEntrySchema: z.ZodType<AuditEntry> = z.strictObject({
  seq: nonNegativeIntSchema,
  at: timestampMsSchema,
  actor: deviceRefSchema.nullable(),
  action: auditActionSchema,
  workspaceId: idSchema,
  detail: boundedRecord(detailKeySchema, z.string().max(MAX_AUDIT_DETAIL_CHARS), MAX_AUDIT_DETAIL_ENTRIES),
  prevHash: sha256HexSchema.optional(),
  hash: sha256HexSchema,
});

/** Response of the audit query. */
export const auditResponseSchema = z.strictObject({
  entries: z.array(auditEntrySchema).max(MAX_AUDIT_PAGE),
});

/**
 * `GET /v1/admin/audit/verify`: the server recomputed the whole audit chain. `intact` with
 * the number of entries, or the first entry whose hash or link to the one before is wrong
 * (someone changed or removed entries under the server).
 */
export const auditVerificationResponseSchema = z.discriminatedUnion('intact', [
  z.strictObject({ intact: z.literal(true), entries: nonNegativeIntSchema }),
  z.strictObject({ intact: z.literal(false), brokenAtSeq: z.int().min(1) }),
]);
/** Response of the audit chain verification. */
export type AuditVerificationResponse = z.infer<typeof auditVerificationResponseSchema>;

/** Longest `what` of an access record: 'plan', 'record:<id>', 'minutes:<id>'. */
const MAX_ACCESS_WHAT_CHARS = 64;

/**
 * `POST /v1/workspaces/:workspaceId/audit/access` (members only): the calling agent records
 * that its user opened (`document_open`) or exported (`export`) something of the workspace.
 * The server cannot see either happen; it records what the member's own agent says.
 */
export const auditAccessRequestSchema = z.strictObject({
  action: z.enum(['opened', 'exported']),
  detail: z.strictObject({
    what: z.string().min(1).max(MAX_ACCESS_WHAT_CHARS).regex(/^[A-Za-z0-9_:.-]+$/, "must be like 'plan', 'record:<id>' or 'minutes:<id>'"),
    format: z.enum(['pdf', 'json']).optional(),
  }),
});
