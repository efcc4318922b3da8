/**
 * The sync engine's tables in the encrypted profile. Plaintext document state and queued
 * local changes live here on purpose: the profile is SQLCipher-encrypted, and queued
 * changes are sealed only when sent, so they go out under whatever epoch key is current
 * then (a rotation between edit and send must not leave them under the old key).
 */
import { defineMigrations } from '../profile/migrations';

/** Migration set `sync`. Append steps; never edit shipped ones. */
export const SYNC_MIGRATIONS = defineMigrations('sync', [
  `
  -- one row per (workspace, stream) this device follows: where it stands on the server
  CREATE TABLE sync_streams (
    workspace_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    -- the active snapshot ('' before the first one) with its own parentProof and the
    -- SHA-256 of its ciphertext: the next snapshot's parentProof is H(proof || hash)
    snapshot_id TEXT NOT NULL DEFAULT '',
    snapshot_proof BLOB,
    snapshot_hash BLOB,
    snapshot_epoch INTEGER NOT NULL DEFAULT 0,
    snapshot_seq INTEGER NOT NULL DEFAULT 0,
    -- highest server seq processed in this stream
    last_seq INTEGER NOT NULL DEFAULT 0,
    -- update envelopes seen on the active snapshot (compaction trigger)
    updates_on_snapshot INTEGER NOT NULL DEFAULT 0,
    -- oldest epoch of the content on the active snapshot (its own epoch, or an update's);
    -- 0 for none. Content under an epoch older than the current one needs a new snapshot,
    -- so that members who only hold the current key can read the whole document.
    oldest_epoch INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, stream)
  ) WITHOUT ROWID;

  -- every snapshot this device adopted, to recognise a re-delivered one and to detect forks
  CREATE TABLE sync_snapshots (
    workspace_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    snapshot_id TEXT NOT NULL,
    proof BLOB NOT NULL,
    ciphertext_hash BLOB NOT NULL,
    epoch INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, stream, snapshot_id)
  ) WITHOUT ROWID;

  -- last applied clock per author device (ours included) and the seq it came with
  CREATE TABLE sync_clocks (
    workspace_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    author_key TEXT NOT NULL,
    last_clock INTEGER NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, stream, author_key)
  ) WITHOUT ROWID;

  -- decrypted document state: a merged base update plus the updates applied since
  CREATE TABLE sync_doc_state (
    workspace_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    state BLOB NOT NULL,
    PRIMARY KEY (workspace_id, stream)
  ) WITHOUT ROWID;
  CREATE TABLE sync_doc_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    data BLOB NOT NULL
  );
  CREATE INDEX sync_doc_updates_stream ON sync_doc_updates (workspace_id, stream, id);

  -- local changes not yet acknowledged, as plaintext; sent_clock is set while a send is
  -- in flight so that a lost acknowledgement is recognised instead of sent twice
  CREATE TABLE sync_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('update', 'chat')),
    payload BLOB NOT NULL,
    sent_clock INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX sync_outbox_stream ON sync_outbox (workspace_id, stream, id);

  -- device sets seen in the verified chain per epoch: an envelope's author must have been
  -- a member device in the epoch it is sealed under
  CREATE TABLE sync_epoch_devices (
    workspace_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    device_key TEXT NOT NULL,
    PRIMARY KEY (workspace_id, epoch, device_key)
  ) WITHOUT ROWID;
  `,
  // The outbox also carries case records events (docs/design.md §11). SQLite cannot change a
  // CHECK constraint, so the table is rebuilt with its rows and its id sequence.
  `
  CREATE TABLE sync_outbox_v2 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('update', 'chat', 'records')),
    payload BLOB NOT NULL,
    sent_clock INTEGER,
    created_at INTEGER NOT NULL
  );
  INSERT INTO sync_outbox_v2 (id, workspace_id, stream, kind, payload, sent_clock, created_at)
    SELECT id, workspace_id, stream, kind, payload, sent_clock, created_at FROM sync_outbox;
  DELETE FROM sqlite_sequence WHERE name = 'sync_outbox_v2';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'sync_outbox_v2', seq FROM sqlite_sequence WHERE name = 'sync_outbox';
  DROP TABLE sync_outbox;
  ALTER TABLE sync_outbox_v2 RENAME TO sync_outbox;
  CREATE INDEX sync_outbox_stream ON sync_outbox (workspace_id, stream, id);
  `,
  // Document updates need only their order, not ids that are never reused: without
  // AUTOINCREMENT an insert no longer rewrites sqlite_sequence, one encrypted page fewer in
  // every received update's commit (5 → 4). A new row still gets the highest id + 1, so it
  // sorts after every row it could be loaded with. (The outbox keeps AUTOINCREMENT: the
  // sender recognises a settled entry by its id.)
  `
  CREATE TABLE sync_doc_updates_v2 (
    id INTEGER PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    data BLOB NOT NULL
  );
  INSERT INTO sync_doc_updates_v2 (id, workspace_id, stream, data)
    SELECT id, workspace_id, stream, data FROM sync_doc_updates;
  DROP TABLE sync_doc_updates;
  ALTER TABLE sync_doc_updates_v2 RENAME TO sync_doc_updates;
  CREATE INDEX sync_doc_updates_stream ON sync_doc_updates (workspace_id, stream, id);
  `,
  // Stored in the order of their own key (a clustered table), a stream's updates need no
  // index beside them: an appended update writes one page where the row and its index
  // entry wrote two, each encrypted and written to the WAL in the commit — every received
  // update's commit (4 pages → 3) and every local edit's. Ids are counted per stream from
  // here on (the highest of the stream + 1); the rows kept keep theirs, and their order.
  `
  CREATE TABLE sync_doc_updates_v3 (
    workspace_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    id INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (workspace_id, stream, id)
  ) WITHOUT ROWID;
  INSERT INTO sync_doc_updates_v3 (workspace_id, stream, id, data)
    SELECT workspace_id, stream, id, data FROM sync_doc_updates;
  DROP TABLE sync_doc_updates;
  ALTER TABLE sync_doc_updates_v3 RENAME TO sync_doc_updates;
  `,
]);
