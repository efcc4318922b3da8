/**
 * Attachment blobs (docs/design.md §5): opaque encrypted bytes, streamed in and out, readable and
 * writable only by current member devices of their workspace. The size limit is enforced
 * by the store while the bytes stream in; a refused upload leaves nothing behind.
 */
import { MAX_BLOB_BYTES, ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { BlobUploadResponse } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import type { BlobReader } from '../store/port';
import { recordAudit } from './audit';
import type { ChainReader } from './chain-cache';
import { requireMemberState } from './membership';

/**
 * Check that the caller may upload into the workspace (a current member device of an
 * open workspace), before a single byte of the body is read.
 */
export async function authorizeBlobUpload(ctx: ChainReader, caller: DeviceRef, workspaceId: string): Promise<void> {
  const state = await requireMemberState(ctx, caller, workspaceId);
  if (state.closed) throw new ProtocolError('forbidden', 'the workspace is closed');
}

/**
 * Store a blob streamed from `source` (authorize first with {@link authorizeBlobUpload}).
 * More than {@link MAX_BLOB_BYTES} → `too_large`, with nothing stored.
 */
export async function storeBlob(
  ctx: Needs<'blobs' | 'workspaces' | 'audit', 'now'>,
  caller: DeviceRef,
  workspaceId: string,
  source: AsyncIterable<Uint8Array>,
): Promise<BlobUploadResponse> {
  const put = await ctx.store.blobs.putBlob(workspaceId, source, MAX_BLOB_BYTES, ctx.now());
  if (!put.ok) throw new ProtocolError('too_large', `a blob may have at most ${MAX_BLOB_BYTES} bytes`);
  await ctx.store.workspaces.touchWorkspace(workspaceId, ctx.now());
  await recordAudit(ctx, {
    actor: caller,
    action: 'blob_upload',
    workspaceId,
    detail: { blobId: put.blob.id, size: String(put.blob.size) },
  });
  return { blobId: put.blob.id, size: put.blob.size };
}

/** Open a blob of the workspace for reading; the caller must be a current member device. */
export async function openBlob(ctx: Needs<'workspaces' | 'directory' | 'blobs' | 'audit', 'now'>, caller: DeviceRef, workspaceId: string, blobId: string): Promise<BlobReader> {
  await requireMemberState(ctx, caller, workspaceId);
  const reader = await ctx.store.blobs.getBlob(workspaceId, blobId);
  if (reader === null) throw new ProtocolError('not_found', 'no such blob');
  await recordAudit(ctx, { actor: caller, action: 'blob_download', workspaceId, detail: { blobId, size: String(reader.info.size) } });
  return reader;
}
