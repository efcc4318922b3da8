/**
 * Waiting in tests: for a condition, never for a fixed time. Built on vitest's
 * `vi.waitFor`, which retries until the check passes or the timeout ends, and fails with
 * the `what` that did not happen.
 */
import { vi } from 'vitest';

/** Options of {@link waitUntil}. */
export interface WaitOptions {
  /** how long before giving up (default 20 s) */
  readonly timeoutMs?: number;
  /** pause between checks (default 25 ms) */
  readonly intervalMs?: number;
}

/** Wait until `check` holds; throws `timed out waiting for: <what>` otherwise. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, opts: WaitOptions = {}): Promise<void> {
  await vi.waitFor(
    async () => {
      if (!(await check())) throw new Error(`timed out waiting for: ${what}`);
    },
    { timeout: opts.timeoutMs ?? 20_000, interval: opts.intervalMs ?? 25 },
  );
}
