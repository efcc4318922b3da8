/**
 * Problems: every verification failure, refusal and sync error the agent meets reaches
 * the UI as one of these, listed by `GET /api/problems` and pushed as `problem` events.
 * The UI explains each code in its own words (fi/sv/en).
 */
import { z } from 'zod';
import { deviceRefSchema } from './fields';

/** Every code a problem has. */
export const PROBLEM_CODES = [
  // envelope verification (openEnvelope codes)
  'malformed',
  'too_large',
  'wrong_context',
  'unknown_author',
  'bad_signature',
  'unknown_epoch',
  'wrong_key',
  // stream integrity
  'clock_gap',
  'replay',
  'snapshot_chain',
  // freshness (docs/design.md §12): an envelope a member wrote under a chain head that misses a
  // removal and rotation (the server hid them from it), one a removed device wrote past its
  // clock cut, an author's envelopes (or chain events) its heartbeat says exist but the server
  // has not delivered
  'stale_head',
  'past_cut',
  'withheld',
  // membership and identities
  'chain_invalid',
  'identity_changed',
  'key_distribution',
  // certificates: a device or person the chain names that certificates do not back, or a
  // redeemed code whose keys do not carry the proof of its secret (possible substitution)
  'uncertified',
  'enrolment_refused',
  // this device's one-time prekeys were taken far faster than new contacts take them (a drain)
  'prekeys_drained',
  // the transparency log (docs/design.md §3.5): a certificate without a valid inclusion proof
  // (or under a head the certified log key did not sign) is not relied upon; a head that does
  // not extend one seen before; another member shown a different log than this device
  'log_unproven',
  'log_inconsistent',
  'directory_split_view',
  // server relations
  'forbidden',
  'revoked',
  'server_error',
  'offline',
  // attachments
  'attachment_integrity',
  // case records (docs/design.md §11): an event the records' rules refuse (its rule in `reason`)
  'record_refused',
  // the processing log (issue 13): the server's audit entries of a workspace failed the agent's hash check
  'audit_broken',
] as const;
/** A problem code. */
export type ProblemCode = (typeof PROBLEM_CODES)[number];

/**
 * A problem the agent reports. The agent sends only {@link PROBLEM_CODES} (its types say
 * so); the code is read as any string because an open page may outlive its agent's
 * upgrade and must still show a newer agent's problem, in general words.
 */
export const problemSchema = z.object({
  id: z.string(),
  /** ms since epoch */
  at: z.number(),
  code: z.string(),
  /** a plain-language English sentence; never plaintext, keys or tokens */
  message: z.string(),
  workspaceId: z.string().optional(),
  stream: z.string().optional(),
  /** the device the problem concerns (author of a bad envelope, changed identity …) */
  device: deviceRefSchema.optional(),
  /** a finer code under `code`: for `record_refused`, the rule that refused the event (duplicate_record, unknown_record, not_allowed, wrong_status, unknown_member, unknown_organisation) */
  reason: z.string().optional(),
});
/** A problem as the UI reads it. */
export type Problem = z.infer<typeof problemSchema>;
