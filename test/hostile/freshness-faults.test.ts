/**
 * Freshness faults of a hostile server (docs/design.md §12), through whole agents and
 * their local APIs: a removal and rotation hidden from one member, who keeps writing under
 * the old epoch while the server stores it for the others (stale head); a removed device
 * posting past its clock cut with the server's help; a push the relay acknowledges but
 * never stores (fake ack); an author's last envelope withheld from one member. Each is
 * detected (a typed problem at the UI API), nothing of it is applied, and once the relay is
 * honest the agents recover by themselves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson } from '@yhteispoyta/agent/api/test-agent.testkit';
import { encodeWireEnvelope, sealEnvelope } from '@yhteispoyta/crypto/envelope';
import { utf8 } from '@yhteispoyta/crypto/bytes';
import { CHAT_STREAM } from '@yhteispoyta/crypto/stream-rules';
import { deviceKey, PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import type { DeviceRef, WireEnvelope } from '@yhteispoyta/crypto/types';
import { FaultMatrix, formatMatrix } from './fault-matrix';
import { CAST, HostileWorld, sleep, until } from './hostile-world.testkit';
import type { WorldAgent } from './hostile-world.testkit';
import { runTrial } from './trial.testkit';

const matrix = new FaultMatrix('freshness-faults');
/** The agents' heartbeat interval (test-agent.testkit's testConfig). */
const HEARTBEAT_MS = 2_000;
/** The agents' allowance for pushes in flight across a rotation (testConfig). */
const GRACE_MS = 1_000;
let world: HostileWorld;
let anna: WorldAgent;
let sini: WorldAgent;
let dora: WorldAgent;

beforeAll(async () => {
  world = await HostileWorld.start({
    agents: [CAST.anna, CAST.sini, CAST.carl, CAST.dora],
  });
  anna = world.agent('anna');
  sini = world.agent('sini');
  dora = world.agent('dora');
}, 120_000);

afterAll(async () => {
  const rows = matrix.write();
  process.stdout.write(`\nfault matrix (all parts so far)\n${formatMatrix(rows)}\n`);
  await world?.close();
});

/** A workspace of anna's with the named members, every one of them following its chat. */
async function chatWorkspace(members: readonly string[]): Promise<string> {
  const ws = await world.workspace('anna', members);
  for (const name of ['anna', ...members]) await world.agent(name).say(ws, `${name} paikalla`);
  await until('everyone has every greeting', async () => {
    const lists = await Promise.all(['anna', ...members].map((n) => world.agent(n).chat(ws)));
    return lists.every((l) => l.length === members.length + 1);
  }, 30_000);
  return ws;
}

const texts = async (agent: WorldAgent, ws: string): Promise<string[]> => (await agent.chat(ws)).map((m) => m.text);
const sameDevice = (a: DeviceRef | undefined, b: DeviceRef): boolean => a !== undefined && deviceKey(a) === deviceKey(b);

async function remove(ws: string, name: string): Promise<void> {
  const res = await callJson(anna.api, 'DELETE', `/api/workspaces/${ws}/members/${world.agent(name).userId}`);
  if (res.status !== 200) throw new Error(`removing ${name}: ${JSON.stringify(res.body)}`);
}

/** The operator files an envelope in its own store (past every check) and tells `doors` it was stored. */
async function storeAndDeliver(ws: string, envelope: WireEnvelope, author: DeviceRef, clock: number, epoch: number, doors: readonly string[]): Promise<void> {
  const stored = await world.server.ctx.store.envelopes.appendEnvelope({
    workspaceId: ws, stream: CHAT_STREAM, kind: 'chat', authorKey: deviceKey(author), clock, snapshotId: '', epoch,
    bytes: encodeWireEnvelope(envelope), receivedAt: Date.now(),
  });
  if (!stored.ok) throw new Error(`the operator could not store it: ${stored.code}`);
  for (const door of doors) world.relay.deliverEnvelope(door, { workspaceId: ws, stream: CHAT_STREAM, stored: { seq: stored.seq, envelope, receivedAt: Date.now() } });
}

describe('freshness of membership and withholding', () => {
  it('stale_head: a member kept from a removal and rotation writes under the old epoch; the others refuse it, she learns, all recover', () =>
    runTrial(matrix, world.relay, 'stale_head', async (t) => {
      const ws = await chatWorkspace(['sini', 'carl', 'dora']);
      const carl = world.agent('carl');
      const epoch = anna.epoch(ws) ?? 0;
      const [annaMark, siniMark] = [await anna.mark(), await sini.mark()];
      const hidden = world.relay.arm({ type: 'hide_removal', victim: 'sini', workspaceId: ws, userId: carl.userId });
      await remove(ws, 'carl');
      await until('anna rotated', () => (anna.epoch(ws) ?? 0) > epoch);
      await sleep(GRACE_MS + 200);
      // Sini still sees carl and epoch 1; the relay "stores" what she writes for everyone but tells the server nothing.
      const ack = world.relay.arm({ type: 'fake_ack', victim: 'sini', select: { workspaceId: ws, stream: CHAT_STREAM } });
      await sini.say(ws, 'Carl saa tämän vielä');
      await until('the relay took sini\'s message', () => ack.captured !== undefined);
      const captured = ack.captured;
      if (captured === undefined) throw new Error('nothing captured');
      expect(captured.header.epoch).toBe(epoch);
      await storeAndDeliver(ws, captured.envelope, sini.ref, captured.header.clock, captured.header.epoch, ['anna', 'dora']);
      t.count(hidden, ack);
      const refused = await anna.awaitProblem(annaMark, ['stale_head']);
      const learnt = await sini.awaitProblem(siniMark, ['chain_invalid', 'withheld']);
      t.detected = sameDevice(refused?.device, sini.ref) && learnt !== undefined && learnt.workspaceId === ws;
      t.note(`stale_head at the others; ${learnt?.code ?? 'nothing'} at the member kept in the dark`);
      expect(t.detected).toBe(true);
      expect(await texts(anna, ws)).not.toContain('Carl saa tämän vielä');
      await until('dora refused it too', async () => !(await texts(dora, ws)).includes('Carl saa tämän vielä') && (await dora.problems()).some((p) => p.code === 'stale_head'));
      world.relay.honest();
      await until('sini sees the removal and holds the new key', () => sini.epoch(ws) === anna.epoch(ws), 30_000);
      await sini.say(ws, 'Nyt uudella avaimella');
      await until('sini\'s fresh message reaches the others', async () =>
        (await texts(anna, ws)).includes('Nyt uudella avaimella') && (await texts(dora, ws)).includes('Nyt uudella avaimella'), 30_000);
      expect(await texts(anna, ws)).not.toContain('Carl saa tämän vielä');
      t.recovered = true;
      t.note('recovered by the chain re-sync; what was written under the stale head stays refused');
    }), 120_000);

  it('removed_past_cut: a removed device posts under its old epoch with the server\'s help; every agent refuses it past its cut', () =>
    runTrial(matrix, world.relay, 'removed_past_cut', async (t) => {
      const ws = await chatWorkspace(['sini', 'carl']);
      const carl = world.agent('carl');
      const oldKey = carl.session().keys.epochKey(ws, 1);
      const carlKey = carl.session().device.identityKey;
      if (oldKey === undefined) throw new Error('carl holds no key');
      const [annaMark, siniMark] = [await anna.mark(), await sini.mark()];
      await remove(ws, 'carl');
      await until('the rotation is seen', () => (anna.epoch(ws) ?? 0) > 1 && (sini.epoch(ws) ?? 0) > 1);
      const chain = anna.session().keys.chainState(ws);
      if (chain === undefined) throw new Error('anna has no chain');
      const cut = chain.rotations.at(-1)?.cut.find((c) => c.device === deviceKey(carl.ref) && c.stream === CHAT_STREAM);
      expect(cut?.clock).toBe(1);
      // Carl's next message under epoch 1, claiming the newest head and an old time; the server files it and fans it out.
      const forged = sealEnvelope({
        header: {
          v: PROTOCOL_VERSION, workspaceId: ws, stream: CHAT_STREAM, kind: 'chat', epoch: 1, author: carl.ref, clock: 2, snapshotId: '',
          sentAt: Date.now() - 3_600_000, chainHead: { seq: chain.seq, hash: chain.headHash },
        },
        plaintext: utf8(JSON.stringify({ t: 'msg', id: 'carl-after-removal', text: 'Olen yhä täällä', attachments: [] })),
        epochKey: oldKey,
        identityKey: carlKey,
      });
      await storeAndDeliver(ws, forged, carl.ref, 2, 1, ['anna', 'sini']);
      t.injected = 1;
      const [a, s] = [await anna.awaitProblem(annaMark, ['past_cut']), await sini.awaitProblem(siniMark, ['past_cut'])];
      t.detected = sameDevice(a?.device, carl.ref) && sameDevice(s?.device, carl.ref);
      t.note('past_cut at every remaining member');
      expect(t.detected).toBe(true);
      for (const agent of [anna, sini]) expect(await texts(agent, ws)).not.toContain('Olen yhä täällä');
      world.relay.honest();
      await anna.say(ws, 'Jatketaan ilman Carlia');
      await until('the others go on', async () => (await texts(sini, ws)).includes('Jatketaan ilman Carlia'));
      t.recovered = true;
    }), 120_000);

  it('fake_ack: a chat message the relay acknowledges but never stores is sent again and reaches everyone', () =>
    runTrial(matrix, world.relay, 'fake_ack', async (t) => {
      const ws = await chatWorkspace(['sini']);
      const annaMark = await anna.mark();
      const fault = world.relay.arm({ type: 'fake_ack', victim: 'anna', select: { workspaceId: ws, stream: CHAT_STREAM } });
      await anna.say(ws, 'Tämä katoaa palvelimelta');
      await until('the relay answered for the server', () => fault.captured !== undefined);
      t.count(fault);
      await until('anna thinks it sent', async () => (await anna.chat(ws)).every((m) => !m.pending));
      await anna.say(ws, 'Seuraava viesti');
      const gap = await anna.awaitProblem(annaMark, ['clock_gap']);
      t.detected = gap !== undefined && gap.workspaceId === ws;
      t.note('clock_gap at the sender, who sends the lost message again');
      expect(t.detected).toBe(true);
      await until('both messages reach sini', async () => {
        const got = await texts(sini, ws);
        return got.includes('Tämä katoaa palvelimelta') && got.includes('Seuraava viesti');
      }, 30_000);
      expect((await anna.chat(ws)).every((m) => !m.pending)).toBe(true);
      t.recovered = true;
    }), 120_000);

  it('withhold_last: an author\'s last envelope withheld from one member is noticed within one heartbeat interval, and clears when delivered', () =>
    runTrial(matrix, world.relay, 'withhold_last', async (t) => {
      const ws = await chatWorkspace(['sini']);
      const siniMark = await sini.mark();
      const fault = world.relay.arm({ type: 'envelope', victim: 'sini', select: { workspaceId: ws, stream: CHAT_STREAM, author: anna.userId }, do: { action: 'drop' } });
      await anna.say(ws, 'Viimeinen sana');
      await until('anna\'s message is stored', async () => (await anna.chat(ws)).every((m) => !m.pending));
      const stored = Date.now();
      await fault.hit();
      const problem = await sini.awaitProblem(siniMark, ['withheld'], 4 * HEARTBEAT_MS);
      const after = Date.now() - stored;
      t.count(fault);
      t.detected = sameDevice(problem?.device, anna.ref) && problem?.stream === CHAT_STREAM;
      t.note(`withheld ${after} ms after the message was stored (interval ${HEARTBEAT_MS} ms)`);
      expect(t.detected).toBe(true);
      expect(after).toBeLessThanOrEqual(HEARTBEAT_MS + 1_000);
      expect(await texts(sini, ws)).not.toContain('Viimeinen sana');
      world.relay.honest();
      await until('sini receives it', async () => (await texts(sini, ws)).includes('Viimeinen sana'), 4 * HEARTBEAT_MS);
      await until('the withheld problem is gone', async () => !(await sini.problems()).some((p) => p.code === 'withheld' && p.workspaceId === ws), 4 * HEARTBEAT_MS);
      t.recovered = true;
      t.note('recovered at the next heartbeat; the problem left the list');
    }), 120_000);
});
