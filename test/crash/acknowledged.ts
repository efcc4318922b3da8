/**
 * What the server has certainly acknowledged, observed from outside without trusting
 * any agent's word for it:
 * - a plan word is acknowledged once an editor of another agent shows it: the only way
 *   from one agent to another is through the server, which fans an envelope out only
 *   after storing it and acknowledging it to its sender;
 * - a chat message is acknowledged once any agent lists it without `pending` (its own
 *   agent clears `pending` on the server's ack; others only ever receive stored ones).
 */
import type { ClusterAgent } from '../integration/harness';
import { wordsOf } from '../integration/harness';
import type { Participant } from './activity';

/** Words shown by the editor of an agent other than their author. */
export function wordsSeenByOthers(participants: readonly Participant[], authorOf: ReadonlyMap<string, string>): Set<string> {
  const seen = new Set<string>();
  for (const { agent, editor } of participants) {
    for (const word of wordsOf(editor.text())) {
      const author = authorOf.get(word);
      if (author !== undefined && author !== agent.name) seen.add(word);
    }
  }
  return seen;
}

/** Chat texts some agent lists as acknowledged by the server. */
export async function acknowledgedChats(agents: readonly ClusterAgent[], workspaceId: string): Promise<Set<string>> {
  const acked = new Set<string>();
  for (const agent of agents) {
    for (const message of await agent.api.chat(workspaceId)) if (!message.pending) acked.add(message.text);
  }
  return acked;
}
