/**
 * What the agent pushes to the UI over the `/events` WebSocket: one JSON object per
 * event, tagged by `type`, starting with the current status. The UI re-fetches details
 * over the JSON API when it needs more than the event carries; a reader ignores event
 * types it does not know.
 */
import { z } from 'zod';
import { chatMessageSchema, transferProgressSchema } from './chat';
import { problemSchema } from './problems';
import { hostStatusSchema, syncStatusSchema } from './status';

/** One event of the `/events` stream. */
export const agentEventSchema = z.discriminatedUnion('type', [
  /** the agent's state changed (locked/unlocked/ready, link, pending edits) */
  z.object({ type: z.literal('status'), status: hostStatusSchema }),
  /** sync counters changed while a session runs */
  z.object({ type: z.literal('sync'), sync: syncStatusSchema, revision: z.number().nonnegative() }),
  z.object({ type: z.literal('problem'), problem: problemSchema }),
  /** a listed problem's condition is over (e.g. withheld envelopes arrived): it leaves the list */
  z.object({ type: z.literal('problem_resolved'), id: z.string() }),
  /** a chat message arrived, was acknowledged, edited or deleted */
  z.object({ type: z.literal('chat'), workspaceId: z.string(), message: chatMessageSchema }),
  /** a workspace's case records changed (received, sent, acknowledged, refused): list them again */
  z.object({ type: z.literal('records'), workspaceId: z.string() }),
  /** verified membership changed or a new epoch key arrived */
  z.object({ type: z.literal('membership'), workspaceId: z.string(), what: z.enum(['membership', 'epoch']) }),
  z.object({ type: z.literal('transfer'), progress: transferProgressSchema }),
  /** this device's certification or the person's devices (pending approvals) changed */
  z.object({ type: z.literal('devices') }),
]);
/** One event of the `/events` stream. */
export type AgentEvent = z.infer<typeof agentEventSchema>;
