import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scheduleMaintenance } from './schedule';

describe('maintenance schedule', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs each job on its interval, never twice at once, keeps going after a failure, and stops', async () => {
    const log = pino({ level: 'silent' });
    let runs = 0;
    let release: (() => void) | undefined;
    const slow = {
      name: 'slow',
      everyMs: 1000,
      run: () => {
        runs += 1;
        if (runs === 2) return Promise.reject(new Error('store down'));
        return new Promise<Record<string, number>>((resolve) => {
          release = () => resolve({ done: 1 });
        });
      },
    };
    const maintenance = scheduleMaintenance([slow], log);
    await vi.advanceTimersByTimeAsync(999);
    expect(runs).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toBe(1);
    // Still running: the next ticks are skipped.
    await vi.advanceTimersByTimeAsync(3000);
    expect(runs).toBe(1);
    release?.();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
    // The second run failed; the third comes on time.
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(3);
    release?.();
    maintenance.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(3);
  });
});
