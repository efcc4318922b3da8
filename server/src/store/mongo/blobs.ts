/**
 * mongo: blobs as a blob document plus a chunk collection (256 KiB per chunk document).
 * Write order without transactions: blob document with complete = false, then the chunks,
 * then complete = true. Readers only see complete blobs; a refused or failed upload deletes
 * what it wrote; a crash leaves an incomplete blob that `purgeIncompleteBlobs` removes.
 * Deletion reverses the order (mark incomplete, delete chunks, delete the document).
 */
import { randomBytes, toHex } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { BlobTooLargeError, rechunk } from '../blob-chunks';
import type { ChunkTally } from '../blob-chunks';
import type { BlobInfo, BlobStore } from '../port';
import { BLOB_CHUNK_BYTES } from '../port';
import type { MongoModels } from './models';
import { asBuffer, storedBytes } from './values';

/** Build the blob methods over the adapter's models. */
export function mongoBlobs(m: MongoModels): BlobStore {
  const discard = async (id: string): Promise<void> => {
    await m.blobs.updateOne({ _id: id }, { $set: { complete: false } });
    await m.blobChunks.deleteMany({ blobId: id });
    await m.blobs.deleteOne({ _id: id });
  };

  async function* readChunks(id: string): AsyncGenerator<Bytes> {
    // One chunk per query: a large blob is never held in memory whole.
    for (let n = 0; ; n += 1) {
      const chunk = await m.blobChunks.findOne({ blobId: id, n }).lean();
      if (!chunk) return;
      yield storedBytes(chunk.data);
    }
  }

  return {
    async putBlob(workspaceId, chunks, maxBytes, createdAt) {
      const id = toHex(randomBytes(16));
      await m.blobs.create({ _id: id, workspaceId, size: 0, sha256: '', createdAt, complete: false });
      const tally: ChunkTally = { size: 0, sha256: '' };
      try {
        let n = 0;
        for await (const chunk of rechunk(chunks, BLOB_CHUNK_BYTES, maxBytes, tally)) {
          await m.blobChunks.create({ blobId: id, n, data: asBuffer(chunk) });
          n += 1;
        }
      } catch (error) {
        await discard(id);
        if (error instanceof BlobTooLargeError) return { ok: false, code: 'too_large', maxBytes };
        throw error;
      }
      await m.blobs.updateOne({ _id: id }, { $set: { size: tally.size, sha256: tally.sha256, complete: true } });
      const blob: BlobInfo = { id, workspaceId, size: tally.size, sha256: tally.sha256, createdAt };
      return { ok: true, blob };
    },
    async getBlob(workspaceId, blobId) {
      const d = await m.blobs.findOne({ _id: blobId, workspaceId, complete: true }).lean();
      if (!d) return null;
      const info: BlobInfo = { id: d._id, workspaceId: d.workspaceId, size: d.size, sha256: d.sha256, createdAt: d.createdAt };
      return { info, chunks: readChunks(d._id) };
    },
    async purgeIncompleteBlobs(olderThan) {
      const stale = await m.blobs.find({ complete: false, createdAt: { $lt: olderThan } }, { _id: 1 }).lean();
      for (const d of stale) await discard(d._id);
      return stale.length;
    },
  };
}
