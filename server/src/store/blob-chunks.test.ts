import { describe, expect, it } from 'vitest';
import { sha256, toHex } from '@yhteispoyta/crypto/bytes';
import { BlobTooLargeError, rechunk } from './blob-chunks';
import type { ChunkTally } from './blob-chunks';

async function* from(parts: number[][]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Uint8Array.from(p);
}

describe('rechunk', () => {
  it('re-cuts any input into fixed chunks and tallies size and hash', async () => {
    const tally: ChunkTally = { size: 0, sha256: '' };
    const out: number[][] = [];
    for await (const c of rechunk(from([[1, 2], [3, 4, 5, 6, 7], [], [8]]), 3, 100, tally)) out.push([...c]);
    expect(out).toEqual([[1, 2, 3], [4, 5, 6], [7, 8]]);
    expect(tally).toEqual({ size: 8, sha256: toHex(sha256(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]))) });
  });

  it('throws as soon as the limit is passed, before yielding the excess', async () => {
    const out: number[][] = [];
    const run = async () => {
      for await (const c of rechunk(from([[1, 2, 3], [4, 5]]), 2, 4, { size: 0, sha256: '' })) out.push([...c]);
    };
    await expect(run()).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(out).toEqual([[1, 2]]);
  });
});
