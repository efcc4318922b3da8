/**
 * Pairwise libsignal sessions between two devices: building one from a claimed bundle,
 * and encrypting/decrypting the control messages (epoch keys and the like) that travel
 * through the server's mailboxes. Every failure is a typed result, never an exception.
 *
 * libsignal stores are not safe for concurrent use: callers run at most one operation at
 * a time per {@link SignalStores} (the agent queues them, as Signal Desktop does).
 */
import type { KyberPreKeyStore, PreKeyStore, SessionStore, SignedPreKeyStore } from '@signalapp/libsignal-client';
import {
  CiphertextMessageType,
  ErrorCode,
  KEMPublicKey,
  LibSignalErrorBase,
  PreKeyBundle,
  PreKeySignalMessage,
  PublicKey,
  SignalMessage,
  processPreKeyBundle,
  signalDecrypt,
  signalDecryptPreKey,
  signalEncrypt,
} from '@signalapp/libsignal-client';
import { z } from 'zod';
import type { Bytes } from './bytes';
import { fromBase64, toBase64, toBytes } from './bytes';
import { deviceRefSchema, toProtocolAddress } from './identity';
import type { TofuIdentityKeyStore } from './identity-store';
import { verifyClaimedBundle } from './prekeys';
import type { ClaimedBundle, ControlMessage, DeviceRef } from './types';

/** The five libsignal stores of one device. */
export interface SignalStores {
  readonly session: SessionStore;
  readonly identity: TofuIdentityKeyStore;
  readonly preKey: PreKeyStore;
  readonly signedPreKey: SignedPreKeyStore;
  readonly kyberPreKey: KyberPreKeyStore;
}

/** Upper bound of a control message body (base64 characters). */
export const MAX_CONTROL_BODY_CHARS = 64 * 1024;

/**
 * Largest plaintext {@link encryptControl} accepts: with the prekey-message overhead (Kyber
 * ciphertext, keys, MAC) and base64 it stays under {@link MAX_CONTROL_BODY_CHARS}. Checked
 * before encrypting, so an oversized message does not advance the ratchet.
 */
export const MAX_CONTROL_PLAINTEXT_BYTES = 45 * 1024;

/** A {@link ControlMessage} from untrusted input. */
export const controlMessageSchema = z.object({
  kind: z.enum(['prekey', 'signal']),
  body: z
    .string()
    .min(1)
    .max(MAX_CONTROL_BODY_CHARS)
    .refine((text) => fromBase64(text) !== undefined, 'not canonical base64'),
});

const _controlSchemaMatchesType: z.ZodType<ControlMessage> = controlMessageSchema;

/** The remote device presented an identity key other than the one on record (and not yet accepted). */
export interface IdentityChanged {
  readonly ok: false;
  readonly code: 'identity_changed';
  readonly remote: DeviceRef;
  /**
   * base64 of the identity key the remote presented that differs from the one on record
   * (for the safety-number prompt); undefined if the store did not report it
   */
  readonly newIdentityKey: string | undefined;
  readonly detail: string;
}

/** A session operation that failed for a reason other than an identity change. */
export interface SessionError<C extends string> {
  readonly ok: false;
  readonly code: C;
  readonly detail: string;
}

/** Why {@link establishSession} failed; `failed` is anything libsignal or a store refused. */
export type EstablishFailure = IdentityChanged | SessionError<'malformed' | 'bad_signature' | 'failed'>;
/** Why {@link encryptControl} failed. */
export type EncryptFailure = IdentityChanged | SessionError<'malformed' | 'no_session' | 'too_large' | 'failed'>;
/**
 * Why {@link decryptControl} failed: `invalid_key` means the message needs a prekey this
 * device no longer (or never) held; `invalid_message` covers failed authentication and
 * anything else libsignal or a store refused.
 */
export type DecryptFailure =
  | IdentityChanged
  | SessionError<'malformed' | 'no_session' | 'duplicate' | 'invalid_message' | 'invalid_key'>;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function parseRefs(local: unknown, remote: unknown): { local: DeviceRef; remote: DeviceRef } | SessionError<'malformed'> {
  const l = deviceRefSchema.safeParse(local);
  const r = deviceRefSchema.safeParse(remote);
  if (!l.success || !r.success) return { ok: false, code: 'malformed', detail: 'invalid device reference' };
  if (l.data.userId === r.data.userId && l.data.deviceId === r.data.deviceId) {
    return { ok: false, code: 'malformed', detail: 'a device has no session with itself' };
  }
  return { local: l.data, remote: r.data };
}

function identityChanged(stores: SignalStores, remote: DeviceRef, error: unknown, presented?: string): IdentityChanged {
  let newIdentityKey = presented;
  if (newIdentityKey === undefined) {
    const refused = stores.identity.refusedIdentity(remote);
    newIdentityKey = refused === undefined ? undefined : toBase64(refused.serialize());
  }
  return { ok: false, code: 'identity_changed', remote, newIdentityKey, detail: describe(error) };
}

function isUntrustedIdentity(error: unknown): boolean {
  return LibSignalErrorBase.is(error, ErrorCode.UntrustedIdentity);
}

/** Whether there is a session with `remote` that can send. Never throws (false on any failure). */
export async function hasSession(stores: SignalStores, remote: DeviceRef): Promise<boolean> {
  const parsed = deviceRefSchema.safeParse(remote);
  if (!parsed.success) return false;
  try {
    const record = await stores.session.getSession(toProtocolAddress(parsed.data));
    return record !== null && record.hasCurrentState();
  } catch {
    return false;
  }
}

/**
 * Build a session with the bundle's device (PQXDH via `processPreKeyBundle`). The bundle
 * is verified again here, whatever its static type says. A bundle whose identity differs
 * from the one on record fails with `identity_changed` until the change is accepted.
 */
export async function establishSession(
  stores: SignalStores,
  local: DeviceRef,
  bundle: ClaimedBundle,
): Promise<{ ok: true; remote: DeviceRef } | EstablishFailure> {
  const verified = verifyClaimedBundle(bundle);
  if (!verified.ok) return { ok: false, code: verified.code, detail: verified.detail };
  const b = verified.bundle;
  const refs = parseRefs(local, b.device);
  if ('ok' in refs) return refs;
  let preKeyBundle: PreKeyBundle;
  try {
    const decode = (text: string): Bytes => {
      const bytes = fromBase64(text);
      if (bytes === undefined) throw new Error('not base64');
      return bytes;
    };
    preKeyBundle = PreKeyBundle.new(
      b.registrationId,
      b.device.deviceId,
      b.preKey?.id ?? null,
      b.preKey ? PublicKey.deserialize(decode(b.preKey.publicKey)) : null,
      b.signedPreKey.id,
      PublicKey.deserialize(decode(b.signedPreKey.publicKey)),
      decode(b.signedPreKey.signature),
      PublicKey.deserialize(decode(b.identityKey)),
      b.kyberPreKey.id,
      KEMPublicKey.deserialize(decode(b.kyberPreKey.publicKey)),
      decode(b.kyberPreKey.signature),
    );
  } catch (error) {
    return { ok: false, code: 'malformed', detail: describe(error) };
  }
  try {
    await processPreKeyBundle(
      preKeyBundle,
      toProtocolAddress(refs.remote),
      toProtocolAddress(refs.local),
      stores.session,
      stores.identity,
    );
    return { ok: true, remote: refs.remote };
  } catch (error) {
    if (isUntrustedIdentity(error)) return identityChanged(stores, refs.remote, error, b.identityKey);
    return { ok: false, code: 'failed', detail: describe(error) };
  }
}

/**
 * Encrypt `plaintext` for `remote` on the existing session: the first messages before
 * any reply are `prekey` messages, later ones `signal` messages.
 */
export async function encryptControl(
  stores: SignalStores,
  local: DeviceRef,
  remote: DeviceRef,
  plaintext: Uint8Array,
): Promise<{ ok: true; message: ControlMessage } | EncryptFailure> {
  const refs = parseRefs(local, remote);
  if ('ok' in refs) return refs;
  if (!(plaintext instanceof Uint8Array)) return { ok: false, code: 'malformed', detail: 'plaintext is not bytes' };
  if (plaintext.byteLength > MAX_CONTROL_PLAINTEXT_BYTES) {
    return { ok: false, code: 'too_large', detail: `plaintext of ${plaintext.byteLength} bytes exceeds ${MAX_CONTROL_PLAINTEXT_BYTES}` };
  }
  if (!(await hasSession(stores, refs.remote))) {
    return { ok: false, code: 'no_session', detail: `no session with ${refs.remote.userId}.${refs.remote.deviceId}` };
  }
  try {
    const ciphertext = await signalEncrypt(
      toBytes(plaintext),
      toProtocolAddress(refs.remote),
      toProtocolAddress(refs.local),
      stores.session,
      stores.identity,
    );
    const type = ciphertext.type();
    const kind = type === CiphertextMessageType.PreKey ? 'prekey' : type === CiphertextMessageType.Whisper ? 'signal' : undefined;
    if (kind === undefined) return { ok: false, code: 'failed', detail: `unexpected ciphertext type ${type}` };
    const body = toBase64(ciphertext.serialize());
    if (body.length > MAX_CONTROL_BODY_CHARS) {
      return { ok: false, code: 'too_large', detail: `ciphertext of ${body.length} base64 characters exceeds the limit` };
    }
    return { ok: true, message: { kind, body } };
  } catch (error) {
    if (isUntrustedIdentity(error)) return identityChanged(stores, refs.remote, error);
    return { ok: false, code: 'failed', detail: describe(error) };
  }
}

// A libsignal failure on a prekey message may be a prekey we no longer hold (a replay after
// the key was used, or a message meant for an earlier installation). Asking the stores only
// after the failure keeps duplicates of a processed message reported as duplicates.
async function missingPrekey(stores: SignalStores, message: PreKeySignalMessage): Promise<string | undefined> {
  const signedPreKeyId = message.signedPreKeyId();
  try {
    await stores.signedPreKey.getSignedPreKey(signedPreKeyId);
  } catch {
    return `signed prekey ${signedPreKeyId} is not held`;
  }
  const preKeyId = message.preKeyId();
  if (preKeyId === null) return undefined;
  try {
    await stores.preKey.getPreKey(preKeyId);
    return undefined;
  } catch {
    return `one-time prekey ${preKeyId} is not held`;
  }
}

async function decryptPreKeyMessage(stores: SignalStores, refs: { local: DeviceRef; remote: DeviceRef }, body: Bytes): Promise<{ ok: true; plaintext: Bytes } | DecryptFailure> {
  let message: PreKeySignalMessage;
  try {
    message = PreKeySignalMessage.deserialize(body);
  } catch (error) {
    return { ok: false, code: 'malformed', detail: describe(error) };
  }
  try {
    const plaintext = await signalDecryptPreKey(
      message,
      toProtocolAddress(refs.remote),
      toProtocolAddress(refs.local),
      stores.session,
      stores.identity,
      stores.preKey,
      stores.signedPreKey,
      stores.kyberPreKey,
    );
    return { ok: true, plaintext: toBytes(plaintext) };
  } catch (error) {
    const common = commonDecryptFailure(stores, refs.remote, error);
    if (common) return common;
    const missing = await missingPrekey(stores, message);
    if (missing !== undefined) return { ok: false, code: 'invalid_key', detail: missing };
    return { ok: false, code: 'invalid_message', detail: describe(error) };
  }
}

async function decryptSignalMessage(stores: SignalStores, refs: { local: DeviceRef; remote: DeviceRef }, body: Bytes): Promise<{ ok: true; plaintext: Bytes } | DecryptFailure> {
  let message: SignalMessage;
  try {
    message = SignalMessage.deserialize(body);
  } catch (error) {
    return { ok: false, code: 'malformed', detail: describe(error) };
  }
  try {
    // libsignal reports a missing session only as a generic error: look first.
    if ((await stores.session.getSession(toProtocolAddress(refs.remote))) === null) {
      return { ok: false, code: 'no_session', detail: `no session with ${refs.remote.userId}.${refs.remote.deviceId}` };
    }
    const plaintext = await signalDecrypt(
      message,
      toProtocolAddress(refs.remote),
      toProtocolAddress(refs.local),
      stores.session,
      stores.identity,
    );
    return { ok: true, plaintext: toBytes(plaintext) };
  } catch (error) {
    return commonDecryptFailure(stores, refs.remote, error) ?? { ok: false, code: 'invalid_message', detail: describe(error) };
  }
}

function commonDecryptFailure(stores: SignalStores, remote: DeviceRef, error: unknown): DecryptFailure | undefined {
  if (isUntrustedIdentity(error)) return identityChanged(stores, remote, error);
  if (LibSignalErrorBase.is(error, ErrorCode.DuplicatedMessage)) return { ok: false, code: 'duplicate', detail: describe(error) };
  if (LibSignalErrorBase.is(error, ErrorCode.InvalidSession)) return { ok: false, code: 'no_session', detail: describe(error) };
  return undefined;
}

/**
 * Decrypt a control message from `remote`. Hostile input of any shape yields a typed
 * failure; a changed sender identity is reported, never trusted.
 */
export async function decryptControl(
  stores: SignalStores,
  local: DeviceRef,
  remote: DeviceRef,
  message: unknown,
): Promise<{ ok: true; plaintext: Bytes } | DecryptFailure> {
  const refs = parseRefs(local, remote);
  if ('ok' in refs) return refs;
  const parsed = controlMessageSchema.safeParse(message);
  if (!parsed.success) return { ok: false, code: 'malformed', detail: z.prettifyError(parsed.error) };
  const body = fromBase64(parsed.data.body);
  if (body === undefined) return { ok: false, code: 'malformed', detail: 'body is not base64' };
  return parsed.data.kind === 'prekey' ? decryptPreKeyMessage(stores, refs, body) : decryptSignalMessage(stores, refs, body);
}
