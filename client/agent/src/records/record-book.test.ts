/**
 * The records' status machines and rights, as every agent enforces them on replay: each
 * lifecycle of docs/design.md §11 end to end, and every refusal leaving the book as it was.
 */
import { describe, expect, it } from 'vitest';
import { utf8 } from '@yhteispoyta/crypto/bytes';
import { RecordBook } from './record-book';
import type { RecordAuthor, RecordContext, RecordMember } from './record-book';
import { encodeRecordEvent, parseRecordEvent } from './record-payload';
import type { RecordEvent } from './record-payload';

const KELA: RecordAuthor = { userId: 'kela-1', orgId: 'kela', role: 'kela_expert' };
const KELA2: RecordAuthor = { userId: 'kela-2', orgId: 'kela', role: 'kela_expert' };
const SOTE: RecordAuthor = { userId: 'sote-1', orgId: 'hyvinvointialue', role: 'social_worker' };
const HEALTH: RecordAuthor = { userId: 'health-1', orgId: 'hyvinvointialue', role: 'health_professional' };
const CLIENT: RecordAuthor = { userId: 'client-1', orgId: null, role: 'client' };
const MEMBERS: ReadonlyMap<string, RecordMember> = new Map([KELA, KELA2, SOTE, HEALTH, CLIENT].map((a) => [a.userId, { orgId: a.orgId, role: a.role }]));

const AT = Date.UTC(2026, 11, 1, 9);

/** A book and a way to apply events to it in stream order. */
function book() {
  const records = new RecordBook();
  let seq = 0;
  const apply = (author: RecordAuthor, event: RecordEvent) => {
    const ctx: RecordContext = { author, seq: ++seq, members: MEMBERS };
    return records.apply(event, ctx);
  };
  return { records, apply };
}

const request = (overrides: Partial<Extract<RecordEvent, { t: 'request' }>> = {}): RecordEvent => ({
  t: 'request', id: 'r1', at: AT, to: { kind: 'org', orgId: 'hyvinvointialue' },
  subject: 'Lisäselvityspyyntö', question: 'Onko asiakkaalla sosiaalihuollon asiakkuus?\nMillainen?', reason: 'Kuntoutusrahan käsittely', due: '2026-12-15', attachments: [],
  ...overrides,
});
const statement = (overrides: Partial<Extract<RecordEvent, { t: 'statement' }>> = {}): RecordEvent => ({
  t: 'statement', id: 's1', at: AT + 1000, content: 'Asiakkuus on alkanut 2026.', reasons: 'Asiakasrekisteri', attachments: [], answers: 'r1', ...overrides,
});

/** A snapshot of everything the book holds, to compare before and after a refusal. */
const snapshot = (records: RecordBook) => JSON.stringify(records.list());

describe('information request (lisäselvityspyyntö)', () => {
  it('goes sent → answered → acknowledged: the addressee organisation answers, the requester acknowledges', () => {
    const { records, apply } = book();
    expect(apply(KELA, request())).toEqual({ ok: true, recordId: 'r1' });
    expect(records.get('r1')).toMatchObject({ kind: 'request', status: 'sent', author: KELA });
    // Any member of the addressed organisation may answer, not only one person.
    expect(apply(HEALTH, statement())).toEqual({ ok: true, recordId: 's1' });
    expect(records.get('r1')).toMatchObject({ status: 'answered', answeredBy: 's1' });
    expect(apply(KELA, { t: 'request_acknowledge', requestId: 'r1', at: AT + 2000 })).toEqual({ ok: true, recordId: 'r1' });
    expect(records.get('r1')).toMatchObject({ status: 'acknowledged' });
    expect(records.get('r1')?.steps.map((s) => s.t)).toEqual(['request', 'statement', 'request_acknowledge']);
  });

  it('refuses answers by another organisation, acknowledgement by someone else and steps out of order — changing nothing', () => {
    const { records, apply } = book();
    apply(KELA, request());
    const before = snapshot(records);
    expect(apply(KELA2, statement())).toMatchObject({ ok: false, code: 'not_allowed' });
    expect(apply(KELA, { t: 'request_acknowledge', requestId: 'r1', at: AT })).toMatchObject({ ok: false, code: 'wrong_status' });
    expect(snapshot(records)).toBe(before);
    apply(SOTE, statement());
    expect(apply(KELA2, { t: 'request_acknowledge', requestId: 'r1', at: AT })).toMatchObject({ ok: false, code: 'not_allowed' });
    expect(apply(KELA, { t: 'request_withdraw', requestId: 'r1', at: AT })).toMatchObject({ ok: false, code: 'wrong_status' });
    expect(apply(SOTE, statement({ id: 's2' }))).toMatchObject({ ok: false, code: 'wrong_status' });
    expect(records.get('s2')).toBeUndefined();
  });

  it('is withdrawn only by the requester while unanswered, and then cannot be answered', () => {
    const { records, apply } = book();
    apply(KELA, request());
    expect(apply(SOTE, { t: 'request_withdraw', requestId: 'r1', at: AT })).toMatchObject({ ok: false, code: 'not_allowed' });
    expect(apply(KELA, { t: 'request_withdraw', requestId: 'r1', at: AT })).toEqual({ ok: true, recordId: 'r1' });
    expect(records.get('r1')).toMatchObject({ status: 'withdrawn' });
    expect(apply(SOTE, statement())).toMatchObject({ ok: false, code: 'wrong_status' });
  });

  it('addressed to the client is answered by the client himself; to a member, by his organisation', () => {
    const { records, apply } = book();
    apply(KELA, request({ to: { kind: 'member', userId: CLIENT.userId } }));
    expect(apply(SOTE, statement())).toMatchObject({ ok: false, code: 'not_allowed' });
    expect(apply(CLIENT, statement())).toEqual({ ok: true, recordId: 's1' });
    apply(KELA, request({ id: 'r2', to: { kind: 'member', userId: SOTE.userId } }));
    expect(apply(HEALTH, statement({ id: 's2', answers: 'r2' }))).toEqual({ ok: true, recordId: 's2' });
    expect(records.get('r2')).toMatchObject({ status: 'answered' });
  });

  it('is sent only by a professional, to an organisation or a member of the workspace', () => {
    const { records, apply } = book();
    expect(apply(CLIENT, request())).toMatchObject({ ok: false, code: 'not_allowed' });
    expect(apply(KELA, request({ to: { kind: 'org', orgId: 'tyollisyyspalvelut' } }))).toMatchObject({ ok: false, code: 'unknown_organisation' });
    expect(apply(KELA, request({ to: { kind: 'member', userId: 'stranger' } }))).toMatchObject({ ok: false, code: 'unknown_member' });
    expect(records.list()).toEqual([]);
  });
});

describe('statements and decisions', () => {
  it('a client states only in answer to a request addressed to him', () => {
    const { apply } = book();
    expect(apply(CLIENT, statement({ answers: undefined }))).toMatchObject({ ok: false, code: 'not_allowed' });
    expect(apply(SOTE, statement({ answers: undefined }))).toEqual({ ok: true, recordId: 's1' });
    expect(apply(SOTE, statement({ id: 's2', answers: 'nothing' }))).toMatchObject({ ok: false, code: 'unknown_record' });
  });

  it('a decision cites existing statements, each with how it was considered', () => {
    const { records, apply } = book();
    apply(SOTE, statement({ answers: undefined }));
    const decision: RecordEvent = { t: 'decision', id: 'd1', at: AT, content: 'Kuntoutusraha myönnetään.', cites: [{ statementId: 's1', consideration: 'Lausunto tukee kuntoutustarvetta.' }] };
    expect(apply(KELA, { ...decision, cites: [{ statementId: 'nope', consideration: 'x' }] })).toMatchObject({ ok: false, code: 'unknown_record' });
    expect(apply(CLIENT, decision)).toMatchObject({ ok: false, code: 'not_allowed' });
    expect(apply(KELA, decision)).toEqual({ ok: true, recordId: 'd1' });
    expect(records.get('d1')).toMatchObject({ kind: 'decision', cites: [{ statementId: 's1' }] });
    // A decision is not a statement: citing it is refused.
    expect(apply(KELA, { ...decision, id: 'd2', cites: [{ statementId: 'd1', consideration: 'x' }] })).toMatchObject({ ok: false, code: 'unknown_record' });
  });

  it('refuses a second record with an id already taken, of any kind', () => {
    const { apply } = book();
    apply(KELA, request());
    expect(apply(SOTE, statement({ id: 'r1', answers: undefined }))).toMatchObject({ ok: false, code: 'duplicate_record' });
  });
});

describe('concern notice (ilmoitus sosiaalihuollon tarpeesta)', () => {
  it('is closed by the receiving organisation’s feedback, once', () => {
    const { records, apply } = book();
    const concern: RecordEvent = { t: 'concern', id: 'c1', at: AT, toOrgId: 'hyvinvointialue', urgency: 'urgent', content: 'Asiakas on vailla asuntoa.', clientTold: true };
    expect(apply(CLIENT, concern)).toMatchObject({ ok: false, code: 'not_allowed' });
    expect(apply(KELA, concern)).toEqual({ ok: true, recordId: 'c1' });
    const feedback: RecordEvent = { t: 'concern_feedback', concernId: 'c1', at: AT + 5000, content: 'Palvelutarpeen arviointi aloitettu.' };
    expect(apply(KELA2, feedback)).toMatchObject({ ok: false, code: 'not_allowed' });
    expect(apply(SOTE, feedback)).toEqual({ ok: true, recordId: 'c1' });
    expect(records.get('c1')).toMatchObject({ status: 'closed', feedback: { by: SOTE, content: 'Palvelutarpeen arviointi aloitettu.' } });
    expect(apply(HEALTH, feedback)).toMatchObject({ ok: false, code: 'wrong_status' });
  });
});

describe('network meeting (verkostoneuvottelu)', () => {
  const meeting: RecordEvent = {
    t: 'meeting', id: 'm1', at: AT, title: 'Verkostoneuvottelu', startsAt: AT + 86_400_000, place: 'Kela, Kamppi',
    agenda: ['Tilannekatsaus', 'Kuntoutussuunnitelma'], invited: [SOTE.userId, CLIENT.userId],
  };

  it('is planned, held with attendance recorded afterwards, and makes decisions that can become actions', () => {
    const { records, apply } = book();
    expect(apply(KELA, meeting)).toEqual({ ok: true, recordId: 'm1' });
    const attendance: RecordEvent = { t: 'meeting_attendance', meetingId: 'm1', at: AT + 86_400_000 + 3_600_000, attended: [KELA.userId, CLIENT.userId] };
    expect(apply(SOTE, attendance)).toMatchObject({ ok: false, code: 'not_allowed' });
    expect(apply(KELA, { ...attendance, at: AT + 1000 })).toMatchObject({ ok: false, code: 'wrong_status' });
    expect(apply(KELA, attendance)).toEqual({ ok: true, recordId: 'm1' });
    const decision: RecordEvent = { t: 'meeting_decision', id: 'md1', meetingId: 'm1', at: AT + 86_400_000, text: 'Haetaan kuntoutusrahaa.', action: { ownerUserId: SOTE.userId, due: '2027-01-15' } };
    expect(apply(HEALTH, decision)).toMatchObject({ ok: false, code: 'not_allowed' });
    expect(apply(CLIENT, decision)).toMatchObject({ ok: false, code: 'not_allowed' });
    expect(apply(SOTE, { ...decision, action: { ownerUserId: 'stranger', due: '2027-01-15' } })).toMatchObject({ ok: false, code: 'unknown_member' });
    expect(apply(SOTE, decision)).toEqual({ ok: true, recordId: 'm1' });
    expect(apply(SOTE, { ...decision, meetingId: 'm1' })).toMatchObject({ ok: false, code: 'duplicate_record' });
    expect(records.get('m1')).toMatchObject({ status: 'held', attended: [KELA.userId, CLIENT.userId], decisions: [{ id: 'md1', action: { ownerUserId: SOTE.userId } }] });
    expect(apply(KELA, { t: 'meeting_cancel', meetingId: 'm1', at: AT })).toMatchObject({ ok: false, code: 'wrong_status' });
  });

  it('is cancelled only by the one who called it, and then records nothing', () => {
    const { records, apply } = book();
    apply(KELA, meeting);
    expect(apply(SOTE, { t: 'meeting_cancel', meetingId: 'm1', at: AT })).toMatchObject({ ok: false, code: 'not_allowed' });
    expect(apply(KELA, { t: 'meeting_cancel', meetingId: 'm1', at: AT })).toEqual({ ok: true, recordId: 'm1' });
    expect(records.get('m1')).toMatchObject({ status: 'cancelled' });
    expect(apply(KELA, { t: 'meeting_attendance', meetingId: 'm1', at: AT + 90_000_000, attended: [] })).toMatchObject({ ok: false, code: 'wrong_status' });
    expect(apply(SOTE, { t: 'meeting_decision', id: 'md1', meetingId: 'm1', at: AT, text: 'x' })).toMatchObject({ ok: false, code: 'wrong_status' });
  });

  it('invites only members of the workspace', () => {
    const { apply } = book();
    expect(apply(KELA, { ...meeting, invited: ['stranger'] })).toMatchObject({ ok: false, code: 'unknown_member' });
  });
});

describe('transition point (nivelvaihe)', () => {
  it('names who acts: a member or an organisation of the workspace', () => {
    const { records, apply } = book();
    const transition: RecordEvent = { t: 'transition', id: 't1', at: AT, kind: 'benefit_age_limit', description: 'Lapsilisä päättyy', date: '2027-03-01', actor: { kind: 'org', orgId: 'kela' } };
    expect(apply(CLIENT, transition)).toMatchObject({ ok: false, code: 'not_allowed' });
    expect(apply(SOTE, { ...transition, actor: { kind: 'member', userId: 'stranger' } })).toMatchObject({ ok: false, code: 'unknown_member' });
    expect(apply(SOTE, transition)).toEqual({ ok: true, recordId: 't1' });
    expect(records.get('t1')).toMatchObject({ kind: 'transition', transition: 'benefit_age_limit', date: '2027-03-01' });
  });
});

describe('records payloads from the wire', () => {
  it('round-trip, and bad input is a readable refusal, never a throw', () => {
    const event = request();
    expect(parseRecordEvent(encodeRecordEvent(event))).toEqual({ ok: true, event });
    const bad = (value: unknown) => parseRecordEvent(utf8(JSON.stringify(value)));
    expect(parseRecordEvent(utf8('{'))).toEqual({ ok: false, detail: 'not UTF-8 JSON' });
    expect(bad({ ...event, due: '2027-02-30' })).toEqual({ ok: false, detail: 'due: must be a date that exists' });
    expect(bad({ ...event, question: '   ' })).toMatchObject({ ok: false, detail: expect.stringContaining('question') });
    expect(bad({ ...event, subject: 'a\u202Eb' })).toMatchObject({ ok: false });
    expect(bad({ ...event, extra: 1 })).toMatchObject({ ok: false });
    expect(bad({ t: 'decision', id: 'd', at: AT, content: 'x', cites: [{ statementId: 's', consideration: ' ' }] })).toMatchObject({ ok: false });
    expect(bad({ t: 'decision', id: 'd', at: AT, content: 'x', cites: [{ statementId: 's', consideration: 'a' }, { statementId: 's', consideration: 'b' }] })).toMatchObject({ ok: false });
    expect(bad({ t: 'meeting', id: 'm', at: AT, title: 'T', startsAt: AT, link: 'http://example.org', agenda: ['a'], invited: ['u'] })).toMatchObject({ ok: false, detail: 'link: must be an https address' });
    expect(bad({ t: 'meeting', id: 'm', at: AT, title: 'T', startsAt: AT, agenda: [], invited: ['u'] })).toMatchObject({ ok: false });
    expect(bad({ t: 'unknown', id: 'x', at: AT })).toMatchObject({ ok: false });
    expect(() => encodeRecordEvent({ ...event, due: 'soon' } as RecordEvent)).toThrow(RangeError);
  });
});
