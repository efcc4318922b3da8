/**
 * The prekey directory against the real server: one-time prekeys go out at most once,
 * also to concurrent claimers; bundles verify; forged top-ups and signed prekeys are
 * refused without changing anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '@yhteispoyta/crypto/bytes';
import { generateOneTimePrekeys, generateSignedPreKey, verifyClaimedBundle } from '@yhteispoyta/crypto/prekeys';
import { claimBundlesResponseSchema, prekeyCountResponseSchema } from '@yhteispoyta/crypto/protocol';
import {
  call,
  createOrg,
  enrolProfessional,
  expectError,
  expectLogsFreeOfSecrets,
  expectOk,
  startApiServer,
} from '../api.testkit';
import type { ApiServer, TestDevice } from '../api.testkit';

let server: ApiServer;
let orgId: string;
let claimer: TestDevice;

beforeAll(async () => {
  server = await startApiServer();
  orgId = await createOrg(server);
  claimer = await enrolProfessional(server, orgId);
});

afterAll(async () => {
  expectLogsFreeOfSecrets(server);
  await server.close();
});

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
    const target = await enrolProfessional(server, orgId);
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
    const target = await enrolProfessional(server, orgId);
    const claims = await Promise.all([1, 2, 3, 4, 5].map(() => claim(target)));
    const handed = claims.map((c) => c.bundles[0]?.preKey?.id).filter((id) => id !== undefined);
    expect(handed).toHaveLength(2);
    expect(new Set(handed).size).toBe(2);
  });

  it('answers 404 for an unknown user and leaves out unknown devices', async () => {
    expectError(await call(server, 'POST', '/v1/bundles/claim', { token: claimer.token, json: { userId: 'nobody' } }), 404, 'not_found');
    expectError(await call(server, 'GET', '/v1/users/nobody/devices', { token: claimer.token }), 404, 'not_found');
    const target = await enrolProfessional(server, orgId);
    const answer = await call(server, 'POST', '/v1/bundles/claim', { token: claimer.token, json: { userId: target.ref.userId, deviceIds: [1, 9] } });
    expect(expectOk(answer, claimBundlesResponseSchema).bundles.map((b) => b.device.deviceId)).toEqual([1]);
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
    const device = await enrolProfessional(server, orgId);
    const next = generateSignedPreKey(device.identity, 77).upload;
    expectError(await call(server, 'PUT', '/v1/prekeys/signed', { token: device.token, json: { signedPreKey: { ...next, signature: flip(next.signature) } } }), 400, 'bad_signature');
    expect((await claim(device)).bundles[0]?.signedPreKey.id).not.toBe(77);
    expect((await call(server, 'PUT', '/v1/prekeys/signed', { token: device.token, json: { signedPreKey: next } })).status).toBe(200);
    const bundle = (await claim(device)).bundles[0];
    expect(bundle?.signedPreKey).toEqual(next);
    expect(verifyClaimedBundle(bundle).ok).toBe(true);
  });
});
