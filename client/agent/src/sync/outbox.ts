/**
 * The outbox: local changes (Yjs updates, chat payloads, records events) waiting for the server's
 * acknowledgement, as plaintext inside the encrypted profile. An entry leaves the outbox
 * only when the server stored it (or refused it for good, which is reported).
 */
import { toBytes } from '@yhteispoyta/crypto/bytes';
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

/** SQL over sync_outbox. */
export class Outbox {
  readonly #profile: ProfileDb;

  /** Operates on an open profile with the `sync` migrations applied. */
  constructor(profile: ProfileDb) {
    this.#profile = profile;
  }

  /** Queue a change; returns its id. */
  add(workspaceId: string, stream: string, kind: OutboxKind, payload: Uint8Array, createdAt: number): number {
    const result = this.#profile.db
      .prepare('INSERT INTO sync_outbox (workspace_id, stream, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)')
      .run([workspaceId, stream, kind, toBytes(payload), createdAt]);
    return result.lastInsertRowid;
  }

  /** The oldest entries of a stream, at most `limit`. */
  head(workspaceId: string, stream: string, limit: number): OutboxEntry[] {
    return this.#profile.db
      .prepare('SELECT * FROM sync_outbox WHERE workspace_id = ? AND stream = ? ORDER BY id LIMIT ?')
      .all([workspaceId, stream, limit])
      .map(toEntry);
  }

  /** One entry by id. */
  get(id: number): OutboxEntry | undefined {
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
    const n = this.#profile.db.prepare('SELECT count(*) FROM sync_outbox', { pluck: true }).get();
    return typeof n === 'number' ? n : 0;
  }

  /** Record (or clear, with undefined) the clock of the send in flight. */
  setSentClock(id: number, clock: number | undefined): void {
    this.#profile.db.prepare('UPDATE sync_outbox SET sent_clock = ? WHERE id = ?').run([clock ?? null, id]);
  }

  /** The entry of a stream whose send used `clock`, if any. */
  bySentClock(workspaceId: string, stream: string, clock: number): OutboxEntry | undefined {
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
    const del = this.#profile.db.prepare('DELETE FROM sync_outbox WHERE id = ?');
    for (const id of ids) del.run([id]);
  }
}
