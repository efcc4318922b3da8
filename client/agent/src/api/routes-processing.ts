/**
 * Handlers of "Tietojeni käsittely" (issue 13): the processing view of a workspace, and
 * the UI telling the agent its user opened or exported something (the agent records it in
 * the server's audit log). Both only for workspaces this device verified itself.
 */
import type { AgentHost } from '../agent';
import { ApiError } from './http-util';
import type { RouteHandlers } from './route-binding';
import { requireSession } from './routes-host';

/** The processing routes. */
export function processingRoutes(host: AgentHost) {
  const held = (workspaceId: string) => {
    const session = requireSession(host);
    if (session.keys.chainState(workspaceId) === undefined) throw new ApiError(404, 'not_found', 'This device is not a member of that workspace.');
    return session;
  };
  return {
    processing: async ({ params }) => ({ processing: await held(params.workspaceId).processing.view(params.workspaceId) }),
    recordAccess: async ({ params, body }) => {
      const { action, what, format } = body;
      const recorded = await held(params.workspaceId).recordAccess(params.workspaceId, { action, what, ...(format === undefined ? {} : { format }) });
      if (!recorded) throw new ApiError(503, 'server_unreachable', 'The access could not be recorded in the central audit log right now.');
      return {};
    },
  } satisfies Partial<RouteHandlers>;
}
