/**
 * Runs one socket's requests one after the other, in arrival order. socket.io delivers a
 * socket's events in order, but async handlers would finish in any order: a client that
 * sends clock 5 and clock 6 without waiting would see clock 6 stored first and refused
 * as a gap. The queue is bounded so that a client cannot park unbounded work.
 */

/** A bounded FIFO of async tasks. */
export interface SerialQueue {
  /** Queue the task; false (and the task is not run) when `maxPending` tasks already wait. */
  tryRun(task: () => Promise<void>): boolean;
}

/** A queue holding at most `maxPending` tasks, the running one included. */
export function createSerialQueue(maxPending: number): SerialQueue {
  let tail: Promise<void> = Promise.resolve();
  let pending = 0;
  return {
    tryRun(task) {
      if (pending >= maxPending) return false;
      pending += 1;
      tail = tail.then(async () => {
        try {
          await task();
        } catch {
          // Tasks report their own failures; this only keeps one failure from stopping the queue.
        } finally {
          pending -= 1;
        }
      });
      return true;
    },
  };
}
