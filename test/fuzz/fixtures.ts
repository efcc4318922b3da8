/**
 * The valid world a fuzz run mutates: a certified organisation, four certified and
 * logged-in devices (alice owns workspace W, bob is a member of W, carol owns W2 only,
 * dave is nobody's member), a client invited into W by alice and certified by her device,
 * a blob and a mailbox item, spare prekeys, signed membership events, sealed envelopes,
 * and for the identity routes fresh code ids, an organisation certificate and an
 * enrolment body with a real proof of its code's secret. Everything is made through the
 * server's own REST API with real libsignal keys (server/src/http/certified.testkit.ts:
 * code ids registered, devices enrolled with a proof, certificates signed by the test
 * deployment's root and organisation keys), so a one-field mutant of a template differs
 * from an accepted request in exactly that field.
 */
import { fromBase64, randomBytes, toBase64 } from '@yhteispoyta/crypto/bytes';
import { identityKeyHash } from '@yhteispoyta/crypto/certificates/signing';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import { GENESIS_PROOF, sealEnvelope } from '@yhteispoyta/crypto/envelope';
import type { DeviceIdentity } from '@yhteispoyta/crypto/identity';
import { eventHash, GENESIS_PREV_HASH, signEvent } from '@yhteispoyta/crypto/membership';
import type { UnsignedMembershipEvent } from '@yhteispoyta/crypto/membership';
import { generateOneTimePrekeys, generateSignedPreKey } from '@yhteispoyta/crypto/prekeys';
import { loginSigningBytes, PROTOCOL_VERSION } from '@yhteispoyta/crypto/protocol';
import type { LogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import { newTextSalt, textCommitment } from '@yhteispoyta/crypto/workspace-texts';
import type { DeviceRef, EnvelopeHeader, MemberInfo, MembershipEvent, PrekeyUpload, WireEnvelope } from '@yhteispoyta/crypto/types';
import { CLIENTS_ORG_ID } from '@yhteispoyta/crypto/types';
import {
  certifyOrg,
  chainDevice,
  deploymentOf,
  enrol,
  enrolBody,
  enrolCertifiedDevice,
  freshUpload,
  identityTestKey,
  logCertificateFor,
  logIn,
  newCode,
  storeCertificate,
  TEST_ADMIN_TOKEN,
} from '@yhteispoyta/server/http/certified.testkit';
import type { CertifiedDevice, CertTarget } from '@yhteispoyta/server/http/certified.testkit';

/** An answer of the server: status, content type and the JSON body (undefined when not JSON). */
export interface RestAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly json: unknown;
}

/** One JSON request; throws only when the server cannot be reached. */
export async function restJson(url: string, method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<RestAnswer> {
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, { method, headers, ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }) });
  const contentType = res.headers.get('content-type') ?? '';
  const text = await res.text();
  let json: unknown;
  try {
    json = contentType.startsWith('application/json') ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType, json };
}

async function expectOk(answer: Promise<RestAnswer>, what: string): Promise<Record<string, unknown>> {
  const done = await answer;
  if (done.status !== 200 || typeof done.json !== 'object' || done.json === null) {
    throw new Error(`fixture step ${what} failed: ${done.status} ${JSON.stringify(done.json)}`);
  }
  return done.json as Record<string, unknown>;
}

/** A certified, logged-in device. */
export interface FixtureDevice {
  readonly ref: DeviceRef;
  readonly identity: DeviceIdentity;
  /** the member info naming this device by id and key hash (owner: false) */
  readonly member: MemberInfo;
  readonly token: string;
}

/** The fixture view of a certified device: its member info names it by id and key hash. */
function asFixture(device: CertifiedDevice): FixtureDevice {
  const member: MemberInfo = { userId: device.ref.userId, orgId: device.orgId, role: device.role, owner: false, devices: [chainDevice(device)] };
  return { ref: device.ref, identity: device.identity, member, token: device.token };
}

let workspaceCounter = 0;

/** A signed `create` event for a new workspace owned by `owner` (not sent). */
function createEventFor(owner: FixtureDevice, label = 'Fuzz-asiakkuus'): MembershipEvent<'create'> {
  workspaceCounter += 1;
  return signEvent<'create'>(
    {
      workspaceId: `fz-${workspaceCounter}-${toBase64(randomBytes(9)).replace(/[+/=]/g, 'x')}`,
      seq: 0,
      prevHash: GENESIS_PREV_HASH,
      type: 'create',
      payload: { kind: 'case', labelCommitment: textCommitment('label', label, newTextSalt()), creator: { ...owner.member, owner: true } },
      author: owner.ref,
      at: Date.now(),
    },
    owner.identity.identityKeyPair.privateKey,
  );
}

/** The next event of a chain, signed by `author`, after `head`. */
function nextEventAfter(head: MembershipEvent, author: FixtureDevice, event: Pick<UnsignedMembershipEvent, 'type' | 'payload'>): MembershipEvent {
  const unsigned = { workspaceId: head.workspaceId, seq: head.seq + 1, prevHash: eventHash(head), ...event, author: author.ref, at: Date.now() };
  return signEvent(unsigned as UnsignedMembershipEvent, author.identity.identityKeyPair.privateKey);
}

/** Everything the fuzz cases build on. */
export interface FuzzFixtures {
  readonly url: string;
  readonly adminToken: string;
  readonly orgId: string;
  readonly alice: FixtureDevice;
  readonly bob: FixtureDevice;
  readonly carol: FixtureDevice;
  readonly dave: FixtureDevice;
  /** invited into W by alice and certified by her device (not a member of W's chain) */
  readonly client: FixtureDevice;
  /** alice (owner) and bob */
  readonly workspaceId: string;
  /** carol only */
  readonly otherWorkspaceId: string;
  readonly blobId: string;
  readonly mailboxItemId: string;
  readonly chainHead: MembershipEvent;
  /** a signed create event (valid once) and an add_member of dave to W (valid once) */
  readonly createEvent: MembershipEvent<'create'>;
  readonly appendEvent: MembershipEvent;
  readonly topUp: Pick<PrekeyUpload, 'oneTimePreKeys' | 'oneTimeKyberPreKeys'>;
  readonly signedPreKey: PrekeyUpload['signedPreKey'];
  readonly controlBody: string;
  /** base64 of the deployment root's public key (the server holds it) */
  readonly rootKey: string;
  /** a root-signed certificate of an organisation the server does not know yet (valid once) */
  readonly newOrgCertificate: Certificate<'org'>;
  /** the root's certificate of the server's transparency log key (storing it again is valid) */
  readonly logCertificate: LogCertificate;
  /** fresh code ids nobody registered yet (each valid once): an enrolment, an invitation and a link code */
  readonly freshCodeIds: { readonly enrolment: string; readonly invitation: string; readonly link: string };
  /** the invitation code id the client redeemed (alice's) */
  readonly redeemedInvitationCodeId: string;
  /** `POST /v1/invitations/redeem` by the client of a further invitation of alice into W (valid once) */
  readonly furtherInvitationBody: Readonly<Record<string, unknown>>;
  /** `POST /v1/enrol` of a registered enrolment code: prekeys, user key, device certificate and the proof of the code's secret (valid once) */
  readonly enrolBody: Readonly<Record<string, unknown>>;
  /** `POST /v1/auth/login` answering a challenge of alice's with her signature (valid once, within the challenge's minute) */
  readonly loginRequest: { readonly challengeId: string; readonly signature: string };
  /** alice's user certificate (organisation-signed) and device certificate (signed with her user key): storing either again is valid */
  readonly aliceUserCertificate: Certificate;
  readonly aliceDeviceCertificate: Certificate;
  /** seal an envelope by alice for W with the given header fields (epoch key random: the server never has it) */
  seal(header: Partial<EnvelopeHeader>, plaintextBytes?: number): WireEnvelope;
}

/**
 * Build the fixtures against a running server whose ADMIN_TOKEN is the testkit's
 * (`TEST_ADMIN_TOKEN`): the certified devices are made the way the admin tool and agents
 * make them, through the admin API with that token.
 */
export async function buildFixtures(url: string, adminToken: string): Promise<FuzzFixtures> {
  if (adminToken !== TEST_ADMIN_TOKEN) throw new Error('the fuzz server must run with ADMIN_TOKEN = TEST_ADMIN_TOKEN (the testkit certifies through it)');
  const target: CertTarget = { url };
  const { authority } = deploymentOf(target);
  const org = await certifyOrg(target, undefined, 'Fuzz-organisaatio');
  const orgId = org.orgId;
  const certifiedAlice = await enrolCertifiedDevice(target, { orgId, role: 'social_worker', displayName: 'Alice' });
  const alice = asFixture(certifiedAlice);
  const bob = asFixture(await enrolCertifiedDevice(target, { orgId, role: 'kela_expert', displayName: 'Bob' }));
  const carol = asFixture(await enrolCertifiedDevice(target, { orgId, role: 'health_professional', displayName: 'Carol' }));
  const dave = asFixture(await enrolCertifiedDevice(target, { orgId, role: 'teacher', displayName: 'Dave' }));

  const create = createEventFor(alice);
  const created = await expectOk(restJson(url, 'POST', '/v1/workspaces', { token: alice.token, body: { event: create } }), 'create W');
  const workspaceId = String(created.workspaceId);
  const addBob = nextEventAfter(create, alice, { type: 'add_member', payload: { member: bob.member } });
  await expectOk(restJson(url, 'POST', `/v1/workspaces/${workspaceId}/membership`, { token: alice.token, body: { event: addBob } }), 'add bob');
  const otherCreate = createEventFor(carol);
  const other = await expectOk(restJson(url, 'POST', '/v1/workspaces', { token: carol.token, body: { event: otherCreate } }), 'create W2');

  // A client invited into W: alice registers the code id, the client's device enrols with
  // its user key, device certificate and proof, alice's device certifies it.
  const invitation = newCode(target, 'invitation');
  const invited = await expectOk(restJson(url, 'POST', '/v1/invitations', { token: alice.token, body: { workspaceId, codeId: invitation.codeId } }), 'invitation');
  const clientUserId = String(invited.userId);
  const clientKeys = freshUpload(1);
  const clientPerson = authority.client(certifiedAlice.device, clientUserId, workspaceId, { name: 'Fuzz Asiakas', created: Date.now() });
  const clientDevice = authority.device(clientPerson, 1, { key: identityTestKey(clientKeys.identity), created: Date.now() });
  await enrol(target, enrolBody(invitation, clientKeys.upload, { userKey: clientPerson.userKey.b64, deviceCertificate: clientDevice.cert }), clientKeys.upload);
  await storeCertificate(target, clientPerson.cert, alice.token);
  await storeCertificate(target, clientDevice.cert, alice.token);
  const clientRef = { userId: clientUserId, deviceId: 1 };
  const client: FixtureDevice = {
    ref: clientRef, identity: clientKeys.identity, token: await logIn(target, clientRef, clientKeys.identity),
    member: { userId: clientUserId, orgId: CLIENTS_ORG_ID, role: 'client', owner: false, devices: [{ deviceId: 1, keyHash: identityKeyHash(clientDevice.key.pub) }] },
  };

  // A further invitation of alice the enrolled client redeems with his own keys (issue 13).
  const further = newCode(target, 'invitation');
  await expectOk(restJson(url, 'POST', '/v1/invitations', { token: alice.token, body: { workspaceId, codeId: further.codeId } }), 'further invitation');
  const furtherInvitationBody = { codeId: further.codeId, userKey: clientPerson.userKey.b64, deviceCertificate: clientDevice.cert, proof: 'a'.repeat(64) };

  // A registered enrolment code and the whole valid request that redeems it.
  const enrolment = newCode(target, 'enrolment');
  const issued = await expectOk(
    restJson(url, 'POST', '/v1/admin/enrolment-codes', { token: adminToken, body: { codeId: enrolment.codeId, orgId, role: 'teacher', displayName: 'Eero' } }),
    'issue code',
  );
  const newcomer = freshUpload(1);
  const newcomerPerson = authority.professional(org, String(issued.userId), { role: 'teacher', displayName: 'Eero' });
  const newcomerDevice = authority.device(newcomerPerson, 1, { key: identityTestKey(newcomer.identity), created: Date.now() });
  const enrolRequest = enrolBody(enrolment, newcomer.upload, { userKey: newcomerPerson.userKey.b64, deviceCertificate: newcomerDevice.cert });

  const challenge = await expectOk(restJson(url, 'POST', '/v1/auth/challenge', { body: alice.ref }), 'challenge');
  const nonce = fromBase64(String(challenge.nonce));
  if (nonce === undefined) throw new Error('challenge nonce is not base64');
  const loginRequest = {
    challengeId: String(challenge.challengeId),
    signature: toBase64(alice.identity.identityKeyPair.privateKey.sign(loginSigningBytes(nonce, alice.ref))),
  };

  const upload = await fetch(`${url}/v1/workspaces/${workspaceId}/blobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/octet-stream' },
    body: randomBytes(4096),
  });
  const blob = (await upload.json()) as { blobId?: unknown };
  if (upload.status !== 200 || typeof blob.blobId !== 'string') throw new Error(`fixture blob upload failed: ${upload.status}`);

  const controlBody = toBase64(randomBytes(200));
  await expectOk(
    restJson(url, 'POST', '/v1/mailbox', { token: alice.token, body: { items: [{ to: bob.ref, message: { kind: 'signal', body: controlBody } }] } }),
    'mailbox send',
  );
  const fetched = await expectOk(restJson(url, 'GET', '/v1/mailbox', { token: bob.token }), 'mailbox fetch');
  const items = fetched.items as { id: string }[];
  const mailboxItemId = items[0]?.id;
  if (mailboxItemId === undefined) throw new Error('fixture mailbox item missing');

  const topUp = generateOneTimePrekeys(alice.identity, { firstPreKeyId: 5000, firstKyberId: 5000, count: 2 }).upload;
  const signedPreKey = generateSignedPreKey(alice.identity, 6000).upload;
  const epochKey = randomBytes(32);

  return {
    url,
    adminToken,
    orgId,
    alice,
    bob,
    carol,
    dave,
    client,
    workspaceId,
    otherWorkspaceId: String(other.workspaceId),
    blobId: blob.blobId,
    mailboxItemId,
    chainHead: addBob,
    createEvent: createEventFor(alice),
    appendEvent: nextEventAfter(addBob, alice, { type: 'add_member', payload: { member: dave.member } }),
    topUp,
    signedPreKey,
    controlBody,
    rootKey: authority.root.b64,
    newOrgCertificate: authority.org(`fuzz-org-${Date.now().toString(36)}`, { name: 'Uusi organisaatio' }).cert,
    logCertificate: await logCertificateFor(target),
    freshCodeIds: { enrolment: newCode(target, 'enrolment').codeId, invitation: newCode(target, 'invitation').codeId, link: newCode(target, 'device_link').codeId },
    redeemedInvitationCodeId: invitation.codeId,
    furtherInvitationBody,
    enrolBody: enrolRequest,
    loginRequest,
    aliceUserCertificate: certifiedAlice.person.cert,
    aliceDeviceCertificate: certifiedAlice.device.cert,
    seal(header, plaintextBytes = 48) {
      const kind = header.kind ?? 'update';
      const snapshotFields = kind === 'snapshot' ? { parentSnapshotId: '', parentProof: GENESIS_PROOF, coveredClocks: {} } : {};
      const full: EnvelopeHeader = {
        v: PROTOCOL_VERSION,
        workspaceId,
        stream: kind === 'chat' ? 'chat' : kind === 'presence' ? 'presence' : 'doc:plan',
        kind,
        epoch: 1,
        author: alice.ref,
        clock: kind === 'snapshot' ? 0 : 1,
        snapshotId: kind === 'snapshot' ? 'fuzzsnap' : '',
        sentAt: Date.now(),
        chainHead: { seq: 0, hash: eventHash(create) },
        ...snapshotFields,
        ...header,
      };
      return sealEnvelope({ header: full, plaintext: randomBytes(plaintextBytes), epochKey, identityKey: alice.identity.identityKeyPair.privateKey });
    },
  };
}
