/**
 * The envelope part of the storage port: each stream's ciphertext log with its two rules,
 * per-author clocks (exactly last + 1) and the snapshot chain (compare-and-set on the
 * active snapshot, covering every update on its parent).
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { EnvelopeKind } from '@yhteispoyta/crypto/types';
import type { Fail, Ok } from './results';

/** Kinds of envelope that {@link EnvelopeStore.appendEnvelope} stores (presence is never stored). */
export type StoredEnvelopeKind = Extract<EnvelopeKind, 'update' | 'chat' | 'records'>;

/** Input of {@link EnvelopeStore.appendEnvelope}; the header fields come from the verified header. */
export interface NewEnvelope {
  readonly workspaceId: string;
  readonly stream: string;
  readonly kind: StoredEnvelopeKind;
  /** `userId.deviceId` of the author */
  readonly authorKey: string;
  /** per (workspace, stream, author): exactly last + 1, the first one is 1 */
  readonly clock: number;
  /** the active snapshot this envelope builds on ('' before the first snapshot) */
  readonly snapshotId: string;
  readonly epoch: number;
  /** the whole encoded envelope, opaque to the store */
  readonly bytes: Bytes;
  readonly receivedAt: number;
}

/**
 * A stored update, chat or records envelope. `seq` is a per-workspace server sequence shared with
 * snapshots, starting at 1: it only increases, but it may have holes (with the mongo
 * adapter a number is taken before the insert, and an insert that then fails, a lost
 * snapshot compare-and-set or a crash leaves its number unused; pruning deletes envelopes
 * too). With the mongo adapter and several server processes writing to the same
 * workspace, an envelope can become readable a few milliseconds after one with a higher
 * seq; readers paging by seq should therefore re-read a little behind their cursor and
 * de-duplicate by (authorKey, clock). Per-author clocks, not seq, are the ground truth for
 * completeness.
 */
export interface StoredEnvelope extends NewEnvelope {
  readonly seq: number;
}

/** Result of {@link EnvelopeStore.appendEnvelope}. */
export type AppendEnvelopeResult =
  | Ok<{ seq: number }>
  /** `expected` is the clock the store would accept next (last + 1) */
  | Fail<'clock_gap' | 'clock_replay', { expected: number }>
  | Fail<'stale_snapshot', { activeSnapshotId: string }>;

/** Input of {@link EnvelopeStore.appendSnapshot}. */
export interface NewSnapshot {
  readonly workspaceId: string;
  readonly stream: string;
  /** non-empty, unique within the stream */
  readonly snapshotId: string;
  /** the snapshot this one extends ('' for the first) */
  readonly parentSnapshotId: string;
  readonly authorKey: string;
  readonly epoch: number;
  /** for each author key, the last clock of that author's updates this snapshot includes */
  readonly coveredClocks: Readonly<Record<string, number>>;
  /** the whole encoded snapshot envelope, opaque to the store */
  readonly bytes: Bytes;
  readonly receivedAt: number;
}

/** A stored snapshot; `seq` comes from the same per-workspace sequence as envelopes. */
export interface StoredSnapshot extends NewSnapshot {
  readonly seq: number;
}

/** Snapshot history entry (no bytes). */
export type SnapshotInfo = Omit<StoredSnapshot, 'bytes'>;

/** Result of {@link EnvelopeStore.appendSnapshot}. */
export type AppendSnapshotResult =
  | Ok<{ seq: number }>
  /** the parent is not the active snapshot (another snapshot won, or the caller is behind) */
  | Fail<'stale_snapshot', { activeSnapshotId: string }>
  /** an update from `authorKey` up to `required` references the parent but is not covered */
  | Fail<'not_covering', { authorKey: string; required: number }>
  /** a snapshot with this id already exists in the stream */
  | Fail<'duplicate_snapshot'>;

/** One stream of one workspace. */
export interface StreamRef {
  readonly workspaceId: string;
  readonly stream: string;
}

/** The state a joining device needs: the active snapshot and the envelopes built on it. */
export interface StreamState {
  readonly snapshot: StoredSnapshot | null;
  /** envelopes whose snapshotId is the active snapshot's id ('' if none), by seq */
  readonly envelopes: readonly StoredEnvelope[];
}

/** Envelopes and snapshots. Every method is safe to call concurrently. */
export interface EnvelopeStore {
  /**
   * Store an update/chat envelope if its clock and snapshot reference are right. Resolves
   * once this envelope is durable (or refused). Appends made within one turn of the event
   * loop may be committed together (group commit: sqlite writes them in one transaction);
   * each is judged on its own, so a refusal or failure of one never fails another.
   *
   * `onAccepted`, when given, is called with the seq as soon as the envelope is accepted,
   * possibly before it is durable: the relay fans it out then, concurrently with the
   * commit. Should the server die before the commit, the sender (never acknowledged)
   * sends the same clock again, and receivers are idempotent by author and clock; the
   * seq handed out is never handed out again to another envelope (docs/design.md, hot path).
   *
   * `afterAccepted`, when given, runs once every envelope written together with this one
   * has had its `onAccepted`, still before the write is durable; the same function given
   * with several envelopes of one write runs once, and only if one of them was accepted.
   * The relay lets the fan-out leave then: its transport holds a run's writes back to send
   * them together, and the COMMIT follows in the same run. A throwing one is ignored.
   */
  appendEnvelope(envelope: NewEnvelope, onAccepted?: (seq: number) => void, afterAccepted?: () => void): Promise<AppendEnvelopeResult>;
  /** Envelopes of a stream with seq > afterSeq, by seq. */
  envelopesAfter(workspaceId: string, stream: string, afterSeq: number, limit: number): Promise<StoredEnvelope[]>;
  /**
   * Compare-and-set the stream's active snapshot: accepted only if `parentSnapshotId` is
   * the active snapshot ('' before any) and `coveredClocks[a]` reaches the last clock of
   * every author `a` with updates referencing the parent. Of concurrent snapshots on the
   * same parent exactly one wins; older snapshots stay as history.
   */
  appendSnapshot(snapshot: NewSnapshot): Promise<AppendSnapshotResult>;
  /** The active snapshot and the envelopes that reference it. */
  latestState(workspaceId: string, stream: string): Promise<StreamState>;
  /** An accepted snapshot with its bytes, or null. */
  getSnapshot(workspaceId: string, stream: string, snapshotId: string): Promise<StoredSnapshot | null>;
  /** Accepted snapshots of a stream, oldest first (its version history). */
  listSnapshots(workspaceId: string, stream: string): Promise<SnapshotInfo[]>;
  /** The streams holding at least `minSnapshots` accepted snapshots. */
  listSnapshotStreams(minSnapshots: number): Promise<StreamRef[]>;
  /**
   * Delete these snapshots of a stream (history thinning). The active snapshot is never
   * deleted, whatever the list says: the next snapshot's parentProof is checked against
   * it, and joining devices start from it. Returns how many were deleted.
   */
  deleteSnapshots(workspaceId: string, stream: string, snapshotIds: readonly string[]): Promise<number>;
  /**
   * In every stream, delete the envelopes that a snapshot accepted before `olderThan`
   * covers: those with a lower seq than that snapshot. Snapshots form one chain per
   * stream and each covers every update on its parent, so a snapshot's state includes
   * every envelope stored before it, also when history thinning deleted the snapshots in
   * between; envelopes on the active snapshot are never covered. Clock rules are
   * unaffected: last clocks survive pruning. Returns how many were deleted.
   */
  pruneCoveredUpdates(olderThan: number): Promise<number>;
}
