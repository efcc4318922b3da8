/**
 * The transparency log's signing key: Ed25519 through node:crypto. It is the log
 * operator's own key (the server signs the heads of what it appended), never a person's,
 * so it is deliberately not a libsignal key: the lint rule that keeps libsignal private
 * keys out of server/ stays whole. Its public half travels as base64 of the 32 raw bytes
 * and is certified by the deployment root (log-certificate.ts); its private half lives in
 * a PEM file the server reads itself (crypto/ does no I/O).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { fromBase64, sha256, toBase64, toBytes, utf8 } from '../bytes';
import type { Bytes } from '../bytes';

/** Size of a raw Ed25519 public key. */
export const LOG_PUBLIC_KEY_BYTES = 32;
const FINGERPRINT_CONTEXT = 'yhteispoyta/log-fingerprint/v1\n';
const FINGERPRINT_BYTES = 16;
/** A PEM of a PKCS#8 Ed25519 key is about 120 characters; anything far longer is not one. */
const MAX_PEM_CHARS = 4096;

/** The log's private signing key (an Ed25519 private KeyObject). */
export type LogSigningKey = KeyObject;

/** A fresh log key. */
export function generateLogKey(): LogSigningKey {
  return generateKeyPairSync('ed25519').privateKey;
}

/** The key as PKCS#8 PEM, the form of the server's key file. */
export function logKeyToPem(key: LogSigningKey): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** A log key read back from PEM; undefined for anything but an Ed25519 private key. Never throws. */
export function logKeyFromPem(pem: string): LogSigningKey | undefined {
  if (typeof pem !== 'string' || pem.length > MAX_PEM_CHARS) return undefined;
  try {
    const key = createPrivateKey({ key: pem, format: 'pem' });
    return key.asymmetricKeyType === 'ed25519' ? key : undefined;
  } catch {
    return undefined;
  }
}

/** The 32 raw bytes of the public half of a log key (private or public KeyObject). */
export function logPublicKey(key: KeyObject): Bytes {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  const raw = typeof jwk.x === 'string' ? Buffer.from(jwk.x, 'base64url') : Buffer.alloc(0);
  if (raw.byteLength !== LOG_PUBLIC_KEY_BYTES) throw new RangeError('not an Ed25519 key');
  return toBytes(raw);
}

/** Base64 of {@link logPublicKey}: how the key travels on the wire and in certificates. */
export function logPublicKeyBase64(key: KeyObject): string {
  return toBase64(logPublicKey(key));
}

/**
 * A verifying key from 32 raw bytes or their base64; undefined when they are not an
 * Ed25519 public key. Never throws.
 */
export function logVerifyingKey(raw: Uint8Array | string): KeyObject | undefined {
  const bytes = typeof raw === 'string' ? fromBase64(raw) : raw;
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== LOG_PUBLIC_KEY_BYTES) return undefined;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(bytes).toString('base64url') }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/**
 * A short name of a log key for people to compare (the server logs it at start-up, the
 * admin tool prints it when certifying): the first 16 bytes of SHA-256 over a context
 * string and the raw key, in base64url (22 characters), as the root's fingerprint.
 */
export function logKeyFingerprint(raw: Uint8Array): string {
  return Buffer.from(sha256(utf8(FINGERPRINT_CONTEXT), raw).subarray(0, FINGERPRINT_BYTES)).toString('base64url');
}
