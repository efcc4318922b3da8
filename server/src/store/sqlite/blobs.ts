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
import { colBytes, colInt, colStr } from './db';

/** Build the blob methods over an open database. */
export function sqliteBlobs({ db, immediate }: SqliteDb): BlobStore {
  const insertBlob = db.prepare(
    'INSERT INTO blobs (id, workspace_id, size, sha256, created_at, complete) VALUES (?, ?, 0, \'\', ?, 0)',
  );
  const insertChunk = db.prepare('INSERT INTO blob_chunks (blob_id, n, data) VALUES (?, ?, ?)');
  const completeBlob = db.prepare('UPDATE blobs SET size = ?, sha256 = ?, complete = 1 WHERE id = ?');
  const selectBlob = db.prepare('SELECT * FROM blobs WHERE id = ? AND workspace_id = ? AND complete = 1');
  const selectChunk = db.prepare('SELECT data FROM blob_chunks WHERE blob_id = ? AND n = ?');
  const deleteChunks = db.prepare('DELETE FROM blob_chunks WHERE blob_id = ?');
  const deleteBlobRow = db.prepare('DELETE FROM blobs WHERE id = ?');
  const selectStale = db.prepare('SELECT id FROM blobs WHERE complete = 0 AND created_at < ?');

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
    async putBlob(workspaceId, chunks, maxBytes, createdAt) {
      const id = toHex(randomBytes(16));
      insertBlob.run([id, workspaceId, createdAt]);
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
      const blob: BlobInfo = { id, workspaceId, size: tally.size, sha256: tally.sha256, createdAt };
      return { ok: true, blob };
    },
    async getBlob(workspaceId, blobId) {
      const row = selectBlob.get([blobId, workspaceId]);
      if (!row) return null;
      const info: BlobInfo = {
        id: colStr(row, 'id'),
        workspaceId: colStr(row, 'workspace_id'),
        size: colInt(row, 'size'),
        sha256: colStr(row, 'sha256'),
        createdAt: colInt(row, 'created_at'),
      };
      return { info, chunks: readChunks(info.id) };
    },
    async purgeIncompleteBlobs(olderThan) {
      const ids = selectStale.all([olderThan]).map((r) => colStr(r, 'id'));
      for (const id of ids) discard(id);
      return ids.length;
    },
  };
}
