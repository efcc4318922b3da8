/**
 * mongo: workspaces, the membership chain and the materialised membership view.
 *
 * Chain appends need no transaction: the event at seq n - 1 is immutable once written, so
 * checking its hash and then inserting seq n under the unique (workspaceId, seq) index is
 * race-free — of two concurrent appends of seq n the index lets exactly one in.
 * The view is one document per workspace, replaced by a single conditional upsert (atomic
 * on MongoDB). FerretDB v1 executes updates as read-then-write, so this process also
 * queues view updates per workspace; several processes on FerretDB could still let an
 * older view overwrite a newer one.
 */
import { KeyedQueue } from '@yhteispoyta/common/queue';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { StoredMembershipEvent, WorkspaceStore } from '../port';
import { ZERO_HASH_HEX } from '../port';
import { readMembers, readMembershipEvent, readWorkspaceKind } from '../record-schemas';
import type { MembershipEventDoc, MongoModels } from './models';
import { isDuplicateKey } from './values';

const toEvent = (d: MembershipEventDoc): StoredMembershipEvent => ({
  event: readMembershipEvent(JSON.parse(d.event)),
  hash: d.hash,
});

/** Build the workspace methods over the adapter's models. */
export function mongoWorkspaces(m: MongoModels): WorkspaceStore {
  const viewLock = new KeyedQueue();
  const head = async (workspaceId: string) => {
    const d = await m.membershipEvents.findOne({ workspaceId }).sort({ seq: -1 }).lean();
    return d ? { headSeq: d.seq, headHash: d.hash } : { headSeq: -1, headHash: ZERO_HASH_HEX };
  };

  return {
    async createWorkspace(ws) {
      try {
        await m.workspaces.create({ _id: ws.id, kind: ws.kind, createdAt: ws.createdAt, lastActivityAt: ws.createdAt });
        return { ok: true };
      } catch (error) {
        if (isDuplicateKey(error)) return { ok: false, code: 'exists' };
        throw error;
      }
    },
    async getWorkspace(id) {
      const d = await m.workspaces.findById(id).lean();
      return d
        ? { id: d._id, kind: readWorkspaceKind(d.kind), createdAt: d.createdAt, lastActivityAt: d.lastActivityAt }
        : null;
    },
    async touchWorkspace(id, at) {
      await m.workspaces.updateOne({ _id: id, lastActivityAt: { $lt: at } }, { $set: { lastActivityAt: at } });
    },
    async appendMembershipEvent(workspaceId, entry, expectedSeq, expectedPrevHash) {
      const e = entry.event;
      if (e.workspaceId !== workspaceId || e.seq !== expectedSeq || e.prevHash !== expectedPrevHash) {
        return { ok: false, code: 'mismatch' };
      }
      if (!(await m.workspaces.exists({ _id: workspaceId }))) return { ok: false, code: 'unknown_workspace' };
      if (expectedSeq > 0) {
        const prev = await m.membershipEvents.findOne({ workspaceId, seq: expectedSeq - 1 }).lean();
        if (!prev || prev.hash !== expectedPrevHash) return { ok: false, code: 'conflict', ...(await head(workspaceId)) };
      } else if (expectedPrevHash !== ZERO_HASH_HEX) {
        return { ok: false, code: 'conflict', ...(await head(workspaceId)) };
      }
      try {
        await m.membershipEvents.create({ workspaceId, seq: expectedSeq, hash: entry.hash, event: JSON.stringify(e) });
        return { ok: true };
      } catch (error) {
        if (isDuplicateKey(error)) return { ok: false, code: 'conflict', ...(await head(workspaceId)) };
        throw error;
      }
    },
    async listMembershipEvents(workspaceId, afterSeq, limit = 10_000) {
      const docs = await m.membershipEvents.find({ workspaceId, seq: { $gt: afterSeq } }).sort({ seq: 1 }).limit(limit).lean();
      return docs.map(toEvent);
    },
    async foreignWriteMark() {
      // Every server process writes to the same replica set and nothing here counts their
      // commits: the adapter cannot tell, so cached chain states are read again (port.ts).
      return null;
    },
    async setMembershipView(workspaceId, view) {
      const doc = {
        asOfSeq: view.asOfSeq,
        members: JSON.stringify(view.members),
        userIds: view.members.map((mb) => mb.userId),
        deviceKeys: view.members.flatMap((mb) => mb.devices.map((d) => deviceKey({ userId: mb.userId, deviceId: d.deviceId }))),
      };
      return viewLock.run(workspaceId, async () => {
        try {
          // Matches only an older view; if a newer one exists the upsert's insert hits _id.
          await m.membershipViews.updateOne({ _id: workspaceId, asOfSeq: { $lt: view.asOfSeq } }, { $set: doc }, { upsert: true });
          return { ok: true } as const;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          const current = await m.membershipViews.findById(workspaceId).lean();
          return { ok: false, code: 'stale', asOfSeq: current?.asOfSeq ?? view.asOfSeq } as const;
        }
      });
    },
    async memberDevices(workspaceId) {
      const d = await m.membershipViews.findById(workspaceId).lean();
      if (!d) return [];
      return readMembers(JSON.parse(d.members))
        .flatMap((mb) => mb.devices.map((d) => ({ userId: mb.userId, deviceId: d.deviceId })))
        .sort((a, b) => (a.userId === b.userId ? a.deviceId - b.deviceId : a.userId < b.userId ? -1 : 1));
    },
    async workspacesOfUser(userId) {
      const docs = await m.membershipViews.find({ userIds: userId }, { _id: 1 }).sort({ _id: 1 }).lean();
      return docs.map((d) => d._id);
    },
  };
}
