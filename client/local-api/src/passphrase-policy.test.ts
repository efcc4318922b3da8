import { describe, expect, it } from 'vitest';
import { MIN_PASSPHRASE_CHARS, checkPassphrase, passphraseScore } from './passphrase-policy';

describe('the passphrase rule', () => {
  it('refuses an empty, a short and a guessable passphrase, each with its reason', () => {
    expect(checkPassphrase('')).toMatchObject({ ok: false, reason: 'empty' });
    expect(checkPassphrase('a')).toMatchObject({ ok: false, reason: 'too_short' });
    expect(checkPassphrase('Ab1!xyz')).toMatchObject({ ok: false, reason: 'too_short' });
    for (const guessable of ['aaaaaaaaaaaaaaaaaaaa', '1234567890', 'qwertyuiop', 'password123', 'salasana12', 'Salasana1!', 'abcabcabcabc', 'yhteispöytä1']) {
      expect(checkPassphrase(guessable), guessable).toMatchObject({ ok: false, reason: 'too_guessable' });
    }
  });

  it('accepts several unrelated words', () => {
    for (const good of ['omena kivi sateenvarjo polkupyörä', 'correct horse battery staple', 'sininen juna lentää yli järven']) {
      expect(checkPassphrase(good), good).toMatchObject({ ok: true });
    }
  });

  it("counts the profile's own name as a word an attacker tries first", () => {
    const phrase = 'mattimeikalainen1';
    expect(checkPassphrase(phrase).ok).toBe(true);
    expect(checkPassphrase(phrase, ['mattimeikalainen'])).toMatchObject({ ok: false, reason: 'too_guessable' });
  });

  it('counts characters, not UTF-16 units, and estimates a very long passphrase quickly', () => {
    expect(checkPassphrase('🙂'.repeat(MIN_PASSPHRASE_CHARS - 1))).toMatchObject({ ok: false, reason: 'too_short' });
    const started = performance.now();
    expect(passphraseScore(`${'vihreä tuoli lentää yöllä '.repeat(40)}`)).toBeGreaterThanOrEqual(3);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
