/**
 * The second baseline: what a team would deploy instead — `@hocuspocus/server` with its
 * Database extension persisting every document to SQLite (durable plaintext, no
 * authentication, no encryption). The extension's fetch/store callbacks keep one row per
 * document holding its whole Yjs state (what `@hocuspocus/extension-sqlite` does); the
 * SQLite driver is the one the Yhteispöytä server uses (`@signalapp/sqlcipher`, no key:
 * plain SQLite) with the same journal settings (WAL, `synchronous = NORMAL`), since
 * extension-sqlite's better-sqlite3 would need a native build. Hocuspocus's own defaults
 * are kept: stores are debounced (2 s, at most 10 s), broadcasts coalesced per event-loop
 * turn. Clients connect to `ws://HOST:PORT` and name the document in every message
 * (`@hocuspocus/provider` or the raw protocol).
 */
import Sqlite from '@signalapp/sqlcipher';
import { Database } from '@hocuspocus/extension-database';
import { Server } from '@hocuspocus/server';

/** A listening Hocuspocus server. */
export interface HocuspocusBaseline {
  /** `ws://127.0.0.1:PORT` */
  readonly url: string;
  /** bytes stored for `documentName` (its row's state), 0 when not stored yet */
  storedBytes(documentName: string): number;
  close(): Promise<void>;
}

/** Start Hocuspocus on 127.0.0.1 (a free port) persisting to the SQLite file `dbPath`. */
export async function startHocuspocus(dbPath: string): Promise<HocuspocusBaseline> {
  const db = new Sqlite(dbPath);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS documents (name TEXT PRIMARY KEY, data BLOB NOT NULL)');
  const select = db.prepare<{ pluck: true }>('SELECT data FROM documents WHERE name = ?', { pluck: true });
  const upsert = db.prepare('INSERT INTO documents (name, data) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET data = excluded.data');
  const server = new Server({
    address: '127.0.0.1',
    port: 0,
    quiet: true,
    stopOnSignals: false,
    extensions: [
      new Database({
        fetch: ({ documentName }) => {
          const row = select.get([documentName]);
          return Promise.resolve(row instanceof Uint8Array ? row : null);
        },
        store: ({ documentName, state }) => {
          upsert.run([documentName, new Uint8Array(state)]);
          return Promise.resolve();
        },
      }),
    ],
  });
  await server.listen();
  return {
    url: `ws://127.0.0.1:${server.address.port}`,
    storedBytes: (documentName) => {
      const row = select.get([documentName]);
      return row instanceof Uint8Array ? row.byteLength : 0;
    },
    close: async () => {
      await server.destroy();
      db.close();
    },
  };
}
