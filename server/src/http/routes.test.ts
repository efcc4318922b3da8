/**
 * Every route of the protocol's table, against the real server: a valid request gets
 * its typed answer; a schema-invalid one 400 bad_request; device routes without, with a
 * forged or with an expired token 401; admin routes without or with a wrong token 401;
 * a non-member on a workspace route 403; an oversized body 413. Every refusal is a typed
 * ErrorBody, and the server answers /health after each case. The case table is typed by
 * route name, so a route added to the protocol without a case here fails to compile.
 */
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, toBase64 } from '@yhteispoyta/crypto/bytes';
import { generateOneTimePrekeys, generateSignedPreKey } from '@yhteispoyta/crypto/prekeys';
import { MAX_BLOB_BYTES, MAX_LOG_ENTRIES_PAGE, REST_ROUTES, errorBodySchema, loginSigningBytes } from '@yhteispoyta/crypto/protocol';
import { mutationsOf } from '@yhteispoyta/crypto/protocol/mutations.testkit';
import type { RouteName } from '@yhteispoyta/crypto/protocol';
import { fromBase64 } from '@yhteispoyta/crypto/bytes';
import { testKey } from '@yhteispoyta/crypto/certificates/authority.testkit';
import { signCertificate } from '@yhteispoyta/crypto/certificates/signing';
import {
  TEST_ADMIN_TOKEN,
  append,
  logCertificateFor,
  call,
  createOrg,
  createWorkspace,
  deploymentOf,
  enrolBody,
  enrolProfessional,
  expectError,
  expectLogsFreeOfSecrets,
  freshUpload,
  inviteClient,
  issueCode,
  memberOf,
  newCode,
  nextEvent,
  startApiServer,
} from './api.testkit';
import type { ApiRequest, ApiServer, TestDevice } from './api.testkit';

const MAX_JSON_BYTES = 200_000;
const SESSION_TTL_SECONDS = 3600;

let server: ApiServer;
let orgId: string;
let owner: TestDevice;
let outsider: TestDevice;
let client: TestDevice;
let workspaceId: string;
let blobId: string;
let invitationCodeId: string;
let orgCounter = 0;
const blobBytes = randomBytes(300_000);
let prekeyIds = 10_000;

interface Req extends ApiRequest {
  readonly path: string;
}

interface RouteCase {
  /** a valid request, built fresh (it may consume a code or a challenge) */
  valid(): Promise<Req>;
  /** a request the route's schemas refuse */
  invalid(): Promise<Req>;
  /** extra checks of the valid answer beyond its response schema */
  check?(body: unknown, bytes: Uint8Array | undefined): void;
  /** the route names a workspace: a non-member gets 403 */
  readonly workspace?: true;
  /** who sends the valid request when not the owner */
  caller?(): TestDevice;
}

const ws = () => `/v1/workspaces/${workspaceId}`;

async function freshChallenge(device: TestDevice): Promise<{ challengeId: string; signature: string }> {
  const answer = await call(server, 'POST', '/v1/auth/challenge', { json: device.ref });
  const { challengeId, nonce } = answer.body as { challengeId: string; nonce: string };
  const signature = toBase64(device.identity.identityKeyPair.privateKey.sign(loginSigningBytes(fromBase64(nonce) ?? new Uint8Array(), device.ref)));
  server.secrets.add(nonce).add(signature);
  return { challengeId, signature };
}

const CASES: Record<RouteName, RouteCase> = {
  health: {
    valid: async () => ({ path: '/health' }),
    invalid: async () => ({ path: '/health?probe=1' }),
  },
  ready: {
    valid: async () => ({ path: '/ready' }),
    invalid: async () => ({ path: '/ready?probe=1' }),
    check: (body) => expect(body).toEqual({ ready: true }),
  },
  setRoot: {
    // The same root again: set-once, and setting it again is a harmless retry.
    valid: async () => ({ path: '/v1/admin/root', json: { rootKey: deploymentOf(server).authority.root.b64 } }),
    invalid: async () => ({ path: '/v1/admin/root', json: { rootKey: 'AAAA' } }),
    check: (body) => expect(body).toEqual({}),
  },
  getRoot: {
    valid: async () => ({ path: '/v1/root' }),
    invalid: async () => ({ path: '/v1/root?v=1' }),
    check: (body) => expect(body).toEqual({ rootKey: deploymentOf(server).authority.root.b64 }),
  },
  createOrg: {
    valid: async () => ({ path: '/v1/admin/orgs', json: { certificate: deploymentOf(server).authority.org(`route-org-${(orgCounter += 1)}`).cert } }),
    invalid: async () => ({ path: '/v1/admin/orgs', json: { name: 'Hyvinvointialue' } }),
  },
  adminListOrgs: {
    valid: async () => ({ path: '/v1/admin/orgs' }),
    invalid: async () => ({ path: '/v1/admin/orgs?all=1' }),
    check: (body) => expect((body as { orgs: { orgId: string }[] }).orgs.map((o) => o.orgId)).toContain(orgId),
  },
  issueEnrolmentCode: {
    valid: async () => ({
      path: '/v1/admin/enrolment-codes',
      json: { codeId: newCode(server, 'enrolment').codeId, orgId, role: 'health_professional', displayName: 'Liisa' },
    }),
    invalid: async () => ({
      path: '/v1/admin/enrolment-codes',
      json: { codeId: newCode(server, 'enrolment').codeId, orgId, role: 'client', displayName: 'Liisa' },
    }),
  },
  listOrgEnrolments: {
    valid: async () => ({ path: `/v1/admin/orgs/${orgId}/enrolments` }),
    invalid: async () => ({ path: '/v1/admin/orgs/not%20an%20id/enrolments' }),
  },
  adminStoreCertificate: {
    valid: async () => ({ path: '/v1/admin/certificates', json: { certificate: owner.person.cert } }),
    invalid: async () => ({ path: '/v1/admin/certificates', json: { certificate: { body: { t: 'user' }, signature: 'AAAA' } } }),
  },
  verifyAudit: {
    valid: async () => ({ path: '/v1/admin/audit/verify' }),
    invalid: async () => ({ path: '/v1/admin/audit/verify?from=1' }),
    check: (body) => expect(body).toMatchObject({ intact: true }),
  },
  putLogCertificate: {
    // The root's certificate of the key this server signs its log with.
    valid: async () => ({ path: '/v1/admin/log/certificate', json: { certificate: await logCertificateFor(server) } }),
    invalid: async () => ({ path: '/v1/admin/log/certificate', json: { certificate: { body: { t: 'log' }, signature: 'AAAA' } } }),
    check: (body) => expect(body).toEqual({}),
  },
  getLog: {
    valid: async () => ({ path: '/v1/log' }),
    invalid: async () => ({ path: '/v1/log?all=1' }),
    check: (body) => expect((body as { head: { treeSize: number } }).head.treeSize).toBeGreaterThan(3),
  },
  logConsistency: {
    valid: async () => ({ path: '/v1/log/consistency?from=2' }),
    invalid: async () => ({ path: '/v1/log/consistency?from=-1' }),
    check: (body) => expect((body as { proof: string[] }).proof.length).toBeGreaterThan(0),
  },
  logEntries: {
    valid: async () => ({ path: '/v1/log/entries?start=1&count=2' }),
    invalid: async () => ({ path: `/v1/log/entries?start=0&count=${MAX_LOG_ENTRIES_PAGE + 1}` }),
    check: (body) => expect((body as { entries: { index: number }[] }).entries.map((e) => e.index)).toEqual([1, 2]),
  },
  listOrgs: {
    valid: async () => ({ path: '/v1/orgs' }),
    invalid: async () => ({ path: '/v1/orgs?all=1' }),
    check: (body) => expect((body as { orgs: { orgId: string }[] }).orgs.map((o) => o.orgId)).toContain(orgId),
  },
  listOrgUsers: {
    valid: async () => ({ path: `/v1/orgs/${orgId}/users?q=maija` }),
    // A fragment of one character would all but list everyone.
    invalid: async () => ({ path: `/v1/orgs/${orgId}/users?q=m` }),
    check: (body) => {
      const users = (body as { users: { userId: string; role: string }[] }).users;
      expect(users.map((u) => u.userId)).toContain(owner.ref.userId);
      expect(users.every((u) => u.role !== 'client')).toBe(true);
    },
  },
  createInvitation: {
    valid: async () => ({ path: '/v1/invitations', json: { workspaceId, codeId: newCode(server, 'invitation').codeId } }),
    invalid: async () => ({ path: '/v1/invitations', json: { workspaceId, codeId: newCode(server, 'invitation').codeId, displayName: 'Matti' } }),
    workspace: true,
  },
  redeemInvitation: {
    // The client's device redeems a further invitation of the owner; the proof is checked by the owner's agent, not here.
    valid: async () => ({ path: '/v1/invitations/redeem', json: await furtherInvitation() }),
    invalid: async () => ({ path: '/v1/invitations/redeem', json: { ...(await furtherInvitation()), proof: 'xyz' } }),
    check: (body) => expect(body).toEqual({ workspaceId }),
    caller: () => client,
  },
  invitationEnrolment: {
    valid: async () => ({ path: `/v1/invitations/${invitationCodeId}/enrolment` }),
    invalid: async () => ({ path: '/v1/invitations/inv_short/enrolment' }),
    check: (body) => expect(body).toMatchObject({ enrolment: { codeId: invitationCodeId, kind: 'invitation', userId: client.ref.userId } }),
  },
  createLinkCode: {
    valid: async () => ({ path: '/v1/devices/link-codes', json: { codeId: newCode(server, 'device_link').codeId } }),
    invalid: async () => ({ path: '/v1/devices/link-codes', json: { codeId: newCode(server, 'device_link').codeId, deviceId: 5 } }),
    check: (body) => expect(body).toMatchObject({ deviceId: 2 }),
  },
  pendingDevices: {
    valid: async () => ({ path: '/v1/devices/pending' }),
    invalid: async () => ({ path: '/v1/devices/pending?all=1' }),
    check: (body) => expect(body).toEqual({ enrolments: [] }),
  },
  storeCertificate: {
    valid: async () => ({ path: '/v1/certificates', json: { certificate: owner.device.cert } }),
    invalid: async () => ({ path: '/v1/certificates', json: { certificate: owner.device.cert, extra: 1 } }),
  },
  queryCertificates: {
    valid: async () => ({ path: '/v1/certificates/query', json: { userIds: [outsider.ref.userId], orgIds: [orgId] } }),
    invalid: async () => ({ path: '/v1/certificates/query', json: { userIds: outsider.ref.userId } }),
    check: (body) => {
      const { certificates, log } = body as { certificates: unknown[]; log: { inclusions: unknown[] } };
      expect(certificates.length).toBeGreaterThanOrEqual(3);
      expect(log.inclusions).toHaveLength(certificates.length);
    },
  },
  enrol: {
    valid: async () => {
      const { code, userId } = await issueCode(server, orgId);
      const { upload } = freshUpload(1);
      const userKey = testKey();
      const deviceCertificate = signCertificate({ t: 'device', v: 1, userId, deviceId: 1, identityKey: upload.identityKey, created: Date.now() }, userKey.priv);
      return { path: '/v1/enrol', json: enrolBody(code, upload, { userKey: userKey.b64, deviceCertificate }) };
    },
    invalid: async () => ({ path: '/v1/enrol', json: { codeId: 'short', prekeys: freshUpload(1).upload, proof: 'a'.repeat(64) } }),
    check: (body) => expect(body).toMatchObject({ deviceId: 1, kind: 'enrolment', orgId }),
  },
  authChallenge: {
    valid: async () => ({ path: '/v1/auth/challenge', json: owner.ref }),
    invalid: async () => ({ path: '/v1/auth/challenge', json: { userId: owner.ref.userId, deviceId: 0 } }),
  },
  login: {
    valid: async () => ({ path: '/v1/auth/login', json: await freshChallenge(owner) }),
    invalid: async () => ({ path: '/v1/auth/login', json: { challengeId: 'abc', signature: 'AAAA' } }),
    check: (body) => server.secrets.add((body as { token: string }).token),
  },
  topUpPrekeys: {
    valid: async () => {
      prekeyIds += 10;
      const { upload } = generateOneTimePrekeys(owner.identity, { firstPreKeyId: prekeyIds, firstKyberId: prekeyIds, count: 2 });
      return { path: '/v1/prekeys', json: upload };
    },
    invalid: async () => ({ path: '/v1/prekeys', json: { oneTimePreKeys: 'none', oneTimeKyberPreKeys: [] } }),
  },
  replaceSignedPreKey: {
    valid: async () => ({ path: '/v1/prekeys/signed', json: { signedPreKey: generateSignedPreKey(owner.identity, (prekeyIds += 1)).upload } }),
    invalid: async () => ({ path: '/v1/prekeys/signed', json: { signedPreKey: { id: -1, publicKey: 'AA==', signature: 'AA==' } } }),
    check: (body) => expect(body).toEqual({}),
  },
  countPrekeys: {
    valid: async () => ({ path: '/v1/prekeys/count' }),
    invalid: async () => ({ path: '/v1/prekeys/count?kind=ec' }),
  },
  claimBundles: {
    // The client shares the owner's workspace: bundles are only for people one shares a workspace with.
    valid: async () => ({ path: '/v1/bundles/claim', json: { userId: client.ref.userId } }),
    invalid: async () => ({ path: '/v1/bundles/claim', json: { userId: client.ref.userId, deviceIds: [] } }),
    check: (body) => expect((body as { bundles: unknown[] }).bundles).toHaveLength(1),
  },
  listUserDevices: {
    valid: async () => ({ path: `/v1/users/${outsider.ref.userId}/devices` }),
    invalid: async () => ({ path: '/v1/users/a.b/devices' }),
    check: (body) => expect(body).toMatchObject({ devices: [{ deviceId: 1 }] }),
  },
  createWorkspace: {
    valid: async () => {
      const { createEvent } = await import('./api.testkit');
      return { path: '/v1/workspaces', json: { event: createEvent(server, owner, 'consultation') } };
    },
    invalid: async () => ({ path: '/v1/workspaces', json: { event: { type: 'create' } } }),
  },
  listWorkspaces: {
    valid: async () => ({ path: '/v1/workspaces' }),
    invalid: async () => ({ path: '/v1/workspaces?kind=case' }),
    check: (body) => expect((body as { workspaces: { workspaceId: string }[] }).workspaces.map((w) => w.workspaceId)).toContain(workspaceId),
  },
  listMembership: {
    valid: async () => ({ path: `${ws()}/membership?after=0` }),
    invalid: async () => ({ path: `${ws()}/membership?after=-1` }),
    check: (body) => expect((body as { events: { seq: number }[] }).events[0]?.seq).toBe(1),
    workspace: true,
  },
  appendMembership: {
    valid: async () => {
      const state = await call(server, 'GET', '/v1/workspaces', { token: owner.token });
      const summary = (state.body as { workspaces: { workspaceId: string; membershipSeq: number }[] }).workspaces.find((w) => w.workspaceId === workspaceId);
      expect(summary).toBeDefined();
      const chain = await call(server, 'GET', `${ws()}/membership`, { token: owner.token });
      const epochs = (chain.body as { events: { type: string }[] }).events.filter((e) => e.type === 'rotate_epoch').length;
      const event = await nextEvent(server, owner, owner, workspaceId, 'rotate_epoch', { epoch: 2 + epochs });
      return { path: `${ws()}/membership`, json: { event } };
    },
    invalid: async () => ({ path: `${ws()}/membership`, json: { event: { type: 'rotate_epoch' } } }),
    workspace: true,
  },
  sendMailbox: {
    valid: async () => ({
      path: '/v1/mailbox',
      json: { items: [{ to: client.ref, message: { kind: 'signal', body: toBase64(randomBytes(64)) } }] },
    }),
    invalid: async () => ({ path: '/v1/mailbox', json: { items: [] } }),
    check: (body) => expect((body as { ids: string[] }).ids).toHaveLength(1),
  },
  fetchMailbox: {
    valid: async () => ({ path: '/v1/mailbox?limit=10' }),
    invalid: async () => ({ path: '/v1/mailbox?limit=0' }),
  },
  ackMailbox: {
    valid: async () => ({ path: '/v1/mailbox/ack', json: { ids: ['1'] } }),
    invalid: async () => ({ path: '/v1/mailbox/ack', json: { ids: [] } }),
  },
  uploadBlob: {
    valid: async () => ({ path: `${ws()}/blobs`, raw: randomBytes(1000) }),
    invalid: async () => ({ path: '/v1/workspaces/not.an.id/blobs', raw: randomBytes(10) }),
    check: (body) => expect(body).toMatchObject({ size: 1000 }),
    workspace: true,
  },
  confirmBlobs: {
    valid: async () => ({ path: `${ws()}/blobs/confirm`, json: { blobIds: [blobId] } }),
    invalid: async () => ({ path: `${ws()}/blobs/confirm`, json: { blobIds: [] } }),
    check: (body) => expect(body).toMatchObject({ confirmed: expect.any(Number) }),
    workspace: true,
  },
  downloadBlob: {
    valid: async () => ({ path: `${ws()}/blobs/${blobId}` }),
    invalid: async () => ({ path: `${ws()}/blobs/not.an.id` }),
    check: (_body, bytes) => expect(bytes !== undefined && Buffer.from(bytes).equals(blobBytes)).toBe(true),
    workspace: true,
  },
  queryAudit: {
    valid: async () => ({ path: `${ws()}/audit?limit=50` }),
    invalid: async () => ({ path: `${ws()}/audit?limit=0` }),
    check: (body) => expect((body as { entries: unknown[] }).entries.length).toBeGreaterThan(0),
    workspace: true,
  },
  recordAccess: {
    valid: async () => ({ path: `${ws()}/audit/access`, json: { action: 'exported', detail: { what: 'plan', format: 'pdf' } } }),
    invalid: async () => ({ path: `${ws()}/audit/access`, json: { action: 'read', detail: { what: 'plan' } } }),
    check: (body) => expect(body).toEqual({}),
    workspace: true,
  },
};

/** A fresh invitation of the owner into the workspace, as the enrolled client would redeem it. */
async function furtherInvitation(): Promise<{ codeId: string; userKey: string; deviceCertificate: unknown; proof: string }> {
  const { codeId } = newCode(server, 'invitation');
  expect((await call(server, 'POST', '/v1/invitations', { token: owner.token, json: { workspaceId, codeId } })).status).toBe(200);
  return { codeId, userKey: client.person.userKey.b64, deviceCertificate: client.device.cert, proof: 'a'.repeat(64) };
}

function tokenFor(name: RouteName, device: TestDevice = owner): string | undefined {
  const auth = REST_ROUTES[name].auth;
  return auth === 'admin' ? TEST_ADMIN_TOKEN : auth === 'device' ? device.token : undefined;
}

async function send(name: RouteName, req: Req, token: string | undefined) {
  return call(server, REST_ROUTES[name].method, req.path, { ...req, ...(token === undefined ? {} : { token }) });
}

/** Declares a huge Content-Length and sends nothing: the server must refuse before reading. */
function declareHugeUpload(path: string, token: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': String(MAX_BLOB_BYTES + 1) },
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      });
    });
    request.on('error', reject);
    request.flushHeaders();
  });
}

beforeAll(async () => {
  server = await startApiServer({ MAX_JSON_BYTES: String(MAX_JSON_BYTES), SESSION_TTL_SECONDS: String(SESSION_TTL_SECONDS) });
  orgId = await createOrg(server);
  owner = await enrolProfessional(server, orgId, 'kela_expert');
  outsider = await enrolProfessional(server, orgId);
  workspaceId = await createWorkspace(server, owner, 'case');
  client = await inviteClient(server, owner, workspaceId);
  const invitations = await server.running.ctx.store.enrolments.listEnrolments({ userId: client.ref.userId, kind: 'invitation', limit: 1 });
  invitationCodeId = invitations[0]?.codeId ?? '';
  expect((await append(server, owner, workspaceId, 'add_member', { member: memberOf(client) })).status).toBe(200);
  const upload = await call(server, 'POST', `${ws()}/blobs`, { token: owner.token, raw: blobBytes });
  blobId = (upload.body as { blobId: string }).blobId;
});

afterEach(async () => {
  expect((await call(server, 'GET', '/health')).status).toBe(200);
  expect((await call(server, 'GET', '/ready')).status).toBe(200);
});

afterAll(async () => {
  await server.close();
});

describe.each(Object.keys(CASES) as RouteName[])('%s', (name) => {
  const spec = REST_ROUTES[name];
  const routeCase = CASES[name];

  it('answers a valid request with its typed response', async () => {
    const answer = await send(name, await routeCase.valid(), tokenFor(name, routeCase.caller?.()));
    expect({ status: answer.status, body: answer.body }).toMatchObject({ status: 200 });
    if (!('stream' in spec && spec.stream === 'download')) expect(spec.response.safeParse(answer.body).success).toBe(true);
    routeCase.check?.(answer.body, answer.bytes);
  });

  it('refuses a schema-invalid request with 400 bad_request', async () => {
    const answer = await send(name, await routeCase.invalid(), tokenFor(name));
    expectError(answer, 400, 'bad_request');
  });

  if (spec.auth === 'device') {
    it('refuses a missing, forged, malformed or expired token with 401', async () => {
      const req = await routeCase.valid();
      expectError(await send(name, req, undefined), 401, 'unauthenticated');
      expectError(await send(name, req, Buffer.from(randomBytes(32)).toString('base64url')), 401, 'unauthenticated');
      expectError(await send(name, req, 'not a token'), 401, 'unauthenticated');
      server.clockOffsetMs = (SESSION_TTL_SECONDS + 1) * 1000;
      try {
        expectError(await send(name, req, owner.token), 401, 'unauthenticated');
      } finally {
        server.clockOffsetMs = 0;
      }
    });
  }

  if (spec.auth === 'admin') {
    it('refuses a missing or wrong admin token with 401', async () => {
      const req = await routeCase.valid();
      expectError(await send(name, req, undefined), 401, 'unauthenticated');
      expectError(await send(name, req, `${TEST_ADMIN_TOKEN}x`), 401, 'unauthenticated');
      expectError(await send(name, req, owner.token), 401, 'unauthenticated');
    });
  }

  if (routeCase.workspace === true) {
    it('refuses a device that is not a member with 403', async () => {
      expectError(await send(name, await routeCase.valid(), outsider.token), 403, 'forbidden');
    });
  }

  if ('body' in spec) {
    it('refuses an oversized body with 413', async () => {
      const req = { path: (await routeCase.valid()).path, json: { pad: 'x'.repeat(MAX_JSON_BYTES + 1) } };
      expectError(await send(name, req, tokenFor(name)), 413, 'too_large');
    });
  }

  if ('body' in spec) {
    it('refuses every hostile variant of a valid body with 400 or 413, never a 5xx', async () => {
      const req = await routeCase.valid();
      const outcomes = new Map<string, number>();
      // JSON.stringify cannot write the 5000-deep attack; it goes over the wire as text below.
      for (const mutation of mutationsOf(req.json).filter((m) => m.attack !== 'deep nesting')) {
        const answer = await send(name, { path: req.path, json: mutation.input }, tokenFor(name));
        if (![400, 413].includes(answer.status) || !errorBodySchema.safeParse(answer.body).success) {
          outcomes.set(`${mutation.where} ${mutation.attack}`, answer.status);
        }
      }
      const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
      for (const text of [deep, `{"event":${deep}}`, `[${'['.repeat(5000)}${']'.repeat(5000)}]`]) {
        const answer = await send(name, { path: req.path, text }, tokenFor(name));
        if (answer.status !== 400) outcomes.set(`deep text ${text.slice(0, 12)}`, answer.status);
      }
      expect(Object.fromEntries(outcomes)).toEqual({});
    });
  }

  if ('stream' in spec && spec.stream === 'upload') {
    it('refuses a declared length over the blob limit with 413 before reading the body', async () => {
      const answer = await declareHugeUpload((await routeCase.valid()).path, owner.token);
      expect(answer).toMatchObject({ status: 413, body: { error: { code: 'too_large' } } });
    });
  }
});

describe('after every route was exercised', () => {
  it('the audit chain verifies and holds the denials', async () => {
    const verified = await server.running.ctx.store.audit.verifyAuditChain();
    expect(verified.ok).toBe(true);
    const entries = await server.running.ctx.store.audit.queryAudit({ limit: 100_000 });
    const denials = entries.filter((e) => e.action === 'denied');
    const codes = new Set(denials.map((e) => e.detail['error']));
    expect([...codes].sort()).toEqual(expect.arrayContaining(['bad_request', 'forbidden', 'too_large', 'unauthenticated']));
    // Denials on a workspace route are filed under the workspace, with the device that was refused.
    expect(denials.some((e) => e.workspaceId === workspaceId && e.actor?.userId === outsider.ref.userId)).toBe(true);
  });

  it('no log line contains a token, code, nonce or signature that was used', () => {
    expectLogsFreeOfSecrets(server);
  });
});
