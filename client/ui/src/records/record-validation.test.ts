/**
 * The records forms' own check: the contract's schema decides, each refused field gets
 * the sentence the form shows next to it, and an accepted action is handed on unchanged.
 */
import type { TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import { checkAction } from './record-validation';

const t = ((key: string) => key) as unknown as TFunction;

describe('checkAction', () => {
  it('names each missing field of an empty request as required', () => {
    const result = checkAction(t, { t: 'request', to: undefined, subject: '', question: '', reason: '', due: '', attachments: [] });
    expect(result).toEqual({
      ok: false,
      errors: {
        to: 'records.fieldProblems.required',
        subject: 'records.fieldProblems.required',
        question: 'records.fieldProblems.required',
        reason: 'records.fieldProblems.required',
        due: 'records.fieldProblems.required',
      },
    });
  });

  it('explains a date that does not exist, a link that is not https and blank text', () => {
    const request = checkAction(t, { t: 'request', to: { kind: 'org', orgId: 'kela' }, subject: 'Aihe', question: '  ', reason: 'Peruste', due: '2026-02-30' });
    expect(request).toEqual({ ok: false, errors: { question: 'records.fieldProblems.required', due: 'records.fieldProblems.date' } });
    const meeting = checkAction(t, { t: 'meeting', title: 'Neuvottelu', startsAt: 1, agenda: ['Tilanne'], invited: ['u1'], link: 'http://example.org' });
    expect(meeting).toEqual({ ok: false, errors: { link: 'records.fieldProblems.link' } });
  });

  it('hands on an action the contract accepts', () => {
    const action = { t: 'request_acknowledge', requestId: 'r1' };
    expect(checkAction(t, action)).toEqual({ ok: true, action });
  });
});
