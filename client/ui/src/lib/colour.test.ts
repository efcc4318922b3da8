import { describe, expect, it } from 'vitest';
import { MIN_LABEL_CONTRAST, contrastRatio, hashString, hslToHex, userColour } from './colour';

describe('contrastRatio', () => {
  it('gives the WCAG extremes and is symmetric', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#777777')).toBeCloseTo(1, 5);
    expect(contrastRatio('#1d4f7a', '#ffffff')).toBeCloseTo(contrastRatio('#ffffff', '#1d4f7a'), 10);
  });

  it('refuses what is not a #rrggbb colour', () => {
    expect(() => contrastRatio('red', '#ffffff')).toThrow(RangeError);
  });
});

describe('hslToHex', () => {
  it('converts the primaries', () => {
    expect(hslToHex(0, 1, 0.5)).toBe('#ff0000');
    expect(hslToHex(120, 1, 0.5)).toBe('#00ff00');
    expect(hslToHex(240, 1, 0.5)).toBe('#0000ff');
  });
});

describe('userColour', () => {
  it('is stable for a user and differs between users', () => {
    expect(userColour('u-anna')).toBe(userColour('u-anna'));
    const colours = new Set(['u-anna', 'u-sini', 'u-kalle', 'u-asta', 'u-helmi'].map(userColour));
    expect(colours.size).toBeGreaterThan(3);
    expect(hashString('a')).not.toBe(hashString('b'));
  });

  it('always carries white text at 4.5:1 or better', () => {
    for (let i = 0; i < 500; i++) {
      const colour = userColour(`user-${i}-${i * 7919}`);
      expect(colour).toMatch(/^#[0-9a-f]{6}$/);
      expect(contrastRatio(colour, '#ffffff')).toBeGreaterThanOrEqual(MIN_LABEL_CONTRAST);
    }
  });
});
