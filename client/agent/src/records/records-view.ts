/**
 * A record as the local API shows it: the book's record without attachment key material,
 * with the server's seq (0 while pending) and which of its steps are still pending.
 */
import type { CaseRecordView } from '@yhteispoyta/local-api';
import type { SealedAttachment } from '../chat/chat-payload';
import type { AttachmentRef } from '../contracts';
import type { CaseRecord, RecordAuthor, RecordStep } from './record-book';

function ref(a: SealedAttachment): AttachmentRef {
  return { blobId: a.blobId, name: a.name, type: a.type, size: a.size, sha256: a.sha256 };
}

function author(a: RecordAuthor): RecordAuthor {
  return { userId: a.userId, orgId: a.orgId, role: a.role };
}

function step(s: RecordStep) {
  return { t: s.t, at: s.at, seq: Math.max(s.seq, 0), by: author(s.by), pending: s.seq < 0 };
}

/** The view of a record of `workspaceId`. */
export function recordView(workspaceId: string, record: CaseRecord): CaseRecordView {
  const steps = record.steps.map(step);
  const base = {
    id: record.id,
    workspaceId,
    author: author(record.author),
    at: record.at,
    seq: Math.max(record.seq, 0),
    pending: steps.some((s) => s.pending),
    steps,
  };
  switch (record.kind) {
    case 'request':
      return {
        ...base, kind: 'request', status: record.status, to: record.to, subject: record.subject, question: record.question,
        reason: record.reason, due: record.due, attachments: record.attachments.map(ref),
        ...(record.answeredBy === undefined ? {} : { answeredBy: record.answeredBy }),
      };
    case 'statement':
      return {
        ...base, kind: 'statement', content: record.content, reasons: record.reasons, attachments: record.attachments.map(ref),
        ...(record.answers === undefined ? {} : { answers: record.answers }),
      };
    case 'decision':
      return { ...base, kind: 'decision', content: record.content, cites: record.cites.map((c) => ({ ...c })) };
    case 'concern':
      return {
        ...base, kind: 'concern', status: record.status, toOrgId: record.toOrgId, urgency: record.urgency, content: record.content,
        clientTold: record.clientTold,
        ...(record.feedback === undefined ? {} : { feedback: { content: record.feedback.content, by: author(record.feedback.by), at: record.feedback.at } }),
      };
    case 'meeting':
      return {
        ...base, kind: 'meeting', status: record.status, title: record.title, startsAt: record.startsAt,
        ...(record.place === undefined ? {} : { place: record.place }), ...(record.link === undefined ? {} : { link: record.link }),
        agenda: [...record.agenda], invited: [...record.invited], attended: [...record.attended],
        decisions: record.decisions.map((d) => ({ id: d.id, text: d.text, by: author(d.by), at: d.at, ...(d.action === undefined ? {} : { action: { ...d.action } }) })),
      };
    case 'transition':
      return { ...base, kind: 'transition', transition: record.transition, description: record.description, date: record.date, actor: record.actor };
  }
}
