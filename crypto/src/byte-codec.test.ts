/**
 * The byte writer grows its one buffer past any initial size without losing what it
 * holds, refuses what it cannot write, and reads back through the strict reader; the
 * well-formed-text check agrees with a UTF-8 round trip.
 */
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter, isWellFormedText } from './byte-codec';
import { fromUtf8, utf8 } from './bytes';

describe('ByteWriter', () => {
  it('writes every field type across many growths and reads them back exactly', () => {
    const w = new ByteWriter();
    const blob = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    for (let i = 0; i < 300; i++) w.u8(i % 256).u16(i).u32(i * 65_537).u64(Number.MAX_SAFE_INTEGER - i).text(`kenttä ${i} ✓`, 100);
    w.raw(blob);
    const bytes = w.finish();
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    const r = new ByteReader(bytes);
    for (let i = 0; i < 300; i++) {
      expect([r.u8(), r.u16(), r.u32(), r.u64('x'), r.text('t', 100)]).toEqual([i % 256, i, i * 65_537, Number.MAX_SAFE_INTEGER - i, `kenttä ${i} ✓`]);
    }
    expect([...r.raw(blob.byteLength)]).toEqual([...blob]);
    r.end();
  });

  it('grows for one field larger than its buffer, and finish() leaves it writable', () => {
    const w = new ByteWriter().u8(7);
    const big = new Uint8Array(5000).fill(3);
    const first = w.raw(big).finish();
    expect(first.byteLength).toBe(5001);
    expect(first[0]).toBe(7);
    expect(first[5000]).toBe(3);
    const second = w.u8(9).finish();
    expect(second.byteLength).toBe(5002);
    expect(first.byteLength).toBe(5001);
  });

  it('refuses values it cannot write, and strings with lone surrogates or over their limit', () => {
    expect(() => new ByteWriter().u8(256)).toThrow(RangeError);
    expect(() => new ByteWriter().u16(-1)).toThrow(RangeError);
    expect(() => new ByteWriter().u32(1.5)).toThrow(RangeError);
    expect(() => new ByteWriter().u64(Number.MAX_SAFE_INTEGER + 1)).toThrow(RangeError);
    expect(() => new ByteWriter().text('a\uD800b', 10)).toThrow(/lone surrogate/);
    expect(() => new ByteWriter().text('ääää', 7)).toThrow(/exceeds/);
    expect(new ByteWriter().text('ääää', 8).finish().byteLength).toBe(10);
  });
});

describe('isWellFormedText', () => {
  it('agrees with a UTF-8 round trip', () => {
    const samples = ['', 'abc', '\uFEFFalku', 'ä😀ö', '\uD83D\uDE00', '\uD83D', '\uDE00', 'a\uD83Db', 'a\uDE00\uD83D', '\uD83D\uD83D\uDE00', '\uD83D\uDE00\uDE00'];
    for (const text of samples) {
      const roundTrip = (() => {
        const decoded = fromUtf8(utf8(text));
        return (text.startsWith('\uFEFF') ? `\uFEFF${decoded}` : decoded) === text;
      })();
      expect(isWellFormedText(text), JSON.stringify(text)).toBe(roundTrip);
    }
  });
});
