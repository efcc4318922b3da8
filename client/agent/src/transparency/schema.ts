/**
 * The transparency module's table in the profile (its own migration set): the newest
 * signed tree head of the server's transparency log this device verified (signature under
 * the root-certified log key, and consistency with every head it held before). One row:
 * consistency is transitive, so each new head proven to extend this one extends every
 * earlier one too (docs/design.md §3.5).
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
]);
