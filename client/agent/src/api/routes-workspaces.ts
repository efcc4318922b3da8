/**
 * API routes of workspaces: list and create, members (add from the directory, invite a
 * client, remove a member or one device), consent, the organisation directory,
 * identities with their safety numbers (one per person), and a document's convergence
 * fingerprint.
 */
import { z } from 'zod';
import { displayNameSchema, idSchema, streamNameSchema, textSchema, timestampMsSchema, workspaceLabelSchema } from '@yhteispoyta/crypto/protocol';
import { MAX_DEVICE_ID, MIN_DEVICE_ID, WORKSPACE_KINDS } from '@yhteispoyta/crypto/types';
import type { AgentHost } from '../agent';
import { ApiError, parseWith, readJson } from './http-util';
import type { RouteRequest, Router } from './router';
import { JsonReply } from './router';
import { requireSession } from './routes-host';

const deviceIdSchema = z.int().min(MIN_DEVICE_ID).max(MAX_DEVICE_ID);
// Path segments are strings: only the path form converts digits to a number.
const pathDeviceSchema = z.strictObject({ userId: idSchema, deviceId: z.string().regex(/^[0-9]{1,3}$/).transform(Number).pipe(deviceIdSchema) });

const createSchema = z.strictObject({ kind: z.enum(WORKSPACE_KINDS), label: workspaceLabelSchema });
const addMemberSchema = z.strictObject({ userId: idSchema, owner: z.boolean().optional() });
const inviteSchema = z.strictObject({ displayName: displayNameSchema });
const orgIdsSchema = z.array(idSchema).min(1).max(100);
const grantSchema = z.strictObject({ orgIds: orgIdsSchema, purpose: textSchema(500), expiresAt: timestampMsSchema.optional() });
const revokeSchema = z.strictObject({ orgIds: orgIdsSchema });
const verifiedSchema = z.strictObject({ userId: idSchema, verified: z.boolean() });
const personSchema = z.strictObject({ userId: idSchema });
// The name after `doc:`, as in the y-websocket path `/yjs/<workspaceId>/<docName>`.
const docNameSchema = z.string().refine((name) => streamNameSchema.safeParse(`doc:${name}`).success, 'must be 1-64 characters of A-Z, a-z, 0-9, _ and -');

function workspaceId({ params }: RouteRequest): string {
  return parseWith(idSchema, params.workspaceId, 'workspaceId');
}

/** Register the workspace, member, consent, directory and identity routes. */
export function registerWorkspaceRoutes(router: Router, host: AgentHost): void {
  const membership = () => requireSession(host).membership;

  router
    .add('GET', '/api/workspaces', async () => ({ workspaces: await membership().list() }))
    .add('POST', '/api/workspaces', async ({ req }) => {
      const { kind, label } = await readJson(req, createSchema);
      return new JsonReply(201, { workspace: await membership().create(kind, label) });
    })
    .add('GET', '/api/workspaces/:workspaceId/members', async (request) => {
      const id = workspaceId(request);
      const found = (await membership().list()).find((w) => w.workspaceId === id);
      if (found === undefined) throw new ApiError(404, 'not_found', 'This device is not a member of that workspace.');
      return { members: found.members };
    })
    .add('POST', '/api/workspaces/:workspaceId/members', async (request) => {
      const id = workspaceId(request);
      const { userId, owner } = await readJson(request.req, addMemberSchema);
      return { workspace: await membership().addMember(id, userId, owner === undefined ? undefined : { owner }) };
    })
    .add('DELETE', '/api/workspaces/:workspaceId/members/:userId', async (request) => {
      const id = workspaceId(request);
      const userId = parseWith(idSchema, request.params.userId, 'userId');
      return { workspace: await membership().removeMember(id, userId) };
    })
    .add('DELETE', '/api/workspaces/:workspaceId/members/:userId/devices/:deviceId', async (request) => {
      const id = workspaceId(request);
      const device = parseWith(pathDeviceSchema, { userId: request.params.userId, deviceId: request.params.deviceId }, 'device');
      return { workspace: await membership().removeDevice(id, device) };
    })
    .add('POST', '/api/workspaces/:workspaceId/invitations', async (request) => {
      const id = workspaceId(request);
      const { displayName } = await readJson(request.req, inviteSchema);
      return new JsonReply(201, { invitation: await membership().inviteClient(id, displayName) });
    })
    .add('POST', '/api/workspaces/:workspaceId/consent', async (request) => {
      const id = workspaceId(request);
      const { orgIds, purpose, expiresAt } = await readJson(request.req, grantSchema);
      const consent = expiresAt === undefined ? { orgIds, purpose } : { orgIds, purpose, expiresAt };
      return { workspace: await membership().grantConsent(id, consent) };
    })
    .add('POST', '/api/workspaces/:workspaceId/consent/revoke', async (request) => {
      const id = workspaceId(request);
      const { orgIds } = await readJson(request.req, revokeSchema);
      return { workspace: await membership().revokeConsent(id, orgIds) };
    })
    .add('GET', '/api/workspaces/:workspaceId/identities', async (request) => ({
      identities: await membership().identities(workspaceId(request)),
    }))
    .add('GET', '/api/workspaces/:workspaceId/documents/:docName/hash', async (request) => {
      const id = workspaceId(request);
      const docName = parseWith(docNameSchema, request.params.docName, 'docName');
      const session = requireSession(host);
      // Opening a document follows its workspace: only for workspaces this device verified itself.
      if (session.keys.chainState(id) === undefined) throw new ApiError(404, 'not_found', 'This device is not a member of that workspace.');
      return { hash: await session.documents.stateHash(id, `doc:${docName}`) };
    })
    .add('GET', '/api/directory', async () => membership().directory())
    .add('GET', '/api/directory/:orgId/users', async ({ params }) => ({
      users: await membership().orgUsers(parseWith(idSchema, params.orgId, 'orgId')),
    }))
    .add('POST', '/api/identities/verified', async ({ req }) => {
      const { userId, verified } = await readJson(req, verifiedSchema);
      await membership().setVerified(userId, verified);
      return {};
    })
    .add('POST', '/api/identities/accept', async ({ req }) => {
      const { userId } = await readJson(req, personSchema);
      await membership().acceptIdentityChange(userId);
      return {};
    });
}
