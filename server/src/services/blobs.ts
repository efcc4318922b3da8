/**
 * Attachment blobs (docs/design.md §5): opaque encrypted bytes, streamed in and out, readable and
 * writable only by current member devices of their workspace. The size limit is enforced
 * by the store while the bytes stream in; a refused upload leaves nothing behind.
 *
 * Quotas (issue 15, limits-config.ts): bytes and number of blobs per uploading user and
 * per workspace; an upload gets at most what is left of both (`quota_exceeded`, 413).
 * A blob counts until maintenance removes it: those no member confirmed as referenced by a
 * sent message or record (confirmBlobs) go after BLOB_UNREFERENCED_TTL_SECONDS
 * (maintenance/unreferenced-blobs.ts), so uploads nobody sends cannot pile up. Concurrent
 * uploads are each checked against the usage before them: together they may pass a quota
 * by what was in flight.
 */
import { MAX_BLOB_BYTES, ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { BlobUploadResponse } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import type { BlobReader } from '../store/port';
import { recordAudit } from './audit';
import type { ChainReader } from './chain-cache';
import { requireMemberState } from './membership';

/** What an authorized upload may store: at most `maxBytes`, the protocol's limit or what the quotas leave. */
export interface UploadAllowance {
  readonly maxBytes: number;
  /** whether `maxBytes` is a quota's remainder rather than the protocol's blob limit */
  readonly byQuota: boolean;
}

/**
 * Check that the caller may upload into the workspace (a current member device of an
 * open workspace, with room left in his and the workspace's quotas), before a single
 * byte of the body is read.
 */
export async function authorizeBlobUpload(ctx: ChainReader & Needs<'blobs', 'config'>, caller: DeviceRef, workspaceId: string): Promise<UploadAllowance> {
  const state = await requireMemberState(ctx, caller, workspaceId);
  if (state.closed) throw new ProtocolError('forbidden', 'the workspace is closed');
  const quotas = ctx.config.limits.quotas;
  const [mine, theirs] = await Promise.all([
    ctx.store.blobs.blobUsage({ userId: caller.userId }),
    ctx.store.blobs.blobUsage({ workspaceId }),
  ]);
  if (mine.count >= quotas.blobsPerUser) throw new ProtocolError('quota_exceeded', `you may keep at most ${quotas.blobsPerUser} attachments`);
  if (theirs.count >= quotas.blobsPerWorkspace) throw new ProtocolError('quota_exceeded', `a workspace may hold at most ${quotas.blobsPerWorkspace} attachments`);
  const left = Math.min(quotas.blobBytesPerUser - mine.bytes, quotas.blobBytesPerWorkspace - theirs.bytes);
  return left < MAX_BLOB_BYTES ? { maxBytes: Math.max(0, left), byQuota: true } : { maxBytes: MAX_BLOB_BYTES, byQuota: false };
}

function tooMuch(allowance: UploadAllowance): ProtocolError {
  return allowance.byQuota
    ? new ProtocolError('quota_exceeded', `the attachment space left for you or this workspace is ${allowance.maxBytes} bytes`)
    : new ProtocolError('too_large', `a blob may have at most ${MAX_BLOB_BYTES} bytes`);
}

/**
 * Store a blob streamed from `source` (authorize first with {@link authorizeBlobUpload}).
 * More than the allowance → `too_large` or `quota_exceeded`, with nothing stored: a
 * declared length (`declaredLength`, -1 when the body is chunked) before a byte is read,
 * an undeclared one as soon as the stream passes it.
 */
export async function storeBlob(
  ctx: Needs<'blobs' | 'workspaces' | 'audit', 'now'>,
  caller: DeviceRef,
  workspaceId: string,
  upload: { readonly declaredLength: number; readonly body: () => AsyncIterable<Uint8Array> },
  allowance: UploadAllowance,
): Promise<BlobUploadResponse> {
  if (upload.declaredLength > allowance.maxBytes) throw tooMuch(allowance);
  const source = upload.body();
  const put = await ctx.store.blobs.putBlob(workspaceId, source, allowance.maxBytes, ctx.now(), caller.userId);
  if (!put.ok) throw tooMuch(allowance);
  await ctx.store.workspaces.touchWorkspace(workspaceId, ctx.now());
  await recordAudit(ctx, {
    actor: caller,
    action: 'blob_upload',
    workspaceId,
    detail: { blobId: put.blob.id, size: String(put.blob.size) },
  });
  return { blobId: put.blob.id, size: put.blob.size };
}

/**
 * Confirm that a message or record the caller sent references these blobs of the
 * workspace, so the unreferenced-blob job keeps them; the caller must be a current member
 * device. Answers how many were newly confirmed (others' workspaces' ids change nothing).
 */
export async function confirmBlobs(ctx: ChainReader & Needs<'blobs', 'now'>, caller: DeviceRef, workspaceId: string, blobIds: readonly string[]): Promise<{ confirmed: number }> {
  await requireMemberState(ctx, caller, workspaceId);
  // Not audited: the upload is, and its confirmation is bookkeeping that says nothing new of anyone.
  return { confirmed: await ctx.store.blobs.confirmBlobs(workspaceId, blobIds, ctx.now()) };
}

/** Open a blob of the workspace for reading; the caller must be a current member device. */
export async function openBlob(ctx: Needs<'workspaces' | 'directory' | 'blobs' | 'audit', 'now'>, caller: DeviceRef, workspaceId: string, blobId: string): Promise<BlobReader> {
  await requireMemberState(ctx, caller, workspaceId);
  const reader = await ctx.store.blobs.getBlob(workspaceId, blobId);
  if (reader === null) throw new ProtocolError('not_found', 'no such blob');
  await recordAudit(ctx, { actor: caller, action: 'blob_download', workspaceId, detail: { blobId, size: String(reader.info.size) } });
  return reader;
}
