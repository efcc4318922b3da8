/**
 * Unread chat counts: what arrived in a workspace since this person last had it open.
 * The last seen server sequence number per workspace is kept in the browser's
 * localStorage under the profile's name, so two profiles on one machine keep their own
 * counts. It is a convenience, not a record: clearing the browser resets it.
 */

/** The part of the Web Storage API this needs (localStorage in the page, a Map in tests). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** What a message needs for counting. */
export interface CountableMessage {
  readonly seq: number;
  readonly deleted: boolean;
  readonly author: { readonly userId: string };
  /** author's clock, ms */
  readonly sentAt: number;
}

/** The storage key of a profile's last-seen map. */
export function lastSeenKey(profile: string): string {
  return `yhteispoyta:lastSeen:${profile}`;
}

/** Last seen sequence numbers of one profile's workspaces. */
export class LastSeenStore {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly profile: string,
  ) {}

  /** workspaceId → last seen seq; a damaged entry reads as empty. */
  all(): Record<string, number> {
    const raw = this.storage.getItem(lastSeenKey(this.profile));
    if (raw === null) return {};
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
      const out: Record<string, number> = {};
      for (const [key, value] of Object.entries(parsed)) if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) out[key] = value;
      return out;
    } catch {
      return {};
    }
  }

  /** The last seen seq of a workspace (0: never opened). */
  get(workspaceId: string): number {
    return this.all()[workspaceId] ?? 0;
  }

  /** Remember that everything up to `seq` was seen; never moves backwards. */
  markSeen(workspaceId: string, seq: number): void {
    const all = this.all();
    if ((all[workspaceId] ?? 0) >= seq) return;
    all[workspaceId] = seq;
    try {
      this.storage.setItem(lastSeenKey(this.profile), JSON.stringify(all));
    } catch {
      // Storage full or disabled: counts just stay as they are.
    }
  }
}

/** Messages of others, not deleted, sequenced after `lastSeen`. */
export function unreadCount(messages: Iterable<CountableMessage>, lastSeen: number, selfUserId: string): number {
  let count = 0;
  for (const m of messages) if (m.seq > lastSeen && !m.deleted && m.author.userId !== selfUserId) count++;
  return count;
}

/** The newest message time (0 when there are none). */
export function latestSentAt(messages: Iterable<{ readonly sentAt: number }>): number {
  let max = 0;
  for (const m of messages) if (m.sentAt > max) max = m.sentAt;
  return max;
}

/** The highest server sequence number among messages (0 when none is sequenced yet). */
export function highestSeq(messages: Iterable<{ readonly seq: number }>): number {
  let max = 0;
  for (const m of messages) if (m.seq > max) max = m.seq;
  return max;
}
