/**
 * The identity module's tables in the profile (its own migration set): the certificate
 * bundles the server served (re-verified against the pinned root whenever they are read),
 * the user key first seen for each person, the names of clients, workspace labels and
 * consent purposes learned inside encrypted key messages, and the invitation and device-link codes this device issued (their
 * secrets never leave the profile).
 */
import { defineMigrations } from '../profile/migrations';

/** Migration set `identity`. Append only. */
export const IDENTITY_MIGRATIONS = defineMigrations('identity', [
  `
  -- certificates the server served for a user (unverified JSON; verified on every read)
  CREATE TABLE identity_bundles (
    user_id      TEXT PRIMARY KEY,
    certificates TEXT NOT NULL,
    fetched_at   INTEGER NOT NULL
  ) STRICT;

  -- organisation certificates (for verified organisation names)
  CREATE TABLE identity_orgs (
    org_id      TEXT PRIMARY KEY,
    certificate TEXT NOT NULL
  ) STRICT;

  -- the user key first verified for each person; a different verified key waits for the user
  CREATE TABLE identity_person_keys (
    user_id    TEXT PRIMARY KEY,
    user_key   BLOB NOT NULL,
    verified   INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1)),
    new_key    BLOB,
    first_seen INTEGER NOT NULL,
    changed_at INTEGER
  ) STRICT;

  -- clients' names as their inviter typed them, checked against the certificate's commitment
  CREATE TABLE identity_client_names (
    user_id      TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    salt         BLOB NOT NULL
  ) STRICT;

  -- client invitations this device issued: the secret checks the client's proof
  CREATE TABLE identity_invitations (
    code_id      TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    secret       BLOB NOT NULL,
    display_name TEXT NOT NULL,
    salt         BLOB NOT NULL,
    expires_at   INTEGER NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('open', 'admitted', 'refused'))
  ) STRICT;

  -- device-link codes this device issued for its person's next device
  CREATE TABLE identity_link_codes (
    code_id    TEXT PRIMARY KEY,
    device_id  INTEGER NOT NULL,
    secret     BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('open', 'approved', 'refused'))
  ) STRICT;
  `,
  `
  -- workspace labels and consent purposes (issue 15), kept under the commitment each hashes
  -- to; shown only when the verified chain names that commitment (identity/workspace-texts.ts)
  CREATE TABLE identity_workspace_texts (
    workspace_id TEXT NOT NULL,
    commitment   TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('label', 'purpose')),
    text         TEXT NOT NULL,
    salt         BLOB NOT NULL,
    PRIMARY KEY (workspace_id, commitment)
  ) STRICT;
  `,
  `
  -- statutory bases an owner records for a member (record_basis, issue 13) are workspace texts
  -- too: the table is rebuilt to admit the kind (SQLite cannot change a CHECK in place)
  CREATE TABLE identity_workspace_texts_next (
    workspace_id TEXT NOT NULL,
    commitment   TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('label', 'purpose', 'basis')),
    text         TEXT NOT NULL,
    salt         BLOB NOT NULL,
    PRIMARY KEY (workspace_id, commitment)
  ) STRICT;
  INSERT INTO identity_workspace_texts_next (workspace_id, commitment, kind, text, salt)
    SELECT workspace_id, commitment, kind, text, salt FROM identity_workspace_texts;
  DROP TABLE identity_workspace_texts;
  ALTER TABLE identity_workspace_texts_next RENAME TO identity_workspace_texts;
  `,
]);
