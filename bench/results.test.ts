/**
 * The rules that turn the tuning sweeps into recommended defaults, and the percentile
 * method every latency figure uses.
 */
import { describe, expect, it } from 'vitest';
import type { OpenRow } from './open';
import type { PropagationRow } from './propagation';
import { recommendMergeWindow, recommendThreshold } from './results';
import { percentile, summarize } from './stats';

function point(mergeWindowMs: number, p50: number) {
  const row = { latency: { count: 1, p50, p95: p50, p99: p50, max: p50 } } as PropagationRow;
  return { mergeWindowMs, row, envelopesPerEdit: 1 };
}

function open(threshold: number, coldOpenMs: number[]): OpenRow {
  return { threshold, coldOpenMs } as unknown as OpenRow;
}

describe('recommendMergeWindow', () => {
  it('takes the largest window still within 10 % (or 2 ms) of the best p50', () => {
    expect(recommendMergeWindow([point(0, 10), point(10, 24), point(50, 60)])?.mergeWindowMs).toBe(0);
    expect(recommendMergeWindow([point(0, 40), point(10, 41), point(50, 90)])?.mergeWindowMs).toBe(10);
    expect(recommendMergeWindow([point(0, 100), point(10, 104), point(50, 109)])?.mergeWindowMs).toBe(50);
  });
});

describe('recommendThreshold', () => {
  it('takes the largest threshold whose median cold open is within 20 % of the fastest', () => {
    expect(recommendThreshold([open(25, [50, 55, 97]), open(50, [52, 44, 45]), open(200, [234, 326, 166])])?.threshold).toBe(50);
    expect(recommendThreshold([open(25, [40, 40, 40]), open(50, [47, 47, 47]), open(200, [300])])?.threshold).toBe(50);
    expect(recommendThreshold([open(25, [40]), open(50, [60]), open(200, [300])])?.threshold).toBe(25);
  });
});

describe('percentile', () => {
  it('is the nearest-rank value: always a measured sample', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentile([], 50)).toBeNaN();
    expect(summarize([5, 1, 9])).toEqual({ count: 3, p50: 5, p95: 9, p99: 9, max: 9 });
  });
});
