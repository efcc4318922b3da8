import { describe, expect, it } from 'vitest';
import { MAX_BLOB_BYTES } from '@yhteispoyta/crypto/protocol';
import { MIN_PADDED_BLOB_BYTES, blobPadding, paddedBlobSize } from './blob-padding';

const total = (pieces: Iterable<Uint8Array>): number => [...pieces].reduce((n, p) => n + p.byteLength, 0);

describe('blob padding', () => {
  it('makes every small blob 4 KiB', () => {
    for (const size of [0, 1, 17, 1000, 4095, 4096]) expect(paddedBlobSize(size)).toBe(MIN_PADDED_BLOB_BYTES);
  });

  it('rounds larger blobs up to Padmé buckets: never smaller, at most 12 % more, and few distinct sizes', () => {
    const sizes = new Set<number>();
    let previous = 0;
    for (let size = 4097; size < 40 * 1024 * 1024; size = Math.ceil(size * 1.003) + 1) {
      const padded = paddedBlobSize(size);
      expect(padded).toBeGreaterThanOrEqual(size);
      expect(padded).toBeGreaterThanOrEqual(previous);
      expect(padded / size).toBeLessThanOrEqual(1.12);
      previous = padded;
      sizes.add(padded);
    }
    // Around 3000 exact sizes from 4 KiB to 40 MiB fall into a few hundred buckets …
    expect(sizes.size).toBeLessThan(400);
    // … e.g. every size from 1 000 001 to 1 015 808 bytes is stored as 1 015 808.
    expect(paddedBlobSize(1_000_001)).toBe(1_015_808);
    expect(paddedBlobSize(1_015_808)).toBe(1_015_808);
    expect(paddedBlobSize(1_015_809)).toBeGreaterThan(1_015_808);
  });

  it('never pads past the server limit', () => {
    expect(paddedBlobSize(MAX_BLOB_BYTES - 10)).toBe(MAX_BLOB_BYTES);
    expect(paddedBlobSize(MAX_BLOB_BYTES)).toBe(MAX_BLOB_BYTES);
    expect(() => paddedBlobSize(-1)).toThrow(RangeError);
  });

  it('fills exactly the gap with random bytes', () => {
    expect(total(blobPadding(1000))).toBe(MIN_PADDED_BLOB_BYTES - 1000);
    expect(total(blobPadding(1_000_001))).toBe(15_807);
    const [a, b] = [[...blobPadding(0)][0], [...blobPadding(0)][0]];
    expect(Buffer.from(a ?? []).equals(Buffer.from(b ?? []))).toBe(false);
  });
});
