/**
 * The valid world a fuzz run mutates: an organisation, four enrolled and logged-in
 * devices (alice owns workspace W, bob is a member of W, carol owns W2 only, dave is
 * nobody's member), a blob and a mailbox item, spare prekeys, signed membership events
 * and sealed envelopes. Everything is made through the server's own REST API with real
 * libsignal keys, so a one-field mutant of a template differs from an accepted request
 * in exactly that field.
 */
import { fromBase64, randomBytes, toBase64 } from '@yhteispoyta/crypto/bytes';
import { GENESIS_PROOF, sealEnvelope } from '@yhteispoyta/crypto/envelope';
import { generateDeviceIdentity } from '@yhteispoyta/crypto/identity';
import type { DeviceIdentity } from '@yhteispoyta/crypto/identity';
import { eventHash, GENESIS_PREV_HASH, signEvent } from '@yhteispoyta/crypto/membership';
import type { UnsignedMembershipEvent } from '@yhteispoyta/crypto/membership';
import { generateOneTimePrekeys, generatePrekeys, generateSignedPreKey } from '@yhteispoyta/crypto/prekeys';
import { loginSigningBytes, PROTOCOL_VERSION } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef, EnvelopeHeader, MemberInfo, MembershipEvent, PrekeyUpload, Role, WireEnvelope } from '@yhteispoyta/crypto/types';

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

/** An enrolled, logged-in device. */
export interface FixtureDevice {
  readonly ref: DeviceRef;
  readonly identity: DeviceIdentity;
  readonly member: MemberInfo;
  readonly token: string;
}

let prekeyBase = 1;

/** A fresh identity and a full prekey upload. */
export function freshPrekeys(deviceId = 1, count = 2): { identity: DeviceIdentity; upload: PrekeyUpload } {
  const identity = generateDeviceIdentity(deviceId);
  const base = prekeyBase;
  prekeyBase += count + 2;
  const { upload } = generatePrekeys(identity, { signedPreKeyId: base, lastResortKyberId: base + count + 1, firstPreKeyId: base, firstKyberId: base, count });
  return { identity, upload };
}

/** Log a device in by challenge–response. */
export async function logIn(url: string, ref: DeviceRef, identity: DeviceIdentity): Promise<string> {
  const challenge = await expectOk(restJson(url, 'POST', '/v1/auth/challenge', { body: ref }), 'challenge');
  const nonce = fromBase64(String(challenge.nonce));
  if (nonce === undefined) throw new Error('challenge nonce is not base64');
  const signature = toBase64(identity.identityKeyPair.privateKey.sign(loginSigningBytes(nonce, ref)));
  const login = await expectOk(restJson(url, 'POST', '/v1/auth/login', { body: { challengeId: challenge.challengeId, signature } }), 'login');
  return String(login.token);
}

/** Issue a code through the admin API and enrol a new device with it. */
export async function enrolDevice(url: string, adminToken: string, orgId: string, role: Role, displayName: string): Promise<FixtureDevice> {
  const issued = await expectOk(
    restJson(url, 'POST', '/v1/admin/enrolment-codes', { token: adminToken, body: { orgId, role, displayName } }),
    'issue code',
  );
  const { identity, upload } = freshPrekeys();
  const enrolled = await expectOk(restJson(url, 'POST', '/v1/enrol', { body: { code: issued.code, prekeys: upload } }), 'enrol');
  const ref = { userId: String(enrolled.userId), deviceId: Number(enrolled.deviceId) };
  const member: MemberInfo = { userId: ref.userId, orgId, role, owner: false, devices: [ref.deviceId] };
  return { ref, identity, member, token: await logIn(url, ref, identity) };
}

let workspaceCounter = 0;

/** A signed `create` event for a new workspace owned by `owner` (not sent). */
export function createEventFor(owner: FixtureDevice, label = 'Fuzz-asiakkuus'): MembershipEvent<'create'> {
  workspaceCounter += 1;
  return signEvent<'create'>(
    {
      workspaceId: `fz-${workspaceCounter}-${toBase64(randomBytes(9)).replace(/[+/=]/g, 'x')}`,
      seq: 0,
      prevHash: GENESIS_PREV_HASH,
      type: 'create',
      payload: { kind: 'case', label, creator: { ...owner.member, owner: true } },
      author: owner.ref,
      at: Date.now(),
    },
    owner.identity.identityKeyPair.privateKey,
  );
}

/** The next event of a chain, signed by `author`, after `head`. */
export function nextEventAfter(head: MembershipEvent, author: FixtureDevice, event: Pick<UnsignedMembershipEvent, 'type' | 'payload'>): MembershipEvent {
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
  readonly spareUpload: PrekeyUpload;
  readonly topUp: Pick<PrekeyUpload, 'oneTimePreKeys' | 'oneTimeKyberPreKeys'>;
  readonly signedPreKey: PrekeyUpload['signedPreKey'];
  readonly controlBody: string;
  /** seal an envelope by alice for W with the given header fields (epoch key random: the server never has it) */
  seal(header: Partial<EnvelopeHeader>, plaintextBytes?: number): WireEnvelope;
}

/** Build the fixtures against a running server with an admin token. */
export async function buildFixtures(url: string, adminToken: string): Promise<FuzzFixtures> {
  const org = await expectOk(restJson(url, 'POST', '/v1/admin/orgs', { token: adminToken, body: { name: 'Fuzz-organisaatio' } }), 'create org');
  const orgId = String(org.orgId);
  const alice = await enrolDevice(url, adminToken, orgId, 'social_worker', 'Alice');
  const bob = await enrolDevice(url, adminToken, orgId, 'kela_expert', 'Bob');
  const carol = await enrolDevice(url, adminToken, orgId, 'health_professional', 'Carol');
  const dave = await enrolDevice(url, adminToken, orgId, 'teacher', 'Dave');

  const create = createEventFor(alice);
  const created = await expectOk(restJson(url, 'POST', '/v1/workspaces', { token: alice.token, body: { event: create } }), 'create W');
  const workspaceId = String(created.workspaceId);
  const addBob = nextEventAfter(create, alice, { type: 'add_member', payload: { member: bob.member } });
  await expectOk(restJson(url, 'POST', `/v1/workspaces/${workspaceId}/membership`, { token: alice.token, body: { event: addBob } }), 'add bob');
  const otherCreate = createEventFor(carol);
  const other = await expectOk(restJson(url, 'POST', '/v1/workspaces', { token: carol.token, body: { event: otherCreate } }), 'create W2');

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

  const spare = freshPrekeys();
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
    workspaceId,
    otherWorkspaceId: String(other.workspaceId),
    blobId: blob.blobId,
    mailboxItemId,
    chainHead: addBob,
    createEvent: createEventFor(alice),
    appendEvent: nextEventAfter(addBob, alice, { type: 'add_member', payload: { member: dave.member } }),
    spareUpload: spare.upload,
    topUp,
    signedPreKey,
    controlBody,
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
        ...snapshotFields,
        ...header,
      };
      return sealEnvelope({ header: full, plaintext: randomBytes(plaintextBytes), epochKey, identityKey: alice.identity.identityKeyPair.privateKey });
    },
  };
}
