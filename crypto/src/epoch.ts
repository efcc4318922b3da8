/**
 * Workspace epoch keys and their distribution: a fresh 32-byte key per workspace epoch,
 * sent to each member device as a pairwise control message.
 */
import { z } from 'zod';
import type { Bytes } from './bytes';
import { canonicalJson, fromBase64, fromUtf8, randomBytes, toBase64, utf8 } from './bytes';
import type { DecryptFailure, EncryptFailure, SignalStores } from './sessions';
import { decryptControl, encryptControl } from './sessions';
import type { ControlMessage, DeviceRef } from './types';

/** Length of an epoch key in bytes. */
export const EPOCH_KEY_BYTES = 32;

/** Bound on a workspace id inside a key-distribution payload. */
const MAX_WORKSPACE_ID_CHARS = 128;

/** A fresh random epoch key. */
export function generateEpochKey(): Bytes {
  return randomBytes(EPOCH_KEY_BYTES);
}

/** The decrypted control payload that carries an epoch key. */
export const epochKeyPayloadSchema = z.strictObject({
  t: z.literal('epoch_key'),
  v: z.literal(1),
  workspaceId: z.string().min(1).max(MAX_WORKSPACE_ID_CHARS),
  epoch: z.int().min(0),
  key: z
    .string()
    .length(Math.ceil(EPOCH_KEY_BYTES / 3) * 4)
    .refine((text) => fromBase64(text)?.byteLength === EPOCH_KEY_BYTES, 'not a base64 key of 32 bytes'),
});

/** The typed content of a key-distribution payload. */
export interface EpochKeyGrant {
  readonly workspaceId: string;
  readonly epoch: number;
  readonly key: Bytes;
}

/** The plaintext of a key-distribution control message. Throws RangeError for a key that is not 32 bytes. */
export function encodeEpochKeyPayload(grant: { workspaceId: string; epoch: number; key: Uint8Array }): Bytes {
  if (grant.key.byteLength !== EPOCH_KEY_BYTES) throw new RangeError(`epoch key must be ${EPOCH_KEY_BYTES} bytes`);
  return utf8(canonicalJson({ t: 'epoch_key', v: 1, workspaceId: grant.workspaceId, epoch: grant.epoch, key: toBase64(grant.key) }));
}

/**
 * Parse a decrypted control payload as an epoch-key grant; undefined if it is anything
 * else (lets an agent dispatch decrypted control messages by their `t`). Never throws.
 */
export function parseEpochKeyPayload(plaintext: Uint8Array): EpochKeyGrant | undefined {
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(plaintext));
  } catch {
    return undefined;
  }
  const parsed = epochKeyPayloadSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const key = fromBase64(parsed.data.key);
  if (key === undefined) return undefined;
  return { workspaceId: parsed.data.workspaceId, epoch: parsed.data.epoch, key };
}

/**
 * Encrypt an epoch key for one recipient device over the pairwise session (which must
 * exist: see establishSession). An invalid grant is reported as `malformed`.
 */
export async function wrapEpochKey(
  stores: SignalStores,
  local: DeviceRef,
  recipient: DeviceRef,
  grant: { workspaceId: string; epoch: number; key: Uint8Array },
): Promise<{ ok: true; message: ControlMessage } | EncryptFailure> {
  let plaintext: Bytes;
  try {
    plaintext = encodeEpochKeyPayload(grant);
  } catch (error) {
    return { ok: false, code: 'malformed', detail: error instanceof Error ? error.message : 'invalid epoch key grant' };
  }
  // Refuse to send what the recipient's parser would refuse to read.
  if (parseEpochKeyPayload(plaintext) === undefined) return { ok: false, code: 'malformed', detail: 'invalid epoch key grant' };
  return encryptControl(stores, local, recipient, plaintext);
}

/**
 * Decrypt a control message from `sender` and read the epoch key in it. A message that
 * decrypts but is not an epoch-key payload is `malformed` (it is consumed either way).
 */
export async function unwrapEpochKey(
  stores: SignalStores,
  local: DeviceRef,
  sender: DeviceRef,
  message: unknown,
): Promise<({ ok: true } & EpochKeyGrant) | DecryptFailure> {
  const decrypted = await decryptControl(stores, local, sender, message);
  if (!decrypted.ok) return decrypted;
  const grant = parseEpochKeyPayload(decrypted.plaintext);
  if (grant === undefined) return { ok: false, code: 'malformed', detail: 'control message is not an epoch key payload' };
  return { ok: true, ...grant };
}
