/**
 * Handlers of a workspace's case records routes: the records as the agent's replay shows
 * them, and the actions that create or advance one (docs/design.md §11).
 */
import type { AgentHost } from '../agent';
import { UnknownAttachmentError } from '../chat/unknown-attachment';
import { ApiError } from './http-util';
import type { RouteHandlers } from './route-binding';
import { requireSession } from './routes-host';

/** The records routes. */
export function recordRoutes(host: AgentHost) {
  const records = () => requireSession(host).records;

  return {
    listRecords: async ({ params }) => ({ records: await records().list(params.workspaceId) }),
    sendRecord: async ({ params, body }) => {
      try {
        return { record: await records().send(params.workspaceId, body) };
      } catch (err) {
        // Input the contract's schema let through and the records' own refuses, or an attachment not uploaded here.
        if (err instanceof RangeError && !(err instanceof UnknownAttachmentError)) throw new ApiError(400, 'bad_request', err.message);
        throw err;
      }
    },
  } satisfies Partial<RouteHandlers>;
}
