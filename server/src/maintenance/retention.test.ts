import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { openSqliteStore } from '../store/sqlite/store';
import type { NewSnapshot, SnapshotInfo, Store } from '../store/port';
import { applyRetention, snapshotsToThin } from './retention';

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
/** Noon of a UTC day, far from any bucket edge. */
const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);

function info(snapshotId: string, seq: number, receivedAt: number): SnapshotInfo {
  return { workspaceId: 'w1', stream: 'doc:plan', snapshotId, parentSnapshotId: '', seq, authorKey: 'alice.1', epoch: 1, coveredClocks: {}, receivedAt };
}

describe('snapshot thinning', () => {
  it('keeps the newest of each hour for a day, the newest of each day after, and always the active snapshot', () => {
    const history = [
      info('d3-early', 1, NOW - 3 * DAY - 2 * HOUR),
      info('d3-late', 2, NOW - 3 * DAY - HOUR),
      info('d2', 3, NOW - 2 * DAY),
      info('h5-a', 4, NOW - 5 * HOUR + 60_000),
      info('h5-b', 5, NOW - 5 * HOUR + 120_000),
      info('h1-a', 6, NOW - 30 * 60_000),
      info('h1-b', 7, NOW - 20 * 60_000),
      info('now', 8, NOW - 60_000),
    ];
    expect(snapshotsToThin(history, NOW).sort()).toEqual(['d3-early', 'h1-a', 'h1-b', 'h5-a']);
    expect(snapshotsToThin([info('only', 1, NOW - 10 * DAY)], NOW)).toEqual([]);
    // The newest is kept even when an older one shares its bucket (it is the active snapshot).
    expect(snapshotsToThin([info('old', 1, NOW - 10 * 60_000), info('active', 2, NOW - 5 * 60_000)], NOW)).toEqual(['old']);
  });
});

describe('the retention job', () => {
  let store: Store;
  const config = loadConfig({ SNAPSHOT_RETENTION_SECONDS: String(3 * 24 * 3600) });

  beforeEach(() => {
    store = openSqliteStore({ path: ':memory:' });
  });
  afterEach(async () => {
    await store.close();
  });

  const snapshot = (snapshotId: string, parentSnapshotId: string, clock: number, receivedAt: number): NewSnapshot => ({
    workspaceId: 'w1', stream: 'doc:plan', snapshotId, parentSnapshotId, authorKey: 'alice.1', epoch: 1,
    coveredClocks: { 'alice.1': clock }, bytes: new Uint8Array([clock]), receivedAt,
  });

  async function update(clock: number, snapshotId: string, receivedAt: number): Promise<void> {
    const appended = await store.envelopes.appendEnvelope({
      workspaceId: 'w1', stream: 'doc:plan', kind: 'update', authorKey: 'alice.1', clock, snapshotId, epoch: 1,
      bytes: new Uint8Array([clock]), receivedAt,
    });
    expect(appended.ok).toBe(true);
  }

  it('prunes updates covered by snapshots past the window, thins the history, and keeps the active snapshot whole', async () => {
    // A week of a document: a snapshot on each of days 7, 6 and 5 back, three within the last hour.
    const times = [NOW - 7 * DAY, NOW - 6 * DAY, NOW - 5 * DAY, NOW - 40 * 60_000, NOW - 30 * 60_000, NOW - 20 * 60_000];
    let parent = '';
    for (const [i, at] of times.entries()) {
      await update(i + 1, parent, at - 1000);
      const id = `s${i + 1}`;
      expect((await store.envelopes.appendSnapshot(snapshot(id, parent, i + 1, at))).ok).toBe(true);
      parent = id;
    }
    await update(7, parent, NOW - 10 * 60_000);

    const done = await applyRetention({ store, config, now: () => NOW });

    // s3 (5 days back) is the newest snapshot past the 3-day window: the updates before it go.
    expect(done).toEqual({ prunedUpdates: 3, thinnedSnapshots: 2 });
    expect((await store.envelopes.listSnapshots('w1', 'doc:plan')).map((s) => s.snapshotId)).toEqual(['s1', 's2', 's3', 's6']);
    const state = await store.envelopes.latestState('w1', 'doc:plan');
    expect(state.snapshot?.snapshotId).toBe('s6');
    expect(state.snapshot?.bytes).toEqual(new Uint8Array([6]));
    expect(state.envelopes.map((e) => e.clock)).toEqual([7]);
    expect((await store.envelopes.envelopesAfter('w1', 'doc:plan', 0, 100)).map((e) => e.clock)).toEqual([4, 5, 6, 7]);
    // The chain goes on from the active snapshot; the next run thins s6, now of the same hour as the newer s7.
    expect((await store.envelopes.appendSnapshot(snapshot('s7', 's6', 7, NOW - 5 * 60_000))).ok).toBe(true);
    expect(await applyRetention({ store, config, now: () => NOW })).toEqual({ prunedUpdates: 0, thinnedSnapshots: 1 });
  });
});
