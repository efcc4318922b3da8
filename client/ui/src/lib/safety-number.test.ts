import { describe, expect, it } from 'vitest';
import { safetyNumberGroups } from './safety-number';

describe('safetyNumberGroups', () => {
  it('splits 60 digits into twelve groups of five in order', () => {
    const digits = Array.from({ length: 60 }, (_, i) => String(i % 10)).join('');
    const groups = safetyNumberGroups(digits);
    expect(groups).toHaveLength(12);
    expect(groups?.every((g) => /^[0-9]{5}$/.test(g))).toBe(true);
    expect(groups?.join('')).toBe(digits);
    expect(groups?.[1]).toBe('56789');
  });

  it('refuses anything that is not exactly 60 digits', () => {
    expect(safetyNumberGroups('1'.repeat(59))).toBeUndefined();
    expect(safetyNumberGroups('1'.repeat(61))).toBeUndefined();
    expect(safetyNumberGroups(`${'1'.repeat(59)}a`)).toBeUndefined();
    expect(safetyNumberGroups('')).toBeUndefined();
  });
});
