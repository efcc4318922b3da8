/**
 * Regression (hostile-relay harness, test/hostile): a join answer that named an older
 * snapshot — one this device had adopted and moved past — as the stream's active one was
 * silently taken for a re-delivery. A server rolling a document back must be reported.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JoinResult } from '@yhteispoyta/crypto/protocol';
import { isOf, SyncWorld } from './testkit/sync-world';
import { edit } from './testkit/local-edit';

const PLAN = 'doc:plan';
let world: SyncWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('a join answer rolling a document back to an older snapshot', () => {
  it('is reported as snapshot_chain and nothing of it is applied; an honest answer afterwards is quiet', async () => {
    const w = await SyncWorld.create(['anna', 'ben'], { config: { compactionThreshold: 2 } });
    world = w;
    const WS = w.workspaceId;
    const snapshots = async () => (await w.records(PLAN)).filter((r) => r.kind === 'snapshot');
    const [a, b] = [w.agent('anna'), w.agent('ben')];
    const ta = (await a.sync.documents.open(WS, PLAN)).getText('t');
    const tb = (await b.sync.documents.open(WS, PLAN)).getText('t');
    for (let i = 0; i < 12 && (await snapshots()).length < 2; i++) {
      edit(ta, (x) => x.insert(ta.length, `${i} `));
      await w.settle();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await w.settle();
    const made = await snapshots();
    expect(made.length).toBeGreaterThanOrEqual(2);
    expect(tb.toString()).toBe(ta.toString());
    const older = made[0];
    if (older === undefined) throw new Error('no snapshot');
    const hash = await b.sync.documents.stateHash(WS, PLAN);

    let rollBack = true;
    w.intercept = (t) => {
      if (t.kind !== 'ack' || t.event !== 'join' || !isOf(t, b) || !rollBack) return undefined;
      const result = t.ack as { ok: true } & JoinResult;
      return { replace: { ...result, streams: { ...result.streams, [PLAN]: { snapshot: older.stored, envelopes: [] } } } };
    };
    b.link.setOnline(false);
    b.link.setOnline(true);
    await w.settle();
    expect(b.problems.map((p) => p.code)).toEqual(['snapshot_chain']);
    expect(await b.sync.documents.stateHash(WS, PLAN)).toBe(hash);

    rollBack = false;
    b.link.setOnline(false);
    b.link.setOnline(true);
    await w.settle();
    edit(ta, (x) => x.insert(0, '> '));
    await w.settle();
    expect(b.problems.map((p) => p.code)).toEqual(['snapshot_chain']);
    expect(tb.toString()).toBe(ta.toString());
  });
});
