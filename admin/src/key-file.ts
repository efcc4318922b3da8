/**
 * Passphrase-protected key files. The deployment root's and an organisation's private keys
 * never reach the server; on disk they live in one of these:
 *
 *   { "format": "yhteispoyta-admin-key", "v": 1, "kind": "root" | "org",
 *     "kdf": { "name": "scrypt", "N", "r", "p", "salt" },
 *     "cipher": { "name": "aes-256-gcm", "iv", "tag" }, "ciphertext" }
 *
 * The key is scrypt(passphrase, salt) at a cost that makes guessing slow (N = 2^17, 128 MiB,
 * like the agent's profile); the payload is JSON sealed with AES-256-GCM, and the clear
 * header (format, version, kind, KDF parameters) is the associated data, so neither the
 * kind nor the cost can be changed without the tag failing. A wrong passphrase fails the
 * tag: it is reported as {@link AdminError} `wrong_passphrase` and nothing is written.
 *
 * Writes are atomic (a 0600 temp file in the same folder, fsync, rename, fsync of the
 * folder), so a crash leaves the old file or the new one, never half of one. A file that
 * is updated (an organisation's issued codes and certified users) is updated under a lock
 * file, re-read first, so `certify --watch` and `issue-code` running at once lose nothing.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { canonicalJson, fromBase64, toBase64, utf8 } from '@yhteispoyta/crypto/bytes';
import type { JsonValue } from '@yhteispoyta/crypto/bytes';
import { AdminError, errorMessage } from './errors';

/** The two kinds of key file. */
export const KEY_FILE_KINDS = ['root', 'org'] as const;
/** A kind of key file. */
export type KeyFileKind = (typeof KEY_FILE_KINDS)[number];

/** scrypt cost parameters. */
export interface KdfParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** The cost new key files get: 2^17 × 8 × 128 bytes = 128 MiB and about half a second per guess. */
export const DEFAULT_KDF: KdfParams = { N: 2 ** 17, r: 8, p: 1 };
/**
 * The cheapest cost a file may declare. Tests write files at this cost to stay fast; a
 * file declaring less is refused rather than opened with a cost an attacker lowered.
 */
export const MIN_KDF_N = 2 ** 14;
/** The dearest cost a file may declare (a hostile file must not make us allocate gigabytes). */
const MAX_KDF_N = 2 ** 20;

/** Shortest passphrase a new key file accepts. */
const MIN_PASSPHRASE_CHARS = 12;
/** Largest key file read (an organisation's state is a few hundred bytes per user). */
const MAX_KEY_FILE_BYTES = 16 * 1024 * 1024;

const FORMAT = 'yhteispoyta-admin-key';
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** How long an update waits for another process's lock before giving up. */
const LOCK_WAIT_MS = 15_000;
const LOCK_POLL_MS = 50;

const b64 = (bytes: number) =>
  z.string().max(Math.ceil(bytes / 3) * 4).refine((s) => fromBase64(s)?.byteLength === bytes, `must be base64 of ${bytes} bytes`);

const kdfSchema = z.strictObject({
  name: z.literal('scrypt'),
  N: z.int().min(MIN_KDF_N).max(MAX_KDF_N).refine((n) => (n & (n - 1)) === 0, 'N must be a power of two'),
  r: z.int().min(1).max(16),
  p: z.int().min(1).max(4),
  salt: b64(SALT_BYTES),
});

const envelopeSchema = z.strictObject({
  format: z.literal(FORMAT),
  v: z.literal(1),
  kind: z.enum(KEY_FILE_KINDS),
  kdf: kdfSchema,
  cipher: z.strictObject({ name: z.literal('aes-256-gcm'), iv: b64(IV_BYTES), tag: b64(TAG_BYTES) }),
  ciphertext: z.string().max(MAX_KEY_FILE_BYTES).refine((s) => fromBase64(s) !== undefined, 'must be base64'),
});
type Envelope = z.infer<typeof envelopeSchema>;
type KdfHeader = Envelope['kdf'];

/** The bytes every envelope authenticates besides its ciphertext: everything in clear but the cipher fields. */
function associatedData(kind: KeyFileKind, kdf: KdfHeader): Buffer {
  const header: JsonValue = { format: FORMAT, v: 1, kind, kdf: { name: kdf.name, N: kdf.N, r: kdf.r, p: kdf.p, salt: kdf.salt } };
  return Buffer.from(utf8(canonicalJson(header)));
}

function deriveKey(passphrase: string, kdf: KdfHeader): Promise<Buffer> {
  const salt = fromBase64(kdf.salt);
  if (salt === undefined) return Promise.reject(new AdminError('corrupt_key_file', 'the key file has an unreadable salt'));
  return new Promise((resolve, reject) => {
    // maxmem must cover 128·N·r (scrypt's working set) with room to spare.
    scrypt(passphrase.normalize('NFC'), salt, KEY_BYTES, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r }, (error, key) =>
      error ? reject(new AdminError('io', `scrypt failed: ${error.message}`)) : resolve(key),
    );
  });
}

function seal(kind: KeyFileKind, kdf: KdfHeader, key: Buffer, payload: JsonValue): Envelope {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData(kind, kdf));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  return {
    format: FORMAT, v: 1, kind, kdf,
    cipher: { name: 'aes-256-gcm', iv: toBase64(iv), tag: toBase64(cipher.getAuthTag()) },
    ciphertext: toBase64(ciphertext),
  };
}

/** Decrypts an envelope; a failing tag is a wrong passphrase (or a file altered by someone without it). */
function unseal(path: string, envelope: Envelope, key: Buffer): unknown {
  const iv = fromBase64(envelope.cipher.iv);
  const tag = fromBase64(envelope.cipher.tag);
  const ciphertext = fromBase64(envelope.ciphertext);
  if (iv === undefined || tag === undefined || ciphertext === undefined) throw new AdminError('corrupt_key_file', `${path} is not a readable key file`);
  let plaintext: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(envelope.kind, envelope.kdf));
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new AdminError('wrong_passphrase', `the passphrase does not open ${path} (or the file was altered)`);
  }
  try {
    return JSON.parse(plaintext) as unknown;
  } catch {
    // Only a writer holding the key could have produced this: a bug, not an attack.
    throw new AdminError('corrupt_key_file', `${path} opened, but its contents are not JSON`);
  }
}

async function readEnvelope(path: string): Promise<Envelope> {
  let text: string;
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_KEY_FILE_BYTES) throw new AdminError('corrupt_key_file', `${path} is too large to be a key file`);
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof AdminError) throw error;
    throw new AdminError('io', `cannot read ${path}: ${ioReason(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AdminError('corrupt_key_file', `${path} is not a key file (not JSON)`);
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) throw new AdminError('corrupt_key_file', `${path} is not a key file of this tool (${parsed.error.issues[0]?.message ?? 'malformed'})`);
  return parsed.data;
}

function ioReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  return typeof code === 'string' ? code : errorMessage(error);
}

/** fsync a folder so that a rename or link in it survives a power cut (a no-op where folders cannot be opened). */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms refuse fsync on a directory; the rename itself is still atomic.
  }
}

/**
 * Write `text` to `path` atomically with mode 0600: a temp file in the same folder, fsync,
 * then rename over `path` (replace) or hard-link to it (create: fails if `path` exists).
 */
async function atomicWrite(path: string, text: string, mode: 'replace' | 'create'): Promise<void> {
  const folder = dirname(path);
  const temp = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.chmod(0o600); // the umask may only have narrowed it; never wider
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (mode === 'replace') {
      await rename(temp, path);
    } else {
      try {
        await link(temp, path);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'EEXIST') throw new AdminError('file_exists', `${path} already exists; refusing to overwrite a key file`);
        throw error;
      } finally {
        await unlink(temp).catch(() => undefined);
      }
    }
    await syncFolder(folder);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    if (error instanceof AdminError) throw error;
    throw new AdminError('io', `cannot write ${path}: ${ioReason(error)}`);
  }
}

/** Whether the process with this pid is alive (a lock it holds is not stale). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

/** Take `<path>.lock` (O_EXCL); a lock left by a dead process on this machine is broken. */
async function acquireLock(path: string): Promise<() => Promise<void>> {
  const lockPath = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(String(process.pid));
      } finally {
        await handle.close();
      }
      return () => unlink(lockPath).catch(() => undefined);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw new AdminError('io', `cannot lock ${path}: ${ioReason(error)}`);
    }
    const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(holder) && holder > 0 && !alive(holder)) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) throw new AdminError('locked', `${path} is locked by another admin process (${lockPath})`);
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/** Options of {@link createKeyFile}. */
export interface CreateKeyFileOptions {
  /** scrypt cost; default {@link DEFAULT_KDF} (tests pass a cheaper one, at least {@link MIN_KDF_N}) */
  readonly kdf?: KdfParams;
}

/**
 * An open key file: its kind and the key derived from the passphrase (kept in memory so
 * that updates need not run scrypt again; the salt never changes for the life of a file).
 */
export class KeyFile {
  readonly path: string;
  readonly kind: KeyFileKind;
  readonly #kdf: KdfHeader;
  readonly #key: Buffer;

  private constructor(path: string, kind: KeyFileKind, kdf: KdfHeader, key: Buffer) {
    this.path = path;
    this.kind = kind;
    this.#kdf = kdf;
    this.#key = key;
  }

  /**
   * Create a new key file holding `payload`; refuses to replace an existing file, and a
   * passphrase shorter than {@link MIN_PASSPHRASE_CHARS}.
   */
  static async create(path: string, kind: KeyFileKind, payload: JsonValue, passphrase: string, opts: CreateKeyFileOptions = {}): Promise<KeyFile> {
    if ([...passphrase].length < MIN_PASSPHRASE_CHARS) {
      throw new AdminError('weak_passphrase', `a key file's passphrase must have at least ${MIN_PASSPHRASE_CHARS} characters`);
    }
    const cost = opts.kdf ?? DEFAULT_KDF;
    const kdf = kdfSchema.safeParse({ name: 'scrypt', N: cost.N, r: cost.r, p: cost.p, salt: toBase64(randomBytes(SALT_BYTES)) });
    if (!kdf.success) throw new AdminError('invalid_input', `scrypt cost out of range: ${kdf.error.issues[0]?.message ?? ''}`);
    const key = await deriveKey(passphrase, kdf.data);
    const file = new KeyFile(path, kind, kdf.data, key);
    await atomicWrite(path, file.#serialize(payload), 'create');
    return file;
  }

  /**
   * Open an existing key file of `kind` and return it with its payload (unparsed: the
   * caller parses it with its schema). Reads only: a wrong passphrase changes nothing.
   */
  static async open(path: string, kind: KeyFileKind, passphrase: string): Promise<{ file: KeyFile; payload: unknown }> {
    const envelope = await readEnvelope(path);
    if (envelope.kind !== kind) {
      throw new AdminError('wrong_key_kind', `${path} holds ${envelope.kind === 'root' ? 'a deployment root key' : 'an organisation key'}, not ${kind === 'root' ? 'a deployment root key' : 'an organisation key'}`);
    }
    const key = await deriveKey(passphrase, envelope.kdf);
    const payload = unseal(path, envelope, key);
    return { file: new KeyFile(path, kind, envelope.kdf, key), payload };
  }

  /** The payload as the file holds it now (another process may have updated it). */
  async read(): Promise<unknown> {
    const envelope = await readEnvelope(this.path);
    const kdf = envelope.kdf;
    if (envelope.kind !== this.kind || kdf.salt !== this.#kdf.salt || kdf.N !== this.#kdf.N || kdf.r !== this.#kdf.r || kdf.p !== this.#kdf.p) {
      throw new AdminError('corrupt_key_file', `${this.path} was replaced by another key file while open`);
    }
    return unseal(this.path, envelope, this.#key);
  }

  /**
   * Read, change and write the payload under the file's lock. `change` returns the new
   * payload and a result; throwing from it leaves the file as it was.
   */
  async update<T>(change: (payload: unknown) => { payload: JsonValue; result: T }): Promise<T> {
    const release = await acquireLock(this.path);
    try {
      const { payload, result } = change(await this.read());
      await atomicWrite(this.path, this.#serialize(payload), 'replace');
      return result;
    } finally {
      await release();
    }
  }

  #serialize(payload: JsonValue): string {
    return `${JSON.stringify(seal(this.kind, this.#kdf, this.#key, payload), null, 2)}\n`;
  }
}
