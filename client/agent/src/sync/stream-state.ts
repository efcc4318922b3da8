/**
 * Where this device stands in each stream: the active snapshot, the last seq processed,
 * the last clock applied per author, the snapshots adopted so far, and the device sets
 * of each epoch. Synchronous SQL on the profile, so callers can group writes in one
 * `profile.transaction`.
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { ProfileDb } from '../profile/profile-db';
import { rowBytes, rowInt, rowOptBytes, rowText } from '../streams/sql-row';

/** The snapshot a stream currently builds on. */
export interface ActiveSnapshot {
  /** '' before the first snapshot */
  readonly id: string;
  /** the snapshot's own parentProof (undefined when id is '') */
  readonly proof: Bytes | undefined;
  /** SHA-256 of the snapshot's ciphertext (undefined when id is '') */
  readonly ciphertextHash: Bytes | undefined;
  readonly epoch: number;
  readonly seq: number;
}

/** One stream's row. */
export interface StreamRow {
  readonly workspaceId: string;
  readonly stream: string;
  readonly active: ActiveSnapshot;
  readonly lastSeq: number;
  readonly updatesOnSnapshot: number;
  /** oldest epoch of the content on the active snapshot; 0 for an empty stream */
  readonly oldestEpoch: number;
}

/** A snapshot this device adopted at some point. */
export interface KnownSnapshot {
  readonly id: string;
  readonly proof: Bytes;
  readonly ciphertextHash: Bytes;
  readonly epoch: number;
  readonly seq: number;
}

/** An author's position in a stream. */
export interface AuthorClock {
  readonly clock: number;
  readonly seq: number;
}

const NO_SNAPSHOT: ActiveSnapshot = Object.freeze({ id: '', proof: undefined, ciphertextHash: undefined, epoch: 0, seq: 0 });

const rowKey = (workspaceId: string, stream: string): string => `${workspaceId}\u0000${stream}`;
const clockKey = (workspaceId: string, stream: string, authorKey: string): string => `${workspaceId}\u0000${stream}\u0000${authorKey}`;

/** SQL over the sync_streams, sync_snapshots, sync_clocks and sync_epoch_devices tables. */
export class StreamStateStore {
  readonly #profile: ProfileDb;
  /**
   * Stream rows and author clocks as stored, once read: every received envelope reads
   * its author's clock and its stream's row (SQL each time was 2–3 % of a busy agent's
   * CPU). Only this store writes these tables, and each of its writes updates what is
   * kept here the way its SQL updates the row (or forgets the entry). A rollback anywhere
   * on the profile may undo any of them, so it drops everything kept. Rows are never
   * deleted, so a stream row kept here also means `ensure` has nothing to insert.
   * Another instance on the same profile must only read (it keeps nothing of its own
   * writes in this one).
   */
  readonly #rows = new Map<string, StreamRow>();
  readonly #clocks = new Map<string, AuthorClock>();

  /** Operates on an open profile with the `sync` migrations applied. */
  constructor(profile: ProfileDb) {
    this.#profile = profile;
    profile.onRollback(() => {
      this.#rows.clear();
      this.#clocks.clear();
    });
  }

  /** Make sure a stream has its row (a stream with a row is one this device follows). */
  ensure(workspaceId: string, stream: string): void {
    if (this.#rows.has(rowKey(workspaceId, stream))) return;
    this.#profile.db
      .prepare('INSERT INTO sync_streams (workspace_id, stream) VALUES (?, ?) ON CONFLICT DO NOTHING')
      .run([workspaceId, stream]);
  }

  /** The stream's row; a stream never seen reads as the empty position. */
  get(workspaceId: string, stream: string): StreamRow {
    const key = rowKey(workspaceId, stream);
    const kept = this.#rows.get(key);
    if (kept !== undefined) return kept;
    const row = this.#profile.db
      .prepare('SELECT * FROM sync_streams WHERE workspace_id = ? AND stream = ?')
      .get([workspaceId, stream]);
    if (row === undefined) return { workspaceId, stream, active: NO_SNAPSHOT, lastSeq: 0, updatesOnSnapshot: 0, oldestEpoch: 0 };
    const id = rowText(row, 'snapshot_id');
    const read: StreamRow = {
      workspaceId,
      stream,
      active:
        id === ''
          ? NO_SNAPSHOT
          : {
              id,
              proof: rowOptBytes(row, 'snapshot_proof'),
              ciphertextHash: rowOptBytes(row, 'snapshot_hash'),
              epoch: rowInt(row, 'snapshot_epoch'),
              seq: rowInt(row, 'snapshot_seq'),
            },
      lastSeq: rowInt(row, 'last_seq'),
      updatesOnSnapshot: rowInt(row, 'updates_on_snapshot'),
      oldestEpoch: rowInt(row, 'oldest_epoch'),
    };
    this.#rows.set(key, read);
    return read;
  }

  /** Raise the stream's last processed seq (never lowers it). */
  advanceSeq(workspaceId: string, stream: string, seq: number): void {
    this.ensure(workspaceId, stream);
    this.#profile.db
      .prepare('UPDATE sync_streams SET last_seq = max(last_seq, ?) WHERE workspace_id = ? AND stream = ?')
      .run([seq, workspaceId, stream]);
    this.#updateKept(workspaceId, stream, (row) => ({ ...row, lastSeq: Math.max(row.lastSeq, seq) }));
  }

  /**
   * Count one more update, sealed under `epoch`, on the active snapshot; with `seq`, also
   * raise the last processed seq to it as {@link advanceSeq} does — one statement for
   * what every received update moves (each statement is a few µs of a receive's SQL).
   */
  countUpdate(workspaceId: string, stream: string, epoch: number, seq = 0): void {
    this.ensure(workspaceId, stream);
    this.#profile.db
      .prepare(
        `UPDATE sync_streams SET updates_on_snapshot = updates_on_snapshot + 1,
           oldest_epoch = CASE WHEN oldest_epoch = 0 OR oldest_epoch > ? THEN ? ELSE oldest_epoch END,
           last_seq = max(last_seq, ?)
         WHERE workspace_id = ? AND stream = ?`,
      )
      .run([epoch, epoch, seq, workspaceId, stream]);
    this.#updateKept(workspaceId, stream, (row) => ({
      ...row,
      lastSeq: Math.max(row.lastSeq, seq),
      updatesOnSnapshot: row.updatesOnSnapshot + 1,
      oldestEpoch: row.oldestEpoch === 0 || row.oldestEpoch > epoch ? epoch : row.oldestEpoch,
    }));
  }

  /** A kept stream row changed by a write whose SQL did the same. */
  #updateKept(workspaceId: string, stream: string, change: (row: StreamRow) => StreamRow): void {
    const key = rowKey(workspaceId, stream);
    const kept = this.#rows.get(key);
    if (kept !== undefined) this.#rows.set(key, change(kept));
  }

  /** Adopt a snapshot as the active one (and remember it); resets the update count. */
  adoptSnapshot(workspaceId: string, stream: string, snapshot: KnownSnapshot): void {
    this.ensure(workspaceId, stream);
    const db = this.#profile.db;
    // Rare; the row is read again when next asked for.
    this.#rows.delete(rowKey(workspaceId, stream));
    db.prepare(
      `UPDATE sync_streams SET snapshot_id = ?, snapshot_proof = ?, snapshot_hash = ?, snapshot_epoch = ?, snapshot_seq = ?,
         updates_on_snapshot = 0, oldest_epoch = ?, last_seq = max(last_seq, ?) WHERE workspace_id = ? AND stream = ?`,
    ).run([
      snapshot.id, snapshot.proof, snapshot.ciphertextHash, snapshot.epoch, snapshot.seq, snapshot.epoch, snapshot.seq, workspaceId, stream,
    ]);
    db.prepare(
      `INSERT INTO sync_snapshots (workspace_id, stream, snapshot_id, proof, ciphertext_hash, epoch, seq)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ).run([workspaceId, stream, snapshot.id, snapshot.proof, snapshot.ciphertextHash, snapshot.epoch, snapshot.seq]);
  }

  /** A snapshot adopted earlier, if any. */
  knownSnapshot(workspaceId: string, stream: string, snapshotId: string): KnownSnapshot | undefined {
    const row = this.#profile.db
      .prepare('SELECT * FROM sync_snapshots WHERE workspace_id = ? AND stream = ? AND snapshot_id = ?')
      .get([workspaceId, stream, snapshotId]);
    if (row === undefined) return undefined;
    return {
      id: snapshotId,
      proof: rowBytes(row, 'proof'),
      ciphertextHash: rowBytes(row, 'ciphertext_hash'),
      epoch: rowInt(row, 'epoch'),
      seq: rowInt(row, 'seq'),
    };
  }

  /** The author's last applied clock in the stream (clock 0, seq 0 when none). */
  clock(workspaceId: string, stream: string, authorKey: string): AuthorClock {
    const key = clockKey(workspaceId, stream, authorKey);
    const kept = this.#clocks.get(key);
    if (kept !== undefined) return kept;
    const row = this.#profile.db
      .prepare('SELECT last_clock, last_seq FROM sync_clocks WHERE workspace_id = ? AND stream = ? AND author_key = ?')
      .get([workspaceId, stream, authorKey]);
    const read = row === undefined ? { clock: 0, seq: 0 } : { clock: rowInt(row, 'last_clock'), seq: rowInt(row, 'last_seq') };
    this.#clocks.set(key, read);
    return read;
  }

  /** Set an author's last clock (and the seq it came with; 0 keeps the stored one). */
  setClock(workspaceId: string, stream: string, authorKey: string, clock: number, seq: number): void {
    this.#profile.db
      .prepare(
        `INSERT INTO sync_clocks (workspace_id, stream, author_key, last_clock, last_seq) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (workspace_id, stream, author_key) DO UPDATE SET last_clock = excluded.last_clock,
           last_seq = CASE WHEN excluded.last_seq > 0 THEN excluded.last_seq ELSE sync_clocks.last_seq END`,
      )
      .run([workspaceId, stream, authorKey, clock, seq]);
    const key = clockKey(workspaceId, stream, authorKey);
    const kept = this.#clocks.get(key);
    // A seq of 0 keeps the stored one: known only if kept (an author never stored has seq 0).
    if (seq > 0) this.#clocks.set(key, { clock, seq });
    else if (kept !== undefined) this.#clocks.set(key, { clock, seq: kept.seq });
  }

  /** Raise an author's clock to at least `clock` (a snapshot covering it); never lowers it. */
  raiseClock(workspaceId: string, stream: string, authorKey: string, clock: number, seq: number): void {
    if (this.clock(workspaceId, stream, authorKey).clock < clock) this.setClock(workspaceId, stream, authorKey, clock, seq);
  }

  /** Every author's last clock in a stream, by device key. */
  clocks(workspaceId: string, stream: string): Record<string, number> {
    const out: Record<string, number> = {};
    const rows = this.#profile.db
      .prepare('SELECT author_key, last_clock FROM sync_clocks WHERE workspace_id = ? AND stream = ?')
      .all([workspaceId, stream]);
    for (const row of rows) out[rowText(row, 'author_key')] = rowInt(row, 'last_clock');
    return out;
  }

  /** Every author's last clock in every stream of a workspace: stream → device key → clock. */
  allClocks(workspaceId: string): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    const rows = this.#profile.db
      .prepare('SELECT stream, author_key, last_clock FROM sync_clocks WHERE workspace_id = ?')
      .all([workspaceId]);
    for (const row of rows) (out[rowText(row, 'stream')] ??= {})[rowText(row, 'author_key')] = rowInt(row, 'last_clock');
    return out;
  }

  /** Remember that these devices were members in `epoch`. */
  recordEpochDevices(workspaceId: string, epoch: number, deviceKeys: readonly string[]): void {
    const insert = this.#profile.db.prepare(
      'INSERT INTO sync_epoch_devices (workspace_id, epoch, device_key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.#profile.transaction(() => {
      for (const key of deviceKeys) insert.run([workspaceId, epoch, key]);
    });
  }

  /** Whether a device was seen as a member device in `epoch`. */
  wasEpochDevice(workspaceId: string, epoch: number, deviceKey: string): boolean {
    return (
      this.#profile.db
        .prepare('SELECT 1 FROM sync_epoch_devices WHERE workspace_id = ? AND epoch = ? AND device_key = ?', { pluck: true })
        .get([workspaceId, epoch, deviceKey]) !== undefined
    );
  }
}
