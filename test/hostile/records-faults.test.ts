/**
 * The case records stream (docs/design.md §11) between real agents behind the hostile
 * relay, through each agent's local API. Honest first: a Kela expert's information request
 * answered by a social worker's statement and acknowledged, with the refusals of the
 * records' rules (wrong author, wrong order, bad input: a typed error and nothing stored).
 * Then the relay's faults on the records stream — a dropped, a replayed and a tampered
 * envelope: each is detected by the victim (its typed problem), changes none of its
 * records, and once the relay is honest the records converge by the agent's own repair.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORDS_STREAM } from '@yhteispoyta/crypto/stream-rules';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { callJson } from '@yhteispoyta/agent/api/test-agent.testkit';
import type { CaseRecordView, RecordAction } from '@yhteispoyta/local-api';
import { FaultMatrix } from './fault-matrix';
import { CAST, HostileWorld, sleep, until } from './hostile-world.testkit';
import type { WorldAgent } from './hostile-world.testkit';
import { runTrial } from './trial.testkit';

const NAMES = ['anna', 'sini', 'carl'] as const;
const matrix = new FaultMatrix('records-faults');
let world: HostileWorld;
let ws: string;
let anna: WorldAgent;
let sini: WorldAgent;
let carl: WorldAgent;
let county = '';
let subjects = 0;

beforeAll(async () => {
  world = await HostileWorld.start({
    agents: [CAST.anna, CAST.sini, CAST.carl],
  });
  anna = world.agent('anna');
  sini = world.agent('sini');
  carl = world.agent('carl');
  county = sini.session().device.orgId;
  ws = await world.workspace('anna', ['sini', 'carl']);
  for (const name of NAMES) await records(world.agent(name));
}, 120_000);

afterAll(async () => {
  matrix.write();
  await world?.close();
});

/** `GET …/records`. */
async function records(agent: WorldAgent): Promise<CaseRecordView[]> {
  const res = await callJson(agent.api, 'GET', `/api/workspaces/${ws}/records`);
  if (res.status !== 200) throw new Error(`${agent.name} lists no records: ${res.status}`);
  return (res.body as { records: CaseRecordView[] }).records;
}

/** `POST …/records`: the status and either the record or the error code. */
async function act(agent: WorldAgent, action: RecordAction): Promise<{ status: number; record?: CaseRecordView; code?: string }> {
  const res = await callJson(agent.api, 'POST', `/api/workspaces/${ws}/records`, action);
  const body = res.body as { record?: CaseRecordView; error?: { code: string } };
  return { status: res.status, ...(body.record === undefined ? {} : { record: body.record }), ...(body.error === undefined ? {} : { code: body.error.code }) };
}

async function send(agent: WorldAgent, action: RecordAction): Promise<CaseRecordView> {
  const result = await act(agent, action);
  if (result.record === undefined) throw new Error(`${agent.name}: ${result.status} ${result.code ?? ''}`);
  return result.record;
}

/** A fresh request from anna to the county, so each trial's record can be told apart. */
function request(): Extract<RecordAction, { t: 'request' }> {
  subjects += 1;
  return { t: 'request', to: { kind: 'org', orgId: county }, subject: `Lisäselvityspyyntö ${subjects}`, question: 'Onko asiakkaalla sosiaalihuollon asiakkuus?', reason: 'Kuntoutusrahan käsittely', due: '2026-12-31' };
}

/** What an agent's records say, comparable across agents. */
async function fingerprint(agent: WorldAgent): Promise<string> {
  return JSON.stringify((await records(agent)).map((r) => [r.id, r.seq, 'status' in r ? r.status : '', r.steps.map((s) => [s.t, s.seq, s.by.userId])]));
}

/** Wait until every agent shows the same records, none pending; returns them. */
async function converged(): Promise<string> {
  let print = '';
  await until('records converge', async () => {
    const lists = await Promise.all(NAMES.map(async (n) => records(world.agent(n))));
    const prints = await Promise.all(NAMES.map(async (n) => fingerprint(world.agent(n))));
    print = prints[0] ?? '';
    return prints.every((p) => p === print) && lists.every((l) => l.every((r) => !r.pending));
  }, 30_000);
  return print;
}

function sameDevice(a: DeviceRef | undefined, b: DeviceRef): boolean {
  return a !== undefined && deviceKey(a) === deviceKey(b);
}

const statement = (requestId: string): Extract<RecordAction, { t: 'statement' }> => ({ t: 'statement', content: 'Asiakkuus on alkanut 3/2026; tuki jatkuu.', reasons: 'Sosiaalihuollon asiakasrekisteri', answers: requestId });

describe('records between a Kela expert and the county, relay honest', () => {
  it('a request is answered by a social worker and acknowledged by the requester; refusals store nothing', async () => {
    const sent = await send(anna, request());
    expect(sent).toMatchObject({ kind: 'request', status: 'sent', pending: true, author: { orgId: anna.session().device.orgId, role: 'kela_expert' } });
    await until('sini sees the request', async () => (await records(sini)).some((r) => r.id === sent.id && !r.pending));
    const storedBefore = world.relay.log.entries(ws, RECORDS_STREAM).length;
    const before = await converged();

    // Wrong author: the requester cannot answer his own request to another organisation; carl cannot acknowledge.
    expect(await act(anna, statement(sent.id))).toMatchObject({ status: 403, code: 'not_allowed' });
    // Wrong order: nothing to acknowledge before it is answered.
    expect(await act(anna, { t: 'request_acknowledge', requestId: sent.id })).toMatchObject({ status: 409, code: 'wrong_status' });
    // Bad input: a date that does not exist, an empty answer, a field the contract does not know.
    expect(await act(anna, { ...request(), due: '2026-13-01' })).toMatchObject({ status: 400, code: 'bad_request' });
    expect(await act(sini, { ...statement(sent.id), content: '   ' })).toMatchObject({ status: 400, code: 'bad_request' });
    expect(await act(sini, { ...statement(sent.id), author: 'kela' } as unknown as RecordAction)).toMatchObject({ status: 400, code: 'bad_request' });
    await sleep(300);
    expect(world.relay.log.entries(ws, RECORDS_STREAM)).toHaveLength(storedBefore);
    expect(await converged()).toBe(before);

    const answer = await send(sini, statement(sent.id));
    await until('anna sees the answer', async () => (await records(anna)).some((r) => r.id === sent.id && r.kind === 'request' && r.status === 'answered'));
    expect(await act(carl, { t: 'request_acknowledge', requestId: sent.id })).toMatchObject({ status: 403, code: 'not_allowed' });
    expect(await act(carl, statement(sent.id))).toMatchObject({ status: 409, code: 'wrong_status' });
    await send(anna, { t: 'request_acknowledge', requestId: sent.id });
    await converged();
    const seen = (await records(carl)).find((r) => r.id === sent.id);
    expect(seen).toMatchObject({ kind: 'request', status: 'acknowledged', answeredBy: answer.id });
    expect(seen?.steps.map((s) => [s.t, s.by.userId])).toEqual([
      ['request', anna.userId],
      ['statement', sini.userId],
      ['request_acknowledge', anna.userId],
    ]);
    for (const name of NAMES) expect((await world.agent(name).problems()).filter((p) => p.code === 'record_refused')).toEqual([]);
  }, 90_000);
});

describe('records faults', () => {
  it('drop: the next event of the same author shows the gap, nothing is applied past it, and the dropped one arrives later', () =>
    runTrial(matrix, world.relay, 'drop', async (t) => {
      const before = await converged();
      const mark = await sini.mark();
      const fault = world.relay.arm({ type: 'envelope', victim: 'sini', select: { workspaceId: ws, stream: RECORDS_STREAM, author: anna.userId }, do: { action: 'drop' } });
      const first = await send(anna, request());
      await fault.hit();
      const second = await send(anna, request());
      const problem = await sini.awaitProblem(mark, ['clock_gap']);
      t.detected = sameDevice(problem?.device, anna.ref);
      t.note("clock_gap at the author's next records event");
      expect(t.detected).toBe(true);
      await sleep(700);
      expect(await fingerprint(sini)).toBe(before);
      t.count(fault);
      world.relay.honest();
      await converged();
      expect((await records(sini)).map((r) => r.id)).toEqual(expect.arrayContaining([first.id, second.id]));
      t.recovered = true;
      t.note('recovered by the retried gap fetch');
    }), 60_000);

  it('replay: an old records event presented as new is reported and applied nowhere twice', () =>
    runTrial(matrix, world.relay, 'replay', async (t) => {
      const sent = await send(anna, request());
      const before = await converged();
      const old = world.relay.log.entries(ws, RECORDS_STREAM, (e) => e.header.author.userId === anna.userId).at(-1);
      if (old === undefined) throw new Error('no records envelope of anna was relayed');
      const mark = await sini.mark();
      t.injected = world.relay.deliverEnvelope('sini', { workspaceId: ws, stream: RECORDS_STREAM, stored: { ...old.stored, seq: world.relay.log.maxSeq(ws) + 1 } });
      const problem = await sini.awaitProblem(mark, ['replay']);
      t.detected = sameDevice(problem?.device, anna.ref);
      t.note('replay');
      expect(t.detected).toBe(true);
      expect(await fingerprint(sini)).toBe(before);
      await send(sini, statement(sent.id));
      await converged();
      expect((await sini.problemsSince(mark)).filter((p) => p.code === 'record_refused')).toEqual([]);
      t.recovered = true;
      t.note('nothing applied twice; later events arrive normally');
    }), 60_000);

  it('flip_ciphertext: a tampered records event fails its signature check, changes nothing, and is refetched genuine', () =>
    runTrial(matrix, world.relay, 'flip_ciphertext', async (t) => {
      const before = await converged();
      const mark = await sini.mark();
      const fault = world.relay.arm({ type: 'envelope', victim: 'sini', select: { workspaceId: ws, stream: RECORDS_STREAM, author: anna.userId }, do: { action: 'flip', part: 'ciphertext' } });
      const sent = await send(anna, request());
      await fault.hit();
      const problem = await sini.awaitProblem(mark, ['bad_signature']);
      t.detected = sameDevice(problem?.device, anna.ref);
      t.note('bad_signature');
      expect(t.detected).toBe(true);
      await sleep(700);
      expect(await fingerprint(sini)).toBe(before);
      t.count(fault);
      world.relay.honest();
      await converged();
      expect((await records(sini)).some((r) => r.id === sent.id)).toBe(true);
      t.recovered = true;
      t.note('recovered by refetching the refused seq');
    }), 60_000);
});
