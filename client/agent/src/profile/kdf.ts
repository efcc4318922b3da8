/**
 * Passphrase → profile keys. A profile's database is encrypted with a raw 256-bit
 * SQLCipher key, so SQLCipher's own PBKDF2 is bypassed and the passphrase's only
 * protection against guessing is this slow, memory-hard scrypt.
 */
import { createHmac, scrypt } from 'node:crypto';
import { z } from 'zod';
import { toBytes, utf8 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';

/** scrypt cost parameters; stored in the sidecar, not secret. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two */
  readonly N: number;
  /** block size */
  readonly r: number;
  /** parallelism */
  readonly p: number;
}

/**
 * The default cost: N = 2^17, r = 8, p = 1 → 128 MiB of memory per derivation.
 * Measured on the shared 2-core development machine (Node 20): 420–560 ms per
 * derivation. That is paid once per profile unlock and multiplies an offline guesser's
 * cost per passphrase by the same factor plus the memory.
 */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

/**
 * Deliberately weak parameters so unit tests stay fast. Only selected by the explicit
 * `unsafeWeakKdfForTests` option of createProfile, never by default.
 */
export const WEAK_TEST_SCRYPT_PARAMS: ScryptParams = Object.freeze({ N: 2 ** 10, r: 8, p: 1 });

/** Length of the random per-profile salt. */
export const KDF_SALT_LENGTH = 16;

/** Upper bound on the memory a sidecar may make us allocate (a tampered sidecar must not OOM us). */
const MAX_SCRYPT_MEMORY = 1024 * 1024 * 1024;

/** Memory scrypt needs (what OpenSSL checks against maxmem): 128·r·(N + p + 2) bytes. */
function scryptMemory(params: ScryptParams): number {
  return 128 * params.r * (params.N + params.p + 2);
}

/** Schema of scrypt parameters read from disk: sane ranges only. */
export const scryptParamsSchema = z
  .object({
    N: z.number().int().min(2 ** 10).max(2 ** 20).refine((n) => (n & (n - 1)) === 0, 'N must be a power of two'),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
  })
  .refine((params) => scryptMemory(params) <= MAX_SCRYPT_MEMORY, 'scrypt parameters need too much memory');

/** The two independent 32-byte keys a passphrase yields. */
export interface ProfileKeys {
  /** raw SQLCipher key */
  readonly databaseKey: Bytes;
  /** keys the key-check value in the sidecar; never touches the database */
  readonly checkKey: Bytes;
}

/**
 * Derive the profile keys from a passphrase. Runs scrypt on libuv's thread pool so the
 * agent's event loop keeps serving while a profile unlocks. The passphrase is NFC
 * normalised so "ä" typed precomposed or decomposed unlocks the same profile.
 */
export async function deriveProfileKeys(passphrase: string, salt: Bytes, params: ScryptParams): Promise<ProfileKeys> {
  const secret = utf8(passphrase.normalize('NFC'));
  const derived = await new Promise<Buffer>((resolve, reject) => {
    scrypt(secret, salt, 64, { ...params, maxmem: scryptMemory(params) + 1024 * 1024 }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
  const keys = { databaseKey: toBytes(derived.subarray(0, 32)), checkKey: toBytes(derived.subarray(32, 64)) };
  derived.fill(0);
  secret.fill(0);
  return keys;
}

const KEY_CHECK_LABEL = 'yhteispoyta/profile/key-check/v1';

/**
 * The key-check value stored in the sidecar: HMAC-SHA-256 of a fixed label under the
 * check key. It lets a wrong passphrase be refused before the database file is even
 * opened. It gives a guesser nothing new: each guess still costs one scrypt, exactly as
 * guessing against SQLCipher's own page HMACs would.
 */
export function keyCheckValue(checkKey: Bytes): Bytes {
  return toBytes(createHmac('sha256', checkKey).update(KEY_CHECK_LABEL).digest());
}
