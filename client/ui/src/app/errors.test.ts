/**
 * Every failure the UI shows reads in the user's language: an enrolment refusal names its
 * reason in Finnish (not "Enrolment did not succeed: unknown code (unauthenticated)"), a
 * server refusal is the code's sentence, and the agent's English words are only the
 * folded technical detail.
 */
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { ApiFailure } from '@yhteispoyta/local-api';
import en from '../i18n/en.json';
import fi from '../i18n/fi.json';
import sv from '../i18n/sv.json';
import { ENROLMENT_REASONS, KNOWN_ERROR_CODES, describeFailure } from './errors';

const i18n = i18next.createInstance();
await i18n.init({ resources: { fi: { translation: fi }, sv: { translation: sv }, en: { translation: en } }, lng: 'fi', fallbackLng: 'fi' });
const t = i18n.getFixedT('fi');
const ENGLISH = /\b(the|did|not|server|refused|code|enrolment|unknown)\b/i;

describe('describeFailure in Finnish', () => {
  it('says why an enrolment code was refused, without English', () => {
    const failure = new ApiFailure(400, 'enrolment_failed', 'Enrolment did not succeed: unknown code (unauthenticated)');
    const described = describeFailure(t, failure);
    expect(described.text).toBe(fi.errorReasons.enrolment.unauthenticated);
    expect(described.text).not.toMatch(ENGLISH);
    expect(described.detail).toBe('Enrolment did not succeed: unknown code (unauthenticated)');
    for (const reason of ENROLMENT_REASONS) {
      expect(describeFailure(t, new ApiFailure(400, 'enrolment_failed', `Enrolment did not succeed: x (${reason})`)).text).toBe(fi.errorReasons.enrolment[reason]);
    }
    // An unknown reason still gets the general Finnish sentence.
    expect(describeFailure(t, new ApiFailure(400, 'enrolment_failed', 'Enrolment did not succeed: socket hang up')).text).toBe(fi.errors.enrolment_failed);
  });

  it('turns "The server refused…" into the code’s sentence for every code the agent sends', () => {
    for (const code of KNOWN_ERROR_CODES) {
      const described = describeFailure(t, new ApiFailure(403, code, 'The server refused: forbidden (workspace w1)'));
      expect(described.text, code).not.toMatch(ENGLISH);
      expect(described.text, code).not.toBe(`errors.${code}`);
    }
    const unknown = describeFailure(t, new Error('socket hang up'));
    expect(unknown.text).toBe(fi.errors.unknown);
    expect(unknown.detail).toBe('socket hang up');
  });
});
