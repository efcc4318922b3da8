import { describe, expect, it } from 'vitest';
import { elapsedBetween } from '@yhteispoyta/local-api';
import type { CaseRecordView } from '@yhteispoyta/local-api';
import type { ChainHistory, ChatMessage } from '../contracts';
import { buildTimeline } from './case-timeline';

const day = 86_400_000;
const opened = Date.UTC(2026, 0, 15, 9);
const kela = { userId: 'kela1', orgId: 'kela', role: 'kela_expert' as const };
const sari = { userId: 'sari', orgId: 'kunta', role: 'social_worker' as const };

const history: ChainHistory = {
  openedAt: opened,
  entries: [
    { seq: 0, at: opened, kind: 'case_opened', by: 'kela1' },
    { seq: 1, at: opened + day, kind: 'member_added', by: 'kela1', subject: 'sari' },
    { seq: 2, at: opened + 2 * day, kind: 'member_added', by: 'kela1', subject: 'asiakas' },
    { seq: 3, at: opened + 3 * day, kind: 'consent_granted', by: 'asiakas', orgIds: ['kela', 'kunta'] },
    { seq: 4, at: opened + 40 * day, kind: 'consent_changed', by: 'asiakas', orgIds: ['kela'] },
  ],
  people: new Map([
    ['kela1', { userId: 'kela1', orgId: 'kela', role: 'kela_expert', displayName: 'Kaisa Kela', orgName: 'Kela' }],
    ['sari', { userId: 'sari', orgId: 'kunta', role: 'social_worker', displayName: 'Sari Sosiaali', orgName: 'Kaupunki' }],
    ['asiakas', { userId: 'asiakas', orgId: null, role: 'client', displayName: 'Asiakas' }],
  ]),
};

const step = (t: string, at: number, by: { userId: string; orgId: string | null; role: 'kela_expert' | 'social_worker' }) => ({ t, at, seq: 1, by, pending: false });
const records: CaseRecordView[] = [
  {
    id: 'req', workspaceId: 'w', kind: 'request', author: kela, at: opened + 10 * day, seq: 1, pending: false,
    steps: [step('request', opened + 10 * day, kela), step('statement', opened + 20 * day, sari), step('request_acknowledge', opened + 21 * day, kela)],
    status: 'acknowledged', to: { kind: 'org', orgId: 'kunta' }, subject: 'Aktivointisuunnitelma', question: 'q', reason: 'r', due: '2026-02-01',
    attachments: [], answeredBy: 'st',
  },
  {
    id: 'st', workspaceId: 'w', kind: 'statement', author: sari, at: opened + 20 * day, seq: 2, pending: false,
    steps: [step('statement', opened + 20 * day, sari)], content: 'Lausunto', reasons: 'Perustelut', answers: 'req',
    attachments: [{ blobId: 'b1', name: 'suunnitelma.pdf', type: 'application/pdf', size: 10, sha256: '0'.repeat(64) }],
  },
  {
    id: 'm', workspaceId: 'w', kind: 'meeting', author: sari, at: opened + 30 * day, seq: 3, pending: false,
    steps: [step('meeting', opened + 30 * day, sari), step('meeting_attendance', opened + 70 * day, sari), step('meeting_decision', opened + 70 * day + 1000, sari)],
    status: 'held', title: 'Verkostoneuvottelu', startsAt: opened + 69 * day, agenda: ['Tilanne'], invited: ['kela1'], attended: ['kela1'],
    decisions: [{ id: 'd1', text: 'Sosiaaliohjaaja varaa ajan terveydenhuoltoon', by: sari, at: opened + 70 * day + 1000 }],
  },
  {
    id: 't', workspaceId: 'w', kind: 'transition', author: kela, at: opened + 190 * day, seq: 4, pending: false,
    steps: [step('transition', opened + 190 * day, kela)], transition: 'benefit_age_limit', description: 'Nuoren kuntoutusraha päättyy', date: '2026-09-01', actor: { kind: 'org', orgId: 'kela' },
  },
];
const chat: ChatMessage[] = [
  { id: 'c1', workspaceId: 'w', author: { userId: 'sari', deviceId: 1 }, text: '', attachments: [{ blobId: 'b2', name: 'lähete.pdf', type: 'application/pdf', size: 1, sha256: '0'.repeat(64) }], sentAt: opened + 5 * day, seq: 1, deleted: false, verified: true, pending: false },
  { id: 'c2', workspaceId: 'w', author: { userId: 'sari', deviceId: 1 }, text: '', attachments: [{ blobId: 'b3', name: 'väärennetty.pdf', type: 'application/pdf', size: 1, sha256: '0'.repeat(64) }], sentAt: opened + 6 * day, seq: 2, deleted: false, verified: false, pending: false },
];

describe('case timeline', () => {
  const now = opened + 200 * day;
  const timeline = buildTimeline({ history, records, chat, now });

  it('merges chain, records and attachments oldest first, each once, with authors and organisations from the chain', () => {
    expect(timeline.entries.map((e) => e.kind)).toEqual([
      'case_opened', 'member_added', 'member_added', 'consent_granted', 'attachment', 'request_sent', 'request_answered', 'attachment',
      'request_acknowledged', 'meeting_planned', 'consent_changed', 'meeting_held', 'meeting_decision', 'transition',
    ]);
    const answered = timeline.entries.find((e) => e.kind === 'request_answered');
    expect(answered).toMatchObject({ title: 'Aktivointisuunnitelma', by: { userId: 'sari', orgId: 'kunta', displayName: 'Sari Sosiaali', orgName: 'Kaupunki' }, group: 'request' });
    expect(timeline.entries.filter((e) => e.kind === 'attachment').map((e) => e.title)).toEqual(['lähete.pdf', 'suunnitelma.pdf']);
    expect(timeline.entries[2]).toMatchObject({ subject: { userId: 'asiakas', orgId: null }, title: 'Asiakas' });
    expect(timeline.entries.find((e) => e.kind === 'meeting_decision')?.title).toBe('Sosiaaliohjaaja varaa ajan terveydenhuoltoon');
  });

  it('counts elapsed time since the opening and between phases as the seeds do', () => {
    expect(timeline.elapsed).toEqual({ months: 6, days: 200 });
    const transition = timeline.entries.find((e) => e.kind === 'transition');
    expect(transition?.sinceOpened).toEqual({ months: 6, days: 190 });
    const phases = timeline.entries.filter((e) => e.phase !== undefined).map((e) => [e.kind, e.phase?.sincePrevious.months, e.phase?.sincePrevious.days]);
    // opened → meeting held after 70 days (2 months), the decision at once, the transition 120 days later (3 months)
    expect(phases).toEqual([['case_opened', 0, 0], ['meeting_held', 2, 70], ['meeting_decision', 0, 0], ['transition', 3, 119]]);
  });

  it('filters by group and by organisation without changing elapsed times or phases', () => {
    const meetings = buildTimeline({ history, records, chat, now }, { group: 'meeting' });
    expect(meetings.entries.map((e) => e.kind)).toEqual(['meeting_planned', 'meeting_held']);
    expect(meetings.entries[1]?.phase?.sincePrevious).toEqual({ months: 2, days: 70 });
    const decisions = buildTimeline({ history, records, chat, now }, { group: 'decision' });
    expect(decisions.entries.map((e) => e.kind)).toEqual(['meeting_decision']);
    const kelaOnly = buildTimeline({ history, records, chat, now }, { org: 'kela' });
    expect(new Set(kelaOnly.entries.map((e) => e.by.orgId))).toEqual(new Set(['kela']));
    expect(kelaOnly.entries.map((e) => e.kind)).toEqual(['case_opened', 'member_added', 'member_added', 'request_sent', 'request_acknowledged', 'transition']);
    const client = buildTimeline({ history, records, chat, now }, { org: 'clients' });
    expect(client.entries.map((e) => e.kind)).toEqual(['consent_granted', 'consent_changed']);
    // In the order they first act.
    expect(timeline.orgs).toEqual([{ orgId: 'kela', name: 'Kela' }, { orgId: 'clients' }, { orgId: 'kunta', name: 'Kaupunki' }]);
  });

  it('an organisation name is the certified one of the same organisation, never another', () => {
    // A step whose author the chain named in another organisation then keeps that organisation and gets no name for it.
    const moved = buildTimeline({ history, records: [{ ...records[3] as CaseRecordView, steps: [step('transition', opened, { ...kela, orgId: 'muu' })] }], chat: [], now });
    expect(moved.entries.find((e) => e.kind === 'transition')?.by).toEqual({ userId: 'kela1', orgId: 'muu', role: 'kela_expert', displayName: 'Kaisa Kela' });
  });
});

describe('elapsed time', () => {
  it('counts whole calendar months and days', () => {
    expect(elapsedBetween(Date.UTC(2026, 0, 15), Date.UTC(2026, 6, 15))).toEqual({ months: 6, days: 181 });
    expect(elapsedBetween(Date.UTC(2026, 0, 15), Date.UTC(2026, 6, 14))).toEqual({ months: 5, days: 180 });
    expect(elapsedBetween(Date.UTC(2026, 0, 31), Date.UTC(2026, 1, 28))).toEqual({ months: 0, days: 28 });
    expect(elapsedBetween(Date.UTC(2025, 11, 1), Date.UTC(2026, 11, 1))).toEqual({ months: 12, days: 365 });
    expect(elapsedBetween(Date.UTC(2026, 5, 1), Date.UTC(2026, 4, 1))).toEqual({ months: 0, days: 0 });
  });
});
