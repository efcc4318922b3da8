/**
 * Contract: the ciphertext log — clocks, the snapshot chain, range reads, pruning, thinning.
 */
import { describe, expect, it } from 'vitest';
import type { NewEnvelope, NewSnapshot, Store } from '../port';
import type { ContractContext } from './context';
import { patterned } from './context';

const A = 'alice.1';
const B = 'bob.1';

/** An update envelope on w1/doc:plan with recognisable bytes. */
const update = (authorKey: string, clock: number, snapshotId = '', over: Partial<NewEnvelope> = {}): NewEnvelope => ({
  workspaceId: 'w1',
  stream: 'doc:plan',
  kind: 'update',
  authorKey,
  clock,
  snapshotId,
  epoch: 1,
  bytes: patterned(40, clock + authorKey.length),
  receivedAt: 1000 + clock,
  ...over,
});

const snapshot = (snapshotId: string, parentSnapshotId: string, coveredClocks: Record<string, number>, receivedAt = 5000): NewSnapshot => ({
  workspaceId: 'w1',
  stream: 'doc:plan',
  snapshotId,
  parentSnapshotId,
  authorKey: A,
  epoch: 1,
  coveredClocks,
  bytes: patterned(100, snapshotId.length),
  receivedAt,
});

async function appendOk(s: Store, e: NewEnvelope): Promise<number> {
  const r = await s.envelopes.appendEnvelope(e);
  if (!r.ok) throw new Error(`append refused: ${r.code}`);
  return r.seq;
}

/** Register the envelope and snapshot cases. */
export function describeEnvelopeContract({ store }: ContractContext): void {
  describe('envelope clocks', () => {
    it('accept exactly last + 1 per author and stream; refuse gaps and replays with the expected clock', async () => {
      const s = store();
      expect(await s.envelopes.appendEnvelope(update(A, 2))).toEqual({ ok: false, code: 'clock_gap', expected: 1 });
      expect(await s.envelopes.appendEnvelope(update(A, 0))).toEqual({ ok: false, code: 'clock_replay', expected: 1 });
      const s1 = await appendOk(s, update(A, 1));
      const s2 = await appendOk(s, update(A, 2));
      expect(s2).toBeGreaterThan(s1);
      expect(await s.envelopes.appendEnvelope(update(A, 2))).toEqual({ ok: false, code: 'clock_replay', expected: 3 });
      expect(await s.envelopes.appendEnvelope(update(A, 1))).toEqual({ ok: false, code: 'clock_replay', expected: 3 });
      expect(await s.envelopes.appendEnvelope(update(A, 5))).toEqual({ ok: false, code: 'clock_gap', expected: 3 });
      // independent per author, per stream and per workspace
      const s3 = await appendOk(s, update(B, 1));
      const s4 = await appendOk(s, update(A, 1, '', { stream: 'chat', kind: 'chat' }));
      await appendOk(s, update(A, 1, '', { workspaceId: 'w2' }));
      expect(s3).toBeGreaterThan(s2);
      expect(s4).toBeGreaterThan(s3);
      const stored = await s.envelopes.envelopesAfter('w1', 'doc:plan', 0, 10);
      expect(stored.map((e) => [e.authorKey, e.clock])).toEqual([[A, 1], [A, 2], [B, 1]]);
      expect(stored[0]).toEqual({ ...update(A, 1), seq: s1 });
      expect((await s.envelopes.envelopesAfter('w1', 'chat', 0, 10)).map((e) => e.kind)).toEqual(['chat']);
    });

    it('keep case records envelopes as their own plain log, read back with their kind', async () => {
      const s = store();
      const r1 = await appendOk(s, update(A, 1, '', { stream: 'records', kind: 'records' }));
      await appendOk(s, update(A, 1, '', { stream: 'chat', kind: 'chat' }));
      const r2 = await appendOk(s, update(B, 1, '', { stream: 'records', kind: 'records' }));
      expect(await s.envelopes.appendEnvelope(update(A, 1, '', { stream: 'records', kind: 'records' }))).toEqual({ ok: false, code: 'clock_replay', expected: 2 });
      const stored = await s.envelopes.envelopesAfter('w1', 'records', 0, 10);
      expect(stored.map((e) => [e.seq, e.kind, e.authorKey])).toEqual([[r1, 'records', A], [r2, 'records', B]]);
      expect((await s.envelopes.envelopesAfter('w1', 'records', r1, 10)).map((e) => e.seq)).toEqual([r2]);
    });

    it('appends made in one turn (a group commit) are judged one by one: refusals fail no other', async () => {
      const s = store();
      await appendOk(s, update(A, 1));
      const results = await Promise.all([
        s.envelopes.appendEnvelope(update(A, 2)),
        s.envelopes.appendEnvelope(update(A, 2, '', { bytes: patterned(10, 9) })),
        s.envelopes.appendEnvelope(update(B, 2)),
        s.envelopes.appendEnvelope(update(B, 1)),
        s.envelopes.appendEnvelope(update(A, 1, 'no-such-snapshot', { stream: 'chat', kind: 'chat' })),
        s.envelopes.appendEnvelope(update(A, 1, '', { workspaceId: 'w2' })),
      ]);
      expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'clock_replay', 'clock_gap', 'ok', 'stale_snapshot', 'ok']);
      const stored = await s.envelopes.envelopesAfter('w1', 'doc:plan', 0, 10);
      expect(stored.map((e) => [e.authorKey, e.clock])).toEqual([[A, 1], [A, 2], [B, 1]]);
      expect(stored[1]?.bytes).toEqual(update(A, 2).bytes);
      expect(await s.envelopes.envelopesAfter('w1', 'chat', 0, 10)).toEqual([]);
      expect(await s.envelopes.envelopesAfter('w2', 'doc:plan', 0, 10)).toHaveLength(1);
    });

    it('one author\'s consecutive clocks in one group are all stored, and what the group moved (clocks, seqs) holds for the next', async () => {
      const s = store();
      const results = await Promise.all([
        s.envelopes.appendEnvelope(update(A, 1)),
        s.envelopes.appendEnvelope(update(A, 2)),
        s.envelopes.appendEnvelope(update(A, 4)),
        s.envelopes.appendEnvelope(update(A, 3)),
        s.envelopes.appendEnvelope(update(B, 1)),
      ]);
      expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'ok', 'clock_gap', 'ok', 'ok']);
      const seqs = results.flatMap((r) => (r.ok ? [r.seq] : []));
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(4);
      // The next group continues from the clocks and the sequence the last one wrote.
      expect(await s.envelopes.appendEnvelope(update(A, 3))).toEqual({ ok: false, code: 'clock_replay', expected: 4 });
      const next = await appendOk(s, update(A, 4));
      expect(next).toBeGreaterThan(Math.max(...seqs));
      const snap = await s.envelopes.appendSnapshot(snapshot('s1', '', { [A]: 4, [B]: 1 }));
      expect(snap.ok && snap.seq).toBeGreaterThan(next);
      expect((await s.envelopes.envelopesAfter('w1', 'doc:plan', 0, 10)).map((e) => [e.authorKey, e.clock])).toEqual([[A, 1], [A, 2], [A, 3], [B, 1], [A, 4]]);
    });

    it('onAccepted hands out the seq of an accepted envelope before the append resolves, and nothing for a refusal', async () => {
      const s = store();
      const told: [string, number][] = [];
      const appending = [
        s.envelopes.appendEnvelope(update(A, 1), (seq) => told.push([A, seq])),
        s.envelopes.appendEnvelope(update(B, 3), (seq) => told.push([B, seq])),
      ];
      const first = await appending[0];
      expect(first?.ok && told).toEqual(first?.ok ? [[A, first.seq]] : false);
      expect(await appending[1]).toEqual({ ok: false, code: 'clock_gap', expected: 1 });
      expect(told).toHaveLength(1);
      // A failing callback does not fail the append.
      const thrown = await s.envelopes.appendEnvelope(update(A, 2), () => {
        throw new Error('fan-out failed');
      });
      expect(thrown.ok).toBe(true);
      expect((await s.envelopes.envelopesAfter('w1', 'doc:plan', 0, 10)).map((e) => e.clock)).toEqual([1, 2]);
    });

    it('afterAccepted runs after onAccepted of the envelopes written with it, before the append resolves; once per function and write, never for a refusal', async () => {
      const s = store();
      const told: string[] = [];
      const after = () => told.push('after');
      const appending = [
        s.envelopes.appendEnvelope(update(A, 1), () => told.push('A'), after),
        s.envelopes.appendEnvelope(update(B, 1), () => told.push('B'), after),
      ];
      const results = await Promise.all(appending);
      expect(results.every((r) => r.ok)).toBe(true);
      // sqlite writes both in one group ('A', 'B', 'after'); an adapter writing one at a time tells each on its own.
      expect([['A', 'B', 'after'], ['A', 'after', 'B', 'after']]).toContainEqual(told);
      told.length = 0;
      expect((await s.envelopes.appendEnvelope(update(A, 5), () => told.push('gap'), after)).ok).toBe(false);
      expect(told).toEqual([]);
      // A throwing one fails nothing.
      const thrown = await s.envelopes.appendEnvelope(update(A, 2), undefined, () => {
        throw new Error('release failed');
      });
      expect(thrown.ok).toBe(true);
    });

    it('two concurrent appends with the same clock: one is stored', async () => {
      const s = store();
      await appendOk(s, update(A, 1));
      const one = update(A, 2, '', { bytes: patterned(10, 1) });
      const two = update(A, 2, '', { bytes: patterned(10, 2) });
      const results = await Promise.all([s.envelopes.appendEnvelope(one), s.envelopes.appendEnvelope(two)]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.find((r) => !r.ok)).toEqual({ ok: false, code: 'clock_replay', expected: 3 });
      const stored = await s.envelopes.envelopesAfter('w1', 'doc:plan', 0, 10);
      expect(stored.map((e) => e.clock)).toEqual([1, 2]);
      expect(stored[1]?.bytes).toEqual(results[0]?.ok ? one.bytes : two.bytes);
    });

    it('many concurrent authors each get increasing, distinct seqs', async () => {
      const s = store();
      const authors = ['a.1', 'b.1', 'c.1', 'd.1', 'e.1'];
      const results = await Promise.all(authors.flatMap((a) => [s.envelopes.appendEnvelope(update(a, 1))]));
      expect(results.every((r) => r.ok)).toBe(true);
      const stored = await s.envelopes.envelopesAfter('w1', 'doc:plan', 0, 100);
      expect(stored).toHaveLength(5);
      const seqs = stored.map((e) => e.seq);
      expect(new Set(seqs).size).toBe(5);
    });

    it('read after a seq, with a limit', async () => {
      const s = store();
      const seqs: number[] = [];
      for (let c = 1; c <= 5; c += 1) seqs.push(await appendOk(s, update(A, c)));
      const page1 = await s.envelopes.envelopesAfter('w1', 'doc:plan', 0, 2);
      expect(page1.map((e) => e.clock)).toEqual([1, 2]);
      const page2 = await s.envelopes.envelopesAfter('w1', 'doc:plan', page1.at(-1)?.seq ?? 0, 10);
      expect(page2.map((e) => e.clock)).toEqual([3, 4, 5]);
      expect(await s.envelopes.envelopesAfter('w1', 'doc:plan', seqs.at(-1) ?? 0, 10)).toEqual([]);
    });
  });

  describe('snapshot chain', () => {
    it('accepts a snapshot only on the active parent and only if it covers every update on the parent', async () => {
      const s = store();
      expect(await s.envelopes.latestState('w1', 'doc:plan')).toEqual({ snapshot: null, envelopes: [] });
      await appendOk(s, update(A, 1));
      await appendOk(s, update(A, 2));
      await appendOk(s, update(B, 1));
      expect(await s.envelopes.appendSnapshot(snapshot('s1', '', { [A]: 1, [B]: 1 }))).toEqual({
        ok: false, code: 'not_covering', authorKey: A, required: 2,
      });
      expect(await s.envelopes.appendSnapshot(snapshot('s1', '', { [A]: 2 }))).toEqual({ ok: false, code: 'not_covering', authorKey: B, required: 1 });
      expect(await s.envelopes.appendSnapshot(snapshot('s1', 'elsewhere', { [A]: 2, [B]: 1 }))).toEqual({
        ok: false, code: 'stale_snapshot', activeSnapshotId: '',
      });
      const accepted = await s.envelopes.appendSnapshot(snapshot('s1', '', { [A]: 2, [B]: 1 }));
      expect(accepted).toMatchObject({ ok: true });
      // updates must now build on s1
      expect(await s.envelopes.appendEnvelope(update(A, 3))).toEqual({ ok: false, code: 'stale_snapshot', activeSnapshotId: 's1' });
      await appendOk(s, update(A, 3, 's1'));
      const state = await s.envelopes.latestState('w1', 'doc:plan');
      expect(state.snapshot).toEqual({ ...snapshot('s1', '', { [A]: 2, [B]: 1 }), seq: accepted.ok ? accepted.seq : -1 });
      expect(state.envelopes.map((e) => [e.authorKey, e.clock, e.snapshotId])).toEqual([[A, 3, 's1']]);
      expect(await s.envelopes.appendSnapshot(snapshot('s1', 's1', { [A]: 3 }))).toEqual({ ok: false, code: 'duplicate_snapshot' });
      expect(await s.envelopes.appendSnapshot(snapshot('s2', '', { [A]: 3 }))).toEqual({ ok: false, code: 'stale_snapshot', activeSnapshotId: 's1' });
      expect(await s.envelopes.appendSnapshot(snapshot('s2', 's1', { [A]: 3 }))).toMatchObject({ ok: true });
      expect((await s.envelopes.listSnapshots('w1', 'doc:plan')).map((x) => [x.snapshotId, x.parentSnapshotId])).toEqual([['s1', ''], ['s2', 's1']]);
      expect((await s.envelopes.getSnapshot('w1', 'doc:plan', 's1'))?.bytes).toEqual(snapshot('s1', '', {}).bytes);
      expect(await s.envelopes.getSnapshot('w1', 'doc:plan', 's9')).toBeNull();
    });

    it('two concurrent snapshots on the same parent: exactly one wins', async () => {
      const s = store();
      await appendOk(s, update(A, 1));
      const results = await Promise.all([
        s.envelopes.appendSnapshot(snapshot('left', '', { [A]: 1 })),
        s.envelopes.appendSnapshot(snapshot('right', '', { [A]: 1 })),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const winner = results[0]?.ok ? 'left' : 'right';
      expect(results.find((r) => !r.ok)).toEqual({ ok: false, code: 'stale_snapshot', activeSnapshotId: winner });
      expect((await s.envelopes.latestState('w1', 'doc:plan')).snapshot?.snapshotId).toBe(winner);
      expect((await s.envelopes.listSnapshots('w1', 'doc:plan')).map((x) => x.snapshotId)).toEqual([winner]);
    });

    it('an update and a snapshot racing: the snapshot never silently loses the update', async () => {
      const s = store();
      await appendOk(s, update(A, 1));
      const [u, snap] = await Promise.all([s.envelopes.appendEnvelope(update(B, 1)), s.envelopes.appendSnapshot(snapshot('s1', '', { [A]: 1 }))]);
      const state = await s.envelopes.latestState('w1', 'doc:plan');
      if (snap.ok) {
        // the update either landed before (then the snapshot would have had to cover it) or must build on s1
        expect(u).toEqual({ ok: false, code: 'stale_snapshot', activeSnapshotId: 's1' });
        expect(state.snapshot?.snapshotId).toBe('s1');
      } else {
        expect(u.ok).toBe(true);
        expect(snap).toEqual({ ok: false, code: 'not_covering', authorKey: B, required: 1 });
        expect(state.envelopes.map((e) => e.authorKey)).toEqual([A, B]);
      }
    });

    it('prunes covered updates after the retention window; last clocks survive pruning', async () => {
      const s = store();
      await appendOk(s, update(A, 1));
      await appendOk(s, update(A, 2));
      await appendOk(s, update(A, 1, '', { stream: 'chat', kind: 'chat' }));
      await s.envelopes.appendSnapshot(snapshot('s1', '', { [A]: 2 }, 5000));
      await appendOk(s, update(A, 3, 's1'));
      expect(await s.envelopes.pruneCoveredUpdates(5000)).toBe(0);
      expect(await s.envelopes.pruneCoveredUpdates(5001)).toBe(2);
      expect((await s.envelopes.envelopesAfter('w1', 'doc:plan', 0, 10)).map((e) => e.clock)).toEqual([3]);
      expect(await s.envelopes.envelopesAfter('w1', 'chat', 0, 10)).toHaveLength(1);
      expect(await s.envelopes.appendEnvelope(update(A, 2, 's1'))).toEqual({ ok: false, code: 'clock_replay', expected: 4 });
      expect(await s.envelopes.appendEnvelope(update(A, 1, 's1'))).toEqual({ ok: false, code: 'clock_replay', expected: 4 });
      await appendOk(s, update(A, 4, 's1'));
      const state = await s.envelopes.latestState('w1', 'doc:plan');
      expect(state.snapshot?.snapshotId).toBe('s1');
      expect(state.envelopes.map((e) => e.clock)).toEqual([3, 4]);
    });

    it('prunes, in every stream, what any snapshot accepted before the cut-off covers, also after thinning', async () => {
      const s = store();
      const w2 = { workspaceId: 'w2' };
      await appendOk(s, update(A, 1));
      await s.envelopes.appendSnapshot(snapshot('s1', '', { [A]: 1 }, 5000));
      await appendOk(s, update(A, 2, 's1'));
      await s.envelopes.appendSnapshot(snapshot('s2', 's1', { [A]: 2 }, 6000));
      await appendOk(s, update(A, 3, 's2'));
      await s.envelopes.appendSnapshot(snapshot('s3', 's2', { [A]: 3 }, 9000));
      await appendOk(s, update(A, 4, 's3'));
      await appendOk(s, update(A, 1, '', w2));
      await s.envelopes.appendSnapshot({ ...snapshot('t1', '', { [A]: 1 }, 5000), ...w2 });
      await appendOk(s, update(A, 2, 't1', w2));
      // s1 goes (thinned): s2, accepted before the cut-off, still covers clocks 1 and 2.
      expect(await s.envelopes.deleteSnapshots('w1', 'doc:plan', ['s1'])).toBe(1);
      expect(await s.envelopes.pruneCoveredUpdates(7000)).toBe(3);
      expect((await s.envelopes.envelopesAfter('w1', 'doc:plan', 0, 10)).map((e) => e.clock)).toEqual([3, 4]);
      expect((await s.envelopes.envelopesAfter('w2', 'doc:plan', 0, 10)).map((e) => e.clock)).toEqual([2]);
      expect(await s.envelopes.pruneCoveredUpdates(10_000)).toBe(1);
      expect((await s.envelopes.envelopesAfter('w1', 'doc:plan', 0, 10)).map((e) => e.clock)).toEqual([4]);
    });
  });

  describe('snapshot history', () => {
    it('lists the streams with enough snapshots and thins them, never deleting the active snapshot', async () => {
      const s = store();
      await s.envelopes.appendSnapshot(snapshot('s1', '', {}, 5000));
      await s.envelopes.appendSnapshot(snapshot('s2', 's1', {}, 6000));
      await s.envelopes.appendSnapshot(snapshot('s3', 's2', {}, 7000));
      await s.envelopes.appendSnapshot({ ...snapshot('t1', '', {}, 5000), stream: 'doc:meeting' });
      expect(await s.envelopes.listSnapshotStreams(2)).toEqual([{ workspaceId: 'w1', stream: 'doc:plan' }]);
      expect(await s.envelopes.listSnapshotStreams(1)).toEqual([
        { workspaceId: 'w1', stream: 'doc:meeting' },
        { workspaceId: 'w1', stream: 'doc:plan' },
      ]);
      expect(await s.envelopes.deleteSnapshots('w1', 'doc:plan', ['s1', 's3', 'nope'])).toBe(1);
      expect((await s.envelopes.listSnapshots('w1', 'doc:plan')).map((x) => x.snapshotId)).toEqual(['s2', 's3']);
      expect((await s.envelopes.latestState('w1', 'doc:plan')).snapshot?.snapshotId).toBe('s3');
      expect(await s.envelopes.getSnapshot('w1', 'doc:plan', 's1')).toBeNull();
      // The chain goes on from the active snapshot.
      expect(await s.envelopes.appendSnapshot(snapshot('s4', 's3', {}, 8000))).toMatchObject({ ok: true });
    });
  });
}
