/**
 * The case timeline (aikajana, issue 12): one list merging the records' events, the
 * membership and consent events of the verified chain, meetings, decisions and
 * attachments, each with its date, author and organisation — who someone is comes from the
 * verified chain and certificates, never from a label the server supplies — and the time
 * elapsed since the case opened and since the previous phase.
 */
import { z } from 'zod';
import { idSchema, roleSchema } from './fields';

/** What a timeline entry is. */
export const TIMELINE_KINDS = [
  'case_opened',
  'member_added',
  'member_removed',
  'consent_granted',
  'consent_changed',
  'consent_revoked',
  'basis_recorded',
  'basis_withdrawn',
  'request_sent',
  'request_answered',
  'request_acknowledged',
  'request_withdrawn',
  'statement',
  'decision',
  'concern_sent',
  'concern_feedback',
  'meeting_planned',
  'meeting_held',
  'meeting_cancelled',
  'meeting_decision',
  'transition',
  'attachment',
] as const;
/** A kind of timeline entry. */
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/** The groups the timeline filters by. */
export const TIMELINE_GROUPS = ['membership', 'consent', 'request', 'statement', 'decision', 'concern', 'meeting', 'transition', 'attachment'] as const;
/** A filter group. */
export type TimelineGroup = (typeof TIMELINE_GROUPS)[number];

/** The group of each kind. */
export const TIMELINE_GROUP_OF: Readonly<Record<TimelineKind, TimelineGroup>> = {
  case_opened: 'membership',
  member_added: 'membership',
  member_removed: 'membership',
  consent_granted: 'consent',
  consent_changed: 'consent',
  consent_revoked: 'consent',
  basis_recorded: 'consent',
  basis_withdrawn: 'consent',
  request_sent: 'request',
  request_answered: 'request',
  request_acknowledged: 'request',
  request_withdrawn: 'request',
  statement: 'statement',
  decision: 'decision',
  concern_sent: 'concern',
  concern_feedback: 'concern',
  meeting_planned: 'meeting',
  meeting_held: 'meeting',
  meeting_cancelled: 'meeting',
  meeting_decision: 'decision',
  transition: 'transition',
  attachment: 'attachment',
};

/** Kinds that start a new phase of the case: its opening, a meeting held, a decision, a transition point. */
export const PHASE_KINDS: ReadonlySet<TimelineKind> = new Set<TimelineKind>(['case_opened', 'meeting_held', 'decision', 'meeting_decision', 'transition']);

/** Time between two moments as the seeds count it: whole calendar months, and days in all. */
export const elapsedSchema = z.object({ months: z.int().min(0), days: z.int().min(0) });
/** Elapsed time. */
export type Elapsed = z.infer<typeof elapsedSchema>;

/** A person as the verified chain and certificates name him. */
const timelinePersonSchema = z.object({
  userId: z.string(),
  /** null for the client */
  orgId: z.string().nullable(),
  role: roleSchema.optional(),
  /** from his certificate; for a client, the name his inviter gave */
  displayName: z.string().optional(),
  /** his organisation's certified name */
  orgName: z.string().optional(),
});
/** A person of the timeline. */
export type TimelinePerson = z.infer<typeof timelinePersonSchema>;

/** One entry. */
export const timelineEntrySchema = z.object({
  /** stable within one answer */
  id: z.string(),
  kind: z.enum(TIMELINE_KINDS),
  group: z.enum(TIMELINE_GROUPS),
  /** signed time of the event (ms, the author's clock) */
  at: z.number(),
  /** who did it */
  by: timelinePersonSchema,
  /** what it is about: a request's subject, a meeting's title, a decision's text, a file's name, a member's name… */
  title: z.string(),
  /** the record it belongs to */
  recordId: z.string().optional(),
  /** the person it concerns (a member added or removed) */
  subject: timelinePersonSchema.optional(),
  /** organisations it names (consent) */
  orgIds: z.array(z.string()).optional(),
  /** since the case opened */
  sinceOpened: elapsedSchema,
  /** a phase starts here: the time since the previous phase started */
  phase: z.object({ sincePrevious: elapsedSchema }).optional(),
  /** not yet acknowledged by the server */
  pending: z.boolean(),
});
/** A timeline entry. */
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

/** Query of `GET /api/workspaces/:workspaceId/timeline`: only these groups, only acts of this organisation. */
export const timelineQuerySchema = z.strictObject({
  group: z.enum(TIMELINE_GROUPS).optional(),
  /** an organisation id, or `client` for the client's own acts */
  org: idSchema.optional(),
});
/** Timeline filters. */
export type TimelineQuery = z.infer<typeof timelineQuerySchema>;

/** Answer of the timeline route: oldest first. */
export const timelineResponseSchema = z.object({
  /** when the case opened (the chain's signed `create`) */
  openedAt: z.number(),
  /** elapsed from the opening until now */
  elapsed: elapsedSchema,
  entries: z.array(timelineEntrySchema),
  /** the organisations that appear in the unfiltered timeline, for the filter */
  orgs: z.array(z.object({ orgId: z.string(), name: z.string().optional() })),
});
/** The timeline. */
export type Timeline = z.infer<typeof timelineResponseSchema>;

/** Calendar months and days from `from` to `to` (ms; UTC calendar); zero when `to` is before `from`. */
export function elapsedBetween(from: number, to: number): Elapsed {
  if (!(to > from)) return { months: 0, days: 0 };
  const a = new Date(from);
  const b = new Date(to);
  let months = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
  // A month is complete only when its day (and time) of the month is reached again.
  const dayTime = (d: Date) => d.getUTCDate() * 86_400_000 + (d.getTime() % 86_400_000);
  if (dayTime(b) < dayTime(a)) months -= 1;
  return { months: Math.max(0, months), days: Math.floor((to - from) / 86_400_000) };
}
