/**
 * The non-secret sidecar `<dir>/<profile>.profile.json` next to each profile database:
 * how to turn the passphrase into the key (scrypt parameters, salt), a key-check value
 * that refuses a wrong passphrase before the database is opened, and the database's
 * SQLCipher page size (SQLCipher keeps it nowhere readable before the key works).
 */
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { z } from 'zod';
import { fromBase64, randomBytes, toBase64, toHex } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { KDF_SALT_LENGTH, scryptParamsSchema } from './kdf';
import type { ScryptParams } from './kdf';

/** Format tag of the sidecar file. */
const SIDECAR_FORMAT = 'yhteispoyta-profile';
/**
 * Version of the sidecar format written now. Version 1 had no page size: its databases
 * use SQLCipher's default, {@link LEGACY_CIPHER_PAGE_SIZE}. A reader refuses any other.
 */
const SIDECAR_VERSION = 2;

/** The page size of every database whose sidecar is version 1 (SQLCipher 4's default). */
export const LEGACY_CIPHER_PAGE_SIZE = 4096;

/** SQLite page sizes: a power of two from 512 to 65536. */
function isPageSize(n: number): boolean {
  return Number.isInteger(n) && n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
}

/** A sidecar is a few hundred bytes; anything much larger is not ours. */
const MAX_SIDECAR_BYTES = 4096;

/** The parsed sidecar. */
export interface ProfileSidecar {
  readonly kdf: ScryptParams & { readonly algorithm: 'scrypt'; readonly salt: Bytes };
  /** HMAC-SHA-256 key-check value (see keyCheckValue) */
  readonly keyCheck: Bytes;
  /** ms since epoch */
  readonly createdAt: number;
  /** SQLCipher page size of the database (`PRAGMA cipher_page_size`), fixed at creation */
  readonly cipherPageSize: number;
}

const base64Bytes = (length: number) =>
  z.string().transform((text, ctx) => {
    const bytes = fromBase64(text);
    if (bytes === undefined || bytes.byteLength !== length) {
      ctx.addIssue({ code: 'custom', message: `expected base64 of ${length} bytes` });
      return z.NEVER;
    }
    return bytes;
  });

const sidecarFields = {
  format: z.literal(SIDECAR_FORMAT),
  kdf: z.intersection(
    scryptParamsSchema,
    z.object({ algorithm: z.literal('scrypt'), salt: base64Bytes(KDF_SALT_LENGTH) }),
  ),
  keyCheck: base64Bytes(32),
  createdAt: z.number().int().nonnegative(),
};

const sidecarSchema = z.discriminatedUnion('version', [
  z.object({ ...sidecarFields, version: z.literal(1) }),
  z.object({
    ...sidecarFields,
    version: z.literal(SIDECAR_VERSION),
    cipherPageSize: z.number().refine(isPageSize, 'cipherPageSize must be a power of two from 512 to 65536'),
  }),
]);

/** Result of reading a sidecar: `missing` (no file) and `invalid` (unreadable or malformed) differ. */
export type SidecarReadResult =
  | { readonly ok: true; readonly sidecar: ProfileSidecar }
  | { readonly ok: false; readonly error: 'missing' | 'invalid'; readonly detail: string };

/** Read and validate a sidecar file. Never throws. */
export function readSidecar(path: string): SidecarReadResult {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { ok: false, error: 'missing', detail: 'no sidecar file' };
    return { ok: false, error: 'invalid', detail: `cannot read sidecar: ${errorCode(err)}` };
  }
  if (raw.byteLength > MAX_SIDECAR_BYTES) return { ok: false, error: 'invalid', detail: 'sidecar too large' };
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, error: 'invalid', detail: 'sidecar is not JSON' };
  }
  const parsed = sidecarSchema.safeParse(json);
  if (!parsed.success) return { ok: false, error: 'invalid', detail: `sidecar malformed: ${parsed.error.issues[0]?.message ?? ''}` };
  const { kdf, keyCheck, createdAt } = parsed.data;
  const cipherPageSize = parsed.data.version === 1 ? LEGACY_CIPHER_PAGE_SIZE : parsed.data.cipherPageSize;
  return { ok: true, sidecar: { kdf, keyCheck, createdAt, cipherPageSize } };
}

/** Serialize a sidecar to its JSON text. */
export function encodeSidecar(sidecar: ProfileSidecar): string {
  const { kdf } = sidecar;
  return `${JSON.stringify(
    {
      format: SIDECAR_FORMAT,
      version: SIDECAR_VERSION,
      kdf: { algorithm: kdf.algorithm, N: kdf.N, r: kdf.r, p: kdf.p, salt: toBase64(kdf.salt) },
      keyCheck: toBase64(sidecar.keyCheck),
      createdAt: sidecar.createdAt,
      cipherPageSize: sidecar.cipherPageSize,
    },
    null,
    2,
  )}\n`;
}

/**
 * Write a new sidecar, refusing to replace an existing one. The content is written and
 * fsynced under a temporary name, then hard-linked into place: link() fails if the
 * target exists, so the sidecar appears complete or not at all and a concurrent
 * creation of the same profile cannot overwrite it. Returns false if it already existed.
 */
export function writeNewSidecar(path: string, sidecar: ProfileSidecar): boolean {
  const temporary = `${path}.${toHex(randomBytes(6))}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, encodeSidecar(sidecar));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
    return true;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw err;
  } finally {
    unlinkSync(temporary);
  }
}

/** Whether `err` is a Node system error with the given code. */
export function isErrno(err: unknown, code: string): boolean {
  return errorCode(err) === code;
}

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return 'unknown';
}
