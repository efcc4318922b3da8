import { describe, expect, it } from 'vitest';
import { WindowCounter, countWindow } from './throughput';

const plan = { payloadBytes: 64, workspaces: 1, receivers: 1, warmupMs: 0, windowMs: 400, updatesPerSender: 10 };

describe('countWindow', () => {
  it('counts only inside the window and lasts the whole window while the senders have updates', async () => {
    const counter = new WindowCounter();
    counter.add(5);
    const timer = setInterval(() => counter.add(10), 20);
    try {
      const elapsed = await countWindow(counter, plan, () => false, 'test');
      expect(elapsed).toBeGreaterThanOrEqual(plan.windowMs);
      expect(counter.count).toBeGreaterThan(0);
      expect(counter.bytes).toBe(counter.count * 10);
    } finally {
      clearInterval(timer);
    }
  });

  it('refuses to report a rate when the senders ran out during the warm-up', async () => {
    await expect(countWindow(new WindowCounter(), plan, () => true, 'test')).rejects.toThrow(/ran out of their 10 updates during the warm-up/);
  });

  it('refuses to report a rate when the senders ran out in the first half of the window', async () => {
    const start = performance.now();
    const ranOut = (): boolean => performance.now() - start > 100;
    await expect(countWindow(new WindowCounter(), plan, ranOut, 'test')).rejects.toThrow(/ran out of their 10 updates after \d+ ms of a 400 ms window/);
  });
});
