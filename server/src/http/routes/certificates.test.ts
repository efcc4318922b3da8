/**
 * Identities against the real server: the deployment root is set once, organisations
 * exist only with a root-signed certificate, every certificate is stored only when the
 * key the store says may sign it did and the storer may store it (each wrong signer and
 * each foreign storer refused, nothing stored), stored device certificates close their
 * enrolments and announce themselves, bundles verify with crypto's verifyPerson, and a
 * membership event may name only certified, unrevoked devices.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testKey, TestAuthority } from '@yhteispoyta/crypto/certificates/authority.testkit';
import { verifyPerson } from '@yhteispoyta/crypto/certificates/person';
import { certificateId, identityKeyHash, signCertificate } from '@yhteispoyta/crypto/certificates/signing';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import {
  listOrgsResponseSchema,
  pendingEnrolmentsResponseSchema,
  queryCertificatesResponseSchema,
  rootResponseSchema,
  storeCertificateResponseSchema,
} from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import {
  TEST_ADMIN_TOKEN,
  append,
  call,
  certifyOrg,
  createEvent,
  createWorkspace,
  deploymentOf,
  enrol,
  enrolBody,
  enrolProfessional,
  expectError,
  expectLogsFreeOfSecrets,
  expectOk,
  freshUpload,
  identityTestKey,
  inviteClient,
  linkDevice,
  logIn,
  memberOf,
  newCode,
  startApiServer,
} from '../api.testkit';
import type { ApiServer, TestDevice } from '../api.testkit';

let server: ApiServer;
let ca: TestAuthority;
let anna: TestDevice;
let bob: TestDevice;

beforeAll(async () => {
  server = await startApiServer();
  ca = deploymentOf(server).authority;
  await certifyOrg(server, 'kela', 'Kela');
  await certifyOrg(server, 'sote', 'Hyvinvointialue');
  anna = await enrolProfessional(server, 'kela', 'kela_expert');
  bob = await enrolProfessional(server, 'sote', 'social_worker');
});

afterAll(async () => {
  expectLogsFreeOfSecrets(server);
  expect((await server.running.ctx.store.audit.verifyAuditChain()).ok).toBe(true);
  await server.close();
});

const org = (orgId: string) => {
  const known = deploymentOf(server).orgs.get(orgId);
  if (known === undefined) throw new Error(`no org ${orgId}`);
  return known;
};
const adminStore = (certificate: unknown) => call(server, 'POST', '/v1/admin/certificates', { token: TEST_ADMIN_TOKEN, json: { certificate } });
const deviceStore = (device: TestDevice, certificate: unknown) => call(server, 'POST', '/v1/certificates', { token: device.token, json: { certificate } });
const storedIds = async (userId: string) => (await server.running.ctx.store.certificates.listCertificatesOfUsers([userId], 1000)).map((r) => r.id);
const query = async (device: TestDevice, body: unknown) =>
  expectOk(await call(server, 'POST', '/v1/certificates/query', { token: device.token, json: body }), queryCertificatesResponseSchema).certificates;

/** A device enrolled with a link code of `existing`'s person, not (yet) certified. */
async function uncertifiedLinkedDevice(existing: TestDevice) {
  const code = newCode(server, 'device_link');
  const link = await call(server, 'POST', '/v1/devices/link-codes', { token: existing.token, json: { codeId: code.codeId } });
  const { deviceId } = link.body as { deviceId: number };
  const { identity, upload } = freshUpload(deviceId);
  await enrol(server, enrolBody(code, upload), upload);
  const device = ca.device(existing.person, deviceId, { key: identityTestKey(identity), created: Date.now() });
  return { code, identity, upload, device, ref: { userId: existing.ref.userId, deviceId } };
}

describe('deployment root', () => {
  it('is 404 until set, set once (the same key again is fine, another is 409), and organisations wait for it', async () => {
    const fresh = await startApiServer();
    try {
      const root = new TestAuthority();
      expectError(await call(fresh, 'GET', '/v1/root'), 404, 'not_found');
      const org = root.org('kela');
      expectError(await call(fresh, 'POST', '/v1/admin/orgs', { token: TEST_ADMIN_TOKEN, json: { certificate: org.cert } }), 409, 'conflict');
      expect((await call(fresh, 'PUT', '/v1/admin/root', { token: TEST_ADMIN_TOKEN, json: { rootKey: root.root.b64 } })).status).toBe(200);
      expect(rootResponseSchema.parse((await call(fresh, 'GET', '/v1/root')).body)).toEqual({ rootKey: root.root.b64 });
      expect((await call(fresh, 'PUT', '/v1/admin/root', { token: TEST_ADMIN_TOKEN, json: { rootKey: root.root.b64 } })).status).toBe(200);
      expectError(await call(fresh, 'PUT', '/v1/admin/root', { token: TEST_ADMIN_TOKEN, json: { rootKey: testKey().b64 } }), 409, 'conflict');
      expect((await call(fresh, 'GET', '/v1/root')).body).toEqual({ rootKey: root.root.b64 });
      expectError(await call(fresh, 'PUT', '/v1/admin/root', { token: TEST_ADMIN_TOKEN, json: { rootKey: 'AAAA' } }), 400, 'bad_request');
      const actions = (await fresh.running.ctx.store.audit.queryAudit({ limit: 100 })).map((e) => e.action);
      expect(actions.filter((a) => a === 'admin_set_root')).toHaveLength(2);
    } finally {
      await fresh.close();
    }
  });
});

describe('organisations', () => {
  it('are created only from a certificate of the pinned root, once, never as the clients organisation', async () => {
    const stranger = new TestAuthority().org('vieras');
    expectError(await call(server, 'POST', '/v1/admin/orgs', { token: TEST_ADMIN_TOKEN, json: { certificate: stranger.cert } }), 400, 'bad_signature');
    expect(await server.running.ctx.store.directory.getOrg('vieras')).toBeNull();
    expectError(await call(server, 'POST', '/v1/admin/orgs', { token: TEST_ADMIN_TOKEN, json: { certificate: anna.person.cert } }), 400, 'bad_request');
    const clients = ca.org('clients');
    expectError(await call(server, 'POST', '/v1/admin/orgs', { token: TEST_ADMIN_TOKEN, json: { certificate: clients.cert } }), 400, 'bad_request');
    expectError(await call(server, 'POST', '/v1/admin/orgs', { token: TEST_ADMIN_TOKEN, json: { certificate: org('kela').cert } }), 409, 'conflict');
  });

  it('are listed with their certificate, to devices and to the admin, without the clients organisation', async () => {
    const workspaceId = await createWorkspace(server, anna, 'case');
    await inviteClient(server, anna, workspaceId);
    expect(await server.running.ctx.store.directory.getOrg('clients')).not.toBeNull();
    for (const answer of [await call(server, 'GET', '/v1/orgs', { token: bob.token }), await call(server, 'GET', '/v1/admin/orgs', { token: TEST_ADMIN_TOKEN })]) {
      const { orgs } = expectOk(answer, listOrgsResponseSchema);
      expect(orgs.map((o) => o.orgId)).toEqual(['kela', 'sote']);
      expect(orgs[0]).toEqual({ orgId: 'kela', name: 'Kela', certificate: org('kela').cert });
    }
  });

  it('are renewed through the admin certificate route, by the root only, for organisations that exist', async () => {
    const renewed = ca.org('sote', { name: 'Hyvinvointialue, Pohjois-Savo', notBefore: Date.now(), notAfter: Date.now() + 1000 * 3600 * 24 * 400 });
    expectError(await adminStore(new TestAuthority().org('sote').cert), 400, 'bad_signature');
    expectError(await adminStore(ca.org('nowhere').cert), 404, 'not_found');
    expect((await adminStore(renewed.cert)).status).toBe(200);
    const { orgs } = expectOk(await call(server, 'GET', '/v1/orgs', { token: bob.token }), listOrgsResponseSchema);
    expect(orgs.find((o) => o.orgId === 'sote')).toEqual({ orgId: 'sote', name: 'Hyvinvointialue, Pohjois-Savo', certificate: renewed.cert });
    // Devices renew nothing.
    expectError(await deviceStore(bob, renewed.cert), 403, 'forbidden');
  });
});

describe('storing certificates', () => {
  it('refuses every wrong signer with 400 bad_signature and stores nothing', async () => {
    const person = await enrolProfessional(server, 'kela', 'teacher');
    const before = await storedIds(person.ref.userId);
    // user: signed by another organisation's key, or by the root itself
    expectError(await adminStore(ca.professional(org('kela'), person.ref.userId, { role: 'teacher', signer: org('sote').key }).cert), 400, 'bad_signature');
    expectError(await adminStore(ca.professional(org('kela'), person.ref.userId, { role: 'teacher', signer: ca.root }).cert), 400, 'bad_signature');
    // device: signed by another person's user key
    expectError(await adminStore(ca.device(person.person, 1, { key: person.device.key, signer: anna.person.userKey }).cert), 400, 'bad_signature');
    expectError(await deviceStore(person, ca.device(person.person, 1, { key: person.device.key, signer: testKey() }).cert), 400, 'bad_signature');
    // user revocation: signed by another organisation
    const revocation = signCertificate(
      { t: 'user_revocation', v: 1, orgId: 'kela', userId: person.ref.userId, serial: 1, revokedAt: Date.now() }, org('sote').key.priv,
    );
    expectError(await adminStore(revocation), 400, 'bad_signature');
    // device revocation: signed by a key that is not the person's
    const deviceRevocation = ca.revokeDevice({ ...person.person, userKey: testKey() }, person.device);
    expectError(await deviceStore(person, deviceRevocation), 400, 'bad_signature');
    // client: the caller is the inviter it names, but another key signed it
    const workspaceId = await createWorkspace(server, person, 'case');
    const client = await inviteClient(server, person, workspaceId);
    const forged = ca.client({ ...person.device, key: testKey() }, client.ref.userId, workspaceId);
    expectError(await deviceStore(person, forged.cert), 400, 'bad_signature');
    expect(await storedIds(person.ref.userId)).toEqual(before);
    expect(await storedIds(client.ref.userId)).toEqual([client.person.cert, client.device.cert].map(certificateId));
  });

  it('refuses a certificate about a subject the store does not hold as described (400 bad_request)', async () => {
    const person = await enrolProfessional(server, 'kela', 'teacher');
    expectError(await adminStore(ca.professional(org('kela'), 'nobody-at-all').cert), 400, 'bad_request');
    expectError(await adminStore(ca.professional(org('kela'), person.ref.userId, { role: 'interpreter' }).cert), 400, 'bad_request');
    expectError(await adminStore(ca.professional(org('sote'), person.ref.userId, { role: 'teacher' }).cert), 400, 'bad_request');
    // a device certificate for a key the device did not register, or for no device at all
    expectError(await deviceStore(person, ca.device(person.person, 1).cert), 400, 'bad_request');
    expectError(await deviceStore(person, ca.device(person.person, 9).cert), 400, 'bad_request');
    // a device certificate of a user nobody certified yet
    const loose = new TestAuthority().professional(org('kela'), 'loose');
    expectError(await adminStore(ca.device(loose, 1).cert), 400, 'bad_request');
    expectError(await adminStore({ body: { t: 'user' }, signature: 'x' }), 400, 'bad_request');
    expectError(await call(server, 'POST', '/v1/admin/certificates', { token: TEST_ADMIN_TOKEN, json: { certificate: 'garbage' } }), 400, 'bad_request');
  });

  it('refuses with 403 what the storer may not store', async () => {
    const other = await enrolProfessional(server, 'sote');
    // devices store no user certificates or user revocations
    expectError(await deviceStore(anna, anna.person.cert), 403, 'forbidden');
    expectError(await deviceStore(anna, ca.revokeUser(org('kela'), anna.person, 1)), 403, 'forbidden');
    // nor device certificates or revocations of another person
    expectError(await deviceStore(anna, other.device.cert), 403, 'forbidden');
    expectError(await deviceStore(anna, ca.revokeDevice(other.person, other.device)), 403, 'forbidden');
    // nor a client certificate naming another inviter
    const workspaceId = await createWorkspace(server, other, 'case');
    const client = await inviteClient(server, other, workspaceId);
    expectError(await deviceStore(anna, client.person.cert), 403, 'forbidden');
    // the admin API stores no client certificates and no device revocations
    expectError(await adminStore(client.person.cert), 403, 'forbidden');
    expectError(await adminStore(ca.revokeDevice(other.person, other.device)), 403, 'forbidden');
    const denials = (await server.running.ctx.store.audit.queryAudit({ limit: 100_000 })).filter((e) => e.action === 'denied' && e.detail['error'] === 'forbidden');
    expect(denials.map((e) => e.detail['route'])).toEqual(expect.arrayContaining(['storeCertificate', 'adminStoreCertificate']));
  });

  it('stores a certificate once: again is the same id, audited by id and type', async () => {
    const first = expectOk(await adminStore(anna.person.cert), storeCertificateResponseSchema);
    expect(first).toEqual({ id: certificateId(anna.person.cert) });
    expect(expectOk(await adminStore(anna.person.cert), storeCertificateResponseSchema)).toEqual(first);
    const stores = (await server.running.ctx.store.audit.queryAudit({ limit: 100_000 })).filter((e) => e.action === 'certificate_store' && e.detail['id'] === first.id);
    expect(stores.map((e) => e.detail)).toContainEqual({ id: first.id, type: 'user', userId: anna.ref.userId, again: 'true' });
  });

  it('closes the enrolment when its device certificate is stored, and tells the person and his co-members', async () => {
    const workspaceId = await createWorkspace(server, anna, 'consultation');
    expect((await append(server, anna, workspaceId, 'add_member', { member: memberOf(bob) })).status).toBe(200);
    const pendingLink = await uncertifiedLinkedDevice(anna);
    const pending = expectOk(await call(server, 'GET', '/v1/devices/pending', { token: anna.token }), pendingEnrolmentsResponseSchema);
    expect(pending.enrolments.map((e) => e.codeId)).toEqual([pendingLink.code.codeId]);
    expect(pending.enrolments[0]).toMatchObject({ kind: 'device_link', userId: anna.ref.userId, deviceId: pendingLink.ref.deviceId, identityKey: pendingLink.upload.identityKey });
    expect(pending.enrolments[0]?.userKey).toBeUndefined();
    // Another person sees none of it.
    expect(expectOk(await call(server, 'GET', '/v1/devices/pending', { token: bob.token }), pendingEnrolmentsResponseSchema).enrolments).toEqual([]);

    const notices: { userId: string; to: readonly DeviceRef[] }[] = [];
    const listener = (notice: { userId: string; to: readonly DeviceRef[] }) => notices.push(notice);
    server.running.ctx.hub.on('certificates', listener);
    try {
      expect((await deviceStore(anna, pendingLink.device.cert)).status).toBe(200);
    } finally {
      server.running.ctx.hub.off('certificates', listener);
    }
    expect(expectOk(await call(server, 'GET', '/v1/devices/pending', { token: anna.token }), pendingEnrolmentsResponseSchema).enrolments).toEqual([]);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.userId).toBe(anna.ref.userId);
    expect(notices[0]?.to).toEqual(expect.arrayContaining([anna.ref, pendingLink.ref, bob.ref]));
  });

  it('lets a client store his own device certificate once the inviter certified him', async () => {
    const workspaceId = await createWorkspace(server, anna, 'case');
    const code = newCode(server, 'invitation');
    const issued = await call(server, 'POST', '/v1/invitations', { token: anna.token, json: { workspaceId, codeId: code.codeId } });
    const { userId } = issued.body as { userId: string };
    const { identity, upload } = freshUpload(1);
    const person = ca.client(anna.device, userId, workspaceId);
    const device = ca.device(person, 1, { key: identityTestKey(identity) });
    await enrol(server, enrolBody(code, upload, { userKey: person.userKey.b64, deviceCertificate: device.cert }), upload);
    const token = await logIn(server, { userId, deviceId: 1 }, identity);
    const self = { ...anna, ref: { userId, deviceId: 1 }, token };
    // Before the inviter certified him nothing can sign for him.
    expectError(await deviceStore(self, device.cert), 400, 'bad_request');
    expect((await deviceStore(anna, person.cert)).status).toBe(200);
    expect((await deviceStore(self, device.cert)).status).toBe(200);
    expect(await server.running.ctx.store.enrolments.getEnrolment(code.codeId)).toMatchObject({ closedAt: expect.any(Number) });
  });
});

describe('client certificates', () => {
  it('need a certified inviter that issued the redeemed invitation for that workspace and user key', async () => {
    const workspaceId = await createWorkspace(server, anna, 'case');
    const code = newCode(server, 'invitation');
    const { userId } = (await call(server, 'POST', '/v1/invitations', { token: anna.token, json: { workspaceId, codeId: code.codeId } })).body as { userId: string };
    // Not redeemed yet: there is no invitation enrolment to certify.
    expectError(await deviceStore(anna, ca.client(anna.device, userId, workspaceId).cert), 400, 'bad_request');
    const { identity, upload } = freshUpload(1);
    const person = ca.client(anna.device, userId, workspaceId);
    const device = ca.device(person, 1, { key: identityTestKey(identity) });
    await enrol(server, enrolBody(code, upload, { userKey: person.userKey.b64, deviceCertificate: device.cert }), upload);
    // Another workspace, another user key, an uncertified inviting device: all refused.
    const elsewhere = await createWorkspace(server, anna, 'case');
    expectError(await deviceStore(anna, ca.client(anna.device, userId, elsewhere).cert), 400, 'bad_request');
    expectError(await deviceStore(anna, ca.client(anna.device, userId, workspaceId).cert), 400, 'bad_request');
    const unapproved = await uncertifiedLinkedDevice(anna);
    const unapprovedDevice = { ...anna, ref: unapproved.ref, token: await logIn(server, unapproved.ref, unapproved.identity) };
    expectError(await deviceStore(unapprovedDevice, ca.client(unapproved.device, userId, workspaceId).cert), 400, 'bad_request');
    expect((await deviceStore(anna, person.cert)).status).toBe(200);
  });

  it('are read back by the inviter only: the invitation enrolment is null for anyone else', async () => {
    const workspaceId = await createWorkspace(server, anna, 'case');
    const colleague = await linkDevice(server, anna);
    const code = newCode(server, 'invitation');
    await call(server, 'POST', '/v1/invitations', { token: anna.token, json: { workspaceId, codeId: code.codeId } });
    const path = `/v1/invitations/${code.codeId}/enrolment`;
    expect((await call(server, 'GET', path, { token: anna.token })).body).toEqual({ enrolment: null });
    const { upload } = freshUpload(1);
    await enrol(server, enrolBody(code, upload, { userKey: testKey().b64, deviceCertificate: ca.device(anna.person, 1).cert }), upload).catch(() => undefined);
    expect((await call(server, 'GET', path, { token: colleague.token })).body).toEqual({ enrolment: null });
    expect((await call(server, 'GET', path, { token: bob.token })).body).toEqual({ enrolment: null });
    expect((await call(server, 'GET', `/v1/invitations/${newCode(server, 'invitation').codeId}/enrolment`, { token: anna.token })).body).toEqual({ enrolment: null });
  });
});

describe('invitations keep no client name', () => {
  it('refuse a name in the request, store the placeholder, and never hold the code secret or the name', async () => {
    const workspaceId = await createWorkspace(server, anna, 'case');
    const codeId = newCode(server, 'invitation').codeId;
    expectError(await call(server, 'POST', '/v1/invitations', { token: anna.token, json: { workspaceId, codeId, displayName: 'Matti Asiakas' } }), 400, 'bad_request');
    const client = await inviteClient(server, anna, workspaceId);
    expect((await server.running.ctx.store.directory.getUser(client.ref.userId))?.displayName).toBe('Asiakas');
    expect((await call(server, 'GET', '/v1/orgs/clients/users?q=asiakas', { token: anna.token })).body).toEqual({ users: [] });
    const config = server.running.ctx.config.store;
    if (config.kind !== 'sqlite') throw new Error('the test server runs on sqlite');
    const text = ['', '-wal'].filter((s) => existsSync(config.path + s)).map((s) => readFileSync(config.path + s).toString('latin1')).join('');
    expect(text.includes('Matti Asiakas')).toBe(false);
    expect(server.logLines.some((line) => line.includes('Matti Asiakas'))).toBe(false);
    const secrets = [...server.secrets].filter((s) => /^(?:enr|inv|lnk)_/.test(s) || /^[A-Za-z0-9_-]{22}$/.test(s));
    expect(secrets.length).toBeGreaterThan(0);
    expect(secrets.filter((s) => text.includes(s))).toEqual([]);
  });
});

describe('certificate bundles', () => {
  it('verify a professional with all his devices, and name the organisations asked for', async () => {
    const phone = await linkDevice(server, bob);
    const certificates = await query(anna, { userIds: [bob.ref.userId], orgIds: ['kela'] });
    const result = verifyPerson({ root: ca.root.pub, userId: bob.ref.userId, certificates, now: Date.now() });
    expect(result).toMatchObject({ ok: true, person: { kind: 'professional', orgId: 'sote', role: 'social_worker' } });
    if (result.ok) expect(result.person.devices.map((d) => d.keyHash)).toEqual([bob.keyHash, phone.keyHash]);
    expect(certificates.filter((c) => c.body.t === 'org').map((c) => (c as Certificate<'org'>).body.orgId).sort()).toEqual(['kela', 'sote', 'sote']);
    expect(new Set(certificates.map(certificateId)).size).toBe(certificates.length);
  });

  it('verify a client through his inviter, and answer nothing for nobody', async () => {
    const workspaceId = await createWorkspace(server, bob, 'case');
    const client = await inviteClient(server, bob, workspaceId);
    const certificates = await query(anna, { userIds: [client.ref.userId] });
    const result = verifyPerson({ root: ca.root.pub, userId: client.ref.userId, certificates, now: Date.now() });
    expect(result).toMatchObject({ ok: true, person: { kind: 'client', workspaceId, invitedBy: bob.ref } });
    expect(await query(anna, { userIds: ['nobody'] })).toEqual([]);
    expectError(await call(server, 'POST', '/v1/certificates/query', { token: anna.token, json: { userIds: ['a', 'a'] } }), 400, 'bad_request');
  });
});

describe('membership against certificates', () => {
  it('refuses a device that is not certified, named by another key, or revoked, and a revoked person', async () => {
    const person = await enrolProfessional(server, 'kela');
    const workspaceId = await createWorkspace(server, person, 'consultation');
    const pending = await uncertifiedLinkedDevice(person);
    const named = { userId: person.ref.userId, deviceId: pending.ref.deviceId };
    const keyHash = identityKeyHash(pending.device.key.pub);
    expectError(await append(server, person, workspaceId, 'add_device', { ...named, keyHash }), 400, 'invalid_chain');
    expect((await deviceStore(person, pending.device.cert)).status).toBe(200);
    expectError(await append(server, person, workspaceId, 'add_device', { ...named, keyHash: person.keyHash }), 400, 'invalid_chain');
    expect((await deviceStore(person, ca.revokeDevice(person.person, pending.device))).status).toBe(200);
    expectError(await append(server, person, workspaceId, 'add_device', { ...named, keyHash }), 400, 'invalid_chain');

    const leaving = await enrolProfessional(server, 'kela');
    expect((await adminStore(ca.revokeUser(org('kela'), leaving.person, 1))).status).toBe(200);
    expectError(await append(server, person, workspaceId, 'add_member', { member: memberOf(leaving) }), 400, 'invalid_chain');
    expectError(await call(server, 'POST', '/v1/workspaces', { token: leaving.token, json: { event: createEvent(server, leaving) } }), 400, 'invalid_chain');
  });
});
