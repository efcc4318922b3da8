/**
 * Handlers of a workspace's files ("Liitteet") and of exports to the case record
 * (docs/design.md §11.4, §11.5). An export is served as an attachment (never rendered in
 * the agent's origin) and only after it was recorded.
 */
import type { AgentHost } from '../agent';
import { listWorkspaceFiles } from '../case-files/case-files';
import { baseHeaders } from './http-util';
import type { RouteHandlers } from './route-binding';
import { contentDisposition } from './routes-chat';
import { requireSession } from './routes-host';

/** The files and export routes. */
export function caseFileRoutes(host: AgentHost) {
  return {
    listWorkspaceFiles: async ({ params }) => ({ files: await listWorkspaceFiles(requireSession(host), params.workspaceId) }),
    exportCase: async ({ params, body, res }) => {
      const file = await requireSession(host).exports.export(params.workspaceId, body);
      res.writeHead(200, {
        ...baseHeaders(),
        'content-type': file.contentType,
        'content-length': file.bytes.byteLength,
        'content-disposition': contentDisposition(file.fileName),
        'content-security-policy': "sandbox; default-src 'none'",
      });
      res.end(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength));
    },
  } satisfies Partial<RouteHandlers>;
}
