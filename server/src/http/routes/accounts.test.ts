/**
 * Enrolment and login against the real server: forged prekeys and wrong first-device
 * certificates leave the code usable, a code id works once, codes and challenges expire,
 * a wrong login signature is refused, a challenge answers once, link codes add an
 * uncertified device under the announced id for the person's devices to approve,
 * invitations are for case owners and make clients the server knows no name of, and a
 * server without ADMIN_TOKEN has no admin API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '@yhteispoyta/crypto/bytes';
import { testKey } from '@yhteispoyta/crypto/certificates/authority.testkit';
import { userIdForCode } from '@yhteispoyta/crypto/certificates/codes';
import type { OneTimeCode } from '@yhteispoyta/crypto/certificates/codes';
import { signCertificate } from '@yhteispoyta/crypto/certificates/signing';
import { enrolResponseSchema, loginSigningBytes, pendingEnrolmentsResponseSchema } from '@yhteispoyta/crypto/protocol';
import {
  TEST_ADMIN_TOKEN,
  append,
  call,
  chainDevice,
  createOrg,
  createWorkspace,
  enrolBody,
  enrolProfessional,
  expectError,
  expectLogsFreeOfSecrets,
  freshUpload,
  issueCode,
  linkDevice,
  logIn,
  memberOf,
  newCode,
  startApiServer,
} from '../api.testkit';
import type { ApiServer, TestDevice } from '../api.testkit';

let server: ApiServer;
let orgId: string;
let owner: TestDevice;

beforeAll(async () => {
  server = await startApiServer({ CODE_TTL_SECONDS: '600' });
  orgId = await createOrg(server);
  owner = await enrolProfessional(server, orgId);
});

afterAll(async () => {
  expectLogsFreeOfSecrets(server);
  expect((await server.running.ctx.store.audit.verifyAuditChain()).ok).toBe(true);
  await server.close();
});

function forgeSignature(signature: string): string {
  const bytes = fromBase64(signature);
  if (bytes === undefined) throw new Error('not base64');
  bytes[10] = (bytes[10] ?? 0) ^ 0x01;
  return toBase64(bytes);
}

async function deniedReasons(): Promise<string[]> {
  const entries = await server.running.ctx.store.audit.queryAudit({ limit: 100_000 });
  return entries.filter((e) => e.action === 'denied').map((e) => `${e.detail['route']}:${e.detail['reason'] ?? e.detail['text']}`);
}

/**
 * A first device for `code` (enrolling user `userId`): fresh keys, a new user key, and the
 * device certificate signed with it; `over` changes the certificate's body.
 */
function firstDevice(code: OneTimeCode, userId: string, over: { deviceId?: number; identityKey?: string; userId?: string } = {}) {
  const { identity, upload } = freshUpload(1);
  const userKey = testKey();
  const deviceCertificate = signCertificate(
    { t: 'device', v: 1, userId: over.userId ?? userId, deviceId: over.deviceId ?? 1, identityKey: over.identityKey ?? upload.identityKey, created: Date.now() },
    userKey.priv,
  );
  return { identity, upload, userKey, deviceCertificate, body: enrolBody(code, upload, { userKey: userKey.b64, deviceCertificate }) };
}

const enrol = async (body: unknown) => call(server, 'POST', '/v1/enrol', { json: body });

describe('enrolment', () => {
  it('refuses a forged prekey signature and leaves the code usable', async () => {
    const { code, userId } = await issueCode(server, orgId);
    for (const forge of ['signedPreKey', 'lastResortKyberPreKey', 'oneTimeKyber'] as const) {
      const device = firstDevice(code, userId);
      const { upload } = device;
      const forged =
        forge === 'oneTimeKyber'
          ? { ...upload, oneTimeKyberPreKeys: upload.oneTimeKyberPreKeys.map((k, i) => (i === 1 ? { ...k, signature: forgeSignature(k.signature) } : k)) }
          : { ...upload, [forge]: { ...upload[forge], signature: forgeSignature(upload[forge].signature) } };
      expectError(await enrol({ ...device.body, prekeys: forged }), 400, 'bad_signature');
    }
    // A valid upload signed by one identity but claiming another identity key is refused too.
    const a = firstDevice(code, userId);
    const b = freshUpload(1);
    expectError(await enrol({ ...a.body, prekeys: { ...a.upload, identityKey: b.upload.identityKey } }), 400, 'bad_signature');
    const answer = await enrol(firstDevice(code, userId).body);
    expect(enrolResponseSchema.parse(answer.body)).toEqual({ userId, deviceId: 1, kind: 'enrolment', orgId, role: 'social_worker' });
    expect(await deniedReasons()).toContain('enrol:prekeys_bad_signature');
  });

  it('refuses a first device without a valid certificate of exactly its keys and user, and leaves the code usable', async () => {
    const { code, userId } = await issueCode(server, orgId);
    const good = firstDevice(code, userId);
    const { userKey: _u, deviceCertificate: _c, ...bare } = good.body;
    expectError(await enrol(bare), 400, 'bad_request');
    expectError(await enrol({ ...good.body, deviceCertificate: undefined }), 400, 'bad_request');
    expectError(await enrol({ ...good.body, userKey: undefined }), 400, 'bad_request');
    expectError(await enrol(firstDevice(code, userId, { deviceId: 2 }).body), 400, 'bad_request');
    expectError(await enrol(firstDevice(code, userId, { identityKey: freshUpload(1).upload.identityKey }).body), 400, 'bad_request');
    expectError(await enrol(firstDevice(code, userId, { userId: owner.ref.userId }).body), 400, 'bad_request');
    // Signed by another key than the user key it arrives with.
    expectError(await enrol({ ...good.body, userKey: testKey().b64 }), 400, 'bad_signature');
    // Another type of certificate in its place.
    const org = signCertificate({ t: 'org', v: 1, orgId, name: 'X', orgKey: good.userKey.b64, notBefore: 0, notAfter: 1000 }, good.userKey.priv);
    expectError(await enrol({ ...good.body, deviceCertificate: org }), 400, 'bad_request');
    expectError(await enrol({ ...good.body, deviceCertificate: { body: { t: 'device' }, signature: 'AAAA' } }), 400, 'bad_request');
    expect(await server.running.ctx.store.directory.listDevices(userId)).toEqual([]);
    expect((await enrol(good.body)).status).toBe(200);
    expect(await deniedReasons()).toEqual(
      expect.arrayContaining(['enrol:certificate_missing', 'enrol:certificate_mismatch', 'enrol:user_mismatch', 'enrol:certificate_signature']),
    );
  });

  it('accepts a code once: the second use is 409 conflict, and registers nothing', async () => {
    const { code, userId } = await issueCode(server, orgId);
    expect((await enrol(firstDevice(code, userId).body)).status).toBe(200);
    expectError(await enrol(firstDevice(code, userId).body), 409, 'conflict');
    expect((await server.running.ctx.store.directory.listDevices(userId)).map((d) => d.deviceId)).toEqual([1]);
  });

  it('refuses an unknown code id with 401 and an expired one with 410', async () => {
    const never = newCode(server, 'enrolment');
    expectError(await enrol(firstDevice(never, userIdForCode(never.codeId)).body), 401, 'unauthenticated');
    const { code, userId } = await issueCode(server, orgId);
    server.clockOffsetMs = 601_000;
    try {
      expectError(await enrol(firstDevice(code, userId).body), 410, 'expired');
    } finally {
      server.clockOffsetMs = 0;
    }
  });

  it('lets two racing redemptions of one code produce exactly one device', async () => {
    const { code, userId } = await issueCode(server, orgId);
    const answers = await Promise.all([1, 2, 3].map(() => enrol(firstDevice(code, userId).body)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
    expect(await server.running.ctx.store.directory.listDevices(userId)).toHaveLength(1);
  });

  it('stores the enrolment for the admin tool, uncertified: the device logs in but cannot be named in a chain', async () => {
    const { code, userId } = await issueCode(server, orgId, 'teacher');
    const listedUsers = async () => ((await call(server, 'GET', `/v1/orgs/${orgId}/users?q=maija`, { token: owner.token })).body as { users: { userId: string }[] }).users.map((u) => u.userId);
    // Not in the directory while uncertified: its user id names the unredeemed code id.
    expect(await listedUsers()).not.toContain(userId);
    const device = firstDevice(code, userId);
    expect((await enrol(device.body)).status).toBe(200);
    expect(await listedUsers()).not.toContain(userId);
    expect(await listedUsers()).toContain(owner.ref.userId);
    const listed = pendingEnrolmentsResponseSchema.parse((await call(server, 'GET', `/v1/admin/orgs/${orgId}/enrolments`, { token: TEST_ADMIN_TOKEN })).body);
    expect(listed.enrolments.find((e) => e.codeId === code.codeId)).toEqual({
      codeId: code.codeId, kind: 'enrolment', userId, deviceId: 1, identityKey: device.upload.identityKey,
      registrationId: device.upload.registrationId, userKey: device.userKey.b64, deviceCertificate: device.deviceCertificate,
      proof: device.body['proof'], enrolledAt: expect.any(Number), role: 'teacher', displayName: 'Maija Meikäläinen',
    });
    const ref = { userId, deviceId: 1 };
    const token = await logIn(server, ref, device.identity);
    expect((await call(server, 'GET', '/v1/prekeys/count', { token })).status).toBe(200);
    const workspaceId = await createWorkspace(server, owner, 'consultation');
    const member = { userId, orgId, role: 'teacher' as const, owner: false, devices: [{ deviceId: 1, keyHash: '0'.repeat(64) }] };
    expectError(await append(server, owner, workspaceId, 'add_member', { member }), 400, 'invalid_chain');
  });

  it('registers a linked device under the id the link code announced, only that id, and tells the person', async () => {
    const code = newCode(server, 'device_link');
    const answer = await call(server, 'POST', '/v1/devices/link-codes', { token: owner.token, json: { codeId: code.codeId } });
    const { deviceId } = answer.body as { deviceId: number };
    expect(deviceId).toBe(2);
    const { upload: wrong } = freshUpload(3);
    // A linked device brings no certificate of its own: refused before the code is touched.
    const self = firstDevice(code, owner.ref.userId, { deviceId: 2 });
    expectError(await enrol({ ...enrolBody(code, self.upload), userKey: self.userKey.b64 }), 400, 'bad_request');
    expectError(await enrol({ ...enrolBody(code, self.upload), deviceCertificate: self.deviceCertificate }), 400, 'bad_request');
    expectError(await enrol(enrolBody(code, wrong)), 400, 'bad_request');
    // The mismatch is only known after the code was consumed: the code is used up.
    expectError(await enrol(enrolBody(code, freshUpload(2).upload)), 409, 'conflict');

    const notices: { codeId: string; to: readonly unknown[] }[] = [];
    const listener = (notice: { codeId: string; to: readonly unknown[] }) => notices.push(notice);
    server.running.ctx.hub.on('enrolment', listener);
    let second: TestDevice;
    try {
      second = await linkDevice(server, owner);
    } finally {
      server.running.ctx.hub.off('enrolment', listener);
    }
    expect(second.ref).toEqual({ userId: owner.ref.userId, deviceId: 2 });
    expect(second.orgId).toBe(owner.orgId);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.to).toEqual([owner.ref]);
    // Certified by the approving device: no longer pending, and a chain may name it.
    const pending = pendingEnrolmentsResponseSchema.parse((await call(server, 'GET', '/v1/devices/pending', { token: owner.token })).body);
    expect(pending.enrolments).toEqual([]);
    const workspaceId = await createWorkspace(server, owner, 'consultation');
    expect((await append(server, owner, workspaceId, 'add_device', { userId: owner.ref.userId, ...chainDevice(second) })).status).toBe(200);
  });

  it('refuses a code id of another kind on each registering route', async () => {
    const workspaceId = await createWorkspace(server, owner, 'case');
    const wrong = newCode(server, 'enrolment').codeId;
    expectError(await call(server, 'POST', '/v1/devices/link-codes', { token: owner.token, json: { codeId: wrong } }), 400, 'bad_request');
    expectError(await call(server, 'POST', '/v1/invitations', { token: owner.token, json: { workspaceId, codeId: wrong } }), 400, 'bad_request');
    const link = newCode(server, 'device_link').codeId;
    expectError(
      await call(server, 'POST', '/v1/admin/enrolment-codes', { token: TEST_ADMIN_TOKEN, json: { codeId: link, orgId, role: 'teacher', displayName: 'X' } }),
      400,
      'bad_request',
    );
  });

  it('refuses a code id registered twice with 409', async () => {
    const { code } = await issueCode(server, orgId);
    expectError(
      await call(server, 'POST', '/v1/admin/enrolment-codes', { token: TEST_ADMIN_TOKEN, json: { codeId: code.codeId, orgId, role: 'teacher', displayName: 'X' } }),
      409,
      'conflict',
    );
    const link = newCode(server, 'device_link');
    expect((await call(server, 'POST', '/v1/devices/link-codes', { token: owner.token, json: { codeId: link.codeId } })).status).toBe(200);
    expectError(await call(server, 'POST', '/v1/devices/link-codes', { token: owner.token, json: { codeId: link.codeId } }), 409, 'conflict');
  });
});

describe('login', () => {
  it('refuses a wrong signature, a signature by another key and a replayed challenge', async () => {
    const other = await enrolProfessional(server, orgId);
    const challenge = await call(server, 'POST', '/v1/auth/challenge', { json: owner.ref });
    const { challengeId, nonce } = challenge.body as { challengeId: string; nonce: string };
    const bytes = loginSigningBytes(fromBase64(nonce) ?? new Uint8Array(), owner.ref);
    const byOther = toBase64(other.identity.identityKeyPair.privateKey.sign(bytes));
    server.secrets.add(nonce).add(byOther);
    expectError(await call(server, 'POST', '/v1/auth/login', { json: { challengeId, signature: byOther } }), 401, 'unauthenticated');
    // The challenge was used up by the failed attempt: even the right signature is too late.
    const right = toBase64(owner.identity.identityKeyPair.privateKey.sign(bytes));
    server.secrets.add(right);
    expectError(await call(server, 'POST', '/v1/auth/login', { json: { challengeId, signature: right } }), 401, 'unauthenticated');
    expect(await deniedReasons()).toEqual(expect.arrayContaining(['login:login failed', 'login:challenge_not_found']));
  });

  it('refuses a signature over another device binding of the same nonce', async () => {
    const challenge = await call(server, 'POST', '/v1/auth/challenge', { json: owner.ref });
    const { challengeId, nonce } = challenge.body as { challengeId: string; nonce: string };
    const elsewhere = loginSigningBytes(fromBase64(nonce) ?? new Uint8Array(), { userId: owner.ref.userId, deviceId: 9 });
    const signature = toBase64(owner.identity.identityKeyPair.privateKey.sign(elsewhere));
    server.secrets.add(nonce).add(signature);
    expectError(await call(server, 'POST', '/v1/auth/login', { json: { challengeId, signature } }), 401, 'unauthenticated');
  });

  it('issues challenges for unknown devices too, which can then not log in', async () => {
    const ghost = { userId: 'nobody-here', deviceId: 1 };
    const challenge = await call(server, 'POST', '/v1/auth/challenge', { json: ghost });
    expect(challenge.status).toBe(200);
    const { challengeId, nonce } = challenge.body as { challengeId: string; nonce: string };
    const signature = toBase64(owner.identity.identityKeyPair.privateKey.sign(loginSigningBytes(fromBase64(nonce) ?? new Uint8Array(), ghost)));
    server.secrets.add(nonce).add(signature);
    expectError(await call(server, 'POST', '/v1/auth/login', { json: { challengeId, signature } }), 401, 'unauthenticated');
  });

  it('refuses an expired challenge with 410', async () => {
    const challenge = await call(server, 'POST', '/v1/auth/challenge', { json: owner.ref });
    const { challengeId, nonce } = challenge.body as { challengeId: string; nonce: string };
    const signature = toBase64(owner.identity.identityKeyPair.privateKey.sign(loginSigningBytes(fromBase64(nonce) ?? new Uint8Array(), owner.ref)));
    server.secrets.add(nonce).add(signature);
    server.clockOffsetMs = 61_000;
    try {
      expectError(await call(server, 'POST', '/v1/auth/login', { json: { challengeId, signature } }), 410, 'expired');
    } finally {
      server.clockOffsetMs = 0;
    }
  });

  it('gives each login its own token, and both work', async () => {
    const second = await logIn(server, owner.ref, owner.identity);
    expect(second).not.toBe(owner.token);
    for (const token of [owner.token, second]) expect((await call(server, 'GET', '/v1/orgs', { token })).status).toBe(200);
  });
});

describe('invitations', () => {
  it('refuses invitations from a member who is not an owner, and into consultations', async () => {
    const workspaceId = await createWorkspace(server, owner, 'case');
    const colleague = await enrolProfessional(server, orgId);
    expect((await append(server, owner, workspaceId, 'add_member', { member: memberOf(colleague) })).status).toBe(200);
    const codeId = () => newCode(server, 'invitation').codeId;
    expectError(await call(server, 'POST', '/v1/invitations', { token: colleague.token, json: { workspaceId, codeId: codeId() } }), 403, 'forbidden');
    const consultation = await createWorkspace(server, owner, 'consultation');
    expectError(await call(server, 'POST', '/v1/invitations', { token: owner.token, json: { workspaceId: consultation, codeId: codeId() } }), 400, 'bad_request');
  });
});

describe('admin API', () => {
  it('does not exist (404) on a server without ADMIN_TOKEN', async () => {
    const bare = await startApiServer({ ADMIN_TOKEN: undefined });
    try {
      expectError(await call(bare, 'POST', '/v1/admin/orgs', { token: TEST_ADMIN_TOKEN, json: { certificate: {} } }), 404, 'not_found');
      expectError(await call(bare, 'POST', '/v1/admin/enrolment-codes', { json: {} }), 404, 'not_found');
      expectError(await call(bare, 'PUT', '/v1/admin/root', { token: TEST_ADMIN_TOKEN, json: { rootKey: testKey().b64 } }), 404, 'not_found');
      expectError(await call(bare, 'POST', '/v1/admin/certificates', { token: TEST_ADMIN_TOKEN, json: {} }), 404, 'not_found');
      expect(await bare.running.ctx.store.directory.listOrgs()).toEqual([]);
      expect(await bare.running.ctx.store.certificates.getRoot()).toBeNull();
    } finally {
      await bare.close();
    }
  });

  it('refuses a code for an unknown organisation with 404 and audits admin actions', async () => {
    const codeId = newCode(server, 'enrolment').codeId;
    expectError(
      await call(server, 'POST', '/v1/admin/enrolment-codes', { token: TEST_ADMIN_TOKEN, json: { codeId, orgId: 'nosuchorg', role: 'teacher', displayName: 'X' } }),
      404,
      'not_found',
    );
    // The clients organisation is nobody's to enrol professionals into.
    await createWorkspace(server, owner, 'case').then(async (workspaceId) => {
      const invited = newCode(server, 'invitation').codeId;
      expect((await call(server, 'POST', '/v1/invitations', { token: owner.token, json: { workspaceId, codeId: invited } })).status).toBe(200);
    });
    expectError(
      await call(server, 'POST', '/v1/admin/enrolment-codes', { token: TEST_ADMIN_TOKEN, json: { codeId, orgId: 'clients', role: 'teacher', displayName: 'X' } }),
      404,
      'not_found',
    );
    const actions = (await server.running.ctx.store.audit.queryAudit({ limit: 100_000 })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['admin_set_root', 'admin_create_org', 'admin_issue_code', 'certificate_store', 'enrol', 'login']));
  });
});
