/**
 * The regression guard of `npm run bench -- --quick` (run by CI through bench/run.test.ts):
 * it fails the run only on gross regressions, and judges only ratios of figures measured
 * in the same run — Yhteispöytä against the stock relay and Hocuspocus on the same
 * machine at the same moment — never absolute times, so a slow or busy machine slows
 * every system alike and does not fail it. The limits are far from the goals (those are
 * in the ratio table) and from what the quick sizes measure today, so that noise of
 * tiny runs on a shared machine does not fail CI; a figure that was not measured (NaN)
 * fails, since a guard that cannot see is no guard.
 */
import type { PropagationRow } from './propagation';
import type { BenchResults } from './results';
import { coldMedian } from './results';
import { QUICK_SIZES } from './sizes';
import { percentile } from './stats';

/**
 * The propagation rows the guard judges: the scales the quick run measures (a full run's
 * first scale among them). At 10 and 50 workspaces the full run puts 50–250 agents, each
 * verifying and decrypting every edit of its workspace, on the same two cores as the
 * server; the ratio there measures the load generator's saturation as much as the code,
 * and is reported in the ratio table against its goal, not guarded.
 */
export const GUARDED_MAX_WORKSPACES = Math.max(...QUICK_SIZES.propagation.scales);

/** One ratio the guard checks. */
export interface GuardCheck {
  readonly figure: string;
  readonly ratio: number;
  /** `max`: the ratio must not exceed `limit`; `min`: it must not fall below it */
  readonly bound: 'max' | 'min';
  readonly limit: number;
}

/** A check with its verdict. */
export interface GuardVerdict extends GuardCheck {
  readonly ok: boolean;
}

/**
 * Gross-regression limits. Today's quick runs measure propagation p50 at 5–20× the stock
 * relay, throughput at 0.07× of it, cold open at 7–18× the relay's sync, stored bytes at
 * 7× of the document's state. Memory per device is not guarded: the stock relay's
 * growth over the quick run's 10 devices is a few KiB of RSS, too close to zero to
 * divide by.
 */
export const GUARD_LIMITS = {
  /** propagation p50 (every scale pooled) against the slower of the stock relay and Hocuspocus */
  propagationP50: 60,
  /** relay throughput against the stock relay (best round) */
  throughput: 0.01,
  /** cold open against the stock relay's sync of the same document */
  coldOpen: 100,
  /** bytes stored after retention against the document's final state plus trailing updates */
  storedBytes: 40,
} as const;

/** Decide each check: a ratio beyond its limit, or not a number, fails. */
export function judge(checks: readonly GuardCheck[]): GuardVerdict[] {
  return checks.map((check) => ({
    ...check,
    ok: Number.isFinite(check.ratio) && (check.bound === 'max' ? check.ratio <= check.limit : check.ratio >= check.limit),
  }));
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1] ?? Number.NaN;
}

/** The guard's ratios, read from one run's results. */
export function guardChecks(r: BenchResults): GuardCheck[] {
  const checks: GuardCheck[] = [];
  // The quick run's scales pooled per system (GUARDED_MAX_WORKSPACES), and judged against
  // the slower of the two baselines: a noise burst that makes one baseline's tiny run look
  // fast must not fail CI, while a real regression of Yhteispöytä shows against both.
  const pooled = (system: PropagationRow['system']): number => {
    const rows = r.propagation.filter(
      (p) => p.system === system && p.workspaces <= GUARDED_MAX_WORKSPACES && (system !== 'yhteispoyta' || p.setup === 'in-process agents'),
    );
    return rows.length === 0 ? Number.NaN : percentile(rows.flatMap((p) => p.samples), 50);
  };
  const slowerBaseline = Math.max(pooled('baseline'), pooled('hocuspocus'));
  checks.push({
    figure: `propagation p50 vs the slower baseline, up to ${GUARDED_MAX_WORKSPACES} workspaces pooled`,
    ratio: pooled('yhteispoyta') / slowerBaseline,
    bound: 'max',
    limit: GUARD_LIMITS.propagationP50,
  });
  for (const { yp, baseline } of r.throughput) {
    checks.push({ figure: `relay throughput vs stock relay, ${yp.payloadBytes} B`, ratio: yp.updatesPerSecond / baseline.updatesPerSecond, bound: 'min', limit: GUARD_LIMITS.throughput });
  }
  const open = r.open.find((o) => o.threshold === r.defaults.compactionThreshold) ?? r.open[0];
  checks.push({
    figure: 'cold open vs stock relay sync',
    ratio: open === undefined ? Number.NaN : coldMedian(open) / medianOf(r.baselineOpen.syncMs),
    bound: 'max',
    limit: GUARD_LIMITS.coldOpen,
  });
  checks.push({
    figure: 'stored bytes vs state + trailing updates',
    ratio: open === undefined ? Number.NaN : open.stored.afterRetention / (open.finalStateBytes + open.trailingPlainBytes),
    bound: 'max',
    limit: GUARD_LIMITS.storedBytes,
  });
  return checks;
}
