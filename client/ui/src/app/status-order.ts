/**
 * The agent's status reaches the page two ways — HTTP answers (unlock, enrol, a refetch)
 * and the events WebSocket — which can arrive in either order. An unlock answer taken
 * while the link was still connecting, arriving after the event that said it is online,
 * would otherwise leave the status bar at "connecting" for good (nothing changes again to
 * send another event). Every snapshot carries the agent's `revision`; the newest wins.
 */
import type { HostStatus, SyncStatus } from '@yhteispoyta/local-api';

/** `next` unless `current` was taken later. */
export function newerStatus(current: HostStatus | undefined, next: HostStatus): HostStatus {
  return current !== undefined && current.revision > next.revision ? current : next;
}

/** `current` with a sync event's counters and link, unless `current` was taken later. */
export function withSync(current: HostStatus | undefined, sync: SyncStatus, revision: number): HostStatus | undefined {
  if (current === undefined || current.revision > revision) return current;
  return { ...current, sync, link: sync.link, revision };
}
