/**
 * Blobs (docs/design.md §5 attachments): opaque encrypted bytes, streamed as
 * `application/octet-stream`; their key, hash, name and type travel inside an envelope.
 */
import { z } from 'zod';
import { idSchema, nonNegativeIntSchema } from './fields';

/** Largest blob the server accepts; an upload is cut off (413 too_large) once it passes this. */
export const MAX_BLOB_BYTES = 64 * 1024 * 1024;

/** The unit blobs are stored and streamed in; uploads may arrive in any chunking. */
export const BLOB_CHUNK_BYTES = 256 * 1024;

/** Content type of blob uploads and downloads. */
export const BLOB_CONTENT_TYPE = 'application/octet-stream';

/** `POST /v1/workspaces/:workspaceId/blobs` response. */
export const blobUploadResponseSchema = z.strictObject({
  blobId: idSchema,
  size: nonNegativeIntSchema.max(MAX_BLOB_BYTES),
});
/** `POST /v1/workspaces/:workspaceId/blobs` response. */
export type BlobUploadResponse = z.infer<typeof blobUploadResponseSchema>;

/** `GET /v1/workspaces/:workspaceId/blobs/:blobId` response: the blob's bytes, whole, when buffered. */
export const blobBytesSchema = z
  .instanceof(Uint8Array)
  .refine((bytes) => bytes.byteLength <= MAX_BLOB_BYTES, `must be at most ${MAX_BLOB_BYTES} bytes`);

/** Most blob ids one confirmation names (a message's attachments, a record's). */
export const MAX_BLOB_CONFIRM = 64;

/**
 * `POST /v1/workspaces/:workspaceId/blobs/confirm` body: the blobs a message or record the
 * agent has just sent references. Blobs nobody confirms are removed after a day (issue 15);
 * the server learns only that these blobs are referenced, not by what.
 */
export const confirmBlobsRequestSchema = z.strictObject({
  blobIds: z.array(idSchema).min(1).max(MAX_BLOB_CONFIRM),
});
/** `POST /v1/workspaces/:workspaceId/blobs/confirm` response: how many were newly confirmed. */
export const confirmBlobsResponseSchema = z.strictObject({ confirmed: nonNegativeIntSchema });
