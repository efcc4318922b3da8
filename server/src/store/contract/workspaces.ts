/**
 * Contract: workspaces, the membership chain and view, and mailboxes.
 */
import { describe, expect, it } from 'vitest';
import type { MembershipEvent } from '@yhteispoyta/crypto/types';
import { ZERO_HASH_HEX } from '../port';
import type { StoredMembershipEvent } from '../port';
import type { ContractContext } from './context';

const alice1 = { userId: 'alice', deviceId: 1 };
const bob1 = { userId: 'bob', deviceId: 1 };
const hashOf = (n: number) => n.toString(16).padStart(64, '0');
/** A chain device: id and a stand-in key hash (the store treats it as opaque). */
const dev = (deviceId: number) => ({ deviceId, keyHash: hashOf(1000 + deviceId) });

/** A chain entry; `hash` is a stand-in (the store treats hashes as opaque). */
function entry(seq: number, prevHash: string, userId = 'bob'): StoredMembershipEvent {
  const event: MembershipEvent =
    seq === 0
      ? {
          workspaceId: 'w1', seq, prevHash, type: 'create', author: alice1, at: 100 + seq, signature: 'c2ln',
          payload: {
            kind: 'case', labelCommitment: 'c'.repeat(64),
            creator: { userId: 'alice', orgId: 'org1', role: 'social_worker', owner: true, devices: [dev(1)] },
          },
        }
      : { workspaceId: 'w1', seq, prevHash, type: 'remove_member', author: alice1, at: 100 + seq, signature: 'c2ln', payload: { userId } };
  return { event, hash: hashOf(seq + 1) };
}

/** Register the workspace, membership and mailbox cases. */
export function describeWorkspaceContract({ store, inspector }: ContractContext): void {
  describe('workspaces', () => {
    it('are created once and their activity only moves forward', async () => {
      const s = store();
      expect(await s.workspaces.createWorkspace({ id: 'w1', kind: 'consultation', createdAt: 10 })).toEqual({ ok: true });
      expect(await s.workspaces.createWorkspace({ id: 'w1', kind: 'case', createdAt: 11 })).toEqual({ ok: false, code: 'exists' });
      await s.workspaces.touchWorkspace('w1', 50);
      await s.workspaces.touchWorkspace('w1', 20);
      expect(await s.workspaces.getWorkspace('w1')).toEqual({ id: 'w1', kind: 'consultation', createdAt: 10, lastActivityAt: 50 });
      expect(await s.workspaces.getWorkspace('w2')).toBeNull();
    });
  });

  describe('membership chain', () => {
    it('appends only the next seq on the right prevHash', async () => {
      const s = store();
      const e0 = entry(0, ZERO_HASH_HEX);
      expect(await s.workspaces.appendMembershipEvent('w1', e0, 0, ZERO_HASH_HEX)).toEqual({ ok: false, code: 'unknown_workspace' });
      await s.workspaces.createWorkspace({ id: 'w1', kind: 'case', createdAt: 1 });
      expect(await s.workspaces.appendMembershipEvent('w1', e0, 1, ZERO_HASH_HEX)).toEqual({ ok: false, code: 'mismatch' });
      expect(await s.workspaces.appendMembershipEvent('w2', e0, 0, ZERO_HASH_HEX)).toEqual({ ok: false, code: 'mismatch' });
      expect(await s.workspaces.appendMembershipEvent('w1', e0, 0, ZERO_HASH_HEX)).toEqual({ ok: true });
      expect(await s.workspaces.appendMembershipEvent('w1', e0, 0, ZERO_HASH_HEX)).toEqual({ ok: false, code: 'conflict', headSeq: 0, headHash: hashOf(1) });
      const wrongPrev = entry(1, hashOf(77));
      expect(await s.workspaces.appendMembershipEvent('w1', wrongPrev, 1, hashOf(77))).toEqual({ ok: false, code: 'conflict', headSeq: 0, headHash: hashOf(1) });
      const skip = entry(2, hashOf(2));
      expect(await s.workspaces.appendMembershipEvent('w1', skip, 2, hashOf(2))).toEqual({ ok: false, code: 'conflict', headSeq: 0, headHash: hashOf(1) });
      const e1 = entry(1, hashOf(1));
      expect(await s.workspaces.appendMembershipEvent('w1', e1, 1, hashOf(1))).toEqual({ ok: true });
      expect(await s.workspaces.listMembershipEvents('w1', -1)).toEqual([e0, e1]);
      expect(await s.workspaces.listMembershipEvents('w1', 0)).toEqual([e1]);
      expect(await s.workspaces.listMembershipEvents('w1', -1, 1)).toEqual([e0]);
    });

    it('two concurrent appends of the same seq: exactly one wins', async () => {
      const s = store();
      await s.workspaces.createWorkspace({ id: 'w1', kind: 'case', createdAt: 1 });
      await s.workspaces.appendMembershipEvent('w1', entry(0, ZERO_HASH_HEX), 0, ZERO_HASH_HEX);
      const a = entry(1, hashOf(1), 'bob');
      const b = { ...entry(1, hashOf(1), 'carol'), hash: hashOf(99) };
      const results = await Promise.all([s.workspaces.appendMembershipEvent('w1', a, 1, hashOf(1)), s.workspaces.appendMembershipEvent('w1', b, 1, hashOf(1))]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.code === 'conflict')).toHaveLength(1);
      const events = await s.workspaces.listMembershipEvents('w1', 0);
      expect(events).toHaveLength(1);
      expect(events[0]).toEqual(results[0]?.ok ? a : b);
    });

    it("keep the foreign-write mark through this store's own writes and move it for another writer's commit", async () => {
      const s = store();
      const before = await s.workspaces.foreignWriteMark();
      await s.workspaces.createWorkspace({ id: 'w1', kind: 'case', createdAt: 1 });
      await s.workspaces.appendMembershipEvent('w1', entry(0, ZERO_HASH_HEX), 0, ZERO_HASH_HEX);
      await s.workspaces.setMembershipView('w1', { asOfSeq: 0, members: [] });
      const afterOwn = await s.workspaces.foreignWriteMark();
      await inspector.commitFromOutside(s);
      const afterForeign = await s.workspaces.foreignWriteMark();
      // null is the adapter saying it cannot tell: then it must never claim to.
      if (before === null) {
        expect([afterOwn, afterForeign]).toEqual([null, null]);
      } else {
        expect(afterOwn).toBe(before);
        expect(afterForeign).not.toBe(before);
        expect(await s.workspaces.foreignWriteMark()).toBe(afterForeign);
      }
      expect((await s.workspaces.getWorkspace('w1'))?.lastActivityAt).toBe(2);
    });
  });

  describe('membership view', () => {
    it('answers membership questions and never moves back', async () => {
      const s = store();
      const members = [
        { userId: 'alice', orgId: 'org1', role: 'social_worker' as const, owner: true, devices: [dev(1), dev(2)] },
        { userId: 'bob', orgId: 'org2', role: 'kela_expert' as const, owner: false, devices: [dev(1)] },
        { userId: 'carol', orgId: 'org2', role: 'client' as const, owner: false, devices: [] },
      ];
      expect(await s.workspaces.memberDevices('w1')).toEqual([]);
      expect(await s.workspaces.setMembershipView('w1', { asOfSeq: 3, members })).toEqual({ ok: true });
      await s.workspaces.setMembershipView('w2', { asOfSeq: 0, members: members.slice(0, 1) });
      expect(await s.workspaces.memberDevices('w2')).toEqual([{ userId: 'alice', deviceId: 1 }, { userId: 'alice', deviceId: 2 }]);
      expect(await s.workspaces.memberDevices('w1')).toEqual([{ userId: 'alice', deviceId: 1 }, { userId: 'alice', deviceId: 2 }, bob1]);
      expect(await s.workspaces.workspacesOfUser('alice')).toEqual(['w1', 'w2']);
      expect(await s.workspaces.workspacesOfUser('carol')).toEqual(['w1']);
      expect(await s.workspaces.setMembershipView('w1', { asOfSeq: 3, members: [] })).toEqual({ ok: false, code: 'stale', asOfSeq: 3 });
      expect(await s.workspaces.setMembershipView('w1', { asOfSeq: 2, members: [] })).toEqual({ ok: false, code: 'stale', asOfSeq: 3 });
      expect(await s.workspaces.setMembershipView('w1', { asOfSeq: 4, members: members.slice(0, 1) })).toEqual({ ok: true });
      expect(await s.workspaces.memberDevices('w1')).toEqual([{ userId: 'alice', deviceId: 1 }, { userId: 'alice', deviceId: 2 }]);
      expect(await s.workspaces.workspacesOfUser('bob')).toEqual([]);
      expect(await s.workspaces.memberDevices('w3')).toEqual([]);
    });
  });

  describe('mailboxes', () => {
    it('deliver oldest first, count, and let a device ack only its own items', async () => {
      const s = store();
      const ids = await s.mailbox.enqueueMailbox([
        { from: alice1, to: bob1, message: { kind: 'prekey', body: 'AQ==' }, createdAt: 10 },
        { from: alice1, to: bob1, message: { kind: 'signal', body: 'Ag==' }, createdAt: 11 },
        { from: bob1, to: alice1, message: { kind: 'signal', body: 'Aw==' }, createdAt: 12 },
      ]);
      expect(ids).toHaveLength(3);
      expect(new Set(ids).size).toBe(3);
      const more = await s.mailbox.enqueueMailbox([{ from: alice1, to: bob1, message: { kind: 'signal', body: 'BA==' }, createdAt: 13 }]);
      expect(await s.mailbox.mailboxCount(bob1)).toBe(3);
      const page = await s.mailbox.fetchMailbox(bob1, 2);
      expect(page).toEqual([
        { id: ids[0], from: alice1, to: bob1, message: { kind: 'prekey', body: 'AQ==' }, createdAt: 10 },
        { id: ids[1], from: alice1, to: bob1, message: { kind: 'signal', body: 'Ag==' }, createdAt: 11 },
      ]);
      // bob cannot delete alice's item; hostile ids are ignored
      expect(await s.mailbox.ackMailbox(bob1, [ids[2] ?? '', 'x', '{"$gt":""}', '0'.repeat(24)])).toBe(0);
      expect(await s.mailbox.mailboxCount(alice1)).toBe(1);
      expect(await s.mailbox.ackMailbox(bob1, [ids[0] ?? '', ids[1] ?? ''])).toBe(2);
      expect(await s.mailbox.ackMailbox(bob1, [ids[0] ?? ''])).toBe(0);
      expect((await s.mailbox.fetchMailbox(bob1, 10)).map((i) => i.id)).toEqual(more);
      expect(await s.mailbox.enqueueMailbox([])).toEqual([]);
    });
  });
}
