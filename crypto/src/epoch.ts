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
import { textsFromWire, textsToWire, workspaceTextsWireSchema } from './workspace-texts';
import type { WorkspaceText } from './workspace-texts';

/** Length of an epoch key in bytes. */
export const EPOCH_KEY_BYTES = 32;

/** Bound on a workspace id inside a key-distribution payload. */
const MAX_WORKSPACE_ID_CHARS = 128;

/** A fresh random epoch key. */
export function generateEpochKey(): Bytes {
  return randomBytes(EPOCH_KEY_BYTES);
}

/** Most client names one key message carries. */
const MAX_NAMES_PER_GRANT = 64;

/**
 * A client's name as his inviter typed it, with the salt of the commitment in his client
 * certificate: it travels only inside pairwise-encrypted key messages, so members learn
 * the name and can check it against the certificate while the server never sees it.
 */
export interface ClientName {
  readonly userId: string;
  readonly name: string;
  readonly salt: Bytes;
}

const clientNameSchema = z.strictObject({
  userId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  name: z.string().min(1).max(100),
  salt: z.string().length(24).refine((text) => fromBase64(text)?.byteLength === 16, 'not a base64 salt of 16 bytes'),
});

/** The decrypted control payload that carries an epoch key. */
const epochKeyPayloadSchema = z.strictObject({
  t: z.literal('epoch_key'),
  v: z.literal(1),
  workspaceId: z.string().min(1).max(MAX_WORKSPACE_ID_CHARS),
  epoch: z.int().min(0),
  key: z
    .string()
    .length(Math.ceil(EPOCH_KEY_BYTES / 3) * 4)
    .refine((text) => fromBase64(text)?.byteLength === EPOCH_KEY_BYTES, 'not a base64 key of 32 bytes'),
  names: z.array(clientNameSchema).min(1).max(MAX_NAMES_PER_GRANT).optional(),
  texts: workspaceTextsWireSchema.optional(),
});

/** The typed content of a key-distribution payload. */
export interface EpochKeyGrant {
  readonly workspaceId: string;
  readonly epoch: number;
  readonly key: Bytes;
  /** client names the sender knows for this workspace (checked by the receiver against certificates) */
  readonly names?: readonly ClientName[];
  /** the workspace's label and consent purpose the sender knows (checked by the receiver against the chain's commitments) */
  readonly texts?: readonly WorkspaceText[];
}

/** What a sender puts into a key message. */
export interface EpochKeyGrantInput {
  readonly workspaceId: string;
  readonly epoch: number;
  readonly key: Uint8Array;
  readonly names?: readonly ClientName[];
  readonly texts?: readonly WorkspaceText[];
}

/** The plaintext of a key-distribution control message. Throws RangeError for a key that is not 32 bytes. */
export function encodeEpochKeyPayload(grant: EpochKeyGrantInput): Bytes {
  if (grant.key.byteLength !== EPOCH_KEY_BYTES) throw new RangeError(`epoch key must be ${EPOCH_KEY_BYTES} bytes`);
  const names = (grant.names ?? []).map((n) => ({ userId: n.userId, name: n.name, salt: toBase64(n.salt) }));
  const texts = textsToWire(grant.texts ?? []);
  return utf8(
    canonicalJson({
      t: 'epoch_key', v: 1, workspaceId: grant.workspaceId, epoch: grant.epoch, key: toBase64(grant.key), ...(names.length === 0 ? {} : { names }),
      ...(texts.length === 0 ? {} : { texts }),
    }),
  );
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
  const names = (parsed.data.names ?? []).flatMap((n) => {
    const salt = fromBase64(n.salt);
    return salt === undefined ? [] : [{ userId: n.userId, name: n.name, salt }];
  });
  const texts = textsFromWire(parsed.data.texts ?? []);
  return {
    workspaceId: parsed.data.workspaceId, epoch: parsed.data.epoch, key, ...(names.length === 0 ? {} : { names }), ...(texts.length === 0 ? {} : { texts }),
  };
}

/**
 * Encrypt an epoch key for one recipient device over the pairwise session (which must
 * exist: see establishSession). An invalid grant is reported as `malformed`.
 */
export async function wrapEpochKey(
  stores: SignalStores,
  local: DeviceRef,
  recipient: DeviceRef,
  grant: EpochKeyGrantInput,
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
