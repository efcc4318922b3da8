/**
 * Elapsed time in words as the seeds write it: "6 kk" for whole months, "alle 1 kk
 * (12 pv)" under a month.
 */
import type { Elapsed } from '@yhteispoyta/local-api';

/** The elapsed time in the UI's language. */
export function formatElapsed(elapsed: Elapsed, t: (key: string, options?: Record<string, unknown>) => string): string {
  return elapsed.months >= 1 ? t('timeline.months', { count: elapsed.months }) : t('timeline.underMonth', { count: elapsed.days });
}
