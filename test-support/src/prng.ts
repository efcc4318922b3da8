/**
 * A seeded pseudo-random generator for the fuzzers: the same seed gives the same case on
 * every machine and every run, so a failure found once is replayed forever from its seed
 * alone (test/fuzz/regressions.json). Not for cryptography.
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';

/** splitmix32: spreads a small or sequential seed over all 32 bits. */
function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * The seed of case `index` of a run: cases are independent of each other, so any one of
 * them can be regenerated without generating the ones before it.
 */
export function caseSeed(runSeed: number, index: number): number {
  const mix = splitmix32((runSeed ^ Math.imul(index + 1, 0x27d4eb2d)) >>> 0);
  mix();
  return mix();
}

/** sfc32 seeded through splitmix32: fast, small state, good enough statistics for test input. */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** A generator for `seed` (any 32-bit integer). */
  constructor(readonly seed: number) {
    const init = splitmix32(seed);
    this.#a = init();
    this.#b = init();
    this.#c = init();
    this.#d = init();
    // The first outputs of sfc32 still show the seed; discard them.
    for (let i = 0; i < 12; i++) this.next();
  }

  /** The next 32-bit unsigned integer. */
  next(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / 0x1_0000_0000;
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    if (max < min) throw new RangeError(`int(${min}, ${max}): empty range`);
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    // The index is in range, so the element exists (it may itself be undefined).
    return items[this.int(0, items.length - 1)] as T;
  }

  /** One option, chosen with the given relative weights. */
  weighted<T>(options: readonly (readonly [number, T])[]): T {
    const total = options.reduce((sum, [w]) => sum + w, 0);
    let roll = this.float() * total;
    for (const [weight, value] of options) {
      roll -= weight;
      if (roll < 0) return value;
    }
    const last = options[options.length - 1];
    if (last === undefined) throw new RangeError('weighted pick from no options');
    return last[1];
  }

  /** `length` random bytes. */
  bytes(length: number): Bytes {
    const out = new Uint8Array(new ArrayBuffer(length));
    for (let i = 0; i < length; i += 4) {
      const word = this.next();
      for (let j = 0; j < 4 && i + j < length; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
    }
    return out;
  }

  /** A length biased towards small values but reaching `max` now and then (sizes of strings, arrays …). */
  length(max: number): number {
    const scale = this.pick([4, 64, 1024, max]);
    return this.int(0, Math.min(scale, max));
  }
}
