/**
 * Reading what the server stored, straight from its sqlite file (schema:
 * server/src/store/sqlite/schema.ts), on a read-only connection (`query_only`), while
 * the server runs or after it stopped: the ciphertexts of a workspace, the identity keys
 * devices registered, and how many bytes a stream occupies.
 */
import Database from '@signalapp/sqlcipher';
import { z } from 'zod';
import { toBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';

const blob = z.instanceof(Uint8Array).transform((v) => toBytes(v));

const ciphertextRow = z.object({ seq: z.number(), stream: z.string(), kind: z.string(), epoch: z.number(), bytes: blob });
/** One stored envelope or snapshot (`bytes`: the encodeWireEnvelope form). */
export interface StoredCiphertext {
  readonly table: 'envelopes' | 'snapshots';
  readonly seq: number;
  readonly stream: string;
  readonly kind: string;
  readonly epoch: number;
  readonly bytes: Bytes;
}

/** Run `read` on a read-only connection to the store file. */
export function readServerStore<T>(path: string, read: (db: Database) => T): T {
  const db = new Database(path);
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    db.exec('PRAGMA query_only = 1');
    return read(db);
  } finally {
    db.close();
  }
}

/** Every envelope and snapshot of a workspace with seq above `afterSeq`, in seq order. */
export function storedCiphertexts(path: string, workspaceId: string, afterSeq = 0): StoredCiphertext[] {
  return readServerStore(path, (db) => {
    const envelopes = db
      .prepare('SELECT seq, stream, kind, epoch, bytes FROM envelopes WHERE workspace_id = ? AND seq > ?')
      .all([workspaceId, afterSeq])
      .map((row) => ({ table: 'envelopes' as const, ...ciphertextRow.parse(row) }));
    const snapshots = db
      .prepare("SELECT seq, stream, 'snapshot' AS kind, epoch, bytes FROM snapshots WHERE workspace_id = ? AND seq > ?")
      .all([workspaceId, afterSeq])
      .map((row) => ({ table: 'snapshots' as const, ...ciphertextRow.parse(row) }));
    return [...envelopes, ...snapshots].sort((a, b) => a.seq - b.seq);
  });
}

/** The highest seq the server gave in a workspace (envelopes and snapshots share it); 0 if none. */
export function lastSeq(path: string, workspaceId: string): number {
  return readServerStore(path, (db) => {
    const last = db.prepare('SELECT last FROM workspace_seq WHERE workspace_id = ?', { pluck: true }).get([workspaceId]);
    return z.number().optional().parse(last) ?? 0;
  });
}

/** The identity key each device registered, by `userId.deviceId`. */
export function registeredIdentityKeys(path: string): Map<string, Bytes> {
  return readServerStore(path, (db) => {
    const rows = db.prepare('SELECT user_id, device_id, identity_key FROM devices').all();
    const schema = z.object({ user_id: z.string(), device_id: z.number(), identity_key: blob });
    return new Map(rows.map((row) => schema.parse(row)).map((r) => [`${r.user_id}.${r.device_id}`, r.identity_key]));
  });
}

/** Envelope and snapshot rows and bytes the store holds for one stream. */
export interface StreamFootprint {
  readonly envelopes: number;
  readonly envelopeBytes: number;
  readonly snapshots: number;
  readonly snapshotBytes: number;
  /** bytes of the active snapshot and the updates on it: what a fresh device fetches */
  readonly activeBytes: number;
}

/** What one stream occupies in the store. */
export function streamFootprint(path: string, workspaceId: string, stream: string): StreamFootprint {
  return readServerStore(path, (db) => {
    const sums = z.object({ n: z.number(), bytes: z.number().nullable() });
    const envelopes = sums.parse(db.prepare('SELECT count(*) AS n, sum(length(bytes)) AS bytes FROM envelopes WHERE workspace_id = ? AND stream = ?').get([workspaceId, stream]));
    const snapshots = sums.parse(db.prepare('SELECT count(*) AS n, sum(length(bytes)) AS bytes FROM snapshots WHERE workspace_id = ? AND stream = ?').get([workspaceId, stream]));
    const active = z.string().optional().parse(db.prepare('SELECT active_snapshot_id FROM streams WHERE workspace_id = ? AND stream = ?', { pluck: true }).get([workspaceId, stream])) ?? '';
    const activeSnapshot = z.number().nullable().parse(
      db.prepare('SELECT sum(length(bytes)) FROM snapshots WHERE workspace_id = ? AND stream = ? AND snapshot_id = ?', { pluck: true }).get([workspaceId, stream, active]),
    );
    const onActive = z.number().nullable().parse(
      db.prepare('SELECT sum(length(bytes)) FROM envelopes WHERE workspace_id = ? AND stream = ? AND snapshot_id = ?', { pluck: true }).get([workspaceId, stream, active]),
    );
    return {
      envelopes: envelopes.n,
      envelopeBytes: envelopes.bytes ?? 0,
      snapshots: snapshots.n,
      snapshotBytes: snapshots.bytes ?? 0,
      activeBytes: (activeSnapshot ?? 0) + (onActive ?? 0),
    };
  });
}
