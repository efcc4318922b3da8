/**
 * "Omat tehtävät" (issue 12): this person's open agreed actions — owner = him by userId,
 * not done — and the information requests still waiting for an answer that are addressed
 * to him or to his organisation, across his workspaces, by due date (none last). Built from
 * what this device holds: the plan documents it has synced and its replay of the records.
 */
import { isOverdue } from '@yhteispoyta/local-api';
import type { CaseRecordView, PlanAction, Task } from '@yhteispoyta/local-api';

/** Who is asking. */
export interface TaskOwner {
  readonly userId: string;
  readonly orgId: string;
  /** a client has no organisation's requests to answer */
  readonly professional: boolean;
}

/** What one workspace contributes. */
export interface WorkspaceWork {
  readonly workspaceId: string;
  readonly label: string;
  readonly actions: readonly PlanAction[];
  readonly records: readonly CaseRecordView[];
}

/** The tasks of `self` in `workspaces`, `today` being YYYY-MM-DD on his calendar. */
export function buildTasks(self: TaskOwner, workspaces: readonly WorkspaceWork[], today: string): Task[] {
  const tasks: Task[] = [];
  for (const ws of workspaces) {
    const where = { workspaceId: ws.workspaceId, workspaceLabel: ws.label };
    for (const action of ws.actions) {
      if (action.ownerUserId !== self.userId || action.status === 'done') continue;
      tasks.push({ kind: 'action', ...where, id: action.id, title: action.what, due: action.due, status: action.status, overdue: isOverdue(action.due, false, today) });
    }
    for (const record of ws.records) {
      if (record.kind !== 'request' || record.status !== 'sent' || record.author.userId === self.userId) continue;
      const to = record.to;
      const addressedTo = to.kind === 'member' ? (to.userId === self.userId ? 'me' : undefined) : self.professional && to.orgId === self.orgId ? 'my_org' : undefined;
      if (addressedTo === undefined) continue;
      tasks.push({
        kind: 'request', ...where, id: record.id, title: record.subject, due: record.due, overdue: isOverdue(record.due, false, today),
        from: { userId: record.author.userId, orgId: record.author.orgId }, addressedTo,
      });
    }
  }
  // By due date; those without one last; then by title, so the order is stable.
  return tasks.sort((a, b) => (a.due === '' ? 1 : 0) - (b.due === '' ? 1 : 0) || a.due.localeCompare(b.due) || a.title.localeCompare(b.title, 'fi'));
}
