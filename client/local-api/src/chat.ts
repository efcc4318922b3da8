/**
 * A workspace's chat and attachments: signed messages in the server's order, the
 * attachments they carry, transfer progress, and the requests that send, edit, delete,
 * upload and download.
 */
import { z } from 'zod';
import { deviceRefSchema, idSchema, sha256HexSchema, textSchema } from './fields';

/** An attachment a message carries, as answers describe it. */
export const attachmentSchema = z.object({
  blobId: z.string(),
  name: z.string(),
  type: z.string(),
  size: z.number().int().min(0),
  /** hex SHA-256 of the plaintext */
  sha256: z.string(),
});
/** An attachment. */
export type Attachment = z.infer<typeof attachmentSchema>;

/** A chat message. */
export const chatMessageSchema = z.object({
  /** random id chosen by the author */
  id: z.string(),
  workspaceId: z.string(),
  author: deviceRefSchema,
  authorName: z.string().optional(),
  authorOrgId: z.string().optional(),
  text: z.string(),
  attachments: z.array(attachmentSchema),
  /** the author's clock (ms) */
  sentAt: z.number(),
  /** the server's sequence: the order everybody sees */
  seq: z.number().int(),
  editedAt: z.number().optional(),
  deleted: z.boolean(),
  /** signature checked and author a member when sealed */
  verified: z.boolean(),
  /** not yet acknowledged by the server */
  pending: z.boolean(),
});
/** A chat message. */
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** Progress of an attachment upload or download. */
export const transferProgressSchema = z.object({
  transferId: z.string(),
  direction: z.enum(['upload', 'download']),
  name: z.string(),
  doneBytes: z.number().min(0),
  totalBytes: z.number().min(0),
});
/** Progress of an attachment transfer. */
export type TransferProgress = z.infer<typeof transferProgressSchema>;

/** Longest chat message text. */
const MAX_CHAT_TEXT_CHARS = 10_000;
/** Most attachments one message carries. */
const MAX_ATTACHMENTS_PER_MESSAGE = 20;

const mimeTypeSchema = z.string().max(127).regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i, 'must be a MIME type like text/plain');
const fileNameSchema = textSchema(255).refine((name) => !/[/\\]/.test(name), 'must not contain a path');

/** An attachment as a sent message names it: exactly what its upload answered. */
const attachmentRefSchema = z.strictObject({
  blobId: idSchema,
  name: fileNameSchema,
  type: mimeTypeSchema,
  size: z.int().min(0),
  sha256: sha256HexSchema,
});

/** Path parameters of `/api/workspaces/:workspaceId/chat/:messageId`. */
export const messageParamsSchema = z.strictObject({ workspaceId: idSchema, messageId: idSchema });
/** Path parameters of `/api/workspaces/:workspaceId/attachments/:blobId`. */
export const attachmentParamsSchema = z.strictObject({ workspaceId: idSchema, blobId: idSchema });

/** Body of sending a message: text, attachments, or both. */
export const sendChatRequestSchema = z
  .strictObject({
    text: z.string().max(MAX_CHAT_TEXT_CHARS),
    attachments: z.array(attachmentRefSchema).max(MAX_ATTACHMENTS_PER_MESSAGE).optional(),
  })
  .refine((m) => /\S/u.test(m.text) || (m.attachments?.length ?? 0) > 0, 'a message needs text or an attachment');
/** Body of editing an own message. */
export const editChatRequestSchema = z.strictObject({
  text: z
    .string()
    .max(MAX_CHAT_TEXT_CHARS)
    .refine((t) => /\S/u.test(t), 'must not be blank'),
});

/**
 * Query of an upload (the body is the file's raw bytes). The UI names the transfer so it
 * can follow its progress on the `/events` stream.
 */
export const uploadQuerySchema = z.strictObject({
  name: fileNameSchema,
  type: mimeTypeSchema.default('application/octet-stream'),
  transferId: idSchema.optional(),
});
/** Query of a download (the answer is the file's bytes, always as an attachment). */
export const downloadQuerySchema = z.strictObject({ transferId: idSchema.optional() });

/** Answer of an upload: the ref the next message carries, and the transfer's id. */
export const uploadResponseSchema = z.object({ attachment: attachmentSchema, transferId: z.string() });
