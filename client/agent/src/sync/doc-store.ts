/**
 * The decrypted state of each document stream in the profile: a merged base update plus
 * the updates applied since, appended one row each so that an edit costs one small
 * insert rather than a rewrite of the whole document. When the rows pile up they are
 * folded into the base.
 */
import { toBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { streamPairKey } from '@yhteispoyta/crypto/stream-rules';
import type { ProfileDb } from '../profile/profile-db';
import { rowBytes } from '../streams/sql-row';

/** SQL over sync_doc_state and sync_doc_updates. */
export class DocStore {
  readonly #profile: ProfileDb;
  /**
   * Rows per stream once counted: every flush and every applied batch asks whether to
   * fold, and counting up to the fold threshold's rows each time was a scan per edit.
   * Only this store writes the table, and each of its writes moves the count as its SQL
   * moves the rows; a rollback anywhere on the profile may undo any of them, so it drops
   * every count (they are counted again when next asked).
   */
  readonly #counts = new Map<string, number>();

  /** Operates on an open profile with the `sync` migrations applied. */
  constructor(profile: ProfileDb) {
    this.#profile = profile;
    profile.onRollback(() => this.#counts.clear());
  }

  /** The stored updates of a document, base first; empty for a document never stored. */
  load(workspaceId: string, stream: string): Bytes[] {
    const db = this.#profile.db;
    const base = db
      .prepare('SELECT state FROM sync_doc_state WHERE workspace_id = ? AND stream = ?')
      .get([workspaceId, stream]);
    const rows = db
      .prepare('SELECT data FROM sync_doc_updates WHERE workspace_id = ? AND stream = ? ORDER BY id')
      .all([workspaceId, stream]);
    return [...(base === undefined ? [] : [rowBytes(base, 'state')]), ...rows.map((row) => rowBytes(row, 'data'))];
  }

  /** Append an applied update. */
  append(workspaceId: string, stream: string, update: Uint8Array): void {
    this.#profile.db
      .prepare(
        `INSERT INTO sync_doc_updates (workspace_id, stream, id, data)
         VALUES (?, ?, (SELECT coalesce(max(id), 0) + 1 FROM sync_doc_updates WHERE workspace_id = ? AND stream = ?), ?)`,
      )
      .run([workspaceId, stream, workspaceId, stream, toBytes(update)]);
    const key = streamPairKey(workspaceId, stream);
    const counted = this.#counts.get(key);
    if (counted !== undefined) this.#counts.set(key, counted + 1);
  }

  /** How many updates are stored besides the base. */
  rowCount(workspaceId: string, stream: string): number {
    const key = streamPairKey(workspaceId, stream);
    const counted = this.#counts.get(key);
    if (counted !== undefined) return counted;
    const n = this.#profile.db
      .prepare('SELECT count(*) FROM sync_doc_updates WHERE workspace_id = ? AND stream = ?', { pluck: true })
      .get([workspaceId, stream]);
    const rows = typeof n === 'number' ? n : 0;
    this.#counts.set(key, rows);
    return rows;
  }

  /** Replace base and rows by one state (the caller's full `encodeStateAsUpdate`). */
  fold(workspaceId: string, stream: string, state: Uint8Array): void {
    this.#profile.transaction(() => {
      const db = this.#profile.db;
      db.prepare(
        `INSERT INTO sync_doc_state (workspace_id, stream, state) VALUES (?, ?, ?)
         ON CONFLICT (workspace_id, stream) DO UPDATE SET state = excluded.state`,
      ).run([workspaceId, stream, toBytes(state)]);
      db.prepare('DELETE FROM sync_doc_updates WHERE workspace_id = ? AND stream = ?').run([workspaceId, stream]);
      this.#counts.set(streamPairKey(workspaceId, stream), 0);
    });
  }
}
