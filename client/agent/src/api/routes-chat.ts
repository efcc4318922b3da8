/**
 * API routes of a workspace's chat and attachments. Attachments are uploaded as the raw
 * request body (name and type in the query) and come back as an AttachmentRef that the
 * next message carries; downloads are always served as `attachment` octet streams so a
 * file someone shared can never run as a page in the agent's origin.
 */
import { z } from 'zod';
import { idSchema, sha256HexSchema, textSchema } from '@yhteispoyta/crypto/protocol';
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import type { AgentHost } from '../agent';
import type { AttachmentRef } from '../contracts';
import { ApiError, baseHeaders, parseWith, readBody, readJson } from './http-util';
import type { RouteRequest, Router } from './router';
import { JsonReply, RESPONDED } from './router';
import { requireSession } from './routes-host';

/** Longest chat message text. */
export const MAX_CHAT_TEXT_CHARS = 10_000;
/** Most attachments one message carries. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 20;

const mimeTypeSchema = z.string().max(127).regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i, 'must be a MIME type like text/plain');
const fileNameSchema = textSchema(255).refine((name) => !/[/\\]/.test(name), 'must not contain a path');

const attachmentRefSchema = z.strictObject({
  blobId: idSchema,
  name: fileNameSchema,
  type: mimeTypeSchema,
  size: z.int().min(0),
  sha256: sha256HexSchema,
});
const sendSchema = z
  .strictObject({
    text: z.string().max(MAX_CHAT_TEXT_CHARS),
    attachments: z.array(attachmentRefSchema).max(MAX_ATTACHMENTS_PER_MESSAGE).optional(),
  })
  .refine((m) => /\S/u.test(m.text) || (m.attachments?.length ?? 0) > 0, 'a message needs text or an attachment');
const editSchema = z.strictObject({ text: z.string().max(MAX_CHAT_TEXT_CHARS).refine((t) => /\S/u.test(t), 'must not be blank') });
const uploadQuerySchema = z.strictObject({
  name: fileNameSchema,
  type: mimeTypeSchema.default('application/octet-stream'),
  transferId: idSchema.optional(),
});
// The UI names the download so it can follow its progress on the `/events` stream.
const downloadQuerySchema = z.strictObject({ transferId: idSchema.optional() });

function workspaceId({ params }: RouteRequest): string {
  return parseWith(idSchema, params.workspaceId, 'workspaceId');
}

/** `Content-Disposition` for a download, with an ASCII fallback and the UTF-8 name (RFC 6266). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Register the chat and attachment routes. */
export function registerChatRoutes(router: Router, host: AgentHost): void {
  const chat = () => requireSession(host).chat;

  router
    .add('GET', '/api/workspaces/:workspaceId/chat', async (request) => ({ messages: await chat().list(workspaceId(request)) }))
    .add('POST', '/api/workspaces/:workspaceId/chat', async (request) => {
      const id = workspaceId(request);
      const { text, attachments } = await readJson(request.req, sendSchema);
      return new JsonReply(201, { message: await chat().send(id, text, attachments ?? []) });
    })
    .add('PUT', '/api/workspaces/:workspaceId/chat/:messageId', async (request) => {
      const id = workspaceId(request);
      const messageId = parseWith(idSchema, request.params.messageId, 'messageId');
      const { text } = await readJson(request.req, editSchema);
      await chat().edit(id, messageId, text);
      return {};
    })
    .add('DELETE', '/api/workspaces/:workspaceId/chat/:messageId', async (request) => {
      const id = workspaceId(request);
      await chat().remove(id, parseWith(idSchema, request.params.messageId, 'messageId'));
      return {};
    })
    .add('POST', '/api/workspaces/:workspaceId/attachments', async (request) => {
      const id = workspaceId(request);
      const query = parseWith(uploadQuerySchema, Object.fromEntries(request.query), 'query');
      const service = chat();
      const bytes = await readBody(request.req, host.config.maxAttachmentBytes);
      const transferId = query.transferId ?? Buffer.from(randomBytes(12)).toString('base64url');
      const attachment = await service.uploadAttachment(id, { name: query.name, type: query.type, bytes }, transferId);
      return new JsonReply(201, { attachment, transferId });
    })
    .add('GET', '/api/workspaces/:workspaceId/attachments/:blobId', async (request) => {
      const id = workspaceId(request);
      const blobId = parseWith(idSchema, request.params.blobId, 'blobId');
      const { transferId } = parseWith(downloadQuerySchema, Object.fromEntries(request.query), 'query');
      const service = chat();
      const ref = findAttachment(await service.list(id), blobId);
      if (ref === undefined) throw new ApiError(404, 'not_found', 'No message of this workspace carries that attachment.');
      const bytes = await service.downloadAttachment(id, ref, transferId);
      request.res.writeHead(200, {
        ...baseHeaders(),
        'content-type': 'application/octet-stream',
        'content-length': bytes.byteLength,
        'content-disposition': contentDisposition(ref.name),
        'content-security-policy': "sandbox; default-src 'none'",
      });
      request.res.end(request.req.method === 'HEAD' ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return RESPONDED;
    });
}

function findAttachment(messages: readonly { readonly deleted: boolean; readonly attachments: readonly AttachmentRef[] }[], blobId: string): AttachmentRef | undefined {
  for (const message of messages) {
    if (message.deleted) continue;
    const ref = message.attachments.find((a) => a.blobId === blobId);
    if (ref !== undefined) return ref;
  }
  return undefined;
}
