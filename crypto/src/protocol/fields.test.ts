import { describe, expect, it } from 'vitest';
import { toBase64 } from '../bytes';
import {
  base64BytesSchema,
  boundedRecord,
  detailKeySchema,
  displayNameSchema,
  idSchema,
  professionalRoleSchema,
  queryIntSchema,
  rawBytesSchema,
  snapshotRefSchema,
  streamNameSchema,
} from './fields';
import { z } from 'zod';

const accepts = (schema: z.ZodType, value: unknown): boolean => schema.safeParse(value).success;

describe('identifiers', () => {
  it('accepts 1-64 characters of [A-Za-z0-9_-] and nothing else', () => {
    expect(accepts(idSchema, 'a')).toBe(true);
    expect(accepts(idSchema, 'Ab_9-x'.padEnd(64, 'z'))).toBe(true);
    for (const bad of ['', 'a'.repeat(65), 'a b', 'a.b', 'a/b', 'ä', '../x', 'a\n', 12, null]) {
      expect(accepts(idSchema, bad), String(bad)).toBe(false);
    }
  });

  it('stream names are chat, presence, records or doc:<id>', () => {
    for (const good of ['chat', 'presence', 'records', 'doc:plan', 'doc:meeting-2024_01']) expect(accepts(streamNameSchema, good)).toBe(true);
    for (const bad of ['', 'doc:', 'docs', 'doc:a/b', 'Chat', 'chat ', '__proto__', `doc:${'a'.repeat(65)}`]) {
      expect(accepts(streamNameSchema, bad), bad).toBe(false);
    }
  });

  it('a snapshot reference is an id or the empty string', () => {
    expect(accepts(snapshotRefSchema, '')).toBe(true);
    expect(accepts(snapshotRefSchema, 'snap-1')).toBe(true);
    expect(accepts(snapshotRefSchema, ' ')).toBe(false);
  });

  it('professional roles exclude client', () => {
    expect(accepts(professionalRoleSchema, 'kela_expert')).toBe(true);
    expect(accepts(professionalRoleSchema, 'client')).toBe(false);
  });
});

describe('text', () => {
  it('accepts Finnish names and refuses blank, control and bidi-override text', () => {
    expect(accepts(displayNameSchema, 'Äänekoski Öberg')).toBe(true);
    for (const bad of ['', '   ', 'a\u0000b', 'line\nbreak', 'evil\u202Egnp.exe', 'x\u2066y', 'a'.repeat(101)]) {
      expect(accepts(displayNameSchema, bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('base64 bytes', () => {
  const schema = base64BytesSchema(32, 32);

  it('accepts canonical base64 of the right length only', () => {
    expect(accepts(schema, toBase64(new Uint8Array(32)))).toBe(true);
    expect(accepts(schema, toBase64(new Uint8Array(31)))).toBe(false);
    expect(accepts(schema, toBase64(new Uint8Array(33)))).toBe(false);
  });

  it('refuses malformed base64', () => {
    const good = toBase64(new Uint8Array(32).fill(1));
    for (const bad of [good.slice(0, -1), `${good.slice(0, -2)}!=`, good.replace(/=/g, ''), ` ${good}`, good.replace('A', '-'), '']) {
      expect(accepts(schema, bad), bad).toBe(false);
    }
  });

  it('refuses oversize strings before decoding them', () => {
    expect(accepts(schema, 'A'.repeat(1_000_000))).toBe(false);
  });
});

describe('raw bytes', () => {
  const schema = rawBytesSchema(2, 4);

  it('accepts Uint8Array and Buffer within the bounds, without copying', () => {
    const buffer = Buffer.from([1, 2, 3]);
    const parsed = schema.safeParse(buffer);
    expect(parsed.success && parsed.data).toBe(buffer);
    expect(accepts(schema, new Uint8Array(2))).toBe(true);
  });

  it('refuses other lengths, other types and shared memory', () => {
    for (const bad of [
      new Uint8Array(1),
      new Uint8Array(5),
      new Uint16Array(2),
      new ArrayBuffer(3),
      [1, 2, 3],
      'AQID',
      { 0: 1, 1: 2, length: 2 },
      new Uint8Array(new SharedArrayBuffer(3)),
    ]) {
      expect(accepts(schema, bad), Object.prototype.toString.call(bad)).toBe(false);
    }
  });
});

describe('query integers', () => {
  const schema = queryIntSchema(1, 500);

  it('parses plain decimal digits into a bounded number', () => {
    expect(schema.parse('1')).toBe(1);
    expect(schema.parse('500')).toBe(500);
  });

  it('refuses signs, exponents, fractions, padding, leading zeros, NaN, arrays and out-of-range values', () => {
    for (const bad of ['0', '501', '-1', '+1', '1e2', '1.5', ' 1', '1 ', '01', 'NaN', 'Infinity', '', '0x10', ['1', '2'], 5]) {
      expect(accepts(schema, bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('refuses numbers beyond the safe-integer range', () => {
    expect(accepts(queryIntSchema(0, Number.MAX_SAFE_INTEGER), '99999999999999999')).toBe(false);
  });
});

describe('bounded records', () => {
  const schema = boundedRecord(detailKeySchema, z.string(), 3);

  it('accepts up to the bound', () => {
    expect(schema.parse({ a: 'x', b: 'y', c: 'z' })).toEqual({ a: 'x', b: 'y', c: 'z' });
  });

  it('refuses more entries, non-objects, bad keys and bad values', () => {
    for (const bad of [{ a: 'x', b: 'y', c: 'z', d: 'w' }, [], null, 'x', { '1a': 'x' }, { a: 1 }, { a: { b: 'c' } }]) {
      expect(accepts(schema, bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('never lets __proto__ through as a key or into the prototype', () => {
    const hostile: unknown = JSON.parse('{"__proto__": {"polluted": "yes"}, "a": "x"}');
    const parsed = schema.parse(hostile);
    expect(Object.keys(parsed)).toEqual(['a']);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('checks the size before parsing any entry', () => {
    let reads = 0;
    const many: Record<string, string> = {};
    for (let i = 0; i < 10_000; i++) {
      Object.defineProperty(many, `k${i}`, { enumerable: true, get: () => { reads++; return 'v'; } });
    }
    expect(accepts(schema, many)).toBe(false);
    expect(reads).toBe(0);
  });
});
