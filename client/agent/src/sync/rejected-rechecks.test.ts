/**
 * Regression (hostile-relay harness, test/hostile): an envelope altered in transit was
 * refused and its seq skipped; the genuine envelope, still stored at the server, came back
 * only when its author happened to send again. Now the refused seq is fetched again by
 * itself; an envelope that never existed at its seq is dropped after one look.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sealEnvelope } from '@yhteispoyta/crypto/envelope';
import type { EnvelopeNotice } from '@yhteispoyta/crypto/protocol';
import { PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import { isOf, SyncWorld } from './testkit/sync-world';
import { edit } from './testkit/local-edit';

const PLAN = 'doc:plan';
let world: SyncWorld | undefined;
let WS = '';

afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

describe('refused envelopes get a second look', () => {
  it('the genuine envelope behind a bit-flipped delivery is applied without its author sending again', async () => {
    const w = await SyncWorld.create(['anna', 'ben']);
    world = w;
    WS = w.workspaceId;
    const [a, b] = [w.agent('anna'), w.agent('ben')];
    const ta = (await a.sync.documents.open(WS, PLAN)).getText('t');
    const tb = (await b.sync.documents.open(WS, PLAN)).getText('t');
    await w.settle();
    let flipped = false;
    w.intercept = (t) => {
      if (t.kind !== 'notice' || t.event !== 'envelope' || !isOf(t, b) || flipped) return undefined;
      flipped = true;
      const n = t.payload as EnvelopeNotice;
      const signature = new Uint8Array(n.stored.envelope.signature);
      signature[0] = (signature[0] ?? 0) ^ 1;
      return { replace: { ...n, stored: { ...n.stored, envelope: { ...n.stored.envelope, signature } } } };
    };
    edit(ta, (x) => x.insert(0, 'vain kerran'));
    await w.settle();
    expect(b.problems.map((p) => p.code)).toEqual(['bad_signature']);
    expect(await until(() => tb.toString() === 'vain kerran', 5_000)).toBe(true);
    expect(b.problems.map((p) => p.code)).toEqual(['bad_signature']);
    expect(await b.sync.documents.stateHash(WS, PLAN)).toBe(await a.sync.documents.stateHash(WS, PLAN));
  });

  it('an injected envelope under an invented seq is looked at once more and then forgotten, reported once', async () => {
    const w = await SyncWorld.create(['anna', 'ben'], { outsiders: ['eve'] });
    world = w;
    WS = w.workspaceId;
    const [b, eve] = [w.agent('ben'), w.agent('eve')];
    const tb = (await b.sync.documents.open(WS, PLAN)).getText('t');
    await w.settle();
    let fetches = 0;
    w.intercept = (t) => {
      if (t.kind === 'request' && t.event === 'fetch' && isOf(t, b)) fetches += 1;
      return undefined;
    };
    const envelope = sealEnvelope({
      header: { v: PROTOCOL_VERSION, workspaceId: WS, stream: PLAN, kind: 'update', epoch: 1, author: eve.ref, clock: 1, snapshotId: '', sentAt: Date.now(), chainHead: await w.chainHead() },
      plaintext: new Uint8Array([0, 0]),
      epochKey: w.epochKey(1),
      identityKey: eve.keyPair.privateKey,
    });
    w.server.inject(b.link, 'envelope', { workspaceId: WS, stream: PLAN, stored: { seq: 900, envelope, receivedAt: Date.now() } });
    await w.settle();
    expect(await until(() => fetches >= 1, 3_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(fetches).toBe(1);
    expect(b.problems.map((p) => p.code)).toEqual(['unknown_author']);
    expect(tb.toString()).toBe('');
  });
});
