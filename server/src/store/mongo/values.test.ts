import { describe, expect, it } from 'vitest';
import { escapeKey, readEscapedClocks, storedBytes, unescapeKey } from './values';

describe('mongo field-key escaping', () => {
  it('leaves no dots or dollars and round-trips, including literal escape sequences', () => {
    for (const key of ['alice.1', '$where', 'a%2Eb', '%', 'x.y.$z%25', '']) {
      const field = escapeKey(key);
      expect(field).not.toMatch(/[.$]/);
      expect(unescapeKey(field)).toBe(key);
    }
    expect(readEscapedClocks({ [escapeKey('bob.2')]: 7 })).toEqual({ 'bob.2': 7 });
    expect(() => readEscapedClocks({ a: 'x' })).toThrow();
  });

  it('copies stored bytes from Buffers and BSON-like Binary values', () => {
    const buf = Buffer.from([1, 2, 3]);
    expect(storedBytes(buf)).toEqual(Uint8Array.from([1, 2, 3]));
    expect(storedBytes({ buffer: Uint8Array.from([4, 5, 6, 0]), position: 3 })).toEqual(Uint8Array.from([4, 5, 6]));
    expect(() => storedBytes('nope')).toThrow();
  });
});
