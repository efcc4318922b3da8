import { describe, expect, it } from 'vitest';
import { randomId } from './ids';

describe('randomId', () => {
  it('is 22 characters of the id alphabet and does not repeat', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = randomId();
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(1000);
  });
});
