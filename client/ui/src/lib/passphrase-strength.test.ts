import { describe, expect, it } from 'vitest';
import { STRENGTH_LEVELS, estimateBits, passphraseStrength } from './passphrase-strength';

const rank = (p: string) => STRENGTH_LEVELS.indexOf(passphraseStrength(p));

describe('passphraseStrength', () => {
  it('calls an empty and a short passphrase what they are', () => {
    expect(passphraseStrength('')).toBe('empty');
    expect(passphraseStrength('Ab1!xyz')).toBe('too_short');
  });

  it('rates repetition and common words low however long they are', () => {
    expect(passphraseStrength('aaaaaaaaaaaaaaaaaaaa')).toBe('weak');
    expect(passphraseStrength('salasana12')).toBe('weak');
    expect(estimateBits('abababababababab')).toBeLessThan(estimateBits('kissa ja koira'));
  });

  it('rates several unrelated words strong', () => {
    expect(passphraseStrength('omena kivi sateenvarjo polkupyörä')).toBe('strong');
    expect(rank('Kesä2024!')).toBeLessThan(rank('vihreä tuoli lentää yöllä'));
  });

  it('never decreases when characters are appended to a good passphrase', () => {
    let phrase = 'kuusi puuta';
    let previous = rank(phrase);
    for (const word of [' ja', ' kolme', ' kiveä', ' rannalla']) {
      phrase += word;
      const now = rank(phrase);
      expect(now).toBeGreaterThanOrEqual(previous);
      previous = now;
    }
  });
});
