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

/**
 * Queued entries' payloads kept in memory at most: one entry's (a paste or a records
 * event may be bigger; it is read from the table when needed) and all of them together
 * (an outbox that grew offline is read from the table once it is past this).
 */
const MAX_KEPT_PAYLOAD_BYTES = 16 * 1024;
const MAX_KEPT_TOTAL_BYTES = 512 * 1024;

/** Which entries are queued, and the contents of those written through it. */
interface QueuedIndex {
  /** entry id → its stream's key */
  readonly streamOf: Map<number, string>;
  /**
   * stream key → the ids queued in it, oldest first (absent: none). Ids only grow (the
   * table's id is AUTOINCREMENT), so the order entries are added in is queue order.
   */
  readonly perStream: Map<string, Set<number>>;
  /** entries this outbox wrote since it read the queue, whole, while they fit the limits above */
  readonly kept: Map<number, OutboxEntry>;
  /** payload bytes in `kept` */
  keptBytes: number;
}

/** SQL over sync_outbox. */
export class Outbox {
  readonly #profile: ProfileDb;
  /**
   * The queued entries' ids and streams, read once, and the entries written since: the
   * sender asks after every send whether more is queued and reads the entry it is about to
   * send (which it has just written), the status asks how much, and an own envelope coming
   * back asks whether it is still in flight — each was a query. Only this class writes the
   * table, and each of its writes moves the index as its SQL moves the rows; a rollback
   * anywhere on the profile may undo any of them, so it drops the index (read again when
   * next needed, without contents).
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
    const index: QueuedIndex = { streamOf: new Map(), perStream: new Map(), kept: new Map(), keptBytes: 0 };
    for (const row of this.#profile.db.prepare('SELECT id, workspace_id, stream FROM sync_outbox ORDER BY id').all()) {
      this.#track(index, rowInt(row, 'id'), streamPairKey(rowText(row, 'workspace_id'), rowText(row, 'stream')));
    }
    this.#index = index;
    return index;
  }

  #track(index: QueuedIndex, id: number, key: string): void {
    index.streamOf.set(id, key);
    const ids = index.perStream.get(key);
    if (ids === undefined) index.perStream.set(key, new Set([id]));
    else ids.add(id);
  }

  /** Keep `entry` whole if it fits, else forget any earlier version of it. */
  #keep(index: QueuedIndex, entry: OutboxEntry): void {
    this.#forget(index, entry.id);
    const size = entry.payload.byteLength;
    if (size > MAX_KEPT_PAYLOAD_BYTES || index.keptBytes + size > MAX_KEPT_TOTAL_BYTES) return;
    index.kept.set(entry.id, entry);
    index.keptBytes += size;
  }

  #forget(index: QueuedIndex, id: number): void {
    const old = index.kept.get(id);
    if (old === undefined) return;
    index.kept.delete(id);
    index.keptBytes -= old.payload.byteLength;
  }

  #idsIn(workspaceId: string, stream: string): ReadonlySet<number> | undefined {
    return this.#queued().perStream.get(streamPairKey(workspaceId, stream));
  }

  /** The kept entries of `ids`, or undefined when any of them is only in the table. */
  #keptEntries(ids: Iterable<number>, limit: number): OutboxEntry[] | undefined {
    const kept = this.#queued().kept;
    const out: OutboxEntry[] = [];
    for (const id of ids) {
      if (out.length >= limit) break;
      const entry = kept.get(id);
      if (entry === undefined) return undefined;
      out.push(entry);
    }
    return out;
  }

  /** Queue a change; returns its id. */
  add(workspaceId: string, stream: string, kind: OutboxKind, payload: Uint8Array, createdAt: number): number {
    const index = this.#queued();
    const stored = toBytes(payload);
    const result = this.#profile.db
      .prepare('INSERT INTO sync_outbox (workspace_id, stream, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)')
      .run([workspaceId, stream, kind, stored, createdAt]);
    const id = result.lastInsertRowid;
    this.#track(index, id, streamPairKey(workspaceId, stream));
    this.#keep(index, { id, workspaceId, stream, kind, payload: stored, sentClock: undefined, createdAt });
    return id;
  }

  /** Whether entry `id` is the only one queued in its stream. */
  isOnlyEntry(workspaceId: string, stream: string, id: number): boolean {
    const ids = this.#idsIn(workspaceId, stream);
    return ids !== undefined && ids.size === 1 && ids.has(id);
  }

  /**
   * The oldest entries of a stream, at most `limit`. Entries this outbox keeps are handed
   * out as they are kept (here and from get and bySentClock): their payloads are read, never written.
   */
  head(workspaceId: string, stream: string, limit: number): OutboxEntry[] {
    const ids = this.#idsIn(workspaceId, stream);
    if (ids === undefined) return [];
    return (
      this.#keptEntries(ids, limit) ??
      this.#profile.db
        .prepare('SELECT * FROM sync_outbox WHERE workspace_id = ? AND stream = ? ORDER BY id LIMIT ?')
        .all([workspaceId, stream, limit])
        .map(toEntry)
    );
  }

  /** One entry by id. */
  get(id: number): OutboxEntry | undefined {
    const index = this.#queued();
    if (!index.streamOf.has(id)) return undefined;
    const kept = index.kept.get(id);
    if (kept !== undefined) return kept;
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
    const index = this.#queued();
    this.#profile.db.prepare('UPDATE sync_outbox SET sent_clock = ? WHERE id = ?').run([clock ?? null, id]);
    const kept = index.kept.get(id);
    if (kept !== undefined) index.kept.set(id, { ...kept, sentClock: clock });
  }

  /** The entry of a stream whose send used `clock`, if any. */
  bySentClock(workspaceId: string, stream: string, clock: number): OutboxEntry | undefined {
    const ids = this.#idsIn(workspaceId, stream);
    if (ids === undefined) return undefined;
    const kept = this.#keptEntries(ids, ids.size);
    if (kept !== undefined) return kept.find((entry) => entry.sentClock === clock);
    const row = this.#profile.db
      .prepare('SELECT * FROM sync_outbox WHERE workspace_id = ? AND stream = ? AND sent_clock = ? ORDER BY id LIMIT 1')
      .get([workspaceId, stream, clock]);
    return row === undefined ? undefined : toEntry(row);
  }

  /** Replace the payload of an entry (merging several into the first). */
  replacePayload(id: number, payload: Uint8Array): void {
    const index = this.#queued();
    const stored = toBytes(payload);
    this.#profile.db.prepare('UPDATE sync_outbox SET payload = ? WHERE id = ?').run([stored, id]);
    const kept = index.kept.get(id);
    if (kept !== undefined) this.#keep(index, { ...kept, payload: stored });
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
      this.#forget(index, id);
      const left = index.perStream.get(key);
      left?.delete(id);
      if (left?.size === 0) index.perStream.delete(key);
    }
  }
}
