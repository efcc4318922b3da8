import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limit';

describe('rate limiter', () => {
  it('allows the limit per window, then refuses until the window rolls', () => {
    const rl = createRateLimiter(3, 1000);
    expect([1, 2, 3, 4].map(() => rl.take('ip', 0))).toEqual([true, true, true, false]);
    expect(rl.take('other', 10)).toBe(true);
    expect(rl.take('ip', 999)).toBe(false);
    expect(rl.take('ip', 1000)).toBe(true);
  });
  it('stays bounded under many distinct keys', () => {
    const rl = createRateLimiter(1, 1000, 10);
    for (let i = 0; i < 1000; i++) expect(rl.take(`k${i}`, 0)).toBe(true);
    expect(rl.take('k999', 0)).toBe(false);
  });
});
