/**
 * Handlers of the workspace routes: list and create, members (add from the directory,
 * invite a client, remove a member or one device), consent, the organisation directory,
 * identities with their safety numbers (one per person), and a document's convergence
 * fingerprint.
 */
import type { AgentHost } from '../agent';
import { ApiError } from './http-util';
import type { RouteHandlers } from './route-binding';
import { requireSession } from './routes-host';

function notAMember(): ApiError {
  return new ApiError(404, 'not_found', 'This device is not a member of that workspace.');
}

/** A workspace summary whose last activity counts this device's record of document edits too. */
export function withLocalActivity<W extends { readonly lastActivityAt: number }>(workspace: W, lastEditAt: number): W {
  return lastEditAt > workspace.lastActivityAt ? { ...workspace, lastActivityAt: lastEditAt } : workspace;
}

/** The workspace, member, consent, directory and identity routes. */
export function workspaceRoutes(host: AgentHost) {
  const membership = () => requireSession(host).membership;

  return {
    // Only the person's own: an invitation is listed apart until he accepts it (acceptance-gate.ts).
    listWorkspaces: async () => {
      const service = membership();
      const documents = requireSession(host).documents;
      const accepted = (await service.list()).filter((w) => service.isAccepted(w.workspaceId));
      // Plan and minutes edits are activity too, not only what the server counted.
      return { workspaces: accepted.map((w) => withLocalActivity(w, documents.lastEditAt(w.workspaceId))) };
    },
    listRemovals: async () => ({ removals: await membership().removals() }),
    createWorkspace: async ({ body }) => ({ workspace: await membership().create(body.kind, body.label) }),
    listMembers: async ({ params }) => {
      const found = (await membership().list()).find((w) => w.workspaceId === params.workspaceId);
      if (found === undefined) throw notAMember();
      return { members: found.members };
    },
    addMember: async ({ params, body }) => ({
      workspace: await membership().addMember(params.workspaceId, body.userId, body.owner === undefined ? undefined : { owner: body.owner }),
    }),
    removeMember: async ({ params }) => ({ workspace: await membership().removeMember(params.workspaceId, params.userId) }),
    removeMemberDevice: async ({ params }) => ({
      workspace: await membership().removeDevice(params.workspaceId, { userId: params.userId, deviceId: params.deviceId }),
    }),
    inviteClient: async ({ params, body }) => ({ invitation: await membership().inviteClient(params.workspaceId, body.displayName) }),
    grantConsent: async ({ params, body }) => {
      const { orgIds, purpose, expiresAt, handOverTo, close } = body;
      const consent = {
        orgIds,
        purpose,
        ...(expiresAt === undefined ? {} : { expiresAt }),
        ...(handOverTo === undefined ? {} : { handOverTo }),
        ...(close === undefined ? {} : { close }),
      };
      return { workspace: await membership().grantConsent(params.workspaceId, consent) };
    },
    revokeConsent: async ({ params, body }) => {
      const { orgIds, handOverTo, close } = body;
      const ending = { ...(handOverTo === undefined ? {} : { handOverTo }), ...(close === undefined ? {} : { close }) };
      return { workspace: await membership().revokeConsent(params.workspaceId, orgIds, ending) };
    },
    recordBasis: async ({ params, body }) => ({ workspace: await membership().recordBasis(params.workspaceId, params.userId, body.basis) }),
    identities: async ({ params }) => ({ identities: await membership().identities(params.workspaceId) }),
    documentHash: async ({ params }) => {
      const session = requireSession(host);
      // Opening a document follows its workspace: only for workspaces this device verified itself.
      if (session.keys.chainState(params.workspaceId) === undefined) throw notAMember();
      return { hash: await session.documents.stateHash(params.workspaceId, `doc:${params.docName}`) };
    },
    directory: async () => membership().directory(),
    orgUsers: async ({ params, query }) => ({ users: await membership().orgUsers(params.orgId, query.q) }),
    setVerified: async ({ body }) => {
      await membership().setVerified(body.userId, body.verified);
      return {};
    },
    acceptIdentity: async ({ body }) => {
      await membership().acceptIdentityChange(body.userId);
      return {};
    },
    listInvitations: async () => ({ invitations: await membership().invitations() }),
    acceptInvitation: async ({ params }) => ({ workspace: await membership().acceptInvitation(params.workspaceId) }),
    joinWithCode: async ({ body }) => membership().joinWithCode(body.code),
    declineInvitation: async ({ params }) => {
      await membership().declineInvitation(params.workspaceId);
      return {};
    },
  } satisfies Partial<RouteHandlers>;
}
