/**
 * The plaintext of `records` envelopes (docs/design.md §11): one JSON event per envelope,
 * signed by its author's device like chat. A record is never merged as a CRDT — a
 * statement must not be silently combined with another — so each event either creates a
 * record or moves one along its status machine (record-book.ts). Received payloads are
 * parsed from `unknown` with these schemas; nothing here knows who wrote them. The field
 * schemas are the local-API contract's (the actions the UI sends are these events without
 * id and time), so one bound means one thing on both edges.
 */
import { z } from 'zod';
import { fromUtf8, utf8 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { idSchema, textSchema, timestampMsSchema } from '@yhteispoyta/crypto/protocol';
import { addresseeSchema, calendarDateSchema, httpsLinkSchema, proseSchema, RECORD_CONCERN_URGENCIES, RECORD_TRANSITION_KINDS } from '@yhteispoyta/local-api/records';
import type { RecordAddressee } from '@yhteispoyta/local-api/records';
import { sealedAttachmentSchema } from '../chat/chat-payload';
import type { SealedAttachment } from '../chat/chat-payload';

/** Most attachments on one record. */
const MAX_RECORD_ATTACHMENTS = 16;
/** Most agenda items, invitees, attendees or citations on one record. */
const MAX_LIST = 50;

/** An addressee: an organisation of the workspace or one member. */
export type Addressee = RecordAddressee;

const attachmentsSchema = z.array(sealedAttachmentSchema).max(MAX_RECORD_ATTACHMENTS);

const uniqueIds = (ids: readonly string[]): boolean => new Set(ids).size === ids.length;

/** `at`: when the author made the event, by the author's clock (ms); the server's order is the stream's seq. */
const base = { at: timestampMsSchema } as const;

/** Any records event. */
export const recordEventSchema = z.discriminatedUnion('t', [
  // Information request (lisäselvityspyyntö): lähetetty → vastattu → kuitattu, or peruttu.
  z.strictObject({
    t: z.literal('request'), id: idSchema, ...base,
    to: addresseeSchema,
    subject: textSchema(200),
    question: proseSchema(10_000),
    reason: proseSchema(4_000),
    due: calendarDateSchema,
    attachments: attachmentsSchema,
  }),
  z.strictObject({ t: z.literal('request_withdraw'), requestId: idSchema, ...base }),
  z.strictObject({ t: z.literal('request_acknowledge'), requestId: idSchema, ...base }),
  // Statement (lausunto), standing alone or answering a request.
  z.strictObject({
    t: z.literal('statement'), id: idSchema, ...base,
    content: proseSchema(20_000),
    reasons: proseSchema(10_000),
    attachments: attachmentsSchema,
    answers: idSchema.optional(),
  }),
  // Decision (päätös / ratkaisu): citing a statement says how it was considered.
  z.strictObject({
    t: z.literal('decision'), id: idSchema, ...base,
    content: proseSchema(10_000),
    cites: z
      .array(z.strictObject({ statementId: idSchema, consideration: proseSchema(4_000) }))
      .max(MAX_LIST)
      .refine((cites) => uniqueIds(cites.map((c) => c.statementId)), 'must cite each statement once'),
  }),
  // Concern notice (ilmoitus sosiaalihuollon tarpeesta), closed by the receiver's feedback.
  z.strictObject({
    t: z.literal('concern'), id: idSchema, ...base,
    toOrgId: idSchema,
    urgency: z.enum(RECORD_CONCERN_URGENCIES),
    content: proseSchema(10_000),
    clientTold: z.boolean(),
  }),
  z.strictObject({ t: z.literal('concern_feedback'), concernId: idSchema, ...base, content: proseSchema(10_000) }),
  // Network meeting (verkostoneuvottelu): planned → held, or cancelled.
  z.strictObject({
    t: z.literal('meeting'), id: idSchema, ...base,
    title: textSchema(200),
    startsAt: timestampMsSchema,
    place: textSchema(300).optional(),
    link: httpsLinkSchema.optional(),
    agenda: z.array(textSchema(300)).min(1).max(MAX_LIST),
    invited: z.array(idSchema).min(1).max(MAX_LIST).refine(uniqueIds, 'must invite each member once'),
  }),
  z.strictObject({
    t: z.literal('meeting_attendance'), meetingId: idSchema, ...base,
    attended: z.array(idSchema).max(MAX_LIST).refine(uniqueIds, 'must name each member once'),
  }),
  z.strictObject({
    t: z.literal('meeting_decision'), id: idSchema, meetingId: idSchema, ...base,
    text: proseSchema(4_000),
    action: z.strictObject({ ownerUserId: idSchema, due: calendarDateSchema }).optional(),
  }),
  z.strictObject({ t: z.literal('meeting_cancel'), meetingId: idSchema, ...base }),
  // Transition point (nivelvaihe).
  z.strictObject({
    t: z.literal('transition'), id: idSchema, ...base,
    kind: z.enum(RECORD_TRANSITION_KINDS),
    description: textSchema(300),
    date: calendarDateSchema,
    actor: addresseeSchema,
  }),
]);
/** A records event. */
export type RecordEvent = z.infer<typeof recordEventSchema>;

/** Result of {@link parseRecordEvent}. */
export type ParseRecordEventResult = { readonly ok: true; readonly event: RecordEvent } | { readonly ok: false; readonly detail: string };

/** Parses an untrusted plaintext as a records event. Never throws. */
export function parseRecordEvent(plaintext: Uint8Array): ParseRecordEventResult {
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(plaintext));
  } catch {
    return { ok: false, detail: 'not UTF-8 JSON' };
  }
  const parsed = recordEventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, detail: issue === undefined ? 'not a records event' : `${issue.path.join('.') || 'event'}: ${issue.message}` };
  }
  return { ok: true, event: parsed.data };
}

/** The plaintext of an event. Throws RangeError when it would not pass {@link parseRecordEvent}: our own data. */
export function encodeRecordEvent(event: RecordEvent): Bytes {
  const checked = recordEventSchema.safeParse(event);
  if (!checked.success) throw new RangeError(`invalid records event: ${checked.error.issues[0]?.message ?? 'invalid'}`);
  return utf8(JSON.stringify(checked.data));
}

/** The attachments an event carries (requests and statements), with their key material. */
export function attachmentsOf(event: RecordEvent): readonly SealedAttachment[] {
  return event.t === 'request' || event.t === 'statement' ? event.attachments : [];
}
