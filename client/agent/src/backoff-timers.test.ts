import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackoffTimers } from './backoff-timers';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('BackoffTimers', () => {
  it('runs after the floor, then twice as late each time up to the ceiling, until reset', () => {
    const timers = new BackoffTimers(1_000);
    const runs: number[] = [];
    const start = Date.now();
    const again = (): void => {
      runs.push(Date.now() - start);
      if (runs.length < 6) timers.schedule('k', 100, again);
    };
    timers.schedule('k', 100, again);
    vi.advanceTimersByTime(10_000);
    expect(runs).toEqual([100, 300, 700, 1_500, 2_500, 3_500]);
    timers.reset('k');
    timers.schedule('k', 100, () => runs.push(-1));
    vi.advanceTimersByTime(100);
    expect(runs.at(-1)).toBe(-1);
  });

  it('schedules one run per key at a time, keys independently, and nothing after close', () => {
    const timers = new BackoffTimers(1_000);
    let a = 0;
    let b = 0;
    timers.schedule('a', 50, () => (a += 1));
    timers.schedule('a', 50, () => (a += 10));
    timers.schedule('b', 80, () => (b += 1));
    vi.advanceTimersByTime(100);
    expect([a, b]).toEqual([1, 1]);
    timers.schedule('a', 50, () => (a += 1));
    timers.close();
    vi.advanceTimersByTime(1_000);
    timers.schedule('a', 50, () => (a += 1));
    vi.advanceTimersByTime(1_000);
    expect(a).toBe(1);
  });
});
