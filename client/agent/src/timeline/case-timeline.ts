/**
 * The case timeline (aikajana, issue 12) built from verified data only: the records as this
 * device's replay of the signed `records` stream shows them (each step's author as the
 * verified chain named him then), the membership and consent events of the verified chain,
 * and the attachments of verified chat messages. Names and organisation names come from the
 * chain's people (certificates), never from a label the server supplies.
 *
 * Entries run oldest first by their signed time. Elapsed times are counted as the seeds
 * count them ("Kulunut aika 6 kk"): whole calendar months, with the days beside; a phase
 * starts at the opening, a meeting held, a decision and a transition point, and each phase
 * start says how long the previous phase lasted. Both are computed on the whole timeline,
 * before a filter picks entries, so a filter never changes a phase's length.
 */
import { CLIENTS_ORG_ID, PHASE_KINDS, TIMELINE_GROUP_OF, elapsedBetween } from '@yhteispoyta/local-api';
import type { CaseRecordView, Timeline, TimelineEntry, TimelineKind, TimelinePerson, TimelineQuery } from '@yhteispoyta/local-api';
import type { ChainHistory, ChatMessage } from '../contracts';

/** Longest title taken from a record's prose. */
const TITLE_CHARS = 140;

type Draft = Omit<TimelineEntry, 'group' | 'sinceOpened' | 'phase'>;

interface Author {
  readonly userId: string;
  readonly orgId: string | null;
  readonly role?: TimelinePerson['role'];
}

const RECORD_STEP_KINDS: Readonly<Record<string, TimelineKind>> = {
  request: 'request_sent',
  request_acknowledge: 'request_acknowledged',
  request_withdraw: 'request_withdrawn',
  decision: 'decision',
  concern: 'concern_sent',
  concern_feedback: 'concern_feedback',
  meeting: 'meeting_planned',
  meeting_attendance: 'meeting_held',
  meeting_cancel: 'meeting_cancelled',
  meeting_decision: 'meeting_decision',
  transition: 'transition',
};

function title(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > TITLE_CHARS ? `${line.slice(0, TITLE_CHARS - 1)}…` : line;
}

/** Everything the timeline is built from. */
export interface TimelineSources {
  readonly history: ChainHistory;
  readonly records: readonly CaseRecordView[];
  /** the workspace's chat; only verified, not deleted messages' attachments are taken */
  readonly chat: readonly ChatMessage[];
  /** ms since epoch */
  readonly now: number;
}

/** The timeline of one workspace, filtered by `query`. */
export function buildTimeline(sources: TimelineSources, query: TimelineQuery = {}): Timeline {
  const { history } = sources;
  const person = (who: Author): TimelinePerson => {
    const known = history.people.get(who.userId);
    // The organisation the event's author had then (records) or the chain gave him; names from certificates.
    const orgId = who.orgId === CLIENTS_ORG_ID ? null : who.orgId;
    const role = who.role ?? known?.role;
    return {
      userId: who.userId,
      orgId,
      ...(role === undefined ? {} : { role }),
      ...(known?.displayName === undefined ? {} : { displayName: known.displayName }),
      ...(known?.orgName === undefined || known.orgId !== orgId ? {} : { orgName: known.orgName }),
    };
  };
  const chainPerson = (userId: string): TimelinePerson => person({ userId, orgId: history.people.get(userId)?.orgId ?? null });

  const drafts: Draft[] = [];
  for (const entry of history.entries) {
    const subject = entry.subject === undefined ? undefined : chainPerson(entry.subject);
    drafts.push({
      id: `chain-${entry.seq}`, kind: entry.kind, at: entry.at, by: chainPerson(entry.by),
      title: subject?.displayName ?? entry.subject ?? '',
      ...(subject === undefined ? {} : { subject }),
      ...(entry.orgIds === undefined ? {} : { orgIds: [...entry.orgIds] }),
      pending: false,
    });
  }
  for (const record of sources.records) drafts.push(...recordEntries(record, sources.records, person));
  for (const message of sources.chat) {
    if (!message.verified || message.deleted) continue;
    message.attachments.forEach((a, index) => {
      drafts.push({
        id: `chat-${message.id}-${index}`, kind: 'attachment', at: message.sentAt,
        by: chainPerson(message.author.userId), title: a.name, pending: message.pending,
      });
    });
  }

  // Oldest first by signed time; the order they were gathered in breaks ties.
  const ordered = drafts.map((d, index) => ({ d, index })).sort((a, b) => a.d.at - b.d.at || a.index - b.index).map(({ d }) => d);
  let phaseStart = history.openedAt;
  const all: TimelineEntry[] = ordered.map((d) => {
    const entry: TimelineEntry = { ...d, group: TIMELINE_GROUP_OF[d.kind], sinceOpened: elapsedBetween(history.openedAt, d.at) };
    if (!PHASE_KINDS.has(d.kind)) return entry;
    const sincePrevious = elapsedBetween(phaseStart, d.at);
    phaseStart = Math.max(phaseStart, d.at);
    return { ...entry, phase: { sincePrevious } };
  });

  const orgs = new Map<string, string | undefined>();
  for (const e of all) {
    const key = e.by.orgId ?? CLIENTS_ORG_ID;
    if (!orgs.has(key) || orgs.get(key) === undefined) orgs.set(key, e.by.orgName);
  }
  const entries = all.filter(
    (e) => (query.group === undefined || e.group === query.group) && (query.org === undefined || (e.by.orgId ?? CLIENTS_ORG_ID) === query.org),
  );
  return {
    openedAt: history.openedAt,
    elapsed: elapsedBetween(history.openedAt, sources.now),
    entries,
    orgs: [...orgs].map(([orgId, name]) => (name === undefined ? { orgId } : { orgId, name })),
  };
}

/** One entry per signed step of a record, and one per attached file. */
function recordEntries(record: CaseRecordView, records: readonly CaseRecordView[], person: (who: Author) => TimelinePerson): Draft[] {
  const out: Draft[] = [];
  const files = (attachments: readonly { name: string }[], step: { at: number; by: Author; pending: boolean }, key: string) =>
    attachments.forEach((a, index) => out.push({ id: `${key}-file-${index}`, kind: 'attachment', at: step.at, by: person(step.by), title: a.name, recordId: record.id, pending: step.pending }));
  let decisionIndex = 0;
  record.steps.forEach((step, index) => {
    const id = `${record.id}-${index}`;
    const base = { id, at: step.at, by: person(step.by), recordId: record.id, pending: step.pending };
    if (step.t === 'statement') {
      if (record.kind === 'request') {
        // The answer to a request is one event: shown once, as the request answered, with the statement's files.
        const answer = records.find((r) => r.id === record.answeredBy);
        out.push({ ...base, kind: 'request_answered', title: record.subject });
        if (answer?.kind === 'statement') files(answer.attachments, step, id);
      } else if (record.kind === 'statement' && record.answers === undefined) {
        out.push({ ...base, kind: 'statement', title: title(record.content) });
        files(record.attachments, step, id);
      }
      return;
    }
    const kind = RECORD_STEP_KINDS[step.t];
    if (kind === undefined) return;
    out.push({ ...base, kind, title: recordTitle(record, kind, decisionIndex) });
    if (kind === 'meeting_decision') decisionIndex++;
    if (kind === 'request_sent' && record.kind === 'request') files(record.attachments, step, id);
  });
  return out;
}

function recordTitle(record: CaseRecordView, kind: TimelineKind, decisionIndex: number): string {
  switch (record.kind) {
    case 'request':
      return record.subject;
    case 'statement':
      return title(record.content);
    case 'decision':
      return title(record.content);
    case 'concern':
      return kind === 'concern_feedback' && record.feedback !== undefined ? title(record.feedback.content) : title(record.content);
    case 'meeting':
      return kind === 'meeting_decision' ? title(record.decisions[decisionIndex]?.text ?? record.title) : record.title;
    case 'transition':
      return `${record.description} (${record.date})`;
  }
}
