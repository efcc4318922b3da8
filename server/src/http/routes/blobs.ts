/**
 * Blobs: streamed upload (size limit enforced while streaming, nothing stored on
 * failure) and streamed download, for current member devices of the workspace.
 */
import { BLOB_CONTENT_TYPE, ProtocolError } from '@yhteispoyta/crypto/protocol';
import { authorizeBlobUpload, confirmBlobs, openBlob, storeBlob } from '../../services/blobs';
import { deviceRefOf } from '../../services/sessions';
import type { RouteHandlers } from '../route-binding';

/** Handlers of the blob routes. */
export const blobRoutes: Pick<RouteHandlers, 'uploadBlob' | 'downloadBlob' | 'confirmBlobs'> = {
  uploadBlob: async ({ ctx, device, params, raw }) => {
    const caller = deviceRefOf(device);
    const allowance = await authorizeBlobUpload(ctx, caller, params.workspaceId);
    if (raw.mediaType !== BLOB_CONTENT_TYPE) throw new ProtocolError('bad_request', `Content-Type must be ${BLOB_CONTENT_TYPE}`);
    // A declared length over the limit (or what the quotas leave) is refused before a byte
    // is read; an undeclared (chunked) body is cut off by the store as soon as it passes it.
    return storeBlob(ctx, caller, params.workspaceId, { declaredLength: raw.declaredLength, body: () => raw.body() }, allowance);
  },
  confirmBlobs: async ({ ctx, device, params, body }) => confirmBlobs(ctx, deviceRefOf(device), params.workspaceId, body.blobIds),
  downloadBlob: async ({ ctx, device, params, raw }) => {
    const reader = await openBlob(ctx, deviceRefOf(device), params.workspaceId, params.blobId);
    await raw.sendBytes(reader.info.size, reader.chunks);
  },
};
