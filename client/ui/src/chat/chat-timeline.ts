/**
 * The chat's timeline: messages in the server's order with the system notices of the
 * verified chain (joins, removals, departures, consent changes) placed among them by
 * their signed time. Messages keep their order; messages not yet acknowledged stay last.
 */
import type { ChatMessage, MemberNotice } from '@yhteispoyta/local-api';

/** One row of the timeline. */
export type TimelineItem = { readonly kind: 'message'; readonly message: ChatMessage } | { readonly kind: 'notice'; readonly notice: MemberNotice };

/** Messages (already in display order) with `notices` inserted before the first sequenced message written after them. */
export function chatTimeline(ordered: readonly ChatMessage[], notices: readonly MemberNotice[]): TimelineItem[] {
  const queue = [...notices].sort((a, b) => a.at - b.at || a.seq - b.seq);
  const out: TimelineItem[] = [];
  let next = 0;
  for (const message of ordered) {
    if (message.seq !== 0) {
      while (next < queue.length && (queue[next]?.at ?? 0) <= message.sentAt) out.push({ kind: 'notice', notice: queue[next++] as MemberNotice });
    } else {
      while (next < queue.length) out.push({ kind: 'notice', notice: queue[next++] as MemberNotice });
    }
    out.push({ kind: 'message', message });
  }
  while (next < queue.length) out.push({ kind: 'notice', notice: queue[next++] as MemberNotice });
  return out;
}
