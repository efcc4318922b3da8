/**
 * The prekey directory against the real server: one-time prekeys go out at most once,
 * also to concurrent claimers; bundles verify; forged top-ups and signed prekeys are
 * refused without changing anything; only a device sharing a workspace with the person
 * (or his own other device) may claim, and claims are rate-limited per claimed device and
 * per claiming device (issue 15).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '@yhteispoyta/crypto/bytes';
import { generateOneTimePrekeys, generateSignedPreKey, verifyClaimedBundle } from '@yhteispoyta/crypto/prekeys';
import { claimBundlesResponseSchema, prekeyCountResponseSchema } from '@yhteispoyta/crypto/protocol';
import {
  append,
  call,
  createOrg,
  createWorkspace,
  enrolProfessional,
  linkDevice,
  memberOf,
  expectError,
  expectLogsFreeOfSecrets,
  expectOk,
  startApiServer,
} from '../api.testkit';
import type { ApiServer, TestDevice } from '../api.testkit';

let server: ApiServer;
let orgId: string;
let claimer: TestDevice;
/** the claimer's workspace; targets are added to it unless a test says otherwise */
let shared: string;

beforeAll(async () => {
  server = await startApiServer();
  orgId = await createOrg(server);
  claimer = await enrolProfessional(server, orgId);
  shared = await createWorkspace(server, claimer, 'consultation');
});

afterAll(async () => {
  expectLogsFreeOfSecrets(server);
  await server.close();
});

/** A professional the claimer has added to his workspace (as an agent adds one before claiming his bundle). */
async function colleague(): Promise<TestDevice> {
  const target = await enrolProfessional(server, orgId);
  expect((await append(server, claimer, shared, 'add_member', { member: memberOf(target) })).status).toBe(200);
  return target;
}

async function claim(target: TestDevice) {
  return expectOk(await call(server, 'POST', '/v1/bundles/claim', { token: claimer.token, json: { userId: target.ref.userId } }), claimBundlesResponseSchema);
}

async function counts(device: TestDevice) {
  return expectOk(await call(server, 'GET', '/v1/prekeys/count', { token: device.token }), prekeyCountResponseSchema);
}

function flip(signature: string): string {
  const bytes = fromBase64(signature) ?? new Uint8Array();
  bytes[0] = (bytes[0] ?? 0) ^ 0x80;
  return toBase64(bytes);
}

describe('bundle claims', () => {
  it('hands each one-time prekey out once, then falls back to the last-resort Kyber prekey', async () => {
    const target = await colleague();
    expect(await counts(target)).toEqual({ ec: 2, kyber: 2 });
    const claims = [await claim(target), await claim(target), await claim(target)];
    const bundles = claims.map((c) => c.bundles[0]);
    for (const bundle of bundles) expect(verifyClaimedBundle(bundle).ok).toBe(true);
    const preKeyIds = bundles.map((b) => b?.preKey?.id);
    expect(preKeyIds[0]).not.toBe(preKeyIds[1]);
    expect(preKeyIds[2]).toBeUndefined();
    const kyberIds = bundles.map((b) => b?.kyberPreKey.id);
    expect(new Set(kyberIds.slice(0, 2)).size).toBe(2);
    expect(await counts(target)).toEqual({ ec: 0, kyber: 0 });
    const device = await server.running.ctx.store.directory.getDevice(target.ref);
    expect(kyberIds[2]).toBe(device?.lastResortKyberPreKey.id);
  });

  it('never hands one prekey to two concurrent claimers', async () => {
    const target = await colleague();
    const claims = await Promise.all([1, 2, 3, 4, 5].map(() => claim(target)));
    const handed = claims.map((c) => c.bundles[0]?.preKey?.id).filter((id) => id !== undefined);
    expect(handed).toHaveLength(2);
    expect(new Set(handed).size).toBe(2);
  });

  it('answers 404 for an unknown user and leaves out unknown devices', async () => {
    expectError(await call(server, 'POST', '/v1/bundles/claim', { token: claimer.token, json: { userId: 'nobody' } }), 404, 'not_found');
    expectError(await call(server, 'GET', '/v1/users/nobody/devices', { token: claimer.token }), 404, 'not_found');
    const target = await colleague();
    const answer = await call(server, 'POST', '/v1/bundles/claim', { token: claimer.token, json: { userId: target.ref.userId, deviceIds: [1, 9] } });
    expect(expectOk(answer, claimBundlesResponseSchema).bundles.map((b) => b.device.deviceId)).toEqual([1]);
  });
});

describe('who may claim', () => {
  it('refuses a device that shares no workspace with the person, and hands out nothing', async () => {
    const stranger = await enrolProfessional(server, orgId);
    const target = await colleague();
    for (let i = 0; i < 3; i++) {
      expectError(await call(server, 'POST', '/v1/bundles/claim', { token: stranger.token, json: { userId: target.ref.userId } }), 403, 'forbidden');
    }
    expect(await counts(target)).toEqual({ ec: 2, kyber: 2 });
    // Once the stranger is in the workspace too, he may.
    expect((await append(server, claimer, shared, 'add_member', { member: memberOf(stranger) })).status).toBe(200);
    const answer = await call(server, 'POST', '/v1/bundles/claim', { token: stranger.token, json: { userId: target.ref.userId } });
    expect(expectOk(answer, claimBundlesResponseSchema).bundles).toHaveLength(1);
  });

  it('refuses a removed member, and allows a person\'s own other device', async () => {
    const target = await colleague();
    const leaver = await colleague();
    expect((await append(server, claimer, shared, 'remove_member', { userId: leaver.ref.userId })).status).toBe(200);
    expectError(await call(server, 'POST', '/v1/bundles/claim', { token: leaver.token, json: { userId: target.ref.userId } }), 403, 'forbidden');
    // A person's new device, in no workspace yet, reaches his first one (history hand-over, device links).
    const second = await linkDevice(server, leaver);
    const own = await call(server, 'POST', '/v1/bundles/claim', { token: second.token, json: { userId: leaver.ref.userId, deviceIds: [leaver.ref.deviceId] } });
    expect(expectOk(own, claimBundlesResponseSchema).bundles).toHaveLength(1);
  });
});

describe('claim rate limits', () => {
  it('limits claims of one device per hour (429 rate_limited), then allows them again in the next hour', async () => {
    const limited = await startApiServer({ PREKEY_CLAIMS_PER_TARGET_PER_HOUR: '3', SESSION_TTL_SECONDS: '86400' });
    try {
      const org = await createOrg(limited);
      const [owner, a, b, target, other] = await Promise.all([1, 2, 3, 4, 5].map(() => enrolProfessional(limited, org)));
      if (owner === undefined || a === undefined || b === undefined || target === undefined || other === undefined) throw new Error('enrolment');
      const ws = await createWorkspace(limited, owner, 'consultation');
      for (const d of [a, b, target, other]) expect((await append(limited, owner, ws, 'add_member', { member: memberOf(d) })).status).toBe(200);
      const claimOf = (by: TestDevice, of: TestDevice) => call(limited, 'POST', '/v1/bundles/claim', { token: by.token, json: { userId: of.ref.userId } });
      // Three claimants together may take three bundles of the target; the fourth claim is refused, whoever makes it.
      for (const by of [owner, a, b]) expect((await claimOf(by, target)).status).toBe(200);
      expectError(await claimOf(owner, target), 429, 'rate_limited');
      expectError(await claimOf(a, target), 429, 'rate_limited');
      // Others' bundles are not affected.
      expect((await claimOf(owner, other)).status).toBe(200);
      limited.clockOffsetMs = 3600_000 + 1000;
      expect((await claimOf(a, target)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('limits how many bundles one device claims per hour', async () => {
    const limited = await startApiServer({ PREKEY_CLAIMS_PER_CLAIMANT_PER_HOUR: '2' });
    try {
      const org = await createOrg(limited);
      const [owner, a, b, c] = await Promise.all([1, 2, 3, 4].map(() => enrolProfessional(limited, org)));
      if (owner === undefined || a === undefined || b === undefined || c === undefined) throw new Error('enrolment');
      const ws = await createWorkspace(limited, owner, 'consultation');
      for (const d of [a, b, c]) expect((await append(limited, owner, ws, 'add_member', { member: memberOf(d) })).status).toBe(200);
      const claimOf = (by: TestDevice, of: TestDevice) => call(limited, 'POST', '/v1/bundles/claim', { token: by.token, json: { userId: of.ref.userId } });
      expect((await claimOf(owner, a)).status).toBe(200);
      expect((await claimOf(owner, b)).status).toBe(200);
      expectError(await claimOf(owner, c), 429, 'rate_limited');
      expect(expectOk(await call(limited, 'GET', '/v1/prekeys/count', { token: c.token }), prekeyCountResponseSchema)).toEqual({ ec: 2, kyber: 2 });
      // Another claimant is not held back by this one.
      expect((await claimOf(a, c)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('uploads by the device itself', () => {
  it('refuses a top-up with a forged Kyber signature and stores none of it', async () => {
    const device = await enrolProfessional(server, orgId);
    const { upload } = generateOneTimePrekeys(device.identity, { firstPreKeyId: 500, firstKyberId: 500, count: 3 });
    const forged = { ...upload, oneTimeKyberPreKeys: upload.oneTimeKyberPreKeys.map((k, i) => (i === 2 ? { ...k, signature: flip(k.signature) } : k)) };
    expectError(await call(server, 'POST', '/v1/prekeys', { token: device.token, json: forged }), 400, 'bad_signature');
    expect(await counts(device)).toEqual({ ec: 2, kyber: 2 });
    // Keys signed by another identity are refused as well.
    const other = await enrolProfessional(server, orgId);
    const foreign = generateOneTimePrekeys(other.identity, { firstPreKeyId: 600, firstKyberId: 600, count: 1 }).upload;
    expectError(await call(server, 'POST', '/v1/prekeys', { token: device.token, json: foreign }), 400, 'bad_signature');
    const answer = await call(server, 'POST', '/v1/prekeys', { token: device.token, json: upload });
    expect(expectOk(answer, prekeyCountResponseSchema)).toEqual({ ec: 5, kyber: 5 });
    // A retried upload adds nothing.
    expect(expectOk(await call(server, 'POST', '/v1/prekeys', { token: device.token, json: upload }), prekeyCountResponseSchema)).toEqual({ ec: 5, kyber: 5 });
  });

  it('replaces the signed prekey only with a correctly signed one', async () => {
    const device = await colleague();
    const next = generateSignedPreKey(device.identity, 77).upload;
    expectError(await call(server, 'PUT', '/v1/prekeys/signed', { token: device.token, json: { signedPreKey: { ...next, signature: flip(next.signature) } } }), 400, 'bad_signature');
    expect((await claim(device)).bundles[0]?.signedPreKey.id).not.toBe(77);
    expect((await call(server, 'PUT', '/v1/prekeys/signed', { token: device.token, json: { signedPreKey: next } })).status).toBe(200);
    const bundle = (await claim(device)).bundles[0];
    expect(bundle?.signedPreKey).toEqual(next);
    expect(verifyClaimedBundle(bundle).ok).toBe(true);
  });
});
