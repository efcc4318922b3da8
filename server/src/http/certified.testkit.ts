/**
 * Test support: certified devices in one line, made the way the real parties make them,
 * through a running server's REST API. A test deployment (one per server object) holds a
 * deployment root and organisation keys (crypto's TestAuthority); the helpers
 *
 *  - register the root and certify organisations (admin API),
 *  - issue a code id whose secret stays in the test, as the issuer's tool would,
 *  - enrol a device with a real proof of that secret (`enrolmentProof`), its user key and
 *    the device certificate it signed,
 *  - play the issuer: read the pending enrolment, check the proof, sign and store the
 *    person's and the device's certificates (admin API for professionals, the approving
 *    device for a linked device, the inviting device for a client),
 *  - and log the device in.
 *
 * Every secret that goes over the wire (tokens, nonces, signatures) is added to the
 * target's `secrets` when it has one, so tests can scan the server's logs for them; code
 * secrets never go over the wire and are added too, to prove it.
 */
import { fromBase64, toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import { TestAuthority } from '@yhteispoyta/crypto/certificates/authority.testkit';
import type { TestDevice as AuthorityDevice, TestKey, TestOrg, TestPerson } from '@yhteispoyta/crypto/certificates/authority.testkit';
import { checkEnrolmentProof, enrolmentProof, formatOneTimeCode, newOneTimeCode, rootFingerprint } from '@yhteispoyta/crypto/certificates/codes';
import type { CodeKind, EnrolmentClaim, OneTimeCode } from '@yhteispoyta/crypto/certificates/codes';
import { identityKeyHash, signCertificate } from '@yhteispoyta/crypto/certificates/signing';
import type { Certificate, ProfessionalRole } from '@yhteispoyta/crypto/certificates/types';
import { generateDeviceIdentity } from '@yhteispoyta/crypto/identity';
import type { DeviceIdentity } from '@yhteispoyta/crypto/identity';
import { generatePrekeys } from '@yhteispoyta/crypto/prekeys';
import {
  invitationEnrolmentResponseSchema,
  issuedCodeResponseSchema,
  createLinkCodeResponseSchema,
  loginSigningBytes,
  logResponseSchema,
  pendingEnrolmentsResponseSchema,
} from '@yhteispoyta/crypto/protocol';
import { logCertificateJson, signLogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import type { LogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import type { PendingEnrolment } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef, MemberDevice, PrekeyUpload, Role } from '@yhteispoyta/crypto/types';
import { CLIENTS_ORG_ID } from '@yhteispoyta/crypto/types';
import { call } from './api-call.testkit';
import type { ApiAnswer, ApiTarget } from './api-call.testkit';

/** The admin token every test server of the testkits is started with. */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** A server the helpers talk to (a running one or the in-process one), and where to collect the secrets that went over the wire. */
export type CertTarget = ApiTarget & {
  readonly secrets?: Set<string>;
};

/** The root and the certified organisations of one test server. */
export interface TestDeployment {
  readonly authority: TestAuthority;
  readonly orgs: Map<string, TestOrg>;
  /** set once the root was registered with the server */
  rootSet: boolean;
}

/**
 * A certified, logged-in device, with everything a test needs to act as it: its identity
 * (private), token, organisation and role, the key hash membership events name it by, its
 * person (user key and user or client certificate) and its own certificate.
 */
export interface CertifiedDevice {
  readonly ref: DeviceRef;
  readonly identity: DeviceIdentity;
  readonly orgId: string;
  readonly role: Role;
  /** identityKeyHash of the device's identity key */
  readonly keyHash: string;
  readonly person: TestPerson;
  /** the device as crypto's TestAuthority sees it: its identity key and its device certificate */
  readonly device: AuthorityDevice;
  token: string;
}

const deployments = new WeakMap<object, TestDeployment>();

/** The test deployment of a server object (made on first use: one root per server). */
export function deploymentOf(server: object): TestDeployment {
  let deployment = deployments.get(server);
  if (deployment === undefined) {
    // Validity windows around the real now: agents verifying these certificates today accept them.
    deployment = { authority: new TestAuthority(Date.now()), orgs: new Map(), rootSet: false };
    deployments.set(server, deployment);
  }
  return deployment;
}

/**
 * Let `server` use the deployment of `other` (servers sharing one store share one root:
 * the store sets it once). Call before the first helper call on `server`.
 */
export function shareDeployment(server: object, other: object): TestDeployment {
  const deployment = deploymentOf(other);
  deployments.set(server, deployment);
  return deployment;
}

/** The answer's JSON when it has `status` 200, else an error that shows what came back. */
function ok(answer: ApiAnswer, what: string): unknown {
  if (answer.status !== 200) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

function remember(server: CertTarget, ...values: string[]): void {
  for (const value of values) server.secrets?.add(value);
}

/** A device identity as crypto's TestAuthority takes keys. */
export function identityTestKey(identity: DeviceIdentity): TestKey {
  const pub = toBytes(identity.identityKeyPair.publicKey.serialize());
  return { priv: identity.identityKeyPair.privateKey, pub, b64: toBase64(pub) };
}

let prekeyIds = 1;

/** A fresh identity and its full prekey upload with `count` one-time prekeys of each kind. */
export function freshUpload(deviceId: number, count = 2): { identity: DeviceIdentity; upload: PrekeyUpload } {
  const identity = generateDeviceIdentity(deviceId);
  const base = prekeyIds;
  prekeyIds += count + 2;
  const { upload } = generatePrekeys(identity, {
    signedPreKeyId: base, lastResortKyberId: base + count + 1, firstPreKeyId: base, firstKyberId: base, count,
  });
  return { identity, upload };
}

/** Register the deployment's root with the server (once per server object; the same key again is a no-op anyway). */
async function registerRoot(server: CertTarget): Promise<TestAuthority> {
  const deployment = deploymentOf(server);
  if (!deployment.rootSet) {
    const answer = await call(server, 'PUT', '/v1/admin/root', { token: TEST_ADMIN_TOKEN, json: { rootKey: deployment.authority.root.b64 } });
    ok(answer, 'set root');
    deployment.rootSet = true;
  }
  return deployment.authority;
}

/**
 * The deployment root's certificate of the key `server` signs its transparency log with
 * (read from `GET /v1/log`), valid from a minute ago for a year; the root is registered first.
 */
export async function logCertificateFor(server: CertTarget): Promise<LogCertificate> {
  const authority = await registerRoot(server);
  const { logKey } = logResponseSchema.parse(ok(await call(server, 'GET', '/v1/log', {}), 'get log'));
  return signLogCertificate({ t: 'log', v: 1, logKey, notBefore: Date.now() - 60_000, notAfter: Date.now() + 365 * 24 * 3600_000 }, authority.root.priv);
}

/**
 * Register the deployment's root and upload its certificate of the server's log key, as
 * the admin tool's `create-org` does: agents rely on no certificate whose log they cannot
 * check against their pinned root.
 */
export async function certifyTestLog(server: CertTarget): Promise<void> {
  const certificate = await logCertificateFor(server);
  ok(await call(server, 'PUT', '/v1/admin/log/certificate', { token: TEST_ADMIN_TOKEN, json: { certificate: logCertificateJson(certificate) } }), 'certify log');
}

let orgCounter = 0;

/** A certified organisation of the deployment, created through the admin API on first use of its id. */
export async function certifyOrg(server: CertTarget, orgId = `org-${++orgCounter}-${Date.now().toString(36)}`, name = `Organisaatio ${orgId}`): Promise<TestOrg> {
  const deployment = deploymentOf(server);
  const known = deployment.orgs.get(orgId);
  if (known !== undefined) return known;
  const authority = await registerRoot(server);
  const org = authority.org(orgId, { name });
  ok(await call(server, 'POST', '/v1/admin/orgs', { token: TEST_ADMIN_TOKEN, json: { certificate: org.cert } }), 'create org');
  deployment.orgs.set(orgId, org);
  return org;
}

/** A fresh one-time code of `kind` for the server's deployment; the whole code is remembered as a secret. */
export function newCode(server: CertTarget, kind: CodeKind): OneTimeCode {
  const code = newOneTimeCode(kind, rootFingerprint(deploymentOf(server).authority.root.pub));
  remember(server, formatOneTimeCode(code), Buffer.from(code.secret).toString('base64url'));
  return code;
}

/** The body of `POST /v1/enrol` for `code`, with the proof of its secret over exactly these keys. */
export function enrolBody(
  code: OneTimeCode,
  upload: PrekeyUpload,
  first?: { readonly userKey: string; readonly deviceCertificate: Certificate<'device'> },
): Record<string, unknown> {
  const claim: EnrolmentClaim = {
    codeId: code.codeId, deviceId: upload.deviceId, identityKey: upload.identityKey, ...(first === undefined ? {} : { userKey: first.userKey }),
  };
  return { codeId: code.codeId, prekeys: upload, ...(first ?? {}), proof: enrolmentProof(code.secret, claim) };
}

/** What the issuer does first: check the pending enrolment's proof of the code's secret. */
function requireProof(code: OneTimeCode, pending: PendingEnrolment | undefined): PendingEnrolment {
  if (pending === undefined) throw new Error(`no pending enrolment for ${code.codeId}`);
  const claim: EnrolmentClaim = {
    codeId: pending.codeId, deviceId: pending.deviceId, identityKey: pending.identityKey,
    ...(pending.userKey === undefined ? {} : { userKey: pending.userKey }),
  };
  if (!checkEnrolmentProof(code.secret, claim, pending.proof)) throw new Error(`the proof of ${code.codeId} does not check out`);
  return pending;
}

/** Sign a login challenge for a device and return the session token. */
export async function logIn(server: CertTarget, ref: DeviceRef, identity: DeviceIdentity): Promise<string> {
  const challenge = ok(await call(server, 'POST', '/v1/auth/challenge', { json: ref }), 'challenge') as { challengeId: string; nonce: string };
  const nonce = fromBase64(challenge.nonce);
  if (nonce === undefined) throw new Error('nonce is not base64');
  const signature = toBase64(identity.identityKeyPair.privateKey.sign(loginSigningBytes(nonce, ref)));
  remember(server, challenge.nonce, signature);
  const { token } = ok(await call(server, 'POST', '/v1/auth/login', { json: { challengeId: challenge.challengeId, signature } }), 'login') as { token: string };
  remember(server, token);
  return token;
}

/** Store a certificate through the admin API (`token` absent) or as a device. */
export async function storeCertificate(server: CertTarget, certificate: Certificate, token?: string): Promise<void> {
  const path = token === undefined ? '/v1/admin/certificates' : '/v1/certificates';
  ok(await call(server, 'POST', path, { token: token ?? TEST_ADMIN_TOKEN, json: { certificate } }), `store ${certificate.body.t} certificate`);
}

/** Enrol a device (its prekeys' signatures remembered as secrets); the device is not certified yet. */
export async function enrol(server: CertTarget, body: Record<string, unknown>, upload: PrekeyUpload): Promise<{ userId: string; deviceId: number }> {
  for (const p of [upload.signedPreKey, upload.lastResortKyberPreKey, ...upload.oneTimeKyberPreKeys]) remember(server, p.signature);
  return ok(await call(server, 'POST', '/v1/enrol', { json: body }), 'enrol') as { userId: string; deviceId: number };
}

/** Options of {@link enrolCertifiedDevice}. */
export interface ProfessionalOptions {
  /** an organisation of the deployment (certified on first use); default: a new one */
  readonly orgId?: string;
  readonly role?: ProfessionalRole;
  readonly displayName?: string;
}

/**
 * A professional's first device, certified and logged in: root and organisation
 * registered (once), an enrolment code id registered by the admin, the device enrolled
 * with a real proof, the proof checked and the user and device certificates stored
 * through the admin API.
 */
export async function enrolCertifiedDevice(server: CertTarget, options: ProfessionalOptions = {}): Promise<CertifiedDevice> {
  const { authority } = deploymentOf(server);
  const org = await certifyOrg(server, options.orgId);
  const role = options.role ?? 'social_worker';
  const displayName = options.displayName ?? 'Maija Meikäläinen';
  const code = newCode(server, 'enrolment');
  const issued = issuedCodeResponseSchema.parse(
    ok(await call(server, 'POST', '/v1/admin/enrolment-codes', { token: TEST_ADMIN_TOKEN, json: { codeId: code.codeId, orgId: org.orgId, role, displayName } }), 'issue code'),
  );
  const { identity, upload } = freshUpload(1);
  const person = authority.professional(org, issued.userId, { role, displayName });
  const device = authority.device(person, 1, { key: identityTestKey(identity), created: Date.now() });
  await enrol(server, enrolBody(code, upload, { userKey: person.userKey.b64, deviceCertificate: device.cert }), upload);
  // The admin tool: the organisation's pending enrolments, the proof, then both certificates.
  const pending = pendingEnrolmentsResponseSchema.parse(
    ok(await call(server, 'GET', `/v1/admin/orgs/${org.orgId}/enrolments`, { token: TEST_ADMIN_TOKEN }), 'list enrolments'),
  );
  requireProof(code, pending.enrolments.find((e) => e.codeId === code.codeId));
  await storeCertificate(server, person.cert);
  await storeCertificate(server, device.cert);
  const ref = { userId: issued.userId, deviceId: 1 };
  return { ref, identity, orgId: org.orgId, role, keyHash: identityKeyHash(device.key.pub), person, device, token: await logIn(server, ref, identity) };
}

/**
 * A further device of `existing`'s person, certified and logged in: `existing` registers a
 * link code id, the new device enrols under the announced device id, and `existing`
 * checks the proof and stores the device certificate signed with the person's user key.
 */
export async function linkCertifiedDevice(server: CertTarget, existing: CertifiedDevice): Promise<CertifiedDevice> {
  const { authority } = deploymentOf(server);
  const code = newCode(server, 'device_link');
  const { deviceId } = createLinkCodeResponseSchema.parse(
    ok(await call(server, 'POST', '/v1/devices/link-codes', { token: existing.token, json: { codeId: code.codeId } }), 'link code'),
  );
  const { identity, upload } = freshUpload(deviceId);
  await enrol(server, enrolBody(code, upload), upload);
  const pending = pendingEnrolmentsResponseSchema.parse(ok(await call(server, 'GET', '/v1/devices/pending', { token: existing.token }), 'pending devices'));
  requireProof(code, pending.enrolments.find((e) => e.codeId === code.codeId));
  const device = authority.device(existing.person, deviceId, { key: identityTestKey(identity), created: Date.now() });
  await storeCertificate(server, device.cert, existing.token);
  const ref = { userId: existing.ref.userId, deviceId };
  return { ...existing, ref, identity, keyHash: identityKeyHash(device.key.pub), device, token: await logIn(server, ref, identity) };
}

/**
 * A client person invited by `inviter` (an owner of case workspace `workspaceId`) with his
 * first device, certified and logged in: the inviter registers an invitation code id, the
 * client's device enrols with its user key, device certificate and proof, and the
 * inviter checks the proof and stores the client certificate and the device certificate.
 * The client is not yet a member: the test adds him with `add_member`.
 */
export async function inviteCertifiedClient(server: CertTarget, inviter: CertifiedDevice, workspaceId: string): Promise<CertifiedDevice> {
  const { authority } = deploymentOf(server);
  const code = newCode(server, 'invitation');
  const issued = issuedCodeResponseSchema.parse(
    ok(await call(server, 'POST', '/v1/invitations', { token: inviter.token, json: { workspaceId, codeId: code.codeId } }), 'invitation'),
  );
  const { identity, upload } = freshUpload(1);
  const person = authority.client(inviter.device, issued.userId, workspaceId, { name: 'Matti Asiakas', created: Date.now() });
  const device = authority.device(person, 1, { key: identityTestKey(identity), created: Date.now() });
  await enrol(server, enrolBody(code, upload, { userKey: person.userKey.b64, deviceCertificate: device.cert }), upload);
  const answer = ok(await call(server, 'GET', `/v1/invitations/${code.codeId}/enrolment`, { token: inviter.token }), 'invitation enrolment');
  requireProof(code, invitationEnrolmentResponseSchema.parse(answer).enrolment ?? undefined);
  await storeCertificate(server, person.cert, inviter.token);
  await storeCertificate(server, device.cert, inviter.token);
  const ref = { userId: issued.userId, deviceId: 1 };
  return {
    ref, identity, orgId: CLIENTS_ORG_ID, role: 'client', keyHash: identityKeyHash(device.key.pub), person, device,
    token: await logIn(server, ref, identity),
  };
}

/** A code for a real agent to redeem, and the admin tool's half of the enrolment. */
export interface ProfessionalCode {
  /** the code as the person types it (`<codeId>.<secret>.<root fingerprint>`) */
  readonly code: string;
  readonly userId: string;
  readonly orgId: string;
  /**
   * Do what the organisation's admin tool does once the agent enrolled with the code:
   * find the pending enrolment, check its proof, sign a user certificate for the user
   * key it presented and store it together with the device certificate the agent signed.
   * Rejects when nobody redeemed the code yet or the proof does not check out.
   */
  certify(): Promise<void>;
}

/**
 * Register an enrolment code for a professional of organisation `options.orgId` (certified
 * on first use) whose first device a real agent enrols itself; `certify()` afterwards
 * completes the admin side. For tests that run agents against an in-process server.
 */
export async function issueProfessionalCode(server: CertTarget, options: ProfessionalOptions = {}): Promise<ProfessionalCode> {
  const org = await certifyOrg(server, options.orgId);
  const role = options.role ?? 'social_worker';
  const displayName = options.displayName ?? 'Maija Meikäläinen';
  const code = newCode(server, 'enrolment');
  const issued = issuedCodeResponseSchema.parse(
    ok(await call(server, 'POST', '/v1/admin/enrolment-codes', { token: TEST_ADMIN_TOKEN, json: { codeId: code.codeId, orgId: org.orgId, role, displayName } }), 'issue code'),
  );
  const certify = async (): Promise<void> => {
    const pending = pendingEnrolmentsResponseSchema.parse(
      ok(await call(server, 'GET', `/v1/admin/orgs/${org.orgId}/enrolments`, { token: TEST_ADMIN_TOKEN }), 'list enrolments'),
    );
    const enrolment = requireProof(code, pending.enrolments.find((e) => e.codeId === code.codeId));
    if (enrolment.userKey === undefined || enrolment.deviceCertificate === undefined) throw new Error(`${code.codeId}: no user key or device certificate`);
    const now = Date.now();
    const userCert = signCertificate(
      {
        t: 'user', v: 1, userId: issued.userId, orgId: org.orgId, role, displayName, userKey: enrolment.userKey,
        notBefore: now - 3600_000, notAfter: now + 365 * 24 * 3600_000, serial: 1,
      },
      org.key.priv,
    );
    await storeCertificate(server, userCert);
    await storeCertificate(server, enrolment.deviceCertificate);
  };
  return { code: formatOneTimeCode(code), userId: issued.userId, orgId: org.orgId, certify };
}

/** How a membership event names the device. */
export function chainDevice(device: CertifiedDevice): MemberDevice {
  return { deviceId: device.ref.deviceId, keyHash: device.keyHash };
}
