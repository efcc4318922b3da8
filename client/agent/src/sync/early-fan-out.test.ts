/**
 * The server fans a pushed envelope out while its commit runs (docs/design.md, hot path).
 * A server that dies between the fan-out and the commit has handed receivers an envelope
 * it never stored nor acknowledged: the sender sends the same clock again (sealed anew),
 * the restarted server stores it under a later seq, and every receiver converges without
 * a false alarm (a re-seal of the clock it applied is not a replay).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NewEnvelope } from '@yhteispoyta/server/store/port';
import { isOf, SyncWorld } from './testkit/sync-world';
import { edit } from './testkit/local-edit';

const PLAN = 'doc:plan';
let world: SyncWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('a server killed between fan-out and commit', () => {
  it('loses nothing: the sender re-sends the unacknowledged clock and every device converges without a problem', async () => {
    const w = await SyncWorld.create(['anna', 'ben', 'cai']);
    world = w;
    const WS = w.workspaceId;
    const [a, b, c] = [w.agent('anna'), w.agent('ben'), w.agent('cai')];
    const texts = await Promise.all([a, b, c].map(async (agent) => (await agent.sync.documents.open(WS, PLAN)).getText('t')));
    const [ta, tb, tc] = texts;
    if (ta === undefined || tb === undefined || tc === undefined) throw new Error('documents did not open');
    await w.settle();
    edit(ta, (x) => x.insert(0, 'one'));
    await w.settle();

    // The next push is fanned out under the seq the store would hand out, then the server
    // "dies": the commit never happens and the sender never hears back.
    const envelopes = w.server.ctx.store.envelopes;
    const append = envelopes.appendEnvelope.bind(envelopes);
    let lost: { seq: number; clock: number } | undefined;
    envelopes.appendEnvelope = async (e: NewEnvelope, onAccepted?: (seq: number) => void) => {
      if (lost !== undefined || e.stream !== PLAN) return append(e, onAccepted);
      const [row] = w.server.sql('SELECT last FROM workspace_seq WHERE workspace_id = ?', WS) as { last: number }[];
      lost = { seq: (row?.last ?? 0) + 1, clock: e.clock };
      onAccepted?.(lost.seq);
      throw new Error('killed before the commit');
    };
    let ackDropped = false;
    w.intercept = (t) => {
      if (t.kind !== 'ack' || t.event !== 'push' || !isOf(t, a) || lost === undefined || ackDropped) return undefined;
      ackDropped = true;
      return 'drop';
    };
    edit(ta, (x) => x.insert(3, ' two'));
    // No settle here: its flush would send again while the server is still "up".
    await vi.waitFor(() => expect([ackDropped, tb.toString(), tc.toString()]).toEqual([true, 'one two', 'one two']));
    expect(await w.records(PLAN)).toHaveLength(1);

    // The restart: every connection drops; the store comes back without the envelope and
    // (as the sqlite store does on open) with its sequence moved past the lost seq.
    for (const agent of [a, b, c]) agent.link.setOnline(false);
    envelopes.appendEnvelope = append;
    w.intercept = undefined;
    w.server.sql('UPDATE workspace_seq SET last = last + 256');
    for (const agent of [a, b, c]) agent.link.setOnline(true);
    await w.settle();
    edit(tb, (x) => x.insert(0, 'zero '));
    await w.settle();

    const stored = await w.records(PLAN);
    expect(stored.map((r) => r.clock)).toEqual([1, lost?.clock, 1]);
    expect(stored[1]?.seq).toBeGreaterThan(lost?.seq ?? Infinity);
    const hashes = await Promise.all([a, b, c].map((agent) => agent.sync.documents.stateHash(WS, PLAN)));
    expect(new Set(hashes).size).toBe(1);
    expect(ta.toString()).toBe('zero one two');
    for (const agent of [a, b, c]) expect(agent.problems.filter((p) => p.code !== 'offline').map((p) => p.code)).toEqual([]);
  });
});
