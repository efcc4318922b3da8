/**
 * The embedded default store: one SQLCipher file (WAL), optionally encrypted at rest.
 */
import type { Store } from '../port';
import { sqliteAudit } from './audit';
import { sqliteAuth } from './auth';
import { sqliteBlobs } from './blobs';
import { sqliteCertificates } from './certificates';
import { openSqlite } from './db';
import { sqliteDirectory } from './directory';
import { sqliteEnrolments } from './enrolments';
import { sqliteEnvelopes } from './envelopes';
import { sqliteMailboxes } from './mailboxes';
import { sqliteWorkspaces } from './workspaces';

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** database file path (':memory:' works for throwaway use) */
  readonly path: string;
  /** 64 hex characters: the raw SQLCipher key; absent = unencrypted file */
  readonly key?: string;
}

/** Open the sqlite store (creating and migrating the file as needed). */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  const handle = openSqlite(options.path, options.key);
  const probe = handle.db.prepare('SELECT count(*) AS n FROM schema_migrations');
  const envelopes = sqliteEnvelopes(handle);
  let closed = false;
  return {
    kind: 'sqlite',
    directory: sqliteDirectory(handle),
    auth: sqliteAuth(handle),
    certificates: sqliteCertificates(handle),
    enrolments: sqliteEnrolments(handle),
    workspaces: sqliteWorkspaces(handle),
    mailbox: sqliteMailboxes(handle),
    envelopes,
    blobs: sqliteBlobs(handle),
    audit: sqliteAudit(handle),
    async health() {
      try {
        if (closed) throw new Error('store is closed');
        probe.get();
        return { ok: true, kind: 'sqlite' };
      } catch (error) {
        return { ok: false, code: 'unavailable', kind: 'sqlite', error: error instanceof Error ? error.message : String(error) };
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      // Appends waiting for their group commit are written, not dropped.
      envelopes.settle();
      handle.db.close();
    },
  };
}
