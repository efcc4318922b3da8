/**
 * Session tokens are stored only as SHA-256: a leaked database then holds nothing a
 * caller could present. Plain SHA-256 (not a slow KDF) is enough because tokens are
 * random and short-lived, and looked up by hash. (One-time codes need no hashing: the
 * server only ever learns a code's id, never its secret.)
 */
import { sha256, toHex, utf8 } from '@yhteispoyta/crypto/bytes';

/** Hex SHA-256 of the UTF-8 bytes of a secret (a bearer token). */
export function hashSecret(secret: string): string {
  return toHex(sha256(utf8(secret)));
}
