/**
 * SQL over the chat tables. Messages are keyed by (workspace, author device, message id):
 * ids are chosen by authors, so only the pair says whose message is meant.
 */
import { z } from 'zod';
import { toBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { AttachmentRef } from '../contracts';
import type { ProfileDb } from '../profile/profile-db';
import { rowBytes, rowInt, rowOptInt, rowText } from '../streams/sql-row';
import type { SqlRow } from '../streams/sql-row';

/** A stored message. */
export interface StoredMessage {
  readonly workspaceId: string;
  readonly authorKey: string;
  readonly id: string;
  readonly authorUser: string;
  readonly authorDevice: number;
  readonly text: string;
  readonly attachments: readonly AttachmentRef[];
  readonly sentAt: number;
  readonly seq: number | undefined;
  readonly clock: number | undefined;
  readonly editedAt: number | undefined;
  readonly deleted: boolean;
  readonly pending: boolean;
}

/** Key material of one attachment. */
export interface AttachmentKey {
  readonly key: Bytes;
  readonly noncePrefix: Bytes;
}

const storedRefsSchema = z.array(
  z.object({ blobId: z.string(), name: z.string(), type: z.string(), size: z.number(), sha256: z.string() }),
);

function toMessage(row: SqlRow): StoredMessage {
  const refs = storedRefsSchema.safeParse(JSON.parse(rowText(row, 'attachments')));
  if (!refs.success) throw new TypeError('stored attachments are not a list of references');
  return {
    workspaceId: rowText(row, 'workspace_id'),
    authorKey: rowText(row, 'author_key'),
    id: rowText(row, 'message_id'),
    authorUser: rowText(row, 'author_user'),
    authorDevice: rowInt(row, 'author_device'),
    text: rowText(row, 'text'),
    attachments: refs.data,
    sentAt: rowInt(row, 'sent_at'),
    seq: rowOptInt(row, 'seq'),
    clock: rowOptInt(row, 'clock'),
    editedAt: rowOptInt(row, 'edited_at'),
    deleted: rowInt(row, 'deleted') === 1,
    pending: rowInt(row, 'pending') === 1,
  };
}

/** SQL over chat_messages and chat_attachment_keys. */
export class ChatStore {
  readonly #profile: ProfileDb;

  /** Operates on an open profile with the `chat` migrations applied. */
  constructor(profile: ProfileDb) {
    this.#profile = profile;
  }

  /** A workspace's messages: acknowledged ones in server order, then the rest in the order they were made. */
  list(workspaceId: string): StoredMessage[] {
    return this.#profile.db
      .prepare('SELECT * FROM chat_messages WHERE workspace_id = ? ORDER BY seq IS NULL, seq, rowid')
      .all([workspaceId])
      .map(toMessage);
  }

  /** One message. */
  get(workspaceId: string, authorKey: string, id: string): StoredMessage | undefined {
    const row = this.#profile.db
      .prepare('SELECT * FROM chat_messages WHERE workspace_id = ? AND author_key = ? AND message_id = ?')
      .get([workspaceId, authorKey, id]);
    return row === undefined ? undefined : toMessage(row);
  }

  /** Whether a message with this id exists from an author other than `authorKey`. */
  existsFromOther(workspaceId: string, authorKey: string, id: string): boolean {
    return (
      this.#profile.db
        .prepare('SELECT 1 FROM chat_messages WHERE workspace_id = ? AND message_id = ? AND author_key <> ?', { pluck: true })
        .get([workspaceId, id, authorKey]) !== undefined
    );
  }

  /** Insert a message (received, or our own pending one). */
  insert(m: StoredMessage): void {
    this.#profile.db
      .prepare(
        `INSERT INTO chat_messages (workspace_id, author_key, message_id, author_user, author_device, text, attachments,
           sent_at, seq, clock, edited_at, deleted, pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run([
        m.workspaceId, m.authorKey, m.id, m.authorUser, m.authorDevice, m.text, JSON.stringify(m.attachments),
        m.sentAt, m.seq ?? null, m.clock ?? null, m.editedAt ?? null, m.deleted ? 1 : 0, m.pending ? 1 : 0,
      ]);
  }

  /** Our message was stored by the server (`seq` unknown when only the clock is known). */
  markSent(workspaceId: string, authorKey: string, id: string, clock: number, seq: number | undefined): void {
    this.#profile.db
      .prepare(
        `UPDATE chat_messages SET pending = 0, clock = ?, seq = coalesce(?, seq)
         WHERE workspace_id = ? AND author_key = ? AND message_id = ?`,
      )
      .run([clock, seq ?? null, workspaceId, authorKey, id]);
  }

  /** Set the server seq of a message that lacks it. */
  setSeq(workspaceId: string, authorKey: string, id: string, seq: number): void {
    this.#profile.db
      .prepare('UPDATE chat_messages SET seq = ? WHERE workspace_id = ? AND author_key = ? AND message_id = ? AND seq IS NULL')
      .run([seq, workspaceId, authorKey, id]);
  }

  /** Replace a message's text. */
  edit(workspaceId: string, authorKey: string, id: string, text: string, editedAt: number): void {
    this.#profile.db
      .prepare('UPDATE chat_messages SET text = ?, edited_at = ? WHERE workspace_id = ? AND author_key = ? AND message_id = ?')
      .run([text, editedAt, workspaceId, authorKey, id]);
  }

  /** Mark a message deleted and forget its content. */
  markDeleted(workspaceId: string, authorKey: string, id: string, at: number): void {
    this.#profile.db
      .prepare(
        `UPDATE chat_messages SET deleted = 1, text = '', attachments = '[]', edited_at = ?
         WHERE workspace_id = ? AND author_key = ? AND message_id = ?`,
      )
      .run([at, workspaceId, authorKey, id]);
  }

  /** Pending again: our own message the server acknowledged but lost, queued to be sent again. */
  markPending(workspaceId: string, authorKey: string, id: string): void {
    this.#profile.db
      .prepare('UPDATE chat_messages SET pending = 1, seq = NULL, clock = NULL WHERE workspace_id = ? AND author_key = ? AND message_id = ?')
      .run([workspaceId, authorKey, id]);
  }

  /** No longer pending: our own message the server refused for good (it is also marked deleted). */
  clearPending(workspaceId: string, authorKey: string, id: string): void {
    this.#profile.db
      .prepare('UPDATE chat_messages SET pending = 0 WHERE workspace_id = ? AND author_key = ? AND message_id = ?')
      .run([workspaceId, authorKey, id]);
  }

  /** Remember an attachment's key material. */
  addKey(workspaceId: string, blobId: string, sha256: string, key: Uint8Array, noncePrefix: Uint8Array): void {
    this.#profile.db
      .prepare(
        `INSERT INTO chat_attachment_keys (workspace_id, blob_id, sha256, file_key, nonce_prefix) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      )
      .run([workspaceId, blobId, sha256, toBytes(key), toBytes(noncePrefix)]);
  }

  /** Every key material known for a blob with this plaintext hash. */
  keys(workspaceId: string, blobId: string, sha256: string): AttachmentKey[] {
    return this.#profile.db
      .prepare('SELECT file_key, nonce_prefix FROM chat_attachment_keys WHERE workspace_id = ? AND blob_id = ? AND sha256 = ?')
      .all([workspaceId, blobId, sha256])
      .map((row) => ({ key: rowBytes(row, 'file_key'), noncePrefix: rowBytes(row, 'nonce_prefix') }));
  }
}
