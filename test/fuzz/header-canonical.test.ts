/**
 * The envelope header has exactly one byte string per header (it is signed and is the
 * AEAD's associated data): whatever bytes decodeHeader accepts are exactly what
 * encodeHeader makes of the header it returns. decodeHeader does not re-encode to prove it
 * (crypto/src/header.ts: every field is read in its one canonical form), so this checks the
 * property on seeded random headers of every kind and on mutations of their bytes — the
 * mutants that still decode are the interesting ones. A failure names its case seed.
 */
import { describe, expect, it } from 'vitest';
import { bytesEqual, concatBytes } from '@yhteispoyta/crypto/bytes';
import { decodeHeader, encodeHeader } from '@yhteispoyta/crypto/header';
import { ENVELOPE_KINDS } from '@yhteispoyta/crypto/types';
import type { EnvelopeHeader } from '@yhteispoyta/crypto/types';
import { caseSeed, Prng } from '@yhteispoyta/test-support/prng';

const RUN_SEED = 20261203;
const CASES = 400;
const MUTANTS_PER_CASE = 60;

/** Characters ids are drawn from: ASCII, Finnish letters, a 3-byte and a 4-byte character, the BOM. */
const ALPHABET = ['a', 'Z', '7', '-', '.', ' ', 'ä', 'Ö', '€', '😀', '\uFEFF'];

function text(p: Prng, min: number, max: number): string {
  let out = '';
  for (let n = p.int(min, max); n > 0; n--) out += p.pick(ALPHABET);
  return out;
}

function edgeInt(p: Prng, max: number): number {
  return p.pick([0, 1, max, p.int(0, max), p.int(0, 1000)]);
}

function randomHeader(p: Prng): EnvelopeHeader {
  const kind = p.pick(ENVELOPE_KINDS);
  const base: EnvelopeHeader = {
    v: 2,
    kind,
    workspaceId: text(p, 1, 40),
    stream: p.pick(['doc:plan', 'chat', 'records', `doc:${text(p, 1, 12)}`]),
    epoch: Math.max(1, edgeInt(p, 0xffff_ffff)),
    author: { userId: text(p, 1, 40), deviceId: p.int(1, 127) },
    clock: kind === 'snapshot' ? 0 : edgeInt(p, Number.MAX_SAFE_INTEGER),
    snapshotId: kind === 'snapshot' ? text(p, 1, 20) : text(p, 0, 20),
    sentAt: edgeInt(p, Number.MAX_SAFE_INTEGER),
    chainHead: { seq: edgeInt(p, 0xffff_ffff), hash: [...p.bytes(32)].map((b) => b.toString(16).padStart(2, '0')).join('') },
  };
  if (kind !== 'snapshot') return base;
  const coveredClocks: Record<string, number> = {};
  for (let n = p.int(0, 6); n > 0; n--) coveredClocks[`${text(p, 1, 10)}.${p.int(1, 127)}`] = edgeInt(p, Number.MAX_SAFE_INTEGER);
  return { ...base, parentSnapshotId: text(p, 0, 20), parentProof: p.bytes(32), coveredClocks };
}

/** One random edit of `bytes`: a byte changed, inserted, deleted or duplicated, or the end cut. */
function mutant(p: Prng, bytes: Uint8Array): Uint8Array {
  const at = p.int(0, bytes.byteLength - 1);
  switch (p.int(0, 4)) {
    case 0: {
      const copy = concatBytes(bytes);
      copy[at] = p.int(0, 255);
      return copy;
    }
    case 1: {
      const copy = concatBytes(bytes);
      copy[at] = (copy[at] ?? 0) ^ (1 << p.int(0, 7));
      return copy;
    }
    case 2:
      return concatBytes(bytes.subarray(0, at), Uint8Array.of(p.int(0, 255)), bytes.subarray(at));
    case 3:
      return concatBytes(bytes.subarray(0, at), bytes.subarray(at + 1));
    default:
      return p.chance(0.5) ? bytes.subarray(0, at) : concatBytes(bytes.subarray(0, at + 1), bytes.subarray(at));
  }
}

describe('envelope header encoding is canonical', () => {
  it('every byte string decodeHeader accepts is exactly encodeHeader of what it decoded to', () => {
    let accepted = 0;
    let mutants = 0;
    for (let i = 0; i < CASES; i++) {
      const seed = caseSeed(RUN_SEED, i);
      const p = new Prng(seed);
      const header = randomHeader(p);
      const bytes = encodeHeader(header);
      const decoded = decodeHeader(bytes);
      expect(decoded.ok, `case seed ${seed}`).toBe(true);
      if (decoded.ok) expect(decoded.header, `case seed ${seed}`).toEqual(header);
      for (let m = 0; m < MUTANTS_PER_CASE; m++) {
        const changed = mutant(p, bytes);
        mutants += 1;
        const result = decodeHeader(changed);
        if (!result.ok) continue;
        accepted += 1;
        expect(bytesEqual(encodeHeader(result.header), changed), `case seed ${seed}, mutant ${m}`).toBe(true);
      }
    }
    // Not vacuous: many mutants (a changed integer, a changed character) are other valid headers.
    expect(accepted).toBeGreaterThan(mutants / 10);
  });
});
