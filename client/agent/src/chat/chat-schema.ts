/**
 * Chat tables in the encrypted profile: the messages as this device saw them (decrypted,
 * verified, in server order) and the key material of attachments.
 */
import { defineMigrations } from '../profile/migrations';

/** Migration set `chat`. Append steps; never edit shipped ones. */
export const CHAT_MIGRATIONS = defineMigrations('chat', [
  `
  CREATE TABLE chat_messages (
    workspace_id TEXT NOT NULL,
    author_key TEXT NOT NULL,
    message_id TEXT NOT NULL,
    author_user TEXT NOT NULL,
    author_device INTEGER NOT NULL,
    text TEXT NOT NULL,
    -- JSON array of AttachmentRef (no key material)
    attachments TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    -- server seq and author clock: NULL until the server acknowledged our own message
    seq INTEGER,
    clock INTEGER,
    edited_at INTEGER,
    deleted INTEGER NOT NULL DEFAULT 0,
    pending INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, author_key, message_id)
  );
  -- one message per author clock: a retried send can never show twice
  CREATE UNIQUE INDEX chat_messages_clock ON chat_messages (workspace_id, author_key, clock) WHERE clock IS NOT NULL;
  CREATE INDEX chat_messages_order ON chat_messages (workspace_id, seq);

  -- key material of attachments, from our uploads and from received messages; several
  -- rows for one blob are possible (a member may name a blob with a wrong key), and a
  -- download tries each until one verifies
  CREATE TABLE chat_attachment_keys (
    workspace_id TEXT NOT NULL,
    blob_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    file_key BLOB NOT NULL,
    nonce_prefix BLOB NOT NULL,
    PRIMARY KEY (workspace_id, blob_id, sha256, file_key)
  ) WITHOUT ROWID;
  `,
]);
