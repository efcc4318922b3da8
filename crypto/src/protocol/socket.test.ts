import { PrivateKey } from '@signalapp/libsignal-client';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { randomBytes, utf8 } from '../bytes';
import { AEAD_TAG_BYTES, decodeWireEnvelope, encodeWireEnvelope, sealEnvelope, verifyEnvelopeSignature } from '../envelope';
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
} from './socket';
import type { JoinResult, StoredResult } from './socket-payloads';
import {
  clockDetailsSchema,
  joinRequestSchema,
  MAX_FETCH_LIMIT,
  MAX_JOIN_STREAMS,
  staleSnapshotDetailsSchema,
} from './socket-payloads';
import { MAX_PRESENCE_CIPHERTEXT_BYTES, presenceEnvelopeSchema, storedEnvelopeSchema, wireEnvelopeSchema } from './wire-envelope';

const author = { userId: 'user-1', deviceId: 1 };
let identityKey: PrivateKey;
let update: WireEnvelope;
let presence: WireEnvelope;

function header(kind: EnvelopeHeader['kind'], stream: string): EnvelopeHeader {
  return { v: 2, workspaceId: 'ws-1', stream, kind, epoch: 1, author, clock: 1, snapshotId: 'snap-1', sentAt: 1_760_000_000_000, chainHead: { seq: 1, hash: '0'.repeat(64) } };
}

/** A copy whose parts are Buffers, as socket.io hands binary to a Node listener. */
function asReceived(env: WireEnvelope): Record<keyof WireEnvelope, Buffer> {
  return {
    header: Buffer.from(env.header),
    nonce: Buffer.from(env.nonce),
    ciphertext: Buffer.from(env.ciphertext),
    signature: Buffer.from(env.signature),
  };
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
  it('a sealed envelope passes the schema, and what passes still verifies', () => {
    const parsed = wireEnvelopeSchema.parse(asReceived(update));
    expect(verifyEnvelopeSignature(parsed, identityKey.getPublicKey()).ok).toBe(true);
    const decoded = decodeWireEnvelope(encodeWireEnvelope(parsed));
    expect(decoded.ok).toBe(true);
  });

  it('bounds each part exactly', () => {
    const base = asReceived(update);
    const withPart = (part: keyof WireEnvelope, length: number) => ({ ...base, [part]: Buffer.alloc(length) });
    expect(wireEnvelopeSchema.safeParse(withPart('nonce', 11)).success).toBe(false);
    expect(wireEnvelopeSchema.safeParse(withPart('nonce', 13)).success).toBe(false);
    expect(wireEnvelopeSchema.safeParse(withPart('signature', 63)).success).toBe(false);
    expect(wireEnvelopeSchema.safeParse(withPart('signature', 65)).success).toBe(false);
    expect(wireEnvelopeSchema.safeParse(withPart('ciphertext', AEAD_TAG_BYTES - 1)).success).toBe(false);
    expect(wireEnvelopeSchema.safeParse(withPart('header', 0)).success).toBe(false);
    expect(wireEnvelopeSchema.safeParse(withPart('header', MAX_HEADER_BYTES)).success).toBe(true);
    expect(wireEnvelopeSchema.safeParse(withPart('header', MAX_HEADER_BYTES + 1)).success).toBe(false);
  });

  it('holds presence to a much smaller ciphertext than stored envelopes', () => {
    const big = { ...asReceived(presence), ciphertext: Buffer.alloc(MAX_PRESENCE_CIPHERTEXT_BYTES + 1) };
    expect(presenceEnvelopeSchema.safeParse(big).success).toBe(false);
    expect(wireEnvelopeSchema.safeParse(big).success).toBe(true);
  });

  it('refuses base64 strings, arrays of numbers and shared memory in place of bytes', () => {
    const base = asReceived(update);
    for (const nonce of [base.nonce.toString('base64'), [...base.nonce], new Uint8Array(new SharedArrayBuffer(12))]) {
      expect(wireEnvelopeSchema.safeParse({ ...base, nonce }).success).toBe(false);
    }
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

  it('accepts a token with the current protocol version', () => {
    expect(parseHandshakeAuth({ token, v: 2 })).toEqual({ ok: true, auth: { token, v: 2 } });
  });

  it('tells a version mismatch from a bad token', () => {
    for (const auth of [{ token, v: 1 }, { token }, { token, v: '2' }, {}, null, 'x', undefined]) {
      const result = parseHandshakeAuth(auth);
      expect(result.ok === false && result.code, JSON.stringify(auth)).toBe('unsupported_version');
    }
    for (const auth of [{ v: 2 }, { token: 'short', v: 2 }, { token: 12, v: 2 }, { token: `${token}!`, v: 2 }, { token, v: 2, extra: 1 }]) {
      const result = parseHandshakeAuth(auth);
      expect(result.ok === false && result.code, JSON.stringify(auth)).toBe('unauthenticated');
    }
  });

  it('rejects every hostile variant of the auth object', () => {
    for (const m of mutationsOf({ token, v: 2 })) {
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
  });
});
