/**
 * For every REST route, the request a caller makes to reach workspace W (or the
 * directory, or its own device): otherwise valid, so that a refusal can only come from
 * who is asking. Signed bodies are signed by the acting device; the token is whatever
 * credential the matrix column gives (none, expired, another device's).
 */
import { randomBytes, toBase64 } from '@yhteispoyta/crypto/bytes';
import { eventHash, GENESIS_PREV_HASH, signEvent } from '@yhteispoyta/crypto/membership';
import type { UnsignedMembershipEvent } from '@yhteispoyta/crypto/membership';
import { generateOneTimePrekeys, generateSignedPreKey } from '@yhteispoyta/crypto/prekeys';
import type { RouteName } from '@yhteispoyta/crypto/protocol';
import { newTextSalt, textCommitment } from '@yhteispoyta/crypto/workspace-texts';
import type { MembershipEvent } from '@yhteispoyta/crypto/types';
import { call, deploymentOf, enrolBody, freshUpload, logCertificateFor, memberOf, newCode } from '@yhteispoyta/server/http/api.testkit';
import type { ApiRequest, TestDevice } from '@yhteispoyta/server/http/api.testkit';
import type { AuthzWorld } from './world';

/** One REST call: method, path, and the request (token included). */
export interface RestCall {
  readonly method: string;
  readonly path: string;
  readonly request: ApiRequest;
  /** the workspace the request concerns, when the server can know it before refusing */
  readonly workspaceId?: string;
}

/** Who calls: the credential sent, and the device whose keys sign the body. */
export interface Caller {
  readonly token: string | undefined;
  readonly device: TestDevice;
}

let prekeyId = 100_000;
let orgCounter = 0;

/** The next event of W's chain as `author` would sign it: a rotation by the owner, an add_member by anyone else. */
async function nextEventOfW(world: AuthzWorld, author: TestDevice): Promise<MembershipEvent> {
  const state = await world.chain();
  const stored = await world.server.running.ctx.store.workspaces.listMembershipEvents(world.W, state.seq - 1, 1);
  const head = stored[0]?.event;
  if (head === undefined) throw new Error('W has no head event');
  const owner = author.ref.userId === world.alice.ref.userId;
  const body = owner
    ? { type: 'rotate_epoch' as const, payload: { epoch: state.epoch + 1 } }
    : { type: 'add_member' as const, payload: { member: memberOf(world.carol) } };
  const unsigned = { workspaceId: world.W, seq: head.seq + 1, prevHash: eventHash(head), ...body, author: author.ref, at: Date.now() };
  return signEvent(unsigned as UnsignedMembershipEvent, author.identity.identityKeyPair.privateKey);
}

/** A create event by `author`: a case for professionals, a consultation for the client (which the chain forbids). */
function createEventBy(author: TestDevice): MembershipEvent<'create'> {
  const kind = author.role === 'client' ? 'consultation' : 'case';
  return signEvent<'create'>(
    {
      workspaceId: `authz-${Buffer.from(randomBytes(8)).toString('hex')}`,
      seq: 0,
      prevHash: GENESIS_PREV_HASH,
      type: 'create',
      payload: { kind, labelCommitment: textCommitment('label', 'Konsultaatio', newTextSalt()), creator: memberOf(author, true) },
      author: author.ref,
      at: Date.now(),
    },
    author.identity.identityKeyPair.privateKey,
  );
}

/** The request of `route` by `caller`. */
export async function restCallFor(route: RouteName, world: AuthzWorld, caller: Caller): Promise<RestCall> {
  const { W } = world;
  const auth = caller.token === undefined ? {} : { token: caller.token };
  const json = (method: string, path: string, body: unknown, workspaceId?: string): RestCall => ({
    method, path, request: { ...auth, json: body }, ...(workspaceId === undefined ? {} : { workspaceId }),
  });
  const get = (path: string, workspaceId?: string): RestCall => ({ method: 'GET', path, request: auth, ...(workspaceId === undefined ? {} : { workspaceId }) });
  const identity = caller.device.identity;
  switch (route) {
    case 'health':
      return get('/health');
    case 'ready':
      return get('/ready');
    case 'setRoot':
      // The deployment's own root again: set once, and the same key again is a harmless retry.
      return { method: 'PUT', path: '/v1/admin/root', request: { ...auth, json: { rootKey: deploymentOf(world.server).authority.root.b64 } } };
    case 'createOrg': {
      // A fresh organisation certificate signed by the deployment root (valid once: a second one is a conflict).
      orgCounter += 1;
      const org = deploymentOf(world.server).authority.org(`authz-org-${orgCounter}-${Date.now().toString(36)}`, { name: 'Uusi organisaatio' });
      return json('POST', '/v1/admin/orgs', { certificate: org.cert });
    }
    case 'adminListOrgs':
      return get('/v1/admin/orgs');
    case 'verifyAudit':
      return get('/v1/admin/audit/verify');
    case 'issueEnrolmentCode':
      // A fresh code id; its secret stays with the test, as with the admin tool.
      return json('POST', '/v1/admin/enrolment-codes', {
        codeId: newCode(world.server, 'enrolment').codeId, orgId: world.orgA, role: 'social_worker', displayName: 'Uusi Työntekijä',
      });
    case 'listOrgEnrolments':
      return get(`/v1/admin/orgs/${world.orgA}/enrolments`);
    case 'adminStoreCertificate':
      // Alice's user certificate, signed by her organisation's key: storing it again answers its id.
      return json('POST', '/v1/admin/certificates', { certificate: world.alice.person.cert });
    case 'getRoot':
      return get('/v1/root');
    case 'putLogCertificate':
      // The root's certificate of the server's log key: storing it again is valid.
      return { method: 'PUT', path: '/v1/admin/log/certificate', request: { ...auth, json: { certificate: await logCertificateFor(world.server) } } };
    case 'getLog':
      return get('/v1/log');
    case 'logConsistency':
      return get('/v1/log/consistency?from=1');
    case 'logEntries':
      return get('/v1/log/entries?start=0&count=10');
    case 'listOrgs':
      return get('/v1/orgs');
    case 'listOrgUsers':
      return get(`/v1/orgs/${world.orgA}/users?q=maija`);
    case 'createInvitation':
      return json('POST', '/v1/invitations', { workspaceId: W, codeId: newCode(world.server, 'invitation').codeId }, W);
    case 'redeemInvitation': {
      // A further invitation of alice into W, redeemed with the client's own keys: every professional caller is refused.
      const further = newCode(world.server, 'invitation');
      const issued = await call(world.server, 'POST', '/v1/invitations', { token: world.alice.token, json: { workspaceId: W, codeId: further.codeId } });
      if (issued.status !== 200) throw new Error('further invitation not issued');
      return json('POST', '/v1/invitations/redeem', { codeId: further.codeId, userKey: world.client.person.userKey.b64, deviceCertificate: world.client.device.cert, proof: 'a'.repeat(64) });
    }
    case 'invitationEnrolment':
      // The invitation alice issued and W's client redeemed.
      return get(`/v1/invitations/${world.invitationCodeId}/enrolment`);
    case 'createLinkCode':
      return json('POST', '/v1/devices/link-codes', { codeId: newCode(world.server, 'device_link').codeId });
    case 'pendingDevices':
      return get('/v1/devices/pending');
    case 'storeCertificate':
      // The client certificate alice's device signed for W's client: only the inviting device stores it.
      return json('POST', '/v1/certificates', { certificate: world.client.person.cert });
    case 'queryCertificates':
      return json('POST', '/v1/certificates/query', { userIds: [world.alice.ref.userId, world.client.ref.userId], orgIds: [world.orgA] });
    case 'enrol': {
      // A well-formed link enrolment (proof included) under a code id nobody registered.
      const { upload } = freshUpload(2);
      return json('POST', '/v1/enrol', enrolBody(newCode(world.server, 'device_link'), upload));
    }
    case 'authChallenge':
      return json('POST', '/v1/auth/challenge', caller.device.ref);
    case 'login':
      return json('POST', '/v1/auth/login', { challengeId: 'nosuchchallenge', signature: toBase64(randomBytes(64)) });
    case 'topUpPrekeys': {
      prekeyId += 10;
      return json('POST', '/v1/prekeys', generateOneTimePrekeys(identity, { firstPreKeyId: prekeyId, firstKyberId: prekeyId, count: 1 }).upload);
    }
    case 'replaceSignedPreKey':
      prekeyId += 10;
      return { method: 'PUT', path: '/v1/prekeys/signed', request: { ...auth, json: { signedPreKey: generateSignedPreKey(identity, prekeyId).upload } } };
    case 'countPrekeys':
      return get('/v1/prekeys/count');
    case 'claimBundles':
      return json('POST', '/v1/bundles/claim', { userId: world.alice.ref.userId });
    case 'listUserDevices':
      return get(`/v1/users/${world.alice.ref.userId}/devices`);
    case 'createWorkspace':
      return json('POST', '/v1/workspaces', { event: createEventBy(caller.device) });
    case 'listWorkspaces':
      return get('/v1/workspaces');
    case 'listMembership':
      return get(`/v1/workspaces/${W}/membership`, W);
    case 'appendMembership':
      return json('POST', `/v1/workspaces/${W}/membership`, { event: await nextEventOfW(world, caller.device) }, W);
    case 'sendMailbox': {
      // To a device of W: alice, or the client when alice herself sends.
      const to = caller.device.ref.userId === world.alice.ref.userId ? world.client.ref : world.alice.ref;
      return json('POST', '/v1/mailbox', { items: [{ to, message: { kind: 'signal', body: toBase64(randomBytes(120)) } }] });
    }
    case 'fetchMailbox':
      return get('/v1/mailbox');
    case 'ackMailbox':
      return json('POST', '/v1/mailbox/ack', { ids: ['nosuchitem'] });
    case 'uploadBlob':
      return { method: 'POST', path: `/v1/workspaces/${W}/blobs`, request: { ...auth, raw: randomBytes(1024) }, workspaceId: W };
    case 'downloadBlob':
      return get(`/v1/workspaces/${W}/blobs/${world.blobId}`, W);
    case 'confirmBlobs':
      return json('POST', `/v1/workspaces/${W}/blobs/confirm`, { blobIds: [world.blobId] }, W);
    case 'queryAudit':
      return get(`/v1/workspaces/${W}/audit`, W);
    case 'recordAccess':
      return json('POST', `/v1/workspaces/${W}/audit/access`, { action: 'opened', detail: { what: 'plan' } }, W);
  }
}
