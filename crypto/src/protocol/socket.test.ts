import { PrivateKey } from '@signalapp/libsignal-client';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { randomBytes, utf8 } from '../bytes';
import {
  AEAD_TAG_BYTES,
  encodedEnvelopeTooLarge,
  encodeWireEnvelope,
  MAX_CIPHERTEXT_BYTES,
  MAX_ENVELOPE_BYTES,
  NONCE_BYTES,
  sealEnvelope,
  SIGNATURE_BYTES,
  verifyEnvelopeSignature,
} from '../envelope';
import { MAX_HEADER_BYTES } from '../header';
import type { EnvelopeHeader, WireEnvelope } from '../types';
import { ProtocolError } from './errors';
import { extraKeyVariantsOf, mutationsOf } from './mutations.testkit';
import type { ClientToServerEventName, ServerToClientEventName } from './socket';
import {
  CLIENT_EVENT_SCHEMAS,
  CLIENT_TO_SERVER_EVENTS,
  connectErrorDataSchema,
  handshakeAuthSchema,
  parseHandshakeAuth,
  SERVER_EVENT_SCHEMAS,
  SERVER_TO_CLIENT_EVENTS,
  SOCKET_EVENTS,
  SOCKET_PROTOCOL_VERSION,
} from './socket';
import type { JoinResult, StoredResult } from './socket-payloads';
import {
  clockDetailsSchema,
  joinRequestSchema,
  MAX_FETCH_LIMIT,
  MAX_JOIN_STREAMS,
  staleSnapshotDetailsSchema,
} from './socket-payloads';
import { envelopeBytes, envelopeFrame, MAX_PRESENCE_CIPHERTEXT_BYTES, presenceEnvelopeSchema, storedEnvelopeSchema, wireEnvelopeSchema } from './wire-envelope';

const author = { userId: 'user-1', deviceId: 1 };
let identityKey: PrivateKey;
let update: WireEnvelope;
let presence: WireEnvelope;

function header(kind: EnvelopeHeader['kind'], stream: string): EnvelopeHeader {
  return { v: 2, workspaceId: 'ws-1', stream, kind, epoch: 1, author, clock: 1, snapshotId: 'snap-1', sentAt: 1_760_000_000_000, chainHead: { seq: 1, hash: '0'.repeat(64) } };
}

/** The envelope's encoded blob as a Buffer, as socket.io hands binary to a Node listener. */
function asReceived(env: WireEnvelope): Buffer {
  return Buffer.from(envelopeFrame(env));
}

/**
 * An encoded envelope written field by field with no size checks (encodeWireEnvelope
 * refuses illegal parts): format byte, u16 header length, header, nonce, signature, u32
 * ciphertext length, ciphertext.
 */
function frameOf(parts: { header: Uint8Array; nonce: Uint8Array; signature: Uint8Array; ciphertext: Uint8Array }, format = 1): Buffer {
  const out = Buffer.alloc(7 + parts.header.length + parts.nonce.length + parts.signature.length + parts.ciphertext.length);
  let at = out.writeUInt8(format, 0);
  at = out.writeUInt16BE(parts.header.length, at);
  for (const part of [parts.header, parts.nonce, parts.signature]) {
    out.set(part, at);
    at += part.length;
  }
  at = out.writeUInt32BE(parts.ciphertext.length, at);
  out.set(parts.ciphertext, at);
  return out;
}

/** The stable code of a refusal (`malformed`, `too_large`), or 'accepted'. Fails the test if parsing throws. */
function outcome(schema: z.ZodType, input: unknown): string {
  const parsed = schema.safeParse(input);
  if (parsed.success) return 'accepted';
  const issue = parsed.error.issues[0];
  const code = issue?.code === 'custom' ? (issue.params as { code?: unknown } | undefined)?.code : undefined;
  return typeof code === 'string' ? code : `refused: ${issue?.message ?? ''}`;
}

beforeAll(() => {
  identityKey = PrivateKey.generate();
  const epochKey = randomBytes(32);
  update = sealEnvelope({ header: header('update', 'doc:plan'), plaintext: utf8('yjs update'), epochKey, identityKey });
  presence = sealEnvelope({ header: header('presence', 'presence'), plaintext: utf8('{"cursor":3}'), epochKey, identityKey });
});

const stored = () => ({ seq: 5, envelope: asReceived(update), receivedAt: 1_760_000_000_001 });
const failure = { ok: false, error: { code: 'stale_snapshot', message: 'stale', details: { activeSnapshotId: 'snap-2' } } };

function clientSamples(): Record<ClientToServerEventName, { request: unknown; success: unknown }> {
  return {
    join: {
      request: { workspaceId: 'ws-1', positions: { 'doc:plan': { snapshotId: 'snap-1', afterSeq: 4 }, chat: { snapshotId: '', afterSeq: 0 } } },
      success: { ok: true, streams: { 'doc:plan': { snapshot: stored(), envelopes: [stored()] }, chat: { snapshot: null, envelopes: [] } }, membershipSeq: 3 },
    },
    leave: { request: { workspaceId: 'ws-1' }, success: { ok: true } },
    push: { request: { envelope: asReceived(update) }, success: { ok: true, seq: 6 } },
    snapshot: { request: { envelope: asReceived(update) }, success: { ok: true, seq: 7 } },
    presence: { request: { envelope: asReceived(presence) }, success: { ok: true } },
    fetch: { request: { workspaceId: 'ws-1', stream: 'chat', afterSeq: 0, limit: 100 }, success: { ok: true, envelopes: [stored()] } },
  };
}

function serverSamples(): Record<ServerToClientEventName, unknown> {
  return {
    envelope: { workspaceId: 'ws-1', stream: 'doc:plan', stored: stored() },
    presence: { workspaceId: 'ws-1', envelope: asReceived(presence) },
    mailbox: { pending: 2 },
    membership: { workspaceId: 'ws-1', seq: 4 },
    revoked: { workspaceId: 'ws-1', reason: 'consent_revoked' },
    certificates: { userId: 'user-1' },
    enrolment: { codeId: 'inv_abcdefghijkl' },
  };
}

/** Every sample of every event with the schema that must accept it. */
function allCases(): { name: string; schema: z.ZodType; sample: unknown }[] {
  const client = clientSamples();
  const cases: { name: string; schema: z.ZodType; sample: unknown }[] = [];
  for (const event of CLIENT_TO_SERVER_EVENTS) {
    const schemas = CLIENT_EVENT_SCHEMAS[event];
    cases.push({ name: `${event} request`, schema: schemas.request, sample: client[event].request });
    cases.push({ name: `${event} ack success`, schema: schemas.ack, sample: client[event].success });
    cases.push({ name: `${event} ack failure`, schema: schemas.ack, sample: failure });
  }
  const server = serverSamples();
  for (const event of SERVER_TO_CLIENT_EVENTS) cases.push({ name: `${event} notice`, schema: SERVER_EVENT_SCHEMAS[event], sample: server[event] });
  return cases;
}

describe('event names', () => {
  it('the name lists cover SOCKET_EVENTS exactly, and only presence goes both ways', () => {
    const both = CLIENT_TO_SERVER_EVENTS.filter((e) => (SERVER_TO_CLIENT_EVENTS as readonly string[]).includes(e));
    expect(both).toEqual(['presence']);
    expect(new Set([...CLIENT_TO_SERVER_EVENTS, ...SERVER_TO_CLIENT_EVENTS])).toEqual(new Set(Object.values(SOCKET_EVENTS)));
    for (const [key, value] of Object.entries(SOCKET_EVENTS)) expect(key).toBe(value);
  });

  it('socket.io reserved names are not used', () => {
    for (const reserved of ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener', 'error']) {
      expect(Object.values(SOCKET_EVENTS) as string[]).not.toContain(reserved);
    }
  });
});

describe('event schemas', () => {
  it('accept their valid samples, with the received Buffers kept as they are', () => {
    for (const c of allCases()) {
      const parsed = c.schema.safeParse(c.sample);
      expect(parsed.success, `${c.name}: ${parsed.error?.message ?? ''}`).toBe(true);
    }
  });

  it('reject wrong types, oversize values, deep nesting, negative and NaN numbers at every depth', () => {
    let checked = 0;
    for (const c of allCases()) {
      for (const m of mutationsOf(c.sample)) {
        // A detail value may be any finite scalar: see errors.test.ts for what is refused there.
        if (m.where.startsWith('$.error.details.') && !['deep nesting', 'NaN', 'infinite', 'oversize string'].includes(m.attack)) continue;
        expect(c.schema.safeParse(m.input).success, `${c.name}: ${m.attack} at ${m.where}`).toBe(false);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('reject unknown keys at every depth', () => {
    for (const c of allCases()) {
      for (const v of extraKeyVariantsOf(c.sample, 'injected')) {
        if (v.where === '$.error.details') continue;
        expect(c.schema.safeParse(v.input).success, `${c.name}: extra key at ${v.where}`).toBe(false);
      }
    }
  });
});

describe('envelopes', () => {
  it('travel as one blob: the encoded envelope parses back into the same WireEnvelope, which still verifies', () => {
    const blob = asReceived(update);
    expect(Buffer.from(blob).equals(Buffer.from(encodeWireEnvelope(update)))).toBe(true);
    const parsed = wireEnvelopeSchema.parse(blob);
    expect(parsed).toEqual(update);
    expect(verifyEnvelopeSignature(parsed, identityKey.getPublicKey()).ok).toBe(true);
    expect(Buffer.from(envelopeFrame(parsed)).equals(blob)).toBe(true);
    expect(presenceEnvelopeSchema.parse(asReceived(presence))).toEqual(presence);
  });

  it('keep the bytes they arrived as: envelopeBytes gives a parsed envelope those bytes (a copy of its own), anything else freshly encoded', () => {
    const blob = asReceived(update);
    const parsed = wireEnvelopeSchema.parse(blob);
    const kept = envelopeBytes(parsed);
    expect(Buffer.from(kept).equals(blob)).toBe(true);
    expect(envelopeBytes(parsed)).toBe(kept);
    // Whatever later happens to the received buffer does not reach what the relay stores.
    blob.fill(0);
    expect(Buffer.from(envelopeBytes(parsed)).equals(Buffer.from(encodeWireEnvelope(update)))).toBe(true);
    // A new object (a copy, a spread with another part) is encoded from its own parts.
    const resigned = { ...parsed, signature: new Uint8Array(parsed.signature.byteLength) };
    expect(Buffer.from(envelopeBytes(resigned)).equals(Buffer.from(encodeWireEnvelope(resigned)))).toBe(true);
    expect(Buffer.from(envelopeBytes(resigned)).equals(Buffer.from(kept))).toBe(false);
    expect(Buffer.from(envelopeBytes(update)).equals(Buffer.from(encodeWireEnvelope(update)))).toBe(true);
    // What an agent receives keeps no copy: each call encodes afresh.
    const delivered = storedEnvelopeSchema.parse(stored()).envelope;
    expect(envelopeBytes(delivered)).not.toBe(envelopeBytes(delivered));
    expect(Buffer.from(envelopeBytes(delivered)).equals(asReceived(update))).toBe(true);
  });

  it('bounds the header and the ciphertext exactly, with the protocol\'s codes', () => {
    const part = (length: number) => new Uint8Array(length);
    const parts = { header: part(100), nonce: part(NONCE_BYTES), signature: part(SIGNATURE_BYTES), ciphertext: part(AEAD_TAG_BYTES) };
    expect(outcome(wireEnvelopeSchema, frameOf(parts))).toBe('accepted');
    expect(outcome(wireEnvelopeSchema, frameOf({ ...parts, header: part(MAX_HEADER_BYTES) }))).toBe('accepted');
    expect(outcome(wireEnvelopeSchema, frameOf({ ...parts, header: part(MAX_HEADER_BYTES + 1) }))).toBe('too_large');
    expect(outcome(wireEnvelopeSchema, frameOf({ ...parts, header: part(0) }))).toBe('malformed');
    expect(outcome(wireEnvelopeSchema, frameOf({ ...parts, ciphertext: part(AEAD_TAG_BYTES - 1) }))).toBe('malformed');
    expect(outcome(wireEnvelopeSchema, frameOf({ ...parts, ciphertext: part(MAX_CIPHERTEXT_BYTES) }))).toBe('accepted');
    expect(outcome(wireEnvelopeSchema, frameOf({ ...parts, ciphertext: part(MAX_CIPHERTEXT_BYTES + 1) }))).toBe('too_large');
  });

  it('holds presence to a much smaller ciphertext than stored envelopes', () => {
    const big = frameOf({ ...presence, ciphertext: new Uint8Array(MAX_PRESENCE_CIPHERTEXT_BYTES + 1) });
    expect(outcome(presenceEnvelopeSchema, big)).toBe('too_large');
    expect(outcome(wireEnvelopeSchema, big)).toBe('accepted');
  });

  it('refuse a blob cut short anywhere, with trailing bytes, or with a length field past the end: malformed', () => {
    const blob = asReceived(update);
    for (let length = 0; length < blob.length; length++) {
      expect(outcome(wireEnvelopeSchema, blob.subarray(0, length)), `cut to ${length}`).toBe('malformed');
    }
    for (const extra of [1, 2, 64]) expect(outcome(wireEnvelopeSchema, Buffer.concat([blob, Buffer.alloc(extra, 7)]))).toBe('malformed');
    const headerLengthPastEnd = Buffer.from(blob);
    headerLengthPastEnd.writeUInt16BE(update.header.length + 1, 1);
    expect(outcome(wireEnvelopeSchema, headerLengthPastEnd)).toBe('malformed');
    const ciphertextLengthAt = 3 + update.header.length + NONCE_BYTES + SIGNATURE_BYTES;
    for (const length of [update.ciphertext.length + 1, update.ciphertext.length - 1, 0]) {
      const lying = Buffer.from(blob);
      lying.writeUInt32BE(length, ciphertextLengthAt);
      expect(outcome(wireEnvelopeSchema, lying), `ciphertext length ${length}`).toBe('malformed');
    }
    const huge = Buffer.from(blob);
    huge.writeUInt32BE(0xffff_ffff, ciphertextLengthAt);
    expect(outcome(wireEnvelopeSchema, huge)).toBe('too_large');
    expect(outcome(wireEnvelopeSchema, frameOf(update, 2))).toBe('malformed');
    expect(outcome(wireEnvelopeSchema, frameOf(update, 0))).toBe('malformed');
  });

  it('refuse the old four-field shape, base64, arrays of numbers, other typed arrays and shared memory in place of the blob', () => {
    const blob = asReceived(update);
    const shared = new Uint8Array(new SharedArrayBuffer(blob.length));
    shared.set(blob);
    for (const value of [{ ...update }, blob.toString('base64'), [...blob], new Uint16Array(blob.length), shared, null, undefined, 42]) {
      expect(wireEnvelopeSchema.safeParse(value).success).toBe(false);
    }
  });

  it('refuse a blob over the largest envelope as too_large, and never throw on garbage', () => {
    expect(outcome(wireEnvelopeSchema, Buffer.alloc(MAX_ENVELOPE_BYTES + 1, 1))).toBe('too_large');
    let seed = 17;
    const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    for (let i = 0; i < 2000; i++) {
      const garbage = Buffer.alloc(next() % 400);
      for (let j = 0; j < garbage.length; j++) garbage[j] = next() % 256;
      // Some with a plausible start, so the length fields are what gets judged.
      if (i % 2 === 0 && garbage.length > 3) garbage.writeUInt8(1, 0);
      expect(() => wireEnvelopeSchema.safeParse(garbage)).not.toThrow();
      expect(wireEnvelopeSchema.safeParse(garbage).success).toBe(false);
    }
  });

  it('judges too_large from the length fields alone, before any decoding', () => {
    const blob = asReceived(update);
    expect(encodedEnvelopeTooLarge(blob)).toBe(false);
    expect(encodedEnvelopeTooLarge(blob.subarray(0, 2))).toBe(false);
    const longHeader = Buffer.from(blob);
    longHeader.writeUInt16BE(MAX_HEADER_BYTES + 1, 1);
    expect(encodedEnvelopeTooLarge(longHeader)).toBe(true);
    const longCiphertext = Buffer.from(blob);
    longCiphertext.writeUInt32BE(MAX_PRESENCE_CIPHERTEXT_BYTES + 1, 3 + update.header.length + NONCE_BYTES + SIGNATURE_BYTES);
    expect(encodedEnvelopeTooLarge(longCiphertext)).toBe(false);
    expect(encodedEnvelopeTooLarge(longCiphertext, MAX_PRESENCE_CIPHERTEXT_BYTES)).toBe(true);
    expect(encodedEnvelopeTooLarge(Buffer.alloc(MAX_ENVELOPE_BYTES + 1))).toBe(true);
  });

  it('stored sequence numbers start at 1', () => {
    expect(storedEnvelopeSchema.safeParse({ ...stored(), seq: 0 }).success).toBe(false);
  });
});

describe('event rules', () => {
  it('bounds the streams of a join and their names', () => {
    const position = { snapshotId: '', afterSeq: 0 };
    const positions = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`doc:m${i}`, position]));
    expect(joinRequestSchema.safeParse({ workspaceId: 'ws-1', positions: positions(MAX_JOIN_STREAMS) }).success).toBe(true);
    expect(joinRequestSchema.safeParse({ workspaceId: 'ws-1', positions: positions(MAX_JOIN_STREAMS + 1) }).success).toBe(false);
    for (const stream of ['doc:', 'docs:plan', 'doc:a/b', 'x']) {
      expect(joinRequestSchema.safeParse({ workspaceId: 'ws-1', positions: { [stream]: position } }).success, stream).toBe(false);
    }
    expect(joinRequestSchema.safeParse({ workspaceId: 'ws-1', positions: [] }).success).toBe(false);
  });

  it('bounds fetch limits', () => {
    const fetch = CLIENT_EVENT_SCHEMAS.fetch.request;
    const request = { workspaceId: 'ws-1', stream: 'chat', afterSeq: 0 };
    expect(fetch.safeParse({ ...request, limit: MAX_FETCH_LIMIT }).success).toBe(true);
    expect(fetch.safeParse({ ...request, limit: MAX_FETCH_LIMIT + 1 }).success).toBe(false);
    expect(fetch.safeParse({ ...request, limit: 0 }).success).toBe(false);
  });

  it('a stale snapshot failure carries the active snapshot id through the ack', () => {
    const ack = CLIENT_EVENT_SCHEMAS.snapshot.ack.parse(new ProtocolError('stale_snapshot', 'stale', { activeSnapshotId: 'snap-9' }).toAck());
    expect(ack.ok).toBe(false);
    if (ack.ok) return;
    expect(staleSnapshotDetailsSchema.parse(ack.error.details)).toEqual({ activeSnapshotId: 'snap-9' });
    expect(clockDetailsSchema.safeParse(ack.error.details).success).toBe(false);
  });

  it('refuses unknown revoke reasons', () => {
    expect(SERVER_EVENT_SCHEMAS.revoked.safeParse({ workspaceId: 'ws-1', reason: 'bored' }).success).toBe(false);
  });
});

describe('handshake', () => {
  const token = 'T'.repeat(43);

  const v = SOCKET_PROTOCOL_VERSION;

  it('accepts a token with the current socket protocol version', () => {
    expect(parseHandshakeAuth({ token, v })).toEqual({ ok: true, auth: { token, v } });
  });

  it('tells a version mismatch from a bad token: an agent of the four-field envelopes (version 2) must upgrade', () => {
    for (const auth of [{ token, v: 1 }, { token, v: 2 }, { token }, { token, v: String(v) }, {}, null, 'x', undefined]) {
      const result = parseHandshakeAuth(auth);
      expect(result.ok === false && result.code, JSON.stringify(auth)).toBe('unsupported_version');
    }
    for (const auth of [{ v }, { token: 'short', v }, { token: 12, v }, { token: `${token}!`, v }, { token, v, extra: 1 }]) {
      const result = parseHandshakeAuth(auth);
      expect(result.ok === false && result.code, JSON.stringify(auth)).toBe('unauthenticated');
    }
  });

  it('rejects every hostile variant of the auth object', () => {
    for (const m of mutationsOf({ token, v })) {
      expect(handshakeAuthSchema.safeParse(m.input).success, `${m.attack} at ${m.where}`).toBe(false);
    }
  });

  it('parses the data of a refused connection', () => {
    expect(connectErrorDataSchema.safeParse({ code: 'unauthenticated', message: 'expired token' }).success).toBe(true);
    expect(connectErrorDataSchema.safeParse({ code: 'nope', message: 'x' }).success).toBe(false);
  });
});

describe('types', () => {
  it('ack schemas infer the event map result types', () => {
    type JoinAck = z.infer<typeof CLIENT_EVENT_SCHEMAS.join.ack>;
    expectTypeOf<Extract<JoinAck, { ok: true }>['membershipSeq']>().toEqualTypeOf<JoinResult['membershipSeq']>();
    expectTypeOf<Extract<z.infer<typeof CLIENT_EVENT_SCHEMAS.push.ack>, { ok: true }>['seq']>().toEqualTypeOf<StoredResult['seq']>();
    expectTypeOf<z.infer<typeof wireEnvelopeSchema>>().toEqualTypeOf<WireEnvelope>();
    expectTypeOf<z.input<typeof wireEnvelopeSchema>>().toEqualTypeOf<Uint8Array>();
  });
});
