import { describe, expect, it } from 'vitest';
import { isValidProfileName } from './profile-name';

describe('isValidProfileName', () => {
  it('takes human names of any script', () => {
    for (const name of ['Sanna Virtanen', 'Åsa Öberg', "Jean-Luc O'Neil", 'anna', 'maija_2', 'Ольга Петрова', 'J. K. Rowling', 'Sámi Áile']) {
      expect(isValidProfileName(name), name).toBe(true);
    }
  });

  it('refuses empty, padded, too long, control and bidirectional-override names, and path characters', () => {
    for (const name of ['', ' anna', 'anna ', 'anna  virtanen', 'a'.repeat(41), 'ä'.repeat(49), 'anna\nvirtanen', 'anna\u202Eavirt', 'anna/..', '../x', 'a\\b', 'a:b', 'a*b']) {
      expect(isValidProfileName(name), JSON.stringify(name)).toBe(false);
    }
    expect(isValidProfileName('a'.repeat(40))).toBe(true);
  });
});
