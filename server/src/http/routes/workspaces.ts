/**
 * Workspaces: creation from a signed `create` event, the caller's workspaces, the
 * membership chain (read and append), and the workspace's audit log.
 */
import { queryWorkspaceAudit, recordAudit } from '../../services/audit';
import { appendMembership, createWorkspace, requireMemberState } from '../../services/membership';
import { requireWorkspaceRoom } from '../../services/quotas';
import { deviceRefOf } from '../../services/sessions';
import { listMembership, listWorkspaces } from '../../services/workspaces';
import type { RouteHandlers } from '../route-binding';

/** Handlers of the workspace routes. */
export const workspaceRoutes: Pick<RouteHandlers, 'createWorkspace' | 'listWorkspaces' | 'listMembership' | 'appendMembership' | 'queryAudit' | 'recordAccess'> = {
  createWorkspace: async ({ ctx, device, body }) => {
    await requireWorkspaceRoom(ctx, deviceRefOf(device));
    return createWorkspace(ctx, deviceRefOf(device), body.event);
  },
  listWorkspaces: async ({ ctx, device }) => listWorkspaces(ctx, deviceRefOf(device)),
  listMembership: async ({ ctx, device, params, query }) => listMembership(ctx, deviceRefOf(device), params.workspaceId, query.after),
  appendMembership: async ({ ctx, device, params, body }) => appendMembership(ctx, deviceRefOf(device), params.workspaceId, body.event),
  // Any current member device may read its workspace's log; in a case that includes the
  // client person (client-data act 703/2023).
  queryAudit: async ({ ctx, device, params, query }) => {
    const caller = deviceRefOf(device);
    await requireMemberState(ctx, caller, params.workspaceId);
    const entries = await queryWorkspaceAudit(ctx, params.workspaceId, query);
    await recordAudit(ctx, { actor: caller, action: 'audit_query', workspaceId: params.workspaceId, detail: { entries: String(entries.length) } });
    return { entries };
  },
  // What a member's agent says its user did with what it fetched (issue 13): opened or
  // exported. The server cannot see either; it only records who said so, and when.
  recordAccess: async ({ ctx, device, params, body }) => {
    const caller = deviceRefOf(device);
    await requireMemberState(ctx, caller, params.workspaceId);
    const { what, format } = body.detail;
    await recordAudit(ctx, {
      actor: caller,
      action: body.action === 'opened' ? 'document_open' : 'export',
      workspaceId: params.workspaceId,
      detail: { what, ...(format === undefined ? {} : { format }) },
    });
    return {};
  },
};
