/**
 * Server-assigned identifiers and secrets. All are random (never counters), so they
 * reveal nothing about how many things exist and cannot be guessed. (The user id of a
 * code's user is not the server's to choose: it is derived from the code id,
 * certificates/codes `userIdForCode`, so the redeeming device knows it in advance.)
 */
import { randomBytes } from '@yhteispoyta/crypto/bytes';

/** A random identifier of 128 bits: 22 base64url characters, valid for the protocol's `idSchema`. */
export function randomId(): string {
  return Buffer.from(randomBytes(16)).toString('base64url');
}

/** A random secret of `bytes` bytes as base64url text behind a prefix, valid for the protocol's token schema. */
export function randomSecret(prefix: string, bytes: number): string {
  return `${prefix}${Buffer.from(randomBytes(bytes)).toString('base64url')}`;
}

