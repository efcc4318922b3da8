/**
 * The blob part of the storage port: opaque attachment bytes, streamed in and out in
 * chunks of the protocol's chunk size.
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { Fail, Ok } from './results';

/** Blobs are stored in chunks of the protocol's chunk size (the last one may be shorter). */
export { BLOB_CHUNK_BYTES } from '@yhteispoyta/crypto/protocol/blobs';

/** Metadata of a stored (complete) blob. */
export interface BlobInfo {
  readonly id: string;
  readonly workspaceId: string;
  readonly size: number;
  /** hex SHA-256 of the whole content (of the ciphertext: blobs are opaque) */
  readonly sha256: string;
  readonly createdAt: number;
}

/** A blob being read: metadata plus its content, chunk by chunk. */
export interface BlobReader {
  readonly info: BlobInfo;
  readonly chunks: AsyncIterable<Bytes>;
}

/** Attachment blobs. Every method is safe to call concurrently. */
export interface BlobStore {
  /**
   * Store a blob from a stream of chunks. More than `maxBytes` → `too_large` and nothing
   * is left behind; a failing source stream rejects, also leaving nothing behind.
   */
  putBlob(
    workspaceId: string,
    chunks: AsyncIterable<Uint8Array>,
    maxBytes: number,
    createdAt: number,
  ): Promise<Ok<{ blob: BlobInfo }> | Fail<'too_large', { maxBytes: number }>>;
  /** A complete blob of this workspace, or null. */
  getBlob(workspaceId: string, blobId: string): Promise<BlobReader | null>;
  /** Remove uploads that never completed (a crash mid-upload) started before `olderThan`. */
  purgeIncompleteBlobs(olderThan: number): Promise<number>;
}
