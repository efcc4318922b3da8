/**
 * Convergence checks across agents, through their APIs only: a document has converged
 * when no agent holds unacknowledged changes and every agent reports the same state hash
 * (DocumentSync.stateHash via the hash route); a chat has converged when every agent
 * lists the same messages in the same server order.
 */
import type { ChatMessage } from './agent-api';
import type { ClusterAgent } from './harness';
import { PLAN_DOC_NAME } from './plan-editor';
import { waitFor } from './wait-for';

/** Options of the convergence waits. */
export interface ConvergeOptions {
  readonly timeoutMs?: number;
  readonly docName?: string;
}

/**
 * Wait until every agent has sent everything (pending 0) and all report the same hash of
 * the document; returns that hash.
 */
export async function waitForSameHash(agents: readonly ClusterAgent[], workspaceId: string, opts: ConvergeOptions = {}): Promise<string> {
  const docName = opts.docName ?? PLAN_DOC_NAME;
  return waitFor(
    async () => {
      for (const agent of agents) {
        const status = await agent.api.status();
        if (status.link !== 'online' || (status.sync?.pending ?? 1) !== 0) return undefined;
      }
      const hashes = await Promise.all(agents.map((agent) => agent.api.documentHash(workspaceId, docName)));
      const first = hashes[0];
      return first !== undefined && hashes.every((h) => h === first) ? first : undefined;
    },
    { timeoutMs: opts.timeoutMs ?? 90_000, intervalMs: 250, what: `equal hashes of ${docName} on ${agents.map((a) => a.name).join(', ')}` },
  );
}

/** What two agents must agree on about a chat message. */
function chatKey(message: ChatMessage): string {
  return JSON.stringify([message.seq, message.id, message.author.userId, message.author.deviceId, message.text, message.deleted]);
}

/**
 * Wait until every agent lists `count` acknowledged messages, identical on every agent
 * (same server order, ids, authors and texts); returns the list of the first agent.
 */
export async function waitForSameChat(agents: readonly ClusterAgent[], workspaceId: string, count: number, timeoutMs = 90_000): Promise<ChatMessage[]> {
  return waitFor(
    async () => {
      const lists = await Promise.all(agents.map((agent) => agent.api.chat(workspaceId)));
      const first = lists[0];
      if (first === undefined) return undefined;
      if (lists.some((list) => list.length !== count || list.some((m) => m.pending))) return undefined;
      const keys = first.map(chatKey).join('\n');
      return lists.every((list) => list.map(chatKey).join('\n') === keys) ? first : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `${count} identical chat messages on ${agents.map((a) => a.name).join(', ')}` },
  );
}
