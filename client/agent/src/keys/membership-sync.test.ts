import { PrivateKey } from '@signalapp/libsignal-client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signEvent } from '@yhteispoyta/crypto/membership';
import type { UnsignedMembershipEvent } from '@yhteispoyta/crypto/membership';
import { toBase64 } from '@yhteispoyta/crypto/bytes';
import { identityKeyHash } from '@yhteispoyta/crypto/certificates/signing';
import type { ProfessionalRole } from '@yhteispoyta/crypto/certificates/types';
import type { DeviceRef, MembershipEvent } from '@yhteispoyta/crypto/types';
import { deploymentOf } from '@yhteispoyta/server/http/certified.testkit';
import { startInProcessServer } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import type { InProcessServer, Interceptor } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import { ChainStore } from './chain-store';
import { createKeysCore } from './keys-core';
import { makeFreshCopy, makeTestDevice } from './test-device.testkit';
import type { TestDevice } from './test-device.testkit';

let dir: string;
let server: InProcessServer;
let alice: TestDevice;
let bob: TestDevice;
let carol: TestDevice;
let workspaceId: string;
let opened: TestDevice[] = [];

async function make(name: string, role: ProfessionalRole, orgId: string): Promise<TestDevice> {
  const made = await makeTestDevice(dir, server, { name, orgId, role });
  opened.push(made);
  return made;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-sync-'));
  server = await startInProcessServer();
  opened = [];
  alice = await make('alice', 'social_worker', 'sote');
  bob = await make('bob', 'kela_expert', 'kela');
  carol = await make('carol', 'kela_expert', 'kela');
  const created = await alice.core.membership.create('consultation', 'Konsultaatio');
  workspaceId = created.workspaceId;
  await alice.core.membership.addMember(workspaceId, bob.device.self.userId);
  await bob.core.sync.syncAll();
});
afterEach(async () => {
  for (const d of opened) {
    d.core.close();
    d.profile.close();
  }
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The chain the server holds, with each event's hash (the next one's prevHash). */
async function chainOf(id: string): Promise<{ event: MembershipEvent; hash: string }[]> {
  return server.ctx.store.workspaces.listMembershipEvents(id, -1);
}

/** The next event after the server's head, signed with `key` (the author's own key by default). */
async function nextEvent(spec: Pick<UnsignedMembershipEvent, 'type' | 'payload'>, key = alice.device.identityKey): Promise<MembershipEvent> {
  const head = (await chainOf(workspaceId)).at(-1);
  if (head === undefined) throw new Error('no event');
  return signEvent(
    { ...spec, workspaceId, seq: head.event.seq + 1, prevHash: head.hash, author: alice.device.self, at: Date.now() } as UnsignedMembershipEvent,
    key,
  );
}

/**
 * An interceptor: the server answers `reader`'s membership requests from `served` instead
 * of the chain it holds (`stored`), within the `after` the reader asked for.
 */
function serveChain(reader: DeviceRef, stored: readonly MembershipEvent[], served: readonly MembershipEvent[]): Interceptor {
  return (t) => {
    if (t.kind !== 'rest' || t.route !== 'listMembership' || t.device?.userId !== reader.userId) return undefined;
    const { events } = t.response as { events: MembershipEvent[] };
    // The honest answer is every stored event after `after`: none means the reader holds the head.
    const after = events[0] === undefined ? (stored.at(-1)?.seq ?? -1) : events[0].seq - 1;
    return { replace: { events: served.filter((e) => e.seq > after) } };
  };
}

/** The events the server holds. */
async function stored(): Promise<MembershipEvent[]> {
  return (await chainOf(workspaceId)).map((e) => e.event);
}

function storedSeqs(device: TestDevice): number[] {
  return new ChainStore(device.profile).events(workspaceId).map((e) => e.event.seq);
}

describe('the removal a revoked notice carries', () => {
  it('is verified against the held chain: the removed device then says who removed it and when', async () => {
    // Without the notice's event the device only learns that the server refuses it.
    await alice.core.membership.removeMember(workspaceId, bob.device.self.userId);
    // The removal, then alice's rotation: the notice carries the removal.
    const removal = (await stored()).find((e) => e.type === 'remove_member');
    if (removal === undefined) throw new Error('no removal');
    await bob.core.sync.applyRemovalNotice(workspaceId, removal);
    expect(storedSeqs(bob).at(-1)).toBe(removal.seq);
    expect(bob.problems.map((p) => p.code)).toContain('revoked');
    expect(bob.problems.map((p) => p.code)).not.toContain('chain_invalid');
    expect(await bob.core.membership.removals()).toEqual([
      { workspaceId, label: expect.any(String), at: removal.at, by: { userId: alice.device.self.userId, displayName: 'alice', orgName: 'Organisaatio sote' }, left: false },
    ]);
  });

  it('is refused when forged (signed with another key): nothing applied, no one named', async () => {
    const forged = await nextEvent({ type: 'remove_member', payload: { userId: bob.device.self.userId } }, PrivateKey.generate());
    await bob.core.sync.applyRemovalNotice(workspaceId, forged);
    expect(bob.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(storedSeqs(bob)).toEqual([0, 1]);
    expect(bob.core.sync.state(workspaceId)?.members.has(bob.device.self.userId)).toBe(true);
    expect(await bob.core.membership.removals()).toEqual([]);
  });

  it('is left to the pull when it is not the next event of the held chain', async () => {
    await alice.core.membership.addMember(workspaceId, carol.device.self.userId);
    await alice.core.membership.removeMember(workspaceId, bob.device.self.userId);
    const removal = (await stored()).find((e) => e.type === 'remove_member');
    if (removal === undefined) throw new Error('no removal');
    await bob.core.sync.applyRemovalNotice(workspaceId, removal);
    expect(storedSeqs(bob)).toEqual([0, 1]);
    expect(bob.problems).toEqual([]);
  });
});

describe('membership sync', () => {
  it('verifies an honest chain into the same state the author holds', () => {
    const mine = alice.core.sync.state(workspaceId);
    const theirs = bob.core.sync.state(workspaceId);
    expect(theirs?.seq).toBe(1);
    expect(theirs?.headHash).toBe(mine?.headHash);
    expect([...(theirs?.members.keys() ?? [])].sort()).toEqual([alice.device.self.userId, bob.device.self.userId].sort());
    expect(bob.problems).toEqual([]);
  });

  it('refuses a forged event (signature by another key): chain_invalid, nothing applied', async () => {
    const forged = await nextEvent({ type: 'add_member', payload: { member: { userId: carol.device.self.userId, orgId: 'kela', role: 'kela_expert', owner: true, devices: [{ deviceId: 1, keyHash: 'c'.repeat(64) }] } } }, PrivateKey.generate());
    const chain = await stored();
    server.intercept = serveChain(bob.device.self, chain, [...chain, forged]);
    await bob.core.sync.syncAll();
    expect(bob.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(bob.core.sync.state(workspaceId)?.seq).toBe(1);
    expect(bob.core.sync.state(workspaceId)?.members.has(carol.device.self.userId)).toBe(false);
    expect(storedSeqs(bob)).toEqual([0, 1]);
  });

  it('refuses a forked chain: a held seq with a different (validly signed) event', async () => {
    // The server replaces event 1 (add bob) with another event at seq 1 signed by alice's real key.
    const chain = await stored();
    const genesis = chain[0];
    if (genesis === undefined) throw new Error('no create');
    const state = alice.core.sync.state(workspaceId);
    const rewritten = signEvent(
      {
        workspaceId,
        seq: 1,
        prevHash: chain[1]?.prevHash ?? '',
        type: 'add_member',
        payload: { member: { userId: carol.device.self.userId, orgId: 'kela', role: 'kela_expert', owner: false, devices: [{ deviceId: 1, keyHash: 'c'.repeat(64) }] } },
        author: alice.device.self,
        at: Date.now(),
      },
      alice.device.identityKey,
    );
    expect(state?.seq).toBe(1);
    server.intercept = serveChain(bob.device.self, chain, [genesis, rewritten]);
    await bob.core.sync.syncAll();
    expect(bob.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(bob.problems[0]?.message).toContain('fork');
    expect(bob.core.sync.state(workspaceId)?.members.has(carol.device.self.userId)).toBe(false);
    expect(storedSeqs(bob)).toEqual([0, 1]);
  });

  it('refuses a truncated chain, announced or served', async () => {
    // The workspace list announces a head one short of what bob verified.
    server.intercept = (t) => {
      if (t.kind !== 'rest' || t.route !== 'listWorkspaces') return undefined;
      const { workspaces } = t.response as { workspaces: { membershipSeq: number }[] };
      return { replace: { workspaces: workspaces.map((w) => ({ ...w, membershipSeq: w.membershipSeq - 1 })) } };
    };
    await bob.core.sync.syncAll();
    expect(bob.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(bob.problems[0]?.message).toContain('truncated');
    const chain = await stored();
    server.intercept = serveChain(bob.device.self, chain, chain.slice(0, 1));
    await bob.core.sync.syncWorkspace(workspaceId);
    expect(bob.problems.map((p) => p.code)).toEqual(['chain_invalid', 'chain_invalid']);
    expect(bob.core.sync.state(workspaceId)?.seq).toBe(1);
  });

  it('refuses events served out of order', async () => {
    await alice.core.membership.addMember(workspaceId, carol.device.self.userId);
    const chain = await stored();
    server.intercept = serveChain(bob.device.self, chain, [chain[0], chain[2], chain[1]].filter((e): e is MembershipEvent => e !== undefined));
    // Bob's keys module on a fresh profile: nothing of the chain held yet.
    const fresh = await makeFreshCopy(dir, bob);
    opened.push(fresh);
    await fresh.core.sync.syncWorkspace(workspaceId);
    expect(fresh.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(fresh.core.sync.state(workspaceId)).toBeUndefined();
  });

  it('a lost append race: the loser syncs and retries on the new head, once', async () => {
    const dave = await make('dave', 'kela_expert', 'kela');
    await alice.core.membership.addMember(workspaceId, dave.device.self.userId, { owner: true });
    await dave.core.sync.syncAll();
    // Alice appends while dave's view is one event behind; dave's append then conflicts.
    await alice.core.membership.removeMember(workspaceId, bob.device.self.userId);
    const summary = await dave.core.membership.addMember(workspaceId, carol.device.self.userId);
    expect(summary.members.map((m) => m.userId).sort()).toEqual([alice, carol, dave].map((d) => d.device.self.userId).sort());
    expect(summary.epoch).toBe(2);
    expect((await stored()).at(-1)?.seq).toBe(dave.core.sync.state(workspaceId)?.seq);
    expect(dave.problems).toEqual([]);
  });

  it('applies new honest events and keeps them across a restart', async () => {
    await alice.core.membership.addMember(workspaceId, carol.device.self.userId);
    await bob.core.sync.syncAll();
    expect(bob.core.sync.state(workspaceId)?.members.has(carol.device.self.userId)).toBe(true);
    const again = createKeysCore({ device: bob.device, problems: { report: () => undefined } });
    expect(again.sync.state(workspaceId)?.headHash).toBe(bob.core.sync.state(workspaceId)?.headHash);
    again.close();
  });

  it('a person whose certified user key changed: identity_changed, events signed under it wait until the user accepts', async () => {
    await bob.core.refresh();
    expect(bob.problems).toEqual([]);
    // Alice's organisation certifies her anew (another user key) with a reinstalled device key under the same id;
    // the operator files both certificates.
    const { generateDeviceIdentity } = await import('@yhteispoyta/crypto/identity');
    const reinstalled = generateDeviceIdentity(1).identityKeyPair;
    const { authority, orgs } = deploymentOf(server);
    const sote = orgs.get('sote');
    if (sote === undefined) throw new Error('no organisation');
    const renewedAt = Date.now();
    const renewed = authority.professional(sote, alice.device.self.userId, { role: 'social_worker', displayName: 'alice', serial: 2, notBefore: renewedAt - 60_000 });
    for (const certificate of [renewed.cert, authority.deviceFor(renewed, 1, toBase64(reinstalled.publicKey.serialize()), renewedAt)]) {
      await server.ctx.store.certificates.putCertificate(certificate, server.ctx.now());
    }
    const event = await nextEvent({ type: 'close', payload: {} }, reinstalled.privateKey);
    const chain = await stored();
    server.intercept = serveChain(bob.device.self, chain, [...chain, event]);
    await bob.core.refresh();
    // The person's key changed, and the chain's alice.1 (the old key) is no longer backed by her certificate.
    expect(bob.problems.map((p) => p.code).sort()).toEqual(['identity_changed', 'uncertified']);
    expect(bob.core.sync.state(workspaceId)?.closed).toBe(false);
    expect(bob.core.keyRing.identityOf(alice.device.self)).toBeUndefined();
    const identities = await bob.core.membership.identities(workspaceId);
    expect(identities.find((i) => i.userId === alice.device.self.userId)).toMatchObject({ changed: true, verified: false });

    await expect(bob.core.membership.setVerified(alice.device.self.userId, true)).rejects.toMatchObject({ code: 'identity_changed' });

    await bob.core.membership.acceptIdentityChange(alice.device.self.userId);
    expect(bob.core.sync.state(workspaceId)?.closed).toBe(true);
    expect(bob.problems.filter((p) => p.code === 'chain_invalid')).toEqual([]);
  });

  it('an event signed by a key no certificate backs is refused, whatever the directory says', async () => {
    const { generateDeviceIdentity } = await import('@yhteispoyta/crypto/identity');
    const forged = generateDeviceIdentity(1).identityKeyPair;
    // The server announces the forged key as alice's in its directory and bundles, and serves an event signed with it.
    const genuineKey = toBase64(alice.device.identityPublicKey.serialize());
    const forgedKey = toBase64(forged.publicKey.serialize());
    const event = await nextEvent({ type: 'close', payload: {} }, forged.privateKey);
    const chain = await stored();
    const served = serveChain(bob.device.self, chain, [...chain, event]);
    server.intercept = (t) => {
      if (t.kind === 'rest' && (t.route === 'listUserDevices' || t.route === 'claimBundles')) {
        return { replace: JSON.parse(JSON.stringify(t.response).replaceAll(genuineKey, forgedKey)) as unknown };
      }
      return served(t);
    };
    await bob.core.sync.syncAll();
    expect(bob.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(bob.core.sync.state(workspaceId)?.closed).toBe(false);
  });

  it('refuses an event that names a member with another organisation than his certificate (a relabelled professional)', async () => {
    // Signed by a real owner device, valid by the chain rules: only certificates can tell the lie.
    const keyHash = identityKeyHash(carol.device.identityPublicKey.serialize());
    const relabelled = await nextEvent({ type: 'add_member', payload: { member: { userId: carol.device.self.userId, orgId: 'sote', role: 'kela_expert', owner: false, devices: [{ deviceId: 1, keyHash }] } } });
    const chain = await stored();
    server.intercept = serveChain(bob.device.self, chain, [...chain, relabelled]);
    await bob.core.sync.syncAll();
    expect(bob.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(bob.problems[0]?.message).toContain('certificate says kela_expert of kela');
    expect(bob.core.sync.state(workspaceId)?.members.has(carol.device.self.userId)).toBe(false);
  });
});
