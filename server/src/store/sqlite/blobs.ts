/**
 * sqlite: blobs in 256 KiB chunks. An upload cannot be one transaction (it awaits its
 * source between chunks, and a transaction must never span an await on this synchronous
 * driver), so the blob row is created with complete = 0, chunks are inserted one by one,
 * and the row is flipped to complete = 1 at the end. Readers only see complete blobs; a
 * refused or failed upload deletes what it wrote; a crash leaves an incomplete row that
 * `purgeIncompleteBlobs` removes.
 */
import { randomBytes, toHex } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { BlobTooLargeError, rechunk } from '../blob-chunks';
import type { ChunkTally } from '../blob-chunks';
import type { BlobInfo, BlobStore } from '../port';
import { BLOB_CHUNK_BYTES } from '../port';
import type { SqliteDb } from './db';
import { colBytes, colInt, colOptInt, colStr } from './db';

/** Build the blob methods over an open database. */
export function sqliteBlobs({ db, immediate }: SqliteDb): BlobStore {
  const insertBlob = db.prepare(
    'INSERT INTO blobs (id, workspace_id, size, sha256, created_at, complete, uploaded_by) VALUES (?, ?, 0, \'\', ?, 0, ?)',
  );
  const insertChunk = db.prepare('INSERT INTO blob_chunks (blob_id, n, data) VALUES (?, ?, ?)');
  const completeBlob = db.prepare('UPDATE blobs SET size = ?, sha256 = ?, complete = 1 WHERE id = ?');
  const selectBlob = db.prepare('SELECT * FROM blobs WHERE id = ? AND workspace_id = ? AND complete = 1');
  const selectChunk = db.prepare('SELECT data FROM blob_chunks WHERE blob_id = ? AND n = ?');
  const deleteChunks = db.prepare('DELETE FROM blob_chunks WHERE blob_id = ?');
  const deleteBlobRow = db.prepare('DELETE FROM blobs WHERE id = ?');
  const selectStale = db.prepare('SELECT id FROM blobs WHERE complete = 0 AND created_at < ?');
  const selectUnconfirmed = db.prepare('SELECT id FROM blobs WHERE complete = 1 AND confirmed_at IS NULL AND created_at < ?');
  const usageOfWorkspace = db.prepare('SELECT COALESCE(SUM(size), 0) AS bytes, COUNT(*) AS count FROM blobs WHERE workspace_id = ? AND complete = 1');
  const usageOfUser = db.prepare('SELECT COALESCE(SUM(size), 0) AS bytes, COUNT(*) AS count FROM blobs WHERE uploaded_by = ? AND complete = 1');
  const confirmBlob = db.prepare('UPDATE blobs SET confirmed_at = ? WHERE id = ? AND workspace_id = ? AND complete = 1 AND confirmed_at IS NULL');

  const discard = (id: string): void => {
    immediate(() => {
      deleteChunks.run([id]);
      deleteBlobRow.run([id]);
    });
  };

  async function* readChunks(id: string): AsyncGenerator<Bytes> {
    // One chunk per step: a large blob is never held in memory whole.
    for (let n = 0; ; n += 1) {
      const row = selectChunk.get([id, n]);
      if (!row) return;
      yield colBytes(row, 'data');
    }
  }

  return {
    async putBlob(workspaceId, chunks, maxBytes, createdAt, uploadedBy) {
      const id = toHex(randomBytes(16));
      insertBlob.run([id, workspaceId, createdAt, uploadedBy]);
      const tally: ChunkTally = { size: 0, sha256: '' };
      try {
        let n = 0;
        for await (const chunk of rechunk(chunks, BLOB_CHUNK_BYTES, maxBytes, tally)) {
          insertChunk.run([id, n, chunk]);
          n += 1;
        }
      } catch (error) {
        discard(id);
        if (error instanceof BlobTooLargeError) return { ok: false, code: 'too_large', maxBytes };
        throw error;
      }
      completeBlob.run([tally.size, tally.sha256, id]);
      const blob: BlobInfo = { id, workspaceId, uploadedBy, size: tally.size, sha256: tally.sha256, createdAt };
      return { ok: true, blob };
    },
    async getBlob(workspaceId, blobId) {
      const row = selectBlob.get([blobId, workspaceId]);
      if (!row) return null;
      const confirmedAt = colOptInt(row, 'confirmed_at');
      const info: BlobInfo = {
        id: colStr(row, 'id'),
        workspaceId: colStr(row, 'workspace_id'),
        uploadedBy: colStr(row, 'uploaded_by'),
        size: colInt(row, 'size'),
        sha256: colStr(row, 'sha256'),
        createdAt: colInt(row, 'created_at'),
        ...(confirmedAt === undefined ? {} : { confirmedAt }),
      };
      return { info, chunks: readChunks(info.id) };
    },
    async purgeIncompleteBlobs(olderThan) {
      const ids = selectStale.all([olderThan]).map((r) => colStr(r, 'id'));
      for (const id of ids) discard(id);
      return ids.length;
    },
    async blobUsage(scope) {
      const row = 'workspaceId' in scope ? usageOfWorkspace.get([scope.workspaceId]) : usageOfUser.get([scope.userId]);
      return row ? { bytes: colInt(row, 'bytes'), count: colInt(row, 'count') } : { bytes: 0, count: 0 };
    },
    async confirmBlobs(workspaceId, blobIds, at) {
      let confirmed = 0;
      immediate(() => {
        for (const id of new Set(blobIds)) confirmed += confirmBlob.run([at, id, workspaceId]).changes;
      });
      return confirmed;
    },
    async purgeUnconfirmedBlobs(olderThan) {
      const ids = selectUnconfirmed.all([olderThan]).map((r) => colStr(r, 'id'));
      for (const id of ids) discard(id);
      return ids.length;
    },
  };
}
