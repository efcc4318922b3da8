/**
 * mongo: per-device mailboxes. Ids are ObjectId hex strings; "oldest first" is
 * (createdAt, _id), which is also the index order.
 */
import { isValidObjectId, Types } from 'mongoose';
import type { MailboxItem } from '@yhteispoyta/crypto/types';
import type { MailboxStore } from '../port';
import { readControlKind } from '../record-schemas';
import type { MongoModels } from './models';

const OBJECT_ID_HEX = /^[0-9a-f]{24}$/;

/** Build the mailbox methods over the adapter's models. */
export function mongoMailboxes(m: MongoModels): MailboxStore {
  return {
    async enqueueMailbox(items) {
      if (items.length === 0) return [];
      const docs = items.map((item) => ({
        _id: new Types.ObjectId(),
        toUser: item.to.userId,
        toDevice: item.to.deviceId,
        fromUser: item.from.userId,
        fromDevice: item.from.deviceId,
        kind: item.message.kind,
        body: item.message.body,
        createdAt: item.createdAt,
      }));
      await m.mailbox.insertMany(docs, { ordered: true });
      return docs.map((d) => d._id.toHexString());
    },
    async fetchMailbox(device, limit) {
      const docs = await m.mailbox
        .find({ toUser: device.userId, toDevice: device.deviceId })
        .sort({ createdAt: 1, _id: 1 })
        .limit(limit)
        .lean();
      return docs.map(
        (d): MailboxItem => ({
          id: d._id.toHexString(),
          from: { userId: d.fromUser, deviceId: d.fromDevice },
          to: { userId: d.toUser, deviceId: d.toDevice },
          message: { kind: readControlKind(d.kind), body: d.body },
          createdAt: d.createdAt,
        }),
      );
    },
    async ackMailbox(device, ids) {
      // Hostile ids are dropped before they reach a query; the recipient is in the filter.
      const valid = ids.filter((id) => OBJECT_ID_HEX.test(id) && isValidObjectId(id)).map((id) => new Types.ObjectId(id));
      if (valid.length === 0) return 0;
      const res = await m.mailbox.deleteMany({ _id: { $in: valid }, toUser: device.userId, toDevice: device.deviceId });
      return res.deletedCount;
    },
    async mailboxCount(device) {
      return m.mailbox.countDocuments({ toUser: device.userId, toDevice: device.deviceId });
    },
  };
}
