import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_VALUES, payloadExceeds } from './payload-size';

describe('payloadExceeds', () => {
  it('counts strings, bytes, keys and scalars against the budget', () => {
    expect(payloadExceeds({ a: 'x'.repeat(90) }, 100)).toBe(false);
    expect(payloadExceeds({ a: 'x'.repeat(100) }, 100)).toBe(true);
    expect(payloadExceeds({ bytes: new Uint8Array(1000) }, 999)).toBe(true);
    expect(payloadExceeds([1, 2, 3], 100)).toBe(false);
    expect(payloadExceeds({ ['k'.repeat(200)]: 1 }, 100)).toBe(true);
  });

  it('stops at too many values, however small each is', () => {
    expect(payloadExceeds(new Array(MAX_PAYLOAD_VALUES + 1).fill(0), Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(payloadExceeds(new Array(MAX_PAYLOAD_VALUES - 1).fill(0), Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  it('walks very deep nesting without recursion', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(payloadExceeds(deep, Number.MAX_SAFE_INTEGER)).toBe(true);
    let shallow: unknown = 'leaf';
    for (let i = 0; i < 1000; i++) shallow = { a: shallow };
    expect(payloadExceeds(shallow, 10_000)).toBe(false);
  });
});
