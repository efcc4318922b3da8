/**
 * Server-assigned identifiers and one-time secrets. All are random (never counters), so
 * they reveal nothing about how many things exist and cannot be guessed.
 */
import { randomBytes } from '@yhteispoyta/crypto/bytes';

/** A random identifier of 128 bits: 22 base64url characters, valid for the protocol's `idSchema`. */
export function randomId(): string {
  return Buffer.from(randomBytes(16)).toString('base64url');
}

/**
 * A random secret of `bytes` bytes as base64url text behind a short prefix (e.g. the
 * kind of a one-time code), valid for the protocol's code and token schemas.
 */
export function randomSecret(prefix: string, bytes: number): string {
  return `${prefix}${Buffer.from(randomBytes(bytes)).toString('base64url')}`;
}
