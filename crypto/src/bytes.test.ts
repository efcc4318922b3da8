import { describe, expect, it } from 'vitest';
import { canonicalJson, concatBytes, fromBase64, fromHex, toBase64, toHex, utf8, fromUtf8 } from './bytes';

describe('bytes', () => {
  it('round-trips base64 and hex, rejecting non-canonical input', () => {
    const b = concatBytes(utf8('ab'), new Uint8Array([0, 255]));
    expect(fromBase64(toBase64(b))).toEqual(b);
    expect(fromHex(toHex(b))).toEqual(b);
    expect(fromBase64('abc')).toBeUndefined();
    expect(fromBase64('ab$=')).toBeUndefined();
    expect(fromHex('abc')).toBeUndefined();
    expect(fromHex('zz')).toBeUndefined();
  });
  it('canonical JSON sorts keys and refuses floats', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'] })).toBe('{"a":[true,null,"x"],"b":1}');
    expect(() => canonicalJson({ a: 1.5 })).toThrow(RangeError);
  });
  it('strict UTF-8 decoding throws on invalid sequences', () => {
    expect(() => fromUtf8(new Uint8Array([0xc3, 0x28]))).toThrow();
    expect(fromUtf8(utf8('pöytä'))).toBe('pöytä');
  });
});
