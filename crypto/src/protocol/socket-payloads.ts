/**
 * Payload schemas of the socket.io events (docs/design.md §6, §7): what a client sends with
 * each event, what the ack answers, and what the server pushes. Both ends parse from
 * `unknown`: the server distrusts clients, and the agent distrusts the server.
 * Every envelope travels as one binary blob (wire-envelope.ts): a schema's input type
 * (the `…Frame` types, what a sender emits) has `Uint8Array` where its output type (what
 * a receiver holds after parsing) has a WireEnvelope.
 */
import { z } from 'zod';
import { membershipEventSchema } from '../membership';
import { ackSchema } from './errors';
import {
  boundedRecord,
  codeIdSchema,
  idSchema,
  nonNegativeIntSchema,
  snapshotRefSchema,
  streamNameSchema,
} from './fields';
import { presenceEnvelopeSchema, presenceNoticeEnvelopeSchema, storedEnvelopeSchema, wireEnvelopeSchema } from './wire-envelope';

/** Most streams one join may name or answer (plan, chat, one per meeting …). */
export const MAX_JOIN_STREAMS = 256;
/** Most envelopes one join answers per stream; a full page means "fetch the rest". */
export const MAX_JOIN_ENVELOPES_PER_STREAM = 1000;
/** Largest `limit` of a fetch. */
export const MAX_FETCH_LIMIT = 1000;

/**
 * Most binary attachments one server answer can carry: a join at its limits, one blob per
 * envelope. socket.io-parser's decoder refuses more than 10 by default (and drops the
 * connection as a parse error), so every client of this protocol must raise its decoder's
 * `maxAttachments` to this; the server keeps the default for what it receives.
 */
export const MAX_ANSWER_ATTACHMENTS = MAX_JOIN_STREAMS * (MAX_JOIN_ENVELOPES_PER_STREAM + 1);

/** Where a client stands in one stream: its active snapshot ('' for none) and the last seq it holds. */
export const streamPositionSchema = z.strictObject({ snapshotId: snapshotRefSchema, afterSeq: nonNegativeIntSchema });
/** Where a client stands in one stream. */
export type StreamPosition = z.infer<typeof streamPositionSchema>;

/**
 * `join`: enter a workspace's room (members only) and catch up. Streams the client
 * does not name are treated as `{ snapshotId: '', afterSeq: 0 }`.
 */
export const joinRequestSchema = z.strictObject({
  workspaceId: idSchema,
  positions: boundedRecord(streamNameSchema, streamPositionSchema, MAX_JOIN_STREAMS),
});
/** `join` request. */
export type JoinRequest = z.infer<typeof joinRequestSchema>;

/**
 * Catch-up of one stream: the active snapshot when it differs from the client's
 * (`null` when the client's is current or none exists), then the envelopes that build
 * on the active snapshot after the client's position, oldest first. When `snapshot`
 * is given, the client's `afterSeq` no longer applies: all envelopes on it are sent.
 */
export const streamCatchUpSchema = z.strictObject({
  snapshot: storedEnvelopeSchema.nullable(),
  envelopes: z.array(storedEnvelopeSchema).max(MAX_JOIN_ENVELOPES_PER_STREAM),
});
/** Catch-up of one stream. */
export type StreamCatchUp = z.infer<typeof streamCatchUpSchema>;
/** Catch-up of one stream as sent. */
export type StreamCatchUpFrame = z.input<typeof streamCatchUpSchema>;

/** `join` success: catch-up per stored stream, and the newest membership seq to check the chain against. */
export const joinResultSchema = z.strictObject({
  streams: boundedRecord(streamNameSchema, streamCatchUpSchema, MAX_JOIN_STREAMS),
  membershipSeq: nonNegativeIntSchema,
});
/** `join` success. */
export type JoinResult = z.infer<typeof joinResultSchema>;
/** `join` success as sent. */
export type JoinResultFrame = z.input<typeof joinResultSchema>;
/** `join` ack. */
export const joinAckSchema = ackSchema(joinResultSchema);

/** `leave`: stop receiving a workspace's fan-out. */
export const leaveRequestSchema = z.strictObject({ workspaceId: idSchema });
/** `leave` request. */
export type LeaveRequest = z.infer<typeof leaveRequestSchema>;
/** Success with nothing to report (`leave`, `presence`). */
const emptyResultSchema = z.strictObject({});
/** Success with nothing to report. */
export type EmptyResult = Record<never, never>;
/** `leave` ack. */
export const leaveAckSchema = ackSchema(emptyResultSchema);

/**
 * `push`: store and fan out an update or chat envelope; workspace and stream are read
 * from its (signed) header. Errors: clock_gap / clock_replay (details: {@link clockDetailsSchema}),
 * stale_snapshot (details: {@link staleSnapshotDetailsSchema}), bad_signature, forbidden, too_large.
 */
export const pushRequestSchema = z.strictObject({ envelope: wireEnvelopeSchema });
/** `push` request. */
export type PushRequest = z.infer<typeof pushRequestSchema>;
/** `push` request as sent. */
export type PushRequestFrame = z.input<typeof pushRequestSchema>;
/** Success of a stored envelope: its server sequence. */
export const storedResultSchema = z.strictObject({ seq: z.int().min(1) });
/** Success of a stored envelope. */
export type StoredResult = z.infer<typeof storedResultSchema>;
/** `push` ack. */
export const pushAckSchema = ackSchema(storedResultSchema);

/**
 * `snapshot`: compare-and-set a new snapshot on the stream's active one. A loser gets
 * stale_snapshot with details.activeSnapshotId and retries on that snapshot.
 */
export const snapshotRequestSchema = z.strictObject({ envelope: wireEnvelopeSchema });
/** `snapshot` request. */
export type SnapshotRequest = z.infer<typeof snapshotRequestSchema>;
/** `snapshot` request as sent. */
export type SnapshotRequestFrame = z.input<typeof snapshotRequestSchema>;
/** `snapshot` ack. */
export const snapshotAckSchema = ackSchema(storedResultSchema);

/** `presence`: fan out an ephemeral presence envelope to the room; never stored. */
export const presenceRequestSchema = z.strictObject({ envelope: presenceEnvelopeSchema });
/** `presence` request. */
export type PresenceRequest = z.infer<typeof presenceRequestSchema>;
/** `presence` request as sent. */
export type PresenceRequestFrame = z.input<typeof presenceRequestSchema>;
/** `presence` ack. */
export const presenceAckSchema = ackSchema(emptyResultSchema);

/** `fetch`: envelopes of one stream with seq > afterSeq, oldest first, at most `limit`. */
export const fetchRequestSchema = z.strictObject({
  workspaceId: idSchema,
  stream: streamNameSchema,
  afterSeq: nonNegativeIntSchema,
  limit: z.int().min(1).max(MAX_FETCH_LIMIT),
});
/** `fetch` request. */
export type FetchRequest = z.infer<typeof fetchRequestSchema>;
/** `fetch` success. */
export const fetchResultSchema = z.strictObject({ envelopes: z.array(storedEnvelopeSchema).max(MAX_FETCH_LIMIT) });
/** `fetch` success as sent. */
export type FetchResultFrame = z.input<typeof fetchResultSchema>;
/** `fetch` ack. */
export const fetchAckSchema = ackSchema(fetchResultSchema);

/** `details` of a stale_snapshot failure: the snapshot to build on instead. */
export const staleSnapshotDetailsSchema = z.object({ activeSnapshotId: snapshotRefSchema });
/** `details` of a clock_gap / clock_replay failure: the clock the server expected next. */
export const clockDetailsSchema = z.object({ expected: nonNegativeIntSchema });

/** Server → client `envelope`: a newly stored envelope of a joined workspace. */
export const envelopeNoticeSchema = z.strictObject({
  workspaceId: idSchema,
  stream: streamNameSchema,
  stored: storedEnvelopeSchema,
});
/** Server → client `envelope`. */
export type EnvelopeNotice = z.infer<typeof envelopeNoticeSchema>;
/** Server → client `envelope` as sent. */
export type EnvelopeNoticeFrame = z.input<typeof envelopeNoticeSchema>;

/** Server → client `presence`: another device's presence envelope. */
export const presenceNoticeSchema = z.strictObject({ workspaceId: idSchema, envelope: presenceNoticeEnvelopeSchema });
/** Server → client `presence`. */
export type PresenceNotice = z.infer<typeof presenceNoticeSchema>;
/** Server → client `presence` as sent. */
export type PresenceNoticeFrame = z.input<typeof presenceNoticeSchema>;

/** Server → client `mailbox`: this device has items waiting (fetch them over REST). */
export const mailboxNoticeSchema = z.strictObject({ pending: nonNegativeIntSchema });
/** Server → client `mailbox`. */
export type MailboxNotice = z.infer<typeof mailboxNoticeSchema>;

/** Server → client `membership`: the chain of a workspace grew to `seq` (fetch it over REST and verify). */
export const membershipNoticeSchema = z.strictObject({ workspaceId: idSchema, seq: nonNegativeIntSchema });
/** Server → client `membership`. */
export type MembershipNotice = z.infer<typeof membershipNoticeSchema>;

/** Why a device lost access to a workspace. */
export const REVOKE_REASONS = ['member_removed', 'device_removed', 'consent_revoked'] as const;
/** One of {@link REVOKE_REASONS}. */
export type RevokeReason = (typeof REVOKE_REASONS)[number];

/**
 * Server → client `revoked`: this device is no longer a member; the server has taken
 * it out of the room. The agent confirms from the chain rather than trusting this.
 * `event` is the signed chain event that removed it: the device may no longer read the
 * chain, so this is how it learns who removed it and when — it verifies the event
 * against the chain it holds (author's signature, prevHash) before believing a word.
 */
export const revokedNoticeSchema = z.strictObject({ workspaceId: idSchema, reason: z.enum(REVOKE_REASONS), event: membershipEventSchema.optional() });
/** Server → client `revoked`. */
export type RevokedNotice = z.infer<typeof revokedNoticeSchema>;

/**
 * Server → client `certificates`: certificates of `userId` changed (a new device, a
 * certification, a revocation). The agent fetches and verifies them; the notice itself
 * proves nothing.
 */
export const certificatesNoticeSchema = z.strictObject({ userId: idSchema });
/** Server → client `certificates`. */
export type CertificatesNotice = z.infer<typeof certificatesNoticeSchema>;

/** Server → client `enrolment`: a device redeemed a code this device issued (invitation or device link). */
export const enrolmentNoticeSchema = z.strictObject({ codeId: codeIdSchema });
/** Server → client `enrolment`. */
export type EnrolmentNotice = z.infer<typeof enrolmentNoticeSchema>;
