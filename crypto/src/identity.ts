/**
 * A device's long-term libsignal identity, its persisted form, and the parsing of the
 * device references and public keys that arrive from the network.
 */
import { IdentityKeyPair, ProtocolAddress, PublicKey } from '@signalapp/libsignal-client';
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { Bytes } from './bytes';
import { canonicalJson, fromBase64, fromUtf8, toBase64, toBytes, utf8 } from './bytes';
import type { DeviceRef } from './types';
import { MAX_DEVICE_ID, MIN_DEVICE_ID } from './types';

/** libsignal registration ids are 14-bit and Signal keeps them in 1..16380. */
const MIN_REGISTRATION_ID = 1;
/** Upper bound of a registration id (inclusive). */
const MAX_REGISTRATION_ID = 16380;

/** One device's long-term identity: the key pair that signs and authenticates everything it sends. */
export interface DeviceIdentity {
  readonly identityKeyPair: IdentityKeyPair;
  /** random, 1..16380; lets peers notice a reinstalled device */
  readonly registrationId: number;
  /** 1..127 */
  readonly deviceId: number;
}

/** userId as it appears in addresses: short and free of the `.` that separates the device id. */
const userIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** A device id as libsignal accepts it. */
export const deviceIdSchema = z.int().min(MIN_DEVICE_ID).max(MAX_DEVICE_ID);

/** A registration id as libsignal generates it. */
export const registrationIdSchema = z.int().min(MIN_REGISTRATION_ID).max(MAX_REGISTRATION_ID);

/** A {@link DeviceRef} parsed from untrusted input. */
export const deviceRefSchema = z.object({ userId: userIdSchema, deviceId: deviceIdSchema });

/**
 * Create a fresh identity for a device. Throws RangeError for a device id outside
 * 1..127: that is a programming error, never hostile input.
 */
export function generateDeviceIdentity(deviceId: number): DeviceIdentity {
  if (!deviceIdSchema.safeParse(deviceId).success) {
    throw new RangeError(`deviceId must be an integer in ${MIN_DEVICE_ID}..${MAX_DEVICE_ID}`);
  }
  return {
    identityKeyPair: IdentityKeyPair.generate(),
    registrationId: randomInt(MIN_REGISTRATION_ID, MAX_REGISTRATION_ID + 1),
    deviceId,
  };
}

// The persisted form is versioned JSON so a later format can be told apart from this one.
const persistedIdentitySchema = z.strictObject({
  t: z.literal('device_identity'),
  v: z.literal(1),
  identityKeyPair: z.string().max(256),
  registrationId: registrationIdSchema,
  deviceId: deviceIdSchema,
});

/** Far above the real size (~150 bytes); anything larger is not ours. */
const MAX_PERSISTED_IDENTITY_BYTES = 1024;

/** The bytes an agent stores (encrypted at rest) to restore this identity later. Contains the private key. */
export function serializeDeviceIdentity(identity: DeviceIdentity): Bytes {
  return utf8(
    canonicalJson({
      t: 'device_identity',
      v: 1,
      identityKeyPair: toBase64(identity.identityKeyPair.serialize()),
      registrationId: identity.registrationId,
      deviceId: identity.deviceId,
    }),
  );
}

/**
 * Restore an identity written by {@link serializeDeviceIdentity}. Returns undefined for
 * anything else (wrong type, bad JSON, out-of-range ids, a key pair whose halves do not
 * belong together); never throws.
 */
export function deserializeDeviceIdentity(bytes: unknown): DeviceIdentity | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength > MAX_PERSISTED_IDENTITY_BYTES) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(bytes));
  } catch {
    return undefined;
  }
  const parsed = persistedIdentitySchema.safeParse(json);
  if (!parsed.success) return undefined;
  const pairBytes = fromBase64(parsed.data.identityKeyPair);
  if (pairBytes === undefined) return undefined;
  try {
    const identityKeyPair = IdentityKeyPair.deserialize(pairBytes);
    // The serialized pair stores both halves separately; a mismatch means corruption.
    if (!identityKeyPair.privateKey.getPublicKey().equals(identityKeyPair.publicKey)) return undefined;
    return { identityKeyPair, registrationId: parsed.data.registrationId, deviceId: parsed.data.deviceId };
  } catch {
    return undefined;
  }
}

/** Parse a serialized libsignal public key (33 bytes, type 0x05) from untrusted bytes; undefined if invalid. */
export function publicKeyFromBytes(bytes: unknown): PublicKey | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0 || bytes.byteLength > 64) return undefined;
  try {
    return PublicKey.deserialize(toBytes(bytes));
  } catch {
    return undefined;
  }
}

/** Parse a base64 serialized public key from untrusted text; undefined if invalid. */
export function publicKeyFromBase64(text: unknown): PublicKey | undefined {
  if (typeof text !== 'string' || text.length > 128) return undefined;
  const bytes = fromBase64(text);
  return bytes === undefined ? undefined : publicKeyFromBytes(bytes);
}

/**
 * The libsignal address of a device. Throws for a device id outside 1..127 (libsignal
 * refuses it): parse untrusted refs with {@link deviceRefSchema} first.
 */
export function toProtocolAddress(ref: DeviceRef): ProtocolAddress {
  return ProtocolAddress.new(ref.userId, ref.deviceId);
}
