/**
 * Until a professional accepts an invitation (keys/workspace-acceptance.ts), the local API
 * treats the workspace as none of his: every route about one workspace answers 404 — its
 * members, chat, attachments, records, documents — except accepting or declining it, and
 * its y-websocket rooms are refused at the upgrade. The invitation itself is listed by
 * `GET /api/invitations`.
 */
import type { LocalRouteName } from '@yhteispoyta/local-api';
import type { AgentHost } from '../agent';
import { ApiError } from './http-util';
import type { RouteGuard } from './route-binding';

/** The routes about a workspace that answer before it is accepted. */
const BEFORE_ACCEPTING: ReadonlySet<LocalRouteName> = new Set(['acceptInvitation', 'declineInvitation']);

/** The refusal for a workspace that is only an invitation. */
function invitationOnly(): ApiError {
  return new ApiError(404, 'not_found', 'This workspace is an invitation: accept it first.');
}

/** Whether the running session holds the workspace as an invitation not yet accepted. */
export function isInvitationOnly(host: AgentHost, workspaceId: string): boolean {
  const parts = host.session()?.parts;
  if (parts === undefined || parts.keys.chainState(workspaceId) === undefined) return false;
  return !parts.membership.isAccepted(workspaceId);
}

/** The route guard: a workspace's routes refuse while it is only an invitation. */
export function acceptanceGuard(host: AgentHost): RouteGuard {
  return (name, params) => {
    if (BEFORE_ACCEPTING.has(name) || typeof params !== 'object' || params === null || !('workspaceId' in params)) return;
    const { workspaceId } = params;
    if (typeof workspaceId === 'string' && isInvitationOnly(host, workspaceId)) throw invitationOnly();
  };
}
