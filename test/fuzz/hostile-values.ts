/**
 * Hostile values for the fuzzers: wrong types, edge numbers, huge and odd strings,
 * byte arrays of every size, long arrays, deep nesting and prototype-pollution keys.
 * Every value is derived from the generator alone, so it is reproducible from its seed.
 */
import type { Prng } from '@yhteispoyta/test-support/prng';

/** Keys that have hurt JavaScript servers before: prototype pollution and thenable tricks. */
export const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then', 'toJSON'] as const;

/** Numbers that sit on or beyond every integer and float boundary. */
const EDGE_NUMBERS = [
  0, -0, -1, 1, 1.5, -1.5, 127, 128, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32,
  Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER - 2, 1e308, -1e308, 5e-324,
  Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY,
];

/** Strings that trip parsers, path handling, logs and terminals. */
const ODD_STRINGS = [
  '', ' ', '\t\n', '\u0000', 'null', 'undefined', 'NaN', 'true', '-1', '1e400', '0x10', '00012', '+5',
  '\ud800', '\udfff\ud800', '\u202eevil', '\u2066x\u2069', '\ufeff', '🦄🧨', 'a\u0301', 'ﬀ', 'İ',
  '../../../etc/passwd', '..\\..\\boot.ini', '%00', '%2e%2e%2f', '%', '%zz', '?', '#', '/', '//', '\\',
  "' OR '1'='1' --", '"; DROP TABLE envelopes; --', '${jndi:ldap://x}', '{{7*7}}', '<script>alert(1)</script>',
  '__proto__', 'constructor', 'prototype', 'chat', 'presence', 'doc:', 'doc:plan', 'doc:../x', 'Bearer ',
  'user.1', 'user.0', 'user.128', 'a.b.c', 'x'.repeat(64), 'x'.repeat(65), '-', '_', 'A-Z_a-z-09',
];

/** Options of {@link hostileValue}. */
export interface HostileOptions {
  /** whether byte arrays may appear (socket.io carries them; JSON turns them into objects) */
  readonly binary: boolean;
  /** the largest string or byte array to generate */
  readonly maxBytes: number;
}

/** A random string: an odd one, a long run, random code units, or random text. */
export function hostileString(prng: Prng, maxBytes: number): string {
  switch (prng.int(0, 5)) {
    case 0:
      return prng.pick(ODD_STRINGS);
    case 1:
      return prng.pick(['A', '9', '\u00e4', '🦄', '%', '\\']).repeat(prng.length(maxBytes));
    case 2: {
      // Arbitrary UTF-16 code units, lone surrogates included.
      const n = prng.length(Math.min(maxBytes, 4096));
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCharCode(prng.int(0, 0xffff));
      return s;
    }
    case 3: {
      const n = prng.length(Math.min(maxBytes, 512));
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCharCode(prng.int(0x20, 0x7e));
      return s;
    }
    case 4:
      return Buffer.from(prng.bytes(prng.length(Math.min(maxBytes, 3072)))).toString(prng.pick(['base64', 'base64url', 'hex'] as const));
    default:
      return `${prng.pick(ODD_STRINGS)}${prng.pick(ODD_STRINGS)}`;
  }
}

/** A random number from the edge list or anywhere. */
export function hostileNumber(prng: Prng): number {
  if (prng.chance(0.7)) return prng.pick(EDGE_NUMBERS);
  return (prng.float() - 0.5) * 2 ** prng.int(0, 70);
}

/** Nesting `depth` levels deep, built iteratively (never recursion: depth may be in the thousands). */
function deeplyNested(depth: number, asArray: boolean): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

/** An object whose own keys include prototype-pollution keys, holding small values. */
function pollutingObject(prng: Prng): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = prng.int(1, 4);
  for (let i = 0; i < n; i++) {
    const payload = prng.pick<unknown>([{ polluted: true }, { admin: true, auth: 'none' }, 'yes', 1, null, [{}]]);
    // defineProperty: assignment to `__proto__` would set the prototype, not an own key.
    Object.defineProperty(out, prng.pick(POLLUTION_KEYS), { value: payload, enumerable: true, configurable: true, writable: true });
  }
  return out;
}

/** A hostile value of any shape, with nested parts generated within `budget` levels. */
export function hostileValue(prng: Prng, opts: HostileOptions, budget = 3): unknown {
  const kind = prng.weighted<string>([
    [3, 'null'], [2, 'boolean'], [8, 'number'], [12, 'string'], [opts.binary ? 8 : 0, 'bytes'],
    [budget > 0 ? 6 : 0, 'array'], [budget > 0 ? 8 : 0, 'object'], [2, 'deep'], [4, 'polluting'], [1, 'long-array'],
  ]);
  switch (kind) {
    case 'null':
      return null;
    case 'boolean':
      return prng.chance(0.5);
    case 'number':
      return hostileNumber(prng);
    case 'string':
      return hostileString(prng, opts.maxBytes);
    case 'bytes':
      return Buffer.from(prng.bytes(prng.length(opts.maxBytes)));
    case 'array':
      return Array.from({ length: prng.int(0, 6) }, () => hostileValue(prng, opts, budget - 1));
    case 'object': {
      const out: Record<string, unknown> = {};
      const n = prng.int(0, 6);
      for (let i = 0; i < n; i++) {
        // defineProperty, not assignment: the key may be `__proto__`.
        Object.defineProperty(out, hostileString(prng, 64), { value: hostileValue(prng, opts, budget - 1), enumerable: true, configurable: true, writable: true });
      }
      return out;
    }
    case 'deep':
      return deeplyNested(prng.pick([64, 512, 2000]), prng.chance(0.5));
    case 'polluting':
      return pollutingObject(prng);
    default:
      return Array.from({ length: prng.pick([1001, 5000, 20_001]) }, () => prng.int(0, 9));
  }
}
