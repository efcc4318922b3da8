import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '@yhteispoyta/crypto/bytes';
import { generateDeviceIdentity, toProtocolAddress } from '@yhteispoyta/crypto/identity';
import type { DeviceIdentity } from '@yhteispoyta/crypto/identity';
import { identityStatus } from '@yhteispoyta/crypto/identity-store';
import { MemorySignalStores, installPrekeys } from '@yhteispoyta/crypto/memory-stores';
import { generatePrekeys } from '@yhteispoyta/crypto/prekeys';
import { decryptControl, encryptControl, establishSession } from '@yhteispoyta/crypto/sessions';
import type { SignalStores } from '@yhteispoyta/crypto/sessions';
import type { ClaimedBundle, ControlMessage, DeviceRef } from '@yhteispoyta/crypto/types';
import { createProfile, openProfile } from './profile-db';
import type { ProfileDb } from './profile-db';
import { SqlSignalStores } from './signal-stores';

const PASS = 'tunnuslause';
const ALICE: DeviceRef = { userId: 'alice', deviceId: 1 };
const BOB: DeviceRef = { userId: 'bob', deviceId: 1 };
const CAROL: DeviceRef = { userId: 'carol', deviceId: 2 };

let dir: string;
const opened: ProfileDb[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'yp-signal-'));
});
afterEach(() => {
  for (const p of opened.splice(0)) p.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A device with its published prekeys, the way enrolment leaves it. */
interface Enrolled {
  readonly identity: DeviceIdentity;
  readonly upload: ReturnType<typeof generatePrekeys>['upload'];
}

async function enrol(stores: SignalStores, identity: DeviceIdentity, count = 3): Promise<Enrolled> {
  // The SQL stores hand out ids; an in-memory peer simply starts at 1.
  const next = stores instanceof SqlSignalStores ? stores.nextPrekeyIds() : { preKeyId: 1, signedPreKeyId: 1, kyberPreKeyId: 1 };
  const { records, upload } = generatePrekeys(identity, {
    signedPreKeyId: next.signedPreKeyId,
    lastResortKyberId: next.kyberPreKeyId,
    firstKyberId: next.kyberPreKeyId + 1,
    firstPreKeyId: next.preKeyId,
    count,
  });
  // The profile keeps a batch in one transaction; the in-memory peer key by key.
  if (stores instanceof SqlSignalStores) stores.installPrekeys(records);
  else await installPrekeys(stores, records);
  return { identity, upload };
}

/** What the prekey directory would hand out: one-time keys `index`, or only the last-resort Kyber key. */
function bundle(device: DeviceRef, enrolled: Enrolled, index: number | 'last_resort'): ClaimedBundle {
  const { upload } = enrolled;
  const oneTime = index === 'last_resort' ? undefined : { preKey: upload.oneTimePreKeys[index], kyber: upload.oneTimeKyberPreKeys[index] };
  if (oneTime !== undefined && (oneTime.preKey === undefined || oneTime.kyber === undefined)) throw new Error('no such prekey');
  return {
    device,
    registrationId: upload.registrationId,
    identityKey: upload.identityKey,
    signedPreKey: upload.signedPreKey,
    kyberPreKey: oneTime?.kyber ?? upload.lastResortKyberPreKey,
    ...(oneTime?.preKey ? { preKey: oneTime.preKey } : {}),
  };
}

async function createAlice(): Promise<{ profile: ProfileDb; stores: SqlSignalStores; enrolled: Enrolled }> {
  const created = await createProfile(dir, 'alice', PASS, { unsafeWeakKdfForTests: true });
  if (!created.ok) throw new Error(created.error);
  opened.push(created.profile);
  const stores = new SqlSignalStores(created.profile);
  const identity = generateDeviceIdentity(ALICE.deviceId);
  expect(stores.saveDeviceIdentity(identity)).toBe(true);
  return { profile: created.profile, stores, enrolled: await enrol(stores, identity) };
}

async function reopenAlice(profile: ProfileDb): Promise<{ profile: ProfileDb; stores: SqlSignalStores }> {
  profile.close();
  const result = await openProfile(dir, 'alice', PASS);
  if (!result.ok) throw new Error(`${result.error}: ${result.detail}`);
  opened.push(result.profile);
  return { profile: result.profile, stores: new SqlSignalStores(result.profile) };
}

async function send(stores: SignalStores, from: DeviceRef, to: DeviceRef, text: string): Promise<ControlMessage> {
  const sealed = await encryptControl(stores, from, to, utf8(text));
  if (!sealed.ok) throw new Error(`encrypt: ${sealed.code} ${sealed.detail}`);
  return sealed.message;
}

async function receive(stores: SignalStores, at: DeviceRef, from: DeviceRef, message: ControlMessage): Promise<string> {
  const opened = await decryptControl(stores, at, from, message);
  if (!opened.ok) throw new Error(`decrypt: ${opened.code} ${opened.detail}`);
  return fromUtf8(opened.plaintext);
}

describe('SqlSignalStores with a libsignal session', () => {
  it('talks both ways with an in-memory device, and the session survives close and reopen', async () => {
    const alice = await createAlice();
    const bob = new MemorySignalStores(generateDeviceIdentity(BOB.deviceId));
    const established = await establishSession(bob, BOB, bundle(ALICE, alice.enrolled, 0));
    expect(established.ok).toBe(true);

    const first = await send(bob, BOB, ALICE, 'hei Alice');
    expect(first.kind).toBe('prekey');
    expect(await receive(alice.stores, ALICE, BOB, first)).toBe('hei Alice');
    const reply = await send(alice.stores, ALICE, BOB, 'hei Bob');
    expect(reply.kind).toBe('signal');
    expect(await receive(bob, BOB, ALICE, reply)).toBe('hei Bob');

    const { stores } = await reopenAlice(alice.profile);
    const later = await send(bob, BOB, ALICE, 'vielä täällä?');
    expect(later.kind).toBe('signal');
    expect(await receive(stores, ALICE, BOB, later)).toBe('vielä täällä?');
    expect(await receive(bob, BOB, ALICE, await send(stores, ALICE, BOB, 'kyllä'))).toBe('kyllä');
    // A message already decrypted before the reopen stays a duplicate after it.
    expect(await decryptControl(stores, ALICE, BOB, first)).toMatchObject({ ok: false, code: 'duplicate' });
  });

  it('initiates a session from the SQL side too', async () => {
    const alice = await createAlice();
    const bobIdentity = generateDeviceIdentity(BOB.deviceId);
    const bob = new MemorySignalStores(bobIdentity);
    const bobEnrolled = await enrol(bob, bobIdentity);
    expect(await establishSession(alice.stores, ALICE, bundle(BOB, bobEnrolled, 1))).toMatchObject({ ok: true });
    expect(await receive(bob, BOB, ALICE, await send(alice.stores, ALICE, BOB, 'aloitan'))).toBe('aloitan');
    expect(alice.stores.identity.listIdentities().map((i) => i.device)).toEqual([BOB]);
  });

  it('removes a one-time prekey after use and never reissues its id', async () => {
    const alice = await createAlice();
    const before = alice.stores.countOneTimePrekeys();
    expect(before).toEqual({ preKeys: 3, kyberPreKeys: 3 });
    const used = alice.enrolled.upload.oneTimePreKeys[0];
    const usedKyber = alice.enrolled.upload.oneTimeKyberPreKeys[0];
    if (!used || !usedKyber) throw new Error('enrolment produced no prekeys');

    const bob = new MemorySignalStores(generateDeviceIdentity(BOB.deviceId));
    await establishSession(bob, BOB, bundle(ALICE, alice.enrolled, 0));
    await receive(alice.stores, ALICE, BOB, await send(bob, BOB, ALICE, 'ensimmäinen'));

    await expect(alice.stores.preKey.getPreKey(used.id)).rejects.toThrow();
    await expect(alice.stores.kyberPreKey.getKyberPreKey(usedKyber.id)).rejects.toThrow();
    expect(alice.stores.countOneTimePrekeys()).toEqual({ preKeys: 2, kyberPreKeys: 2 });
    const lastResortId = alice.enrolled.upload.lastResortKyberPreKey.id;
    await expect(alice.stores.kyberPreKey.getKyberPreKey(lastResortId)).resolves.toBeDefined();
    expect(alice.stores.kyberPreKey.lastResortUsed()).toBe(false);

    const next = alice.stores.nextPrekeyIds();
    const issuedEc = alice.enrolled.upload.oneTimePreKeys.map((k) => k.id);
    const issuedKyber = [...alice.enrolled.upload.oneTimeKyberPreKeys.map((k) => k.id), lastResortId];
    expect(next.preKeyId).toBe(Math.max(...issuedEc) + 1);
    expect(next.kyberPreKeyId).toBe(Math.max(...issuedKyber) + 1);
    expect(next.signedPreKeyId).toBe(alice.enrolled.upload.signedPreKey.id + 1);
  });

  it('keeps the last-resort Kyber key but refuses a replayed first message built on it', async () => {
    const alice = await createAlice();
    const carol = new MemorySignalStores(generateDeviceIdentity(CAROL.deviceId));
    await establishSession(carol, CAROL, bundle(ALICE, alice.enrolled, 'last_resort'));
    const first = await send(carol, CAROL, ALICE, 'viimeinen avain');
    expect(await receive(alice.stores, ALICE, CAROL, first)).toBe('viimeinen avain');
    expect(alice.stores.kyberPreKey.lastResortUsed()).toBe(true);

    // Without the session, only the recorded (kyber id, signed id, base key) stops a replay.
    alice.stores.session.deleteSession(toProtocolAddress(CAROL));
    const { stores } = await reopenAlice(alice.profile);
    expect(await decryptControl(stores, ALICE, CAROL, first)).toMatchObject({
      ok: false,
      code: 'invalid_message',
      detail: expect.stringContaining('already used with this base key'),
    });

    // The last-resort key itself still serves new senders.
    const bob = new MemorySignalStores(generateDeviceIdentity(BOB.deviceId));
    await establishSession(bob, BOB, bundle(ALICE, alice.enrolled, 'last_resort'));
    expect(await receive(stores, ALICE, BOB, await send(bob, BOB, ALICE, 'minä myös'))).toBe('minä myös');
  });
});

describe('installing a batch of prekeys', () => {
  it('keeps all of them or, when one fails half-way, none', async () => {
    const { stores } = await createAlice();
    const before = stores.countOneTimePrekeys();
    expect(before).toEqual({ preKeys: 3, kyberPreKeys: 3 });
    const next = stores.nextPrekeyIds(4);
    const { records } = generatePrekeys(generateDeviceIdentity(ALICE.deviceId), {
      signedPreKeyId: next.signedPreKeyId,
      lastResortKyberId: next.kyberPreKeyId,
      firstKyberId: next.kyberPreKeyId + 1,
      firstPreKeyId: next.preKeyId,
      count: 4,
    });
    const broken = [...records.kyberPreKeys.slice(0, 2), { id: () => { throw new Error('disk full'); } }] as unknown as typeof records.kyberPreKeys;
    expect(() => stores.installPrekeys({ ...records, kyberPreKeys: broken })).toThrow('disk full');
    expect(stores.countOneTimePrekeys()).toEqual(before);
    await expect(stores.signedPreKey.getSignedPreKey(next.signedPreKeyId)).rejects.toThrow();

    stores.installPrekeys(records);
    expect(stores.countOneTimePrekeys()).toEqual({ preKeys: 7, kyberPreKeys: 7 });
    expect((await stores.signedPreKey.getSignedPreKey(next.signedPreKeyId)).id()).toBe(next.signedPreKeyId);
  });
});

describe('identities', () => {
  it('detects a changed identity across a reopen, and resets "verified" when the change is accepted', async () => {
    const alice = await createAlice();
    const bob = new MemorySignalStores(generateDeviceIdentity(BOB.deviceId));
    await establishSession(bob, BOB, bundle(ALICE, alice.enrolled, 0));
    await receive(alice.stores, ALICE, BOB, await send(bob, BOB, ALICE, 'alkuperäinen'));
    const original = alice.stores.identity.listIdentities()[0];
    expect(original).toMatchObject({ device: BOB, verified: false, changedAt: null });
    expect(alice.stores.identity.setVerified(BOB, true)).toBe(true);

    const { stores } = await reopenAlice(alice.profile);
    expect(stores.identity.getVerified(BOB)).toBe(true);

    // Bob reinstalls: same device address, new identity key.
    const bobIdentity = generateDeviceIdentity(BOB.deviceId);
    const newBob = new MemorySignalStores(bobIdentity);
    await establishSession(newBob, BOB, bundle(ALICE, alice.enrolled, 1));
    const result = await decryptControl(stores, ALICE, BOB, await send(newBob, BOB, ALICE, 'uusi minä'));
    expect(result).toMatchObject({ ok: false, code: 'identity_changed' });
    const newKey = bobIdentity.identityKeyPair.publicKey;
    expect(await identityStatus(stores.identity, BOB, newKey)).toBe('changed');
    expect(stores.identity.setVerified(BOB, true, newKey)).toBe(false);

    await stores.identity.acceptIdentityChange(BOB, newKey);
    const changed = stores.identity.listIdentities()[0];
    expect(changed?.publicKey.equals(newKey)).toBe(true);
    expect(changed?.verified).toBe(false);
    expect(changed?.firstSeen).toBe(original?.firstSeen);
    expect(changed?.changedAt).toBeTypeOf('number');
    expect(await identityStatus(stores.identity, BOB, newKey)).toBe('same');
  });

  it('keeps the device identity across reopen and refuses to replace it', async () => {
    const alice = await createAlice();
    const stored = alice.stores.loadDeviceIdentity();
    expect(stored?.identityKeyPair.publicKey.equals(alice.enrolled.identity.identityKeyPair.publicKey)).toBe(true);
    expect(alice.stores.saveDeviceIdentity(alice.enrolled.identity)).toBe(true);
    expect(alice.stores.saveDeviceIdentity(generateDeviceIdentity(ALICE.deviceId))).toBe(false);

    const { stores } = await reopenAlice(alice.profile);
    const reloaded = stores.loadDeviceIdentity();
    expect(reloaded?.identityKeyPair.publicKey.equals(alice.enrolled.identity.identityKeyPair.publicKey)).toBe(true);
    expect(reloaded?.registrationId).toBe(alice.enrolled.identity.registrationId);
    expect(await stores.identity.getLocalRegistrationId()).toBe(alice.enrolled.identity.registrationId);
  });

  it('has no local identity before enrolment', async () => {
    const created = await createProfile(dir, 'fresh', PASS, { unsafeWeakKdfForTests: true });
    if (!created.ok) throw new Error(created.error);
    opened.push(created.profile);
    const stores = new SqlSignalStores(created.profile);
    expect(stores.loadDeviceIdentity()).toBeUndefined();
    await expect(stores.identity.getIdentityKey()).rejects.toThrow(/no device identity/);
    expect(stores.nextPrekeyIds()).toEqual({ preKeyId: 1, signedPreKeyId: 1, kyberPreKeyId: 1 });
  });
});
