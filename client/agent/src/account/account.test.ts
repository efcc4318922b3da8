/**
 * Enrolment, login and prekey upkeep against the real server's REST handlers in-process
 * (server/src/testkit: `server.fetch` under the agent's own HTTP client). What the server
 * registered is read from its store; codes are issued and certified as the
 * organisations' admin tools do; a server presenting another root is the interceptor.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrivateKey } from '@signalapp/libsignal-client';
import { fromBase64, toBase64 } from '@yhteispoyta/crypto/bytes';
import { checkEnrolmentProof, formatOneTimeCode, parseOneTimeCode } from '@yhteispoyta/crypto/certificates/codes';
import { verifyCertificateSignature } from '@yhteispoyta/crypto/certificates/signing';
import type { PendingEnrolment } from '@yhteispoyta/crypto/protocol';
import { newCode, TEST_ADMIN_TOKEN } from '@yhteispoyta/server/http/certified.testkit';
import { startInProcessServer } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import type { InProcessServer } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import { createProfile, openProfile } from '../profile/profile-db';
import type { ProfileDb } from '../profile/profile-db';
import { LegacyProfileError, loadAccount, loadPendingUpload, loadUserKey } from './account-record';
import { Device } from './device';
import { enrolDevice } from './enrol';
import { PREKEY_DRAIN_ALERT, PREKEY_LOW_WATER, PREKEY_TARGET } from './prekey-maintenance';

const SERVER = 'http://in-process.invalid';
const PASS = 'salasana';
let dir: string;
const opened: ProfileDb[] = [];
let server: InProcessServer;
/** every request the agent made, as `METHOD path`, and the JSON bodies it sent */
let requests: string[];
let bodies: unknown[];

/** The in-process server's fetch, recording what the agent sends. */
const fetch: typeof globalThis.fetch = async (input, init) => {
  requests.push(`${init?.method ?? 'GET'} ${new URL(input instanceof Request ? input.url : String(input)).pathname}`);
  if (typeof init?.body === 'string') bodies.push(JSON.parse(init.body));
  return server.fetch(input, init);
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-account-'));
  server = await startInProcessServer();
  requests = [];
  bodies = [];
});
afterEach(async () => {
  for (const p of opened.splice(0)) if (p.isOpen) p.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function newProfile(name = 'p'): Promise<ProfileDb> {
  const created = await createProfile(dir, name, PASS, { unsafeWeakKdfForTests: true });
  if (!created.ok) throw new Error(created.error);
  opened.push(created.profile);
  return created.profile;
}

async function enrolled(profile: ProfileDb, opts: { rotationMs?: number; now?: () => number } = {}): Promise<Device> {
  const { code } = await server.issueProfessionalCode({ orgId: 'org1', role: 'social_worker' });
  const result = await enrolDevice(profile, {
    serverUrl: SERVER,
    code,
    fetch,
    ...(opts.rotationMs ? { signedPreKeyRotationMs: opts.rotationMs } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.device;
}

/** A code of the deployment whose id the server never registered. */
async function unknownCode(): Promise<string> {
  await server.issueProfessionalCode(); // the deployment's root is registered
  return formatOneTimeCode(newCode(server, 'enrolment'));
}

/** A device-link code for a further device of an existing professional, as his device registers it. */
async function linkCode(): Promise<{ code: string; codeId: string; secret: Uint8Array; existing: Awaited<ReturnType<InProcessServer['enrolDevice']>> }> {
  const existing = await server.enrolDevice();
  const link = newCode(server, 'device_link');
  const { deviceId } = await server.rest(existing).call('createLinkCode', { body: { codeId: link.codeId } });
  return { code: formatOneTimeCode({ ...link, deviceId }), codeId: link.codeId, secret: link.secret, existing };
}

/** The enrolment the server keeps for the organisation's admin tool. */
async function pendingEnrolment(code: string): Promise<PendingEnrolment | undefined> {
  const parsed = parseOneTimeCode(code);
  const admin = server.rest({ adminToken: TEST_ADMIN_TOKEN });
  const orgs = (await admin.call('adminListOrgs', {})).orgs.map((o) => o.orgId);
  for (const orgId of orgs) {
    const { enrolments } = await admin.call('listOrgEnrolments', { params: { orgId } });
    const found = enrolments.find((e) => e.codeId === parsed?.codeId);
    if (found !== undefined) return found;
  }
  return undefined;
}

describe('enrolDevice', () => {
  it('registers verified keys with a proof of the code secret and a self-signed device certificate, and records who the device is', async () => {
    const profile = await newProfile();
    const issued = await server.issueProfessionalCode({ orgId: 'org1', role: 'social_worker' });
    const result = await enrolDevice(profile, { serverUrl: SERVER, code: issued.code, fetch });
    if (!result.ok) throw new Error(result.message);
    const device = result.device;
    expect(device.self.userId).toMatch(/^u_/);
    expect(device.self.userId).toBe(issued.userId);
    expect(device.self.deviceId).toBe(1);
    expect(device.orgId).toBe('org1');
    expect(device.role).toBe('social_worker');
    expect(device.kind).toBe('enrolment');
    expect(toBase64(device.rootKey)).toBe(toBase64((await server.ctx.store.certificates.getRoot())?.key ?? new Uint8Array()));
    // What the server keeps for the issuer: the proof checks out under the code's secret, the certificate under the user key.
    const pending = await pendingEnrolment(issued.code);
    const secret = parseOneTimeCode(issued.code)?.secret ?? new Uint8Array();
    const userKey = toBase64(device.userKey()?.getPublicKey().serialize() ?? new Uint8Array());
    expect(pending?.userKey).toBe(userKey);
    expect(pending?.identityKey).toBe(toBase64(device.identityPublicKey.serialize()));
    expect(checkEnrolmentProof(secret, { codeId: pending?.codeId ?? '', deviceId: 1, identityKey: pending?.identityKey ?? '', userKey }, pending?.proof)).toBe(true);
    const certificate = pending?.deviceCertificate;
    expect(certificate?.body).toMatchObject({ t: 'device', userId: device.self.userId, deviceId: 1, identityKey: pending?.identityKey });
    expect(certificate !== undefined && verifyCertificateSignature(certificate, fromBase64(userKey) ?? new Uint8Array())).toBe(true);
    await expect(issued.certify()).resolves.toBeUndefined();
    expect(await server.ctx.store.directory.prekeyCounts(device.self)).toEqual({ oneTimePreKeys: PREKEY_TARGET, oneTimeKyberPreKeys: PREKEY_TARGET });
    expect(toBase64((await server.ctx.store.directory.getDevice(device.self))?.identityKey ?? new Uint8Array())).toBe(toBase64(device.identityPublicKey.serialize()));
    expect(device.stores.countOneTimePrekeys()).toEqual({ preKeys: PREKEY_TARGET, kyberPreKeys: PREKEY_TARGET });
    expect(loadPendingUpload(profile)).toBeUndefined();
  });

  it('a further device of a person sends no user key and shows the approval digits', async () => {
    const profile = await newProfile();
    const link = await linkCode();
    const result = await enrolDevice(profile, { serverUrl: SERVER, code: link.code, fetch });
    if (!result.ok) throw new Error(result.message);
    expect(result.device.self).toEqual({ userId: link.existing.ref.userId, deviceId: 2 });
    expect(result.device.kind).toBe('device_link');
    expect(result.device.approvalCode).toMatch(/^[0-9]{3} [0-9]{3}$/);
    expect(result.device.userKey()).toBeUndefined();
    // What the person's existing device finds: a proof that checks out, no certificate and no user key.
    const { enrolments } = await server.rest(link.existing).call('pendingDevices', {});
    const pending = enrolments.find((e) => e.codeId === link.codeId);
    expect(checkEnrolmentProof(link.secret, { codeId: link.codeId, deviceId: 2, identityKey: pending?.identityKey ?? '' }, pending?.proof)).toBe(true);
    expect(pending?.identityKey).toBe(toBase64(result.device.identityPublicKey.serialize()));
    expect(pending?.deviceCertificate).toBeUndefined();
    expect(pending?.userKey).toBeUndefined();
  });

  it('refuses a server that presents another deployment root than the code names, sending nothing', async () => {
    const profile = await newProfile();
    const { code } = await server.issueProfessionalCode();
    const otherRoot = toBase64(PrivateKey.generate().getPublicKey().serialize());
    server.intercept = (t) => (t.kind === 'rest' && t.route === 'getRoot' ? { replace: { rootKey: otherRoot } } : undefined);
    const result = await enrolDevice(profile, { serverUrl: SERVER, code, fetch });
    expect(result).toMatchObject({ ok: false, code: 'root_mismatch' });
    expect(requests).toEqual(['GET /v1/root']);
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
    // The server refuses a code it never registered (as unknown: `unauthenticated`).
    const refused = await enrolDevice(profile, { serverUrl: SERVER, code: await unknownCode(), fetch });
    expect(refused).toMatchObject({ ok: false, code: 'unauthenticated' });
    expect(loadAccount(profile)).toBeUndefined();
    expect(Device.open(profile)).toBeUndefined();
    const pending = loadPendingUpload(profile);
    expect(pending?.oneTimePreKeys).toHaveLength(PREKEY_TARGET);
    const userKey = loadUserKey(profile)?.serialize();

    bodies = [];
    const retried = await enrolDevice(profile, { serverUrl: SERVER, code: (await server.issueProfessionalCode()).code, fetch });
    if (!retried.ok) throw new Error(retried.message);
    // The retry sent the same keys: nothing generated twice, nothing held that the server lacks.
    expect(bodies.map((b) => (b as { prekeys?: unknown }).prekeys)).toEqual([pending]);
    expect(toBase64((await server.ctx.store.directory.getDevice(retried.device.self))?.identityKey ?? new Uint8Array())).toBe(pending?.identityKey);
    expect(retried.device.userKey()?.serialize()).toEqual(userKey);
    expect(retried.device.stores.countOneTimePrekeys()).toEqual({ preKeys: PREKEY_TARGET, kyberPreKeys: PREKEY_TARGET });
  });

  it('offline is a typed failure; an enrolled profile and malformed codes are refused', async () => {
    const profile = await newProfile();
    const { code } = await server.issueProfessionalCode();
    // No answer comes back from the server: the agent's client sees a network failure.
    server.intercept = (t) => (t.kind === 'rest' ? 'drop' : undefined);
    expect(await enrolDevice(profile, { serverUrl: SERVER, code, fetch })).toMatchObject({ ok: false, code: 'offline' });
    server.intercept = undefined;
    expect(await enrolDevice(profile, { serverUrl: SERVER, code: 'bad code!', fetch })).toMatchObject({ ok: false, code: 'bad_request' });
    await enrolled(profile);
    expect(await enrolDevice(profile, { serverUrl: SERVER, code: (await server.issueProfessionalCode()).code, fetch })).toMatchObject({
      ok: false,
      code: 'already_enrolled',
    });
  });

  it('an unfinished enrolment as another device id is refused, not overwritten', async () => {
    const profile = await newProfile();
    await enrolDevice(profile, { serverUrl: SERVER, code: await unknownCode(), fetch });
    const link = await linkCode();
    requests = [];
    const result = await enrolDevice(profile, { serverUrl: SERVER, code: link.code, fetch });
    expect(result).toMatchObject({ ok: false, code: 'other_device' });
    // Nothing was sent but the root's request: the link code is still unused, and a fresh profile enrols with it.
    expect(requests).toEqual(['GET /v1/root']);
    expect(await enrolDevice(await newProfile('q'), { serverUrl: SERVER, code: link.code, fetch })).toMatchObject({ ok: true });
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
    const device = await enrolled(await newProfile(), { now: () => now });
    const first = await device.session.current();
    expect(await server.ctx.store.auth.getSession(first, server.ctx.now())).not.toBeNull();
    expect(await device.session.current()).toBe(first);
    // Both clocks move on to inside the refresh margin.
    const ttlMs = server.ctx.config.sessionTtlSeconds * 1000;
    now += ttlMs - 30_000;
    server.clockOffsetMs = ttlMs - 30_000;
    const second = await device.session.current();
    expect(second).not.toBe(first);
    expect(requests.filter((r) => r === 'POST /v1/auth/login')).toHaveLength(2);
  });

  it('concurrent callers share one login', async () => {
    const device = await enrolled(await newProfile());
    const tokens = await Promise.all([device.session.current(), device.session.current(), device.session.renew()]);
    expect(new Set(tokens).size).toBe(1);
    expect(requests.filter((r) => r === 'POST /v1/auth/login')).toHaveLength(1);
  });

  it('the REST client logs in again after the server forgot the session', async () => {
    const device = await enrolled(await newProfile());
    await device.rest.call('countPrekeys', {});
    // The server forgets every session (the operator purges them all).
    await server.ctx.store.auth.purgeExpired(Number.MAX_SAFE_INTEGER);
    expect(await device.rest.call('countPrekeys', {})).toEqual({ ec: PREKEY_TARGET, kyber: PREKEY_TARGET });
    expect(requests.filter((r) => r === 'POST /v1/auth/login')).toHaveLength(2);
  });
});

describe('PrekeyMaintenance', () => {
  it('tops up to the target when the server runs low, installing the keys first', async () => {
    const device = await enrolled(await newProfile());
    expect(await device.prekeys.run()).toMatchObject({ toppedUp: 0 });
    // Other devices contact this one until the server holds fewer than the low-water mark.
    for (let i = 0; i < PREKEY_TARGET - (PREKEY_LOW_WATER - 1); i++) await server.ctx.store.directory.claimBundle(device.self);
    expect(await server.ctx.store.directory.prekeyCounts(device.self)).toMatchObject({ oneTimePreKeys: PREKEY_LOW_WATER - 1 });
    const report = await device.prekeys.run();
    expect(report.toppedUp).toBe(PREKEY_TARGET - (PREKEY_LOW_WATER - 1));
    expect((await server.ctx.store.directory.prekeyCounts(device.self))?.oneTimePreKeys).toBe(PREKEY_TARGET);
    expect(requests.filter((r) => r === 'POST /v1/prekeys')).toHaveLength(1);
    expect(device.stores.countOneTimePrekeys().preKeys).toBe(PREKEY_TARGET + report.toppedUp);
  });

  it('tells the user once when prekeys are drained abnormally within an hour, and tops up at once', async () => {
    let offset = 0;
    const now = (): number => Date.now() + offset;
    const device = await enrolled(await newProfile(), { now });
    const problems: { code: string; message: string }[] = [];
    await device.prekeys.run();
    // Claims spread over the hour, each followed by a check (as a mailbox notice triggers one):
    // every single check sees only a few taken, the hour together far too many.
    const step = Math.ceil(PREKEY_DRAIN_ALERT / 5);
    for (let taken = 0; taken < PREKEY_DRAIN_ALERT; taken += step) {
      for (let i = 0; i < step; i++) await server.ctx.store.directory.claimBundle(device.self);
      offset += 5 * 60_000;
      const report = await device.prekeys.run();
      if (taken + step < PREKEY_DRAIN_ALERT) expect(report.drained).toBeUndefined();
      else {
        expect(report.drained).toBeGreaterThanOrEqual(PREKEY_DRAIN_ALERT);
        // Above the low-water mark, yet topped up to the target at once.
        expect(report.toppedUp).toBeGreaterThan(0);
      }
    }
    expect((await server.ctx.store.directory.prekeyCounts(device.self))?.oneTimePreKeys).toBe(PREKEY_TARGET);
    // Whoever listens later hears of it: the agent's problem log is attached when the link opens.
    device.prekeys.reportTo({ report: (p) => problems.push(p) });
    expect(problems.map((p) => p.code)).toEqual(['prekeys_drained']);
    // Told once per hour, not on every check.
    await server.ctx.store.directory.claimBundle(device.self);
    expect((await device.prekeys.run()).drained).toBeUndefined();
    expect(problems).toHaveLength(1);
  });

  it('does not cry drain at a normal pace: a few new contacts an hour', async () => {
    let offset = 0;
    const now = (): number => Date.now() + offset;
    const device = await enrolled(await newProfile(), { now });
    const problems: { code: string }[] = [];
    device.prekeys.reportTo({ report: (p) => problems.push(p) });
    await device.prekeys.run();
    for (let hour = 0; hour < 6; hour++) {
      for (let i = 0; i < PREKEY_DRAIN_ALERT / 3; i++) await server.ctx.store.directory.claimBundle(device.self);
      offset += 61 * 60_000;
      expect((await device.prekeys.run()).drained).toBeUndefined();
    }
    expect(problems).toEqual([]);
  });

  it('rotates the signed prekey when due and prunes replaced ones after the grace period', async () => {
    const day = 24 * 3600 * 1000;
    let offset = 0;
    const now = (): number => Date.now() + offset;
    const device = await enrolled(await newProfile(), { rotationMs: 7 * day, now });
    const signedPreKey = async () => (await server.ctx.store.directory.getDevice(device.self))?.signedPreKey;
    const original = await signedPreKey();
    expect((await device.prekeys.run()).rotated).toBe(false);
    offset = 8 * day;
    server.clockOffsetMs = offset;
    expect((await device.prekeys.run()).rotated).toBe(true);
    const rotated = await signedPreKey();
    expect(rotated?.id).not.toBe(original?.id);
    // The previous key stays: first messages built on it may still arrive.
    if (original === undefined || rotated === undefined) throw new Error('missing keys');
    await expect(device.stores.signedPreKey.getSignedPreKey(original.id)).resolves.toBeDefined();
    offset = 8 * day + 15 * day;
    server.clockOffsetMs = offset;
    const later = await device.prekeys.run();
    expect(later.rotated).toBe(true);
    expect(later.pruned).toBeGreaterThanOrEqual(1);
    await expect(device.stores.signedPreKey.getSignedPreKey(original.id)).rejects.toThrow();
    await expect(device.stores.signedPreKey.getSignedPreKey(rotated.id)).resolves.toBeDefined();
  });
});
