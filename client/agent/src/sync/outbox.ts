/**
 * The outbox: local changes (Yjs updates, chat payloads, records events) waiting for the server's
 * acknowledgement, as plaintext inside the encrypted profile. An entry leaves the outbox
 * only when the server stored it (or refused it for good, which is reported).
 */
import { toBytes } from '@yhteispoyta/crypto/bytes';
import { streamPairKey } from '@yhteispoyta/crypto/stream-rules';
import type { ProfileDb } from '../profile/profile-db';
import type { OutboxEntry, OutboxKind } from '../streams/outbox-entry';
import { rowBytes, rowInt, rowOptInt, rowText } from '../streams/sql-row';
import type { SqlRow } from '../streams/sql-row';

function toEntry(row: SqlRow): OutboxEntry {
  const kind = rowText(row, 'kind');
  if (kind !== 'update' && kind !== 'chat' && kind !== 'records') throw new TypeError(`outbox entry of unknown kind ${kind}`);
  return {
    id: rowInt(row, 'id'),
    workspaceId: rowText(row, 'workspace_id'),
    stream: rowText(row, 'stream'),
    kind,
    payload: rowBytes(row, 'payload'),
    sentClock: rowOptInt(row, 'sent_clock'),
    createdAt: rowInt(row, 'created_at'),
  };
}

/** Which entries are queued, without their contents. */
interface QueuedIndex {
  /** entry id → its stream's key */
  readonly streamOf: Map<number, string>;
  /** stream key → entries queued in it (absent: none) */
  readonly perStream: Map<string, number>;
}

/** SQL over sync_outbox. */
export class Outbox {
  readonly #profile: ProfileDb;
  /**
   * The queued entries' ids and streams, read once: the sender asks after every send
   * whether more is queued, the status asks how much, and an own envelope coming back
   * asks whether it is still in flight — in steady use the answer is "nothing", and each
   * was a query. Only this class writes the table, and each of its writes moves the index
   * as its SQL moves the rows; a rollback anywhere on the profile may undo any of them, so
   * it drops the index (read again when next needed).
   */
  #index: QueuedIndex | undefined;

  /** Operates on an open profile with the `sync` migrations applied. */
  constructor(profile: ProfileDb) {
    this.#profile = profile;
    profile.onRollback(() => {
      this.#index = undefined;
    });
  }

  #queued(): QueuedIndex {
    if (this.#index !== undefined) return this.#index;
    const index: QueuedIndex = { streamOf: new Map(), perStream: new Map() };
    for (const row of this.#profile.db.prepare('SELECT id, workspace_id, stream FROM sync_outbox').all()) {
      const key = streamPairKey(rowText(row, 'workspace_id'), rowText(row, 'stream'));
      index.streamOf.set(rowInt(row, 'id'), key);
      index.perStream.set(key, (index.perStream.get(key) ?? 0) + 1);
    }
    this.#index = index;
    return index;
  }

  #queuedIn(workspaceId: string, stream: string): number {
    return this.#queued().perStream.get(streamPairKey(workspaceId, stream)) ?? 0;
  }

  /** Queue a change; returns its id. */
  add(workspaceId: string, stream: string, kind: OutboxKind, payload: Uint8Array, createdAt: number): number {
    const index = this.#queued();
    const result = this.#profile.db
      .prepare('INSERT INTO sync_outbox (workspace_id, stream, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)')
      .run([workspaceId, stream, kind, toBytes(payload), createdAt]);
    const id = result.lastInsertRowid;
    const key = streamPairKey(workspaceId, stream);
    index.streamOf.set(id, key);
    index.perStream.set(key, (index.perStream.get(key) ?? 0) + 1);
    return id;
  }

  /** Whether entry `id` is the only one queued in its stream. */
  isOnlyEntry(workspaceId: string, stream: string, id: number): boolean {
    const key = streamPairKey(workspaceId, stream);
    const index = this.#queued();
    return index.perStream.get(key) === 1 && index.streamOf.get(id) === key;
  }

  /** The oldest entries of a stream, at most `limit`. */
  head(workspaceId: string, stream: string, limit: number): OutboxEntry[] {
    if (this.#queuedIn(workspaceId, stream) === 0) return [];
    return this.#profile.db
      .prepare('SELECT * FROM sync_outbox WHERE workspace_id = ? AND stream = ? ORDER BY id LIMIT ?')
      .all([workspaceId, stream, limit])
      .map(toEntry);
  }

  /** One entry by id. */
  get(id: number): OutboxEntry | undefined {
    if (!this.#queued().streamOf.has(id)) return undefined;
    const row = this.#profile.db.prepare('SELECT * FROM sync_outbox WHERE id = ?').get([id]);
    return row === undefined ? undefined : toEntry(row);
  }

  /** Every entry of a workspace's stream, oldest first. */
  all(workspaceId: string, stream: string): OutboxEntry[] {
    return this.head(workspaceId, stream, Number.MAX_SAFE_INTEGER);
  }

  /** (workspace, stream) pairs that have queued entries. */
  streams(): { workspaceId: string; stream: string }[] {
    return this.#profile.db
      .prepare('SELECT DISTINCT workspace_id, stream FROM sync_outbox ORDER BY workspace_id, stream')
      .all()
      .map((row) => ({ workspaceId: rowText(row, 'workspace_id'), stream: rowText(row, 'stream') }));
  }

  /** Number of queued entries. */
  count(): number {
    return this.#queued().streamOf.size;
  }

  /** Record (or clear, with undefined) the clock of the send in flight. */
  setSentClock(id: number, clock: number | undefined): void {
    this.#profile.db.prepare('UPDATE sync_outbox SET sent_clock = ? WHERE id = ?').run([clock ?? null, id]);
  }

  /** The entry of a stream whose send used `clock`, if any. */
  bySentClock(workspaceId: string, stream: string, clock: number): OutboxEntry | undefined {
    if (this.#queuedIn(workspaceId, stream) === 0) return undefined;
    const row = this.#profile.db
      .prepare('SELECT * FROM sync_outbox WHERE workspace_id = ? AND stream = ? AND sent_clock = ?')
      .get([workspaceId, stream, clock]);
    return row === undefined ? undefined : toEntry(row);
  }

  /** Replace the payload of an entry (merging several into the first). */
  replacePayload(id: number, payload: Uint8Array): void {
    this.#profile.db.prepare('UPDATE sync_outbox SET payload = ? WHERE id = ?').run([toBytes(payload), id]);
  }

  /** Remove entries. */
  remove(ids: readonly number[]): void {
    const index = this.#queued();
    const del = this.#profile.db.prepare('DELETE FROM sync_outbox WHERE id = ?');
    for (const id of ids) {
      del.run([id]);
      const key = index.streamOf.get(id);
      if (key === undefined) continue;
      index.streamOf.delete(id);
      const left = (index.perStream.get(key) ?? 1) - 1;
      if (left > 0) index.perStream.set(key, left);
      else index.perStream.delete(key);
    }
  }
}
