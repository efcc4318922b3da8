import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesEqual, randomBytes } from '@yhteispoyta/crypto/bytes';
import type { ProfessionalRole } from '@yhteispoyta/crypto/certificates/types';
import { wrapEpochKey } from '@yhteispoyta/crypto/epoch';
import { establishSession } from '@yhteispoyta/crypto/sessions';
import type { ClaimedBundle, DeviceRef } from '@yhteispoyta/crypto/types';
import { startInProcessServer } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import type { InProcessServer, Interceptor } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import { makeRogueDevice, makeTestDevice } from './test-device.testkit';
import type { TestDevice } from './test-device.testkit';

let dir: string;
let server: InProcessServer;
let opened: TestDevice[];

async function make(name: string, role: ProfessionalRole, orgId: string): Promise<TestDevice> {
  const made = await makeTestDevice(dir, server, { name, orgId, role });
  opened.push(made);
  return made;
}

/** What waits in a device's mailbox at the server. */
async function mailbox(device: DeviceRef): Promise<number> {
  return server.ctx.store.mailbox.mailboxCount(device);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-keys-'));
  server = await startInProcessServer();
  opened = [];
});
afterEach(async () => {
  for (const d of opened) {
    d.core.close();
    d.profile.close();
  }
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function same(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && bytesEqual(a, b);
}

/** An interceptor: `reader`'s membership answers stop at `lastSeq`, as a server withholding the rest. */
function withholdChain(reader: DeviceRef, lastSeq: number): Interceptor {
  return (t) => {
    if (t.kind !== 'rest' || t.route !== 'listMembership' || t.device?.userId !== reader.userId || t.device.deviceId !== reader.deviceId) return undefined;
    const { events } = t.response as { events: { seq: number }[] };
    return { replace: { events: events.filter((e) => e.seq <= lastSeq) } };
  };
}

describe('key distribution between three devices', () => {
  it('members get the current key, a removed device not the next one, a late member only the current one', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const bob = await make('bob', 'kela_expert', 'kela');
    const carol = await make('carol', 'kela_expert', 'kela');
    const { workspaceId } = await alice.core.membership.create('consultation', 'Konsultaatio');
    const epoch1 = alice.core.keyRing.currentEpoch(workspaceId);
    expect(epoch1?.epoch).toBe(1);

    await alice.core.membership.addMember(workspaceId, bob.device.self.userId);
    await bob.core.receiver.receive();
    expect(same(bob.core.keyRing.epochKey(workspaceId, 1), epoch1?.key)).toBe(true);
    expect(bob.core.sync.state(workspaceId)?.seq).toBe(1);

    const removed = await alice.core.membership.removeMember(workspaceId, bob.device.self.userId);
    expect(removed.epoch).toBe(2);
    const epoch2 = alice.core.keyRing.epochKey(workspaceId, 2);
    expect(await mailbox(bob.device.self)).toBe(0);
    await bob.core.receiver.receive();
    await bob.core.sync.syncAll();
    expect(bob.core.keyRing.epochKey(workspaceId, 2)).toBeUndefined();
    expect(bob.problems.map((p) => p.code)).toContain('revoked');

    await alice.core.membership.addMember(workspaceId, carol.device.self.userId);
    await carol.core.receiver.receive();
    expect(same(carol.core.keyRing.epochKey(workspaceId, 2), epoch2)).toBe(true);
    // Not the chat from before she joined: the key of epoch 1 never reaches her.
    expect(carol.core.keyRing.epochKey(workspaceId, 1)).toBeUndefined();
    expect(carol.core.keyRing.currentEpoch(workspaceId)?.epoch).toBe(2);
    expect([...alice.problems, ...carol.problems]).toEqual([]);
  });

  it('a key from a device that is not a member in the verified chain is refused', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const carol = await make('carol', 'kela_expert', 'kela');
    const mallory = await make('mallory', 'kela_expert', 'kela');
    const { workspaceId } = await alice.core.membership.create('consultation', 'Konsultaatio');
    await alice.core.membership.addMember(workspaceId, carol.device.self.userId);
    await carol.core.receiver.receive();
    const genuine = carol.core.keyRing.epochKey(workspaceId, 1);

    // Mallory (no member) sends carol a key for epoch 1; the server (hostile) delivers it:
    // its claim and mailbox checks (claimant and recipient share a workspace) would refuse,
    // so the operator hands him carol's bundle and files the message himself.
    const stores = mallory.device.stores;
    await expect(mallory.device.rest.call('claimBundles', { body: { userId: carol.device.self.userId, deviceIds: [1] } })).rejects.toMatchObject({ code: 'forbidden' });
    const bundle = (await server.ctx.store.directory.claimBundle(carol.device.self)) as ClaimedBundle;
    expect((await establishSession(stores, mallory.device.self, bundle)).ok).toBe(true);
    const forged = await wrapEpochKey(stores, mallory.device.self, carol.device.self, { workspaceId, epoch: 1, key: randomBytes(32) });
    if (!forged.ok) throw new Error(forged.code);
    await server.ctx.store.mailbox.enqueueMailbox([{ from: mallory.device.self, to: carol.device.self, message: forged.message, createdAt: 1 }]);

    await carol.core.receiver.receive();
    expect(carol.problems.map((p) => p.code)).toEqual(['key_distribution']);
    expect(carol.problems[0]?.device).toEqual(mallory.device.self);
    expect(same(carol.core.keyRing.epochKey(workspaceId, 1), genuine)).toBe(true);
    expect(await mailbox(carol.device.self)).toBe(0);
  });

  it('a key for an epoch the chain has not reached waits, then is accepted; a chain withheld short of it is reported', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const carol = await make('carol', 'kela_expert', 'kela');
    const dave = await make('dave', 'kela_expert', 'kela');
    const { workspaceId } = await alice.core.membership.create('consultation', 'Konsultaatio');
    await alice.core.membership.addMember(workspaceId, carol.device.self.userId);
    await carol.core.receiver.receive();
    const served = carol.core.sync.state(workspaceId)?.seq ?? -1;

    await alice.core.membership.addMember(workspaceId, dave.device.self.userId);
    await alice.core.membership.removeMember(workspaceId, dave.device.self.userId);
    // The server holds back the chain from carol while delivering the new key: the key
    // waits, and the chain, stopping short of an epoch a member already keyed, is refused.
    server.intercept = withholdChain(carol.device.self, served);
    await carol.core.receiver.receive();
    expect(carol.core.keyRing.epochKey(workspaceId, 2)).toBeUndefined();
    expect(carol.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(carol.problems[0]?.message).toMatch(/withheld/);

    server.intercept = undefined;
    await carol.core.sync.syncAll();
    expect(same(carol.core.keyRing.epochKey(workspaceId, 2), alice.core.keyRing.epochKey(workspaceId, 2))).toBe(true);
  });

  it('a poisoned mailbox item is reported and acknowledged; the items after it still count', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const carol = await make('carol', 'kela_expert', 'kela');
    const { workspaceId } = await alice.core.membership.create('consultation', 'Konsultaatio');
    await server.ctx.store.mailbox.enqueueMailbox([{ from: alice.device.self, to: carol.device.self, message: { kind: 'signal', body: 'AAAA' }, createdAt: 1 }]);
    await alice.core.membership.addMember(workspaceId, carol.device.self.userId);
    await carol.core.receiver.receive();
    expect(carol.problems.map((p) => p.code)).toEqual(['key_distribution']);
    expect(same(carol.core.keyRing.epochKey(workspaceId, 1), alice.core.keyRing.epochKey(workspaceId, 1))).toBe(true);
    expect(await mailbox(carol.device.self)).toBe(0);
  });

  it('no key goes to a device whose bundle carries another key than its certificate; the grant stays owed', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const carol = await make('carol', 'kela_expert', 'kela');
    const impostor = await make('impostor', 'kela_expert', 'kela');
    const { workspaceId } = await alice.core.membership.create('consultation', 'Konsultaatio');
    // The server hands out, as carol.1's bundle, a valid bundle of the impostor's device.
    const claimed = await impostor.device.rest.call('claimBundles', { body: { userId: impostor.device.self.userId, deviceIds: [1] } });
    const substitute = claimed.bundles[0] as ClaimedBundle;
    server.intercept = (t) => {
      if (t.kind !== 'rest' || t.route !== 'claimBundles') return undefined;
      const { bundles } = t.response as { bundles: ClaimedBundle[] };
      return { replace: { bundles: bundles.map((b) => (b.device.userId === carol.device.self.userId ? { ...substitute, device: b.device } : b)) } };
    };
    await alice.core.membership.addMember(workspaceId, carol.device.self.userId);
    expect(alice.problems.length).toBeGreaterThan(0);
    expect(new Set(alice.problems.map((p) => p.code))).toEqual(new Set(['uncertified']));
    expect(alice.problems[0]?.device).toEqual(carol.device.self);
    expect(impostor.device.self.userId).not.toBe(carol.device.self.userId);
    expect(await mailbox(carol.device.self)).toBe(0);
    await expect(alice.core.sender.deliver({ workspaceId })).resolves.toEqual({ sent: 0, pending: 1 });
    await carol.core.receiver.receive();
    expect(carol.core.keyRing.epochKey(workspaceId, 1)).toBeUndefined();
    // Once the server hands out the genuine bundle, the owed key goes through.
    server.intercept = undefined;
    await expect(alice.core.sender.deliver({ workspaceId })).resolves.toEqual({ sent: 1, pending: 0 });
    await carol.core.receiver.receive();
    expect(same(carol.core.keyRing.epochKey(workspaceId, 1), alice.core.keyRing.epochKey(workspaceId, 1))).toBe(true);
  });

  it('a device the server registered for a person without his certificate gets no key and is reported', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const carol = await make('carol', 'kela_expert', 'kela');
    // The operator adds a device of its own to carol's account: no device certificate exists for it.
    const rogue = await makeRogueDevice(dir, server, carol, 2);
    opened.push(rogue);
    const created = await alice.core.membership.create('consultation', 'Konsultaatio');
    const added = await alice.core.membership.addMember(created.workspaceId, carol.device.self.userId);
    expect(added.members.find((m) => m.userId === carol.device.self.userId)?.devices.map((d) => d.deviceId)).toEqual([1]);
    await carol.core.receiver.receive();
    await rogue.core.receiver.receive();
    expect(carol.core.keyRing.epochKey(created.workspaceId, 1)).toBeDefined();
    expect(rogue.core.keyRing.epochKey(created.workspaceId, 1)).toBeUndefined();
    expect(await mailbox(rogue.device.self)).toBe(0);
  });
});
