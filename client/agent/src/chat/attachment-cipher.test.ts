import { describe, expect, it } from 'vitest';
import { concatBytes, randomBytes, sha256, toHex } from '@yhteispoyta/crypto/bytes';
import { MAX_BLOB_BYTES } from '@yhteispoyta/crypto/protocol';
import {
  ATTACHMENT_CHUNK_BYTES,
  ATTACHMENT_TAG_BYTES,
  chunkCount,
  ciphertextSize,
  decryptAttachment,
  encryptAttachment,
  MAX_ATTACHMENT_BYTES,
} from './attachment-cipher';

const FRAME = ATTACHMENT_CHUNK_BYTES + ATTACHMENT_TAG_BYTES;

function sealed(size: number) {
  const plaintext = randomBytes(size);
  const key = randomBytes(32);
  const prefix = randomBytes(8);
  const chunks = [...encryptAttachment(plaintext, key, prefix)];
  const expected = { size, sha256: toHex(sha256(plaintext)) };
  return { plaintext, key, prefix, chunks, blob: concatBytes(...chunks), expected };
}

describe('attachment cipher', () => {
  it('round-trips empty, single-chunk, exact and multi-chunk files', () => {
    for (const size of [0, 1, ATTACHMENT_CHUNK_BYTES, ATTACHMENT_CHUNK_BYTES + 1, 3 * ATTACHMENT_CHUNK_BYTES - 5]) {
      const s = sealed(size);
      expect(s.chunks).toHaveLength(chunkCount(size));
      expect(s.blob.byteLength).toBe(ciphertextSize(size));
      const result = decryptAttachment(s.blob, s.key, s.prefix, s.expected);
      expect(result.ok && Buffer.from(result.plaintext).equals(s.plaintext)).toBe(true);
    }
  });

  it('sizes the largest file so that its blob fits the server limit', () => {
    expect(ciphertextSize(MAX_ATTACHMENT_BYTES)).toBeLessThanOrEqual(MAX_BLOB_BYTES);
    expect(ciphertextSize(MAX_ATTACHMENT_BYTES + 1)).toBeGreaterThan(MAX_BLOB_BYTES);
  });

  it('refuses reordered, dropped, truncated, extended and altered blobs, and the wrong key', () => {
    const s = sealed(2 * ATTACHMENT_CHUNK_BYTES + 100);
    const [c0, c1, c2] = s.chunks as [Uint8Array, Uint8Array, Uint8Array];
    const refuse = (blob: Uint8Array, expected = s.expected, key = s.key) => {
      const result = decryptAttachment(blob, key, s.prefix, expected);
      expect(result.ok).toBe(false);
      expect(result).not.toHaveProperty('plaintext');
    };
    refuse(concatBytes(c1, c0, c2));
    // a middle chunk dropped, with the size claim adjusted to match
    refuse(concatBytes(c0, c2), { ...s.expected, size: ATTACHMENT_CHUNK_BYTES + 100 });
    // cut at a chunk boundary, the size claim adjusted: the last chunk present lacks the final flag
    refuse(concatBytes(c0, c1), { ...s.expected, size: 2 * ATTACHMENT_CHUNK_BYTES });
    refuse(s.blob.subarray(0, s.blob.byteLength - 1));
    refuse(concatBytes(s.blob, new Uint8Array([0])));
    const altered = new Uint8Array(s.blob);
    altered[FRAME + 10] = (altered[FRAME + 10] ?? 0) ^ 1;
    refuse(altered);
    refuse(s.blob, s.expected, randomBytes(32));
    refuse(s.blob, { ...s.expected, sha256: '0'.repeat(64) });
  });

  it('refuses wrong key material when encrypting', () => {
    expect(() => [...encryptAttachment(new Uint8Array(1), new Uint8Array(16), new Uint8Array(8))]).toThrow(RangeError);
    expect(() => [...encryptAttachment(new Uint8Array(1), new Uint8Array(32), new Uint8Array(12))]).toThrow(RangeError);
  });
});
