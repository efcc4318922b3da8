/**
 * Opening the sqlite (SQLCipher) database: at-rest key, pragmas, migrations, and the
 * transaction helper every compare-and-set uses.
 *
 * The driver is synchronous, so one method's read-check-write never interleaves with
 * another async caller in this process as long as no `await` sits inside it; BEGIN
 * IMMEDIATE takes the write lock up front so that other processes on the same file are
 * serialised too (busy_timeout makes them wait instead of failing).
 */
import Database from '@signalapp/sqlcipher';
import { MIGRATIONS } from './schema';

/** The open database handle the area modules share. */
export interface SqliteDb {
  readonly db: Database;
  /** Run `fn` inside BEGIN IMMEDIATE … COMMIT (ROLLBACK if it throws). Never pass async work. */
  immediate<T>(fn: () => T): T;
  /** Run several reads in one deferred transaction: one consistent snapshot (WAL), no write lock. */
  read<T>(fn: () => T): T;
}

const KEY_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * Open (creating if needed) the database at `path`, keyed with the 32-byte hex `key` when
 * given, and bring its schema up to date.
 */
export function openSqlite(path: string, key?: string): SqliteDb {
  if (key !== undefined && !KEY_HEX.test(key)) throw new RangeError('sqlite store key must be 64 hex characters');
  const db = new Database(path, { cacheStatements: true });
  try {
    // The key must be the very first statement; a raw hex key skips SQLCipher's own KDF.
    if (key !== undefined) db.exec(`PRAGMA key = "x'${key.toLowerCase()}'"`);
    // Before anything touches the file: other processes may hold its locks right now.
    db.exec('PRAGMA busy_timeout = 5000');
    // Reading the schema fails here (not later) when the key is wrong or missing.
    db.prepare('SELECT count(*) AS n FROM sqlite_master').get();
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    const commit = db.prepare('COMMIT');
    const rollback = db.prepare('ROLLBACK');
    const inTransaction = (begin: ReturnType<Database['prepare']>) => <T>(fn: () => T): T => {
      begin.run();
      try {
        const result = fn();
        commit.run();
        return result;
      } catch (error) {
        rollback.run();
        throw error;
      }
    };
    const immediate = inTransaction(db.prepare('BEGIN IMMEDIATE'));
    const read = inTransaction(db.prepare('BEGIN DEFERRED'));
    migrate(db, immediate);
    return { db, immediate, read };
  } catch (error) {
    db.close();
    throw error;
  }
}

function migrate(db: Database, immediate: <T>(fn: () => T) => T): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = db.prepare('SELECT version FROM schema_migrations WHERE version = ?');
  const record = db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)');
  MIGRATIONS.forEach((sql, index) => {
    const version = index + 1;
    immediate(() => {
      // Re-checked inside the write lock: another process may have just applied it.
      if (applied.get([version])) return;
      db.exec(sql);
      record.run([version, Date.now()]);
    });
  });
}

/** Thrown when a row does not have the shape the schema promises (a corrupt database). */
class StoreCorruptionError extends Error {
  override readonly name = 'StoreCorruptionError';
}

type Row = Record<string, unknown>;

/** A text column. */
export function colStr(row: Row, name: string): string {
  const v = row[name];
  if (typeof v !== 'string') throw new StoreCorruptionError(`column ${name}: expected text`);
  return v;
}

/** An integer column. */
export function colInt(row: Row, name: string): number {
  const v = row[name];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new StoreCorruptionError(`column ${name}: expected integer`);
  return v;
}

/** A nullable integer column (undefined for NULL). */
export function colOptInt(row: Row, name: string): number | undefined {
  return row[name] === null || row[name] === undefined ? undefined : colInt(row, name);
}

/** A blob column, copied out of the driver's buffer. */
export function colBytes(row: Row, name: string): Uint8Array<ArrayBuffer> {
  const v = row[name];
  if (!(v instanceof Uint8Array)) throw new StoreCorruptionError(`column ${name}: expected blob`);
  const out = new Uint8Array(new ArrayBuffer(v.byteLength));
  out.set(v);
  return out;
}

/** A JSON text column, parsed (the caller validates the shape). */
export function colJson(row: Row, name: string): unknown {
  try {
    return JSON.parse(colStr(row, name));
  } catch (error) {
    if (error instanceof StoreCorruptionError) throw error;
    throw new StoreCorruptionError(`column ${name}: invalid JSON`);
  }
}

