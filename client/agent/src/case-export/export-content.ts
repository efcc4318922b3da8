/**
 * The content of an export to the case record (docs/design.md §11.5), the same for the
 * PDF and the JSON: title, case label, authors with their organisations, dates, the text,
 * and which events' signatures the agent verified, as it sees them at the moment of
 * export. Built from the agent's own verified view: the replayed record, the document as
 * synced, names from certificates.
 */
import type * as Y from 'yjs';
import { CASE_EXPORT_SCHEMA_VERSION } from '@yhteispoyta/local-api';
import type { CaseExport, CaseRecordView, RecordAddressee, VerifiedPerson } from '@yhteispoyta/local-api';
import type { PersonOf } from '../case-files/people';
import { documentSections, planActions } from './document-text';
import type { TextSection } from './document-text';
import { formatDate, formatTime, kindLabel, labelsOf } from './export-labels';
import type { ExportLang } from './export-labels';

/** What every export knows about where and by whom it is made. */
export interface ExportScene {
  readonly workspace: { readonly id: string; readonly label: string; readonly kind: string };
  readonly personOf: PersonOf;
  readonly selfUserId: string;
  /** the organisations of the workspace by id, with their certified names */
  readonly orgName: (orgId: string) => string | undefined;
  readonly now: number;
  readonly lang: ExportLang;
}

type Verification = CaseExport['verification'];

/** A person as one line: name (organisation). */
export function personLine(p: VerifiedPerson): string {
  const name = p.displayName ?? p.userId;
  const org = p.orgName ?? p.orgId ?? undefined;
  return org === undefined || org === null ? name : `${name} (${org})`;
}

function uniquePeople(people: readonly VerifiedPerson[]): VerifiedPerson[] {
  const seen = new Map<string, VerifiedPerson>();
  for (const p of people) if (!seen.has(p.userId)) seen.set(p.userId, p);
  return [...seen.values()];
}

function recordVerification(record: CaseRecordView, scene: ExportScene): Verification {
  const events = record.steps.map((s) => ({
    event: s.t,
    by: scene.personOf(s.by.userId, { orgId: s.by.orgId, role: s.by.role }),
    at: s.at,
    seq: s.seq,
    result: s.pending ? ('pending' as const) : ('verified' as const),
  }));
  return { checkedAt: scene.now, verified: events.filter((e) => e.result === 'verified').length, pending: events.filter((e) => e.result === 'pending').length, events };
}

function addresseeLine(to: RecordAddressee, scene: ExportScene): string {
  if (to.kind === 'org') return scene.orgName(to.orgId) ?? to.orgId;
  return personLine(scene.personOf(to.userId));
}

/** A section with its non-empty paragraphs. */
export const section = (heading: string, ...paragraphs: (string | undefined)[]): TextSection => ({ heading, paragraphs: paragraphs.filter((p): p is string => p !== undefined && p !== '') });

/** The sections of a record, by its kind. */
function recordSections(record: CaseRecordView, scene: ExportScene, records: readonly CaseRecordView[]): TextSection[] {
  const l = labelsOf(scene.lang);
  const names = (ids: readonly string[]) => ids.map((id) => personLine(scene.personOf(id))).join(', ');
  const status = (s: string) => l.statuses[s] ?? s;
  const files = (attachments: readonly { name: string; size: number }[]) => attachments.map((a) => `${a.name} (${a.size} B)`);
  switch (record.kind) {
    case 'request': {
      const answer = records.find((r) => r.id === record.answeredBy);
      return [
        section(l.to, addresseeLine(record.to, scene)),
        section(l.question, record.question),
        section(l.reason, record.reason),
        section(l.due, formatDate(scene.lang, record.due)),
        section(l.status, status(record.status)),
        ...(record.attachments.length > 0 ? [section(l.attachments, ...files(record.attachments))] : []),
        ...(answer?.kind === 'statement' ? [section(l.answeredBy, `${personLine(scene.personOf(answer.author.userId, answer.author))}, ${formatTime(scene.lang, answer.at)}`, answer.content)] : []),
      ];
    }
    case 'statement': {
      const request = records.find((r) => r.id === record.answers);
      return [
        ...(request?.kind === 'request' ? [section(l.answers, `${request.subject} — ${personLine(scene.personOf(request.author.userId, request.author))}`)] : []),
        section(l.content, record.content),
        section(l.reasons, record.reasons),
        ...(record.attachments.length > 0 ? [section(l.attachments, ...files(record.attachments))] : []),
      ];
    }
    case 'decision':
      return [section(l.content, record.content), ...(record.cites.length > 0 ? [section(l.cites, ...record.cites.map((c) => c.consideration))] : [])];
    case 'concern':
      return [
        section(l.to, scene.orgName(record.toOrgId) ?? record.toOrgId),
        section(l.urgency, l.urgencies[record.urgency] ?? record.urgency),
        section(l.content, record.content),
        section(l.clientTold, record.clientTold ? l.yes : l.no),
        section(l.status, status(record.status)),
        ...(record.feedback === undefined ? [] : [section(l.feedback, `${personLine(scene.personOf(record.feedback.by.userId, record.feedback.by))}, ${formatTime(scene.lang, record.feedback.at)}`, record.feedback.content)]),
      ];
    case 'meeting':
      return meetingSections(record, scene).concat(section(l.invited, names(record.invited)), ...(record.attended.length > 0 ? [section(l.attended, names(record.attended))] : []));
    case 'transition':
      return [
        section(l.transition, l.transitions[record.transition] ?? record.transition),
        section(l.description, record.description),
        section(l.date, formatDate(scene.lang, record.date)),
        section(l.actor, addresseeLine(record.actor, scene)),
      ];
  }
}

function meetingSections(meeting: Extract<CaseRecordView, { kind: 'meeting' }>, scene: ExportScene): TextSection[] {
  const l = labelsOf(scene.lang);
  return [
    section(l.startsAt, formatTime(scene.lang, meeting.startsAt)),
    ...(meeting.place === undefined ? [] : [section(l.place, meeting.place)]),
    ...(meeting.link === undefined ? [] : [section(l.link, meeting.link)]),
    section(l.status, l.statuses[meeting.status] ?? meeting.status),
    section(l.agenda, ...meeting.agenda.map((item, i) => `${i + 1}. ${item}`)),
    ...(meeting.decisions.length > 0 ? [section(l.decisions, ...meeting.decisions.map((d) => `${d.text} — ${personLine(scene.personOf(d.by.userId, d.by))}${d.action === undefined ? '' : `, ${l.due.toLowerCase()} ${formatDate(scene.lang, d.action.due)}`}`))] : []),
  ];
}

/** What every export starts with: schema version, subject, title, workspace, who exported it and when. */
export function base(scene: ExportScene, what: CaseExport['what'], title: string): Pick<CaseExport, 'schemaVersion' | 'what' | 'lang' | 'title' | 'workspace' | 'exportedAt' | 'exportedBy'> {
  return {
    schemaVersion: CASE_EXPORT_SCHEMA_VERSION,
    what,
    lang: scene.lang,
    title,
    workspace: { ...scene.workspace },
    exportedAt: scene.now,
    exportedBy: scene.personOf(scene.selfUserId),
  };
}

/** The export of one record. */
export function recordExport(record: CaseRecordView, records: readonly CaseRecordView[], scene: ExportScene): CaseExport {
  const kind = kindLabel(scene.lang, record.kind);
  const title = record.kind === 'request' ? `${kind}: ${record.subject}` : record.kind === 'meeting' ? `${kind}: ${record.title}` : kind;
  const verification = recordVerification(record, scene);
  return {
    ...base(scene, 'record', title),
    authors: uniquePeople(verification.events.flatMap((e) => (e.by === undefined ? [] : [e.by]))),
    date: record.at,
    sections: recordSections(record, scene, records),
    verification,
    record,
  };
}

/** The members of the workspace, for a co-edited document whose edits have no single author. */
function documentVerification(scene: ExportScene, stream: string): Verification {
  return { checkedAt: scene.now, verified: 1, pending: 0, events: [{ event: `document:${stream}`, seq: 0, result: 'verified' }] };
}

/** The export of the plan: its text and agreed actions. */
export function planExport(doc: Y.Doc, members: readonly VerifiedPerson[], scene: ExportScene): CaseExport {
  const l = labelsOf(scene.lang);
  const actions = planActions(doc);
  const actionLines = actions.map((a) => [a.what, [a.owner, a.organisation].filter((s) => s !== '').join(', '), a.due === '' ? '' : `${l.due.toLowerCase()} ${formatDate(scene.lang, a.due)}`, l.statuses[a.status] ?? a.status].filter((s) => s !== '').join(' — '));
  return {
    ...base(scene, 'plan', l.plan),
    authors: [...members],
    sections: [...documentSections(doc, l.plan), section(l.actions, ...(actionLines.length === 0 ? [l.noActions] : actionLines))],
    verification: documentVerification(scene, 'plan'),
    actions,
  };
}

/** The export of a meeting's minutes: the meeting as recorded, then the co-edited minutes. */
export function minutesExport(meeting: Extract<CaseRecordView, { kind: 'meeting' }>, doc: Y.Doc, scene: ExportScene): CaseExport {
  const l = labelsOf(scene.lang);
  const verification = recordVerification(meeting, scene);
  const minutes = documentSections(doc, l.minutes);
  const attendees = meeting.attended.length > 0 ? meeting.attended : meeting.invited;
  return {
    ...base(scene, 'minutes', `${l.minutes}: ${meeting.title}`),
    authors: uniquePeople([...verification.events.flatMap((e) => (e.by === undefined ? [] : [e.by])), ...attendees.map((id) => scene.personOf(id))]),
    date: meeting.startsAt,
    sections: [...meetingSections(meeting, scene), section(meeting.attended.length > 0 ? l.attended : l.invited, ...attendees.map((id) => personLine(scene.personOf(id)))), ...(minutes.length === 0 ? [section(l.minutes, l.empty)] : minutes)],
    verification: {
      ...verification,
      verified: verification.verified + 1,
      events: [...verification.events, ...documentVerification(scene, `meeting-${meeting.id}`).events],
    },
    record: meeting,
  };
}
