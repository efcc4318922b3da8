/**
 * The transparency log's signing key on disk: a PKCS#8 PEM file the server creates on its
 * first start (mode 0600, in a directory of mode 0700 when it makes one) and reads on every
 * later start. Server processes sharing one store must share this file (scale-out: one
 * mounted file), or each would sign heads with a key the root never certified. The key is
 * never logged; only its fingerprint is.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateLogKey, logKeyFromPem, logKeyToPem } from '@yhteispoyta/crypto/transparency/log-key';
import type { LogSigningKey } from '@yhteispoyta/crypto/transparency/log-key';

/** Where the log key comes from: a file, or (a throwaway in-memory store) a key that lives as long as the process. */
export type LogKeySource = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'ephemeral' };

/** The log key, and whether this start created its file. */
export interface LoadedLogKey {
  readonly key: LogSigningKey;
  readonly created: boolean;
}

/** Thrown when the key file cannot be read or created, or does not hold an Ed25519 key. */
export class LogKeyError extends Error {
  override readonly name = 'LogKeyError';
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LogKeyError(`cannot read the log key file ${path}: ${(error as Error).message}`);
  }
}

function parse(pem: string, path: string): LogSigningKey {
  const key = logKeyFromPem(pem);
  if (key === undefined) throw new LogKeyError(`${path} does not hold an Ed25519 private key in PEM (PKCS#8)`);
  return key;
}

/**
 * Write a new key to `path` unless another process got there first: the PEM goes to a
 * temporary file that is then hard-linked into place, which fails when `path` exists, so
 * a reader never sees a half-written key and two first starts agree on one key.
 */
function create(path: string): boolean {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, logKeyToPem(generateLogKey()), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    unlinkSync(temporary);
  }
}

/** The log key of `source`, creating its file on first use. Throws {@link LogKeyError}. */
export function loadLogKey(source: LogKeySource): LoadedLogKey {
  if (source.kind === 'ephemeral') return { key: generateLogKey(), created: true };
  const existing = readIfExists(source.path);
  if (existing !== undefined) return { key: parse(existing, source.path), created: false };
  let created: boolean;
  try {
    created = create(source.path);
  } catch (error) {
    throw new LogKeyError(`cannot create the log key file ${source.path}: ${(error as Error).message}`);
  }
  const written = readIfExists(source.path);
  if (written === undefined) throw new LogKeyError(`the log key file ${source.path} vanished right after it was created`);
  return { key: parse(written, source.path), created };
}
