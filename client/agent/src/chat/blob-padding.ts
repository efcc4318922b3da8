/**
 * Padding of attachment blobs (issue 15: metadata minimisation). The server stores every
 * blob and so learns its size; an exact size narrows down what a file is (a known form, a
 * photo of a given camera). Before upload the agent pads the ciphertext with random bytes
 * (indistinguishable from AES-GCM output) up to a bucket; after download it drops them.
 * The true size travels only inside the encrypted chat message (AttachmentRef.size), so
 * the reader knows where the ciphertext ends and checks the blob's length is exactly the
 * bucket.
 *
 * Buckets: every blob is at least 4 KiB (small files all look alike), and above that the
 * Padmé scheme (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
 * Communication with PURBs", PETS 2019): a length L = 2^E keeps only its top ⌊log2 E⌋ + 1
 * bits, the rest rounded up. The overhead is at most ~12 % (and shrinks with size) and a
 * bucket reveals O(log log L) bits, where powers of two would cost up to 100 % and fixed
 * steps would either waste much on small files or reveal much on large ones. No blob is
 * padded past the server's limit (MAX_BLOB_BYTES).
 */
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { MAX_BLOB_BYTES } from '@yhteispoyta/crypto/protocol';

/** The smallest blob: every file up to this size (after encryption) looks the same. */
export const MIN_PADDED_BLOB_BYTES = 4096;

/** Random padding is produced in pieces of at most this many bytes (an upload streams). */
const PADDING_PIECE_BYTES = 256 * 1024;

/** Padmé: `length` with all but its top ⌊log2 E⌋ + 1 bits rounded up (E = ⌊log2 length⌋). */
function padme(length: number): number {
  if (length < 2) return length;
  const e = Math.floor(Math.log2(length));
  const s = Math.floor(Math.log2(e)) + 1;
  const step = 2 ** (e - s);
  return Math.ceil(length / step) * step;
}

/** The stored size of a blob whose ciphertext is `ciphertextBytes` long. */
export function paddedBlobSize(ciphertextBytes: number): number {
  if (!Number.isSafeInteger(ciphertextBytes) || ciphertextBytes < 0) throw new RangeError('invalid blob size');
  const bucket = Math.max(MIN_PADDED_BLOB_BYTES, padme(ciphertextBytes));
  return Math.max(ciphertextBytes, Math.min(bucket, MAX_BLOB_BYTES));
}

/** Random bytes that fill a blob of `ciphertextBytes` up to its bucket, in streamable pieces. */
export function* blobPadding(ciphertextBytes: number): Generator<Bytes> {
  let left = paddedBlobSize(ciphertextBytes) - ciphertextBytes;
  while (left > 0) {
    const piece = Math.min(left, PADDING_PIECE_BYTES);
    yield randomBytes(piece);
    left -= piece;
  }
}
