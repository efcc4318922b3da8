/**
 * Handlers of a document's history (plan "Versiohistoria"): the versions this device
 * recorded, one with its full state, and restoring one as an ordinary edit.
 */
import type { AgentHost } from '../agent';
import { ApiError } from './http-util';
import type { RouteHandlers } from './route-binding';
import { requireSession } from './routes-host';

function noSuchVersion(): ApiError {
  return new ApiError(404, 'not_found', 'There is no such version of this document on this device.');
}

/** The history routes. */
export function historyRoutes(host: AgentHost) {
  /** The session, for a workspace this device verified itself (like the document's rooms). */
  const documentsOf = (workspaceId: string) => {
    const session = requireSession(host);
    if (session.keys.chainState(workspaceId) === undefined) throw new ApiError(404, 'not_found', 'This device is not a member of that workspace.');
    return session.documents;
  };

  return {
    listVersions: async ({ params }) => {
      const versions = await documentsOf(params.workspaceId).versions(params.workspaceId, `doc:${params.docName}`);
      return {
        versions: versions.map((v) => ({
          versionId: v.versionId,
          kind: v.kind,
          authorUserId: v.author.userId,
          authorDeviceId: v.author.deviceId,
          coauthorUserIds: v.coauthors.map((c) => c.userId),
          at: v.at,
        })),
      };
    },
    getVersion: async ({ params }) => {
      const found = await documentsOf(params.workspaceId).version(params.workspaceId, `doc:${params.docName}`, params.versionId);
      if (found === undefined) throw noSuchVersion();
      return {
        version: {
          versionId: found.versionId,
          kind: found.kind,
          authorUserId: found.author.userId,
          authorDeviceId: found.author.deviceId,
          coauthorUserIds: found.coauthors.map((c) => c.userId),
          at: found.at,
          state: Buffer.from(found.state).toString('base64'),
        },
      };
    },
    restoreVersion: async ({ params }) => {
      const changed = await documentsOf(params.workspaceId).restoreVersion(params.workspaceId, `doc:${params.docName}`, params.versionId);
      if (changed === undefined) throw noSuchVersion();
      return { changed };
    },
  } satisfies Partial<RouteHandlers>;
}
