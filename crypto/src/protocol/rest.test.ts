import { PrivateKey } from '@signalapp/libsignal-client';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { toBase64 } from '../bytes';
import { generateDeviceIdentity } from '../identity';
import { GENESIS_PREV_HASH, signEvent } from '../membership';
import { generatePrekeys } from '../prekeys';
import { signCertificate } from '../certificates/signing';
import { signLogCertificate } from '../transparency/log-certificate';
import { generateLogKey, logPublicKeyBase64 } from '../transparency/log-key';
import { signTreeHead } from '../transparency/tree-head';
import type { Certificate } from '../certificates/types';
import type { ClaimedBundle, MembershipEvent, PrekeyUpload } from '../types';
import { MAX_BLOB_BYTES } from './blobs';
import { containsKey, extraKeyVariantsOf, mutationsOf } from './mutations.testkit';
import type { RouteBody, RouteName, RouteQuery, RouteResponse, RouteSpec } from './rest';
import { buildPath, REST_ROUTES } from './rest';
import type { EnrolRequest, LoginResponse } from './rest-accounts';
import type { ListWorkspacesResponse, MembershipQuery } from './rest-workspaces';

type Part = 'params' | 'query' | 'body' | 'response';
type Samples = { readonly [N in RouteName]: Partial<Record<Part, unknown>> };

const at = 1_760_000_000_000;
const sig64 = toBase64(new Uint8Array(64).fill(7));
const device = { userId: 'user-1', deviceId: 1 };

let upload: PrekeyUpload;
let bundle: ClaimedBundle;
let createEvent: MembershipEvent<'create'>;
let addEvent: MembershipEvent<'add_member'>;
let samples: Samples;
let orgCert: Certificate<'org'>;
let deviceCert: Certificate<'device'>;

beforeAll(() => {
  const identity = generateDeviceIdentity(1);
  upload = generatePrekeys(identity, { signedPreKeyId: 1, lastResortKyberId: 1, firstPreKeyId: 10, firstKyberId: 10, count: 2 }).upload;
  bundle = {
    device,
    registrationId: upload.registrationId,
    identityKey: upload.identityKey,
    signedPreKey: upload.signedPreKey,
    kyberPreKey: upload.oneTimeKyberPreKeys[0] ?? upload.lastResortKyberPreKey,
    preKey: upload.oneTimePreKeys[0],
  };
  const key = identity.identityKeyPair.privateKey;
  createEvent = signEvent({
    workspaceId: 'ws-1', seq: 0, prevHash: GENESIS_PREV_HASH, type: 'create', author: device, at,
    payload: { kind: 'case', labelCommitment: 'c'.repeat(64), creator: { userId: 'user-1', orgId: 'org-1', role: 'social_worker', owner: true, devices: [{ deviceId: 1, keyHash: 'a'.repeat(64) }] } },
  }, key);
  addEvent = signEvent({
    workspaceId: 'ws-1', seq: 1, prevHash: 'a'.repeat(64), type: 'add_member', author: device, at: at + 1,
    payload: { member: { userId: 'user-2', orgId: 'org-2', role: 'kela_expert', owner: false, devices: [{ deviceId: 1, keyHash: 'b'.repeat(64) }, { deviceId: 2, keyHash: 'c'.repeat(64) }] } },
  }, key);
  const codeId = 'enr_abcdefghijkl';
  const issued = { userId: 'user-9', expiresAt: at };
  const root = PrivateKey.generate();
  const orgKey = PrivateKey.generate();
  const userKey = PrivateKey.generate();
  const b64 = (k: PrivateKey) => toBase64(k.getPublicKey().serialize());
  orgCert = signCertificate({ t: 'org', v: 1, orgId: 'org-1', name: 'Kela', orgKey: b64(orgKey), notBefore: at, notAfter: at + 1000 }, root);
  deviceCert = signCertificate({ t: 'device', v: 1, userId: 'user-1', deviceId: 1, identityKey: upload.identityKey, created: at }, userKey);
  const proof = 'e'.repeat(64);
  const pending = {
    codeId, kind: 'enrolment', userId: 'user-1', deviceId: 1, identityKey: upload.identityKey, registrationId: upload.registrationId,
    userKey: b64(userKey), deviceCertificate: deviceCert, proof, enrolledAt: at, role: 'kela_expert', displayName: 'Maija',
  };
  const { role: _role, displayName: _name, ...anonymous } = pending;
  const invited = { ...anonymous, codeId: 'inv_abcdefghijkl', kind: 'invitation' };
  const logKey = generateLogKey();
  const logCert = signLogCertificate({ t: 'log', v: 1, logKey: logPublicKeyBase64(logKey), notBefore: at, notAfter: at + 1000 }, root);
  const head = signTreeHead({ treeSize: 5, rootHash: '9'.repeat(64), timestamp: at }, logKey);
  const mailboxItem = { id: 'm-1', from: device, to: { userId: 'user-2', deviceId: 3 }, message: { kind: 'prekey', body: toBase64(new Uint8Array(300).fill(3)) }, createdAt: at };
  samples = {
    health: { response: { status: 'ok', protocol: 2 } },
    ready: { response: { ready: true } },
    setRoot: { body: { rootKey: b64(root) }, response: {} },
    createOrg: { body: { certificate: orgCert }, response: { orgId: 'org-1' } },
    adminListOrgs: { response: { orgs: [{ orgId: 'org-1', name: 'Kela', certificate: orgCert }] } },
    issueEnrolmentCode: { body: { codeId, orgId: 'org-1', role: 'kela_expert', displayName: 'Maija Meikäläinen', ttlSeconds: 3600 }, response: issued },
    listOrgEnrolments: { params: { orgId: 'org-1' }, response: { enrolments: [pending] } },
    adminStoreCertificate: { body: { certificate: deviceCert }, response: { id: 'd'.repeat(64) } },
    verifyAudit: { response: { intact: false, brokenAtSeq: 17 } },
    getRoot: { response: { rootKey: b64(root) } },
    listOrgs: { response: { orgs: [{ orgId: 'org-1', name: 'Kela', certificate: orgCert }] } },
    listOrgUsers: { params: { orgId: 'org-1' }, query: { q: 'maija' }, response: { users: [{ userId: 'user-1', displayName: 'Maija', role: 'kela_expert', orgId: 'org-1' }] } },
    createInvitation: { body: { workspaceId: 'ws-1', codeId: 'inv_abcdefghijkl', ttlSeconds: 86_400 }, response: issued },
    redeemInvitation: { body: { codeId: 'inv_abcdefghijkl', userKey: b64(root), deviceCertificate: deviceCert, proof: 'a'.repeat(64) }, response: { workspaceId: 'ws-1' } },
    invitationEnrolment: { params: { codeId: 'inv_abcdefghijkl' }, response: { enrolment: invited } },
    createLinkCode: { body: { codeId: 'lnk_abcdefghijkl' }, response: { deviceId: 2, expiresAt: at } },
    pendingDevices: { response: { enrolments: [] } },
    storeCertificate: { body: { certificate: deviceCert }, response: { id: 'd'.repeat(64) } },
    queryCertificates: {
      body: { userIds: ['user-1'], orgIds: ['org-1'] },
      response: {
        certificates: [orgCert, deviceCert],
        log: { head, inclusions: [{ id: 'd'.repeat(64), leafIndex: 0, path: ['1'.repeat(64), '2'.repeat(64)] }, { id: 'c'.repeat(64), leafIndex: 4, path: ['3'.repeat(64)] }] },
      },
    },
    putLogCertificate: { body: { certificate: logCert }, response: {} },
    getLog: { response: { logKey: logPublicKeyBase64(logKey), certificate: logCert, head } },
    logConsistency: { query: { from: '3' }, response: { head, proof: ['4'.repeat(64), '5'.repeat(64)] } },
    logEntries: { query: { start: '0', count: '2' }, response: { head, entries: [{ index: 0, certificate: orgCert }, { index: 1, certificate: deviceCert }] } },
    enrol: {
      body: { codeId, prekeys: upload, userKey: b64(userKey), deviceCertificate: deviceCert, proof },
      response: { userId: 'user-1', deviceId: 1, kind: 'enrolment', orgId: 'org-1', role: 'social_worker' },
    },
    authChallenge: { body: device, response: { challengeId: 'ch-1', nonce: toBase64(new Uint8Array(32).fill(1)), expiresAt: at } },
    login: { body: { challengeId: 'ch-1', signature: sig64 }, response: { token: 'T'.repeat(43), expiresAt: at } },
    topUpPrekeys: { body: { oneTimePreKeys: upload.oneTimePreKeys, oneTimeKyberPreKeys: upload.oneTimeKyberPreKeys }, response: { ec: 5, kyber: 0 } },
    replaceSignedPreKey: { body: { signedPreKey: upload.signedPreKey }, response: {} },
    countPrekeys: { response: { ec: 100, kyber: 100 } },
    claimBundles: { body: { userId: 'user-1', deviceIds: [1, 2] }, response: { bundles: [bundle] } },
    listUserDevices: { params: { userId: 'user-1' }, response: { devices: [{ deviceId: 1, identityKey: upload.identityKey, registrationId: upload.registrationId }] } },
    createWorkspace: { body: { event: createEvent }, response: { workspaceId: 'ws-1' } },
    listWorkspaces: { response: { workspaces: [{ workspaceId: 'ws-1', kind: 'case', membershipSeq: 3, lastActivityAt: at }] } },
    listMembership: { params: { workspaceId: 'ws-1' }, query: { after: '4' }, response: { events: [createEvent, addEvent] } },
    appendMembership: { params: { workspaceId: 'ws-1' }, body: { event: addEvent }, response: { seq: 1 } },
    sendMailbox: { body: { items: [{ to: { userId: 'user-2', deviceId: 3 }, message: mailboxItem.message }] }, response: { ids: ['m-1'] } },
    fetchMailbox: { query: { limit: '50' }, response: { items: [mailboxItem] } },
    ackMailbox: { body: { ids: ['m-1', 'm-2'] }, response: { deleted: 2 } },
    uploadBlob: { params: { workspaceId: 'ws-1' }, response: { blobId: 'b-1', size: 1234 } },
    downloadBlob: { params: { workspaceId: 'ws-1', blobId: 'b-1' }, response: new Uint8Array(10) },
    confirmBlobs: { params: { workspaceId: 'ws-1' }, body: { blobIds: ['b-1', 'b-2'] }, response: { confirmed: 2 } },
    queryAudit: {
      params: { workspaceId: 'ws-1' },
      query: { from: '0', to: String(at), device: 'user-1.1', limit: '10' },
      response: { entries: [{ seq: 7, at, actor: device, action: 'join', workspaceId: 'ws-1', detail: { stream: 'doc:plan' }, hash: 'f'.repeat(64) }] },
    },
    recordAccess: {
      params: { workspaceId: 'ws-1' },
      body: { action: 'exported', detail: { what: 'record:r-1', format: 'json' } },
      response: {},
    },
  };
});

const PARTS: readonly Part[] = ['params', 'query', 'body', 'response'];
const routes = Object.entries(REST_ROUTES) as [RouteName, RouteSpec][];

function schemaOf(spec: RouteSpec, part: Part): z.ZodType | undefined {
  return spec[part];
}

describe('route table', () => {
  it('has a sample for exactly the parts each route declares', () => {
    for (const [name, spec] of routes) {
      for (const part of PARTS) {
        expect(samples[name][part] !== undefined, `${name}.${part}`).toBe(schemaOf(spec, part) !== undefined);
      }
    }
  });

  it('lives under /v1 except the probes, with unique method and path', () => {
    const seen = new Set<string>();
    for (const [name, spec] of routes) {
      if (name === 'health' || name === 'ready') expect(spec.auth).toBe('none');
      else expect(spec.path.startsWith('/v1/'), name).toBe(true);
      const key = `${spec.method} ${spec.path}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
  });

  it('declares a params schema for exactly the :segments of its path', () => {
    for (const [name, spec] of routes) {
      const names = [...spec.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]).sort();
      const sample = samples[name].params;
      const declared = sample === undefined ? [] : Object.keys(sample as object).sort();
      expect(declared, name).toEqual(names);
    }
  });

  it('sends no JSON body with GET and none with a streamed upload', () => {
    for (const [name, spec] of routes) {
      if (spec.method === 'GET' || spec.stream === 'upload') expect(spec.body, name).toBeUndefined();
    }
  });

  it('keeps the admin API behind admin auth and enrolment/login open', () => {
    for (const [name, spec] of routes) {
      if (spec.path.startsWith('/v1/admin/')) expect(spec.auth, name).toBe('admin');
    }
    const open = routes.filter(([, spec]) => spec.auth === 'none').map(([name]) => name).sort();
    expect(open).toEqual(['authChallenge', 'enrol', 'getLog', 'getRoot', 'health', 'logConsistency', 'logEntries', 'login', 'ready']);
  });
});

describe('route schemas', () => {
  it('accept their valid samples', () => {
    for (const [name, spec] of routes) {
      for (const part of PARTS) {
        const schema = schemaOf(spec, part);
        if (schema === undefined) continue;
        const parsed = schema.safeParse(samples[name][part]);
        expect(parsed.success, `${name}.${part}: ${parsed.error?.message ?? ''}`).toBe(true);
      }
    }
  });

  it('reject wrong types, oversize values, deep nesting, negative and NaN numbers at every depth', () => {
    let checked = 0;
    for (const [name, spec] of routes) {
      for (const part of PARTS) {
        const schema = schemaOf(spec, part);
        if (schema === undefined || (name === 'downloadBlob' && part === 'response')) continue;
        for (const m of mutationsOf(samples[name][part])) {
          expect(schema.safeParse(m.input).success, `${name}.${part}: ${m.attack} at ${m.where}`).toBe(false);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('never let unknown keys through, at any depth', () => {
    for (const [name, spec] of routes) {
      for (const part of PARTS) {
        const schema = schemaOf(spec, part);
        if (schema === undefined) continue;
        for (const v of extraKeyVariantsOf(samples[name][part], 'injected')) {
          const parsed = schema.safeParse(v.input);
          expect(parsed.success && containsKey(parsed.data, 'injected'), `${name}.${part} at ${v.where}`).toBe(false);
        }
      }
    }
  });

  it('reject a blob beyond the limit and anything but bytes', () => {
    const schema = REST_ROUTES.downloadBlob.response;
    expect(schema.safeParse(new Uint8Array(MAX_BLOB_BYTES)).success).toBe(true);
    expect(schema.safeParse(new Uint8Array(MAX_BLOB_BYTES + 1)).success).toBe(false);
    expect(schema.safeParse('AAAA').success).toBe(false);
    expect(schema.safeParse(new Uint16Array(4)).success).toBe(false);
  });
});

describe('specific rules', () => {
  it('refuses bad base64 in nonces, signatures and keys', () => {
    // 0xfb bytes encode as '+/v7…', so the base64url spelling differs from the standard one.
    const nonce = toBase64(new Uint8Array(32).fill(0xfb));
    const base64url = nonce.replace(/\+/g, '-').replace(/\//g, '_');
    expect(base64url).not.toBe(nonce);
    const challenge = REST_ROUTES.authChallenge.response;
    expect(challenge.safeParse({ challengeId: 'c', nonce, expiresAt: 1 }).success).toBe(true);
    for (const bad of [nonce.slice(1), `${nonce.slice(0, -1)}!`, toBase64(new Uint8Array(31)), toBase64(new Uint8Array(33)), base64url]) {
      expect(challenge.safeParse({ challengeId: 'c', nonce: bad, expiresAt: 1 }).success, bad).toBe(false);
    }
    const login = REST_ROUTES.login.body;
    expect(login.safeParse({ challengeId: 'c', signature: toBase64(new Uint8Array(63)) }).success).toBe(false);
    expect(login.safeParse({ challengeId: 'c', signature: sig64.replace(/=+$/, '') }).success).toBe(false);
    const devices = REST_ROUTES.listUserDevices.response;
    expect(devices.safeParse({ devices: [{ deviceId: 1, identityKey: 'not base64!', registrationId: 1 }] }).success).toBe(false);
  });

  it('enrols professionals only through admin codes', () => {
    const body = REST_ROUTES.issueEnrolmentCode.body;
    const codeId = 'enr_abcdefghijkl';
    expect(body.safeParse({ codeId, orgId: 'org-1', role: 'client', displayName: 'X' }).success).toBe(false);
    expect(body.safeParse({ codeId, orgId: 'org-1', role: 'teacher', displayName: 'X' }).success).toBe(true);
    expect(body.safeParse({ codeId, orgId: 'org-1', role: 'teacher', displayName: 'X', ttlSeconds: 59 }).success).toBe(false);
    expect(body.safeParse({ codeId: 'enr_short', orgId: 'org-1', role: 'teacher', displayName: 'X' }).success).toBe(false);
  });

  it('never carries a code secret or a client name to the server', () => {
    // The full code (id.secret.fingerprint) is refused where only the id belongs.
    const full = 'inv_abcdefghijkl.AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB';
    expect(REST_ROUTES.createInvitation.body.safeParse({ workspaceId: 'ws-1', codeId: full }).success).toBe(false);
    expect(REST_ROUTES.createInvitation.body.safeParse({ workspaceId: 'ws-1', codeId: 'inv_abcdefghijkl', displayName: 'Matti' }).success).toBe(false);
    expect(REST_ROUTES.enrol.body.safeParse({ codeId: full, prekeys: upload, proof: 'e'.repeat(64) }).success).toBe(false);
  });

  it('creates a workspace only from a create event that names its label by a commitment, never the label', () => {
    const body = REST_ROUTES.createWorkspace.body;
    expect(body.safeParse({ event: createEvent }).success).toBe(true);
    expect(body.safeParse({ event: addEvent }).success).toBe(false);
    const { labelCommitment: _commitment, ...rest } = createEvent.payload;
    expect(body.safeParse({ event: { ...createEvent, payload: { ...rest, label: 'Asiakkuus 17' } } }).success).toBe(false);
    expect(body.safeParse({ event: { ...createEvent, payload: { ...createEvent.payload, label: 'Asiakkuus 17' } } }).success).toBe(false);
    // Nor does a listing carry one.
    const listed = { workspaceId: 'ws-1', kind: 'case', label: 'Asiakkuus 17', membershipSeq: 3, lastActivityAt: 1 };
    expect(REST_ROUTES.listWorkspaces.response.safeParse({ workspaces: [listed] }).success).toBe(false);
  });

  it('bounds mailbox batches exactly', () => {
    const body = REST_ROUTES.sendMailbox.body;
    const item = { to: device, message: { kind: 'signal', body: 'AAAA' } };
    expect(body.safeParse({ items: Array.from({ length: 200 }, () => item) }).success).toBe(true);
    expect(body.safeParse({ items: Array.from({ length: 201 }, () => item) }).success).toBe(false);
    expect(body.safeParse({ items: [] }).success).toBe(false);
  });

  it('refuses duplicate device ids in a claim', () => {
    expect(REST_ROUTES.claimBundles.body.safeParse({ userId: 'u', deviceIds: [1, 1] }).success).toBe(false);
    expect(REST_ROUTES.claimBundles.body.safeParse({ userId: 'u' }).success).toBe(true);
  });

  it('parses queries from strings, with defaults and bounds', () => {
    expect(REST_ROUTES.fetchMailbox.query.parse({})).toEqual({ limit: 100 });
    expect(REST_ROUTES.listMembership.query.parse({})).toEqual({});
    expect(REST_ROUTES.listMembership.query.parse({ after: '0' })).toEqual({ after: 0 });
    for (const bad of [{ limit: '0' }, { limit: '501' }, { limit: '-5' }, { limit: '1e2' }, { limit: ['1', '2'] }, { other: '1' }]) {
      expect(REST_ROUTES.fetchMailbox.query.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('parses the audit device filter and refuses an inverted time range', () => {
    const query = REST_ROUTES.queryAudit.query;
    expect(query.parse({ device: 'user-1.12' })).toEqual({ device: { userId: 'user-1', deviceId: 12 }, limit: 100 });
    for (const bad of ['user-1', 'user-1.0', 'user-1.128', 'user-1.01', 'a.b.1', '.1', 'user 1.1']) {
      expect(query.safeParse({ device: bad }).success, bad).toBe(false);
    }
    expect(query.safeParse({ from: '10', to: '9' }).success).toBe(false);
    expect(query.safeParse({ from: '9', to: '9' }).success).toBe(true);
  });

  it('refuses control characters in audit detail keys and oversize details', () => {
    const entries = REST_ROUTES.queryAudit.response;
    const entry = { seq: 1, at, actor: null, action: 'denied', workspaceId: 'ws-1', detail: {}, hash: '0'.repeat(64) };
    expect(entries.safeParse({ entries: [entry] }).success).toBe(true);
    expect(entries.safeParse({ entries: [{ ...entry, action: 'exported_quietly' }] }).success).toBe(false);
    expect(entries.safeParse({ entries: [{ ...entry, detail: { 'a\nb': 'x' } }] }).success).toBe(false);
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']));
    expect(entries.safeParse({ entries: [{ ...entry, detail: many }] }).success).toBe(false);
  });

  it('accepts a prekey upload at its largest (200 one-time prekeys of each kind)', () => {
    const big = generatePrekeys(generateDeviceIdentity(2), { signedPreKeyId: 1, lastResortKyberId: 1, firstPreKeyId: 1, firstKyberId: 2, count: 200 }).upload;
    const body = { codeId: 'enr_abcdefghijkl', prekeys: big, userKey: toBase64(PrivateKey.generate().getPublicKey().serialize()), deviceCertificate: deviceCert, proof: 'e'.repeat(64) };
    expect(REST_ROUTES.enrol.body.safeParse(body).success).toBe(true);
    expect(JSON.stringify(body).length).toBeLessThan(1_000_000);
  });

  it('the login signature field accepts a real XEdDSA signature', () => {
    const signature = toBase64(PrivateKey.generate().sign(new Uint8Array([1, 2, 3])));
    expect(REST_ROUTES.login.body.safeParse({ challengeId: 'ch-1', signature }).success).toBe(true);
  });
});

describe('buildPath', () => {
  it('fills and percent-encodes every parameter, matching the Express pattern', () => {
    const path = buildPath(REST_ROUTES.downloadBlob.path, { workspaceId: 'ws-1', blobId: 'b_2' });
    expect(path).toBe('/v1/workspaces/ws-1/blobs/b_2');
    expect(buildPath(REST_ROUTES.listOrgUsers.path, { orgId: 'a/b c' })).toBe('/v1/orgs/a%2Fb%20c/users');
    expect(buildPath(REST_ROUTES.listOrgs.path, {})).toBe('/v1/orgs');
    const pattern = new RegExp(`^${REST_ROUTES.downloadBlob.path.replace(/:[A-Za-z]+/g, '([^/]+)')}$`);
    expect(pattern.exec(path)?.slice(1)).toEqual(['ws-1', 'b_2']);
  });

  it('throws on a parameter missing at runtime (a programming error)', () => {
    expect(() => buildPath('/v1/users/:userId/devices', {} as { userId: string })).toThrow(TypeError);
  });
});

describe('types', () => {
  it('route helpers resolve to the named request and response types', () => {
    expectTypeOf<RouteBody<'enrol'>>().toEqualTypeOf<EnrolRequest>();
    expectTypeOf<RouteResponse<'login'>>().toEqualTypeOf<LoginResponse>();
    expectTypeOf<RouteResponse<'listWorkspaces'>>().toEqualTypeOf<ListWorkspacesResponse>();
    expectTypeOf<RouteQuery<'listMembership'>>().toEqualTypeOf<MembershipQuery>();
    expectTypeOf<RouteBody<'countPrekeys'>>().toEqualTypeOf<undefined>();
    expectTypeOf<RouteBody<'createWorkspace'>['event']>().toEqualTypeOf<MembershipEvent<'create'>>();
  });
});
