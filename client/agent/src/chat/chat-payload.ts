/**
 * The plaintext of chat envelopes: JSON `{ t: 'msg', id, text, attachments }`,
 * `{ t: 'edit', id, text }` or `{ t: 'delete', id }`. Attachments carry their file key and
 * nonce prefix, which therefore only ever travel sealed inside a signed envelope.
 * Received payloads are parsed from `unknown` with these schemas.
 */
import { z } from 'zod';
import { fromUtf8, utf8 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { base64BytesSchema, idSchema, sha256HexSchema, textSchema } from '@yhteispoyta/crypto/protocol';
import { ATTACHMENT_KEY_BYTES, ATTACHMENT_NONCE_PREFIX_BYTES, MAX_ATTACHMENT_BYTES } from './attachment-cipher';

/** Longest message text, in UTF-16 code units. */
const MAX_MESSAGE_CHARS = 10_000;
/** Most attachments on one message. */
const MAX_ATTACHMENTS = 16;

/**
 * Characters refused in message text: control characters other than tab and newline, and
 * bidirectional overrides, which could make a message render as something else.
 */
const FORBIDDEN_IN_TEXT = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** Message text: at most MAX_MESSAGE_CHARS, no forbidden characters (may be empty when attachments carry the message). */
const messageTextSchema = z
  .string()
  .max(MAX_MESSAGE_CHARS)
  .refine((s) => !FORBIDDEN_IN_TEXT.test(s), 'must not contain control or bidirectional-override characters');

/** A MIME type like `application/pdf`. */
export const mimeTypeSchema = z.string().max(127).regex(/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/);

/** A file name as shown to people. */
export const fileNameSchema = textSchema(255);

/** An attachment reference as it travels inside a message. */
export const sealedAttachmentSchema = z.strictObject({
  blobId: idSchema,
  name: fileNameSchema,
  type: mimeTypeSchema,
  size: z.int().min(0).max(MAX_ATTACHMENT_BYTES),
  sha256: sha256HexSchema,
  key: base64BytesSchema(ATTACHMENT_KEY_BYTES, ATTACHMENT_KEY_BYTES),
  noncePrefix: base64BytesSchema(ATTACHMENT_NONCE_PREFIX_BYTES, ATTACHMENT_NONCE_PREFIX_BYTES),
});
/** An attachment reference with its key material. */
export type SealedAttachment = z.infer<typeof sealedAttachmentSchema>;

/** Any chat payload. */
export const chatPayloadSchema = z.discriminatedUnion('t', [
  z
    .strictObject({
      t: z.literal('msg'),
      id: idSchema,
      text: messageTextSchema,
      attachments: z.array(sealedAttachmentSchema).max(MAX_ATTACHMENTS),
    })
    .refine((m) => /\S/u.test(m.text) || m.attachments.length > 0, 'a message needs text or an attachment'),
  z.strictObject({ t: z.literal('edit'), id: idSchema, text: messageTextSchema.refine((s) => /\S/u.test(s), 'must not be blank') }),
  z.strictObject({ t: z.literal('delete'), id: idSchema }),
]);
/** A chat payload. */
export type ChatPayload = z.infer<typeof chatPayloadSchema>;

/** Result of {@link parseChatPayload}. */
export type ParseChatPayloadResult = { readonly ok: true; readonly payload: ChatPayload } | { readonly ok: false; readonly detail: string };

/** Parses an untrusted plaintext as a chat payload. Never throws. */
export function parseChatPayload(plaintext: Uint8Array): ParseChatPayloadResult {
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(plaintext));
  } catch {
    return { ok: false, detail: 'not UTF-8 JSON' };
  }
  const parsed = chatPayloadSchema.safeParse(json);
  if (!parsed.success) return { ok: false, detail: 'not a chat payload' };
  return { ok: true, payload: parsed.data };
}

/** The plaintext of a payload. Throws RangeError when the payload would not pass {@link parseChatPayload}: our own data. */
export function encodeChatPayload(payload: ChatPayload): Bytes {
  const checked = chatPayloadSchema.safeParse(payload);
  if (!checked.success) throw new RangeError(`invalid chat payload: ${checked.error.issues[0]?.message ?? 'invalid'}`);
  return utf8(JSON.stringify(checked.data));
}
