/**
 * Generated REST requests: for every route of the protocol's table a valid request (a
 * template), and from a seed one hostile variant of it — one body field mutated, a path
 * parameter or query value broken, the wrong credentials, a wrong content type or
 * method, raw bytes instead of JSON (invalid UTF-8, truncated, huge), or a request made
 * up from nothing. Requests are plain data so they can be logged and replayed.
 *
 * A seed picks its route by an index into a route list, so adding a route to the
 * protocol would move every later seed onto another route and a kept seed would
 * silently test something else. The lists are therefore frozen in generations
 * ({@link ROUTE_GENERATIONS}); a kept seed records the generation it was found with and
 * is regenerated from that list, while new runs draw from the newest one. A route's
 * template is always today's valid request: a seed of an older generation whose route
 * changed shape runs against the route's new shape.
 */
import { REST_ROUTES } from '@yhteispoyta/crypto/protocol';
import type { RouteName } from '@yhteispoyta/crypto/protocol';
import type { FuzzFixtures } from './fixtures';
import { hostileString, hostileValue } from './hostile-values';
import { mutateOnce } from './mutate';
import { Prng } from '@yhteispoyta/test-support/prng';

/** One REST request to send. `body` is sent as is; `headers` completely (no defaults added). */
export interface RestCase {
  readonly transport: 'rest';
  readonly method: string;
  /** path and query, already encoded */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  /** what was done to the valid request */
  readonly note: string;
}

interface Template {
  readonly token: string | undefined;
  readonly params: Record<string, string>;
  readonly query: Record<string, string>;
  readonly body: unknown;
}

/** The valid request of each route (valid at least once: side effects make some valid only the first time). */
function restTemplate(name: RouteName, fx: FuzzFixtures): Template {
  const a = fx.alice.token;
  const none = { params: {}, query: {} };
  switch (name) {
    case 'health':
    case 'ready':
    case 'getRoot':
    case 'getLog':
      return { token: undefined, ...none, body: undefined };
    case 'logConsistency':
      return { token: undefined, ...none, query: { from: '1' }, body: undefined };
    case 'logEntries':
      return { token: undefined, ...none, query: { start: '0', count: '5' }, body: undefined };
    case 'putLogCertificate':
      return { token: fx.adminToken, ...none, body: { certificate: fx.logCertificate } };
    case 'verifyAudit':
      return { token: fx.adminToken, ...none, body: undefined };
    case 'setRoot':
      return { token: fx.adminToken, ...none, body: { rootKey: fx.rootKey } };
    case 'createOrg':
      return { token: fx.adminToken, ...none, body: { certificate: fx.newOrgCertificate } };
    case 'adminListOrgs':
      return { token: fx.adminToken, ...none, body: undefined };
    case 'issueEnrolmentCode':
      return {
        token: fx.adminToken, ...none,
        body: { codeId: fx.freshCodeIds.enrolment, orgId: fx.orgId, role: 'social_worker', displayName: 'Ville Virtanen', ttlSeconds: 3600 },
      };
    case 'listOrgEnrolments':
      return { token: fx.adminToken, params: { orgId: fx.orgId }, query: {}, body: undefined };
    case 'adminStoreCertificate':
      return { token: fx.adminToken, ...none, body: { certificate: fx.aliceUserCertificate } };
    case 'listOrgs':
      return { token: a, ...none, body: undefined };
    case 'listOrgUsers':
      return { token: a, params: { orgId: fx.orgId }, query: { q: 'maija' }, body: undefined };
    case 'createInvitation':
      return { token: a, ...none, body: { workspaceId: fx.workspaceId, codeId: fx.freshCodeIds.invitation, ttlSeconds: 3600 } };
    case 'invitationEnrolment':
      return { token: a, params: { codeId: fx.redeemedInvitationCodeId }, query: {}, body: undefined };
    case 'redeemInvitation':
      return { token: fx.client.token, ...none, body: fx.furtherInvitationBody };
    case 'createLinkCode':
      return { token: a, ...none, body: { codeId: fx.freshCodeIds.link } };
    case 'pendingDevices':
      return { token: a, ...none, body: undefined };
    case 'storeCertificate':
      return { token: a, ...none, body: { certificate: fx.aliceDeviceCertificate } };
    case 'queryCertificates':
      return { token: a, ...none, body: { userIds: [fx.bob.ref.userId, fx.client.ref.userId], orgIds: [fx.orgId] } };
    case 'enrol':
      return { token: undefined, ...none, body: fx.enrolBody };
    case 'authChallenge':
      return { token: undefined, ...none, body: fx.alice.ref };
    case 'login':
      return { token: undefined, ...none, body: fx.loginRequest };
    case 'topUpPrekeys':
      return { token: a, ...none, body: fx.topUp };
    case 'replaceSignedPreKey':
      return { token: a, ...none, body: { signedPreKey: fx.signedPreKey } };
    case 'countPrekeys':
      return { token: a, ...none, body: undefined };
    case 'claimBundles':
      return { token: a, ...none, body: { userId: fx.bob.ref.userId, deviceIds: [1] } };
    case 'listUserDevices':
      return { token: a, params: { userId: fx.bob.ref.userId }, query: {}, body: undefined };
    case 'createWorkspace':
      return { token: a, ...none, body: { event: fx.createEvent } };
    case 'listWorkspaces':
      return { token: a, ...none, body: undefined };
    case 'listMembership':
      return { token: a, params: { workspaceId: fx.workspaceId }, query: { after: '0' }, body: undefined };
    case 'appendMembership':
      return { token: a, params: { workspaceId: fx.workspaceId }, query: {}, body: { event: fx.appendEvent } };
    case 'sendMailbox':
      return { token: a, ...none, body: { items: [{ to: fx.bob.ref, message: { kind: 'signal', body: fx.controlBody } }] } };
    case 'fetchMailbox':
      return { token: fx.bob.token, ...none, query: { limit: '10' }, body: undefined };
    case 'ackMailbox':
      return { token: fx.bob.token, ...none, body: { ids: [fx.mailboxItemId] } };
    case 'uploadBlob':
      return { token: a, params: { workspaceId: fx.workspaceId }, query: {}, body: undefined };
    case 'downloadBlob':
      return { token: a, params: { workspaceId: fx.workspaceId, blobId: fx.blobId }, query: {}, body: undefined };
    case 'confirmBlobs':
      return { token: a, params: { workspaceId: fx.workspaceId }, query: {}, body: { blobIds: [fx.blobId] } };
    case 'queryAudit':
      return { token: a, params: { workspaceId: fx.workspaceId }, query: { from: '0', limit: '5' }, body: undefined };
    case 'recordAccess':
      return { token: a, params: { workspaceId: fx.workspaceId }, query: {}, body: { action: 'opened', detail: { what: 'plan' } } };
  }
}

/**
 * The route lists seeds draw from, oldest first; never change a list once seeds were kept
 * with it (test/fuzz/regressions.json), add a generation instead. 1: the table before
 * identities (docs/design.md §3); 2: with the root, organisation, code-id, enrolment and
 * certificate routes; 3: with the operator's audit chain verification; 4: with the
 * transparency log's routes (docs/design.md §3.5); 6: with the agents' access records (issue 13); 7: with a client's further invitation (issue 13).
 */
export const ROUTE_GENERATIONS: readonly (readonly RouteName[])[] = [
  [
    'health', 'ready', 'createOrg', 'issueEnrolmentCode', 'listOrgs', 'listOrgUsers', 'createInvitation', 'createLinkCode', 'enrol',
    'authChallenge', 'login', 'topUpPrekeys', 'replaceSignedPreKey', 'countPrekeys', 'claimBundles', 'listUserDevices', 'createWorkspace',
    'listWorkspaces', 'listMembership', 'appendMembership', 'sendMailbox', 'fetchMailbox', 'ackMailbox', 'uploadBlob', 'downloadBlob',
    'queryAudit',
  ],
  [
    'health', 'ready', 'setRoot', 'createOrg', 'adminListOrgs', 'issueEnrolmentCode', 'listOrgEnrolments', 'adminStoreCertificate', 'getRoot',
    'listOrgs', 'listOrgUsers', 'createInvitation', 'invitationEnrolment', 'createLinkCode', 'pendingDevices', 'storeCertificate',
    'queryCertificates', 'enrol', 'authChallenge', 'login', 'topUpPrekeys', 'replaceSignedPreKey', 'countPrekeys', 'claimBundles',
    'listUserDevices', 'createWorkspace', 'listWorkspaces', 'listMembership', 'appendMembership', 'sendMailbox', 'fetchMailbox', 'ackMailbox',
    'uploadBlob', 'downloadBlob', 'queryAudit',
  ],
  [
    'health', 'ready', 'setRoot', 'createOrg', 'adminListOrgs', 'issueEnrolmentCode', 'listOrgEnrolments', 'adminStoreCertificate', 'verifyAudit',
    'getRoot', 'listOrgs', 'listOrgUsers', 'createInvitation', 'invitationEnrolment', 'createLinkCode', 'pendingDevices', 'storeCertificate',
    'queryCertificates', 'enrol', 'authChallenge', 'login', 'topUpPrekeys', 'replaceSignedPreKey', 'countPrekeys', 'claimBundles',
    'listUserDevices', 'createWorkspace', 'listWorkspaces', 'listMembership', 'appendMembership', 'sendMailbox', 'fetchMailbox', 'ackMailbox',
    'uploadBlob', 'downloadBlob', 'queryAudit',
  ],
  [
    'health', 'ready', 'setRoot', 'createOrg', 'adminListOrgs', 'issueEnrolmentCode', 'listOrgEnrolments', 'adminStoreCertificate', 'verifyAudit',
    'getRoot', 'listOrgs', 'listOrgUsers', 'createInvitation', 'invitationEnrolment', 'createLinkCode', 'pendingDevices', 'storeCertificate',
    'queryCertificates', 'enrol', 'authChallenge', 'login', 'topUpPrekeys', 'replaceSignedPreKey', 'countPrekeys', 'claimBundles',
    'listUserDevices', 'createWorkspace', 'listWorkspaces', 'listMembership', 'appendMembership', 'sendMailbox', 'fetchMailbox', 'ackMailbox',
    'uploadBlob', 'downloadBlob', 'queryAudit', 'putLogCertificate', 'getLog', 'logConsistency', 'logEntries',
  ],
  [
    'health', 'ready', 'setRoot', 'createOrg', 'adminListOrgs', 'issueEnrolmentCode', 'listOrgEnrolments', 'adminStoreCertificate', 'verifyAudit',
    'getRoot', 'listOrgs', 'listOrgUsers', 'createInvitation', 'invitationEnrolment', 'createLinkCode', 'pendingDevices', 'storeCertificate',
    'queryCertificates', 'enrol', 'authChallenge', 'login', 'topUpPrekeys', 'replaceSignedPreKey', 'countPrekeys', 'claimBundles',
    'listUserDevices', 'createWorkspace', 'listWorkspaces', 'listMembership', 'appendMembership', 'sendMailbox', 'fetchMailbox', 'ackMailbox',
    'uploadBlob', 'downloadBlob', 'queryAudit', 'putLogCertificate', 'getLog', 'logConsistency', 'logEntries', 'confirmBlobs',
  ],
  [
    'health', 'ready', 'setRoot', 'createOrg', 'adminListOrgs', 'issueEnrolmentCode', 'listOrgEnrolments', 'adminStoreCertificate', 'verifyAudit',
    'getRoot', 'listOrgs', 'listOrgUsers', 'createInvitation', 'invitationEnrolment', 'createLinkCode', 'pendingDevices', 'storeCertificate',
    'queryCertificates', 'enrol', 'authChallenge', 'login', 'topUpPrekeys', 'replaceSignedPreKey', 'countPrekeys', 'claimBundles',
    'listUserDevices', 'createWorkspace', 'listWorkspaces', 'listMembership', 'appendMembership', 'sendMailbox', 'fetchMailbox', 'ackMailbox',
    'uploadBlob', 'downloadBlob', 'queryAudit', 'putLogCertificate', 'getLog', 'logConsistency', 'logEntries', 'confirmBlobs', 'recordAccess',
  ],
  [
    'health', 'ready', 'setRoot', 'createOrg', 'adminListOrgs', 'issueEnrolmentCode', 'listOrgEnrolments', 'adminStoreCertificate', 'verifyAudit',
    'getRoot', 'listOrgs', 'listOrgUsers', 'createInvitation', 'invitationEnrolment', 'createLinkCode', 'pendingDevices', 'storeCertificate',
    'queryCertificates', 'enrol', 'authChallenge', 'login', 'topUpPrekeys', 'replaceSignedPreKey', 'countPrekeys', 'claimBundles',
    'listUserDevices', 'createWorkspace', 'listWorkspaces', 'listMembership', 'appendMembership', 'sendMailbox', 'fetchMailbox', 'ackMailbox',
    'uploadBlob', 'downloadBlob', 'queryAudit', 'putLogCertificate', 'getLog', 'logConsistency', 'logEntries', 'confirmBlobs', 'recordAccess', 'redeemInvitation',
  ],
];

/** The generation new runs draw from (1-based, as recorded in regressions.json). */
export const CURRENT_GENERATION = ROUTE_GENERATIONS.length;

/** Path segments made-up requests are built from, by generation (the newest adds the identity routes' words). */
const MADE_UP_SEGMENTS: readonly (readonly string[])[] = [
  ['v1', 'admin', 'orgs', 'users', 'workspaces', 'membership', 'blobs', 'audit', 'mailbox', 'ack', 'prekeys', 'signed', 'count', 'bundles', 'claim', 'devices', 'link-codes', 'invitations', 'enrol', 'auth', 'challenge', 'login', 'health', 'ready'],
  [
    'v1', 'admin', 'orgs', 'users', 'workspaces', 'membership', 'blobs', 'audit', 'mailbox', 'ack', 'prekeys', 'signed', 'count', 'bundles', 'claim', 'devices', 'link-codes', 'invitations', 'enrol', 'auth', 'challenge', 'login', 'health', 'ready',
    'root', 'enrolment-codes', 'enrolments', 'certificates', 'query', 'pending', 'enrolment',
  ],
  [
    'v1', 'admin', 'orgs', 'users', 'workspaces', 'membership', 'blobs', 'audit', 'mailbox', 'ack', 'prekeys', 'signed', 'count', 'bundles', 'claim', 'devices', 'link-codes', 'invitations', 'enrol', 'auth', 'challenge', 'login', 'health', 'ready',
    'root', 'enrolment-codes', 'enrolments', 'certificates', 'query', 'pending', 'enrolment', 'verify',
  ],
  [
    'v1', 'admin', 'orgs', 'users', 'workspaces', 'membership', 'blobs', 'audit', 'mailbox', 'ack', 'prekeys', 'signed', 'count', 'bundles', 'claim', 'devices', 'link-codes', 'invitations', 'enrol', 'auth', 'challenge', 'login', 'health', 'ready',
    'root', 'enrolment-codes', 'enrolments', 'certificates', 'query', 'pending', 'enrolment', 'verify', 'log', 'certificate', 'consistency', 'entries',
  ],
  [
    'v1', 'admin', 'orgs', 'users', 'workspaces', 'membership', 'blobs', 'audit', 'mailbox', 'ack', 'prekeys', 'signed', 'count', 'bundles', 'claim', 'devices', 'link-codes', 'invitations', 'enrol', 'auth', 'challenge', 'login', 'health', 'ready',
    'root', 'enrolment-codes', 'enrolments', 'certificates', 'query', 'pending', 'enrolment', 'verify', 'log', 'certificate', 'consistency', 'entries', 'confirm',
  ],
  [
    'v1', 'admin', 'orgs', 'users', 'workspaces', 'membership', 'blobs', 'audit', 'mailbox', 'ack', 'prekeys', 'signed', 'count', 'bundles', 'claim', 'devices', 'link-codes', 'invitations', 'enrol', 'auth', 'challenge', 'login', 'health', 'ready',
    'root', 'enrolment-codes', 'enrolments', 'certificates', 'query', 'pending', 'enrolment', 'verify', 'log', 'certificate', 'consistency', 'entries', 'confirm', 'access',
  ],
  [
    'v1', 'admin', 'orgs', 'users', 'workspaces', 'membership', 'blobs', 'audit', 'mailbox', 'ack', 'prekeys', 'signed', 'count', 'bundles', 'claim', 'devices', 'link-codes', 'invitations', 'enrol', 'auth', 'challenge', 'login', 'health', 'ready',
    'root', 'enrolment-codes', 'enrolments', 'certificates', 'query', 'pending', 'enrolment', 'verify', 'log', 'certificate', 'consistency', 'entries', 'confirm', 'access', 'redeem',
  ],
];

function generationIndex(generation: number): number {
  if (!Number.isInteger(generation) || generation < 1 || generation > ROUTE_GENERATIONS.length) throw new RangeError(`no route generation ${generation}`);
  return generation - 1;
}

/**
 * Percent-encodes the UTF-8 bytes of `text` except the characters `keep` matches (lone
 * surrogates become U+FFFD, as any HTTP client would send them).
 */
function percentEncode(text: string, keep: RegExp): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && keep.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Characters a request target may carry raw; everything else is percent-encoded so Node sends the request at all. */
function encodeLoosely(text: string): string {
  return percentEncode(text, /^[\x21-\x7e]$/).replace(/#/g, '%23').replace(/\?/g, '%3F');
}

/** Like encodeURIComponent, without its URIError on lone surrogates. */
function encodeSegment(text: string): string {
  return percentEncode(text, /^[A-Za-z0-9\-_.!~*'()]$/);
}

function fillPath(path: string, params: Record<string, string>, raw: boolean): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const value = params[name] ?? '';
    return raw ? encodeLoosely(value) : encodeSegment(value);
  });
}

function queryString(query: Record<string, string | string[]>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) for (const v of Array.isArray(value) ? value : [value]) search.append(key, v);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** Authorization header values that are not the right credential, with a label that does not contain them. */
function wrongAuthorization(prng: Prng, fx: FuzzFixtures): [string, string | undefined] {
  return prng.pick<() => [string, string | undefined]>([
    () => ['missing', undefined],
    () => ['empty bearer', 'Bearer '],
    () => ['two spaces', 'Bearer  x'],
    () => ['lower-case scheme', `bearer ${fx.alice.token}`],
    () => ['basic scheme', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    () => ['token + 1 char', `Bearer ${fx.alice.token}x`],
    () => ['token - 1 char', `Bearer ${fx.alice.token.slice(0, -1)}`],
    () => ['admin token', `Bearer ${fx.adminToken}`],
    () => ['carol (other workspace)', `Bearer ${fx.carol.token}`],
    () => ['dave (no workspace)', `Bearer ${fx.dave.token}`],
    () => ['bob (member, not owner)', `Bearer ${fx.bob.token}`],
    () => ['long token', `Bearer ${'A'.repeat(prng.pick([31, 129, 600, 4000]))}`],
    () => ['hostile token', `Bearer ${encodeLoosely(hostileString(prng, 200)).replace(/%/g, '')}`],
    () => ['no scheme', `${fx.alice.token}`],
  ])();
}

function jsonBytes(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
}

/** Raw bodies that are not the JSON of a value: broken encodings and broken syntax. */
function rawBody(prng: Prng, valid: unknown): [string, Uint8Array] {
  const text = JSON.stringify(valid) ?? '{}';
  return prng.pick<() => [string, Uint8Array]>([
    () => ['invalid-utf8', Buffer.concat([Buffer.from(text.slice(0, Math.floor(text.length / 2))), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from(text.slice(Math.floor(text.length / 2)))])],
    () => ['truncated-json', Buffer.from(text.slice(0, prng.int(0, Math.max(0, text.length - 1))))],
    () => ['bom-json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
    () => ['duplicate-keys', Buffer.from(text.replace(/^\{/, '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},'))],
    () => ['deep-brackets', Buffer.from('['.repeat(prng.pick([1000, 100_000, 1_000_000])))],
    () => ['scalar', Buffer.from(prng.pick(['null', 'true', '0', '"x"', '[]', '1e999', '-0']))],
    () => ['random-bytes', Buffer.from(prng.bytes(prng.length(65536)))],
    () => ['utf16le', Buffer.from(text, 'utf16le')],
    () => ['empty', Buffer.alloc(0)],
    () => ['nul-padded', Buffer.concat([Buffer.from(text), Buffer.alloc(prng.int(1, 64))])],
  ])();
}

/** A body over the server's JSON limit (14 MiB): rare, because each costs the server a read. */
function hugeBody(): Uint8Array {
  return Buffer.from(`{"name":"${'A'.repeat(15 * 1024 * 1024)}"}`);
}

function templateMutant(prng: Prng, fx: FuzzFixtures, name: RouteName): RestCase {
  const spec = REST_ROUTES[name];
  const t = restTemplate(name, fx);
  let params = t.params;
  let query: Record<string, string | string[]> = t.query;
  let body: Uint8Array | undefined = t.body === undefined ? undefined : jsonBytes(t.body);
  let rawPath = false;
  let method: string = spec.method;
  const headers: Record<string, string> = {};
  let authorization: string | undefined = t.token === undefined ? undefined : `Bearer ${t.token}`;
  let contentType: string | undefined = body !== undefined ? 'application/json' : name === 'uploadBlob' ? 'application/octet-stream' : undefined;
  if (name === 'uploadBlob') body = prng.bytes(prng.length(300_000));
  const opts = { binary: false, maxBytes: 70_000 };

  const targets = ['auth', 'query', 'method', 'content-type'];
  if (t.body !== undefined) targets.push('body', 'body', 'body', 'body', 'raw-body');
  if (Object.keys(params).length > 0) targets.push('param', 'param');
  if (name === 'uploadBlob') targets.push('upload-length');
  const target = prng.pick(targets);
  let note: string = target;
  switch (target) {
    case 'body': {
      const mutated = mutateOnce(prng, t.body, opts);
      body = jsonBytes(mutated.value);
      note = `body ${mutated.note.path} ${mutated.note.attack}`;
      break;
    }
    case 'raw-body': {
      const [attack, bytes] = prng.chance(0.01) ? ['over-json-limit', hugeBody()] : rawBody(prng, t.body);
      body = bytes;
      note = `raw body ${attack}`;
      break;
    }
    case 'param': {
      const key = prng.pick(Object.keys(params));
      params = { ...params, [key]: prng.chance(0.5) ? hostileString(prng, 300) : prng.pick([fx.otherWorkspaceId, fx.carol.ref.userId, '..', '.', 'x'.repeat(65), '%2F', '%00']) };
      rawPath = prng.chance(0.3);
      note = `param ${key}${rawPath ? ' (raw)' : ''}`;
      break;
    }
    case 'query': {
      const key = prng.pick([...Object.keys(query), 'limit', 'after', 'from', 'to', 'device', '__proto__', 'constructor', hostileString(prng, 40)]);
      const value = prng.chance(0.3) ? [String(prng.int(0, 5)), String(prng.int(0, 5))] : hostileString(prng, 2000);
      query = { ...query, [key]: value };
      note = `query ${JSON.stringify(key).slice(0, 40)}`;
      break;
    }
    case 'auth': {
      const [label, value] = wrongAuthorization(prng, fx);
      authorization = value;
      note = `authorization ${label}`;
      break;
    }
    case 'method':
      method = prng.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'get']);
      note = `method ${method}`;
      break;
    case 'content-type':
      contentType = prng.pick([undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/octet-stream', '*/*', 'application/json;;;']);
      note = `content-type ${contentType ?? 'missing'}`;
      break;
    case 'upload-length':
      headers['content-length'] = String(prng.pick([67_108_865, 2 ** 53, 10 ** 12]));
      body = prng.bytes(16);
      note = `upload declares ${headers['content-length']} bytes`;
      break;
  }
  if (authorization !== undefined) headers.authorization = authorization;
  if (contentType !== undefined && body !== undefined) headers['content-type'] = contentType;
  const path = `${fillPath(spec.path, params, rawPath)}${queryString(query)}`;
  return { transport: 'rest', method, path, headers, ...(body === undefined ? {} : { body }), note: `${name}: ${note}` };
}

/** The template of `name` as it is, unmutated: what every mutant of the route differs from in one place. */
export function templateRequest(name: RouteName, fx: FuzzFixtures): RestCase {
  const spec = REST_ROUTES[name];
  const t = restTemplate(name, fx);
  const headers: Record<string, string> = {};
  if (t.token !== undefined) headers.authorization = `Bearer ${t.token}`;
  let body: Uint8Array | undefined;
  if (name === 'uploadBlob') {
    body = Buffer.alloc(1024, 7);
    headers['content-type'] = 'application/octet-stream';
  } else if (t.body !== undefined) {
    body = jsonBytes(t.body);
    headers['content-type'] = 'application/json';
  }
  const path = `${fillPath(spec.path, t.params, false)}${queryString(t.query)}`;
  return { transport: 'rest', method: spec.method, path, headers, ...(body === undefined ? {} : { body }), note: `${name}: template` };
}

/** A request made up from the route table's vocabulary and hostile strings. */
function madeUp(prng: Prng, fx: FuzzFixtures, generation: number): RestCase {
  const segments = [...(MADE_UP_SEGMENTS[generationIndex(generation)] ?? []), fx.workspaceId, fx.blobId, '..', '%2e%2e', 'socket.io'];
  const n = prng.int(0, 7);
  const parts = Array.from({ length: n }, () => (prng.chance(0.8) ? prng.pick(segments) : encodeLoosely(hostileString(prng, 100))));
  const method = prng.pick(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS']);
  const headers: Record<string, string> = {};
  if (prng.chance(0.6)) headers.authorization = `Bearer ${prng.pick([fx.alice.token, fx.adminToken, fx.carol.token])}`;
  let body: Uint8Array | undefined;
  if (method !== 'GET' && method !== 'HEAD' && prng.chance(0.7)) {
    body = jsonBytes(hostileValue(prng, { binary: false, maxBytes: 20_000 }));
    headers['content-type'] = 'application/json';
  }
  const path = `/${parts.join('/')}${prng.chance(0.2) ? '/' : ''}${prng.chance(0.2) ? `?${encodeLoosely(hostileString(prng, 200))}` : ''}`;
  return { transport: 'rest', method, path, headers, ...(body === undefined ? {} : { body }), note: 'made-up request' };
}

/** engine.io's HTTP side (the polling transport the agents never use, but the server still serves). */
function engineIo(prng: Prng): RestCase {
  const query = prng.pick(['EIO=4&transport=polling', 'EIO=3&transport=polling', 'EIO=4&transport=websocket', 'EIO=4&transport=polling&sid=nosuchsession', 'transport=polling', `EIO=4&transport=polling&t=${encodeLoosely(hostileString(prng, 50))}`]);
  const method = prng.pick(['GET', 'POST', 'OPTIONS', 'PUT']);
  const headers: Record<string, string> = {};
  if (prng.chance(0.3)) headers.origin = prng.pick(['http://evil.example', 'null', 'http://127.0.0.1']);
  let body: Uint8Array | undefined;
  if (method === 'POST' || method === 'PUT') {
    body = Buffer.from(prng.pick(['40', '42["join",{}]', '1', '6', '', hostileString(prng, 3000)]));
    headers['content-type'] = 'text/plain;charset=UTF-8';
  }
  return { transport: 'rest', method, path: `/socket.io/?${query}`, headers, ...(body === undefined ? {} : { body }), note: 'engine.io polling endpoint' };
}

/** The REST case of a seed, drawn from route generation `generation` (default: the newest). */
export function restCase(seed: number, fx: FuzzFixtures, generation = CURRENT_GENERATION): RestCase {
  const routes = ROUTE_GENERATIONS[generationIndex(generation)] ?? [];
  const prng = new Prng(seed);
  if (prng.chance(0.12)) return prng.chance(0.25) ? engineIo(prng) : madeUp(prng, fx, generation);
  return templateMutant(prng, fx, prng.pick(routes));
}
