import { describe, expect, it } from 'vitest';
import { checkCode, normaliseCode } from './one-time-code';

const id = 'AbCdEf012_-x';
const secret = 'S'.repeat(21) + '-';
const root = 'R'.repeat(20) + '_9';

describe('one-time codes', () => {
  it('drop every kind of whitespace a paste brings along', () => {
    expect(normaliseCode(`  enr_${id}.\n${secret}.${root}\t `)).toBe(`enr_${id}.${secret}.${root}`);
    expect(normaliseCode('\u00a0a\u200bb\ufeff')).toBe('ab');
  });

  it('recognise the three kinds', () => {
    expect(checkCode(` enr_${id}.${secret}.${root} `)).toEqual({ state: 'valid', kind: 'enrolment', code: `enr_${id}.${secret}.${root}` });
    expect(checkCode(`inv_${id}.${secret}.${root}`)).toMatchObject({ state: 'valid', kind: 'invitation' });
    expect(checkCode(`lnk_${id}.${secret}.${root}.12`)).toMatchObject({ state: 'valid', kind: 'device_link', code: `lnk_${id}.${secret}.${root}.12` });
  });

  it('refuse what is not a whole code', () => {
    expect(checkCode('   ')).toEqual({ state: 'empty' });
    expect(checkCode(`enr_${id}.${secret}`)).toEqual({ state: 'malformed' });
    expect(checkCode(`abc_${id}.${secret}.${root}`)).toEqual({ state: 'malformed' });
    expect(checkCode(`enr_${id}.${secret}.${root}.3`)).toEqual({ state: 'malformed' });
    expect(checkCode(`lnk_${id}.${secret}.${root}`)).toEqual({ state: 'malformed' });
    expect(checkCode(`lnk_${id}.${secret}.${root}.0`)).toEqual({ state: 'malformed' });
    expect(checkCode('ABC-123')).toEqual({ state: 'malformed' });
  });
});
