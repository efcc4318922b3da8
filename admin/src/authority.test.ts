import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '@yhteispoyta/crypto/bytes';
import { certificateJson, signCertificate, verifyCertificateSignature, verifyPerson } from '@yhteispoyta/crypto/certificates/index';
import type { Certificate } from '@yhteispoyta/crypto/certificates/index';
import type { PendingEnrolment } from '@yhteispoyta/crypto/protocol';
import { AdminClient } from './admin-client';
import { createOrganisation, createRoot, OrgAuthority } from './authority';
import type { RootKey } from './authority';
import { enrollingDevice, strangerKey } from './device.testkit';
import { AdminError } from './errors';
import { FAKE_TOKEN, FAKE_URL, FakeAdminServer } from './fake-server.testkit';
import { MIN_KDF_N } from './key-file';
import { KeyFileOrgStateStore, MemoryOrgStateStore } from './org-state';
import type { OrgState } from './org-state';

const DAY = 24 * 3600 * 1000;

let server: FakeAdminServer;
let admin: AdminClient;
let root: RootKey;

beforeEach(() => {
  server = new FakeAdminServer();
  admin = new AdminClient({ baseUrl: FAKE_URL, token: FAKE_TOKEN, fetch: server.fetch });
  root = createRoot();
});

async function organisation(opts: { userValidDays?: number } = {}): Promise<{ org: OrgAuthority; state: OrgState }> {
  const state = await createOrganisation({ root, name: 'Kela, Itä-Suomen vakuutuspiiri', admin });
  const org = await OrgAuthority.open({ store: new MemoryOrgStateStore(state), admin, ...opts });
  return { org, state };
}

function bundle(): unknown[] {
  const orgs = [...server.orgs.values()].map((o) => o.certificate);
  return [...orgs, ...server.certificates.values()].map((c) => certificateJson(c));
}

async function rejection(promise: Promise<unknown>): Promise<AdminError> {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AdminError);
  return error as AdminError;
}

describe('creating an organisation', () => {
  it('signs the organisation certificate with the root, sets the root and registers it; again is a no-op', async () => {
    const { org, state } = await organisation();
    expect(server.root).toBe(root.publicKey);
    const held = server.orgs.get(org.orgId);
    expect(held?.name).toBe('Kela, Itä-Suomen vakuutuspiiri');
    expect(verifyCertificateSignature(org.certificate, fromBase64(root.publicKey) ?? new Uint8Array())).toBe(true);
    expect(state.rootFingerprint).toBe(root.fingerprint);
    await org.register();
    expect(server.orgs.size).toBe(1);
  });

  it('refuses a server that holds another deployment root', async () => {
    server.root = createRoot().publicKey;
    const error = await rejection(createOrganisation({ root, name: 'THL', admin }));
    expect(error.code).toBe('root_mismatch');
    expect(server.orgs.size).toBe(0);
  });

  it('refuses a bad name or validity before anything is signed', async () => {
    expect((await rejection(createOrganisation({ root, name: ' ', admin }))).code).toBe('invalid_input');
    expect((await rejection(createOrganisation({ root, name: 'X', admin, validDays: 10_000 }))).code).toBe('invalid_input');
    expect(server.calls).toEqual([]);
  });
});

describe('issuing codes', () => {
  it('sends the server the code id only; the full code carries secret and root fingerprint', async () => {
    const bodies: string[] = [];
    const spying = new AdminClient({
      baseUrl: FAKE_URL, token: FAKE_TOKEN,
      fetch: (input, init) => {
        if (typeof init?.body === 'string') bodies.push(init.body);
        return server.fetch(input, init);
      },
    });
    const state = await createOrganisation({ root, name: 'Kela', admin: spying });
    const org = await OrgAuthority.open({ store: new MemoryOrgStateStore(state), admin: spying });
    const issued = await org.issueCode({ role: 'kela_expert', displayName: 'Maija Meikäläinen', ttlSeconds: 3600 });
    const [codeId, secret, fingerprint] = issued.code.split('.');
    expect(codeId).toBe(issued.codeId);
    expect(fingerprint).toBe(root.fingerprint);
    expect(server.codes.get(issued.codeId)).toMatchObject({ orgId: org.orgId, role: 'kela_expert', displayName: 'Maija Meikäläinen', userId: issued.userId });
    expect(bodies.join('\n')).toContain(issued.codeId);
    expect(bodies.join('\n')).not.toContain(secret);
    expect(issued.expiresAt).toBe(server.now + 3600 * 1000);
    expect((await org.state()).codes[issued.codeId]?.secret).toBeDefined();
  });

  it('refuses a role, name or lifetime out of range, and a server that names another user', async () => {
    const { org } = await organisation();
    expect((await rejection(org.issueCode({ role: 'client', displayName: 'X' }))).code).toBe('invalid_input');
    expect((await rejection(org.issueCode({ role: 'teacher', displayName: '\u202Eevil' }))).code).toBe('invalid_input');
    expect((await rejection(org.issueCode({ role: 'teacher', displayName: 'X', ttlSeconds: 5 }))).code).toBe('invalid_input');
    expect(server.codes.size).toBe(0);
    const lying = new AdminClient({
      baseUrl: FAKE_URL, token: FAKE_TOKEN,
      fetch: async (input, init) => {
        const answer = await server.fetch(input, init);
        if (!String(input).endsWith('/enrolment-codes')) return answer;
        const json = (await answer.json()) as { expiresAt: number };
        return new Response(JSON.stringify({ ...json, userId: 'u_someone-else' }), { status: 200 });
      },
    });
    const hostile = await OrgAuthority.open({ store: new MemoryOrgStateStore(await org.state()), admin: lying });
    expect((await rejection(hostile.issueCode({ role: 'teacher', displayName: 'X' }))).code).toBe('bad_response');
    expect(Object.keys((await hostile.state()).codes)).toEqual([]);
  });
});

describe('certifying enrolments', () => {
  it('certifies a correct enrolment with the role and name the admin registered, then forgets the secret', async () => {
    const now = Date.now();
    const { org } = await organisation();
    const issued = await org.issueCode({ role: 'social_worker', displayName: 'Sini Sosiaalityöntekijä' });
    const device = enrollingDevice(issued.code);
    // The server's listing claims another role and name: the certificate must not believe it.
    server.enrol(device, { role: 'kela_expert', displayName: 'Someone Else' });

    const report = await org.certifyPending();
    expect(report.refused).toEqual([]);
    expect(report.failed).toEqual([]);
    expect(report.certified).toEqual([expect.objectContaining({ codeId: issued.codeId, userId: issued.userId, deviceId: 1, role: 'social_worker', displayName: 'Sini Sosiaalityöntekijä', serial: 1 })]);

    const [user] = server.stored('user');
    expect(user?.body).toMatchObject({ userId: issued.userId, orgId: org.orgId, role: 'social_worker', displayName: 'Sini Sosiaalityöntekijä', userKey: device.userKeyB64, serial: 1 });
    expect((user?.body.notAfter ?? 0) - now).toBeGreaterThan(729 * DAY);
    expect((user?.body.notAfter ?? 0) - now).toBeLessThan(731 * DAY);
    expect(server.stored('device').map((c) => c.body.identityKey)).toEqual([device.identityKeyB64]);

    const person = verifyPerson({ root: fromBase64(root.publicKey) ?? new Uint8Array(), userId: issued.userId, certificates: bundle(), now: Date.now() });
    expect(person.ok && person.person.kind === 'professional' && person.person.role).toBe('social_worker');
    expect(person.ok && person.person.devices.map((d) => toBase64(d.identityKey))).toEqual([device.identityKeyB64]);

    const state = await org.state();
    expect(state.codes[issued.codeId]?.secret).toBeUndefined();
    expect(state.codes[issued.codeId]?.certifiedAt).toBeDefined();
    expect(state.users[issued.userId]).toEqual({ role: 'social_worker', displayName: 'Sini Sosiaalityöntekijä', serials: [1], revokedSerials: [] });
    expect(state.nextSerial).toBe(2);

    // The server closed the enrolment; nothing more to do.
    expect(await org.certifyPending()).toEqual({ certified: [], refused: [], failed: [], ignored: [] });
  });

  it('signs user certificates for the configured validity, with consecutive serials', async () => {
    const { org } = await organisation({ userValidDays: 30 });
    const a = await org.issueCode({ role: 'teacher', displayName: 'A' });
    const b = await org.issueCode({ role: 'interpreter', displayName: 'B' });
    server.enrol(enrollingDevice(a.code));
    server.enrol(enrollingDevice(b.code));
    const report = await org.certifyPending();
    expect(report.certified.map((c) => c.serial)).toEqual([1, 2]);
    for (const c of server.stored('user')) expect(c.body.notAfter - c.body.notBefore).toBeLessThan(31 * DAY);
  });

  describe('refuses what a hostile server substituted, and certifies nothing', () => {
    const cases: Record<string, (e: PendingEnrolment, device: ReturnType<typeof enrollingDevice>) => PendingEnrolment> = {
      'the identity key (with a device certificate for it under a user key of its own)': (e) => {
        const identity = strangerKey();
        const user = strangerKey();
        const cert = signCertificate({ t: 'device', v: 1, userId: e.userId, deviceId: e.deviceId, identityKey: identity.b64, created: Date.now() }, user.priv);
        return { ...e, identityKey: identity.b64, userKey: user.b64, deviceCertificate: certificateJson(cert) as PendingEnrolment['deviceCertificate'] };
      },
      'the identity key only': (e) => ({ ...e, identityKey: strangerKey().b64 }),
      'the user key only': (e) => ({ ...e, userKey: strangerKey().b64 }),
      'the device id': (e) => ({ ...e, deviceId: e.deviceId + 1 }),
      'the proof': (e) => ({ ...e, proof: 'ab'.repeat(32) }),
    };
    for (const [what, swap] of Object.entries(cases)) {
      it(`swapped ${what}: refused as a possible substitution`, async () => {
        const { org } = await organisation();
        const issued = await org.issueCode({ role: 'health_professional', displayName: 'Liisa' });
        const device = enrollingDevice(issued.code);
        server.enrol(device);
        server.tamper = (list) => list.map((e) => swap(e, device));
        const report = await org.certifyPending();
        expect(report.certified).toEqual([]);
        expect(report.refused).toEqual([expect.objectContaining({ codeId: issued.codeId, reason: 'bad_proof' })]);
        expect(server.stored('user')).toEqual([]);
        expect(server.stored('device')).toEqual([]);
        // The secret is kept: the genuine enrolment, if the server shows it after all, is certified.
        expect((await org.state()).codes[issued.codeId]?.secret).toBeDefined();
        server.tamper = undefined;
        expect((await org.certifyPending()).certified).toHaveLength(1);
      });
    }

    it('a device certificate that is not the proven device’s is refused', async () => {
      const { org } = await organisation();
      const issued = await org.issueCode({ role: 'teacher', displayName: 'Opettaja' });
      const device = enrollingDevice(issued.code);
      server.enrol(device);
      const forged = signCertificate(
        { t: 'device', v: 1, userId: device.userId, deviceId: 1, identityKey: device.identityKeyB64, created: Date.now() },
        strangerKey().priv,
      );
      const otherKey = signCertificate({ t: 'device', v: 1, userId: device.userId, deviceId: 1, identityKey: strangerKey().b64, created: Date.now() }, device.userKey);
      for (const cert of [forged, otherKey]) {
        server.tamper = (list) => list.map((e) => ({ ...e, deviceCertificate: certificateJson(cert) as PendingEnrolment['deviceCertificate'] }));
        const report = await org.certifyPending();
        expect(report.refused.map((r) => r.reason)).toEqual(['bad_device_certificate']);
      }
      server.tamper = (list) => list.map(({ deviceCertificate: _d, ...e }) => e);
      expect((await org.certifyPending()).refused.map((r) => r.reason)).toEqual(['bad_device_certificate']);
      server.tamper = (list) => list.map(({ userKey: _u, ...e }) => e);
      expect((await org.certifyPending()).refused.map((r) => r.reason)).toEqual(['incomplete']);
      server.tamper = (list) => list.map((e) => ({ ...e, userId: 'u_another-user' }));
      expect((await org.certifyPending()).refused.map((r) => r.reason)).toEqual(['user_mismatch']);
      server.tamper = (list) => list.map((e) => ({ ...e, enrolledAt: issued.expiresAt + 1 }));
      expect((await org.certifyPending()).refused.map((r) => r.reason)).toEqual(['code_expired']);
      expect(server.certificates.size).toBe(0);
    });
  });

  it('ignores enrolments of codes it did not issue and of other kinds', async () => {
    const { org, state } = await organisation();
    // A second admin tool of the same organisation (its own state) issued this code.
    const other = await OrgAuthority.open({ store: new MemoryOrgStateStore(state), admin });
    const foreign = await other.issueCode({ role: 'teacher', displayName: 'Vieras' });
    server.enrol(enrollingDevice(foreign.code));
    const own = await org.issueCode({ role: 'teacher', displayName: 'Oma' });
    server.enrol(enrollingDevice(own.code), { kind: 'device_link' });
    const report = await org.certifyPending();
    expect(report.certified).toEqual([]);
    expect(report.refused).toEqual([]);
    expect(report.ignored.map((i) => i.reason).sort()).toEqual(['not_an_enrolment_code', 'not_issued_here']);
    expect(server.certificates.size).toBe(0);
  });

  it('a certificate the server refuses is reported as failed and retried with the same serial', async () => {
    const { org } = await organisation();
    const issued = await org.issueCode({ role: 'teacher', displayName: 'Opettaja' });
    server.enrol(enrollingDevice(issued.code));
    const listing = server.fetch;
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/v1/admin/certificates')) {
        return new Response(JSON.stringify({ error: { code: 'internal', message: 'internal error', id: 'x' } }), { status: 500 });
      }
      return listing(input, init);
    };
    const failing = await OrgAuthority.open({ store: new MemoryOrgStateStore(await org.state()), admin: new AdminClient({ baseUrl: FAKE_URL, token: FAKE_TOKEN, fetch: flaky }) });
    const first = await failing.certifyPending();
    expect(first.failed).toEqual([expect.objectContaining({ codeId: issued.codeId })]);
    const retry = await OrgAuthority.open({ store: new MemoryOrgStateStore(await failing.state()), admin });
    const second = await retry.certifyPending();
    expect(second.certified.map((c) => c.serial)).toEqual([1]);
    expect((await retry.state()).nextSerial).toBe(2);
  });

  it('a server that cannot be reached is a typed error, and nothing is lost', async () => {
    const { org } = await organisation();
    const issued = await org.issueCode({ role: 'teacher', displayName: 'Opettaja' });
    server.enrol(enrollingDevice(issued.code));
    server.outage = 'unreachable';
    expect((await rejection(org.certifyPending())).code).toBe('server_unreachable');
    server.outage = { status: 401, code: 'unauthenticated' };
    expect((await rejection(org.certifyPending())).code).toBe('server_refused');
    server.outage = undefined;
    expect((await org.certifyPending()).certified).toHaveLength(1);
  });
});

describe('revoking users', () => {
  it('uploads a signed revocation of every serial; again revokes nothing new', async () => {
    const { org } = await organisation();
    const issued = await org.issueCode({ role: 'employment_advisor', displayName: 'Eino' });
    server.enrol(enrollingDevice(issued.code));
    await org.certifyPending();
    const report = await org.revokeUser(issued.userId);
    expect(report).toEqual({ userId: issued.userId, revokedSerials: [1], alreadyRevoked: [], withdrawnCodes: [] });
    const [revocation] = server.stored('user_revocation');
    expect(revocation?.body).toMatchObject({ orgId: org.orgId, userId: issued.userId, serial: 1 });
    expect(verifyCertificateSignature(revocation as Certificate, fromBase64(org.certificate.body.orgKey) ?? new Uint8Array())).toBe(true);
    const person = verifyPerson({ root: fromBase64(root.publicKey) ?? new Uint8Array(), userId: issued.userId, certificates: bundle(), now: Date.now() + 1000 });
    expect(person.ok ? 'ok' : person.code).toBe('revoked');
    expect(await org.revokeUser(issued.userId)).toEqual({ userId: issued.userId, revokedSerials: [], alreadyRevoked: [1], withdrawnCodes: [] });
    expect(server.stored('user_revocation')).toHaveLength(1);
  });

  it('withdraws a code not used yet, so its enrolment is never certified; an unknown user is a typed error', async () => {
    const { org } = await organisation();
    const issued = await org.issueCode({ role: 'teacher', displayName: 'Opettaja' });
    expect(await org.revokeUser(issued.userId)).toEqual({ userId: issued.userId, revokedSerials: [], alreadyRevoked: [], withdrawnCodes: [issued.codeId] });
    server.enrol(enrollingDevice(issued.code));
    const report = await org.certifyPending();
    expect(report.ignored.map((i) => i.reason)).toEqual(['withdrawn']);
    expect(server.certificates.size).toBe(0);
    expect((await rejection(org.revokeUser('u_nobody'))).code).toBe('unknown_user');
    expect((await rejection(org.revokeUser('not/an id'))).code).toBe('invalid_input');
  });
});

describe('state in a key file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'admin-authority-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps codes and users across processes, and never holds a secret in clear', async () => {
    const path = join(dir, 'org.key');
    const pass = 'organisation passphrase';
    const state = await createOrganisation({ root, name: 'Kela', admin });
    await KeyFileOrgStateStore.create(path, state, pass, { kdf: { N: MIN_KDF_N, r: 8, p: 1 } });
    const first = await OrgAuthority.open({ store: await KeyFileOrgStateStore.open(path, pass), admin });
    const issued = await first.issueCode({ role: 'kela_expert', displayName: 'Maija' });
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(issued.code.split('.')[1] ?? '-');
    expect(text).not.toContain(state.privateKey);
    // Another process (a second handle) certifies what the first one issued.
    server.enrol(enrollingDevice(issued.code));
    const second = await OrgAuthority.open({ store: await KeyFileOrgStateStore.open(path, pass), admin });
    expect((await second.certifyPending()).certified).toHaveLength(1);
    expect((await first.state()).users[issued.userId]?.serials).toEqual([1]);
    expect((await rejection(KeyFileOrgStateStore.open(path, 'the wrong passphrase'))).code).toBe('wrong_passphrase');
  });
});
