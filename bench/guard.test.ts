/**
 * The regression guard's decisions: it fails on a gross regression of a ratio, passes
 * anything within its limits, fails a figure that was not measured, and — judging only
 * ratios of the same run — gives the same verdicts when the machine makes every system
 * equally slower.
 */
import { describe, expect, it } from 'vitest';
import { GUARDED_MAX_WORKSPACES, GUARD_LIMITS, guardChecks, judge } from './guard';
import type { OpenRow } from './open';
import type { PropagationRow } from './propagation';
import type { BenchResults } from './results';
import { summarize } from './stats';
import type { ThroughputResult } from './throughput';

function row(system: PropagationRow['system'], workspaces: number, p50: number): PropagationRow {
  const samples = [p50, p50, p50 * 3];
  return {
    system,
    setup: system === 'yhteispoyta' ? 'in-process agents' : 'clients',
    workspaces,
    clientsPerWorkspace: 3,
    generators: 1,
    latency: summarize(samples),
    samples,
    edits: 10,
    lost: 0,
    generatorLateP50: 0,
    generatorLateP99: 0,
    clientCpu: 0,
    serverCpu: 0,
    serverCpuSPer1000: 0,
  };
}

function throughput(system: ThroughputResult['system'], updatesPerSecond: number): ThroughputResult {
  return { system, payloadBytes: 64, receivers: 2, updatesPerSecond, inMBps: 0, outMBps: 0, wireBytes: 0, serverCpu: 1, serverCpuSPer1000: 0, clientCpu: 0, windowMs: 500 };
}

const PROPAGATION = `propagation p50 vs the slower baseline, up to ${GUARDED_MAX_WORKSPACES} workspaces pooled`;

/**
 * Results with Yhteispöytä at `slow`× the stock relay's latency; every time scaled by
 * `machine`; `atScale`: a full run's larger scale too, with Yhteispöytä that much slower there.
 */
function results(opts: { slow: number; throughputRatio: number; machine?: number; hocuspocus?: boolean; atScale?: { workspaces: number; slow: number } }): BenchResults {
  const m = opts.machine ?? 1;
  const open = { threshold: 50, coldOpenMs: [100 * m], finalStateBytes: 1000, trailingPlainBytes: 200, stored: { afterRetention: 6000 } } as unknown as OpenRow;
  return {
    propagation: [
      row('yhteispoyta', 1, 2 * opts.slow * m),
      row('baseline', 1, 2 * m),
      ...(opts.hocuspocus === false ? [] : [row('hocuspocus', 1, 3 * m)]),
      ...(opts.atScale === undefined
        ? []
        : [row('yhteispoyta', opts.atScale.workspaces, 2 * opts.atScale.slow * m), row('baseline', opts.atScale.workspaces, 2 * m), row('hocuspocus', opts.atScale.workspaces, 3 * m)]),
    ],
    throughput: [{ yp: throughput('yhteispoyta', (opts.throughputRatio * 4000) / m), baseline: throughput('baseline', 4000 / m) }],
    open: [open],
    defaults: { mergeWindowMs: 10, compactionThreshold: 50 },
    baselineOpen: { syncMs: [10 * m], stateBytes: 500 },
  } as unknown as BenchResults;
}

const failed = (r: BenchResults) => judge(guardChecks(r)).filter((v) => !v.ok).map((v) => v.figure);

describe('regression guard', () => {
  it('passes a run within every limit', () => {
    expect(failed(results({ slow: 10, throughputRatio: 0.08 }))).toEqual([]);
  });

  it('fails a gross propagation regression only when it shows against both baselines', () => {
    // Hocuspocus runs at 1.5× the stock relay's latency in these results.
    const limit = GUARD_LIMITS.propagationP50;
    expect(failed(results({ slow: limit + 1, throughputRatio: 0.08 }))).toEqual([]);
    expect(failed(results({ slow: limit * 1.5 + 1, throughputRatio: 0.08 }))).toEqual([PROPAGATION]);
  });

  it("judges propagation at the quick run's scales only, in a full run too", () => {
    const limit = GUARD_LIMITS.propagationP50;
    // 50 workspaces put 250 agents on the same cores as the server: reported, not guarded.
    expect(failed(results({ slow: 10, throughputRatio: 0.08, atScale: { workspaces: 50, slow: limit * 100 } }))).toEqual([]);
    expect(failed(results({ slow: limit * 1.5 + 1, throughputRatio: 0.08, atScale: { workspaces: 50, slow: 10 } }))).toEqual([PROPAGATION]);
    // The quick run's largest scale counts: a regression there moves the pooled ratio, at 50 it does not.
    const ratio = (workspaces: number) =>
      guardChecks(results({ slow: 10, throughputRatio: 0.08, atScale: { workspaces, slow: limit * 100 } })).find((c) => c.figure === PROPAGATION)?.ratio ?? Number.NaN;
    expect(ratio(50)).toBe(guardChecks(results({ slow: 10, throughputRatio: 0.08 })).find((c) => c.figure === PROPAGATION)?.ratio);
    expect(ratio(GUARDED_MAX_WORKSPACES)).toBeGreaterThan(ratio(50) * 2);
  });

  it('fails a gross throughput regression', () => {
    expect(failed(results({ slow: 10, throughputRatio: GUARD_LIMITS.throughput / 2 }))).toEqual(['relay throughput vs stock relay, 64 B']);
  });

  it('fails a figure that was not measured', () => {
    expect(failed(results({ slow: 10, throughputRatio: 0.08, hocuspocus: false }))).toEqual([PROPAGATION]);
  });

  it('judges ratios only: a machine 20× slower for every system gives the same verdicts', () => {
    for (const run of [{ slow: 10, throughputRatio: 0.08 }, { slow: 100, throughputRatio: 0.001 }]) {
      expect(failed(results({ ...run, machine: 20 }))).toEqual(failed(results(run)));
    }
  });

  it('checks each bound on its side', () => {
    const [max, min] = judge([
      { figure: 'a', ratio: 2, bound: 'max', limit: 2 },
      { figure: 'b', ratio: 2, bound: 'min', limit: 2 },
    ]);
    expect([max?.ok, min?.ok]).toEqual([true, true]);
    expect(judge([{ figure: 'c', ratio: 2.01, bound: 'max', limit: 2 }])[0]?.ok).toBe(false);
    expect(judge([{ figure: 'd', ratio: 1.99, bound: 'min', limit: 2 }])[0]?.ok).toBe(false);
  });
});
