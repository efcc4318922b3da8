/**
 * sqlite: the ciphertext log of each stream with its two rules — per-author clocks
 * (exactly last + 1, the last clock kept in `stream_clocks` so it survives pruning) and
 * the snapshot chain (compare-and-set on `streams.active_snapshot_id`). Every check and
 * its write run in one BEGIN IMMEDIATE transaction.
 *
 * Group commit: envelopes appended within one turn of the event loop (from any socket)
 * are written in ONE transaction at the end of that turn (setImmediate), each under its
 * own savepoint, so that a refusal or a failing write of one touches no other. The
 * transaction's commit — SQLCipher encrypting and writing the pages — is what an
 * envelope's durable write costs, and a batch pays it once. The `onAccepted` callbacks
 * (the relay's fan-out) run after every envelope of the batch is judged and before
 * COMMIT, so receivers get the envelope while the commit runs; the promises (the
 * senders' acks) resolve only after COMMIT.
 */
import { clockRefusal, uncoveredAuthor } from '@yhteispoyta/crypto/stream-rules';
import type {
  AppendEnvelopeResult,
  AppendSnapshotResult,
  EnvelopeStore,
  NewEnvelope,
  SnapshotInfo,
  StoredEnvelope,
  StoredSnapshot,
} from '../port';
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

/**
 * Most envelopes one group commit writes; more waiting go in the next transaction. It is
 * also how far every workspace's sequence jumps when the store opens (below).
 */
const MAX_GROUP_COMMIT = 256;

/** One append waiting for its group commit. */
interface PendingAppend {
  readonly envelope: NewEnvelope;
  readonly onAccepted: ((seq: number) => void) | undefined;
  readonly afterAccepted: (() => void) | undefined;
  readonly resolve: (result: AppendEnvelopeResult) => void;
  readonly reject: (error: unknown) => void;
}

/** The envelope store, and `settle()`: write what waits for its group commit now (before closing). */
type SqliteEnvelopeStore = EnvelopeStore & { settle(): void };

/** Build the envelope and snapshot methods over an open database. */
export function sqliteEnvelopes({ db, immediate, read, savepoint }: SqliteDb): SqliteEnvelopeStore {
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

  // A batch's envelopes are fanned out before its COMMIT; a server killed in between
  // handed their seqs to receivers without storing them. Jumping every sequence past one
  // batch on open keeps those seqs from ever naming another envelope (a receiver that
  // saw seq n asks for what comes after n). Seqs may have holes (port.ts).
  immediate(() => db.prepare('UPDATE workspace_seq SET last = last + ?').run([MAX_GROUP_COMMIT]));

  const activeOf = (workspaceId: string, stream: string): string => {
    const row = selectActive.get([workspaceId, stream]);
    return row ? colStr(row, 'active_snapshot_id') : '';
  };
  const allocateSeq = (workspaceId: string): number => {
    const row = nextSeq.get([workspaceId]);
    if (!row) throw new Error('workspace sequence allocation returned no row');
    return colInt(row, 'last');
  };

  /** Judge one envelope and write it when accepted; runs inside the batch's transaction. */
  const judgeAndWrite = (e: NewEnvelope): AppendEnvelopeResult => {
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
  };

  type Outcome = { readonly result: AppendEnvelopeResult } | { readonly error: unknown };
  const pending: PendingAppend[] = [];
  let scheduled = false;

  /** Judge and write a batch, each under its own savepoint, then run the accepted ones' callbacks (before COMMIT). */
  const writeGroup = (batch: readonly PendingAppend[]): Outcome[] => {
    const judged = batch.map((item): Outcome => {
      try {
        return { result: savepoint(() => judgeAndWrite(item.envelope)) };
      } catch (error) {
        return { error };
      }
    });
    const afterwards = new Set<() => void>();
    batch.forEach((item, i) => {
      const outcome = judged[i];
      if (outcome === undefined || !('result' in outcome) || !outcome.result.ok) return;
      if (item.afterAccepted !== undefined) afterwards.add(item.afterAccepted);
      if (item.onAccepted === undefined) return;
      try {
        item.onAccepted(outcome.result.seq);
      } catch {
        // The caller's fan-out failing is the caller's to report; it must not undo the commit.
      }
    });
    for (const after of afterwards) {
      try {
        after();
      } catch {
        // As above: the caller's to report.
      }
    }
    return judged;
  };

  /** Write one batch of waiting appends in one transaction, then answer each. */
  const commitGroup = (): void => {
    scheduled = false;
    const batch = pending.splice(0, MAX_GROUP_COMMIT);
    if (pending.length > 0) schedule();
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = immediate(() => writeGroup(batch));
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome === undefined) item.reject(new Error('group commit lost an outcome'));
      else if ('result' in outcome) item.resolve(outcome.result);
      else item.reject(outcome.error);
    });
  };
  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(commitGroup);
  }

  return {
    settle() {
      while (pending.length > 0) commitGroup();
    },
    appendEnvelope(envelope, onAccepted, afterAccepted) {
      return new Promise<AppendEnvelopeResult>((resolve, reject) => {
        pending.push({ envelope, onAccepted, afterAccepted, resolve, reject });
        schedule();
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
