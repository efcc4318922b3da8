import { describe, expect, it } from 'vitest';
import { waitForQuietMachine } from './cpu';

describe('waitForQuietMachine', () => {
  it('waits while the machine is busier than allowed, and gives up at its timeout with what it saw', async () => {
    // Keep this process busy for the whole wait: no window can be quiet at 0 cores.
    const until = performance.now() + 2500;
    const spin = setInterval(() => {
      const end = performance.now() + 40;
      while (performance.now() < end && performance.now() < until);
    }, 1);
    try {
      const quiet = await waitForQuietMachine({ maxBusyCores: 0, windowMs: 300, timeoutMs: 900 });
      expect(quiet.waitedMs).toBeGreaterThanOrEqual(900);
      expect(quiet.busyCores).toBeGreaterThan(0);
    } finally {
      clearInterval(spin);
    }
  });

  it('returns after one window when the machine is quiet enough', async () => {
    const quiet = await waitForQuietMachine({ maxBusyCores: 1000, windowMs: 100, timeoutMs: 10_000 });
    expect(quiet.waitedMs).toBeLessThan(1000);
  });
});
