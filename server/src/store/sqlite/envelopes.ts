/**
 * sqlite: the ciphertext log of each stream with its two rules — per-author clocks
 * (exactly last + 1, the last clock kept in `stream_clocks` so it survives pruning) and
 * the snapshot chain (compare-and-set on `streams.active_snapshot_id`). Every check and
 * its write run in one BEGIN IMMEDIATE transaction.
 */
import { clockRefusal, uncoveredAuthor } from '@yhteispoyta/crypto/stream-rules';
import type { AppendEnvelopeResult, AppendSnapshotResult, EnvelopeStore, SnapshotInfo, StoredEnvelope, StoredSnapshot } from '../port';
import { readClockRecord, readStoredEnvelopeKind } from '../record-schemas';
import type { SqliteDb } from './db';
import { colBytes, colInt, colJson, colStr } from './db';

type Row = Record<string, unknown>;

const toEnvelope = (r: Row): StoredEnvelope => ({
  seq: colInt(r, 'seq'),
  workspaceId: colStr(r, 'workspace_id'),
  stream: colStr(r, 'stream'),
  kind: readStoredEnvelopeKind(colStr(r, 'kind')),
  authorKey: colStr(r, 'author_key'),
  clock: colInt(r, 'clock'),
  snapshotId: colStr(r, 'snapshot_id'),
  epoch: colInt(r, 'epoch'),
  bytes: colBytes(r, 'bytes'),
  receivedAt: colInt(r, 'received_at'),
});
const toSnapshotInfo = (r: Row): SnapshotInfo => ({
  seq: colInt(r, 'seq'),
  workspaceId: colStr(r, 'workspace_id'),
  stream: colStr(r, 'stream'),
  snapshotId: colStr(r, 'snapshot_id'),
  parentSnapshotId: colStr(r, 'parent_snapshot_id'),
  authorKey: colStr(r, 'author_key'),
  epoch: colInt(r, 'epoch'),
  coveredClocks: readClockRecord(colJson(r, 'covered_clocks')),
  receivedAt: colInt(r, 'received_at'),
});
const toSnapshot = (r: Row): StoredSnapshot => ({ ...toSnapshotInfo(r), bytes: colBytes(r, 'bytes') });

/** Build the envelope and snapshot methods over an open database. */
export function sqliteEnvelopes({ db, immediate, read }: SqliteDb): EnvelopeStore {
  const nextSeq = db.prepare(
    `INSERT INTO workspace_seq (workspace_id, last) VALUES (?, 1)
     ON CONFLICT (workspace_id) DO UPDATE SET last = last + 1 RETURNING last`,
  );
  const selectActive = db.prepare('SELECT active_snapshot_id FROM streams WHERE workspace_id = ? AND stream = ?');
  const upsertActive = db.prepare(
    `INSERT INTO streams (workspace_id, stream, active_snapshot_id) VALUES (?, ?, ?)
     ON CONFLICT (workspace_id, stream) DO UPDATE SET active_snapshot_id = excluded.active_snapshot_id`,
  );
  const selectClock = db.prepare(
    'SELECT last_clock FROM stream_clocks WHERE workspace_id = ? AND stream = ? AND author_key = ?',
  );
  const upsertClock = db.prepare(
    `INSERT INTO stream_clocks (workspace_id, stream, author_key, last_clock) VALUES (?, ?, ?, ?)
     ON CONFLICT (workspace_id, stream, author_key) DO UPDATE SET last_clock = excluded.last_clock`,
  );
  const insertEnvelope = db.prepare(
    `INSERT INTO envelopes (workspace_id, seq, stream, kind, author_key, clock, snapshot_id, epoch, bytes, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectAfter = db.prepare(
    'SELECT * FROM envelopes WHERE workspace_id = ? AND stream = ? AND seq > ? ORDER BY seq LIMIT ?',
  );
  const selectOnSnapshot = db.prepare(
    'SELECT * FROM envelopes WHERE workspace_id = ? AND stream = ? AND snapshot_id = ? ORDER BY seq',
  );
  const selectMaxClocks = db.prepare(
    `SELECT author_key, max(clock) AS last FROM envelopes
     WHERE workspace_id = ? AND stream = ? AND snapshot_id = ? GROUP BY author_key`,
  );
  const selectSnapshot = db.prepare('SELECT * FROM snapshots WHERE workspace_id = ? AND stream = ? AND snapshot_id = ?');
  const insertSnapshot = db.prepare(
    `INSERT INTO snapshots (workspace_id, stream, snapshot_id, parent_snapshot_id, seq, author_key, epoch,
       covered_clocks, bytes, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectSnapshots = db.prepare(
    `SELECT seq, workspace_id, stream, snapshot_id, parent_snapshot_id, author_key, epoch, covered_clocks, received_at
     FROM snapshots WHERE workspace_id = ? AND stream = ? ORDER BY seq`,
  );
  const selectSnapshotStreams = db.prepare(
    'SELECT workspace_id, stream FROM snapshots GROUP BY workspace_id, stream HAVING count(*) >= ? ORDER BY workspace_id, stream',
  );
  const deleteSnapshot = db.prepare(
    `DELETE FROM snapshots WHERE workspace_id = ? AND stream = ? AND snapshot_id = ? AND snapshot_id NOT IN (
       SELECT active_snapshot_id FROM streams WHERE workspace_id = ? AND stream = ?)`,
  );
  // Per stream, the newest snapshot accepted before the cut-off: everything stored before it is covered.
  const selectPruneCuts = db.prepare(
    'SELECT workspace_id, stream, max(seq) AS cut FROM snapshots WHERE received_at < ? GROUP BY workspace_id, stream',
  );
  const deleteBefore = db.prepare('DELETE FROM envelopes WHERE workspace_id = ? AND stream = ? AND seq < ?');

  const activeOf = (workspaceId: string, stream: string): string => {
    const row = selectActive.get([workspaceId, stream]);
    return row ? colStr(row, 'active_snapshot_id') : '';
  };
  const allocateSeq = (workspaceId: string): number => {
    const row = nextSeq.get([workspaceId]);
    if (!row) throw new Error('workspace sequence allocation returned no row');
    return colInt(row, 'last');
  };

  return {
    async appendEnvelope(e) {
      return immediate((): AppendEnvelopeResult => {
        const clockRow = selectClock.get([e.workspaceId, e.stream, e.authorKey]);
        const refused = clockRefusal(clockRow ? colInt(clockRow, 'last_clock') : 0, e.clock);
        if (refused) return { ok: false, ...refused };
        const activeSnapshotId = activeOf(e.workspaceId, e.stream);
        if (e.snapshotId !== activeSnapshotId) return { ok: false, code: 'stale_snapshot', activeSnapshotId };
        const seq = allocateSeq(e.workspaceId);
        insertEnvelope.run([
          e.workspaceId, seq, e.stream, e.kind, e.authorKey, e.clock, e.snapshotId, e.epoch, e.bytes, e.receivedAt,
        ]);
        upsertClock.run([e.workspaceId, e.stream, e.authorKey, e.clock]);
        return { ok: true, seq };
      });
    },
    async envelopesAfter(workspaceId, stream, afterSeq, limit) {
      return selectAfter.all([workspaceId, stream, afterSeq, limit]).map(toEnvelope);
    },
    async appendSnapshot(s) {
      return immediate((): AppendSnapshotResult => {
        const activeSnapshotId = activeOf(s.workspaceId, s.stream);
        if (s.parentSnapshotId !== activeSnapshotId) return { ok: false, code: 'stale_snapshot', activeSnapshotId };
        if (s.snapshotId === '' || selectSnapshot.get([s.workspaceId, s.stream, s.snapshotId])) {
          return { ok: false, code: 'duplicate_snapshot' };
        }
        const lastClocks: Record<string, number> = {};
        for (const r of selectMaxClocks.all([s.workspaceId, s.stream, s.parentSnapshotId])) {
          lastClocks[colStr(r, 'author_key')] = colInt(r, 'last');
        }
        const uncovered = uncoveredAuthor(lastClocks, s.coveredClocks);
        if (uncovered) return { ok: false, code: 'not_covering', ...uncovered };
        const seq = allocateSeq(s.workspaceId);
        insertSnapshot.run([
          s.workspaceId, s.stream, s.snapshotId, s.parentSnapshotId, seq, s.authorKey, s.epoch,
          JSON.stringify(s.coveredClocks), s.bytes, s.receivedAt,
        ]);
        upsertActive.run([s.workspaceId, s.stream, s.snapshotId]);
        return { ok: true, seq };
      });
    },
    async latestState(workspaceId, stream) {
      // One read transaction so the snapshot and its envelopes are from the same moment.
      return read(() => {
        const activeId = activeOf(workspaceId, stream);
        const snapRow = activeId === '' ? undefined : selectSnapshot.get([workspaceId, stream, activeId]);
        return {
          snapshot: snapRow ? toSnapshot(snapRow) : null,
          envelopes: selectOnSnapshot.all([workspaceId, stream, activeId]).map(toEnvelope),
        };
      });
    },
    async getSnapshot(workspaceId, stream, snapshotId) {
      const row = selectSnapshot.get([workspaceId, stream, snapshotId]);
      return row ? toSnapshot(row) : null;
    },
    async listSnapshots(workspaceId, stream) {
      return selectSnapshots.all([workspaceId, stream]).map(toSnapshotInfo);
    },
    async listSnapshotStreams(minSnapshots) {
      return selectSnapshotStreams.all([minSnapshots]).map((r) => ({ workspaceId: colStr(r, 'workspace_id'), stream: colStr(r, 'stream') }));
    },
    async deleteSnapshots(workspaceId, stream, snapshotIds) {
      return immediate(() => {
        let deleted = 0;
        for (const id of snapshotIds) deleted += deleteSnapshot.run([workspaceId, stream, id, workspaceId, stream]).changes;
        return deleted;
      });
    },
    async pruneCoveredUpdates(olderThan) {
      return immediate(() => {
        let deleted = 0;
        for (const r of selectPruneCuts.all([olderThan])) {
          deleted += deleteBefore.run([colStr(r, 'workspace_id'), colStr(r, 'stream'), colInt(r, 'cut')]).changes;
        }
        return deleted;
      });
    },
  };
}
