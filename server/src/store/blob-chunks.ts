/**
 * Re-chunking of an upload stream into fixed-size pieces with a running size limit and
 * hash, shared by both adapters.
 */
import { createHash } from 'node:crypto';
import { toBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';

/** Thrown inside an upload when the stream exceeds its limit; adapters turn it into `too_large`. */
export class BlobTooLargeError extends Error {
  override readonly name = 'BlobTooLargeError';
}

/** Running totals of an upload, final after the generator is exhausted. */
export interface ChunkTally {
  size: number;
  sha256: string;
}

/**
 * Yield the source's bytes as chunks of exactly `chunkBytes` (the last may be shorter,
 * never empty). Throws {@link BlobTooLargeError} as soon as more than `maxBytes` arrived,
 * before that byte is yielded. `tally` is filled in when the source is exhausted.
 */
export async function* rechunk(
  source: AsyncIterable<Uint8Array>,
  chunkBytes: number,
  maxBytes: number,
  tally: ChunkTally,
): AsyncGenerator<Bytes> {
  const hash = createHash('sha256');
  let pending = new Uint8Array(new ArrayBuffer(chunkBytes));
  let filled = 0;
  let size = 0;
  for await (const piece of source) {
    size += piece.byteLength;
    if (size > maxBytes) throw new BlobTooLargeError(`blob exceeds ${maxBytes} bytes`);
    hash.update(piece);
    let offset = 0;
    while (offset < piece.byteLength) {
      const take = Math.min(chunkBytes - filled, piece.byteLength - offset);
      pending.set(piece.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === chunkBytes) {
        yield pending;
        pending = new Uint8Array(new ArrayBuffer(chunkBytes));
        filled = 0;
      }
    }
  }
  if (filled > 0) yield toBytes(pending.subarray(0, filled));
  tally.size = size;
  tally.sha256 = hash.digest('hex');
}
