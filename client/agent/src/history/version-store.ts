/**
 * SQL over history_versions: the versions of a document this device recorded, newest
 * first, and the state of one of them.
 */
import { z } from 'zod';
import { toBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { deviceRefSchema } from '@yhteispoyta/crypto/identity';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
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
  /** others who edited in the same checkpoint, in the order they joined (empty for one author) */
  readonly coauthors: readonly DeviceRef[];
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
  readonly coauthors?: readonly DeviceRef[];
  readonly state: Uint8Array;
}

/** Versions kept per document; older checkpoints are dropped first. */
const MAX_VERSIONS_PER_DOC = 300;

const coauthorsSchema = z.array(deviceRefSchema);

/** The coauthors column: NULL or a JSON array (a row this code did not write reads as none). */
function coauthorsOf(row: SqlRow): DeviceRef[] {
  const raw = row.coauthors;
  if (typeof raw !== 'string') return [];
  try {
    const parsed = coauthorsSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

const coauthorsColumn = (coauthors: readonly DeviceRef[] | undefined): string | null =>
  coauthors === undefined || coauthors.length === 0 ? null : JSON.stringify(coauthors.map((c) => ({ userId: c.userId, deviceId: c.deviceId })));

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
    coauthors: coauthorsOf(row),
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
        `INSERT INTO history_versions (workspace_id, stream, kind, author_user, author_device, at, snapshot_id, coauthors, state)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run([
        version.workspaceId, version.stream, version.kind, version.authorUserId, version.authorDeviceId, version.at,
        version.snapshotId ?? null, coauthorsColumn(version.coauthors), toBytes(version.state),
      ]);
    db.prepare(
      `DELETE FROM history_versions WHERE workspace_id = ? AND stream = ? AND id NOT IN
         (SELECT id FROM history_versions WHERE workspace_id = ? AND stream = ? ORDER BY id DESC LIMIT ?)`,
    ).run([version.workspaceId, version.stream, version.workspaceId, version.stream, MAX_VERSIONS_PER_DOC]);
    return Number(result.lastInsertRowid);
  }

  /** Replace a checkpoint's state, time and coauthors (one editing session going on). */
  update(versionId: number, at: number, state: Uint8Array, coauthors: readonly DeviceRef[] = []): void {
    this.#profile.db
      .prepare('UPDATE history_versions SET at = ?, state = ?, coauthors = ? WHERE id = ?')
      .run([at, toBytes(state), coauthorsColumn(coauthors), versionId]);
  }

  /** The versions of a document, newest first. */
  list(workspaceId: string, stream: string): VersionInfo[] {
    return this.#profile.db
      .prepare(
        `SELECT id, kind, author_user, author_device, at, snapshot_id, coauthors FROM history_versions
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
