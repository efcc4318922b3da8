/**
 * Contract: chunked blobs with a size limit.
 */
import { describe, expect, it } from 'vitest';
import { bytesEqual, concatBytes, sha256, toHex } from '@yhteispoyta/crypto/bytes';
import { BLOB_CHUNK_BYTES } from '../port';
import type { ContractContext } from './context';
import { patterned } from './context';

/** Yield `data` in pieces of the given sizes (cycled), optionally failing after `failAfter` pieces. */
async function* pieces(data: Uint8Array, sizes: readonly number[], failAfter?: number): AsyncGenerator<Uint8Array> {
  let offset = 0;
  let i = 0;
  while (offset < data.byteLength) {
    if (failAfter !== undefined && i === failAfter) throw new Error('source broke');
    const size = sizes[i % sizes.length] ?? 1;
    yield data.subarray(offset, offset + size);
    offset += size;
    i += 1;
  }
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

/** Register the blob cases. */
export function describeBlobContract({ store, inspector }: ContractContext): void {
  describe('blobs', () => {
    it('store a stream in 256 KiB chunks and read it back', async () => {
      const s = store();
      const data = patterned(2 * BLOB_CHUNK_BYTES + 12_345, 3);
      const put = await s.blobs.putBlob('w1', pieces(data, [100_000, 7, 65_536]), data.byteLength, 42, 'u1');
      if (!put.ok) throw new Error(put.code);
      expect(put.blob).toEqual({ id: put.blob.id, workspaceId: 'w1', uploadedBy: 'u1', size: data.byteLength, sha256: toHex(sha256(data)), createdAt: 42 });
      expect(await inspector.blobChunkCount(s)).toBe(3);
      const reader = await s.blobs.getBlob('w1', put.blob.id);
      expect(reader?.info).toEqual(put.blob);
      const chunks = await collect(reader?.chunks ?? pieces(new Uint8Array(0), [1]));
      expect(chunks.map((c) => c.byteLength)).toEqual([BLOB_CHUNK_BYTES, BLOB_CHUNK_BYTES, 12_345]);
      // bytesEqual, not toEqual: a deep comparison of ~0.5 MB element by element takes seconds
      expect(bytesEqual(concatBytes(...chunks), data)).toBe(true);
      expect(await s.blobs.getBlob('w2', put.blob.id)).toBeNull();
    });

    it('refuse more than maxBytes and leave nothing behind; exactly maxBytes is fine', async () => {
      const s = store();
      const data = patterned(BLOB_CHUNK_BYTES + 10, 5);
      const refused = await s.blobs.putBlob('w1', pieces(data, [BLOB_CHUNK_BYTES / 2]), data.byteLength - 1, 1, 'u1');
      expect(refused).toEqual({ ok: false, code: 'too_large', maxBytes: data.byteLength - 1 });
      expect(await inspector.blobChunkCount(s)).toBe(0);
      expect(await s.blobs.purgeIncompleteBlobs(Number.MAX_SAFE_INTEGER)).toBe(0);
      const exact = await s.blobs.putBlob('w1', pieces(data, [BLOB_CHUNK_BYTES / 2]), data.byteLength, 1, 'u1');
      expect(exact).toMatchObject({ ok: true, blob: { size: data.byteLength } });
      const empty = await s.blobs.putBlob('w1', pieces(new Uint8Array(0), [1]), 10, 1, 'u1');
      if (!empty.ok) throw new Error(empty.code);
      expect(empty.blob.size).toBe(0);
      expect(await collect((await s.blobs.getBlob('w1', empty.blob.id))?.chunks ?? pieces(data, [1]))).toEqual([]);
    });

    it('a failing source rejects and leaves nothing behind', async () => {
      const s = store();
      const data = patterned(3 * BLOB_CHUNK_BYTES, 9);
      const failing = pieces(data, [BLOB_CHUNK_BYTES], 2);
      await expect(s.blobs.putBlob('w1', failing, data.byteLength, 1, 'u1')).rejects.toThrow('source broke');
      expect(await inspector.blobChunkCount(s)).toBe(0);
      expect(await s.blobs.purgeIncompleteBlobs(Number.MAX_SAFE_INTEGER)).toBe(0);
      expect(await s.blobs.blobUsage({ userId: 'u1' })).toEqual({ bytes: 0, count: 0 });
    });

    it('usage per workspace and per uploader counts complete blobs only', async () => {
      const s = store();
      const put = async (workspaceId: string, userId: string, size: number) => {
        const r = await s.blobs.putBlob(workspaceId, pieces(patterned(size, size), [BLOB_CHUNK_BYTES]), size, 1, userId);
        if (!r.ok) throw new Error(r.code);
        return r.blob;
      };
      await put('w1', 'u1', 1000);
      await put('w1', 'u2', 2500);
      await put('w2', 'u1', 300);
      // A refused upload counts for nobody.
      await s.blobs.putBlob('w1', pieces(patterned(50, 1), [10]), 10, 1, 'u1');
      expect(await s.blobs.blobUsage({ workspaceId: 'w1' })).toEqual({ bytes: 3500, count: 2 });
      expect(await s.blobs.blobUsage({ workspaceId: 'w2' })).toEqual({ bytes: 300, count: 1 });
      expect(await s.blobs.blobUsage({ userId: 'u1' })).toEqual({ bytes: 1300, count: 2 });
      expect(await s.blobs.blobUsage({ userId: 'u2' })).toEqual({ bytes: 2500, count: 1 });
      expect(await s.blobs.blobUsage({ workspaceId: 'none' })).toEqual({ bytes: 0, count: 0 });
    });

    it('confirm blobs of one workspace once; unconfirmed old ones are purged with their chunks, the rest stay', async () => {
      const s = store();
      const put = async (workspaceId: string, createdAt: number) => {
        const r = await s.blobs.putBlob(workspaceId, pieces(patterned(BLOB_CHUNK_BYTES + 5, createdAt), [BLOB_CHUNK_BYTES]), BLOB_CHUNK_BYTES + 5, createdAt, 'u1');
        if (!r.ok) throw new Error(r.code);
        return r.blob.id;
      };
      const kept = await put('w1', 10);
      const dropped = await put('w1', 20);
      const young = await put('w1', 500);
      const other = await put('w2', 10);
      // Another workspace's id and unknown ids change nothing; the same id twice counts once.
      expect(await s.blobs.confirmBlobs('w1', [kept, kept, other, 'nosuchblob'], 99)).toBe(1);
      expect(await s.blobs.confirmBlobs('w1', [kept], 120)).toBe(0);
      expect((await s.blobs.getBlob('w1', kept))?.info.confirmedAt).toBe(99);
      expect((await s.blobs.getBlob('w1', dropped))?.info.confirmedAt).toBeUndefined();
      expect(await inspector.blobChunkCount(s)).toBe(8);
      expect(await s.blobs.purgeUnconfirmedBlobs(100)).toBe(2);
      expect(await s.blobs.getBlob('w1', dropped)).toBeNull();
      expect(await s.blobs.getBlob('w2', other)).toBeNull();
      expect(await s.blobs.getBlob('w1', kept)).not.toBeNull();
      expect(await s.blobs.getBlob('w1', young)).not.toBeNull();
      expect(await inspector.blobChunkCount(s)).toBe(4);
      expect(await s.blobs.blobUsage({ userId: 'u1' })).toEqual({ bytes: 2 * (BLOB_CHUNK_BYTES + 5), count: 2 });
      expect(await s.blobs.purgeUnconfirmedBlobs(100)).toBe(0);
    });
  });
}
