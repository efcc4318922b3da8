/**
 * sqlite: per-device mailboxes of pairwise control messages. Ids are the row ids as
 * decimal strings, so "oldest first" is simply ascending id.
 */
import type { MailboxItem } from '@yhteispoyta/crypto/types';
import type { MailboxStore } from '../port';
import { readControlKind } from '../record-schemas';
import type { SqliteDb } from './db';
import { colInt, colStr } from './db';

const ID = /^[1-9][0-9]{0,15}$/;

/** Build the mailbox methods over an open database. */
export function sqliteMailboxes({ db, immediate }: SqliteDb): MailboxStore {
  const insert = db.prepare(
    `INSERT INTO mailbox (to_user, to_device, from_user, from_device, kind, body, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const select = db.prepare('SELECT * FROM mailbox WHERE to_user = ? AND to_device = ? ORDER BY id LIMIT ?');
  const remove = db.prepare('DELETE FROM mailbox WHERE id = ? AND to_user = ? AND to_device = ?');
  const count = db.prepare('SELECT count(*) AS n FROM mailbox WHERE to_user = ? AND to_device = ?');

  return {
    async enqueueMailbox(items) {
      return immediate(() =>
        items.map((item) =>
          String(
            insert.run([
              item.to.userId,
              item.to.deviceId,
              item.from.userId,
              item.from.deviceId,
              item.message.kind,
              item.message.body,
              item.createdAt,
            ]).lastInsertRowid,
          ),
        ),
      );
    },
    async fetchMailbox(device, limit) {
      return select.all([device.userId, device.deviceId, limit]).map(
        (r): MailboxItem => ({
          id: String(colInt(r, 'id')),
          from: { userId: colStr(r, 'from_user'), deviceId: colInt(r, 'from_device') },
          to: { userId: colStr(r, 'to_user'), deviceId: colInt(r, 'to_device') },
          message: { kind: readControlKind(colStr(r, 'kind')), body: colStr(r, 'body') },
          createdAt: colInt(r, 'created_at'),
        }),
      );
    },
    async ackMailbox(device, ids) {
      // Ids that are not ours (or not ids at all) match no row: the recipient is in the filter.
      const valid = ids.filter((id) => ID.test(id));
      return immediate(() => valid.reduce((n, id) => n + remove.run([Number(id), device.userId, device.deviceId]).changes, 0));
    },
    async mailboxCount(device) {
      const row = count.get([device.userId, device.deviceId]);
      return row ? colInt(row, 'n') : 0;
    },
  };
}
