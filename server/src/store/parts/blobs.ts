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
  /** the user whose device uploaded it (per-user quotas) */
  readonly uploadedBy: string;
  readonly size: number;
  /** hex SHA-256 of the whole content (of the ciphertext: blobs are opaque) */
  readonly sha256: string;
  readonly createdAt: number;
  /**
   * when a member's agent confirmed that a sent message or record references it; absent:
   * unconfirmed, removed by maintenance once older than the configured limit
   */
  readonly confirmedAt?: number;
}

/** Stored blobs of one user or one workspace, for quotas. */
export interface BlobUsage {
  readonly bytes: number;
  readonly count: number;
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
    uploadedBy: string,
  ): Promise<Ok<{ blob: BlobInfo }> | Fail<'too_large', { maxBytes: number }>>;
  /** A complete blob of this workspace, or null. */
  getBlob(workspaceId: string, blobId: string): Promise<BlobReader | null>;
  /** Remove uploads that never completed (a crash mid-upload) started before `olderThan`. */
  purgeIncompleteBlobs(olderThan: number): Promise<number>;
  /** Bytes and number of the complete blobs of a workspace, or uploaded by a user. */
  blobUsage(scope: { readonly workspaceId: string } | { readonly userId: string }): Promise<BlobUsage>;
  /**
   * Mark blobs of this workspace as referenced (kept); ids of other workspaces, unknown
   * ids and blobs already confirmed are left as they are. Answers how many were newly confirmed.
   */
  confirmBlobs(workspaceId: string, blobIds: readonly string[], at: number): Promise<number>;
  /** Remove complete blobs never confirmed and created before `olderThan`; answers how many. */
  purgeUnconfirmedBlobs(olderThan: number): Promise<number>;
}
