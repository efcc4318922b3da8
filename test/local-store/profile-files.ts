/**
 * Looking at an agent's profile from outside, as someone holding the user's disk but not
 * the passphrase would: the raw files, a keyless open of the database, and a byte-exact
 * picture of the directory to prove that a failed unlock wrote nothing.
 */
import Database from '@signalapp/sqlcipher';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file of a directory with its bytes (hashed) and mtime. */
export type DirectoryPicture = Record<string, { readonly sha256: string; readonly size: number; readonly mtimeMs: number }>;

/** The byte-exact state of the files directly in `dir`. */
export function pictureOf(dir: string): DirectoryPicture {
  const out: DirectoryPicture = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (!stat.isFile()) continue;
    out[name] = { sha256: createHash('sha256').update(readFileSync(path)).digest('hex'), size: stat.size, mtimeMs: stat.mtimeMs };
  }
  return out;
}

/** The SQLite file header every unencrypted database starts with. */
export const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** The first `length` bytes of a file. */
export function fileHead(path: string, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const out = Buffer.alloc(length);
    const read = readSync(fd, out, 0, length, 0);
    return out.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/**
 * Try to read a database file without its key (or with a wrong one): returns the
 * error SQLite gave, or undefined if the query succeeded (which would mean the file is
 * readable without the passphrase).
 */
export function readWithoutKey(path: string, wrongKeyHex?: string): string | undefined {
  let db: Database | undefined;
  try {
    db = new Database(path);
    if (wrongKeyHex !== undefined) db.exec(`PRAGMA key = "x'${wrongKeyHex}'"`);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    db?.close();
  }
}
