/**
 * Handlers of a workspace's chat and attachment routes. Attachments are uploaded as the
 * raw request body (name and type in the query) and come back as an AttachmentRef that
 * the next message carries; downloads are always served as `attachment` octet streams so
 * a file someone shared can never run as a page in the agent's origin.
 */
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import type { AgentHost } from '../agent';
import type { AttachmentRef } from '../contracts';
import { ApiError, baseHeaders, readBody } from './http-util';
import type { RouteHandlers } from './route-binding';
import { requireSession } from './routes-host';

/** `Content-Disposition` for a download, with an ASCII fallback and the UTF-8 name (RFC 6266). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** The chat and attachment routes. */
export function chatRoutes(host: AgentHost) {
  const chat = () => requireSession(host).chat;

  return {
    listChat: async ({ params }) => ({ messages: await chat().list(params.workspaceId) }),
    sendChat: async ({ params, body }) => ({ message: await chat().send(params.workspaceId, body.text, body.attachments ?? []) }),
    editChat: async ({ params, body }) => {
      await chat().edit(params.workspaceId, params.messageId, body.text);
      return {};
    },
    deleteChat: async ({ params }) => {
      await chat().remove(params.workspaceId, params.messageId);
      return {};
    },
    uploadAttachment: async ({ params, query, req }) => {
      const service = chat();
      const bytes = await readBody(req, host.config.maxAttachmentBytes);
      const transferId = query.transferId ?? Buffer.from(randomBytes(12)).toString('base64url');
      const attachment = await service.uploadAttachment(params.workspaceId, { name: query.name, type: query.type, bytes }, transferId);
      return { attachment, transferId };
    },
    downloadAttachment: async ({ params, query, req, res }) => {
      const service = chat();
      const ref =
        findAttachment(await service.list(params.workspaceId), params.blobId) ?? requireSession(host).records.attachment(params.workspaceId, params.blobId);
      if (ref === undefined) throw new ApiError(404, 'not_found', 'No message or record of this workspace carries that attachment.');
      const bytes = await service.downloadAttachment(params.workspaceId, ref, query.transferId);
      res.writeHead(200, {
        ...baseHeaders(),
        'content-type': 'application/octet-stream',
        'content-length': bytes.byteLength,
        'content-disposition': contentDisposition(ref.name),
        'content-security-policy': "sandbox; default-src 'none'",
      });
      res.end(req.method === 'HEAD' ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  } satisfies Partial<RouteHandlers>;
}

function findAttachment(messages: readonly { readonly deleted: boolean; readonly attachments: readonly AttachmentRef[] }[], blobId: string): AttachmentRef | undefined {
  for (const message of messages) {
    if (message.deleted) continue;
    const ref = message.attachments.find((a) => a.blobId === blobId);
    if (ref !== undefined) return ref;
  }
  return undefined;
}
