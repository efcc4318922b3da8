/**
 * The transparency module's table in the profile (its own migration set): the newest
 * signed tree head of the server's transparency log this device verified (signature under
 * the root-certified log key, and consistency with every head it held before). One row:
 * consistency is transitive, so each new head proven to extend this one extends every
 * earlier one too (docs/design.md §3.5). And the certificates the log appended since,
 * for the people the device knows.
 */
import { defineMigrations } from '../profile/migrations';

/** Migration set `transparency`. Append only. */
export const TRANSPARENCY_MIGRATIONS = defineMigrations('transparency', [
  `
  CREATE TABLE transparency_head (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    tree_size   INTEGER NOT NULL,
    root_hash   TEXT NOT NULL,
    timestamp   INTEGER NOT NULL,
    signature   TEXT NOT NULL,
    verified_at INTEGER NOT NULL
  ) STRICT;
  `,
  `
  -- certificates the log appended after the head this device held, naming people it knows:
  -- read from the log's entries and proven to be all of them (transparency/log-witness.ts),
  -- so a certificate the server leaves out of a bundle (a revocation) is still known
  CREATE TABLE transparency_logged (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    leaf_index  INTEGER NOT NULL,
    certificate TEXT NOT NULL
  ) STRICT;
  CREATE INDEX transparency_logged_user ON transparency_logged (user_id);
  `,
]);
