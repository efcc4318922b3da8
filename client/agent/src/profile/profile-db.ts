/**
 * Profiles: one profile = one device = one SQLCipher database `<dir>/<name>.profile.db`
 * plus its non-secret sidecar `<dir>/<name>.profile.json` (KDF parameters, salt,
 * key-check value, page size).
 *
 * A wrong passphrase is refused by the sidecar's key-check value before the database is
 * opened at all. The installed SQLCipher binding cannot open read-only (no flags, no URI
 * filenames), and even a read-only SQLite connection may write: it rolls back a hot
 * journal and rebuilds the WAL index in `-shm` after a crash. Checking first means a wrong
 * passphrase touches nothing on disk, in every state the files can be in.
 *
 * An open profile holds an exclusive lock on its database for as long as it is open
 * (`locking_mode = EXCLUSIVE`): two agents driving the same device's ratchets would
 * corrupt each other's sessions, so the second open is refused with `in_use`.
 */
import { isValidProfileName as isValidHumanProfileName } from '@yhteispoyta/local-api/profile-name';
import type Database from '@signalapp/sqlcipher';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bytesEqual, randomBytes, toHex } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { DEFAULT_SCRYPT_PARAMS, KDF_SALT_LENGTH, WEAK_TEST_SCRYPT_PARAMS, deriveProfileKeys, keyCheckValue } from './kdf';
import { CORE_MIGRATION_SET_NAME, NewerSchemaError, applyMigrations } from './migrations';
import type { MigrationSet } from './migrations';
import { Listeners } from '@yhteispoyta/common/listeners';
import { ProfileConnection } from './profile-connection';
import { PROFILE_MIGRATIONS } from './schema';
import { isErrno, readSidecar, writeNewSidecar } from './sidecar';

/**
 * SQLCipher page size of new profiles. Every page a commit writes is encrypted and
 * authenticated whole (AES-256 and HMAC-SHA512 over the page), and the sync engine's
 * commits change a few small rows on a handful of pages: at 1 KiB instead of SQLCipher's
 * default 4 KiB a document update's commit costs a third less CPU (bench notes in
 * docs/design.md). Profiles made before keep the size their sidecar names.
 */
export const NEW_PROFILE_PAGE_SIZE = 1024;

/** An open profile database. */
export interface ProfileDb {
  readonly dir: string;
  readonly name: string;
  /** the underlying SQLCipher connection, for modules that keep their own tables */
  readonly db: Database;
  /** Run synchronous `fn` in a transaction (a savepoint when nested); it commits unless `fn` throws. */
  transaction<T>(fn: () => T): T;
  /**
   * {@link transaction} for writes that only record what the server keeps and hands out
   * again — envelopes received and applied — whose commit therefore need not survive a
   * power loss: it commits without waiting for the disk (`synchronous = NORMAL`, see
   * the class). A crash of the process loses nothing either way; a power loss may undo
   * such commits, the newest first and each whole, and the next catch-up fetches them
   * again. Nested in another transaction it is a savepoint of that one and the outer
   * decides; a {@link transaction} nested in it makes its commit a durable one.
   */
  refetchableTransaction<T>(fn: () => T): T;
  /**
   * Hear of every transaction (or savepoint) that rolled back, after it did: what a
   * module keeps in memory of rows written inside it may no longer be stored.
   */
  onRollback(listener: () => void): () => void;
  /** Bring a module's migration set up to date; returns how many steps ran. Throws NewerSchemaError. */
  migrate(set: MigrationSet): number;
  /** A value from the settings table. */
  getSetting(key: string): string | undefined;
  /** Store a value in the settings table. */
  setSetting(key: string, value: string): void;
  /** Whether close() has not been called yet. */
  readonly isOpen: boolean;
  /** Checkpoint and close; releases the profile's lock. Idempotent. */
  close(): void;
}

/** Options of createProfile. */
export interface CreateProfileOptions {
  /** Use WEAK_TEST_SCRYPT_PARAMS instead of the default cost. Tests only: a fast KDF makes guessing cheap. */
  readonly unsafeWeakKdfForTests?: true;
  /** Module migration sets to apply right after the core schema. */
  readonly migrations?: readonly MigrationSet[];
}

/** Options of openProfile. */
export interface OpenProfileOptions {
  /** Module migration sets to bring up to date after opening. */
  readonly migrations?: readonly MigrationSet[];
}

/** Why createProfile refused. */
export type CreateProfileError = 'invalid_name' | 'empty_passphrase' | 'exists';

/**
 * Why openProfile refused: `no_such_profile` (no files, or a name no profile can have),
 * `wrong_passphrase` (nothing on disk was touched), `corrupt` (files unreadable or
 * inconsistent), `in_use` (another connection holds the profile), `newer_schema` (last
 * written by a newer agent).
 */
export type OpenProfileError = 'no_such_profile' | 'wrong_passphrase' | 'corrupt' | 'in_use' | 'newer_schema';

/** Result of createProfile. */
export type CreateProfileResult =
  | { readonly ok: true; readonly profile: ProfileDb }
  | { readonly ok: false; readonly error: CreateProfileError };

/** Result of openProfile; `detail` is a human-readable reason for logs, without secrets. */
export type OpenProfileResult =
  | { readonly ok: true; readonly profile: ProfileDb }
  | { readonly ok: false; readonly error: OpenProfileError; readonly detail: string };

/** Names of the first versions (1–32 of a-z, 0-9, _ and -): their files are named after them as they are. */
const PLAIN_FILE_NAME = /^[a-z0-9_-]{1,32}$/;
/** Other names are stored under `+` and the hex of their UTF-8 (a `+` never starts a plain name). */
const ENCODED_PREFIX = '+';

const SIDECAR_SUFFIX = '.profile.json';

/** Whether `name` is a valid profile name: any human name (local-API contract, profile-name.ts). */
export function isValidProfileName(name: string): boolean {
  return isValidHumanProfileName(name);
}

/** The stem of a profile's files: the name itself when it is a plain one, else its encoded form (safe on every file system, case-exact). */
function fileStem(name: string): string {
  return PLAIN_FILE_NAME.test(name) ? name : `${ENCODED_PREFIX}${Buffer.from(name, 'utf8').toString('hex')}`;
}

/** The profile name a file stem stands for, or undefined for a stem no valid name gives. */
function nameOfStem(stem: string): string | undefined {
  const name = stem.startsWith(ENCODED_PREFIX) && /^[0-9a-f]+$/.test(stem.slice(1)) ? Buffer.from(stem.slice(1), 'hex').toString('utf8') : stem;
  return isValidProfileName(name) && fileStem(name) === stem ? name : undefined;
}

/** The files of a profile; `wal`, `shm` and `journal` exist only while SQLite needs them. */
export function profileFiles(dir: string, name: string): { db: string; wal: string; shm: string; journal: string; sidecar: string } {
  const stem = fileStem(name);
  const db = join(dir, `${stem}.profile.db`);
  return { db, wal: `${db}-wal`, shm: `${db}-shm`, journal: `${db}-journal`, sidecar: join(dir, `${stem}${SIDECAR_SUFFIX}`) };
}

/** Names of the profiles in `dir` (those with a sidecar), sorted. An absent dir has none; other I/O errors throw. */
export function listProfiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
  return entries
    .filter((file) => file.endsWith(SIDECAR_SUFFIX))
    .map((file) => nameOfStem(file.slice(0, -SIDECAR_SUFFIX.length)))
    .filter((name): name is string => name !== undefined)
    .sort((a, b) => a.localeCompare(b));
}

/**
 * Create a new profile keyed from `passphrase`. Refuses an existing profile (any of its
 * files present). The sidecar is written last, so a crash mid-way leaves a database
 * without sidecar, which openProfile reports as corrupt and createProfile refuses to
 * overwrite.
 */
export async function createProfile(
  dir: string,
  name: string,
  passphrase: string,
  opts: CreateProfileOptions = {},
): Promise<CreateProfileResult> {
  if (!isValidProfileName(name)) return { ok: false, error: 'invalid_name' };
  if (passphrase.length === 0) return { ok: false, error: 'empty_passphrase' };
  const files = profileFiles(dir, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ([files.sidecar, files.wal, files.shm, files.journal].some((path) => existsSync(path))) {
    return { ok: false, error: 'exists' };
  }

  const params = opts.unsafeWeakKdfForTests === true ? WEAK_TEST_SCRYPT_PARAMS : DEFAULT_SCRYPT_PARAMS;
  const salt = randomBytes(KDF_SALT_LENGTH);
  const keys = await deriveProfileKeys(passphrase, salt, params);

  // Creating the empty file ourselves makes "exists" atomic and sets its mode; SQLite
  // gives -wal and -shm the database file's permissions.
  try {
    closeSync(openSync(files.db, 'wx', 0o600));
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return { ok: false, error: 'exists' };
    throw err;
  }

  let db: Database | undefined;
  try {
    db = new ProfileConnection(files.db);
    configureConnection(db, keys.databaseKey, NEW_PROFILE_PAGE_SIZE);
    applyMigrations(db, PROFILE_MIGRATIONS);
    const profile = new OpenProfile(dir, name, db);
    for (const set of opts.migrations ?? []) profile.migrate(set);
    const sidecar = {
      kdf: { algorithm: 'scrypt' as const, ...params, salt },
      keyCheck: keyCheckValue(keys.checkKey),
      createdAt: Date.now(),
      cipherPageSize: NEW_PROFILE_PAGE_SIZE,
    };
    if (!writeNewSidecar(files.sidecar, sidecar)) {
      db.close();
      db = undefined;
      removeDatabaseFiles(files);
      return { ok: false, error: 'exists' };
    }
    return { ok: true, profile };
  } catch (err) {
    db?.close();
    removeDatabaseFiles(files);
    throw err;
  } finally {
    keys.databaseKey.fill(0);
    keys.checkKey.fill(0);
  }
}

/** Open an existing profile. Never throws; a wrong passphrase writes nothing anywhere. */
export async function openProfile(
  dir: string,
  name: string,
  passphrase: string,
  opts: OpenProfileOptions = {},
): Promise<OpenProfileResult> {
  if (!isValidProfileName(name)) return { ok: false, error: 'no_such_profile', detail: 'not a valid profile name' };
  const files = profileFiles(dir, name);
  const read = readSidecar(files.sidecar);
  const dbExists = existsSync(files.db);
  if (!read.ok) {
    if (read.error === 'missing' && !dbExists) return { ok: false, error: 'no_such_profile', detail: 'no profile files' };
    return { ok: false, error: 'corrupt', detail: read.detail };
  }
  if (!dbExists) return { ok: false, error: 'corrupt', detail: 'sidecar without database' };

  const { kdf } = read.sidecar;
  let keys;
  try {
    keys = await deriveProfileKeys(passphrase, kdf.salt, kdf);
  } catch (err) {
    return { ok: false, error: 'corrupt', detail: `key derivation failed: ${describe(err)}` };
  }
  try {
    if (!bytesEqual(keyCheckValue(keys.checkKey), read.sidecar.keyCheck)) {
      return { ok: false, error: 'wrong_passphrase', detail: 'key check failed' };
    }
    return openKeyedDatabase(dir, name, files.db, { key: keys.databaseKey, pageSize: read.sidecar.cipherPageSize }, opts);
  } finally {
    keys.databaseKey.fill(0);
    keys.checkKey.fill(0);
  }
}

function openKeyedDatabase(dir: string, name: string, path: string, cipher: { key: Bytes; pageSize: number }, opts: OpenProfileOptions): OpenProfileResult {
  let db: Database | undefined;
  try {
    db = new ProfileConnection(path);
    configureConnection(db, cipher.key, cipher.pageSize);
    applyMigrations(db, PROFILE_MIGRATIONS);
    const profile = new OpenProfile(dir, name, db);
    for (const set of opts.migrations ?? []) profile.migrate(set);
    return { ok: true, profile };
  } catch (err) {
    db?.close();
    const code = sqliteCode(err);
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return { ok: false, error: 'in_use', detail: 'profile is open elsewhere' };
    if (err instanceof NewerSchemaError) return { ok: false, error: 'newer_schema', detail: err.message };
    return { ok: false, error: 'corrupt', detail: `database unreadable: ${describe(err)}` };
  }
}

/**
 * Key the connection and set its page size (both before anything reads the file), then
 * take and keep the exclusive lock. The first statement after these reads page 1, so a
 * bad key, a wrong page size or a foreign file surfaces here as SQLITE_NOTADB.
 */
function configureConnection(db: Database, key: Bytes, pageSize: number): void {
  db.exec(`PRAGMA key = "x'${toHex(key)}'"`);
  db.exec(`PRAGMA cipher_page_size = ${String(pageSize)}`);
  db.exec('PRAGMA locking_mode = EXCLUSIVE');
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('BEGIN EXCLUSIVE; COMMIT');
  // Ratchet state must survive power loss, and deleted prekeys must not linger in free pages.
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA secure_delete = ON');
  db.exec('PRAGMA foreign_keys = ON');
}

/** fsync a file by path (any descriptor of it syncs its data). */
function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Make the last commit durable: sync the WAL it went to (the database file when there is no WAL). */
function syncCommitted(files: ReturnType<typeof profileFiles>): void {
  try {
    syncFile(files.wal);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
    syncFile(files.db);
  }
}

function removeDatabaseFiles(files: ReturnType<typeof profileFiles>): void {
  for (const path of [files.db, files.wal, files.shm, files.journal]) rmSync(path, { force: true });
}

function sqliteCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function describe(err: unknown): string {
  return sqliteCode(err) ?? (err instanceof Error ? err.message : 'unknown error');
}

/**
 * The profile's commits are durable (`synchronous = FULL`: SQLite syncs the WAL before a
 * commit returns) except those of {@link ProfileDb.refetchableTransaction}: the
 * connection is switched to `synchronous = NORMAL` before such a transaction begins and
 * back after it ends (SQLite refuses the switch inside a transaction), so its commit
 * appends to the WAL without a sync (the WAL is still synced before every checkpoint).
 * The WAL is appended in commit order and the next durable commit syncs all of it, so a
 * power loss can undo only the relaxed commits since the last durable one, each whole,
 * and a durable commit never builds on a lost one. A durable transaction nested in a
 * relaxed one cannot switch the mode back: when it happens, the WAL file is synced
 * right after the commit that carried it, which is what FULL would have done.
 */
class OpenProfile implements ProfileDb {
  #open = true;
  /** how deep the transactions running now are nested (0: none) */
  #depth = 0;
  /** the outermost transaction running now commits without a sync */
  #relaxed = false;
  /** a durable transaction ran inside the relaxed one: its commit must be synced after all */
  #durableInside = false;
  /** a failing listener must not replace the error that rolled the transaction back */
  readonly #rollbacks = new Listeners<[]>(() => undefined);

  constructor(
    readonly dir: string,
    readonly name: string,
    readonly db: Database,
  ) {}

  get isOpen(): boolean {
    return this.#open;
  }

  transaction<T>(fn: () => T): T {
    if (this.#relaxed) this.#durableInside = true;
    return this.#run(fn);
  }

  refetchableTransaction<T>(fn: () => T): T {
    if (this.#depth > 0) return this.#run(fn);
    this.db.exec('PRAGMA synchronous = NORMAL');
    this.#relaxed = true;
    this.#durableInside = false;
    let committed = false;
    try {
      const result = this.#run(fn);
      committed = true;
      return result;
    } finally {
      const syncNow = committed && this.#durableInside;
      this.#relaxed = false;
      this.#durableInside = false;
      this.db.exec('PRAGMA synchronous = FULL');
      if (syncNow) syncCommitted(profileFiles(this.dir, this.name));
    }
  }

  #run<T>(fn: () => T): T {
    this.#depth += 1;
    try {
      return this.db.transaction(fn)();
    } catch (error) {
      this.#rollbacks.emit();
      throw error;
    } finally {
      this.#depth -= 1;
    }
  }

  onRollback(listener: () => void): () => void {
    return this.#rollbacks.add(listener);
  }

  migrate(set: MigrationSet): number {
    if (set.name === CORE_MIGRATION_SET_NAME) throw new RangeError('the core profile schema is not a module migration set');
    return applyMigrations(this.db, set);
  }

  getSetting(key: string): string | undefined {
    const value = this.db.prepare('SELECT value FROM settings WHERE key = ?', { pluck: true }).get([key]);
    return typeof value === 'string' ? value : undefined;
  }

  setSetting(key: string, value: string): void {
    this.db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run([key, value]);
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#rollbacks.clear();
    this.db.close();
  }
}
