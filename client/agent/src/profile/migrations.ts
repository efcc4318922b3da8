/**
 * Schema migrations for a profile database. A migration set is an append-only ordered
 * list of steps; the number of steps applied is the set's schema version. The profile's
 * own core set is versioned by SQLite's `user_version`; every other module (sync engine,
 * offline queue, chat …) defines its own named set in its own file and applies it with
 * `ProfileDb.migrate`, versioned in the `profile_migrations` table the core set creates.
 * Each step runs in its own transaction together with its version bump, so a crash
 * leaves the schema at a step boundary.
 */
import type Database from '@signalapp/sqlcipher';

/** One schema step: SQL (may hold several statements) or a function for data rewrites. */
export type MigrationStep = string | ((db: Database) => void);

/** A named, ordered list of steps. Never edit or reorder shipped steps; only append. */
export interface MigrationSet {
  readonly name: string;
  readonly steps: readonly MigrationStep[];
}

/** The name of the profile's own set, versioned by `user_version`. */
export const CORE_MIGRATION_SET_NAME = 'profile';

const SET_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** Define a migration set; the name must be unique in the agent and match [a-z][a-z0-9_-]{0,31}. */
export function defineMigrations(name: string, steps: readonly MigrationStep[]): MigrationSet {
  if (!SET_NAME.test(name)) throw new RangeError(`invalid migration set name: ${JSON.stringify(name)}`);
  return Object.freeze({ name, steps: Object.freeze([...steps]) });
}

/**
 * Thrown when the database holds a newer version of a set than this code knows: the
 * profile was last opened by a newer agent and this one must not guess at its schema.
 */
export class NewerSchemaError extends Error {
  constructor(
    readonly setName: string,
    readonly found: number,
    readonly known: number,
  ) {
    super(`migration set ${setName}: database is at version ${found}, this agent knows ${known}`);
    this.name = 'NewerSchemaError';
  }
}

/** Apply the steps of `set` the database has not seen yet; returns how many ran. */
export function applyMigrations(db: Database, set: MigrationSet): number {
  const version = (set.name === CORE_MIGRATION_SET_NAME ? readUserVersion : readSetVersion)(db, set.name);
  if (version > set.steps.length) throw new NewerSchemaError(set.name, version, set.steps.length);
  for (let index = version; index < set.steps.length; index++) {
    const step = set.steps[index];
    if (step === undefined) break;
    const next = index + 1;
    db.transaction(() => {
      if (typeof step === 'string') db.exec(step);
      else step(db);
      if (set.name === CORE_MIGRATION_SET_NAME) db.exec(`PRAGMA user_version = ${next}`);
      else {
        db.prepare(
          'INSERT INTO profile_migrations (name, version) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET version = excluded.version',
        ).run([set.name, next]);
      }
    })();
  }
  return set.steps.length - version;
}

/** The version of a set currently in the database (0 if never applied). */
export function schemaVersion(db: Database, setName: string): number {
  return (setName === CORE_MIGRATION_SET_NAME ? readUserVersion : readSetVersion)(db, setName);
}

function readUserVersion(db: Database): number {
  const value = db.pragma('user_version', { simple: true });
  return typeof value === 'number' ? value : 0;
}

function readSetVersion(db: Database, name: string): number {
  const value = db.prepare('SELECT version FROM profile_migrations WHERE name = ?', { pluck: true }).get([name]);
  return typeof value === 'number' ? value : 0;
}
