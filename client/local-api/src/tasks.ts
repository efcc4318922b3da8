/**
 * Agreed actions of a plan as tasks (issue 12): the plain shape of one action in the
 * plan's Yjs document — read by the UI's plan and by the agent's task list with this one
 * schema — and "Omat tehtävät", the open actions and information requests of this person
 * across his workspaces, which the agent builds from the plan documents and records it holds.
 */
import { z } from 'zod';

/** The Y.Array of agreed actions in the plan document `doc:plan`. */
export const PLAN_DOC_ACTIONS = 'actions';

/** Statuses of an agreed action. */
export const PLAN_ACTION_STATUSES = ['planned', 'in_progress', 'done'] as const;
/** Longest text of one action field. */
export const MAX_PLAN_ACTION_FIELD_CHARS = 500;

const actionText = z.string().max(MAX_PLAN_ACTION_FIELD_CHARS);
const actionId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/**
 * One agreed action as its Y.Map reads in plain JSON. Every member can write anything into
 * the plan, so what is read back is parsed with this. `owner` and `organisation` are the
 * free text of earlier versions; `ownerUserId` names a member (his name and organisation are
 * shown from his certificates). `fromMeetingId`/`fromDecisionId` say which meeting decision it came from.
 */
export const planActionSchema = z.object({
  id: actionId,
  what: actionText,
  owner: actionText,
  organisation: actionText,
  ownerUserId: actionId.optional(),
  // An ISO date (YYYY-MM-DD) or empty: no due date yet.
  due: z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/)]),
  status: z.enum(PLAN_ACTION_STATUSES),
  createdAt: z.number(),
  fromMeetingId: actionId.optional(),
  fromDecisionId: actionId.optional(),
});
/** An agreed action. */
export type PlanAction = z.infer<typeof planActionSchema>;

/** Whether a due date (YYYY-MM-DD) has passed: before `today` (YYYY-MM-DD, the viewer's own calendar). */
export function isOverdue(due: string, done: boolean, today: string): boolean {
  return !done && due !== '' && due < today;
}

/** A date as YYYY-MM-DD on the local calendar of whoever runs this. */
export function localDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** One task of this person. */
export const taskSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('action'),
    workspaceId: z.string(),
    /** the workspace's label as the members' key messages carry it ('' until known) */
    workspaceLabel: z.string(),
    id: z.string(),
    title: z.string(),
    due: z.string(),
    status: z.enum(PLAN_ACTION_STATUSES),
    overdue: z.boolean(),
  }),
  z.object({
    kind: z.literal('request'),
    workspaceId: z.string(),
    workspaceLabel: z.string(),
    id: z.string(),
    title: z.string(),
    due: z.string(),
    overdue: z.boolean(),
    /** who asked, as the verified chain names him */
    from: z.object({ userId: z.string(), orgId: z.string().nullable() }),
    /** addressed to this person himself, or to his organisation */
    addressedTo: z.enum(['me', 'my_org']),
  }),
]);
/** A task. */
export type Task = z.infer<typeof taskSchema>;

/**
 * Answer of `GET /api/tasks`, by due date (none last). Only plans this device holds count:
 * a plan it has never synced (a workspace not opened since it was added) adds its actions
 * once its catch-up, which the first call starts, has run.
 */
export const tasksResponseSchema = z.object({ tasks: z.array(taskSchema) });
