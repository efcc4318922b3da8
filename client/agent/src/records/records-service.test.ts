/**
 * The records service over the real relay in-process (SyncWorld): each agent replays the
 * same signed events in server order and reaches the same records; an action the rules
 * refuse is a typed error and queues nothing; an event the rules refuse (a race lost, a
 * member bypassing his agent) is refused on every agent alike, reported once, and changes
 * nothing; pending events survive going offline and a restart.
 */
import { envelopeFrame } from '@yhteispoyta/crypto/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import { sealEnvelope } from '@yhteispoyta/crypto/envelope';
import { RECORDS_STREAM } from '@yhteispoyta/crypto/stream-rules';
import { PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import type { CaseRecordView, RecordAction } from '@yhteispoyta/local-api';
import { isOf, SyncWorld } from '../sync/testkit/sync-world';
import type { WorldAgent } from '../sync/testkit/sync-world';
import { RecordRefusedError } from './record-error';
import { encodeRecordEvent } from './record-payload';

let world: SyncWorld | undefined;
let WS = '';

afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** anna (org-anna) asks, ben (org-ben) answers, cai (org-cai) looks on; all follow the records. */
async function three(): Promise<[SyncWorld, WorldAgent, WorldAgent, WorldAgent]> {
  const w = await SyncWorld.create(['anna', 'ben', 'cai']);
  world = w;
  WS = w.workspaceId;
  const agents = [w.agent('anna'), w.agent('ben'), w.agent('cai')] as const;
  for (const agent of agents) await agent.sync.records.list(WS);
  await w.settle();
  return [w, ...agents];
}

const REQUEST: Extract<RecordAction, { t: 'request' }> = {
  t: 'request',
  to: { kind: 'org', orgId: 'org-ben' },
  subject: 'Lisäselvityspyyntö',
  question: 'Onko asiakkaalla sosiaalihuollon asiakkuus?',
  reason: 'Perustoimeentulotuen käsittely',
  due: '2026-12-15',
};

const statement = (requestId: string): Extract<RecordAction, { t: 'statement' }> => ({ t: 'statement', content: 'Asiakkuus alkoi 2026.', reasons: 'Asiakasrekisteri', answers: requestId });

/** What each agent's records say, without what differs per device (pending flags are checked apart). */
async function shown(agent: WorldAgent): Promise<unknown[]> {
  return (await agent.sync.records.list(WS)).map((r) => ({ id: r.id, kind: r.kind, seq: r.seq, status: 'status' in r ? r.status : undefined, steps: r.steps.map((s) => [s.t, s.seq, s.by.userId]) }));
}

async function refusalOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RecordRefusedError) return error.code;
    if (error instanceof RangeError) return 'range';
    throw error;
  }
  return 'accepted';
}

describe('RecordsService', () => {
  it('carries a request, its answer and the acknowledgement to every agent in server order', async () => {
    const [w, a, b, c] = await three();
    const changes: string[] = [];
    c.sync.records.onChange((ws) => changes.push(ws));
    const sent = await a.sync.records.send(WS, REQUEST);
    expect(sent).toMatchObject({ kind: 'request', status: 'sent', pending: true, seq: 0, author: { userId: a.ref.userId, orgId: 'org-anna', role: 'social_worker' } });
    await w.settle();
    const [received] = await b.sync.records.list(WS);
    expect(received).toMatchObject({ id: sent.id, kind: 'request', status: 'sent', pending: false, subject: 'Lisäselvityspyyntö', due: '2026-12-15' });
    expect(received?.seq).toBeGreaterThan(0);
    expect((await a.sync.records.get(WS, sent.id))?.pending).toBe(false);

    const answer = await b.sync.records.send(WS, statement(sent.id));
    expect(answer).toMatchObject({ kind: 'statement', answers: sent.id, pending: true });
    await w.settle();
    expect(await a.sync.records.get(WS, sent.id)).toMatchObject({ status: 'answered', answeredBy: answer.id });
    const acknowledged = await a.sync.records.send(WS, { t: 'request_acknowledge', requestId: sent.id });
    expect(acknowledged).toMatchObject({ status: 'acknowledged', pending: true });
    await w.settle();

    const lists = await Promise.all([a, b, c].map(shown));
    expect(lists[1]).toEqual(lists[0]);
    expect(lists[2]).toEqual(lists[0]);
    const request = (await c.sync.records.get(WS, sent.id)) as Extract<CaseRecordView, { kind: 'request' }>;
    expect(request.status).toBe('acknowledged');
    expect(request.steps.map((s) => [s.t, s.by.userId, s.pending])).toEqual([
      ['request', a.ref.userId, false],
      ['statement', b.ref.userId, false],
      ['request_acknowledge', a.ref.userId, false],
    ]);
    const seqs = request.steps.map((s) => s.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(changes.length).toBeGreaterThan(0);
    expect((await w.records(RECORDS_STREAM)).map((r) => r.kind)).toEqual(['records', 'records', 'records']);
    expect([...a.problems, ...b.problems, ...c.problems]).toEqual([]);
  });

  it('refuses a wrong author, a wrong order and bad input before anything is queued', async () => {
    const [w, a, b, c] = await three();
    const sent = await a.sync.records.send(WS, REQUEST);
    await w.settle();
    const before = await shown(a);
    const stored = (await w.records(RECORDS_STREAM)).length;

    // Wrong author: cai is not of the addressed organisation; ben cannot acknowledge anna's request.
    expect(await refusalOf(c.sync.records.send(WS, statement(sent.id)))).toBe('not_allowed');
    // Wrong order: nothing to acknowledge before an answer; an unknown request.
    expect(await refusalOf(a.sync.records.send(WS, { t: 'request_acknowledge', requestId: sent.id }))).toBe('wrong_status');
    expect(await refusalOf(b.sync.records.send(WS, { t: 'request_withdraw', requestId: 'no-such-request' }))).toBe('unknown_record');
    // Addressed to an organisation with nobody in the workspace.
    expect(await refusalOf(a.sync.records.send(WS, { ...REQUEST, to: { kind: 'org', orgId: 'org-nobody' } }))).toBe('unknown_organisation');
    // Bad input the agent's own schema refuses: a date that does not exist, a bidi override, an attachment not uploaded here.
    expect(await refusalOf(a.sync.records.send(WS, { ...REQUEST, due: '2026-02-30' }))).toBe('range');
    expect(await refusalOf(a.sync.records.send(WS, { ...REQUEST, question: 'ok\u202Eevil' }))).toBe('range');
    const foreign = { blobId: 'blob-1', name: 'x.pdf', type: 'application/pdf', size: 1, sha256: '0'.repeat(64) };
    expect(await refusalOf(b.sync.records.send(WS, { ...statement(sent.id), attachments: [foreign] }))).toBe('range');

    // Own pending events count: a second answer while the first is still queued is refused at once.
    b.link.setOnline(false);
    await b.sync.records.send(WS, statement(sent.id));
    expect(await refusalOf(b.sync.records.send(WS, statement(sent.id)))).toBe('wrong_status');
    expect(b.sync.documents.status().pending).toBe(1);
    b.link.setOnline(true);
    await w.settle();

    expect((await w.records(RECORDS_STREAM)).length).toBe(stored + 1);
    expect((await shown(c)).length).toBe(before.length + 1);
    expect([...a.problems, ...b.problems, ...c.problems]).toEqual([]);
  });

  it('refuses the loser of a race on every agent alike and reports it once, also after a restart', async () => {
    const [w, a, b, c] = await three();
    const sent = await a.sync.records.send(WS, REQUEST);
    await w.settle();
    // Both pass their own agent's check (the request is `sent` for each); the server's order decides.
    await Promise.all([a.sync.records.send(WS, { t: 'request_withdraw', requestId: sent.id }), b.sync.records.send(WS, statement(sent.id))]);
    await w.settle();
    const statuses = await Promise.all([a, b, c].map(async (x) => ((await x.sync.records.get(WS, sent.id)) as { status: string }).status));
    expect(new Set(statuses).size).toBe(1);
    expect(['withdrawn', 'answered']).toContain(statuses[0]);
    const lists = await Promise.all([a, b, c].map(shown));
    expect(lists[1]).toEqual(lists[0]);
    expect(lists[2]).toEqual(lists[0]);
    for (const agent of [a, b, c]) {
      expect(agent.problems.map((p) => [p.code, p.reason, p.stream])).toEqual([['record_refused', 'wrong_status', RECORDS_STREAM]]);
    }
    await w.restart(c);
    await c.sync.records.list(WS);
    await w.settle();
    expect(c.problems).toHaveLength(1);
    expect(await shown(c)).toEqual(lists[0]);
  });

  it('a member who bypasses his agent is refused by every agent, and nothing changes', async () => {
    const [w, a, b, c] = await three();
    const sent = await a.sync.records.send(WS, REQUEST);
    await w.settle();
    const before = await shown(b);
    // cai signs an acknowledgement of anna's request with his own device: provably his, and not his right.
    const forged = sealEnvelope({
      header: { v: PROTOCOL_VERSION, workspaceId: WS, stream: RECORDS_STREAM, kind: 'records', epoch: 1, author: c.ref, clock: 1, snapshotId: '', sentAt: Date.now(), chainHead: await w.chainHead() },
      plaintext: encodeRecordEvent({ t: 'request_withdraw', requestId: sent.id, at: Date.now() }),
      epochKey: w.epochKey(1),
      identityKey: c.keyPair.privateKey,
    });
    expect(await c.link.request('push', { envelope: envelopeFrame(forged) })).toMatchObject({ ok: true });
    // And an event that does not parse as any records event.
    const junk = sealEnvelope({
      header: { v: PROTOCOL_VERSION, workspaceId: WS, stream: RECORDS_STREAM, kind: 'records', epoch: 1, author: c.ref, clock: 2, snapshotId: '', sentAt: Date.now(), chainHead: await w.chainHead() },
      plaintext: new TextEncoder().encode('{"t":"request","id":"r2"}'),
      epochKey: w.epochKey(1),
      identityKey: c.keyPair.privateKey,
    });
    expect(await c.link.request('push', { envelope: envelopeFrame(junk) })).toMatchObject({ ok: true });
    await w.settle();
    for (const agent of [a, b]) {
      expect(agent.problems.map((p) => [p.code, p.reason, p.device?.userId])).toEqual([
        ['record_refused', 'not_allowed', c.ref.userId],
        ['malformed', undefined, c.ref.userId],
      ]);
    }
    expect(await shown(b)).toEqual(before);
    expect(await shown(a)).toEqual(before);
  });

  it('keeps an event pending offline and across a restart, and carries its attachment by reference', async () => {
    const [w, a, b] = await three();
    const bytes = randomBytes(5000);
    const ref = await a.sync.chat.uploadAttachment(WS, { name: 'vuokrasopimus.pdf', type: 'application/pdf', bytes });
    a.link.setOnline(false);
    const sent = await a.sync.records.send(WS, { ...REQUEST, attachments: [ref] });
    expect(sent).toMatchObject({ pending: true, attachments: [ref] });
    await w.restart(a);
    expect(await a.sync.records.list(WS)).toMatchObject([{ id: sent.id, pending: true }]);
    await w.settle();
    expect(await b.sync.records.list(WS)).toEqual([]);
    a.link.setOnline(true);
    await w.settle();
    expect(await a.sync.records.list(WS)).toMatchObject([{ id: sent.id, pending: false }]);
    const [received] = await b.sync.records.list(WS);
    expect(received).toMatchObject({ id: sent.id, attachments: [ref] });
    const found = b.sync.records.attachment(WS, ref.blobId);
    expect(found).toEqual(ref);
    if (found === undefined) throw new Error('no attachment');
    expect(Buffer.from(await b.sync.chat.downloadAttachment(WS, found)).equals(bytes)).toBe(true);
    // The blob is confirmed as referenced (issue 15): the server keeps it past a day.
    expect((await w.server.ctx.store.blobs.getBlob(WS, ref.blobId))?.info.confirmedAt).toBeGreaterThan(0);
    // Key material never reaches the views.
    expect(JSON.stringify(received)).not.toContain('noncePrefix');
  });

  it('sends again an event whose acknowledgement proves false, from its own row, never lost', async () => {
    const [w, a, b] = await three();
    const first = await a.sync.records.send(WS, REQUEST);
    await w.settle();
    // The relay acknowledges anna's next push itself: nothing reaches the server.
    let faked = 0;
    w.intercept = (t) => {
      if (t.kind !== 'request' || t.event !== 'push' || !isOf(t, a) || faked > 0) return undefined;
      faked += 1;
      return { answer: { ok: true, seq: 4242 } };
    };
    const lost = await a.sync.records.send(WS, { t: 'request_withdraw', requestId: first.id });
    await w.settle();
    expect(faked).toBe(1);
    expect(lost).toMatchObject({ status: 'withdrawn' });
    expect(await b.sync.records.get(WS, first.id)).toMatchObject({ status: 'sent' });
    // The next push meets the server's clock_gap: the lost event goes out again, then the new one.
    const next = await a.sync.records.send(WS, { ...REQUEST, subject: 'Toinen pyyntö' });
    await w.settle();
    expect(a.problems.map((p) => p.code)).toContain('clock_gap');
    await w.settle();
    expect(await b.sync.records.get(WS, first.id)).toMatchObject({ status: 'withdrawn', pending: false });
    expect(await b.sync.records.get(WS, next.id)).toMatchObject({ status: 'sent' });
    expect((await a.sync.records.list(WS)).every((r) => !r.pending)).toBe(true);
    expect((await w.records(RECORDS_STREAM)).map((r) => r.clock)).toEqual([1, 2, 3]);
    expect(b.problems).toEqual([]);
  });

  it('carries a concern notice with its feedback, a meeting with attendance and decisions, a decision and a transition point to every agent', async () => {
    const [w, a, b, c] = await three();
    const concern = await a.sync.records.send(WS, { t: 'concern', toOrgId: 'org-ben', urgency: 'urgent', content: 'Asiakas on ilman asuntoa.', clientTold: true });
    await w.settle();
    // Only the receiving organisation closes a notice with its feedback.
    expect(await refusalOf(c.sync.records.send(WS, { t: 'concern_feedback', concernId: concern.id, content: 'Otettu hoitoon.' }))).toBe('not_allowed');
    await b.sync.records.send(WS, { t: 'concern_feedback', concernId: concern.id, content: 'Otettu hoitoon, yhteydenotto tänään.' });
    await w.settle();
    expect(await a.sync.records.get(WS, concern.id)).toMatchObject({ status: 'closed', feedback: { content: 'Otettu hoitoon, yhteydenotto tänään.', by: { userId: b.ref.userId } } });

    const startsAt = Date.now() - 60_000;
    const meeting = await a.sync.records.send(WS, { t: 'meeting', title: 'Verkostoneuvottelu', startsAt, place: 'Kelan toimisto', agenda: ['Tilanne', 'Kuntoutus'], invited: [b.ref.userId, c.ref.userId] });
    await w.settle();
    // Only the organiser records who attended; an invited professional records decisions, one as an agreed action.
    expect(await refusalOf(b.sync.records.send(WS, { t: 'meeting_attendance', meetingId: meeting.id, attended: [b.ref.userId] }))).toBe('not_allowed');
    await a.sync.records.send(WS, { t: 'meeting_attendance', meetingId: meeting.id, attended: [a.ref.userId, b.ref.userId] });
    await b.sync.records.send(WS, { t: 'meeting_decision', meetingId: meeting.id, text: 'Haetaan kuntoutusta.', action: { ownerUserId: c.ref.userId, due: '2027-01-15' } });
    expect(await refusalOf(b.sync.records.send(WS, { t: 'meeting_decision', meetingId: meeting.id, text: 'Väärä omistaja.', action: { ownerUserId: 'nobody', due: '2027-01-15' } }))).toBe('unknown_member');
    await w.settle();
    expect(await c.sync.records.get(WS, meeting.id)).toMatchObject({
      status: 'held', attended: [a.ref.userId, b.ref.userId],
      decisions: [{ text: 'Haetaan kuntoutusta.', by: { userId: b.ref.userId }, action: { ownerUserId: c.ref.userId, due: '2027-01-15' } }],
    });
    expect(await refusalOf(a.sync.records.send(WS, { t: 'meeting_cancel', meetingId: meeting.id }))).toBe('wrong_status');

    const said = await b.sync.records.send(WS, { t: 'statement', content: 'Kuntoutustarve on ilmeinen.', reasons: 'Terveydenhuollon arvio' });
    await w.settle();
    expect(await refusalOf(a.sync.records.send(WS, { t: 'decision', content: 'Myönnetään.', cites: [{ statementId: 'no-such', consideration: 'x' }] }))).toBe('unknown_record');
    const decided = await a.sync.records.send(WS, { t: 'decision', content: 'Kuntoutusraha myönnetään.', cites: [{ statementId: said.id, consideration: 'Lausunnon arvio kuntoutustarpeesta hyväksyttiin perusteeksi.' }] });
    const moved = await a.sync.records.send(WS, { t: 'transition', kind: 'move', description: 'Muutto Tampereelle', date: '2027-02-01', actor: { kind: 'org', orgId: 'org-ben' } });
    await w.settle();
    expect(await c.sync.records.get(WS, decided.id)).toMatchObject({ kind: 'decision', cites: [{ statementId: said.id }] });
    expect(await b.sync.records.get(WS, moved.id)).toMatchObject({ kind: 'transition', transition: 'move', date: '2027-02-01', actor: { kind: 'org', orgId: 'org-ben' } });
    const lists = await Promise.all([a, b, c].map(shown));
    expect(lists[1]).toEqual(lists[0]);
    expect(lists[2]).toEqual(lists[0]);
    expect([...a.problems, ...b.problems, ...c.problems]).toEqual([]);
  });
});
