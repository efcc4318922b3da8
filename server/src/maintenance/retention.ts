/**
 * The retention job of document streams (docs/design.md §6): the server keeps each
 * document as a chain of snapshots plus the updates on the active one, and lets history
 * go on a schedule.
 *
 * - Updates a snapshot covers go once that snapshot is older than the retention window
 *   (SNAPSHOT_RETENTION_SECONDS): until then a version between two snapshots can still be
 *   rebuilt update by update.
 * - Snapshots are thinned: of those younger than a day the newest of each hour stays, of
 *   older ones the newest of each day. The active snapshot always stays: joining devices
 *   start from it, and the next snapshot's parentProof is checked against it (a device
 *   that missed the snapshots in between adopts the active one as `unverifiable`, as it
 *   would after any absence; client/agent/src/sync/snapshot-chain.ts).
 */
import type { Needs } from '../context';
import type { SnapshotInfo } from '../store/port';
import type { MaintenanceJob } from './schedule';

const HOUR_MS = 60 * 60_000;
const DAY_MS = 24 * HOUR_MS;

/** How often the retention job runs. */
const RETENTION_INTERVAL_MS = HOUR_MS;
/** Snapshots younger than this keep one per hour; older ones one per day. */
const HOURLY_SNAPSHOTS_FOR_MS = DAY_MS;

/** The bucket a snapshot falls in at `now`: its hour while it is young, its (UTC) day after. */
function bucketOf(snapshot: SnapshotInfo, now: number): string {
  return now - snapshot.receivedAt < HOURLY_SNAPSHOTS_FOR_MS
    ? `hour:${Math.floor(snapshot.receivedAt / HOUR_MS)}`
    : `day:${Math.floor(snapshot.receivedAt / DAY_MS)}`;
}

/**
 * The ids of the snapshots of one stream's history (oldest first) that thinning deletes
 * at `now`: all but the newest of each bucket, and never the newest of the stream (the
 * active snapshot). Pure.
 */
export function snapshotsToThin(history: readonly SnapshotInfo[], now: number): string[] {
  const newestFirst = [...history].sort((a, b) => b.seq - a.seq);
  const kept = new Set<string>();
  const thinned: string[] = [];
  newestFirst.forEach((snapshot, index) => {
    const bucket = bucketOf(snapshot, now);
    if (index === 0 || !kept.has(bucket)) kept.add(bucket);
    else thinned.push(snapshot.snapshotId);
  });
  return thinned;
}

/** One run: prune covered updates past the window, then thin every stream's snapshot history. */
export async function applyRetention(deps: Needs<'envelopes', 'now' | 'config'>): Promise<{ prunedUpdates: number; thinnedSnapshots: number }> {
  const now = deps.now();
  const { envelopes } = deps.store;
  const prunedUpdates = await envelopes.pruneCoveredUpdates(now - deps.config.snapshotRetentionSeconds * 1000);
  let thinnedSnapshots = 0;
  for (const { workspaceId, stream } of await envelopes.listSnapshotStreams(2)) {
    const doomed = snapshotsToThin(await envelopes.listSnapshots(workspaceId, stream), now);
    if (doomed.length > 0) thinnedSnapshots += await envelopes.deleteSnapshots(workspaceId, stream, doomed);
  }
  return { prunedUpdates, thinnedSnapshots };
}

/** The retention job over the store's envelope part. */
export function retentionJob(deps: Needs<'envelopes', 'now' | 'config'>): MaintenanceJob {
  return { name: 'retention', everyMs: RETENTION_INTERVAL_MS, run: () => applyRetention(deps) };
}
