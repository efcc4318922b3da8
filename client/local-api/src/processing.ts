/**
 * "Tietojeni käsittely" (issue 13): what the agent tells the client — and every member —
 * about the processing of a case: the consent history from the verified chain, each
 * member's basis of access, and the server's audit log of the case after the agent checked
 * its hashes. Also the UI's way to record that its user opened or exported something.
 */
import { z } from 'zod';
import { roleSchema } from './fields';

const deviceRefSchema = z.object({ userId: z.string(), deviceId: z.number().int() });

/** One step of the client's consent, from a signed chain event (or the expiry it named). */
export const consentStepSchema = z.object({
  at: z.number(),
  kind: z.enum(['granted', 'changed', 'revoked', 'expired']),
  /** the organisations in force after the step */
  orgIds: z.array(z.string()),
  /** organisations the step took away */
  revokedOrgIds: z.array(z.string()),
  /** the purpose text, when this device holds the one the event commits to */
  purpose: z.string().optional(),
  expiresAt: z.number().optional(),
  /** professionals who left the case with the step, named as their certificates say */
  removed: z.array(z.object({ userId: z.string(), displayName: z.string().optional() })),
  handOverTo: z.string().optional(),
  closed: z.boolean().optional(),
});
/** A consent step. */
export type ConsentStep = z.infer<typeof consentStepSchema>;

/** Why a member may see the case. */
export const accessBasisSchema = z.object({
  userId: z.string(),
  displayName: z.string().optional(),
  orgId: z.string(),
  orgName: z.string().optional(),
  role: roleSchema,
  owner: z.boolean(),
  /**
   * `self`: the client; `statute`: an owner of his organisation recorded a statutory basis
   * (`statute`); `consent`: the consent step at `since` admits his organisation;
   * `awaiting_answer`: outside it until the client answers
   */
  basis: z.enum(['self', 'statute', 'consent', 'awaiting_answer', 'no_client']),
  /** when the consent that admits him was signed */
  since: z.number().optional(),
  /** the statutory basis in force (a signed record_basis event) */
  statute: z
    .object({
      /** the text, when this device holds the one the event commits to (it travels encrypted) */
      text: z.string().optional(),
      /** the event's signed time */
      at: z.number(),
      recordedBy: z.string(),
      recordedByName: z.string().optional(),
    })
    .optional(),
  /** when he was added (the chain event's signed time) */
  addedAt: z.number().optional(),
});
/** A member's basis of access. */
export type AccessBasis = z.infer<typeof accessBasisSchema>;

/** One entry of the processing log, as the server recorded it, with the actor named from certificates. */
export const processingEntrySchema = z.object({
  seq: z.number().int(),
  at: z.number(),
  actor: deviceRefSchema.nullable(),
  actorName: z.string().optional(),
  actorOrg: z.string().optional(),
  /** the server's audit action (join, fetch, blob_download, document_open, export, membership_append, …) */
  action: z.string(),
  detail: z.record(z.string(), z.string()),
});
/** A processing log entry. */
export type ProcessingEntry = z.infer<typeof processingEntrySchema>;

/** The agent's check of the log's hashes before showing it. */
const logIntegritySchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), entries: z.number().int() }),
  z.object({ ok: z.literal(false), seq: z.number().int(), reason: z.string() }),
]);

/** The whole view. */
export const processingViewSchema = z.object({
  workspaceId: z.string(),
  consentHistory: z.array(consentStepSchema),
  bases: z.array(accessBasisSchema),
  log: z.array(processingEntrySchema),
  /** absent when the server could not be reached */
  integrity: logIntegritySchema.optional(),
  /** more entries exist than one view holds (the oldest are left out) */
  truncated: z.boolean(),
});
/** "Tietojeni käsittely". */
export type ProcessingView = z.infer<typeof processingViewSchema>;

/** Body of recording an access (the same shape the central server takes). */
export const recordAccessRequestSchema = z.strictObject({
  action: z.enum(['opened', 'exported']),
  what: z.string().min(1).max(64).regex(/^[A-Za-z0-9_:.-]+$/),
  format: z.enum(['pdf', 'json']).optional(),
});
