/**
 * Enrolment and login against the real server: forged prekeys leave the code usable, a
 * code works once, codes and challenges expire, a wrong login signature is refused, a
 * challenge answers once, link codes add a device under the announced id, invitations
 * are for case owners, and a server without ADMIN_TOKEN has no admin API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '@yhteispoyta/crypto/bytes';
import { loginSigningBytes } from '@yhteispoyta/crypto/protocol';
import {
  TEST_ADMIN_TOKEN,
  append,
  call,
  createOrg,
  createWorkspace,
  enrolProfessional,
  enrolWithCode,
  expectError,
  expectLogsFreeOfSecrets,
  freshUpload,
  issueCode,
  logIn,
  memberOf,
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
  expect((await server.running.ctx.store.verifyAuditChain()).ok).toBe(true);
  await server.close();
});

function forgeSignature(signature: string): string {
  const bytes = fromBase64(signature);
  if (bytes === undefined) throw new Error('not base64');
  bytes[10] = (bytes[10] ?? 0) ^ 0x01;
  return toBase64(bytes);
}

async function deniedReasons(): Promise<string[]> {
  const entries = await server.running.ctx.store.queryAudit({ limit: 100_000 });
  return entries.filter((e) => e.action === 'denied').map((e) => `${e.detail['route']}:${e.detail['reason'] ?? e.detail['text']}`);
}

describe('enrolment', () => {
  it('refuses a forged prekey signature and leaves the code usable', async () => {
    const { code } = await issueCode(server, orgId);
    for (const forge of ['signedPreKey', 'lastResortKyberPreKey', 'oneTimeKyber'] as const) {
      const { upload } = freshUpload(1);
      const forged =
        forge === 'oneTimeKyber'
          ? { ...upload, oneTimeKyberPreKeys: upload.oneTimeKyberPreKeys.map((k, i) => (i === 1 ? { ...k, signature: forgeSignature(k.signature) } : k)) }
          : { ...upload, [forge]: { ...upload[forge], signature: forgeSignature(upload[forge].signature) } };
      expectError(await call(server, 'POST', '/v1/enrol', { json: { code, prekeys: forged } }), 400, 'bad_signature');
    }
    // A valid upload signed by one identity but claiming another identity key is refused too.
    const a = freshUpload(1);
    const b = freshUpload(1);
    expectError(await call(server, 'POST', '/v1/enrol', { json: { code, prekeys: { ...a.upload, identityKey: b.upload.identityKey } } }), 400, 'bad_signature');
    const device = await enrolWithCode(server, code);
    expect(device.ref.deviceId).toBe(1);
    expect(await deniedReasons()).toContain('enrol:prekeys_bad_signature');
  });

  it('accepts a code once: the second use is 409 conflict, and registers nothing', async () => {
    const { code, userId } = await issueCode(server, orgId);
    await enrolWithCode(server, code);
    const again = freshUpload(2);
    expectError(await call(server, 'POST', '/v1/enrol', { json: { code, prekeys: again.upload } }), 409, 'conflict');
    expect((await server.running.ctx.store.listDevices(userId)).map((d) => d.deviceId)).toEqual([1]);
  });

  it('refuses an unknown code with 401 and an expired one with 410', async () => {
    expectError(await call(server, 'POST', '/v1/enrol', { json: { code: 'enr_doesnotexist0000', prekeys: freshUpload(1).upload } }), 401, 'unauthenticated');
    expectError(await call(server, 'POST', '/v1/enrol', { json: { code: 'zzz_neverissued0000', prekeys: freshUpload(1).upload } }), 401, 'unauthenticated');
    const { code } = await issueCode(server, orgId);
    server.clockOffsetMs = 601_000;
    try {
      expectError(await call(server, 'POST', '/v1/enrol', { json: { code, prekeys: freshUpload(1).upload } }), 410, 'expired');
    } finally {
      server.clockOffsetMs = 0;
    }
  });

  it('lets two racing redemptions of one code produce exactly one device', async () => {
    const { code, userId } = await issueCode(server, orgId);
    const answers = await Promise.all([1, 2, 3].map((id) => call(server, 'POST', '/v1/enrol', { json: { code, prekeys: freshUpload(id).upload } })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
    expect(await server.running.ctx.store.listDevices(userId)).toHaveLength(1);
  });

  it('registers a linked device under the id the link code announced, and only that id', async () => {
    const answer = await call(server, 'POST', '/v1/devices/link-codes', { token: owner.token, json: {} });
    const { code, deviceId } = answer.body as { code: string; deviceId: number };
    server.secrets.add(code);
    expect(deviceId).toBe(2);
    const wrong = freshUpload(3);
    expectError(await call(server, 'POST', '/v1/enrol', { json: { code, prekeys: wrong.upload } }), 400, 'bad_request');
    // The mismatch is only known after the code was consumed: the code is used up.
    expectError(await call(server, 'POST', '/v1/enrol', { json: { code, prekeys: freshUpload(2).upload } }), 409, 'conflict');
    const second = await call(server, 'POST', '/v1/devices/link-codes', { token: owner.token, json: {} });
    const linked = second.body as { code: string; deviceId: number };
    server.secrets.add(linked.code);
    const device = await enrolWithCode(server, linked.code, linked.deviceId);
    expect(device.ref).toEqual({ userId: owner.ref.userId, deviceId: 2 });
    expect(device.orgId).toBe(owner.orgId);
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
  it('lets a case owner invite a client, who enrols into the clients organisation and is never listed', async () => {
    const workspaceId = await createWorkspace(server, owner, 'case');
    const answer = await call(server, 'POST', '/v1/invitations', { token: owner.token, json: { workspaceId, displayName: 'Matti Asiakas' } });
    const { code, userId } = answer.body as { code: string; userId: string };
    server.secrets.add(code);
    const client = await enrolWithCode(server, code);
    expect(client).toMatchObject({ ref: { userId, deviceId: 1 }, role: 'client', orgId: 'clients' });
    const listed = await call(server, 'GET', '/v1/orgs/clients/users', { token: owner.token });
    expect(listed.body).toEqual({ users: [] });
    const enrolEntry = (await server.running.ctx.store.queryAudit({ workspaceId, limit: 100 })).find((e) => e.action === 'enrol');
    expect(enrolEntry?.actor).toEqual(client.ref);
  });

  it('refuses invitations from a member who is not an owner, and into consultations', async () => {
    const workspaceId = await createWorkspace(server, owner, 'case');
    const colleague = await enrolProfessional(server, orgId);
    expect((await append(server, owner, workspaceId, 'add_member', { member: memberOf(colleague) })).status).toBe(200);
    expectError(await call(server, 'POST', '/v1/invitations', { token: colleague.token, json: { workspaceId, displayName: 'X' } }), 403, 'forbidden');
    const consultation = await createWorkspace(server, owner, 'consultation');
    expectError(await call(server, 'POST', '/v1/invitations', { token: owner.token, json: { workspaceId: consultation, displayName: 'X' } }), 400, 'bad_request');
  });
});

describe('admin API', () => {
  it('does not exist (404) on a server without ADMIN_TOKEN', async () => {
    const bare = await startApiServer({ ADMIN_TOKEN: undefined });
    try {
      expectError(await call(bare, 'POST', '/v1/admin/orgs', { token: TEST_ADMIN_TOKEN, json: { name: 'X' } }), 404, 'not_found');
      expectError(await call(bare, 'POST', '/v1/admin/enrolment-codes', { json: {} }), 404, 'not_found');
      expect(await bare.running.ctx.store.listOrgs()).toEqual([]);
    } finally {
      await bare.close();
    }
  });

  it('refuses a code for an unknown organisation with 404 and audits admin actions', async () => {
    expectError(
      await call(server, 'POST', '/v1/admin/enrolment-codes', { token: TEST_ADMIN_TOKEN, json: { orgId: 'nosuchorg', role: 'teacher', displayName: 'X' } }),
      404,
      'not_found',
    );
    const actions = (await server.running.ctx.store.queryAudit({ limit: 100_000 })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['admin_create_org', 'admin_issue_code', 'enrol', 'login']));
  });
});
