/**
 * Figures of the server's resident-memory samples: the range, and whether memory grew
 * with the work done (a leak) rather than settling after warm-up.
 */

/** Range of a series of samples. */
export interface RssSummary {
  readonly samples: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly minMiB: number;
  readonly maxMiB: number;
}

const MIB = 1024 * 1024;

/** Min and max of the samples (zeros when there are none). */
export function summarize(samples: readonly number[]): RssSummary {
  if (samples.length === 0) return { samples: 0, minBytes: 0, maxBytes: 0, minMiB: 0, maxMiB: 0 };
  const minBytes = Math.min(...samples);
  const maxBytes = Math.max(...samples);
  return { samples: samples.length, minBytes, maxBytes, minMiB: Math.round(minBytes / MIB), maxMiB: Math.round(maxBytes / MIB) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Median of the last fifth of the samples minus the median of the second fifth: the
 * first fifth is warm-up (JIT, caches, pools filling), after which a server that does not
 * leak stays level. 0 when there are too few samples to tell.
 */
export function growthOf(samples: readonly number[]): number {
  if (samples.length < 10) return 0;
  const fifth = Math.floor(samples.length / 5);
  const early = samples.slice(fifth, 2 * fifth);
  const late = samples.slice(samples.length - fifth);
  return median(late) - median(early);
}

/** About `points` evenly spaced samples in MiB: the shape of the curve for a report. */
export function sparkline(samples: readonly number[], points = 40): number[] {
  if (samples.length === 0) return [];
  const step = Math.max(1, Math.floor(samples.length / points));
  const out: number[] = [];
  for (let i = 0; i < samples.length; i += step) out.push(Math.round((samples[i] ?? 0) / MIB));
  return out;
}
