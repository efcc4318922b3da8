/**
 * Signature verification that cannot throw: envelopes and membership events both check
 * XEdDSA signatures from untrusted sources against keys that may arrive serialized.
 */
import { PublicKey } from '@signalapp/libsignal-client';
import { toBytes } from './bytes';
import type { Bytes } from './bytes';

/** An identity key as callers hold it: a libsignal PublicKey or its 33-byte serialization. */
export type IdentityKeyInput = Uint8Array | PublicKey;

/** The key as a PublicKey, or undefined when the bytes are not a valid serialized key. */
export function toPublicKey(key: IdentityKeyInput): PublicKey | undefined {
  if (key instanceof PublicKey) return key;
  if (!(key instanceof Uint8Array)) return undefined;
  try {
    return PublicKey.deserialize(toBytes(key));
  } catch {
    return undefined;
  }
}

/**
 * True only for a valid signature by `key` over `message`. An undeserializable key counts
 * as a failed verification: nothing signed can be accepted without a usable key.
 */
export function verifySignature(key: IdentityKeyInput, message: Bytes, signature: Uint8Array): boolean {
  const publicKey = toPublicKey(key);
  if (publicKey === undefined) return false;
  try {
    // libsignal takes bytes on a plain ArrayBuffer; only another kind is copied.
    return publicKey.verify(message, signature.buffer instanceof ArrayBuffer ? (signature as Uint8Array<ArrayBuffer>) : toBytes(signature));
  } catch {
    return false;
  }
}
