/**
 * The keys module's tables in the profile (its own migration set, see
 * profile/migrations.ts): the verified membership chain of each workspace, the epoch keys
 * this device holds or is waiting to be able to accept, the keys it owes other devices,
 * and the identity changes and mailbox items waiting for the user's decision.
 * Device references are stored as `userId.deviceId` (types.ts deviceKey).
 */
import { defineMigrations } from '../profile/migrations';

/** Migration set `keys`. Append only. */
export const KEYS_MIGRATIONS = defineMigrations('keys', [
  `
  -- workspaces this device knows; access 'revoked' once it is no longer a member device
  CREATE TABLE keys_workspaces (
    workspace_id     TEXT PRIMARY KEY,
    last_activity_at INTEGER NOT NULL DEFAULT 0,
    access           TEXT NOT NULL DEFAULT 'member' CHECK (access IN ('member', 'revoked'))
  ) STRICT;

  -- verified membership events, with the author identity key they were verified against
  -- (an identity accepted later must not make the stored chain unverifiable)
  CREATE TABLE keys_membership_events (
    workspace_id TEXT NOT NULL REFERENCES keys_workspaces (workspace_id),
    seq          INTEGER NOT NULL CHECK (seq >= 0),
    hash         TEXT NOT NULL,
    event        TEXT NOT NULL,
    author_key   BLOB NOT NULL,
    PRIMARY KEY (workspace_id, seq)
  ) STRICT;

  -- epoch keys this device accepted (source: 'self' or the sender's device key)
  CREATE TABLE keys_epoch_keys (
    workspace_id TEXT NOT NULL,
    epoch        INTEGER NOT NULL CHECK (epoch >= 1),
    key          BLOB NOT NULL,
    source       TEXT NOT NULL,
    accepted_at  INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, epoch)
  ) STRICT;

  -- keys received for epochs the verified chain has not reached yet
  CREATE TABLE keys_pending_epoch_keys (
    workspace_id TEXT NOT NULL,
    epoch        INTEGER NOT NULL CHECK (epoch >= 1),
    sender       TEXT NOT NULL,
    key          BLOB NOT NULL,
    received_at  INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, epoch, sender)
  ) STRICT;

  -- epoch keys this device must deliver; 'pending' ones are retried until sent
  CREATE TABLE keys_grants (
    workspace_id TEXT NOT NULL,
    epoch        INTEGER NOT NULL CHECK (epoch >= 1),
    device       TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'sent')),
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, epoch, device)
  ) STRICT;

  -- a device presented an identity key other than the trusted one; waits for the user
  CREATE TABLE keys_identity_changes (
    device  TEXT PRIMARY KEY,
    new_key BLOB NOT NULL,
    seen_at INTEGER NOT NULL
  ) STRICT;

  -- mailbox items from a device whose identity changed: kept (ciphertext) until the user decides
  CREATE TABLE keys_held_mailbox (
    id          TEXT PRIMARY KEY,
    sender      TEXT NOT NULL,
    message     TEXT NOT NULL,
    received_at INTEGER NOT NULL
  ) STRICT;
  `,
]);
