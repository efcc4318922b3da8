/**
 * Records tables in the encrypted profile: every `records` event of a followed workspace
 * as this device received (or queued) it, with who wrote it as the verified chain named
 * him then. The records themselves are never stored: they are the replay of these rows in
 * server order (record-book.ts), so every agent derives them by the same rules.
 */
import { defineMigrations } from '../profile/migrations';

/** Migration set `records`. Append steps; never edit shipped ones. */
export const RECORDS_MIGRATIONS = defineMigrations('records', [
  `
  CREATE TABLE records_events (
    row_id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id TEXT NOT NULL,
    -- server seq: the order of the replay; NULL while our own event is not sequenced yet
    seq INTEGER,
    author_key TEXT NOT NULL,
    author_user TEXT NOT NULL,
    author_device INTEGER NOT NULL,
    -- the author as the verified chain named him when the event was applied: NULL role
    -- when he was no longer a member then (his organisation cannot be verified)
    author_org TEXT,
    author_role TEXT,
    -- the members (JSON {userId: {orgId, role}}) as the verified chain listed them then
    members TEXT NOT NULL,
    -- the author's clock; NULL while our own event is not acknowledged
    clock INTEGER,
    -- the event's JSON exactly as sealed
    payload BLOB NOT NULL,
    pending INTEGER NOT NULL DEFAULT 0,
    -- the refusal code last reported for this event; NULL when it applies
    refused TEXT
  );
  CREATE UNIQUE INDEX records_events_seq ON records_events (workspace_id, seq) WHERE seq IS NOT NULL;
  CREATE UNIQUE INDEX records_events_clock ON records_events (workspace_id, author_key, clock) WHERE clock IS NOT NULL;
  `,
]);
