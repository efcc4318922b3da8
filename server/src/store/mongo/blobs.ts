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
    async putBlob(workspaceId, chunks, maxBytes, createdAt, uploadedBy) {
      const id = toHex(randomBytes(16));
      await m.blobs.create({ _id: id, workspaceId, size: 0, sha256: '', createdAt, complete: false, uploadedBy, confirmedAt: null });
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
      const blob: BlobInfo = { id, workspaceId, uploadedBy, size: tally.size, sha256: tally.sha256, createdAt };
      return { ok: true, blob };
    },
    async getBlob(workspaceId, blobId) {
      const d = await m.blobs.findOne({ _id: blobId, workspaceId, complete: true }).lean();
      if (!d) return null;
      const info: BlobInfo = {
        id: d._id, workspaceId: d.workspaceId, uploadedBy: d.uploadedBy ?? '', size: d.size, sha256: d.sha256, createdAt: d.createdAt,
        ...(confirmedOf(d) === undefined ? {} : { confirmedAt: confirmedOf(d) }),
      };
      return { info, chunks: readChunks(d._id) };
    },
    async purgeIncompleteBlobs(olderThan) {
      const stale = await m.blobs.find({ complete: false, createdAt: { $lt: olderThan } }, { _id: 1 }).lean();
      for (const d of stale) await discard(d._id);
      return stale.length;
    },
    async blobUsage(scope) {
      const match = 'workspaceId' in scope ? { workspaceId: scope.workspaceId, complete: true } : { uploadedBy: scope.userId, complete: true };
      // Counted apart: FerretDB answers a `$sum: 1` accumulator with 0.
      const [row] = await m.blobs.aggregate<{ bytes: number }>([{ $match: match }, { $group: { _id: null, bytes: { $sum: '$size' } } }]);
      return { bytes: row?.bytes ?? 0, count: await m.blobs.countDocuments(match) };
    },
    async confirmBlobs(workspaceId, blobIds, at) {
      // A document without the field is a blob from before quotas: confirmed already.
      const result = await m.blobs.updateMany(
        { _id: { $in: [...new Set(blobIds)] }, workspaceId, complete: true, confirmedAt: null, uploadedBy: { $exists: true } },
        { $set: { confirmedAt: at } },
      );
      return result.modifiedCount;
    },
    async purgeUnconfirmedBlobs(olderThan) {
      const stale = await m.blobs.find({ complete: true, confirmedAt: null, uploadedBy: { $exists: true }, createdAt: { $lt: olderThan } }, { _id: 1 }).lean();
      for (const d of stale) await discard(d._id);
      return stale.length;
    },
  };
}

/** When a blob was confirmed; a document from before quotas (no uploadedBy field) counts as confirmed when created. */
function confirmedOf(d: { createdAt: number; uploadedBy?: string; confirmedAt?: number | null }): number | undefined {
  if (d.uploadedBy === undefined) return d.createdAt;
  return d.confirmedAt ?? undefined;
}
