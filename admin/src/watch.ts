/**
 * Certifying as enrolments arrive: `certify --watch` and `npm start`'s demo organisation
 * poll the server's pending enrolments and certify each one that checks out. A refusal is
 * reported once per enrolment (the same forged enrolment listed again is not news); a
 * server that cannot be reached is reported and tried again at the next tick.
 */
import type { CertifyReport, OrgAuthority, RefusedEnrolment } from './authority';

/** Default pause between two polls. */
const DEFAULT_WATCH_INTERVAL_MS = 2000;

/** Options of {@link watchEnrolments}. */
export interface WatchOptions {
  /** pause between polls; default {@link DEFAULT_WATCH_INTERVAL_MS} */
  readonly intervalMs?: number;
  /** stops the loop (the promise resolves after the current poll) */
  readonly signal: AbortSignal;
  /** every poll's report, with refusals already reported left out */
  readonly onReport?: (report: CertifyReport) => void;
  /** a poll that failed (server unreachable, refused the listing …) */
  readonly onError?: (error: unknown) => void;
}

const refusalKey = (r: RefusedEnrolment): string => `${r.codeId}/${r.userId}/${r.deviceId}/${r.reason}/${r.detail}`;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** Poll and certify until `signal` aborts. Never rejects. */
export async function watchEnrolments(authority: OrgAuthority, opts: WatchOptions): Promise<void> {
  const seenRefusals = new Set<string>();
  while (!opts.signal.aborted) {
    try {
      const report = await authority.certifyPending();
      const refused = report.refused.filter((r) => !seenRefusals.has(refusalKey(r)));
      for (const r of refused) seenRefusals.add(refusalKey(r));
      opts.onReport?.({ ...report, refused });
    } catch (error) {
      opts.onError?.(error);
    }
    await sleep(opts.intervalMs ?? DEFAULT_WATCH_INTERVAL_MS, opts.signal);
  }
}
