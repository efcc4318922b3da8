/**
 * Versions of documents this device saw (docs/design.md §6, plan history): the full
 * decrypted state after each editing session (of one person, or of people editing at the
 * same moment), and each verified snapshot.
 * Kept in the SQLCipher profile like the document itself; nothing here comes from the
 * server unverified.
 */
import { defineMigrations } from '../profile/migrations';

/** Migration set `history`. Append steps; never edit shipped ones. */
export const HISTORY_MIGRATIONS = defineMigrations('history', [
  `
  CREATE TABLE history_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    -- 'checkpoint': the document after one person's editing session as this device saw it;
    -- 'snapshot': the full state a verified snapshot envelope carried
    kind TEXT NOT NULL CHECK (kind IN ('checkpoint', 'snapshot')),
    -- the signing device of the edits or the snapshot (verified envelope author, or this device)
    author_user TEXT NOT NULL,
    author_device INTEGER NOT NULL,
    -- ms since the epoch: the author's signed sentAt, or this device's clock for its own edits
    at INTEGER NOT NULL,
    snapshot_id TEXT,
    state BLOB NOT NULL
  );
  CREATE INDEX history_versions_stream ON history_versions (workspace_id, stream, id);
  `,
  // People who edited at the same moment share one checkpoint: besides its author (who
  // started the session), the others who edited in it, as a JSON array of
  // {"userId","deviceId"}; NULL for one author.
  `ALTER TABLE history_versions ADD COLUMN coauthors TEXT;`,
]);
