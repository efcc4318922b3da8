/**
 * sqlite: the ciphertext log of each stream with its two rules — per-author clocks
 * (exactly last + 1, the last clock kept in `stream_clocks` so it survives pruning) and
 * the snapshot chain (compare-and-set on `streams.active_snapshot_id`). Every check and
 * its write run in one BEGIN IMMEDIATE transaction.
 *
 * Group commit: envelopes appended within one turn of the event loop (from any socket)
 * are written in ONE transaction at the end of that turn (setImmediate). The
 * transaction's commit is what an envelope's durable write costs, and a batch pays it
 * once. Inside it each envelope costs one statement, its insert: the group reads each
 * (stream, author) clock, each stream's active snapshot and each workspace's last seq
 * once, judges every envelope against what the group decided before it, and writes the
 * clocks and seqs it moved once, at the end. An insert is atomic on its own, so a
 * refusal or a failing write of one envelope touches no other. The `onAccepted`
 * callbacks (the relay's fan-out) run after those final writes and before COMMIT, so
 * receivers get the envelope while the commit runs, and never one of a group whose
 * writes failed; the promises (the senders' acks) resolve only after COMMIT.
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
export function sqliteEnvelopes({ db, immediate, read }: SqliteDb): SqliteEnvelopeStore {
  const nextSeq = db.prepare(
    `INSERT INTO workspace_seq (workspace_id, last) VALUES (?, 1)
     ON CONFLICT (workspace_id) DO UPDATE SET last = last + 1 RETURNING last`,
  );
  const selectSeq = db.prepare('SELECT last FROM workspace_seq WHERE workspace_id = ?');
  const upsertSeq = db.prepare(
    `INSERT INTO workspace_seq (workspace_id, last) VALUES (?, ?)
     ON CONFLICT (workspace_id) DO UPDATE SET last = excluded.last`,
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

  /** One author's clock in a stream as a group commit sees it: read once, moved by the envelopes it accepts. */
  interface GroupClock {
    readonly workspaceId: string;
    readonly stream: string;
    readonly authorKey: string;
    last: number;
    moved: boolean;
  }

  /** What one group commit has read and decided so far (module comment). */
  class GroupState {
    readonly clocks = new Map<string, GroupClock>();
    readonly #actives = new Map<string, string>();
    readonly seqs = new Map<string, number>();

    clockOf(e: NewEnvelope): GroupClock {
      const key = `${e.workspaceId}\u0000${e.stream}\u0000${e.authorKey}`;
      let clock = this.clocks.get(key);
      if (clock === undefined) {
        const row = selectClock.get([e.workspaceId, e.stream, e.authorKey]);
        clock = { workspaceId: e.workspaceId, stream: e.stream, authorKey: e.authorKey, last: row ? colInt(row, 'last_clock') : 0, moved: false };
        this.clocks.set(key, clock);
      }
      return clock;
    }

    activeOf(workspaceId: string, stream: string): string {
      const key = `${workspaceId}\u0000${stream}`;
      let active = this.#actives.get(key);
      if (active === undefined) {
        active = activeOf(workspaceId, stream);
        this.#actives.set(key, active);
      }
      return active;
    }

    /** The next seq of a workspace; taken even if its insert then fails (a seq is never handed out twice; holes are allowed). */
    takeSeq(workspaceId: string): number {
      let last = this.seqs.get(workspaceId);
      if (last === undefined) {
        const row = selectSeq.get([workspaceId]);
        last = row ? colInt(row, 'last') : 0;
      }
      this.seqs.set(workspaceId, last + 1);
      return last + 1;
    }

    /** Write the clocks and seqs this group moved. */
    writeMoved(): void {
      for (const c of this.clocks.values()) if (c.moved) upsertClock.run([c.workspaceId, c.stream, c.authorKey, c.last]);
      for (const [workspaceId, last] of this.seqs) upsertSeq.run([workspaceId, last]);
    }
  }

  /** Judge one envelope against what the group decided before it and insert it when accepted. */
  const judgeAndInsert = (group: GroupState, e: NewEnvelope): AppendEnvelopeResult => {
    const clock = group.clockOf(e);
    const refused = clockRefusal(clock.last, e.clock);
    if (refused) return { ok: false, ...refused };
    const activeSnapshotId = group.activeOf(e.workspaceId, e.stream);
    if (e.snapshotId !== activeSnapshotId) return { ok: false, code: 'stale_snapshot', activeSnapshotId };
    const seq = group.takeSeq(e.workspaceId);
    insertEnvelope.run([
      e.workspaceId, seq, e.stream, e.kind, e.authorKey, e.clock, e.snapshotId, e.epoch, e.bytes, e.receivedAt,
    ]);
    clock.last = e.clock;
    clock.moved = true;
    return { ok: true, seq };
  };

  type Outcome = { readonly result: AppendEnvelopeResult } | { readonly error: unknown };
  const pending: PendingAppend[] = [];
  let scheduled = false;

  /** Judge and write a batch, write what it moved, then run the accepted ones' callbacks (before COMMIT). */
  const writeGroup = (batch: readonly PendingAppend[]): Outcome[] => {
    const group = new GroupState();
    const judged = batch.map((item): Outcome => {
      try {
        return { result: judgeAndInsert(group, item.envelope) };
      } catch (error) {
        return { error };
      }
    });
    // Throws out of the transaction (every append of the group fails) before anything is fanned out.
    group.writeMoved();
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
