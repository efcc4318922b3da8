/**
 * Blobs: streamed upload (size limit enforced while streaming, nothing stored on
 * failure) and streamed download, for current member devices of the workspace.
 */
import type { Request } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BLOB_CONTENT_TYPE, MAX_BLOB_BYTES, ProtocolError } from '@yhteispoyta/crypto/protocol';
import { authorizeBlobUpload, openBlob, storeBlob } from '../../services/blobs';
import { deviceRefOf } from '../../services/sessions';
import type { RouteHandlers } from '../route-binding';

function mediaTypeOf(req: Request): string | undefined {
  return req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
}

/**
 * The request body as chunks. Stopping early (the size limit) must not destroy the
 * request: that would cut the connection before the 413 answer is written.
 */
async function* bodyChunks(req: Request): AsyncGenerator<Uint8Array> {
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    if (chunk instanceof Uint8Array) yield chunk;
    else throw new ProtocolError('bad_request', 'the request body could not be read');
  }
}

/** Handlers of the blob routes. */
export const blobRoutes: Pick<RouteHandlers, 'uploadBlob' | 'downloadBlob'> = {
  uploadBlob: async ({ ctx, device, params, req }) => {
    const caller = deviceRefOf(device);
    await authorizeBlobUpload(ctx, caller, params.workspaceId);
    if (mediaTypeOf(req) !== BLOB_CONTENT_TYPE) throw new ProtocolError('bad_request', `Content-Type must be ${BLOB_CONTENT_TYPE}`);
    const declared = Number(req.headers['content-length'] ?? '0');
    // A declared length over the limit is refused before a byte is read; an undeclared
    // (chunked) body is cut off by the store as soon as it passes the limit.
    if (declared > MAX_BLOB_BYTES) throw new ProtocolError('too_large', `a blob may have at most ${MAX_BLOB_BYTES} bytes`);
    return storeBlob(ctx, caller, params.workspaceId, bodyChunks(req));
  },
  downloadBlob: async ({ ctx, device, params, res }) => {
    const reader = await openBlob(ctx, deviceRefOf(device), params.workspaceId, params.blobId);
    res.status(200);
    res.setHeader('Content-Type', BLOB_CONTENT_TYPE);
    res.setHeader('Content-Length', String(reader.info.size));
    try {
      await pipeline(Readable.from(reader.chunks), res);
    } catch (error) {
      // A client that goes away mid-download is not a server failure.
      if (res.destroyed && res.writableFinished === false && (error as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
      throw error;
    }
  },
};
