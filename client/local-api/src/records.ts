/**
 * A workspace's case records (docs/design.md §11): information requests, statements,
 * decisions, concern notices, network meetings and transition points as the agent's replay
 * of the signed `records` stream shows them, and the actions that create or advance one.
 * An action the records' rules refuse is answered with the refusal's code (duplicate_record,
 * unknown_record, not_allowed, wrong_status, unknown_member, unknown_organisation) and
 * nothing is queued.
 */
import { z } from 'zod';
import { attachmentSchema } from './chat';
import { idSchema, roleSchema, sha256HexSchema, textSchema, timestampMsSchema } from './fields';

/** Characters refused in longer text: controls other than tab and newline, and bidirectional overrides. */
const FORBIDDEN_IN_PROSE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** Multi-line text: 1..maxChars, not blank, no control or bidirectional-override characters (also the agent's payload schema's). */
export function proseSchema(maxChars: number) {
  return z
    .string()
    .min(1, 'must not be empty')
    .max(maxChars)
    .refine((s) => /\S/u.test(s), 'must not be blank')
    .refine((s) => !FORBIDDEN_IN_PROSE.test(s), 'must not contain control or bidirectional-override characters');
}

/** A calendar date `YYYY-MM-DD` that exists (2027-02-30 does not). */
export const calendarDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => {
    const date = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(s);
  }, 'must be a date that exists');

/** Who a request or transition point is addressed to: an organisation of the workspace or one member. */
export const addresseeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('org'), orgId: idSchema }),
  z.strictObject({ kind: z.literal('member'), userId: idSchema }),
]);
/** An addressee. */
export type RecordAddressee = z.infer<typeof addresseeSchema>;

/** Kinds of transition point (nivelvaihe). */
export const RECORD_TRANSITION_KINDS = ['move', 'studies', 'benefit_age_limit', 'coming_of_age', 'employment', 'other'] as const;
/** Urgency of a concern notice (kiireellinen / ei kiireellinen). */
export const RECORD_CONCERN_URGENCIES = ['urgent', 'not_urgent'] as const;

/** An uploaded attachment a record names: exactly what its upload answered. */
const attachmentRefSchema = z.strictObject({
  blobId: idSchema,
  name: textSchema(255),
  type: z.string().max(127),
  size: z.int().min(0),
  sha256: sha256HexSchema,
});
const attachmentRefsSchema = z.array(attachmentRefSchema).max(16).optional();

/** An https link (a meeting's online address). */
export const httpsLinkSchema = z
  .string()
  .max(2000)
  .refine((s) => {
    try {
      return new URL(s).protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an https address');

const uniqueIds = (ids: readonly string[]): boolean => new Set(ids).size === ids.length;

/**
 * What a member does to the records: create one (the agent chooses its id and stamps the
 * time) or move one along its status machine. Body of `POST /api/workspaces/:id/records`.
 */
export const recordActionSchema = z.discriminatedUnion('t', [
  z.strictObject({
    t: z.literal('request'),
    to: addresseeSchema,
    subject: textSchema(200),
    question: proseSchema(10_000),
    reason: proseSchema(4_000),
    due: calendarDateSchema,
    attachments: attachmentRefsSchema,
  }),
  z.strictObject({ t: z.literal('request_withdraw'), requestId: idSchema }),
  z.strictObject({ t: z.literal('request_acknowledge'), requestId: idSchema }),
  z.strictObject({
    t: z.literal('statement'),
    content: proseSchema(20_000),
    reasons: proseSchema(10_000),
    attachments: attachmentRefsSchema,
    answers: idSchema.optional(),
  }),
  z.strictObject({
    t: z.literal('decision'),
    content: proseSchema(10_000),
    cites: z
      .array(z.strictObject({ statementId: idSchema, consideration: proseSchema(4_000) }))
      .max(50)
      .refine((cites) => uniqueIds(cites.map((c) => c.statementId)), 'must cite each statement once'),
  }),
  z.strictObject({
    t: z.literal('concern'),
    toOrgId: idSchema,
    urgency: z.enum(RECORD_CONCERN_URGENCIES),
    content: proseSchema(10_000),
    clientTold: z.boolean(),
  }),
  z.strictObject({ t: z.literal('concern_feedback'), concernId: idSchema, content: proseSchema(10_000) }),
  z.strictObject({
    t: z.literal('meeting'),
    title: textSchema(200),
    startsAt: timestampMsSchema,
    place: textSchema(300).optional(),
    link: httpsLinkSchema.optional(),
    agenda: z.array(textSchema(300)).min(1, 'needs at least one agenda item').max(50),
    invited: z.array(idSchema).min(1, 'needs at least one invited member').max(50).refine(uniqueIds, 'must invite each member once'),
  }),
  z.strictObject({
    t: z.literal('meeting_attendance'),
    meetingId: idSchema,
    attended: z.array(idSchema).max(50).refine(uniqueIds, 'must name each member once'),
  }),
  z.strictObject({
    t: z.literal('meeting_decision'),
    meetingId: idSchema,
    text: proseSchema(4_000),
    action: z.strictObject({ ownerUserId: idSchema, due: calendarDateSchema }).optional(),
  }),
  z.strictObject({ t: z.literal('meeting_cancel'), meetingId: idSchema }),
  z.strictObject({
    t: z.literal('transition'),
    kind: z.enum(RECORD_TRANSITION_KINDS),
    description: textSchema(300),
    date: calendarDateSchema,
    actor: addresseeSchema,
  }),
]);
/** An action on the records. */
export type RecordAction = z.infer<typeof recordActionSchema>;

/** The author of a record or of one of its steps, as the verified membership chain names him. */
const recordAuthorSchema = z.object({
  userId: z.string(),
  /** null for the client, who belongs to no organisation */
  orgId: z.string().nullable(),
  role: roleSchema,
});

/** One step in a record's life: the event that created or moved it. */
const recordStepSchema = z.object({
  t: z.string(),
  /** the author's clock (ms) */
  at: z.number(),
  /** the server's order; 0 while pending */
  seq: z.number().int(),
  by: recordAuthorSchema,
  pending: z.boolean(),
});

const recordBase = {
  id: z.string(),
  workspaceId: z.string(),
  author: recordAuthorSchema,
  at: z.number(),
  /** the server's order of the creating event; 0 while pending */
  seq: z.number().int(),
  /** some step of it is not yet acknowledged by the server */
  pending: z.boolean(),
  steps: z.array(recordStepSchema),
};

/** A case record as the agent's replay shows it. */
export const caseRecordSchema = z.discriminatedUnion('kind', [
  z.object({
    ...recordBase,
    kind: z.literal('request'),
    status: z.enum(['sent', 'answered', 'acknowledged', 'withdrawn']),
    to: addresseeSchema,
    subject: z.string(),
    question: z.string(),
    reason: z.string(),
    due: z.string(),
    attachments: z.array(attachmentSchema),
    answeredBy: z.string().optional(),
  }),
  z.object({
    ...recordBase,
    kind: z.literal('statement'),
    content: z.string(),
    reasons: z.string(),
    attachments: z.array(attachmentSchema),
    answers: z.string().optional(),
  }),
  z.object({
    ...recordBase,
    kind: z.literal('decision'),
    content: z.string(),
    cites: z.array(z.object({ statementId: z.string(), consideration: z.string() })),
  }),
  z.object({
    ...recordBase,
    kind: z.literal('concern'),
    status: z.enum(['sent', 'closed']),
    toOrgId: z.string(),
    urgency: z.enum(RECORD_CONCERN_URGENCIES),
    content: z.string(),
    clientTold: z.boolean(),
    feedback: z.object({ content: z.string(), by: recordAuthorSchema, at: z.number() }).optional(),
  }),
  z.object({
    ...recordBase,
    kind: z.literal('meeting'),
    status: z.enum(['planned', 'held', 'cancelled']),
    title: z.string(),
    startsAt: z.number(),
    place: z.string().optional(),
    link: z.string().optional(),
    agenda: z.array(z.string()),
    invited: z.array(z.string()),
    attended: z.array(z.string()),
    decisions: z.array(
      z.object({
        id: z.string(),
        text: z.string(),
        by: recordAuthorSchema,
        at: z.number(),
        action: z.object({ ownerUserId: z.string(), due: z.string() }).optional(),
      }),
    ),
  }),
  z.object({
    ...recordBase,
    kind: z.literal('transition'),
    transition: z.enum(RECORD_TRANSITION_KINDS),
    description: z.string(),
    date: z.string(),
    actor: addresseeSchema,
  }),
]);
/** A case record. */
export type CaseRecordView = z.infer<typeof caseRecordSchema>;

/** Answer of `GET /api/workspaces/:id/records`. */
export const recordListSchema = z.object({ records: z.array(caseRecordSchema) });
/** Answer of an action: the record it created or moved, as it now stands (pending until the server has it). */
export const recordActionResponseSchema = z.object({ record: caseRecordSchema });
