import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrivateKey } from '@signalapp/libsignal-client';
import { toBase64 } from '@yhteispoyta/crypto/bytes';
import { createProfile, openProfile } from '../profile/profile-db';
import type { ProfileDb } from '../profile/profile-db';
import { LegacyProfileError, loadAccount, loadPendingUpload, loadUserKey } from './account-record';
import { Device } from './device';
import { enrolDevice } from './enrol';
import { FakeAccountServer } from './fake-account-server.testkit';
import { PREKEY_LOW_WATER, PREKEY_TARGET } from './prekey-maintenance';

const SERVER = 'http://server.invalid';
const PASS = 'salasana';
let dir: string;
const opened: ProfileDb[] = [];
let server: FakeAccountServer;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'yp-account-'));
  server = new FakeAccountServer();
});
afterEach(() => {
  for (const p of opened.splice(0)) if (p.isOpen) p.close();
  rmSync(dir, { recursive: true, force: true });
});

async function newProfile(name = 'p'): Promise<ProfileDb> {
  const created = await createProfile(dir, name, PASS, { unsafeWeakKdfForTests: true });
  if (!created.ok) throw new Error(created.error);
  opened.push(created.profile);
  return created.profile;
}

async function enrolled(profile: ProfileDb, opts: { rotationMs?: number; now?: () => number } = {}): Promise<Device> {
  const code = server.issueCode();
  const result = await enrolDevice(profile, {
    serverUrl: SERVER,
    code,
    fetch: server.fetch,
    ...(opts.rotationMs ? { signedPreKeyRotationMs: opts.rotationMs } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.device;
}

describe('enrolDevice', () => {
  it('registers verified keys with a proof of the code secret and a self-signed device certificate, and records who the device is', async () => {
    const profile = await newProfile();
    const device = await enrolled(profile);
    expect(device.self.userId).toMatch(/^u_/);
    expect(device.self.deviceId).toBe(1);
    expect(device.orgId).toBe('org1');
    expect(device.role).toBe('social_worker');
    expect(device.kind).toBe('enrolment');
    expect(toBase64(device.rootKey)).toBe(server.servedRoot);
    const registered = server.devices.get(`${device.self.userId}.1`);
    expect(registered).toMatchObject({ proofValid: true, certificateValid: true });
    expect(registered?.userKey).toBe(toBase64(device.userKey()?.getPublicKey().serialize() ?? new Uint8Array()));
    expect(registered?.upload.oneTimePreKeys).toHaveLength(PREKEY_TARGET);
    expect(registered?.upload.oneTimeKyberPreKeys).toHaveLength(PREKEY_TARGET);
    expect(registered?.upload.identityKey).toBe(toBase64(device.identityPublicKey.serialize()));
    expect(device.stores.countOneTimePrekeys()).toEqual({ preKeys: PREKEY_TARGET, kyberPreKeys: PREKEY_TARGET });
    expect(loadPendingUpload(profile)).toBeUndefined();
  });

  it('a further device of a person sends no user key and shows the approval digits', async () => {
    const profile = await newProfile();
    const code = server.issueCode({ kind: 'device_link', userId: 'maija', deviceId: 2 });
    const result = await enrolDevice(profile, { serverUrl: SERVER, code, fetch: server.fetch });
    if (!result.ok) throw new Error(result.message);
    expect(result.device.self).toEqual({ userId: 'maija', deviceId: 2 });
    expect(result.device.kind).toBe('device_link');
    expect(result.device.approvalCode).toMatch(/^[0-9]{3} [0-9]{3}$/);
    expect(result.device.userKey()).toBeUndefined();
    expect(server.devices.get('maija.2')).toMatchObject({ proofValid: true, certificateValid: false });
    expect(server.devices.get('maija.2')?.userKey).toBeUndefined();
  });

  it('refuses a server that presents another deployment root than the code names, sending nothing', async () => {
    const profile = await newProfile();
    const code = server.issueCode();
    server.servedRoot = toBase64(PrivateKey.generate().getPublicKey().serialize());
    const result = await enrolDevice(profile, { serverUrl: SERVER, code, fetch: server.fetch });
    expect(result).toMatchObject({ ok: false, code: 'root_mismatch' });
    expect(server.requests).toEqual(['GET /v1/root']);
    expect(loadAccount(profile)).toBeUndefined();
  });

  it('survives a restart: the reopened profile is the same device', async () => {
    const profile = await newProfile();
    const device = await enrolled(profile);
    const key = toBase64(device.identityPublicKey.serialize());
    const userKey = device.userKey()?.serialize();
    profile.close();
    const reopened = await openProfile(dir, 'p', PASS);
    if (!reopened.ok) throw new Error(reopened.error);
    opened.push(reopened.profile);
    const again = Device.open(reopened.profile);
    expect(again?.self).toEqual(device.self);
    expect(again && toBase64(again.identityPublicKey.serialize())).toBe(key);
    expect(again?.userKey()?.serialize()).toEqual(userKey);
    expect(loadAccount(reopened.profile)?.serverUrl).toBe(SERVER);
  });

  it('a refused code leaves the profile re-enrollable with the same keys', async () => {
    const profile = await newProfile();
    const unknown = server.issueCode();
    server.codes.clear();
    const refused = await enrolDevice(profile, { serverUrl: SERVER, code: unknown, fetch: server.fetch });
    expect(refused).toMatchObject({ ok: false, code: 'not_found' });
    expect(loadAccount(profile)).toBeUndefined();
    expect(Device.open(profile)).toBeUndefined();
    const pending = loadPendingUpload(profile);
    expect(pending?.oneTimePreKeys).toHaveLength(PREKEY_TARGET);
    const userKey = loadUserKey(profile)?.serialize();

    const retried = await enrolDevice(profile, { serverUrl: SERVER, code: server.issueCode(), fetch: server.fetch });
    if (!retried.ok) throw new Error(retried.message);
    // The retry sent the same keys: nothing generated twice, nothing held that the server lacks.
    expect(server.devices.get(`${retried.device.self.userId}.1`)?.upload).toEqual(pending);
    expect(retried.device.userKey()?.serialize()).toEqual(userKey);
    expect(retried.device.stores.countOneTimePrekeys()).toEqual({ preKeys: PREKEY_TARGET, kyberPreKeys: PREKEY_TARGET });
  });

  it('offline is a typed failure; an enrolled profile and malformed codes are refused', async () => {
    const profile = await newProfile();
    server.down = true;
    expect(await enrolDevice(profile, { serverUrl: SERVER, code: server.issueCode(), fetch: server.fetch })).toMatchObject({ ok: false, code: 'offline' });
    server.down = false;
    expect(await enrolDevice(profile, { serverUrl: SERVER, code: 'bad code!', fetch: server.fetch })).toMatchObject({ ok: false, code: 'bad_request' });
    await enrolled(profile);
    expect(await enrolDevice(profile, { serverUrl: SERVER, code: server.issueCode(), fetch: server.fetch })).toMatchObject({
      ok: false,
      code: 'already_enrolled',
    });
  });

  it('an unfinished enrolment as another device id is refused, not overwritten', async () => {
    const profile = await newProfile();
    const unknown = server.issueCode();
    server.codes.clear();
    await enrolDevice(profile, { serverUrl: SERVER, code: unknown, fetch: server.fetch });
    const link = server.issueCode({ kind: 'device_link', deviceId: 2 });
    const result = await enrolDevice(profile, { serverUrl: SERVER, code: link, fetch: server.fetch });
    expect(result).toMatchObject({ ok: false, code: 'other_device' });
    expect(server.codes.size).toBe(1);
  });

  it('a profile enrolled before certificates is refused with a clear re-enrol error', async () => {
    const profile = await newProfile();
    profile.setSetting('account', JSON.stringify({ v: 1, serverUrl: SERVER, userId: 'u1', deviceId: 1, orgId: 'o', role: 'social_worker', displayName: 'X', enrolledAt: 1 }));
    expect(() => loadAccount(profile)).toThrow(LegacyProfileError);
  });
});

describe('LoginSession', () => {
  it('logs in by signing the challenge; the token is reused until close to expiry', async () => {
    let now = Date.now();
    server.now = () => now;
    const device = await enrolled(await newProfile(), { now: () => now });
    const first = await device.session.current();
    expect(server.tokens.has(first)).toBe(true);
    expect(await device.session.current()).toBe(first);
    now += server.sessionTtlMs - 30_000; // inside the refresh margin
    const second = await device.session.current();
    expect(second).not.toBe(first);
    expect(server.requests.filter((r) => r === 'POST /v1/auth/login')).toHaveLength(2);
  });

  it('concurrent callers share one login', async () => {
    const device = await enrolled(await newProfile());
    const tokens = await Promise.all([device.session.current(), device.session.current(), device.session.renew()]);
    expect(new Set(tokens).size).toBe(1);
    expect(server.requests.filter((r) => r === 'POST /v1/auth/login')).toHaveLength(1);
  });

  it('the REST client logs in again after the server forgot the session', async () => {
    const device = await enrolled(await newProfile());
    await device.rest.call('countPrekeys', {});
    server.tokens.clear();
    expect(await device.rest.call('countPrekeys', {})).toEqual({ ec: PREKEY_TARGET, kyber: PREKEY_TARGET });
    expect(server.requests.filter((r) => r === 'POST /v1/auth/login')).toHaveLength(2);
  });
});

describe('PrekeyMaintenance', () => {
  it('tops up to the target when the server runs low, installing the keys first', async () => {
    const device = await enrolled(await newProfile());
    const registered = server.devices.get(`${device.self.userId}.1`);
    if (registered === undefined) throw new Error('not registered');
    expect(await device.prekeys.run()).toMatchObject({ toppedUp: 0 });
    registered.ec = PREKEY_LOW_WATER - 1;
    registered.kyber = 40;
    const report = await device.prekeys.run();
    expect(report.toppedUp).toBe(PREKEY_TARGET - (PREKEY_LOW_WATER - 1));
    expect(registered.ec).toBe(PREKEY_TARGET);
    expect(registered.topUps).toBe(1);
    expect(device.stores.countOneTimePrekeys().preKeys).toBe(PREKEY_TARGET + report.toppedUp);
  });

  it('rotates the signed prekey when due and prunes replaced ones after the grace period', async () => {
    const day = 24 * 3600 * 1000;
    let offset = 0;
    const now = (): number => Date.now() + offset;
    server.now = now;
    const device = await enrolled(await newProfile(), { rotationMs: 7 * day, now });
    const original = server.devices.get(`${device.self.userId}.1`)?.signedPreKey;
    expect((await device.prekeys.run()).rotated).toBe(false);
    offset = 8 * day;
    expect((await device.prekeys.run()).rotated).toBe(true);
    const rotated = server.devices.get(`${device.self.userId}.1`)?.signedPreKey;
    expect(rotated?.id).not.toBe(original?.id);
    // The previous key stays: first messages built on it may still arrive.
    if (original === undefined || rotated === undefined) throw new Error('missing keys');
    await expect(device.stores.signedPreKey.getSignedPreKey(original.id)).resolves.toBeDefined();
    offset = 8 * day + 15 * day;
    const later = await device.prekeys.run();
    expect(later.rotated).toBe(true);
    expect(later.pruned).toBeGreaterThanOrEqual(1);
    await expect(device.stores.signedPreKey.getSignedPreKey(original.id)).rejects.toThrow();
    await expect(device.stores.signedPreKey.getSignedPreKey(rotated.id)).resolves.toBeDefined();
  });
});
