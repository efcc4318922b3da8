/**
 * Polling instead of sleeping: cross-process tests wait for an observable condition with a
 * deadline, so a slow (shared, 2-core) machine only makes them slower, never flaky.
 */

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** give up after this long (default 30 s) */
  readonly timeoutMs?: number;
  /** pause between probes (default 100 ms) */
  readonly intervalMs?: number;
  /** what is being waited for, for the timeout message */
  readonly what?: string;
}

/** Thrown by {@link waitFor} at its deadline; carries the last value or error the probe gave. */
class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/** Thrown by a probe to stop waiting at once (the awaited thing can no longer happen). */
export class WaitAborted extends Error {
  override readonly name = 'WaitAborted';
}

/**
 * Call `probe` until it returns something other than `undefined` or `false`, and return
 * that. A probe that throws counts as "not yet" (a process still starting refuses its
 * connection), except for {@link WaitAborted}, which ends the wait; the last error or
 * value is reported when the deadline passes.
 */
export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, opts: WaitForOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let last = 'no probe finished';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = `last value: ${String(value)}`;
    } catch (error) {
      if (error instanceof WaitAborted) throw error;
      last = `last error: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (Date.now() >= deadline) {
      throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'} (${last})`);
    }
    await sleep(intervalMs);
  }
}

/** Resolve after `ms`. Only for pacing what a test does (typing speed), never to wait for a result. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
