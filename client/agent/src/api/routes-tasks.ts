/**
 * Handlers of this person's tasks ("Omat tehtävät") and a workspace's case timeline
 * (issue 12), both built from what this device verified: its plan documents, its replay of
 * the records, its chat and its membership chains.
 */
import { localDate } from '@yhteispoyta/local-api';
import type { AgentHost } from '../agent';
import { PLAN_STREAM } from '@yhteispoyta/crypto/stream-rules';
import { readPlanActions } from '../tasks/plan-actions';
import { buildTasks } from '../tasks/task-list';
import type { WorkspaceWork } from '../tasks/task-list';
import { buildTimeline } from '../timeline/case-timeline';
import { ApiError } from './http-util';
import type { RouteHandlers } from './route-binding';
import { requireSession } from './routes-host';

/** The tasks and timeline routes. */
export function taskRoutes(host: AgentHost) {
  return {
    listTasks: async () => {
      const { membership, documents, records, device } = requireSession(host);
      const work: WorkspaceWork[] = [];
      for (const ws of await membership.list()) {
        if (ws.closed || !membership.isAccepted(ws.workspaceId)) continue;
        // Opening the plan follows it: a plan never synced here counts once its catch-up ran.
        const plan = await documents.open(ws.workspaceId, PLAN_STREAM);
        work.push({ workspaceId: ws.workspaceId, label: ws.label, actions: readPlanActions(plan), records: await records.list(ws.workspaceId) });
      }
      const self = { userId: device.self.userId, orgId: device.orgId, professional: device.role !== 'client' };
      return { tasks: buildTasks(self, work, localDate(Date.now())) };
    },
    timeline: async ({ params, query }) => {
      const { membership, records, chat } = requireSession(host);
      const history = await membership.history(params.workspaceId);
      if (history === undefined || !membership.isAccepted(params.workspaceId)) {
        throw new ApiError(404, 'not_found', 'This device is not a member of that workspace.');
      }
      const sources = { history, records: await records.list(params.workspaceId), chat: await chat.list(params.workspaceId), now: Date.now() };
      return buildTimeline(sources, query);
    },
  } satisfies Partial<RouteHandlers>;
}
