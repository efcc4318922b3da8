/**
 * Attachment encryption (docs/design.md §5): a random 32-byte key per file, AES-256-GCM per chunk
 * of 256 KiB. Chunk i uses the nonce `noncePrefix (8 random bytes) ‖ u32 i` and the
 * associated data `"yhteispoyta/attachment/v1" ‖ u32 i ‖ u8 final`, so chunks cannot be
 * reordered (the index is bound), dropped (the next index fails) or cut off (the last
 * chunk present would lack the final flag). An empty file is one empty final chunk.
 * The blob is the chunks' ciphertexts (each with its 16-byte tag) back to back.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { bytesEqual, concatBytes, sha256, toBytes, utf8 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { MAX_BLOB_BYTES } from '@yhteispoyta/crypto/protocol';

/** Plaintext bytes per chunk. */
export const ATTACHMENT_CHUNK_BYTES = 256 * 1024;
/** AES-GCM tag per chunk. */
export const ATTACHMENT_TAG_BYTES = 16;
/** Size of the file key. */
export const ATTACHMENT_KEY_BYTES = 32;
/** Size of the random nonce prefix; the chunk index fills the remaining 4 bytes of the 12-byte nonce. */
export const ATTACHMENT_NONCE_PREFIX_BYTES = 8;

const AAD_LABEL = utf8('yhteispoyta/attachment/v1');

/** Number of chunks of a file of `plainSize` bytes (an empty file has one). */
export function chunkCount(plainSize: number): number {
  return Math.max(1, Math.ceil(plainSize / ATTACHMENT_CHUNK_BYTES));
}

/** Size of the blob of a file of `plainSize` bytes. */
export function ciphertextSize(plainSize: number): number {
  return plainSize + chunkCount(plainSize) * ATTACHMENT_TAG_BYTES;
}

/** Largest plaintext whose blob the server accepts. */
export const MAX_ATTACHMENT_BYTES = (() => {
  const chunks = Math.floor(MAX_BLOB_BYTES / (ATTACHMENT_CHUNK_BYTES + ATTACHMENT_TAG_BYTES));
  const full = chunks * ATTACHMENT_CHUNK_BYTES;
  const rest = MAX_BLOB_BYTES - chunks * (ATTACHMENT_CHUNK_BYTES + ATTACHMENT_TAG_BYTES) - ATTACHMENT_TAG_BYTES;
  return full + Math.max(0, rest);
})();

function u32(n: number): Bytes {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

function nonceOf(prefix: Uint8Array, index: number): Bytes {
  return concatBytes(prefix, u32(index));
}

function aadOf(index: number, final: boolean): Bytes {
  return concatBytes(AAD_LABEL, u32(index), Uint8Array.of(final ? 1 : 0));
}

function checkKeyMaterial(key: Uint8Array, noncePrefix: Uint8Array): void {
  if (key.byteLength !== ATTACHMENT_KEY_BYTES) throw new RangeError(`attachment key must be ${ATTACHMENT_KEY_BYTES} bytes`);
  if (noncePrefix.byteLength !== ATTACHMENT_NONCE_PREFIX_BYTES) {
    throw new RangeError(`nonce prefix must be ${ATTACHMENT_NONCE_PREFIX_BYTES} bytes`);
  }
}

/** The encrypted chunks of a file, produced lazily (so an upload streams). Throws RangeError for wrong key material. */
export function* encryptAttachment(plaintext: Uint8Array, key: Uint8Array, noncePrefix: Uint8Array): Generator<Bytes> {
  checkKeyMaterial(key, noncePrefix);
  const count = chunkCount(plaintext.byteLength);
  for (let index = 0; index < count; index++) {
    const chunk = plaintext.subarray(index * ATTACHMENT_CHUNK_BYTES, (index + 1) * ATTACHMENT_CHUNK_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonceOf(noncePrefix, index));
    cipher.setAAD(aadOf(index, index === count - 1));
    yield concatBytes(cipher.update(chunk), cipher.final(), cipher.getAuthTag());
  }
}

/** What a download must turn out to be. */
export interface ExpectedAttachment {
  readonly size: number;
  /** lower-case hex SHA-256 of the plaintext */
  readonly sha256: string;
}

/** Result of {@link decryptAttachment}: the whole plaintext, or why none of it is returned. */
export type DecryptAttachmentResult = { readonly ok: true; readonly plaintext: Bytes } | { readonly ok: false; readonly detail: string };

/**
 * Decrypts and verifies a whole blob: its exact size, every chunk's tag (index and final
 * flag bound), then the plaintext's size and SHA-256. Returns no plaintext at all unless
 * everything holds. Never throws on hostile bytes.
 */
export function decryptAttachment(
  blob: Uint8Array,
  key: Uint8Array,
  noncePrefix: Uint8Array,
  expected: ExpectedAttachment,
): DecryptAttachmentResult {
  if (key.byteLength !== ATTACHMENT_KEY_BYTES || noncePrefix.byteLength !== ATTACHMENT_NONCE_PREFIX_BYTES) {
    return { ok: false, detail: 'wrong key material' };
  }
  if (!Number.isSafeInteger(expected.size) || expected.size < 0) return { ok: false, detail: 'invalid expected size' };
  if (blob.byteLength !== ciphertextSize(expected.size)) {
    return { ok: false, detail: `blob is ${blob.byteLength} bytes, expected ${ciphertextSize(expected.size)}` };
  }
  const count = chunkCount(expected.size);
  const frame = ATTACHMENT_CHUNK_BYTES + ATTACHMENT_TAG_BYTES;
  const parts: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const sealed = blob.subarray(index * frame, Math.min((index + 1) * frame, blob.byteLength));
    if (sealed.byteLength < ATTACHMENT_TAG_BYTES) return { ok: false, detail: `chunk ${index} is truncated` };
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonceOf(noncePrefix, index));
      decipher.setAAD(aadOf(index, index === count - 1));
      decipher.setAuthTag(sealed.subarray(sealed.byteLength - ATTACHMENT_TAG_BYTES));
      parts.push(decipher.update(sealed.subarray(0, sealed.byteLength - ATTACHMENT_TAG_BYTES)), decipher.final());
    } catch {
      return { ok: false, detail: `chunk ${index} failed authentication` };
    }
  }
  const plaintext = concatBytes(...parts);
  if (plaintext.byteLength !== expected.size) return { ok: false, detail: 'plaintext size differs' };
  const expectedHash = Buffer.from(expected.sha256, 'hex');
  if (expectedHash.byteLength !== 32 || !bytesEqual(sha256(plaintext), toBytes(expectedHash))) {
    return { ok: false, detail: 'plaintext hash differs' };
  }
  return { ok: true, plaintext };
}
