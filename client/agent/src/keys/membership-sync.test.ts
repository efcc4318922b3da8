import { PrivateKey } from '@signalapp/libsignal-client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signEvent } from '@yhteispoyta/crypto/membership';
import type { UnsignedMembershipEvent } from '@yhteispoyta/crypto/membership';
import { fromBase64, toBase64 } from '@yhteispoyta/crypto/bytes';
import { identityKeyHash } from '@yhteispoyta/crypto/certificates/signing';
import type { MembershipEvent } from '@yhteispoyta/crypto/types';
import { ChainStore } from './chain-store';
import { FakeKeysServer } from './fake-server.testkit';
import { createKeysCore } from './keys-core';
import { makeTestDevice } from './test-device.testkit';
import type { TestDevice } from './test-device.testkit';

let dir: string;
let server: FakeKeysServer;
let alice: TestDevice;
let bob: TestDevice;
let workspaceId: string;
let opened: TestDevice[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-sync-'));
  server = new FakeKeysServer();
  opened = [];
  const make = async (userId: string, role: 'social_worker' | 'kela_expert', orgId: string): Promise<TestDevice> => {
    const made = await makeTestDevice(dir, { userId, orgId, role }, server);
    opened.push(made);
    return made;
  };
  alice = await make('alice', 'social_worker', 'sote');
  bob = await make('bob', 'kela_expert', 'kela');
  await make('carol', 'kela_expert', 'kela');
  await make('dave', 'kela_expert', 'kela');
  const created = await alice.core.membership.create('consultation', 'Konsultaatio');
  workspaceId = created.workspaceId;
  await alice.core.membership.addMember(workspaceId, 'bob');
  await bob.core.sync.syncAll();
});
afterEach(() => {
  for (const d of opened) {
    d.core.close();
    d.profile.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

const chainOf = (id: string): MembershipEvent[] => server.chains.get(id) ?? [];

/** The next event after the server's head, signed with `key` (the author's own key by default). */
function nextEvent(spec: Pick<UnsignedMembershipEvent, 'type' | 'payload'>, key = alice.device.identityKey, at = chainOf(workspaceId).length - 1): MembershipEvent {
  const state = server.states.get(workspaceId);
  if (state === undefined) throw new Error('no state');
  const chain = chainOf(workspaceId);
  const base = at === chain.length - 1 ? state : undefined;
  const prev = chain[at];
  if (prev === undefined) throw new Error('no event');
  return signEvent(
    {
      ...spec,
      workspaceId,
      seq: at + 1,
      prevHash: base?.headHash ?? '',
      author: alice.device.self,
      at: Date.now(),
    } as UnsignedMembershipEvent,
    key,
  );
}

function storedSeqs(device: TestDevice): number[] {
  return new ChainStore(device.profile).events(workspaceId).map((e) => e.event.seq);
}

describe('membership sync', () => {
  it('verifies an honest chain into the same state the author holds', () => {
    const mine = alice.core.sync.state(workspaceId);
    const theirs = bob.core.sync.state(workspaceId);
    expect(theirs?.seq).toBe(1);
    expect(theirs?.headHash).toBe(mine?.headHash);
    expect([...(theirs?.members.keys() ?? [])].sort()).toEqual(['alice', 'bob']);
    expect(bob.problems).toEqual([]);
  });

  it('refuses a forged event (signature by another key): chain_invalid, nothing applied', async () => {
    const forged = nextEvent({ type: 'add_member', payload: { member: { userId: 'carol', orgId: 'kela', role: 'kela_expert', owner: true, devices: [{ deviceId: 1, keyHash: 'c'.repeat(64) }] } } }, PrivateKey.generate());
    server.serveChain = () => [...chainOf(workspaceId), forged];
    await bob.core.sync.syncAll();
    expect(bob.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(bob.core.sync.state(workspaceId)?.seq).toBe(1);
    expect(bob.core.sync.state(workspaceId)?.members.has('carol')).toBe(false);
    expect(storedSeqs(bob)).toEqual([0, 1]);
  });

  it('refuses a forked chain: a held seq with a different (validly signed) event', async () => {
    // The server replaces event 1 (add bob) with another event at seq 1 signed by alice's real key.
    const chain = chainOf(workspaceId);
    const genesis = chain[0];
    if (genesis === undefined) throw new Error('no create');
    const state = alice.core.sync.state(workspaceId);
    const rewritten = signEvent(
      {
        workspaceId,
        seq: 1,
        prevHash: chain[1]?.prevHash ?? '',
        type: 'add_member',
        payload: { member: { userId: 'carol', orgId: 'kela', role: 'kela_expert', owner: false, devices: [{ deviceId: 1, keyHash: 'c'.repeat(64) }] } },
        author: alice.device.self,
        at: Date.now(),
      },
      alice.device.identityKey,
    );
    expect(state?.seq).toBe(1);
    server.serveChain = () => [genesis, rewritten];
    await bob.core.sync.syncAll();
    expect(bob.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(bob.problems[0]?.message).toContain('fork');
    expect(bob.core.sync.state(workspaceId)?.members.has('carol')).toBe(false);
    expect(storedSeqs(bob)).toEqual([0, 1]);
  });

  it('refuses a truncated chain, announced or served', async () => {
    server.announceSeq = (_id, seq) => seq - 1;
    await bob.core.sync.syncAll();
    expect(bob.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(bob.problems[0]?.message).toContain('truncated');
    server.announceSeq = undefined;
    server.serveChain = () => chainOf(workspaceId).slice(0, 1);
    await bob.core.sync.syncWorkspace(workspaceId);
    expect(bob.problems.map((p) => p.code)).toEqual(['chain_invalid', 'chain_invalid']);
    expect(bob.core.sync.state(workspaceId)?.seq).toBe(1);
  });

  it('refuses events served out of order', async () => {
    await alice.core.membership.addMember(workspaceId, 'carol');
    const chain = chainOf(workspaceId);
    server.serveChain = () => [chain[0], chain[2], chain[1]].filter((e): e is MembershipEvent => e !== undefined);
    const fresh = await makeTestDevice(dir, { userId: 'bob', deviceId: 2, orgId: 'kela', role: 'kela_expert' }, server, { rest: () => server.restFor(bob.device.self) });
    opened.push(fresh);
    await fresh.core.sync.syncWorkspace(workspaceId);
    expect(fresh.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(fresh.core.sync.state(workspaceId)).toBeUndefined();
  });

  it('a lost append race: the loser syncs and retries on the new head, once', async () => {
    await alice.core.membership.addMember(workspaceId, 'dave', { owner: true });
    const dave = opened.find((d) => d.device.self.userId === 'dave');
    if (dave === undefined) throw new Error('no dave');
    await dave.core.sync.syncAll();
    // Alice appends while dave's view is one event behind; dave's append then conflicts.
    await alice.core.membership.removeMember(workspaceId, 'bob');
    const summary = await dave.core.membership.addMember(workspaceId, 'carol');
    expect(summary.members.map((m) => m.userId).sort()).toEqual(['alice', 'carol', 'dave']);
    expect(summary.epoch).toBe(2);
    expect(server.states.get(workspaceId)?.seq).toBe(dave.core.sync.state(workspaceId)?.seq);
    expect(dave.problems).toEqual([]);
  });

  it('applies new honest events and keeps them across a restart', async () => {
    await alice.core.membership.addMember(workspaceId, 'carol');
    await bob.core.sync.syncAll();
    expect(bob.core.sync.state(workspaceId)?.members.has('carol')).toBe(true);
    const again = createKeysCore({ device: bob.device, problems: { report: () => undefined } });
    expect(again.sync.state(workspaceId)?.headHash).toBe(bob.core.sync.state(workspaceId)?.headHash);
    again.close();
  });

  it('a person whose certified user key changed: identity_changed, events signed under it wait until the user accepts', async () => {
    // Alice's organisation certifies her anew (another user key) with a reinstalled device key under the same id.
    const { generateDeviceIdentity } = await import('@yhteispoyta/crypto/identity');
    const reinstalled = generateDeviceIdentity(1).identityKeyPair;
    const renewed = server.ca.professional(server.org('sote'), 'alice', { role: 'social_worker', serial: 2 });
    server.certificates.push(renewed.cert, server.ca.deviceFor(renewed, 1, toBase64(reinstalled.publicKey.serialize())));
    const event = nextEvent({ type: 'close', payload: {} }, reinstalled.privateKey);
    server.serveChain = () => [...chainOf(workspaceId), event];
    await bob.core.refresh();
    // The person's key changed, and the chain's alice.1 (the old key) is no longer backed by her certificate.
    expect(bob.problems.map((p) => p.code).sort()).toEqual(['identity_changed', 'uncertified']);
    expect(bob.core.sync.state(workspaceId)?.closed).toBe(false);
    expect(bob.core.keyRing.identityOf(alice.device.self)).toBeUndefined();
    const identities = await bob.core.membership.identities(workspaceId);
    expect(identities.find((i) => i.userId === 'alice')).toMatchObject({ changed: true, verified: false });

    await expect(bob.core.membership.setVerified('alice', true)).rejects.toMatchObject({ code: 'identity_changed' });

    await bob.core.membership.acceptIdentityChange('alice');
    expect(bob.core.sync.state(workspaceId)?.closed).toBe(true);
    expect(bob.problems.filter((p) => p.code === 'chain_invalid')).toEqual([]);
  });

  it('an event signed by a key no certificate backs is refused, whatever the directory says', async () => {
    const { generateDeviceIdentity } = await import('@yhteispoyta/crypto/identity');
    const forged = generateDeviceIdentity(1).identityKeyPair;
    // The server announces the forged key as alice's in its directory and bundles.
    const entry = server.devices.get('alice.1');
    if (entry === undefined) throw new Error('no device');
    entry.announcedKey = Buffer.from(forged.publicKey.serialize()).toString('base64');
    const event = nextEvent({ type: 'close', payload: {} }, forged.privateKey);
    server.serveChain = () => [...chainOf(workspaceId), event];
    await bob.core.sync.syncAll();
    expect(bob.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(bob.core.sync.state(workspaceId)?.closed).toBe(false);
  });

  it('refuses an event that names a member with another organisation than his certificate (a relabelled professional)', async () => {
    // Signed by a real owner device, valid by the chain rules: only certificates can tell the lie.
    const carolDevice = server.devices.get('carol.1');
    if (carolDevice === undefined) throw new Error('no carol');
    const keyHash = identityKeyHash(fromBase64(carolDevice.upload.identityKey) ?? new Uint8Array());
    const relabelled = nextEvent({ type: 'add_member', payload: { member: { userId: 'carol', orgId: 'sote', role: 'kela_expert', owner: false, devices: [{ deviceId: 1, keyHash }] } } });
    server.serveChain = () => [...chainOf(workspaceId), relabelled];
    await bob.core.sync.syncAll();
    expect(bob.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(bob.problems[0]?.message).toContain('certificate says kela_expert of kela');
    expect(bob.core.sync.state(workspaceId)?.members.has('carol')).toBe(false);
  });
});
