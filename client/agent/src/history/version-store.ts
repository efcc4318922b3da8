/**
 * SQL over history_versions: the versions of a document this device recorded, newest
 * first, and the state of one of them.
 */
import { toBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { ProfileDb } from '../profile/profile-db';
import { rowBytes, rowInt, rowText } from '../streams/sql-row';
import type { SqlRow } from '../streams/sql-row';
import { HISTORY_MIGRATIONS } from './history-schema';

/** What kind of version a row is. */
export type VersionKind = 'checkpoint' | 'snapshot';

/** A recorded version without its state. */
export interface VersionInfo {
  readonly versionId: number;
  readonly kind: VersionKind;
  readonly authorUserId: string;
  readonly authorDeviceId: number;
  readonly at: number;
  readonly snapshotId?: string;
}

/** A version with its full Yjs state. */
export interface VersionWithState extends VersionInfo {
  readonly state: Bytes;
}

/** A version to record. */
export interface NewVersion {
  readonly workspaceId: string;
  readonly stream: string;
  readonly kind: VersionKind;
  readonly authorUserId: string;
  readonly authorDeviceId: number;
  readonly at: number;
  readonly snapshotId?: string;
  readonly state: Uint8Array;
}

/** Versions kept per document; older checkpoints are dropped first. */
const MAX_VERSIONS_PER_DOC = 300;

function info(row: SqlRow): VersionInfo {
  const snapshotId = row.snapshot_id;
  const kind = rowText(row, 'kind');
  return {
    versionId: rowInt(row, 'id'),
    kind: kind === 'snapshot' ? 'snapshot' : 'checkpoint',
    authorUserId: rowText(row, 'author_user'),
    authorDeviceId: rowInt(row, 'author_device'),
    at: rowInt(row, 'at'),
    ...(typeof snapshotId === 'string' ? { snapshotId } : {}),
  };
}

/** The history_versions table of an open profile (its migrations applied on construction). */
export class VersionStore {
  readonly #profile: ProfileDb;

  constructor(profile: ProfileDb) {
    this.#profile = profile;
    profile.migrate(HISTORY_MIGRATIONS);
  }

  /** Record a version; returns its id. Beyond the per-document limit the oldest rows go. */
  insert(version: NewVersion): number {
    const db = this.#profile.db;
    const result = db
      .prepare(
        `INSERT INTO history_versions (workspace_id, stream, kind, author_user, author_device, at, snapshot_id, state)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run([
        version.workspaceId, version.stream, version.kind, version.authorUserId, version.authorDeviceId, version.at,
        version.snapshotId ?? null, toBytes(version.state),
      ]);
    db.prepare(
      `DELETE FROM history_versions WHERE workspace_id = ? AND stream = ? AND id NOT IN
         (SELECT id FROM history_versions WHERE workspace_id = ? AND stream = ? ORDER BY id DESC LIMIT ?)`,
    ).run([version.workspaceId, version.stream, version.workspaceId, version.stream, MAX_VERSIONS_PER_DOC]);
    return Number(result.lastInsertRowid);
  }

  /** Replace a checkpoint's state and time (one editing session going on). */
  update(versionId: number, at: number, state: Uint8Array): void {
    this.#profile.db.prepare('UPDATE history_versions SET at = ?, state = ? WHERE id = ?').run([at, toBytes(state), versionId]);
  }

  /** The versions of a document, newest first. */
  list(workspaceId: string, stream: string): VersionInfo[] {
    return this.#profile.db
      .prepare(
        `SELECT id, kind, author_user, author_device, at, snapshot_id FROM history_versions
         WHERE workspace_id = ? AND stream = ? ORDER BY at DESC, id DESC`,
      )
      .all([workspaceId, stream])
      .map(info);
  }

  /** When any document of the workspace last changed as recorded here (ms); 0 for never. */
  latestAt(workspaceId: string): number {
    const at = this.#profile.db.prepare('SELECT max(at) FROM history_versions WHERE workspace_id = ?', { pluck: true }).get([workspaceId]);
    return typeof at === 'number' ? at : 0;
  }

  /** One version of a document with its state; undefined if there is none such. */
  get(workspaceId: string, stream: string, versionId: number): VersionWithState | undefined {
    const row = this.#profile.db
      .prepare('SELECT * FROM history_versions WHERE workspace_id = ? AND stream = ? AND id = ?')
      .get([workspaceId, stream, versionId]);
    return row === undefined ? undefined : { ...info(row), state: rowBytes(row, 'state') };
  }
}
