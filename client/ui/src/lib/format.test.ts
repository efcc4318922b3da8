import { describe, expect, it } from 'vitest';
import { formatAgo, formatBytes, percent } from './format';

describe('format', () => {
  it('says how long ago in the chosen language', () => {
    const now = Date.UTC(2026, 10, 22, 12);
    expect(formatAgo(now - 5 * 60_000, 'en', now)).toBe('5 minutes ago');
    expect(formatAgo(now - 2 * 3600_000, 'fi', now)).toBe('2 tuntia sitten');
    expect(formatAgo(now - 86_400_000, 'en', now)).toBe('yesterday');
  });

  it('sizes bytes with units', () => {
    expect(formatBytes(512, 'en')).toBe('512 byte');
    expect(formatBytes(1536, 'en')).toBe('1.5 kB');
    expect(formatBytes(3 * 1024 * 1024, 'en')).toBe('3 MB');
  });

  it('keeps percentages whole and within 0..100', () => {
    expect(percent(0, 100)).toBe(0);
    expect(percent(1, 3)).toBe(33);
    expect(percent(150, 100)).toBe(100);
    expect(percent(0, 0)).toBe(0);
  });
});
