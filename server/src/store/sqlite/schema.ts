/**
 * The sqlite schema as an append-only list of migrations: entry i is version i + 1 and is
 * applied once, in order, recorded in `schema_migrations`. Never edit a shipped entry;
 * append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE orgs (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE users (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs (id), role TEXT NOT NULL,
    display_name TEXT NOT NULL, created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX users_by_org ON users (org_id);
  CREATE TABLE devices (
    user_id TEXT NOT NULL REFERENCES users (id), device_id INTEGER NOT NULL,
    identity_key BLOB NOT NULL, registration_id INTEGER NOT NULL,
    signed_prekey TEXT NOT NULL, last_resort_kyber TEXT NOT NULL,
    created_at INTEGER NOT NULL, removed_at INTEGER,
    PRIMARY KEY (user_id, device_id)
  ) STRICT;
  -- kind: 'ec' (one-time EC prekey) or 'kyber' (one-time Kyber prekey); key_json is the public part
  CREATE TABLE one_time_prekeys (
    user_id TEXT NOT NULL, device_id INTEGER NOT NULL, kind TEXT NOT NULL, key_id INTEGER NOT NULL,
    key_json TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id, kind, key_id)
  ) STRICT;

  CREATE TABLE codes (
    code_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, user_id TEXT NOT NULL, detail TEXT NOT NULL,
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER
  ) STRICT;
  CREATE TABLE challenges (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, device_id INTEGER NOT NULL, nonce BLOB NOT NULL,
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, device_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX sessions_by_device ON sessions (user_id, device_id);

  CREATE TABLE workspaces (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, label TEXT NOT NULL,
    created_at INTEGER NOT NULL, last_activity_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE membership_events (
    workspace_id TEXT NOT NULL, seq INTEGER NOT NULL, hash TEXT NOT NULL, event TEXT NOT NULL,
    PRIMARY KEY (workspace_id, seq)
  ) STRICT;
  CREATE TABLE membership_views (
    workspace_id TEXT PRIMARY KEY, as_of_seq INTEGER NOT NULL, members TEXT NOT NULL
  ) STRICT;
  CREATE TABLE member_devices (
    workspace_id TEXT NOT NULL, user_id TEXT NOT NULL, device_id INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id, device_id)
  ) STRICT;
  -- a member whose devices were all removed is still a member: users are kept apart
  CREATE TABLE member_users (
    workspace_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (workspace_id, user_id)
  ) STRICT;
  CREATE INDEX member_users_by_user ON member_users (user_id, workspace_id);

  CREATE TABLE mailbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    to_user TEXT NOT NULL, to_device INTEGER NOT NULL, from_user TEXT NOT NULL, from_device INTEGER NOT NULL,
    kind TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX mailbox_by_recipient ON mailbox (to_user, to_device, id);

  -- one sequence per workspace, shared by envelopes and snapshots
  CREATE TABLE workspace_seq (workspace_id TEXT PRIMARY KEY, last INTEGER NOT NULL) STRICT;
  CREATE TABLE streams (
    workspace_id TEXT NOT NULL, stream TEXT NOT NULL, active_snapshot_id TEXT NOT NULL,
    PRIMARY KEY (workspace_id, stream)
  ) STRICT;
  -- the last accepted clock per author: survives pruning of the envelopes themselves
  CREATE TABLE stream_clocks (
    workspace_id TEXT NOT NULL, stream TEXT NOT NULL, author_key TEXT NOT NULL, last_clock INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, stream, author_key)
  ) STRICT;
  CREATE TABLE envelopes (
    workspace_id TEXT NOT NULL, seq INTEGER NOT NULL, stream TEXT NOT NULL, kind TEXT NOT NULL,
    author_key TEXT NOT NULL, clock INTEGER NOT NULL, snapshot_id TEXT NOT NULL, epoch INTEGER NOT NULL,
    bytes BLOB NOT NULL, received_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, seq),
    UNIQUE (workspace_id, stream, author_key, clock)
  ) STRICT;
  CREATE INDEX envelopes_by_stream ON envelopes (workspace_id, stream, seq);
  CREATE INDEX envelopes_by_snapshot ON envelopes (workspace_id, stream, snapshot_id, author_key, clock);
  CREATE TABLE snapshots (
    workspace_id TEXT NOT NULL, stream TEXT NOT NULL, snapshot_id TEXT NOT NULL,
    parent_snapshot_id TEXT NOT NULL, seq INTEGER NOT NULL, author_key TEXT NOT NULL,
    epoch INTEGER NOT NULL, covered_clocks TEXT NOT NULL, bytes BLOB NOT NULL, received_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, stream, snapshot_id),
    UNIQUE (workspace_id, stream, parent_snapshot_id)
  ) STRICT;

  -- complete = 0 while an upload is in progress (or was cut off by a crash)
  CREATE TABLE blobs (
    id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
    created_at INTEGER NOT NULL, complete INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE blob_chunks (
    blob_id TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (blob_id, n)
  ) STRICT;

  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor_user TEXT, actor_device INTEGER,
    action TEXT NOT NULL, workspace_id TEXT, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL
  ) STRICT;
  CREATE INDEX audit_by_workspace ON audit (workspace_id, seq);
  CREATE INDEX audit_by_actor ON audit (actor_user, actor_device, seq);
  CREATE INDEX audit_by_time ON audit (at);
  `,
  // 2: identities the server cannot forge. Codes are keyed by their id (the secret never
  // reaches the server; the old hashed codes could not be redeemed under the new protocol
  // anyway, so they are dropped), the deployment root, organisations carry their
  // certificate, stored certificates, and enrolments waiting for their issuer.
  `
  DROP TABLE codes;
  CREATE TABLE codes (
    code_id TEXT PRIMARY KEY, kind TEXT NOT NULL, user_id TEXT NOT NULL, detail TEXT NOT NULL,
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER
  ) STRICT;
  CREATE INDEX codes_by_expiry ON codes (expires_at);

  -- at most one row: the CHECK makes a second root impossible, not just unlikely
  CREATE TABLE deployment_root (
    id INTEGER PRIMARY KEY CHECK (id = 1), key BLOB NOT NULL, set_at INTEGER NOT NULL
  ) STRICT;

  -- NULL for the clients organisation, which no root certifies
  ALTER TABLE orgs ADD COLUMN certificate TEXT;
  ALTER TABLE orgs ADD COLUMN certificate_not_before INTEGER;

  -- json is the canonical JSON of the whole certificate; the other columns are derived from it
  CREATE TABLE certificates (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, user_id TEXT, org_id TEXT, device_id INTEGER,
    json TEXT NOT NULL, stored_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX certificates_by_user ON certificates (user_id, stored_at);
  CREATE INDEX certificates_by_org ON certificates (org_id, type, stored_at);

  CREATE TABLE enrolments (
    code_id TEXT PRIMARY KEY, kind TEXT NOT NULL, user_id TEXT NOT NULL, org_id TEXT NOT NULL,
    device_id INTEGER NOT NULL, identity_key BLOB NOT NULL, key_hash TEXT NOT NULL,
    registration_id INTEGER NOT NULL, user_key BLOB, device_certificate TEXT, proof TEXT NOT NULL,
    enrolled_at INTEGER NOT NULL, issued_by_user TEXT, issued_by_device INTEGER, workspace_id TEXT,
    closed_at INTEGER
  ) STRICT;
  CREATE INDEX enrolments_by_user ON enrolments (user_id, enrolled_at);
  CREATE INDEX enrolments_by_org ON enrolments (org_id, kind, enrolled_at);
  CREATE INDEX enrolments_by_device ON enrolments (user_id, device_id, key_hash);
  `,
  // 3: the transparency log (docs/design.md §3.5): one leaf per stored certificate, numbered
  // without gaps in the order the certificates were stored (idx is the rowid, so the next
  // leaf is max + 1 inside the certificate's own transaction); leaf_hash is crypto's
  // certificateLeafHash. Certificates stored before this version get their leaves at the
  // server's next start (appendUnlogged). log_certificates keeps the root's certificate of
  // each log key the server has signed with.
  `
  CREATE TABLE log_leaves (
    idx INTEGER PRIMARY KEY, certificate_id TEXT NOT NULL UNIQUE REFERENCES certificates (id), leaf_hash BLOB NOT NULL
  ) STRICT;
  CREATE TABLE log_certificates (
    log_key TEXT PRIMARY KEY, json TEXT NOT NULL, stored_at INTEGER NOT NULL
  ) STRICT;
  `,
  // 4: quotas and unreferenced blobs (issue 15): who uploaded a blob (per-user quotas) and
  // when a member confirmed that a sent message or record references it; blobs stored
  // before this version count as confirmed (they were sent under the old rules).
  `
  ALTER TABLE blobs ADD COLUMN uploaded_by TEXT NOT NULL DEFAULT '';
  ALTER TABLE blobs ADD COLUMN confirmed_at INTEGER;
  UPDATE blobs SET confirmed_at = created_at;
  CREATE INDEX blobs_by_workspace ON blobs (workspace_id, complete);
  CREATE INDEX blobs_by_uploader ON blobs (uploaded_by, complete);
  CREATE INDEX blobs_unconfirmed ON blobs (confirmed_at, created_at);
  `,
  // 5: workspaces lose their label (issue 15): the chain names it only by a commitment and
  // members receive it encrypted (docs/design.md §4.1); a label stored before is dropped.
  `
  ALTER TABLE workspaces DROP COLUMN label;
  `,
];
