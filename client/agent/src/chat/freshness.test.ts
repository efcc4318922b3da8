/**
 * Freshness at the agent (docs/design.md §12), on the real relay core in-process: the last
 * envelope of an author withheld is noticed from the author's heartbeat within one interval
 * and the problem clears when it arrives; an envelope written under a stale chain head
 * after a rotation, and one a removed device wrote past its clock cut, are refused and
 * nothing of them applied, while their clocks still count.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import { sealEnvelope } from '@yhteispoyta/crypto/envelope';
import type { EnvelopeNotice } from '@yhteispoyta/crypto/protocol';
import { PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import type { ChainHead, EnvelopeHeader } from '@yhteispoyta/crypto/types';
import { isOf, SyncWorld } from '../sync/testkit/sync-world';
import type { WorldAgent } from '../sync/testkit/sync-world';
import { encodeChatPayload } from './chat-payload';

const INTERVAL = 400;
let world: SyncWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

const texts = async (agent: WorldAgent, ws: string): Promise<string[]> => (await agent.sync.chat.list(ws)).map((m) => m.text);
const codes = (agent: WorldAgent): string[] => agent.problems.map((p) => p.code);

/** Every agent follows the chat (listing it is what opens it). */
async function following(w: SyncWorld, agents: readonly WorldAgent[]): Promise<void> {
  for (const agent of agents) await agent.sync.chat.list(w.workspaceId);
  await w.settle();
}

describe('heartbeats', () => {
  it('notice the last envelope of an author withheld within one interval, and clear when it arrives', async () => {
    const w = await SyncWorld.create(['anna', 'ben'], { config: { heartbeatIntervalMs: INTERVAL } });
    world = w;
    const WS = w.workspaceId;
    const [a, b] = [w.agent('anna'), w.agent('ben')];
    await following(w, [a, b]);
    await a.sync.chat.send(WS, 'Ensimmäinen');
    await w.settle();
    expect(await texts(b, WS)).toEqual(['Ensimmäinen']);
    // The relay hides anna's next (and last) message from ben: no notice, left out of every fetch.
    w.intercept = (t) => {
      if (t.kind !== 'notice' || t.event !== 'envelope' || !isOf(t, b)) return undefined;
      w.hidden.add((t.payload as EnvelopeNotice).stored.seq);
      return 'drop';
    };
    await a.sync.chat.send(WS, 'Viimeinen');
    await w.settle();
    const acknowledged = Date.now();
    expect(await until(() => b.problems.some((p) => p.code === 'withheld'), 3 * INTERVAL)).toBe(true);
    const noticedAfter = Date.now() - acknowledged;
    const problem = b.problems.find((p) => p.code === 'withheld');
    expect(problem).toMatchObject({ workspaceId: WS, stream: 'chat', device: a.ref });
    expect(noticedAfter).toBeLessThanOrEqual(INTERVAL + 300);
    expect(await texts(b, WS)).toEqual(['Ensimmäinen']);
    expect(codes(b)).not.toContain('clock_gap');
    // The relay turns honest: the next heartbeat's comparison fetches it and the problem clears.
    w.intercept = undefined;
    w.hidden.clear();
    expect(await until(async () => (await texts(b, WS)).length === 2, 5 * INTERVAL)).toBe(true);
    expect(await until(() => !codes(b).includes('withheld'), 3 * INTERVAL)).toBe(true);
    expect(await texts(b, WS)).toEqual(['Ensimmäinen', 'Viimeinen']);
  });

  it('say nothing when nothing is withheld', async () => {
    const w = await SyncWorld.create(['anna', 'ben'], { config: { heartbeatIntervalMs: 100 } });
    world = w;
    const WS = w.workspaceId;
    const [a, b] = [w.agent('anna'), w.agent('ben')];
    await following(w, [a, b]);
    await a.sync.chat.send(WS, 'Hei');
    await b.sync.chat.send(WS, 'Moi');
    await w.settle();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(codes(a)).toEqual([]);
    expect(codes(b)).toEqual([]);
  });
});

describe('a false acknowledgement', () => {
  it('is found out at the next push (clock_gap) and the lost message is sent again from the store, never lost', async () => {
    const w = await SyncWorld.create(['anna', 'ben']);
    world = w;
    const WS = w.workspaceId;
    const [a, b] = [w.agent('anna'), w.agent('ben')];
    await following(w, [a, b]);
    await a.sync.chat.send(WS, 'Yksi');
    await w.settle();
    // The relay acknowledges anna's next push itself: nothing reaches the server.
    let faked = 0;
    w.intercept = (t) => {
      if (t.kind !== 'request' || t.event !== 'push' || !isOf(t, a) || faked > 0) return undefined;
      faked += 1;
      return { answer: { ok: true, seq: 4242 } };
    };
    const lost = await a.sync.chat.send(WS, 'Kaksi');
    await w.settle();
    expect(faked).toBe(1);
    expect((await a.sync.chat.list(WS)).find((m) => m.id === lost.id)?.pending).toBe(false);
    expect(await texts(b, WS)).toEqual(['Yksi']);
    // The next push meets the server's clock_gap: the lost message goes out again, then the new one.
    await a.sync.chat.send(WS, 'Kolme');
    await w.settle();
    expect(codes(a)).toContain('clock_gap');
    expect(await until(async () => (await texts(b, WS)).length === 3, 3_000)).toBe(true);
    expect((await texts(b, WS)).sort()).toEqual(['Kaksi', 'Kolme', 'Yksi']);
    expect((await a.sync.chat.list(WS)).every((m) => !m.pending)).toBe(true);
    expect((await w.records('chat')).map((r) => r.clock)).toEqual([1, 2, 3]);
  });
});

describe('freshness of membership', () => {
  /** A chat envelope `author` seals by hand: the server's help is injecting it (it would refuse it). */
  function chat(w: SyncWorld, author: WorldAgent, fields: { epoch: number; clock: number; chainHead: ChainHead; sentAt?: number }, text: string) {
    const header: EnvelopeHeader = {
      v: PROTOCOL_VERSION, workspaceId: w.workspaceId, stream: 'chat', kind: 'chat', author: author.ref, snapshotId: '', sentAt: fields.sentAt ?? Date.now(),
      epoch: fields.epoch, clock: fields.clock, chainHead: fields.chainHead,
    };
    return sealEnvelope({
      header, plaintext: encodeChatPayload({ t: 'msg', id: `m${fields.clock}${author.name}`, text, attachments: [] }),
      epochKey: w.epochKey(fields.epoch), identityKey: author.keyPair.privateKey,
    });
  }

  it('refuses what a member kept from a rotation wrote under its stale head, and a removed device past its cut', async () => {
    const w = await SyncWorld.create(['anna', 'ben', 'carl'], { config: { staleHeadGraceMs: 0 } });
    world = w;
    const WS = w.workspaceId;
    const [a, b, c] = [w.agent('anna'), w.agent('ben'), w.agent('carl')];
    await following(w, [a, b, c]);
    await c.sync.chat.send(WS, 'Carlin viesti');
    await b.sync.chat.send(WS, 'Benin viesti');
    await w.settle();
    const before = await w.chain();
    const staleHead = { seq: before.seq, hash: before.headHash };
    w.epochKeys.set(2, randomBytes(32));
    await w.append(a, 'remove_member', { userId: c.ref.userId });
    const rotated = await w.append(a, 'rotate_epoch', { epoch: 2, cut: [{ device: `${c.ref.userId}.${c.ref.deviceId}`, stream: 'chat', clock: 1 }] });
    expect(rotated.rotations.at(-1)?.cut).toHaveLength(1);
    a.keys.addEpochKey(WS, 2, w.epochKey(2));
    await new Promise((resolve) => setTimeout(resolve, 5));
    let seq = 900;
    const inject = (envelope: ReturnType<typeof chat>) => w.server.inject(a.link, 'envelope', { workspaceId: WS, stream: 'chat', stored: { seq: ++seq, envelope, receivedAt: Date.now() } });
    // Ben never saw the removal: he writes under epoch 1 from his old head, after the rotation was signed.
    inject(chat(w, b, { epoch: 1, clock: 2, chainHead: staleHead }, 'Bob lukee tämän'));
    // Carl, removed, writes past his cut claiming the newest head and an early time.
    inject(chat(w, c, { epoch: 1, clock: 2, chainHead: { seq: rotated.seq, hash: rotated.headHash }, sentAt: 0 }, 'Poistetun viesti'));
    await w.settle();
    expect(await until(() => codes(a).includes('past_cut') && codes(a).includes('stale_head'), 2_000)).toBe(true);
    expect(a.problems.find((p) => p.code === 'stale_head')?.device).toEqual(b.ref);
    expect(a.problems.find((p) => p.code === 'past_cut')?.device).toEqual(c.ref);
    expect(await texts(a, WS)).toEqual(['Carlin viesti', 'Benin viesti']);
    // Their clocks count: ben's next envelope (under the new epoch, from the new head) is no gap.
    inject(chat(w, b, { epoch: 2, clock: 3, chainHead: { seq: rotated.seq, hash: rotated.headHash } }, 'Nyt tuoreena'));
    await w.settle();
    expect(await until(async () => (await texts(a, WS)).includes('Nyt tuoreena'), 2_000)).toBe(true);
    expect(codes(a)).not.toContain('clock_gap');
  });
});
