/**
 * The profile's own tables: this device's identity and everything libsignal keeps
 * (sessions, remote identities, prekeys), plus a small settings table. Other modules
 * add their tables through their own migration sets (see migrations.ts).
 * Timestamps are ms since epoch; booleans are 0/1 with CHECKs; tables are STRICT so a
 * wrong type is an error instead of a silent coercion.
 */
import { CORE_MIGRATION_SET_NAME, defineMigrations } from './migrations';

/** The core migration set of every profile database. Append only. */
export const PROFILE_MIGRATIONS = defineMigrations(CORE_MIGRATION_SET_NAME, [
  `
  CREATE TABLE profile_migrations (
    name    TEXT PRIMARY KEY,
    version INTEGER NOT NULL CHECK (version >= 0)
  ) STRICT;

  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  -- exactly one row: this device's serialized identity (identity key pair, registration id, device id)
  CREATE TABLE device_identity (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    serialized BLOB NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  -- libsignal SessionRecords by remote address "userId.deviceId"
  CREATE TABLE sessions (
    address    TEXT PRIMARY KEY,
    record     BLOB NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;

  -- trust on first use; a changed key clears "verified" and sets changed_at
  CREATE TABLE remote_identities (
    address    TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    verified   INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1)),
    first_seen INTEGER NOT NULL,
    changed_at INTEGER
  ) STRICT;

  -- one-time EC prekeys; a row is deleted when libsignal consumes it
  CREATE TABLE one_time_prekeys (
    id         INTEGER PRIMARY KEY,
    record     BLOB NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE signed_prekeys (
    id         INTEGER PRIMARY KEY,
    record     BLOB NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  -- Kyber prekeys: one-time ones are deleted on use; the last-resort one stays and is
  -- flagged used once it has served a session
  CREATE TABLE kyber_prekeys (
    id          INTEGER PRIMARY KEY,
    record      BLOB NOT NULL,
    last_resort INTEGER NOT NULL CHECK (last_resort IN (0, 1)),
    used        INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
    created_at  INTEGER NOT NULL
  ) STRICT;

  -- every (last-resort Kyber prekey, signed prekey, base key) that started a session:
  -- a replayed first message carries the same triple and is refused
  CREATE TABLE kyber_prekey_uses (
    kyber_prekey_id  INTEGER NOT NULL,
    signed_prekey_id INTEGER NOT NULL,
    base_key         BLOB NOT NULL,
    used_at          INTEGER NOT NULL,
    PRIMARY KEY (kyber_prekey_id, signed_prekey_id, base_key)
  ) STRICT;

  -- highest prekey id ever issued per kind, so ids are never reused after deletion
  CREATE TABLE prekey_id_high_water (
    kind    TEXT PRIMARY KEY CHECK (kind IN ('one_time', 'signed', 'kyber')),
    last_id INTEGER NOT NULL
  ) STRICT;
  `,
]);
