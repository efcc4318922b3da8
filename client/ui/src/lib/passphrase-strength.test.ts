import { describe, expect, it } from 'vitest';
import { assessPassphrase, loadPassphrasePolicy, meterZone, strengthMeter } from './passphrase-strength';

const policy = await loadPassphrasePolicy();
const assess = (p: string, context: string[] = []) => assessPassphrase(policy, p, context);

describe('the passphrase as the form shows it', () => {
  it('calls an empty and a short passphrase what they are, and accepts neither', () => {
    expect(assess('')).toEqual({ level: 'empty', accepted: false, reason: 'empty' });
    expect(assess('Ab1!xyz')).toEqual({ level: 'too_short', accepted: false, reason: 'too_short' });
  });

  it('refuses repetition and common passwords however long they are', () => {
    expect(assess('aaaaaaaaaaaaaaaaaaaa')).toMatchObject({ level: 'weak', accepted: false, reason: 'too_guessable' });
    expect(assess('salasana12')).toMatchObject({ accepted: false, reason: 'too_guessable' });
    expect(assess('Salasana1!')).toMatchObject({ accepted: false, reason: 'too_guessable' });
  });

  it('accepts several unrelated words as strong', () => {
    expect(assess('omena kivi sateenvarjo polkupyörä')).toEqual({ level: 'strong', accepted: true });
    expect(assess('sininen juna lentää yli järven')).toEqual({ level: 'strong', accepted: true });
  });

  it("refuses the profile's own name as the passphrase", () => {
    expect(assess('sari-virtanen1')).toMatchObject({ accepted: true });
    expect(assess('sari-virtanen1', ['sari-virtanen'])).toMatchObject({ accepted: false, reason: 'too_guessable' });
  });
});

describe('the strength bar', () => {
  it('is red for refused levels, yellow for fair and green only for accepted ones', () => {
    expect(meterZone(strengthMeter('too_short'))).toBe('even-less-good');
    expect(meterZone(strengthMeter('empty'))).toBe('even-less-good');
    expect(meterZone(strengthMeter('weak'))).toBe('even-less-good');
    expect(meterZone(strengthMeter('fair'))).toBe('suboptimal');
    expect(meterZone(strengthMeter('good'))).toBe('optimum');
    expect(meterZone(strengthMeter('strong'))).toBe('optimum');
  });
});
