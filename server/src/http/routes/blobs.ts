/**
 * Blobs: streamed upload (size limit enforced while streaming, nothing stored on
 * failure) and streamed download, for current member devices of the workspace.
 */
import { BLOB_CONTENT_TYPE, MAX_BLOB_BYTES, ProtocolError } from '@yhteispoyta/crypto/protocol';
import { authorizeBlobUpload, openBlob, storeBlob } from '../../services/blobs';
import { deviceRefOf } from '../../services/sessions';
import type { RouteHandlers } from '../route-binding';

/** Handlers of the blob routes. */
export const blobRoutes: Pick<RouteHandlers, 'uploadBlob' | 'downloadBlob'> = {
  uploadBlob: async ({ ctx, device, params, raw }) => {
    const caller = deviceRefOf(device);
    await authorizeBlobUpload(ctx, caller, params.workspaceId);
    if (raw.mediaType !== BLOB_CONTENT_TYPE) throw new ProtocolError('bad_request', `Content-Type must be ${BLOB_CONTENT_TYPE}`);
    // A declared length over the limit is refused before a byte is read; an undeclared
    // (chunked) body is cut off by the store as soon as it passes the limit.
    if (raw.declaredLength > MAX_BLOB_BYTES) throw new ProtocolError('too_large', `a blob may have at most ${MAX_BLOB_BYTES} bytes`);
    return storeBlob(ctx, caller, params.workspaceId, raw.body());
  },
  downloadBlob: async ({ ctx, device, params, raw }) => {
    const reader = await openBlob(ctx, deviceRefOf(device), params.workspaceId, params.blobId);
    await raw.sendBytes(reader.info.size, reader.chunks);
  },
};
