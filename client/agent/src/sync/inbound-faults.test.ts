import { afterEach, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { sealEnvelope } from '@yhteispoyta/crypto/envelope';
import type { EnvelopeNotice, StoredEnvelope } from '@yhteispoyta/crypto/protocol';
import { PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import { isOf, SyncWorld } from './testkit/sync-world';
import type { WorldAgent } from './testkit/sync-world';
import { edit } from './testkit/local-edit';

const PLAN = 'doc:plan';
let world: SyncWorld | undefined;
let WS = '';

afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function plan(agent: WorldAgent): Promise<Y.Text> {
  return (await agent.sync.documents.open(WS, PLAN)).getText('t');
}

function codes(agent: WorldAgent): string[] {
  return agent.problems.map((p) => p.code);
}

/** The stored update envelopes of the plan, oldest first. */
async function updates(w: SyncWorld): Promise<StoredEnvelope[]> {
  return (await w.records(PLAN)).filter((r) => r.kind === 'update').map((r) => r.stored);
}

async function twoAgents(): Promise<[SyncWorld, WorldAgent, WorldAgent, Y.Text, Y.Text]> {
  const w = await SyncWorld.create(['anna', 'ben'], { outsiders: ['eve'] });
  world = w;
  WS = w.workspaceId;
  const [a, b] = [w.agent('anna'), w.agent('ben')];
  const [ta, tb] = [await plan(a), await plan(b)];
  await w.settle();
  return [w, a, b, ta, tb];
}

describe('received envelopes that fail a check are reported and not applied', () => {
  it('a replayed envelope is reported as replay; a plain re-delivery is not', async () => {
    const [w, a, b, ta, tb] = await twoAgents();
    edit(ta, (x) => x.insert(0, 'yksi'));
    await w.settle();
    edit(ta, (x) => x.insert(4, ' kaksi'));
    await w.settle();
    const first = (await updates(w))[0];
    if (first === undefined) throw new Error('nothing stored');
    const hashBefore = await b.sync.documents.stateHash(WS, PLAN);
    // The same stored record again (join racing live fan-out): silently skipped.
    w.server.inject(b.link, 'envelope', { workspaceId: WS, stream: PLAN, stored: first });
    await w.settle();
    expect(codes(b)).toEqual([]);
    // The old envelope presented as new (a server storing it again): a replay.
    w.server.inject(b.link, 'envelope', { workspaceId: WS, stream: PLAN, stored: { ...first, seq: 500 } });
    await w.settle();
    expect(codes(b)).toEqual(['replay']);
    expect(b.problems[0]?.device).toEqual(a.ref);
    expect(tb.toString()).toBe('yksi kaksi');
    expect(await b.sync.documents.stateHash(WS, PLAN)).toBe(hashBefore);
  });

  it('a gap is reported, held back (never applied out of order) and applied once the missing envelope arrives', async () => {
    const [w, a, b, ta, tb] = await twoAgents();
    edit(ta, (x) => x.insert(0, 'one'));
    await w.settle();
    // The server loses the next envelope: no fan-out to ben, and it is gone from join and fetch.
    let dropNext = true;
    w.intercept = (t) => {
      if (t.kind !== 'notice' || t.event !== 'envelope' || !isOf(t, b) || !dropNext) return undefined;
      dropNext = false;
      w.hidden.add((t.payload as EnvelopeNotice).stored.seq);
      return 'drop';
    };
    edit(ta, (x) => x.insert(3, ' two'));
    await w.settle();
    // Independent of "two" (inserted at the start): applying it early would show at once.
    edit(ta, (x) => x.insert(0, 'three '));
    await w.settle();
    expect(codes(b).filter((c) => c === 'clock_gap').length).toBeGreaterThanOrEqual(2);
    expect(b.problems.every((p) => p.code === 'clock_gap' && p.device?.userId === a.ref.userId)).toBe(true);
    expect(tb.toString()).toBe('one');
    // The server finds it again; the next catch-up delivers it and the held envelope follows in order.
    w.hidden.clear();
    b.link.setOnline(false);
    b.link.setOnline(true);
    await w.settle();
    expect(tb.toString()).toBe('three one two');
    expect(await b.sync.documents.stateHash(WS, PLAN)).toBe(await a.sync.documents.stateHash(WS, PLAN));
  });

  it('a gap that fetch can repair is applied right away', async () => {
    const [w, , b, ta, tb] = await twoAgents();
    let dropped = false;
    w.intercept = (t) => {
      if (t.kind !== 'notice' || t.event !== 'envelope' || !isOf(t, b) || dropped) return undefined;
      dropped = true;
      return 'drop';
    };
    edit(ta, (x) => x.insert(0, 'alpha'));
    await w.settle();
    expect(tb.toString()).toBe('');
    edit(ta, (x) => x.insert(0, 'beta '));
    await w.settle();
    expect(codes(b)).toEqual(['clock_gap']);
    expect(tb.toString()).toBe('beta alpha');
  });

  it('a bit-flipped envelope fails its signature, changes nothing, and the genuine one is fetched later', async () => {
    const [w, a, b, ta, tb] = await twoAgents();
    let flipped = false;
    w.intercept = (t) => {
      if (t.kind !== 'notice' || t.event !== 'envelope' || !isOf(t, b) || flipped) return undefined;
      flipped = true;
      const n = t.payload as EnvelopeNotice;
      const ciphertext = new Uint8Array(n.stored.envelope.ciphertext);
      ciphertext[3] = (ciphertext[3] ?? 0) ^ 0x10;
      return { replace: { ...n, stored: { ...n.stored, envelope: { ...n.stored.envelope, ciphertext } } } };
    };
    edit(ta, (x) => x.insert(0, 'salainen'));
    await w.settle();
    expect(codes(b)).toEqual(['bad_signature']);
    expect(b.problems[0]?.device).toEqual(a.ref);
    expect(tb.toString()).toBe('');
    edit(ta, (x) => x.insert(8, '!'));
    await w.settle();
    expect(tb.toString()).toBe('salainen!');
    expect(codes(b)).toEqual(['bad_signature', 'clock_gap']);
  });

  it('an envelope from a device outside the workspace is refused even when it is signed and sealed correctly', async () => {
    const [w, , b, , tb] = await twoAgents();
    const eve = w.agent('eve');
    const envelope = sealEnvelope({
      header: {
        v: PROTOCOL_VERSION,
        workspaceId: WS,
        stream: PLAN,
        kind: 'update',
        epoch: 1,
        author: eve.ref,
        clock: 1,
        snapshotId: '',
        sentAt: Date.now(),
        chainHead: await w.chainHead(),
      },
      plaintext: new Uint8Array([0, 0]),
      epochKey: w.epochKey(1),
      identityKey: eve.keyPair.privateKey,
    });
    w.server.inject(b.link, 'envelope', { workspaceId: WS, stream: PLAN, stored: { seq: 900, envelope, receivedAt: Date.now() } });
    await w.settle();
    expect(codes(b)).toEqual(['unknown_author']);
    expect(b.problems[0]?.device).toEqual(eve.ref);
    expect(tb.toString()).toBe('');
  });

  it('an envelope replayed into another stream is refused as wrong_context', async () => {
    const [w, , b, ta] = await twoAgents();
    await b.sync.documents.open(WS, 'doc:meeting1');
    await w.settle();
    edit(ta, (x) => x.insert(0, 'plan only'));
    await w.settle();
    const first = (await updates(w))[0];
    if (first === undefined) throw new Error('nothing stored');
    w.server.inject(b.link, 'envelope', { workspaceId: WS, stream: 'doc:meeting1', stored: { ...first, seq: 700 } });
    await w.settle();
    expect(codes(b)).toEqual(['wrong_context']);
    expect((await b.sync.documents.open(WS, 'doc:meeting1')).getText('t').toString()).toBe('');
  });
});
