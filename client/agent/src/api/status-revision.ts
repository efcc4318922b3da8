/**
 * The `revision` of a status snapshot or sync event (local-api status.ts): when the agent
 * took it, in ms on a clock that only goes forward within this process and starts past
 * any earlier process's (the process's start time on the wall clock plus the monotonic
 * time since). The UI keeps the newest of what the HTTP answers and the events tell it.
 */
export function statusRevision(): number {
  return performance.timeOrigin + performance.now();
}
