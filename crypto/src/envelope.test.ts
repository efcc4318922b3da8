import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { describe, expect, it } from 'vitest';
import { concatBytes, randomBytes, sha256, utf8 } from './bytes';
import type { Bytes } from './bytes';
import {
  AEAD_TAG_BYTES,
  deriveStreamKey,
  encodeWireEnvelope,
  decodeWireEnvelope,
  decodeEnvelopeFrame,
  ENVELOPE_OVERHEAD,
  envelopeHash,
  envelopeOverhead,
  GENESIS_PROOF,
  MAX_CIPHERTEXT_BYTES,
  MAX_ENVELOPE_BYTES,
  MAX_PLAINTEXT_BYTES,
  nextParentProof,
  NONCE_BYTES,
  openEnvelope,
  sealEnvelope,
  SIGNATURE_BYTES,
  StreamCiphers,
  verifyEnvelopeSignature,
} from './envelope';
import type { OpenContext } from './envelope';
import { encodeHeader, MAX_HEADER_BYTES } from './header';
import { deviceKey } from './types';
import type { DeviceRef, EnvelopeHeader, WireEnvelope } from './types';

const WS = '2b1c7e0a-5d3f-4e8b-9a61-0f2d4c6b8e10';
const alice = { ref: { userId: '7f3e2d1c-0b9a-4876-a5b4-c3d2e1f00112', deviceId: 1 }, keys: IdentityKeyPair.generate() };
const bob = { ref: { userId: 'b0b0b0b0-0b9a-4876-a5b4-c3d2e1f00112', deviceId: 3 }, keys: IdentityKeyPair.generate() };
const mallory = IdentityKeyPair.generate();
const epochKey = randomBytes(32);
const otherEpochKey = randomBytes(32);

const header: EnvelopeHeader = {
  v: 2,
  workspaceId: WS,
  stream: 'doc:plan',
  kind: 'update',
  epoch: 2,
  author: alice.ref,
  clock: 7,
  snapshotId: 'c0ffee00-1234-4abc-8def-0123456789ab',
  sentAt: 1_732_000_000_000,
  chainHead: { seq: 4, hash: 'ab'.repeat(32) },
};
const plaintext = utf8('Yjs update: lisätty suunnitelmaan tavoite');

function context(overrides: Partial<OpenContext> = {}): OpenContext {
  const known = new Map<string, Bytes>([
    [deviceKey(alice.ref), alice.keys.publicKey.serialize()],
    [deviceKey(bob.ref), bob.keys.publicKey.serialize()],
  ]);
  return {
    workspaceId: WS,
    stream: 'doc:plan',
    identityOf: (ref: DeviceRef) => known.get(deviceKey(ref)),
    epochKeyOf: (epoch: number) => (epoch === 2 ? epochKey : undefined),
    ...overrides,
  };
}

function seal(h: EnvelopeHeader = header, identity: IdentityKeyPair = alice.keys): WireEnvelope {
  return sealEnvelope({ header: h, plaintext, epochKey, identityKey: identity.privateKey });
}

function flipBit(bytes: Bytes, bit: number): Bytes {
  const copy = concatBytes(bytes);
  copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  return copy;
}

function openCode(env: unknown, ctx: OpenContext = context()): string {
  const r = openEnvelope(env, ctx);
  return r.ok ? 'ok' : r.code;
}

function verifyCode(env: unknown): string {
  const r = verifyEnvelopeSignature(env, alice.keys.publicKey);
  return r.ok ? 'ok' : r.code;
}

describe('deriveStreamKey', () => {
  it('is 32 deterministic bytes bound to epoch key, workspace and stream', () => {
    const k = deriveStreamKey(epochKey, WS, 'doc:plan');
    expect(k.byteLength).toBe(32);
    expect(deriveStreamKey(epochKey, WS, 'doc:plan')).toEqual(k);
    expect(deriveStreamKey(otherEpochKey, WS, 'doc:plan')).not.toEqual(k);
    expect(deriveStreamKey(epochKey, `${WS}x`, 'doc:plan')).not.toEqual(k);
    expect(deriveStreamKey(epochKey, WS, 'chat')).not.toEqual(k);
  });

  it('cannot confuse where the workspace id ends and the stream begins', () => {
    expect(deriveStreamKey(epochKey, 'ab', 'c')).not.toEqual(deriveStreamKey(epochKey, 'a', 'bc'));
  });

  it('refuses an epoch key that is not 32 bytes', () => {
    expect(() => deriveStreamKey(randomBytes(31), WS, 'chat')).toThrow(RangeError);
  });
});

describe('StreamCiphers', () => {
  it('keeps one cipher per epoch key and stream, interoperating with ciphers derived anew', () => {
    const ciphers = new StreamCiphers();
    const plan = ciphers.of(epochKey, WS, 'doc:plan');
    expect(ciphers.of(epochKey, WS, 'doc:plan')).toBe(plan);
    expect(ciphers.of(epochKey, WS, 'chat')).not.toBe(plan);
    expect(ciphers.of(otherEpochKey, WS, 'doc:plan')).not.toBe(plan);
    // Sealed with kept ciphers, opened with fresh ones — and the other way round.
    const kept = sealEnvelope({ header, plaintext, epochKey, identityKey: alice.keys.privateKey, ciphers });
    const opened = openEnvelope(kept, context());
    expect(opened.ok && opened.plaintext).toEqual(plaintext);
    const reopened = openEnvelope(seal(), context({ ciphers }));
    expect(reopened.ok && reopened.plaintext).toEqual(plaintext);
  });

  it('derives from the key it is given: another key under the same epoch number does not open', () => {
    const ciphers = new StreamCiphers();
    expect(openEnvelope(seal(), context({ ciphers })).ok).toBe(true);
    expect(openCode(seal(), context({ ciphers, epochKeyOf: () => otherEpochKey }))).toBe('wrong_key');
    // A copy of the right key is another object: derived again, and it opens.
    expect(openEnvelope(seal(), context({ ciphers, epochKeyOf: () => Uint8Array.from(epochKey) })).ok).toBe(true);
    expect(() => ciphers.of(randomBytes(31), WS, 'chat')).toThrow(RangeError);
  });

  it('keeps streams apart: an envelope replayed into another stream is refused with cached ciphers too, and look-alike names get their own cipher', () => {
    const ciphers = new StreamCiphers();
    expect(openEnvelope(seal(), context({ ciphers })).ok).toBe(true);
    expect(openCode(seal(), context({ ciphers, stream: 'chat' }))).toBe('wrong_context');
    expect(ciphers.of(epochKey, 'ab', 'c')).not.toBe(ciphers.of(epochKey, 'a', 'bc'));
    expect(ciphers.of(epochKey, 'a\u0000b', 'c')).not.toBe(ciphers.of(epochKey, 'a', 'b\u0000c'));
  });
});

describe('seal and open', () => {
  it('signs SHA-256(context ‖ version ‖ u32 header length ‖ header ‖ nonce ‖ ciphertext), computed here independently', () => {
    const env = seal();
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, env.header.byteLength);
    const digest = sha256(utf8('yhteispoyta/envelope-signature'), Uint8Array.of(2), length, env.header, env.nonce, env.ciphertext);
    expect(alice.keys.publicKey.verify(digest, Uint8Array.from(env.signature))).toBe(true);
  });

  it('round-trips and the server check accepts it', () => {
    const env = seal();
    expect(openEnvelope(env, context())).toEqual({ ok: true, header, plaintext });
    expect(verifyEnvelopeSignature(env, alice.keys.publicKey)).toEqual({ ok: true, header });
    expect(verifyEnvelopeSignature(env, alice.keys.publicKey.serialize())).toEqual({ ok: true, header });
  });

  it('round-trips a snapshot and an empty plaintext', () => {
    const snap: EnvelopeHeader = {
      ...header,
      kind: 'snapshot',
      clock: 0,
      parentSnapshotId: '',
      parentProof: GENESIS_PROOF,
      coveredClocks: { [deviceKey(alice.ref)]: 7 },
    };
    const env = sealEnvelope({ header: snap, plaintext: new Uint8Array(), epochKey, identityKey: alice.keys.privateKey });
    expect(openEnvelope(env, context())).toEqual({ ok: true, header: snap, plaintext: new Uint8Array() });
  });

  it('uses a fresh nonce and hides the plaintext', () => {
    const a = seal();
    const b = seal();
    expect(a.nonce.byteLength).toBe(NONCE_BYTES);
    expect(a.signature.byteLength).toBe(SIGNATURE_BYTES);
    expect(a.ciphertext.byteLength).toBe(plaintext.byteLength + AEAD_TAG_BYTES);
    expect(a.nonce).not.toEqual(b.nonce);
    expect(a.ciphertext).not.toEqual(b.ciphertext);
    expect(Buffer.from(a.ciphertext).includes(Buffer.from('suunnitelmaan'))).toBe(false);
  });

  it('accepts Buffer parts as they arrive from socket.io', () => {
    const env = seal();
    const buffers = {
      header: Buffer.from(env.header),
      nonce: Buffer.from(env.nonce),
      ciphertext: Buffer.from(env.ciphertext),
      signature: Buffer.from(env.signature),
    };
    expect(openCode(buffers)).toBe('ok');
  });

  it('refuses to seal more than MAX_PLAINTEXT_BYTES', () => {
    expect(() =>
      sealEnvelope({ header, plaintext: new Uint8Array(MAX_PLAINTEXT_BYTES + 1), epochKey, identityKey: alice.keys.privateKey }),
    ).toThrow(RangeError);
  });
});

describe('open and verify reject every tampering with the right code', () => {
  const env = seal();

  it('any header bit flip: never accepted; the server check says bad_signature, malformed or too_large', () => {
    for (let bit = 0; bit < env.header.byteLength * 8; bit++) {
      const tampered = { ...env, header: flipBit(env.header, bit) };
      expect(['bad_signature', 'malformed', 'too_large']).toContain(verifyCode(tampered));
      expect(['bad_signature', 'malformed', 'too_large', 'wrong_context', 'unknown_author']).toContain(openCode(tampered));
    }
  });

  it('a header bit flip inside the epoch or clock field is a bad signature', () => {
    const epochByte = 4 + 36 + 2 + 8 + 3;
    const tampered = { ...env, header: flipBit(env.header, epochByte * 8) };
    expect(openCode(tampered)).toBe('bad_signature');
    expect(verifyCode(tampered)).toBe('bad_signature');
  });

  it('any nonce, ciphertext or signature bit flip is a bad signature', () => {
    for (const part of ['nonce', 'ciphertext', 'signature'] as const) {
      for (let bit = 0; bit < env[part].byteLength * 8; bit++) {
        const tampered = { ...env, [part]: flipBit(env[part], bit) };
        expect(openCode(tampered), `${part} bit ${bit}`).toBe('bad_signature');
        expect(verifyCode(tampered), `${part} bit ${bit}`).toBe('bad_signature');
      }
    }
  });

  it('truncating any part is rejected', () => {
    for (let n = 0; n < env.header.byteLength; n++) expect(openCode({ ...env, header: env.header.subarray(0, n) })).toBe('malformed');
    for (let n = 0; n < NONCE_BYTES; n++) expect(openCode({ ...env, nonce: env.nonce.subarray(0, n) })).toBe('malformed');
    for (let n = 0; n < SIGNATURE_BYTES; n++) expect(openCode({ ...env, signature: env.signature.subarray(0, n) })).toBe('malformed');
    for (let n = 0; n < env.ciphertext.byteLength; n++) {
      const expected = n < AEAD_TAG_BYTES ? 'malformed' : 'bad_signature';
      expect(openCode({ ...env, ciphertext: env.ciphertext.subarray(0, n) })).toBe(expected);
      expect(verifyCode({ ...env, ciphertext: env.ciphertext.subarray(0, n) })).toBe(expected);
    }
  });

  it('extending any part is rejected', () => {
    const extra = new Uint8Array([0]);
    expect(openCode({ ...env, header: concatBytes(env.header, extra) })).toBe('malformed');
    expect(openCode({ ...env, nonce: concatBytes(env.nonce, extra) })).toBe('malformed');
    expect(openCode({ ...env, signature: concatBytes(env.signature, extra) })).toBe('malformed');
    expect(openCode({ ...env, ciphertext: concatBytes(env.ciphertext, extra) })).toBe('bad_signature');
  });

  it('a correctly signed envelope opened with the wrong epoch key is wrong_key', () => {
    expect(openCode(env, context({ epochKeyOf: () => otherEpochKey }))).toBe('wrong_key');
    expect(openCode(env, context({ epochKeyOf: () => randomBytes(16) }))).toBe('wrong_key');
  });

  it('a missing epoch key is unknown_epoch', () => {
    expect(openCode(env, context({ epochKeyOf: () => undefined }))).toBe('unknown_epoch');
  });

  it('another stream or workspace is wrong_context', () => {
    expect(openCode(env, context({ stream: 'chat' }))).toBe('wrong_context');
    expect(openCode(env, context({ workspaceId: 'another-workspace' }))).toBe('wrong_context');
  });

  it('an unknown author is unknown_author', () => {
    expect(openCode(env, context({ identityOf: () => undefined }))).toBe('unknown_author');
  });

  it('an envelope re-signed by another device but claiming the original author is bad_signature', () => {
    const forged = seal(header, mallory);
    expect(openCode(forged)).toBe('bad_signature');
    expect(verifyCode(forged)).toBe('bad_signature');
    // The forger also holds the epoch key: only the signature stops her.
    expect(openCode(forged, context({ identityOf: () => mallory.publicKey }))).toBe('ok');
  });

  it('swapping the header author to another known device is bad_signature', () => {
    const swapped = { ...env, header: encodeHeader({ ...header, author: bob.ref }) };
    expect(openCode(swapped)).toBe('bad_signature');
    expect(verifyEnvelopeSignature(swapped, bob.keys.publicKey)).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('moving a signature onto another valid envelope is bad_signature', () => {
    const other = seal({ ...header, clock: 8 });
    expect(openCode({ ...other, signature: env.signature })).toBe('bad_signature');
  });

  it('the server check rejects a wrong or unusable author key', () => {
    expect(verifyEnvelopeSignature(env, bob.keys.publicKey)).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(verifyEnvelopeSignature(env, new Uint8Array(33))).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(verifyEnvelopeSignature(env, new Uint8Array())).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('oversized parts are too_large', () => {
    expect(openCode({ ...env, ciphertext: new Uint8Array(MAX_CIPHERTEXT_BYTES + 1) })).toBe('too_large');
    expect(verifyCode({ ...env, header: new Uint8Array(MAX_HEADER_BYTES + 1) })).toBe('too_large');
  });
});

describe('wire form', () => {
  const env = seal();

  it('round-trips and carries the decoded header', () => {
    const bytes = encodeWireEnvelope(env);
    expect(decodeWireEnvelope(bytes)).toEqual({ ok: true, envelope: env, header });
    const decoded = decodeWireEnvelope(bytes);
    if (!decoded.ok) throw new Error('unreachable');
    expect(openCode(decoded.envelope)).toBe('ok');
  });

  it('decodes into one copy of its own: the parts are views of it, and changing the input afterwards changes nothing', () => {
    const input = Buffer.from(encodeWireEnvelope(env));
    const framed = decodeEnvelopeFrame(input);
    if (!framed.ok) throw new Error(framed.detail);
    expect(framed.frame).toEqual(encodeWireEnvelope(env));
    for (const part of [framed.envelope.header, framed.envelope.nonce, framed.envelope.signature, framed.envelope.ciphertext]) {
      expect(part.buffer).toBe(framed.frame.buffer);
    }
    input.fill(0);
    expect(framed.envelope).toEqual(env);
    expect(openCode(framed.envelope)).toBe('ok');
  });

  it('rejects every truncation, trailing bytes and an unknown format', () => {
    const bytes = encodeWireEnvelope(env);
    for (let n = 0; n < bytes.byteLength; n++) expect(decodeWireEnvelope(bytes.subarray(0, n)).ok).toBe(false);
    expect(decodeWireEnvelope(concatBytes(bytes, new Uint8Array([0])))).toMatchObject({ ok: false, code: 'malformed' });
    const format = concatBytes(bytes);
    format[0] = 2;
    expect(decodeWireEnvelope(format)).toMatchObject({ ok: false, code: 'malformed' });
  });

  it('rejects a non-canonical header inside', () => {
    const bytes = encodeWireEnvelope({ ...env, header: concatBytes(env.header.subarray(0, 1), new Uint8Array([9]), env.header.subarray(2)) });
    expect(decodeWireEnvelope(bytes)).toMatchObject({ ok: false, code: 'malformed' });
  });

  it('reports declared sizes above the limits as too_large', () => {
    const headerLength = encodeWireEnvelope(env);
    new DataView(headerLength.buffer).setUint16(1, MAX_HEADER_BYTES + 1);
    expect(decodeWireEnvelope(headerLength)).toMatchObject({ ok: false, code: 'too_large' });
    const cipherLength = encodeWireEnvelope(env);
    new DataView(cipherLength.buffer).setUint32(3 + env.header.byteLength + NONCE_BYTES + SIGNATURE_BYTES, MAX_CIPHERTEXT_BYTES + 1);
    expect(decodeWireEnvelope(cipherLength)).toMatchObject({ ok: false, code: 'too_large' });
    expect(decodeWireEnvelope(new Uint8Array(MAX_ENVELOPE_BYTES + 1))).toMatchObject({ ok: false, code: 'too_large' });
  });
});

describe('envelope overhead', () => {
  it('is exactly 275 bytes for a typical update (282 in wire form)', () => {
    const sizes = [0, 1, 100, 10_000];
    for (const size of sizes) {
      const env = sealEnvelope({ header, plaintext: new Uint8Array(size), epochKey, identityKey: alice.keys.privateKey });
      const parts = env.header.byteLength + env.nonce.byteLength + env.ciphertext.byteLength + env.signature.byteLength;
      expect(env.header.byteLength).toBe(183);
      expect(parts - size).toBe(275);
      expect(envelopeOverhead(header)).toBe(275);
      expect(encodeWireEnvelope(env).byteLength - size).toBe(275 + ENVELOPE_OVERHEAD.wireFraming);
    }
    expect(ENVELOPE_OVERHEAD).toEqual({ nonce: 12, aeadTag: 16, signature: 64, wireFraming: 7 });
  });
});

describe('snapshot chain hashes', () => {
  it('envelopeHash is SHA-256 of the ciphertext', () => {
    const env = seal();
    expect(envelopeHash(env)).toEqual(sha256(env.ciphertext));
  });

  it('nextParentProof chains H(parentProof ‖ H(parentCiphertext)) from 32 zero bytes', () => {
    expect(GENESIS_PROOF).toEqual(new Uint8Array(32));
    const c1 = utf8('snapshot one');
    const c2 = utf8('snapshot two');
    const p1 = nextParentProof(GENESIS_PROOF, c1);
    expect(p1).toEqual(sha256(new Uint8Array(32), sha256(c1)));
    const p2 = nextParentProof(p1, c2);
    expect(p2).toEqual(sha256(p1, sha256(c2)));
    expect(nextParentProof(GENESIS_PROOF, c2)).not.toEqual(p2);
    expect(() => nextParentProof(new Uint8Array(31), c1)).toThrow(RangeError);
  });
});

/** Small seeded PRNG (mulberry32) so the hostile-input run is reproducible. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('hostile input never throws', () => {
  const real = seal();
  const realWire = encodeWireEnvelope(real);

  function garbage(next: () => number, depth = 0): unknown {
    const int = (n: number) => Math.floor(next() * n);
    const bytes = (): Uint8Array => {
      const sizes = [0, 1, 11, 12, 13, 15, 16, 63, 64, 65, 147, 300, 5000];
      const out = new Uint8Array(sizes[int(sizes.length)] ?? 0);
      for (let i = 0; i < out.length; i++) out[i] = int(256);
      return out;
    };
    const mutated = (from: Uint8Array): Uint8Array => {
      const copy = concatBytes(from);
      const flips = 1 + int(4);
      for (let i = 0; i < flips; i++) {
        const at = int(copy.length);
        copy[at] = (copy[at] ?? 0) ^ (1 + int(255));
      }
      return int(3) === 0 ? copy.subarray(0, int(copy.length)) : copy;
    };
    switch (int(depth > 2 ? 8 : 11)) {
      case 0: return undefined;
      case 1: return null;
      case 2: return next() * 1e9 - 5e8;
      case 3: return 'x'.repeat(int(50));
      case 4: return bytes();
      case 5: return { header: bytes(), nonce: bytes(), ciphertext: bytes(), signature: bytes() };
      case 6: return { ...real, header: mutated(real.header) };
      case 7: return mutated(realWire);
      case 8: return [garbage(next, depth + 1), garbage(next, depth + 1)];
      case 9: return { header: garbage(next, depth + 1), nonce: real.nonce, ciphertext: garbage(next, depth + 1), signature: real.signature };
      default: return { [['header', 'nonce', 'x'][int(3)] ?? 'y']: garbage(next, depth + 1), ...(int(2) === 0 ? {} : { nonce: bytes() }) };
    }
  }

  it('openEnvelope, verifyEnvelopeSignature and decodeWireEnvelope reject 400 seeded random inputs', () => {
    const next = prng(20241122);
    for (let i = 0; i < 400; i++) {
      const x = garbage(next);
      expect(() => openEnvelope(x, context())).not.toThrow();
      expect(openEnvelope(x, context()).ok).toBe(false);
      expect(verifyEnvelopeSignature(x, alice.keys.publicKey).ok).toBe(false);
      const decoded = decodeWireEnvelope(x);
      // Bit flips in the ciphertext still decode structurally; the signature must then fail.
      if (decoded.ok) expect(openEnvelope(decoded.envelope, context()).ok).toBe(false);
      else expect(['malformed', 'too_large']).toContain(decoded.code);
    }
  });

  it('survives values whose properties throw when read', () => {
    const hostile = {
      get header(): Uint8Array {
        throw new Error('boom');
      },
      nonce: new Uint8Array(12),
    };
    expect(openEnvelope(hostile, context())).toMatchObject({ ok: false, code: 'malformed' });
    expect(verifyEnvelopeSignature(hostile, alice.keys.publicKey)).toMatchObject({ ok: false, code: 'malformed' });
  });
});
