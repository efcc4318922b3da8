import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesEqual, randomBytes } from '@yhteispoyta/crypto/bytes';
import { wrapEpochKey } from '@yhteispoyta/crypto/epoch';
import { bundleFromUpload } from '@yhteispoyta/crypto/memory-stores';
import { establishSession } from '@yhteispoyta/crypto/sessions';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { PrekeyUpload, Role } from '@yhteispoyta/crypto/types';
import { FakeKeysServer } from './fake-server.testkit';
import { makeTestDevice } from './test-device.testkit';
import type { TestDevice } from './test-device.testkit';

let dir: string;
let server: FakeKeysServer;
let opened: TestDevice[];
const uploads = new Map<string, PrekeyUpload>();

async function make(userId: string, role: Role, orgId: string): Promise<TestDevice> {
  const made = await makeTestDevice(dir, { userId, orgId, role }, server);
  const registered = server.devices.get(`${userId}.1`);
  if (registered !== undefined) uploads.set(userId, registered.upload);
  opened.push(made);
  return made;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'yp-keys-'));
  server = new FakeKeysServer();
  opened = [];
});
afterEach(() => {
  for (const d of opened) {
    d.core.close();
    d.profile.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

function same(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && bytesEqual(a, b);
}

describe('key distribution between three devices', () => {
  it('members get the current key, a removed device not the next one, a late member only the current one', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const bob = await make('bob', 'kela_expert', 'kela');
    const carol = await make('carol', 'kela_expert', 'kela');
    const { workspaceId } = await alice.core.membership.create('consultation', 'Konsultaatio');
    const epoch1 = alice.core.keyRing.currentEpoch(workspaceId);
    expect(epoch1?.epoch).toBe(1);

    await alice.core.membership.addMember(workspaceId, 'bob');
    await bob.core.receiver.receive();
    expect(same(bob.core.keyRing.epochKey(workspaceId, 1), epoch1?.key)).toBe(true);
    expect(bob.core.sync.state(workspaceId)?.seq).toBe(1);

    const removed = await alice.core.membership.removeMember(workspaceId, 'bob');
    expect(removed.epoch).toBe(2);
    const epoch2 = alice.core.keyRing.epochKey(workspaceId, 2);
    expect(server.mailbox.filter((m) => m.to.userId === 'bob')).toEqual([]);
    await bob.core.receiver.receive();
    await bob.core.sync.syncAll();
    expect(bob.core.keyRing.epochKey(workspaceId, 2)).toBeUndefined();
    expect(bob.problems.map((p) => p.code)).toContain('revoked');

    await alice.core.membership.addMember(workspaceId, 'carol');
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
    await alice.core.membership.addMember(workspaceId, 'carol');
    await carol.core.receiver.receive();
    const genuine = carol.core.keyRing.epochKey(workspaceId, 1);

    // Mallory (no member) sends carol a key for epoch 1; the server (hostile) delivers it.
    const carolUpload = uploads.get('carol');
    if (carolUpload === undefined) throw new Error('no upload');
    const stores = mallory.device.stores;
    expect((await establishSession(stores, mallory.device.self, bundleFromUpload('carol', carolUpload, { preKeyIndex: 5, kyberIndex: 5 }))).ok).toBe(true);
    const forged = await wrapEpochKey(stores, mallory.device.self, carol.device.self, { workspaceId, epoch: 1, key: randomBytes(32) });
    if (!forged.ok) throw new Error(forged.code);
    server.mailbox.push({ id: 'forged1', from: mallory.device.self, to: carol.device.self, message: forged.message, createdAt: 1 });

    await carol.core.receiver.receive();
    expect(carol.problems.map((p) => p.code)).toEqual(['key_distribution']);
    expect(carol.problems[0]?.device).toEqual(mallory.device.self);
    expect(same(carol.core.keyRing.epochKey(workspaceId, 1), genuine)).toBe(true);
    expect(server.mailbox.filter((m) => m.to.userId === 'carol')).toEqual([]);
  });

  it('a key for an epoch the chain has not reached waits, then is accepted; a chain withheld short of it is reported', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const carol = await make('carol', 'kela_expert', 'kela');
    await make('dave', 'kela_expert', 'kela');
    const { workspaceId } = await alice.core.membership.create('consultation', 'Konsultaatio');
    await alice.core.membership.addMember(workspaceId, 'carol');
    await carol.core.receiver.receive();
    const served = server.chains.get(workspaceId)?.slice() ?? [];

    await alice.core.membership.addMember(workspaceId, 'dave');
    await alice.core.membership.removeMember(workspaceId, 'dave');
    // The server holds back the chain from carol while delivering the new key: the key
    // waits, and the chain, stopping short of an epoch a member already keyed, is refused.
    server.serveChain = () => served;
    await carol.core.receiver.receive();
    expect(carol.core.keyRing.epochKey(workspaceId, 2)).toBeUndefined();
    expect(carol.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(carol.problems[0]?.message).toMatch(/withheld/);

    server.serveChain = undefined;
    await carol.core.sync.syncAll();
    expect(same(carol.core.keyRing.epochKey(workspaceId, 2), alice.core.keyRing.epochKey(workspaceId, 2))).toBe(true);
  });

  it('a poisoned mailbox item is reported and acknowledged; the items after it still count', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const carol = await make('carol', 'kela_expert', 'kela');
    const { workspaceId } = await alice.core.membership.create('consultation', 'Konsultaatio');
    server.mailbox.push({ id: 'poison', from: alice.device.self, to: carol.device.self, message: { kind: 'signal', body: 'AAAA' }, createdAt: 1 });
    await alice.core.membership.addMember(workspaceId, 'carol');
    await carol.core.receiver.receive();
    expect(carol.problems.map((p) => p.code)).toEqual(['key_distribution']);
    expect(same(carol.core.keyRing.epochKey(workspaceId, 1), alice.core.keyRing.epochKey(workspaceId, 1))).toBe(true);
    expect(server.mailbox.filter((m) => deviceKey(m.to) === deviceKey(carol.device.self))).toEqual([]);
  });

  it('no key goes to a device whose bundle carries another key than its certificate; the grant stays owed', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const carol = await make('carol', 'kela_expert', 'kela');
    const impostor = await make('impostor', 'kela_expert', 'kela');
    const { workspaceId } = await alice.core.membership.create('consultation', 'Konsultaatio');
    // The server hands out, as carol.1's bundle, a valid bundle of the impostor's device.
    const entry = server.devices.get('carol.1');
    const impostorUpload = server.devices.get('impostor.1')?.upload;
    if (entry === undefined || impostorUpload === undefined) throw new Error('setup');
    entry.substitute = impostorUpload;
    await alice.core.membership.addMember(workspaceId, 'carol');
    expect(alice.problems.length).toBeGreaterThan(0);
    expect(new Set(alice.problems.map((p) => p.code))).toEqual(new Set(['uncertified']));
    expect(alice.problems[0]?.device).toEqual(carol.device.self);
    expect(impostor.device.self.userId).toBe('impostor');
    expect(server.mailbox.filter((m) => m.to.userId === 'carol')).toEqual([]);
    await expect(alice.core.sender.deliver({ workspaceId })).resolves.toEqual({ sent: 0, pending: 1 });
    await carol.core.receiver.receive();
    expect(carol.core.keyRing.epochKey(workspaceId, 1)).toBeUndefined();
    // Once the server hands out the genuine bundle, the owed key goes through.
    delete entry.substitute;
    await expect(alice.core.sender.deliver({ workspaceId })).resolves.toEqual({ sent: 1, pending: 0 });
    await carol.core.receiver.receive();
    expect(same(carol.core.keyRing.epochKey(workspaceId, 1), alice.core.keyRing.epochKey(workspaceId, 1))).toBe(true);
  });

  it('a device the server registered for a person without his certificate gets no key and is reported', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const carol = await make('carol', 'kela_expert', 'kela');
    // The operator adds a device of its own to carol's account: no device certificate exists for it.
    const rogue = await makeTestDevice(dir, { userId: 'carol', deviceId: 2, orgId: 'kela', role: 'kela_expert', certify: false }, server);
    opened.push(rogue);
    const created = await alice.core.membership.create('consultation', 'Konsultaatio');
    const added = await alice.core.membership.addMember(created.workspaceId, 'carol');
    expect(added.members.find((m) => m.userId === 'carol')?.devices.map((d) => d.deviceId)).toEqual([1]);
    await carol.core.receiver.receive();
    await rogue.core.receiver.receive();
    expect(carol.core.keyRing.epochKey(created.workspaceId, 1)).toBeDefined();
    expect(rogue.core.keyRing.epochKey(created.workspaceId, 1)).toBeUndefined();
    expect(server.mailbox.filter((m) => m.to.deviceId === 2)).toEqual([]);
  });
});
